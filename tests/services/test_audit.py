"""The audit chain: one entry per write, and any edit or deletion behind the app is caught."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from kilnguard.config import audit_key
from kilnguard.domain.errors import Conflict
from kilnguard.services import records as svc
from kilnguard.services.access import SYSTEM
from kilnguard.services.audit import (
    MARKER_ACTION,
    Anchor,
    ChainReport,
    _Hashed,
    key_id,
    take_anchor,
    verify,
)
from kilnguard.store.db import unit_of_work
from kilnguard.store.models import AuditEntry, ChainHead
from tests.conftest import Plant, build_plant


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


# ------------------------------------------------------------------ more tampering, anchors, key
KEY = "test-audit-key-0123456789abcdef"


def _write(plant: Plant, day: int) -> None:
    with unit_of_work(plant.engine) as s:
        svc.record_production_one(
            s,
            SYSTEM,
            svc.ProductionIn(
                kiln_id=plant.kilns_a[0], day=dt.date(2021, 10, day), output_t=7, hours_fired=8
            ),
        )


def _verify(engine: Engine, **kw: Any) -> ChainReport:
    with unit_of_work(engine) as s:
        return verify(s, **kw)


def _anchor(engine: Engine) -> Anchor:
    with unit_of_work(engine) as s:
        return Anchor.from_json(take_anchor(s).to_json())


def _cut_and_rehead(engine: Engine, keep: int) -> None:
    """Delete every entry after `keep`, then set the head to entry `keep` as an unkeyed chain
    would have it (the attack an unkeyed chain cannot see on its own)."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq > :k"), {"k": keep})
        last = conn.execute(
            text("SELECT entry_hash FROM audit_log WHERE seq = :k"), {"k": keep}
        ).scalar()
        conn.execute(
            text("UPDATE hash_chain_head SET last_seq = :k, last_hash = :h"), {"k": keep, "h": last}
        )


def _rewrite_and_rechain(engine: Engine, seq: int) -> None:
    """Edit entry `seq`, then recompute every plain SHA-256 hash after it and the head."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'forger' WHERE seq = :s"), {"s": seq})
        rows = conn.execute(
            text(
                "SELECT seq, at, actor, action, entity, entity_id, enterprise_id, payload "
                "FROM audit_log WHERE seq >= :s ORDER BY seq"
            ),
            {"s": seq},
        ).all()
        prev = conn.execute(
            text("SELECT entry_hash FROM audit_log WHERE seq = :s"), {"s": seq - 1}
        ).scalar()
        for r in rows:
            at = r.at if isinstance(r.at, dt.datetime) else dt.datetime.fromisoformat(str(r.at))
            digest = _Hashed(
                int(r.seq), at, r.actor, r.action, r.entity, r.entity_id, r.enterprise_id, r.payload
            ).digest(str(prev))
            conn.execute(
                text("UPDATE audit_log SET prev_hash = :p, entry_hash = :h WHERE seq = :s"),
                {"p": prev, "h": digest, "s": r.seq},
            )
            prev = digest
        conn.execute(text("UPDATE hash_chain_head SET last_hash = :h"), {"h": prev})


def test_two_entries_swapped_are_reported(plant: Plant) -> None:
    with plant.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET seq = -1 WHERE seq = 4"))
        conn.execute(text("UPDATE audit_log SET seq = 4 WHERE seq = 5"))
        conn.execute(text("UPDATE audit_log SET seq = 5 WHERE seq = -1"))
    report = _verify(plant.engine)
    assert (report.ok, report.status, report.first_broken_seq) == (False, "broken", 4)


def test_a_deleted_head_alone_is_tampering(plant: Plant) -> None:
    with plant.engine.begin() as conn:
        conn.execute(text("DELETE FROM hash_chain_head"))
    report = _verify(plant.engine)
    assert report.status == "broken" and "head row is gone" in report.problem


def test_a_head_deleted_refuses_further_writes_instead_of_forking(plant: Plant) -> None:
    with plant.engine.begin() as conn:
        conn.execute(text("DELETE FROM hash_chain_head"))
    with pytest.raises(Conflict, match="head row is missing"):
        _write(plant, 1)


def test_a_rewound_head_is_tampering(plant: Plant) -> None:
    n = _count(plant.engine)
    with plant.engine.begin() as conn:
        h = conn.execute(text("SELECT entry_hash FROM audit_log WHERE seq = 3")).scalar()
        conn.execute(text("UPDATE hash_chain_head SET last_seq = 3, last_hash = :h"), {"h": h})
    report = _verify(plant.engine)
    assert (report.status, report.first_broken_seq) == ("broken", 4)
    assert "rewound" in report.problem and f"{n} entries" in report.problem


def test_a_head_ahead_of_the_log_is_tampering(plant: Plant) -> None:
    n = _count(plant.engine)
    with plant.engine.begin() as conn:
        conn.execute(text("UPDATE hash_chain_head SET last_seq = last_seq + 5"))
    report = _verify(plant.engine)
    assert (report.status, report.first_broken_seq) == ("broken", n + 1)
    assert "deleted" in report.problem


def test_a_head_with_another_hash_is_tampering(plant: Plant) -> None:
    with plant.engine.begin() as conn:
        conn.execute(text("UPDATE hash_chain_head SET last_hash = :h"), {"h": "f" * 64})
    report = _verify(plant.engine)
    assert report.status == "broken" and "rewritten" in report.problem


def test_a_wiped_log_with_its_head_left_is_caught(plant: Plant) -> None:
    with plant.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
    report = _verify(plant.engine)
    assert (report.ok, report.entries_checked) == (False, 0)
    assert "empty" in report.problem


def test_truncation_with_the_head_rewritten_passes_an_unkeyed_chain_but_not_its_anchor(
    plant: Plant,
) -> None:
    n = _count(plant.engine)
    anchor = _anchor(plant.engine)
    assert anchor.seq == n
    _cut_and_rehead(plant.engine, n - 3)
    assert _verify(plant.engine).ok  # the limit of an unkeyed chain on its own
    report = _verify(plant.engine, anchor=anchor)
    assert (report.status, report.first_broken_seq) == ("broken", n - 2)
    assert "cut off since the anchor" in report.problem


def test_an_anchor_holds_while_the_chain_grows(plant: Plant) -> None:
    anchor = _anchor(plant.engine)
    _write(plant, 2)
    _write(plant, 3)
    report = _verify(plant.engine, anchor=anchor)
    assert report.ok and report.entries_checked == anchor.seq + 2


def test_a_rewrite_with_recomputed_hashes_is_caught_only_by_the_anchor(plant: Plant) -> None:
    anchor = _anchor(plant.engine)
    _rewrite_and_rechain(plant.engine, 6)
    assert _verify(plant.engine).ok  # consistent again: SHA-256 needs no secret
    report = _verify(plant.engine, anchor=anchor)
    assert report.status == "broken" and "rewritten since the anchor" in report.problem


def test_a_wiped_and_rebuilt_log_fails_its_anchor(plant: Plant) -> None:
    anchor = _anchor(plant.engine)
    with plant.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
        conn.execute(text("DELETE FROM hash_chain_head"))
        conn.execute(text("DELETE FROM production_records"))
    report = _verify(plant.engine, anchor=anchor)
    assert report.status == "broken" and "cut off since the anchor" in report.problem


def test_an_anchor_round_trips_and_rejects_junk() -> None:
    a = Anchor(12, "a" * 64, dt.datetime(2026, 11, 29, 23, 0, tzinfo=dt.UTC), key_id="k")
    assert Anchor.from_json(a.to_json()) == a
    for junk in ("[]", "{", '{"format": "x"}', a.to_json().replace('"seq": 12', '"seq": -1')):
        with pytest.raises(ValueError, match="anchor"):
            Anchor.from_json(junk)


# ------------------------------------------------------------------------------- keyed chain
@pytest.fixture
def keyed(plant: Plant, monkeypatch: pytest.MonkeyPatch) -> Plant:
    """The plant's unkeyed chain, continued with KILNGUARD_AUDIT_KEY set (three writes)."""
    monkeypatch.setenv("KILNGUARD_AUDIT_KEY", KEY)
    for day in (5, 6, 7):
        _write(plant, day)
    return plant


def test_the_first_keyed_write_adds_a_marker_and_the_whole_chain_verifies(keyed: Plant) -> None:
    with unit_of_work(keyed.engine) as s:
        marker = s.scalars(select(AuditEntry).where(AuditEntry.action == MARKER_ACTION)).one()
        head = s.get(ChainHead, 1)
    n = _count(keyed.engine)
    assert marker.seq == n - 3 and marker.entity_id == key_id(KEY.encode())
    assert head is not None and head.last_seq == n
    report = _verify(keyed.engine)
    assert (report.ok, report.entries_checked, report.keyed_from) == (True, n, marker.seq)


def test_a_keyed_chain_without_the_key_is_not_called_intact(
    keyed: Plant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KILNGUARD_AUDIT_KEY")
    report = _verify(keyed.engine)
    assert (report.ok, report.status) == (False, "unchecked")
    assert "cannot be checked without the key" in report.problem
    other = _verify(keyed.engine, key=b"another-key-0123456789")
    assert other.status == "unchecked" and "key id" in other.problem


def test_a_keyed_chain_refuses_writes_without_its_key(
    keyed: Plant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KILNGUARD_AUDIT_KEY")
    with pytest.raises(Conflict, match="set KILNGUARD_AUDIT_KEY"):
        _write(keyed, 8)
    monkeypatch.setenv("KILNGUARD_AUDIT_KEY", "another-key-0123456789")
    with pytest.raises(Conflict, match="not the key"):
        _write(keyed, 8)


def test_truncating_a_keyed_chain_and_re_heading_it_is_caught_without_an_anchor(
    keyed: Plant,
) -> None:
    n = _count(keyed.engine)
    _cut_and_rehead(keyed.engine, n - 2)
    report = _verify(keyed.engine)
    assert (report.status, report.first_broken_seq) == ("broken", n - 2)
    assert "without the key" in report.problem
    with pytest.raises(Conflict, match="seal"):
        _write(keyed, 9)  # the next write must not re-seal the cut log


def test_a_keyed_chain_cut_back_to_before_its_marker_needs_an_anchor(keyed: Plant) -> None:
    with unit_of_work(keyed.engine) as s:
        marker_seq = s.scalar(select(AuditEntry.seq).where(AuditEntry.action == MARKER_ACTION))
    assert marker_seq is not None
    _cut_and_rehead(keyed.engine, marker_seq - 1)
    # Looks like an intact unkeyed chain: only an anchor taken after the marker can tell.
    assert _verify(keyed.engine).ok


def test_an_edited_keyed_entry_with_recomputed_plain_hashes_is_caught(keyed: Plant) -> None:
    n = _count(keyed.engine)
    _rewrite_and_rechain(keyed.engine, n)
    report = _verify(keyed.engine)
    assert (report.status, report.first_broken_seq) == ("broken", n)
    assert "edited" in report.problem


@pytest.mark.parametrize(
    "tamper",
    ["edit", "delete", "reorder", "truncate", "wipe", "head deleted", "head rewound"],
)
def test_every_tampering_breaks_a_keyed_chain(keyed: Plant, tamper: str) -> None:
    n = _count(keyed.engine)
    statements = {
        "edit": ["UPDATE audit_log SET payload = payload || ' ' WHERE seq = :n"],
        "delete": ["DELETE FROM audit_log WHERE seq = :n - 1"],
        "reorder": [
            "UPDATE audit_log SET seq = -1 WHERE seq = :n",
            "UPDATE audit_log SET seq = :n WHERE seq = :n - 1",
            "UPDATE audit_log SET seq = :n - 1 WHERE seq = -1",
        ],
        "truncate": ["DELETE FROM audit_log WHERE seq >= :n - 1"],
        "wipe": ["DELETE FROM audit_log"],
        "head deleted": ["DELETE FROM hash_chain_head"],
        "head rewound": ["UPDATE hash_chain_head SET last_seq = :n - 1"],
    }[tamper]
    with keyed.engine.begin() as conn:
        for sql in statements:
            conn.execute(text(sql), {"n": n})
    assert _verify(keyed.engine).status == "broken"


def test_a_new_installation_keyed_from_its_first_write(
    clean_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KILNGUARD_AUDIT_KEY", KEY)
    build_plant(clean_engine)
    with unit_of_work(clean_engine) as s:
        first = s.scalars(select(AuditEntry).where(AuditEntry.seq == 1)).one()
    assert (first.action, first.entity) == (MARKER_ACTION, "audit_log")
    assert _verify(clean_engine).ok
    anchor = _anchor(clean_engine)
    assert anchor.key_id == key_id(KEY.encode())
    assert _verify(clean_engine, anchor=anchor).ok


def test_a_short_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KILNGUARD_AUDIT_KEY", "short")
    with pytest.raises(ValueError, match="at least 16"):
        audit_key()
