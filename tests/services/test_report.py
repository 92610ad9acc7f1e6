"""Investigation report: self-contained HTML and PDF on the demo database (issue 6)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kilnguard.services import investigation as inv
from kilnguard.services.access import SYSTEM
from kilnguard.services.investigation import report as rep
from kilnguard.store import db as store_db
from kilnguard.store import models as m


@pytest.fixture(scope="module")
def demo(fresh_database_url: Callable[[], str]) -> Iterator[Engine]:
    from tests.conftest import build_demo_database

    url = fresh_database_url()
    build_demo_database(url)
    engine = store_db.make_engine(url)
    yield engine
    engine.dispose()


def _investigation(s: Session, kiln: str) -> int:
    kiln_id = s.scalars(select(m.Kiln.id).where(m.Kiln.name == kiln)).one()
    incident = s.scalars(select(m.Incident.id).where(m.Incident.kiln_id == kiln_id)).one()
    found = inv.investigation_for_incident(s, SYSTEM, incident)
    assert found is not None
    return found.id


def test_komusan_html_report_is_self_contained_with_the_acceptance_facts(
    ds: Session, tmp_path: Path
) -> None:
    path = tmp_path / "r.html"
    rep.write_report(ds, SYSTEM, _investigation(ds, "RF-2"), html_path=path)
    h = path.read_text(encoding="utf-8")
    low = h.lower()
    assert "2021-11-24" in h and "24 nov 2021" in low
    for word in ("defer", "shift", "alert", "reconstructed", "additional target", "fatigue"):
        assert word in low, word
    assert "2 killed, 6 seriously injured" in h
    assert "additional production target: kiln cannot be spared for 5 days" in h
    assert "days above rating" in low
    assert not re.search(r'(src|href)\s*=\s*["\']?https?://', low)
    assert "<script" not in low and "<link" not in low
    assert h.count("data:image/png;base64,") == 3  # load, fatigue, CAST diagram
    for level in ("regional authority", "management", "section", "crew on rf-2"):
        assert level in low


def test_chongjin_report_shows_objection_overrule_pilot_and_casualties(
    ds: Session, tmp_path: Path
) -> None:
    path = tmp_path / "c.html"
    rep.write_report(ds, SYSTEM, _investigation(ds, "TK-1"), html_path=path)
    low = path.read_text(encoding="utf-8").lower()
    assert "2 seriously injured, 5 with minor injuries" in low
    assert "objection" in low and "overrule" in low and "pilot" in low
    assert "headcount" in low
    assert "blame" in low


def test_pdf_report_starts_with_pdf_magic_and_has_pages(ds: Session, tmp_path: Path) -> None:
    path = tmp_path / "r.pdf"
    rep.write_report(ds, SYSTEM, _investigation(ds, "RF-2"), pdf_path=path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages >= 3
    assert b"/Subtype /Image" in data or b"/Subtype/Image" in data
