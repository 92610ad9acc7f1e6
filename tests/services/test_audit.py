"""The audit chain: one entry per write, and any edit or deletion behind the app is caught."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, func, select, text

from kilnguard.services import records as svc
from kilnguard.services.access import SYSTEM
from kilnguard.services.audit import verify
from kilnguard.store.db import unit_of_work
from kilnguard.store.models import AuditEntry
from tests.conftest import Plant


def _count(engine: Engine) -> int:
    with unit_of_work(engine) as s:
        return int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def test_every_write_appends_exactly_one_entry(plant: Plant) -> None:
    before = _count(plant.engine)
    with unit_of_work(plant.engine) as s:
        svc.record_production_one(
            s,
            SYSTEM,
            svc.ProductionIn(
                kiln_id=plant.kilns_a[0], day=dt.date(2021, 9, 20), output_t=10, hours_fired=8
            ),
        )
    assert _count(plant.engine) == before + 1
    with unit_of_work(plant.engine) as s:
        last = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert last is not None
        assert (last.action, last.entity, last.enterprise_id) == (
            "create",
            "production_record",
            plant.ent_a,
        )
        assert '"output_t":10' in last.payload


def test_intact_chain_verifies(plant: Plant) -> None:
    with unit_of_work(plant.engine) as s:
        report = verify(s)
    assert report.ok and report.entries_checked == _count(plant.engine)


def test_an_edited_payload_is_named_as_the_first_broken_entry(plant: Plant) -> None:
    with plant.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET payload = payload || ' tampered' WHERE seq = 7"))
    with unit_of_work(plant.engine) as s:
        report = verify(s)
    assert not report.ok
    assert report.first_broken_seq == 7
    assert "edited" in report.problem


def test_an_edited_actor_breaks_the_chain(plant: Plant) -> None:
    with plant.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'somebody else' WHERE seq = 3"))
    with unit_of_work(plant.engine) as s:
        assert verify(s).first_broken_seq == 3


def test_a_deleted_entry_is_reported_missing(plant: Plant) -> None:
    with plant.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 5"))
    with unit_of_work(plant.engine) as s:
        report = verify(s)
    assert (report.ok, report.first_broken_seq) == (False, 5)
    assert "deleted" in report.problem


def test_deleting_the_newest_entries_is_caught_by_the_head(plant: Plant) -> None:
    n = _count(plant.engine)
    with plant.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq >= :s"), {"s": n - 1})
    with unit_of_work(plant.engine) as s:
        report = verify(s)
    assert not report.ok
    assert report.first_broken_seq == n - 1


def test_deleting_the_newest_entries_and_then_the_head_is_caught(plant: Plant) -> None:
    n = _count(plant.engine)
    with plant.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq >= :s"), {"s": n - 1})
        conn.execute(text("DELETE FROM hash_chain_head"))
    with unit_of_work(plant.engine) as s:
        report = verify(s)
    assert not report.ok
    assert "head" in report.problem


def test_wiping_the_whole_log_and_its_head_is_caught(plant: Plant) -> None:
    with plant.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
        conn.execute(text("DELETE FROM hash_chain_head"))
    with unit_of_work(plant.engine) as s:
        report = verify(s)
    assert (report.ok, report.entries_checked) == (False, 0)
    assert "empty" in report.problem


def test_a_new_installation_with_no_records_verifies_intact(clean_engine: Engine) -> None:
    with unit_of_work(clean_engine) as s:
        report = verify(s)
    assert (report.ok, report.entries_checked) == (True, 0)


def test_a_failed_unit_of_work_leaves_neither_record_nor_audit_entry(plant: Plant) -> None:
    before = _count(plant.engine)
    try:
        with unit_of_work(plant.engine) as s:
            svc.record_production_one(
                s,
                SYSTEM,
                svc.ProductionIn(
                    kiln_id=plant.kilns_a[0], day=dt.date(2021, 9, 21), output_t=5, hours_fired=8
                ),
            )
            raise RuntimeError("power cut mid-request")
    except RuntimeError:
        pass
    assert _count(plant.engine) == before
    with unit_of_work(plant.engine) as s:
        assert verify(s).ok
