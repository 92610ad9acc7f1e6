"""The layout rules of ARCHITECTURE.md, checked on the source itself (AST scans).

import-linter (`lint-imports`, run by `make test`) enforces which layer may import which; these
tests catch what an import graph cannot: a tenancy or role decision made outside the one choke
point, a service or domain function that reads the clock, a front end that queries the store,
a module grown past 600 lines, matplotlib in the domain.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "kilnguard"
MAX_LINES = 600

#: Where tenancy and role decisions may be made: the choke point, and the role vocabulary.
TENANCY_HOME = {SRC / "services" / "access.py", SRC / "domain" / "roles.py"}
#: Layers whose every module is scanned for tenancy decisions. The domain holds pure workflow
#: rules (who may review or overrule a change) and is not a tenancy layer.
TENANCY_SCANNED = ["services", "api", "web", "commands", "scenarios", "store", "cli.py"]
FRONT_ENDS = ["api", "web", "commands", "cli.py"]
TENANCY_NAMES = {"readable_enterprise_ids", "writable_enterprise_ids", "require_role"}
STORE_QUERY_METHODS = {"get", "execute", "scalars", "scalar", "query"}


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path.relative_to(SRC.parent)}:{self.line}: {self.what}"


def _modules(*parts: str) -> Iterator[Path]:
    for part in parts:
        target = SRC / part
        if target.is_file():
            yield target
        else:
            yield from sorted(p for p in target.rglob("*.py") if "migrations" not in p.parts)


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _dotted(node: ast.AST) -> str:
    """`a.b.c` for a Name/Attribute chain, '' for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else ""
    return ""


def _is_role_operand(node: ast.AST) -> bool:
    """`x.role`, `Role.X`, `Role.X.value`, or a container literal of those."""
    if isinstance(node, ast.Attribute) and node.attr == "role":
        return True
    name = _dotted(node)
    if name.startswith("Role.") or ".Role." in name:
        return True
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_is_role_operand(e) for e in node.elts)
    return False


def tenancy_findings(path: Path) -> list[Finding]:
    """Role comparisons, and any use of a user's enterprise set, in `path`."""
    out: list[Finding] = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Compare):
            if any(_is_role_operand(n) for n in [node.left, *node.comparators]):
                out.append(Finding(path, node.lineno, "compares roles"))
        elif isinstance(node, ast.Attribute) and node.attr == "enterprise_ids":
            out.append(Finding(path, node.lineno, "reads a user's enterprise set"))
        elif isinstance(node, ast.Name | ast.Attribute):
            name = node.id if isinstance(node, ast.Name) else node.attr
            if name in TENANCY_NAMES:
                out.append(Finding(path, node.lineno, f"uses {name}"))
    return out


def clock_findings(path: Path) -> list[Finding]:
    """Calls that read the machine clock: datetime.now/utcnow/today, date.today, time.time."""
    out: list[Finding] = []
    for node in ast.walk(_tree(path)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = _dotted(node.func.value).rsplit(".", 1)[-1]
        attr = node.func.attr
        if (owner in {"datetime", "date"} and attr in {"now", "utcnow", "today"}) or (
            owner == "time" and attr == "time"
        ):
            out.append(Finding(path, node.lineno, f"reads the clock ({owner}.{attr})"))
    return out


def store_query_findings(path: Path) -> list[Finding]:
    """Store access from a front end: importing the store, select(), session queries."""
    out: list[Finding] = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kilnguard.store"):
            out.append(Finding(path, node.lineno, f"imports {node.module}"))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("kilnguard.store") or alias.name == "sqlalchemy":
                    out.append(Finding(path, node.lineno, f"imports {alias.name}"))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            names = {a.name for a in node.names}
            if names & {"select", "text", "update", "delete", "insert"}:
                out.append(Finding(path, node.lineno, f"imports query builders from {node.module}"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in STORE_QUERY_METHODS
            and _dotted(node.func.value).endswith("session")
        ):
            out.append(Finding(path, node.lineno, f"queries the store (session.{node.func.attr})"))
    return out


def matplotlib_findings(path: Path) -> list[Finding]:
    out: list[Finding] = []
    for node in ast.walk(_tree(path)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        out.extend(
            Finding(path, node.lineno, f"imports {n}")
            for n in names
            if n.split(".")[0] == "matplotlib"
        )
    return out


def _report(findings: list[Finding]) -> str:
    return "\n".join(str(f) for f in findings)


# ------------------------------------------------------------------------------ the rules
def test_no_module_is_over_600_lines() -> None:
    sizes = {p: len(p.read_text(encoding="utf-8").splitlines()) for p in _modules(".")}
    big = [f"{p.relative_to(SRC.parent)} ({n} lines)" for p, n in sizes.items() if n > MAX_LINES]
    assert not big, "split these by sub-feature into a package:\n" + "\n".join(big)


def test_tenancy_and_roles_are_decided_only_in_access() -> None:
    findings = [
        f for p in _modules(*TENANCY_SCANNED) if p not in TENANCY_HOME for f in tenancy_findings(p)
    ]
    assert not findings, "ask services/access.py instead:\n" + _report(findings)


def test_services_and_domain_never_read_the_clock() -> None:
    findings = [f for p in _modules("services", "domain") for f in clock_findings(p)]
    assert not findings, "take `now`/`as_of` from the caller:\n" + _report(findings)


def test_front_ends_never_query_the_store() -> None:
    findings = [f for p in _modules(*FRONT_ENDS) for f in store_query_findings(p)]
    assert not findings, "call a service view instead:\n" + _report(findings)


def test_domain_does_not_import_matplotlib() -> None:
    findings = [f for p in _modules("domain") for f in matplotlib_findings(p)]
    assert not findings, "render charts outside the domain:\n" + _report(findings)


# ---------------------------------------------------------------- the scanners themselves
@pytest.mark.parametrize(
    "code",
    [
        "if who.role is Role.ADMIN: pass",
        "ok = who.role in (Role.MANAGER, Role.ADMIN)",
        "ok = who.role in BULLETIN_ROLES",
        "stmt = select(User).where(User.role == Role.MANAGER.value)",
        "if enterprise_id not in who.enterprise_ids: pass",
        "ids = readable_enterprise_ids(session, who)",
        "stmt = stmt.where(Kiln.enterprise_id.in_(who.enterprise_ids))",
        "access.require_role(who, Role.ADMIN)",
    ],
)
def test_the_tenancy_scan_catches_a_decision(tmp_path: Path, code: str) -> None:
    path = tmp_path / "m.py"
    path.write_text(code + "\n")
    assert tenancy_findings(path)


@pytest.mark.parametrize(
    "code",
    [
        "access.require_write(session, who, 'shift', kiln.enterprise_id)",
        "stmt = select(Kiln).where(Kiln.enterprise_id == enterprise_id)",
        "user = User(username='a', role=Role.MANAGER.value)",
    ],
)
def test_the_tenancy_scan_lets_ordinary_code_pass(tmp_path: Path, code: str) -> None:
    path = tmp_path / "m.py"
    path.write_text(code + "\n")
    assert not tenancy_findings(path)


@pytest.mark.parametrize(
    ("code", "caught"),
    [
        ("at = dt.datetime.now(dt.UTC)", True),
        ("at = datetime.now()", True),
        ("day = dt.date.today()", True),
        ("t = time.time()", True),
        ("at = datetime.datetime.utcnow()", True),
        ("t = time.perf_counter()", False),
        ("at = writes.now(session)", False),
        ("at = clock.now()", False),
    ],
)
def test_the_clock_scan(tmp_path: Path, code: str, caught: bool) -> None:
    path = tmp_path / "m.py"
    path.write_text(code + "\n")
    assert bool(clock_findings(path)) is caught


@pytest.mark.parametrize(
    ("code", "caught"),
    [
        ("from kilnguard.store import models as m", True),
        ("from sqlalchemy import select", True),
        ("rows = session.scalars(stmt)", True),
        ("kiln = session.get(Kiln, 1)", True),
        ("from kilnguard.services.uow import unit_of_work", False),
        ("views = records.kiln_views(session, who)", False),
    ],
)
def test_the_store_query_scan(tmp_path: Path, code: str, caught: bool) -> None:
    path = tmp_path / "m.py"
    path.write_text(code + "\n")
    assert bool(store_query_findings(path)) is caught


def test_charts_use_no_pyplot_state_or_global_backend() -> None:
    """Charts render on their own Figure and Agg canvas: pyplot's global state and
    `matplotlib.use` would leak between a server's threads."""
    findings = [f for p in _modules(".") for f in matplotlib_findings(p) if "pyplot" in f.what]
    findings += [
        Finding(p, n, "switches the global matplotlib backend")
        for p in _modules(".")
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if "matplotlib.use(" in line
    ]
    assert not findings, _report(findings)
