"""Plan charts render in memory to PNG bytes outside the domain; the domain imports no
matplotlib and the charts set no global backend (issue 11, point 7)."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

from kilnguard.domain.errors import ValidationError
from kilnguard.domain.planning import Kiln, PlanningProblem, Target, Worker
from kilnguard.domain.planning.greedy import greedy_plan
from kilnguard.domain.planning.pushing import price_of_pushing
from kilnguard.services.planning import charts

SRC = Path(charts.__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n"
START = date(2021, 10, 4)


def _problem() -> PlanningProblem:
    kiln = Kiln("K1", "Kiln 1", "periodic", 30.0, crew_size=1)
    workers = tuple(
        Worker(f"W{i}", f"C{i}", frozenset({"periodic"}), frozenset({"K1"})) for i in range(4)
    )
    target = Target("T1", 200.0, date(2021, 10, 9), frozenset({"K1"}), START)
    return PlanningProblem(START, 7, (kiln,), workers, (target,))


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_gantt_and_pushing_charts_are_png_bytes() -> None:
    problem = _problem()
    gantt = charts.gantt_png(problem, greedy_plan(problem), subtitle="reconstructed")
    rows = price_of_pushing(problem, (1.0, 1.5), None, time_limit_s=2)
    push = charts.pushing_png(rows)
    assert isinstance(gantt, bytes) and gantt[:8] == PNG
    assert isinstance(push, bytes) and push[:8] == PNG


def test_an_unknown_chart_is_refused_in_words() -> None:
    with pytest.raises(ValidationError):
        charts.chart_png(object(), "pie")  # type: ignore[arg-type]


def test_no_domain_module_imports_matplotlib() -> None:
    offenders = [
        str(p.relative_to(SRC))
        for p in sorted((SRC / "kilnguard" / "domain").rglob("*.py"))
        if any(n == "matplotlib" or n.startswith("matplotlib.") for n in _imports(p))
    ]
    assert offenders == []


def test_the_charts_use_no_pyplot_and_set_no_backend() -> None:
    path = Path(charts.__file__)
    assert "matplotlib.pyplot" not in _imports(path)
    assert "matplotlib.use(" not in path.read_text(encoding="utf-8")
