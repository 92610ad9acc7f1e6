"""`kilnguard plant …` and `kilnguard users …`: a region set up from an empty database with no
Python (issue 12, point 1) — units named by their natural keys, errors as plain sentences
naming the field, tenancy by `--user`, every act audited."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from kilnguard.cli import app
from kilnguard.store import db as store_db

runner = CliRunner()
KOMUSAN = "Komusan Cement Factory"
CHONGJIN = "Chongjin Chemical and Textile Factory"
PW = "long-password-1"


@pytest.fixture(scope="module")
def url(fresh_database_url: Callable[[], str]) -> str:
    """An empty installation with one administrator, as a new plant starts."""
    url = fresh_database_url()
    code, out = run(url, "db", "upgrade")
    assert code == 0, out
    code, out = run(url, "users", "add", "admin", "--role", "admin", input=f"{PW}\n{PW}\n")
    assert code == 0, out
    return url


def run(url: str, *args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"KILNGUARD_DATABASE_URL": url}, input=input)
    return result.exit_code, result.output


def ok(url: str, *args: str, input: str | None = None) -> str:
    code, out = run(url, *args, input=input)
    assert code == 0, f"{args}: {out}"
    return out


def audit(url: str, entity: str) -> list[tuple[str, str]]:
    engine = store_db.make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT action, actor FROM audit_log WHERE entity = :e ORDER BY seq"),
            {"e": entity},
        ).all()
    engine.dispose()
    return [(r[0], r[1]) for r in rows]


def rf4(*extra: str) -> list[str]:
    return [
        "plant",
        "kiln",
        "add",
        "--enterprise",
        KOMUSAN,
        "--name",
        "RF-4",
        "--kind",
        "tunnel",
        "--rated-t-per-day",
        "120",
        "--max-temperature-c",
        "1450",
        "--campaign-limit-days",
        "90",
        "--lining-installed-on",
        "2021-01-01",
        "--lining-design-life-days",
        "400",
        *extra,
    ]


@pytest.fixture(scope="module")
def region(url: str) -> str:
    """North Hamgyong with Komusan (a kiln hall, RF-4, a crew, two workers) and Chongjin."""
    ok(url, "plant", "region", "add", "--name", "North Hamgyong", "--timezone", "Asia/Pyongyang")
    for name, tier, sector in ((KOMUSAN, "1", "cement"), (CHONGJIN, "2", "chemicals")):
        ok(
            url,
            "plant",
            "enterprise",
            "add",
            "--name",
            name,
            "--region",
            "North Hamgyong",
            "--tier",
            tier,
            "--sector",
            sector,
        )
    ok(url, "plant", "section", "add", "--enterprise", KOMUSAN, "--name", "Kiln hall")
    ok(url, *rf4("--section", "Kiln hall", "--lining-used-t", "15000", "--user", "admin"))
    ok(url, "plant", "crew", "add", "--enterprise", KOMUSAN, "--name", "crew A")
    ok(url, "plant", "worker", "add", "--enterprise", KOMUSAN, "--name", "Kim Chol")
    ok(
        url,
        "plant",
        "worker",
        "add",
        "--enterprise",
        KOMUSAN,
        "--name",
        "Ri Song",
        "--number",
        "K-017",
        "--crew",
        "crew A",
        "--qualifications",
        "tunnel,rotary",
    )
    ok(
        url,
        "users",
        "add",
        "mgr-komusan",
        "--role",
        "manager",
        "--enterprise",
        KOMUSAN,
        input=f"{PW}\n{PW}\n",
    )
    return url


def test_help_teaches_units_and_an_example(url: str) -> None:
    out = ok(url, "plant", "kiln", "add", "--help")
    for words in ("t/day", "°C", "days", "--lining-used-t", "--lining-used-fraction", "Example"):
        assert words in out, words
    assert "region" in ok(url, "plant", "--help") and "worker" in ok(url, "plant", "--help")


def test_a_region_is_set_up_and_listed_with_units(region: str) -> None:
    table = ok(region, "plant", "kiln", "list")
    assert "rated [t/day]" in table and "max [°C]" in table
    line = next(x for x in table.splitlines() if "RF-4" in x)
    assert all(v in line for v in (KOMUSAN, "Kiln hall", "tunnel", "120", "1450", "15000"))
    kilns = json.loads(ok(region, "plant", "kiln", "list", "--json"))["kilns"]
    assert [(k["name"], k["lining_used_t_at_onboarding"]) for k in kilns] == [("RF-4", 15000.0)]
    workers = json.loads(ok(region, "plant", "worker", "list", "--json"))["workers"]
    assert {w["number"]: (w["name"], w["crew"]) for w in workers} == {
        "W-0001": ("Kim Chol", None),
        "K-017": ("Ri Song", "crew A"),
    }
    assert ("create", "admin") in audit(region, "kiln")
    assert "Asia/Pyongyang" in ok(region, "plant", "region", "list")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["plant", "region", "add", "--name", "Ryanggang", "--timezone", "KST"], "timezone"),
        (
            [
                "plant",
                "enterprise",
                "add",
                "--name",
                "Hoeryong Lime",
                "--region",
                "North Hamgyong",
                "--tier",
                "7",
                "--sector",
                "lime",
            ],
            "tier",
        ),
        (
            rf4("--lining-used-t", "15000", "--lining-used-fraction", "0.4"),
            "not both",
        ),
        (
            [
                *("plant", "kiln", "add", "--enterprise", "Nowhere Works", "--name", "K"),
                *("--kind", "rotary", "--rated-t-per-day", "1", "--max-temperature-c", "1000"),
                *("--campaign-limit-days", "9"),
            ],
            "Nowhere Works",
        ),
        (
            [
                "plant",
                "kiln",
                "retire",
                "--enterprise",
                KOMUSAN,
                "--name",
                "RF-4",
                "--on",
                "1/2/21",
            ],
            "YYYY-MM-DD",
        ),
    ],
)
def test_bad_input_is_one_plain_sentence_naming_the_field(
    region: str, args: list[str], words: str
) -> None:
    code, out = run(region, *args)
    assert code == 1, out
    assert words in out and "Traceback" not in out


def test_a_manager_changes_their_own_plant_only(region: str) -> None:
    ok(region, *_chongjin_kiln())
    code, out = run(
        region,
        "plant",
        "kiln",
        "edit",
        "--enterprise",
        CHONGJIN,
        "--name",
        "CK-1",
        "--max-temperature-c",
        "900",
        "--user",
        "mgr-komusan",
    )
    assert code == 1 and "not found" in out  # as if it did not exist
    out = ok(
        region,
        "plant",
        "kiln",
        "edit",
        "--enterprise",
        KOMUSAN,
        "--name",
        "RF-4",
        "--lining-used-t",
        "",
        "--lining-used-fraction",
        "0.35",
        "--user",
        "mgr-komusan",
    )
    assert "lining_used_fraction_at_onboarding" in out
    assert ("update", "mgr-komusan") in audit(region, "kiln")
    listed = ok(region, "plant", "kiln", "list", "--user", "mgr-komusan")
    assert "RF-4" in listed and "CK-1" not in listed
    code, out = run(region, "plant", "region", "add", "--name", "X", "--user", "mgr-komusan")
    assert code == 1 and "may not" in out


def _chongjin_kiln() -> list[str]:
    return [
        "plant",
        "kiln",
        "add",
        "--enterprise",
        CHONGJIN,
        "--name",
        "CK-1",
        "--kind",
        "shaft",
        "--rated-t-per-day",
        "60",
        "--max-temperature-c",
        "1100",
        "--campaign-limit-days",
        "120",
    ]


def test_retiring_hides_a_unit_from_new_records_and_keeps_it_listed(region: str) -> None:
    out = ok(
        region,
        "plant",
        "crew",
        "retire",
        "--enterprise",
        KOMUSAN,
        "--name",
        "crew A",
        "--on",
        "2021-12-01",
    )
    assert "2021-12-01" in out
    assert "crew A" not in ok(region, "plant", "crew", "list")
    assert "2021-12-01" in ok(region, "plant", "crew", "list", "--retired", "all")
    code, out = run(
        region,
        "plant",
        "worker",
        "add",
        "--enterprise",
        KOMUSAN,
        "--name",
        "Pak",
        "--crew",
        "crew A",
    )
    assert code == 1 and "retired on 2021-12-01" in out
    ok(region, "plant", "crew", "reinstate", "--enterprise", KOMUSAN, "--name", "crew A")
    ok(
        region,
        "plant",
        "worker",
        "add",
        "--enterprise",
        KOMUSAN,
        "--name",
        "Pak",
        "--crew",
        "crew A",
    )
    assert [a for a, _ in audit(region, "crew")] == ["create", "retire", "reinstate"]
    ok(region, "plant", "worker", "retire", "--enterprise", KOMUSAN, "--number", "W-0001")
    assert "Kim Chol" not in ok(region, "plant", "worker", "list")
    assert "intact" in ok(region, "audit", "verify")


def test_logins_are_edited_retired_reactivated_and_reset(region: str) -> None:
    ok(
        region,
        "users",
        "add",
        "op-komusan",
        "--role",
        "operator",
        "--enterprise",
        KOMUSAN,
        input=f"{PW}\n{PW}\n",
    )
    ok(
        region,
        "users",
        "edit",
        "op-komusan",
        "--role",
        "manager",
        "--enterprise",
        CHONGJIN,
        "--user",
        "admin",
    )
    users = {u["username"]: u for u in json.loads(ok(region, "users", "list", "--json"))["users"]}
    assert (users["op-komusan"]["role"], users["op-komusan"]["enterprises"]) == (
        "manager",
        [CHONGJIN],
    )
    code, out = run(region, "users", "edit", "op-komusan", "--role", "regulator")
    assert code == 1 and "region" in out
    ok(region, "users", "retire", "op-komusan")
    code, out = run(region, "plant", "kiln", "list", "--user", "op-komusan")
    assert code == 1  # a retired login no longer acts
    assert "op-komusan" in ok(region, "users", "list", "--state", "inactive")
    ok(region, "users", "reactivate", "op-komusan")
    ok(region, "users", "password", "op-komusan", input="another-password\nanother-password\n")
    code, out = run(region, "users", "retire", "admin", "--user", "admin")
    assert code == 1 and "your own login" in out
    code, out = run(region, "users", "edit", "admin", "--role", "manager", "--user", "mgr-komusan")
    assert code == 1 and "may not" in out
    assert [a for a, _ in audit(region, "user") if a != "create"][-4:] == [
        "update",
        "retire",
        "reactivate",
        "update",
    ]
    roles = json.loads(ok(region, "users", "roles", "--json"))["roles"]
    assert "installation" in next(r["may_change"] for r in roles if r["role"] == "admin")
