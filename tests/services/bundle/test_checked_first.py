"""A bundle checked in a read transaction and written in a write transaction of its own
(`import_checked_first`, issue 15 point 10): a write that lands in between and touches what the
plan read makes the import check again under the lock, so it is refused with the row named
rather than stored beside an overlapping shift; a write elsewhere does not cost a second check."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from kilnguard.services import audit, uow
from kilnguard.services.access import Principal
from kilnguard.services.bundle import (
    Bundle,
    BundleInvalid,
    Progress,
    import_checked_first,
    read_bundle,
)
from kilnguard.services.bundle.plan import plan_import
from tests.services.bundle.conftest import small_region, write_csv_bundle
from tests.services.bundle.test_import import DB, load

LATER_SHIFT = {
    "shifts": [
        ["enterprise", "worker", "start_at", "end_at", "kiln"],
        ["A Cement", "W-002", "2021-11-25T06:00:00+09:00", "2021-11-25T14:00:00+09:00", "K-1"],
    ]
}


def web_write(db: DB, *, overlapping: bool) -> None:
    """What a web request does meanwhile: W-002's shift 08:00–12:00 (Pyongyang) on 25 Nov in
    the bundle's enterprise, or an entry of another enterprise, with its audit entry."""
    engine, _ = db
    with uow.unit_of_work(engine, write=True) as s:
        worker, ent, kiln = s.execute(
            text(
                "SELECT w.id, w.enterprise_id, k.id FROM workers w JOIN kilns k ON "
                "k.enterprise_id = w.enterprise_id WHERE w.number = 'W-002' AND k.name = 'K-1'"
            )
        ).one()
        if overlapping:
            s.execute(
                text(
                    "INSERT INTO shifts (enterprise_id, worker_id, kiln_id, start_at, end_at, "
                    "role, source) VALUES (:e, :w, :k, '2021-11-24 23:00:00.000000', "
                    "'2021-11-25 03:00:00.000000', 'operator', 'recorded')"
                ),
                {"e": ent, "w": worker, "k": kiln},
            )
        audit.append(
            s,
            actor="op_web",
            action="create",
            entity="shift",
            entity_id=worker,
            enterprise_id=ent if overlapping else ent + 1000,
            payload={},
        )


@pytest.mark.parametrize("overlapping", [True, False])
def test_a_write_between_check_and_import_is_checked_again_only_when_it_matters(
    empty_db: DB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, overlapping: bool
) -> None:
    engine, admin = empty_db
    load(engine, admin, write_csv_bundle(tmp_path / "a", small_region()))
    checks: list[bool] = []

    def counted(s: Session, who: Principal, b: Bundle, progress: Progress | None = None) -> Any:
        checks.append(True)
        return plan_import(s, who, b, progress=progress)

    monkeypatch.setattr("kilnguard.services.bundle.apply.plan_import", counted)

    def open_session(write: bool) -> AbstractContextManager[Session]:
        if write:  # the check is done; a web write lands before the import takes the lock
            web_write(empty_db, overlapping=overlapping)
        return uow.unit_of_work(engine, write=write)

    bundle = read_bundle(write_csv_bundle(tmp_path / "b", LATER_SHIFT))
    if overlapping:
        with pytest.raises(BundleInvalid) as exc:
            import_checked_first(open_session, admin, bundle)
        [error] = exc.value.errors
        assert (error.row, error.column) == (2, "start_at") and "stored shift" in error.rule
        assert len(checks) == 2
    else:
        _, result = import_checked_first(open_session, admin, bundle)
        assert result is not None and result.summary["shifts"].new == 1
        assert len(checks) == 1
    with engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT count(*) FROM shifts s JOIN workers w ON w.id = s.worker_id "
                "WHERE w.number = 'W-002'"
            )
        ).scalar_one()
    assert stored == 3 + 1  # the bundle's three days, and either the web's shift or the import's


def test_a_dry_run_checks_and_writes_nothing(empty_db: DB, tmp_path: Path) -> None:
    engine, admin = empty_db
    load(engine, admin, write_csv_bundle(tmp_path / "a", small_region()))
    opened: list[bool] = []

    def open_session(write: bool) -> AbstractContextManager[Session]:
        opened.append(write)
        return uow.unit_of_work(engine, write=write)

    bundle = read_bundle(write_csv_bundle(tmp_path / "b", LATER_SHIFT))
    plan, result = import_checked_first(open_session, admin, bundle, dry_run=True)
    assert result is None and plan.summary["shifts"].new == 1 and opened == [False]
