"""Stored text printed by the CLI cannot drive the terminal (issue 15, point 8)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import typer
from sqlalchemy import text
from typer.testing import CliRunner

from kilnguard.commands import incidents
from kilnguard.commands._terminal import safe_text
from kilnguard.store import db as store_db

HOSTILE = "Kiln 2\x1b[2J\x1b[31m burst\x1b]0;pwned\x07\x9b1A\r\x7f — 가마 폭발\n\tsecond line"
"""Stored text as an attacker might leave it (no NUL: PostgreSQL cannot store one)."""


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[1;31mred\x1b[0m", "red"),
        ("a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),
        ("csi8\x9b2Jbit", "csi8bit"),
        ("bell\x07 nul\x00 cr\r del\x7f", "bell nul cr del"),
        ("keeps\ttabs\nand lines", "keeps\ttabs\nand lines"),
        ("가마 폭발 Ünïcode", "가마 폭발 Ünïcode"),
        (None, "None"),
    ],
)
def test_safe_text_strips_escapes_and_controls(raw: object, shown: str) -> None:
    assert safe_text(raw) == shown


def test_incidents_show_and_list_print_no_escape_codes(
    fresh_database_url: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import build_demo_database

    url = fresh_database_url()
    build_demo_database(url)
    engine = store_db.make_engine(url)
    with engine.begin() as conn:
        incident_id = conn.execute(text("SELECT MIN(id) FROM incidents")).scalar()
        conn.execute(
            text("UPDATE incidents SET description = :d WHERE id = :i"),
            {"d": HOSTILE, "i": incident_id},
        )
    engine.dispose()
    monkeypatch.setenv("KILNGUARD_DATABASE_URL", url)
    app = typer.Typer()
    incidents.register(app)
    result = CliRunner().invoke(app, ["incidents", "show", str(incident_id)])
    assert result.exit_code == 0, result.output
    assert "burst — 가마 폭발\n\tsecond line" in result.output
    assert not any(c in result.output for c in "\x1b\x07\x9b\r\x00\x7f")
    listed = CliRunner().invoke(app, ["incidents", "list"])
    assert listed.exit_code == 0 and "\x1b" not in listed.output
