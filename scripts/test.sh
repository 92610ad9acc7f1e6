#!/usr/bin/env bash
# The whole suite: lint and types, then every test on SQLite, then every test on PostgreSQL when
# a server answers on 127.0.0.1:5432 (required when KILNGUARD_REQUIRE_POSTGRES=1, as in CI).
set -euo pipefail
BIN=.venv/bin
PG_URL="${KILNGUARD_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test}"

if [ ! -x "${KILNGUARD_CHROMIUM:-/usr/bin/chromium}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing Debian's chromium for the browser tests"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "The browser tests need Debian's Chromium: run 'sudo apt-get install chromium' (or set KILNGUARD_CHROMIUM)." >&2
    exit 1
  fi
fi

echo "== ruff, mypy and the layer contracts (import-linter)"
$BIN/ruff check src tests benchmarks
$BIN/mypy
$BIN/lint-imports

# Tests run on every core (pytest-xdist); a module's tests stay on one worker, so each browser
# module builds its demo database and server once.
WORKERS="${KILNGUARD_TEST_WORKERS:-$(nproc 2>/dev/null || echo 2)}"
PYTEST=($BIN/pytest -p no:cacheprovider -q -n "$WORKERS" --dist loadfile)

echo "== tests on SQLite"
"${PYTEST[@]}"

pg_up=0
if $BIN/python - "$PG_URL" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1], connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not reachable at {sys.argv[1]}: {exc}", file=sys.stderr)
    sys.exit(1)
PY
then pg_up=1; fi

if [ "$pg_up" = 1 ]; then
  echo "== tests on PostgreSQL ($PG_URL)"
  KILNGUARD_TEST_DATABASE_URL="$PG_URL" "${PYTEST[@]}"
elif [ "${KILNGUARD_REQUIRE_POSTGRES:-0}" = 1 ]; then
  echo "PostgreSQL run required (KILNGUARD_REQUIRE_POSTGRES=1) but no server answered" >&2
  exit 1
else
  echo "== PostgreSQL not reachable: the PostgreSQL run was skipped (SQLite run above is complete)"
fi
