# kilnguard — two commands matter:
#   make demo   set up, build the demo database (SQLite) and serve web + API on 127.0.0.1:8000
#   make test   set up and run the whole test suite (SQLite, then PostgreSQL when reachable)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test lint bench clean messages

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "kilnguard needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/kilnguard demo

test: $(STAMP)
	@bash scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/risk_replay.py
	$(BIN)/python benchmarks/planner.py

# Extract the pages' messages and merge them into every catalog (then translate the new ones).
messages: $(STAMP)
	@mkdir -p build
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output -o build/messages.pot .
	$(BIN)/pybabel update -i build/messages.pot -d src/kilnguard/locale --no-location --no-wrap --ignore-obsolete

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache kilnguard.db kilnguard.db-wal kilnguard.db-shm
