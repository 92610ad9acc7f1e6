"""A small but realistic region as a CSV bundle (two kilns, a crew, three workers, three days of
shifts and production), and empty databases with an administrator to import it into."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from kilnguard.domain.roles import Role
from kilnguard.services import uow
from kilnguard.services.access import SYSTEM, Principal
from kilnguard.services.auth import create_user

Sheets = dict[str, list[list[str]]]

TABLES = (
    "regions",
    "enterprises",
    "kilns",
    "workers",
    "shifts",
    "production_records",
    "work_orders",
    "audit_log",
)


def small_region() -> Sheets:
    """North Hamgyong: one cement works with a rotary and a shaft kiln, three days."""
    days = ("2021-11-22", "2021-11-23", "2021-11-24")
    shifts = [["enterprise", "worker", "start_at", "end_at", "kiln", "role"]]
    production = [["enterprise", "kiln", "day", "shift_no", "output_t", "hours_fired", "note"]]
    for d in days:
        for n, (worker, start, end) in enumerate(
            (("W-001", "06:00", "14:00"), ("W-002", "14:00", "22:00")), start=1
        ):
            shifts.append(
                [
                    "A Cement",
                    worker,
                    f"{d}T{start}:00+09:00",
                    f"{d}T{end}:00+09:00",
                    "K-1",
                    "operator",
                ]
            )
            production.append(["A Cement", "K-1", d, str(n), "198.5", "8", ""])
        production.append(["A Cement", "K-2", d, "1", "12.25", "8", "shaft, one shift"])
    return {
        "regions": [["name", "timezone"], ["North Hamgyong", "Asia/Pyongyang"]],
        "enterprises": [
            ["name", "region", "tier", "sector"],
            ["A Cement", "North Hamgyong", "1", "cement"],
        ],
        "sections": [["enterprise", "name"], ["A Cement", "Kiln section"]],
        "kilns": [
            [
                "enterprise",
                "name",
                "section",
                "kind",
                "rated_capacity_t_per_day",
                "max_temperature_c",
                "campaign_limit_days",
                "lining_installed_on",
                "lining_design_life_days",
                "lining_used_fraction_at_onboarding",
            ],
            [
                "A Cement",
                "K-1",
                "Kiln section",
                "rotary",
                "600",
                "1450",
                "90",
                "2021-03-01",
                "365",
                "0.4",
            ],
            ["A Cement", "K-2", "Kiln section", "shaft", "40", "1100", "60", "", "", ""],
        ],
        "crews": [["enterprise", "name"], ["A Cement", "crew A"]],
        "workers": [
            ["enterprise", "number", "name", "crew", "qualifications"],
            ["A Cement", "W-001", "Kim Chol", "crew A", "rotary"],
            ["A Cement", "W-002", "Ri Yong", "crew A", "rotary, shaft"],
            ["A Cement", "W-003", "Pak Sun", "crew A", ""],
        ],
        "shifts": shifts,
        "production": production,
        "maintenance_plans": [
            ["enterprise", "kiln", "task", "interval_days", "safety_critical", "protects"],
            ["A Cement", "K-1", "Burner management proof test", "30", "true", "burner_management"],
        ],
        "work_orders": [
            ["enterprise", "number", "kiln", "plan", "task", "safety_critical", "due_on"],
            [
                "A Cement",
                "WO-1",
                "K-1",
                "Burner management proof test",
                "BMS proof test",
                "yes",
                "2021-11-30",
            ],
        ],
    }


def write_csv_bundle(folder: Path, sheets: Sheets) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name, rows in sheets.items():
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(rows)
    return folder


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: int(conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()) for t in TABLES
        }


def add_user(
    engine: Engine, username: str, role: Role, enterprise_ids: Sequence[int] = ()
) -> Principal:
    with uow.unit_of_work(engine) as s:
        user = create_user(
            s, SYSTEM, username=username, password="bundle-pw-2026", role=role.value,
            enterprise_ids=list(enterprise_ids),
        )  # fmt: skip
        return Principal.of(user)


@pytest.fixture
def empty_db(fresh_database_url: Callable[[], str]) -> Iterator[tuple[Engine, Principal]]:
    """A brand-new, migrated database holding only an administrator."""
    url = fresh_database_url()
    uow.upgrade(url)
    engine = uow.make_engine(url)
    admin = add_user(engine, "bundle-admin", Role.ADMIN)
    yield engine, admin
    engine.dispose()
