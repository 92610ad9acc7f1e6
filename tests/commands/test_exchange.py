"""A region set up and loaded end to end from a workbook through the `kilnguard` command, with
no Python written by the user: template → filled workbook → import → re-import → export; and
a bad workbook refused with every problem named."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from kilnguard.cli import app

runner = CliRunner()
PASSWORD = "bundle-admin-pw-2026"

REGION = {
    "regions": [["North Hamgyong", "Asia/Pyongyang"]],
    "enterprises": [["Chongjin Lime Works", "North Hamgyong", 2, "lime"]],
    "sections": [["Chongjin Lime Works", "Burning"]],
    "kilns": [
        [
            "Chongjin Lime Works",
            "LK-1",
            "Burning",
            "shaft",
            120,
            1200,
            120,
            "2021-01-10",
            540,
            None,
            0.35,
        ],
        [
            "Chongjin Lime Works",
            "LK-2",
            "Burning",
            "shaft",
            120,
            1200,
            120,
            "2021-06-01",
            540,
            800,
            None,
        ],
    ],
    "crews": [["Chongjin Lime Works", "Day crew"], ["Chongjin Lime Works", "Night crew"]],
    "workers": [
        ["Chongjin Lime Works", "CL-001", "Han Song", "Day crew", "burner", "shaft"],
        ["Chongjin Lime Works", "CL-002", "Jo Myong", "Night crew", "burner", "shaft"],
    ],
    "shifts": [
        [
            "Chongjin Lime Works",
            "CL-001",
            f"2021-11-{d:02d}T08:00:00+09:00",
            f"2021-11-{d:02d}T20:00:00+09:00",
            "LK-1",
        ]
        for d in range(1, 15)
    ]
    + [
        [
            "Chongjin Lime Works",
            "CL-002",
            f"2021-11-{d:02d}T20:00:00+09:00",
            f"2021-11-{d + 1:02d}T08:00:00+09:00",
            "LK-1",
        ]
        for d in range(1, 15)
    ],
    "production": [
        ["Chongjin Lime Works", kiln, f"2021-11-{d:02d}", n, 55.5, 12]
        for kiln in ("LK-1", "LK-2")
        for d in range(1, 15)
        for n in (1, 2)
    ],
    "maintenance_plans": [
        ["Chongjin Lime Works", "LK-1", "Reline", None, 60000, 14, True, "lining"],
        [
            "Chongjin Lime Works",
            "LK-1",
            "Gas detector proof test",
            30,
            None,
            1,
            True,
            "gas_detection",
        ],
    ],
    "work_orders": [
        [
            "Chongjin Lime Works",
            "WO-2021-114",
            "LK-1",
            "Gas detector proof test",
            "Gas detector proof test",
            True,
            "2021-11-20",
            None,
        ],
    ],
    "work_order_deferrals": [
        [
            "Chongjin Lime Works",
            "WO-2021-114",
            "2021-11-10",
            "2021-11-05",
            "2021-11-20",
            "detector spares not delivered",
            "Ri Chol (shift lead)",
        ],
    ],
}


def run(url: str, *args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"KILNGUARD_DATABASE_URL": url}, input=input)
    return result.exit_code, result.output


def fill(template: Path, target: Path, rows: dict[str, list[list[object]]]) -> Path:
    """What a plant clerk does in a spreadsheet: type rows under the headers, delete the
    sheets they do not use."""
    wb = openpyxl.load_workbook(template)
    for name in list(wb.sheetnames):
        if name == "README":
            continue
        if name not in rows:
            del wb[name]
            continue
        for r in rows[name]:
            wb[name].append(r)
    wb.save(target)
    return target


@pytest.fixture
def admin_db(fresh_database_url: Callable[[], str]) -> str:
    url = fresh_database_url()
    assert run(url, "db", "upgrade")[0] == 0
    code, out = run(url, "users", "add", "bundle-admin", "--role", "admin",
                    input=f"{PASSWORD}\n{PASSWORD}\n")  # fmt: skip
    assert code == 0, out
    return url


def test_a_region_is_set_up_and_loaded_from_a_workbook(admin_db: str, tmp_path: Path) -> None:
    url = admin_db
    code, out = run(url, "import", "template", str(tmp_path / "template.xlsx"))
    assert code == 0, out
    book = fill(tmp_path / "template.xlsx", tmp_path / "chongjin.xlsx", REGION)

    code, out = run(url, "import", "bundle", str(book), "--user", "bundle-admin", "--dry-run")
    assert code == 0, out
    assert "dry run: nothing stored" in out
    code, out = run(url, "import", "bundle", str(book), "--user", "bundle-admin")
    assert code == 0, out
    assert "production" in out and "56" in out  # the summary table
    assert "imported chongjin.xlsx: 97 new, 0 changed, 0 unchanged rows" in out

    code, out = run(url, "import", "bundle", str(book), "--user", "bundle-admin")
    assert code == 0 and "nothing changed: 97 rows already up to date" in out

    code, out = run(url, "export", "bundle", str(tmp_path / "out"), "--user", "bundle-admin")
    assert code == 0, out
    exported = (tmp_path / "out" / "work_order_deferrals.csv").read_text(encoding="utf-8")
    assert "Ri Chol (shift lead)" in exported
    kilns = (tmp_path / "out" / "kilns.csv").read_text(encoding="utf-8")
    assert "LK-2,Burning,shaft,120.0,1200.0,120,2021-06-01,540,800.0,," in kilns
    code, out = run(url, "export", "production", "-", "--user", "bundle-admin")
    assert code == 0 and out.count("55.5") == 56  # the single-CSV commands still work
    code, out = run(url, "audit", "verify")
    assert code == 0 and "intact" in out


def test_a_bad_workbook_is_refused_with_every_problem_named(admin_db: str, tmp_path: Path) -> None:
    url = admin_db
    run(url, "import", "template", str(tmp_path / "template.xlsx"))
    bad = {k: [list(r) for r in v] for k, v in REGION.items()}
    bad["production"][0][2] = "24/11/2021"
    bad["production"][5][1] = "LK-9"
    bad["shifts"].append(
        [
            "Chongjin Lime Works",
            "CL-001",
            "2021-11-03T12:00:00+09:00",
            "2021-11-03T22:00:00+09:00",
            "LK-1",
        ]
    )
    book = fill(tmp_path / "template.xlsx", tmp_path / "bad.xlsx", bad)
    code, out = run(url, "import", "bundle", str(book), "--user", "bundle-admin")
    assert code == 1
    assert "nothing imported — 3 problem(s)" in out
    assert "production, row 2, column day: '24/11/2021' must be a date like 2021-11-24" in out
    assert "production, row 7, column kiln: 'LK-9' no such kiln" in out
    assert "shifts, row 30, column start_at" in out and "overlaps" in out
    code, out = run(url, "export", "bundle", str(tmp_path / "empty"), "--user", "bundle-admin")
    assert code == 0 and "exported 0 rows" in out
