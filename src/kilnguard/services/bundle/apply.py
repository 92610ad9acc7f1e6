"""Applying an import plan inside the caller's transaction: all of it, or (on any error)
nothing, since the unit of work rolls everything back.

New rows go in sheet order through the driver (`bulk.py`), with ids given in the bundle's row
order — so a bundle exported from one database and imported into an empty one gets the same
ids. The audit log gets one entry per import and enterprise (`action="import"`,
`entity="bundle"`) with the file's SHA-256, the counts per sheet and the inserted id ranges;
each changed row is an update written through `services.writes.write`, with its own entry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kilnguard.services import audit, writes
from kilnguard.services.access import Principal
from kilnguard.services.bundle import bulk
from kilnguard.services.bundle.plan import (
    ImportPlan,
    Progress,
    SheetCounts,
    SheetPlan,
    plan_import,
)
from kilnguard.services.bundle.read import Bundle, BundleInvalid, paused_gc
from kilnguard.services.bundle.spec import ColumnSpec
from kilnguard.services.bundle.values import REF, python_value
from kilnguard.services.risk import levels as stored_levels
from kilnguard.store.models import AuditEntry, ChainHead


@dataclass
class ImportResult:
    bundle_name: str
    sha256: str
    summary: dict[str, SheetCounts]
    id_ranges: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    audit_entries: int = 0

    @property
    def new(self) -> int:
        return sum(c.new for c in self.summary.values())

    @property
    def changed(self) -> int:
        return sum(c.changed for c in self.summary.values())

    @property
    def unchanged(self) -> int:
        return sum(c.unchanged for c in self.summary.values())

    @property
    def nothing_changed(self) -> bool:
        return self.new == 0 and self.changed == 0

    def message(self) -> str:
        total = self.new + self.changed + self.unchanged
        if self.nothing_changed:
            return f"nothing changed: {total:,} rows already up to date"
        return (
            f"imported {self.bundle_name}: {self.new:,} new, {self.changed:,} changed, "
            f"{self.unchanged:,} unchanged rows"
        )


def id_ranges(ids: list[int]) -> list[tuple[int, int]]:
    """Sorted ids as inclusive ranges: [1, 2, 3, 7] → [(1, 3), (7, 7)]."""
    if not ids:
        return []
    arr = np.sort(np.array(ids, dtype=np.int64))
    breaks = np.flatnonzero(np.diff(arr) != 1)
    starts = np.r_[arr[0], arr[breaks + 1]].tolist()
    ends = np.r_[arr[breaks], arr[-1]].tolist()
    return list(zip(starts, ends, strict=True))


class _Apply:
    def __init__(self, session: Session, who: Principal, plan: ImportPlan) -> None:
        self.session, self.who, self.plan = session, who, plan
        self.new_ids: dict[str, list[int]] = {}
        # enterprise (None: installation) → sheet → ids inserted
        self.inserted: dict[int | None, dict[str, list[int]]] = defaultdict(dict)

    def real(self, value: Any, target: str) -> Any:
        """A reference with a row of this bundle (negative id) replaced by its written id."""
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            return self.new_ids[target][-value - 1]
        return value

    def _column(self, sp: SheetPlan, c: ColumnSpec) -> list[Any]:
        vals = sp.values[c.stored_attr]
        picked = vals if len(sp.new) == len(vals) else [vals[i] for i in sp.new]
        if c.kind != REF or not self.new_ids.get(c.ref):
            return picked
        ids = self.new_ids[c.ref]
        return [ids[-v - 1] if v is not None and v < 0 else v for v in picked]

    def insert(self, sp: SheetPlan) -> None:
        spec = sp.spec
        table: Any = spec.model.__table__
        ids = bulk.allocate_ids(self.session, table, len(sp.new))
        self.new_ids[spec.name] = ids
        cols = spec.stored_columns
        names = ["id", *[c.stored_attr for c in cols], *spec.constants]
        data: list[list[Any]] = [ids, *[self._column(sp, c) for c in cols]]
        data.extend([v] * len(ids) for v in spec.constants.values())
        bulk.insert_columns(self.session, table, names, data)
        owners = sp.owners
        if self.new_ids.get("enterprises"):
            ents = self.new_ids["enterprises"]
            owners = [ents[-o - 1] if o is not None and o < 0 else o for o in owners]
        if None in owners:  # regions: the installation's
            self.inserted[None][spec.name] = ids
            return
        owner_arr = np.array(owners, dtype=np.int64)
        id_arr = np.array(ids, dtype=np.int64)
        for owner in np.unique(owner_arr).tolist():
            self.inserted[int(owner)][spec.name] = id_arr[owner_arr == owner].tolist()

    def update(self, sp: SheetPlan) -> None:
        spec = sp.spec
        kinds = {c.stored_attr: c for c in spec.stored_columns}
        for u in sp.updates:
            row: Any = self.session.get(spec.model, u.id)
            changed: dict[str, Any] = {}
            for attr, (old, new) in u.changed.items():
                c = kinds[attr]
                value = self.real(new, c.ref) if c.kind == REF else new
                setattr(row, attr, python_value(value, c.kind))
                changed[attr] = {"from": old, "to": value}
            installation = not spec.enterprise_scoped
            writes.write(
                self.session,
                who=self.who,
                row=row,
                action="update",
                kind=spec.right,
                entity=spec.entity,
                enterprise_id=None if spec.name == "regions" else u.owner,
                payload={"bundle_sha256": self.plan.sha256, "changed": changed},
                checked=not installation,
            )

    def audit(self) -> int:
        n = 0
        for owner in sorted(self.inserted, key=lambda o: -1 if o is None else o):
            sheets = self.inserted[owner]
            audit.append(
                self.session,
                actor=self.who.username,
                action="import",
                entity="bundle",
                entity_id=self.plan.sha256,
                enterprise_id=owner,
                payload={
                    "file": self.plan.bundle_name,
                    "file_sha256": self.plan.sha256,
                    "counts": {s: len(ids) for s, ids in sheets.items()},
                    "id_ranges": {s: id_ranges(ids) for s, ids in sheets.items()},
                },
            )
            n += 1
        return n


def apply_import(
    session: Session, who: Principal, plan: ImportPlan, *, progress: Progress | None = None
) -> ImportResult:
    """Write what `plan` found: inserts in bulk, updates one by one, with their audit entries.
    Raises `BundleInvalid` with every error if the plan has any (nothing is written)."""
    if plan.errors:
        raise BundleInvalid(plan.errors)
    session.flush()
    with paused_gc():
        return _apply(session, who, plan, progress)


def _apply(
    session: Session, who: Principal, plan: ImportPlan, progress: Progress | None
) -> ImportResult:
    run = _Apply(session, who, plan)
    sheets = list(plan.sheets.values())
    for done, sp in enumerate(sheets):
        if progress:
            progress(f"writing {sp.spec.name}", done, len(sheets))
        if sp.new:
            run.insert(sp)
        if sp.updates:
            run.update(sp)
    entries = run.audit()
    # bulk inserts bypass the ORM's flush hooks: mark the enterprises by hand; their levels
    # are recomputed by the scheduler (or the first read), not inside the import's commit
    owners = {o: stored_levels.ALL_DAYS for o in run.inserted if o is not None}
    stored_levels.mark(session.connection(), owners)
    session.flush()
    if progress:
        progress("written", len(sheets), len(sheets))
    ranges = {sp.spec.name: id_ranges(run.new_ids[sp.spec.name]) for sp in sheets if sp.new}
    return ImportResult(
        plan.bundle_name,
        plan.sha256,
        plan.summary,
        ranges,
        entries + sum(len(sp.updates) for sp in sheets),
    )


def import_bundle(
    session: Session, who: Principal, bundle: Bundle, *, progress: Progress | None = None
) -> ImportResult:
    """Check and import a whole bundle in the caller's transaction (all or nothing)."""
    with paused_gc():
        plan = plan_import(session, who, bundle, progress=progress)
        return apply_import(session, who, plan, progress=progress)


def audit_tip(session: Session) -> int:
    """The audit chain's last seq, read without locking the head (0 for an empty log)."""
    seq = session.scalar(select(ChainHead.last_seq))
    return 0 if seq is None else int(seq)


def written_since(session: Session, plan: ImportPlan, seq: int) -> bool:
    """Whether anything the plan depends on may have changed since the audit chain stood at
    `seq` (read before the plan's reads): an entry after it for an enterprise the plan writes
    into, or for the installation (regions, enterprises, logins). Every write of a record goes
    through the audit log, so a plan made outside the write lock can be applied as it is under
    the lock when this is False — SQLite's write lock is then held for the writing only."""
    owners = {
        int(o)
        for sp in plan.sheets.values()
        for o in chain(sp.owners, (u.owner for u in sp.updates))
        if o is not None and o >= 0
    }
    entry = AuditEntry
    found = session.scalar(
        select(entry.seq)
        .where(entry.seq > seq, or_(entry.enterprise_id.is_(None), entry.enterprise_id.in_(owners)))
        .limit(1)
    )
    return found is not None


def import_checked_first(
    open_session: Callable[[bool], AbstractContextManager[Session]],
    who: Principal,
    bundle: Bundle,
    *,
    progress: Progress | None = None,
    dry_run: bool = False,
) -> tuple[ImportPlan, ImportResult | None]:
    """Check `bundle` in a read transaction (`open_session(False)`: web writes go on
    meanwhile), then write it in one write transaction (`open_session(True)`: all or nothing,
    holding SQLite's write lock for the writing only). If anything the plan depends on was
    written in between (`written_since`), the bundle is checked again under the lock. Raises
    `BundleInvalid` with every error (nothing written); `dry_run` stops after the check."""
    with open_session(False) as session:
        seen = audit_tip(session)  # before the plan's reads: conservative
        plan = plan_import(session, who, bundle, progress=progress)
        session.rollback()  # checking writes nothing; make sure of it
    if plan.errors:
        raise BundleInvalid(plan.errors)
    if dry_run:
        return plan, None
    with open_session(True) as session:
        if written_since(session, plan, seen):
            plan = plan_import(session, who, bundle, progress=progress)
        return plan, apply_import(session, who, plan, progress=progress)
