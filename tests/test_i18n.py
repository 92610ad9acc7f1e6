"""Korean and English (issue 16 point 8): every extracted message has a Korean string, the
language is negotiated per request and stored per user, numbers and dates follow it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy import select

from kilnguard import i18n
from kilnguard.api.app import create_app
from kilnguard.store import db as store_db
from kilnguard.store.models import AuditEntry
from tests.conftest import PASSWORD, Plant, csrf_aware

PACKAGE = Path(i18n.__file__).parent
METHODS = [("**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**.html": {"extensions": "jinja2.ext.i18n"}}


def _extracted() -> set[str]:
    """Every message id the templates and the code mark, as `make messages` extracts them."""
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PACKAGE), METHODS, OPTIONS, keywords=keywords
    ):
        for part in message if isinstance(message, tuple) else (message,):
            if part:
                found.add(part)
    return found


def test_every_marked_message_has_a_korean_string() -> None:
    with i18n.catalog_path("ko").open("rb") as po:
        catalog = read_po(po, locale="ko")
    translated = {m.id for m in catalog if m.id and m.string}
    extracted = _extracted()
    assert {"Log in", "Kilns", "safety officer"} <= extracted  # the extraction itself works
    missing = sorted(extracted - translated)
    assert not missing, f"untranslated in Korean (run `make messages` and translate): {missing}"


@pytest.mark.parametrize(
    ("preferred", "header", "expected"),
    [
        (None, None, "en"),
        (None, "ko-KR,ko;q=0.9,en-US;q=0.8", "ko"),
        (None, "en-GB,en;q=0.9,ko;q=0.8", "en"),
        (None, "fr-FR, ko;q=0.5", "ko"),
        (None, "ko;q=0, en;q=0.1", "en"),
        (None, "ko;q=bad", "en"),
        ("ko", "en", "ko"),
        ("xx", "ko", "ko"),
    ],
)
def test_the_language_is_the_users_choice_then_the_browsers(
    preferred: str | None, header: str | None, expected: str
) -> None:
    assert i18n.negotiate(preferred, header) == expected


def test_numbers_and_dates_follow_the_language() -> None:
    day = dt.date(2026, 11, 30)
    with i18n.language("en"):
        assert i18n.number(1234.5) == "1,234.5"
        assert i18n.day(day) == "Nov 30, 2026"
        assert i18n.gettext("Log in") == "Log in"
    with i18n.language("ko"):
        assert i18n.day(day) == "2026. 11. 30."
        assert i18n.gettext("Log in") == "로그인"
        at = dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)
        assert i18n.instant(at, "Asia/Pyongyang").startswith("2026-11-30 15:00")
    assert i18n.current() == "en"  # the block ended, the language with it


def test_pages_speak_korean_when_the_browser_or_the_user_asks(plant: Plant) -> None:
    with TestClient(create_app(plant.engine)) as c:
        page = c.get("/login", headers={"Accept-Language": "ko-KR,ko;q=0.9"})
        assert '<html lang="ko">' in page.text and "로그인" in page.text
        assert '<html lang="en">' in c.get("/login").text

        web = csrf_aware(c)
        web.post("/login", data={"username": "op_a", "password": PASSWORD})
        assert ">Kilns<" in web.get("/kilns").text
        bad = web.post("/account/language", data={"language": "tlh"})
        assert bad.status_code == 422 and "language" in bad.text
        web.post("/account/language", data={"language": "ko"})
        assert ">가마<" in web.get("/kilns").text and "로그아웃" in web.get("/kilns").text

    with store_db.unit_of_work(plant.engine) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "set_language")).one()
        assert entry.actor == "op_a" and '"ko"' in entry.payload

    with TestClient(create_app(plant.engine)) as other_browser:  # the choice follows the user
        web = csrf_aware(other_browser)
        web.post("/login", data={"username": "op_a", "password": PASSWORD})
        assert ">가마<" in web.get("/kilns").text
