"""Planning an import: parse every sheet, check every rule, resolve natural keys, and diff
against the database — writing nothing. Every problem is collected (sheet, spreadsheet row,
column, value, rule); the plan is applied only when there is none.

Sheets are planned in dependency order. A row's references resolve against the rows of earlier
sheets of the bundle and the stored rows; a row still to be written is referred to by a
negative id (−1 for the sheet's first new row), replaced by its real id when it is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, select
from sqlalchemy.orm import Session

from kilnguard.domain.errors import NotFound, PermissionDenied, ValidationError
from kilnguard.services import access
from kilnguard.services.access import Principal
from kilnguard.services.bundle.checks import shift_overlaps, suspects
from kilnguard.services.bundle.read import Bundle, BundleError, RawSheet, paused_gc
from kilnguard.services.bundle.spec import README_SHEET, ColumnSpec, SheetSpec, all_sheets
from kilnguard.services.bundle.values import (
    BAD,
    CHOICE,
    REF,
    TEXT,
    canonical,
    parse_column,
    python_value,
)
from kilnguard.store.models import Enterprise

Progress = Callable[[str, int, int], None]
Key = tuple[Any, ...]


@dataclass
class SheetCounts:
    new: int = 0
    changed: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.new + self.changed + self.unchanged


@dataclass
class Update:
    id: int
    row: int  # spreadsheet row
    owner: int | None  # enterprise id (None: installation-wide)
    changed: dict[str, tuple[Any, Any]]  # attribute → (stored, new), canonical


@dataclass
class SheetPlan:
    spec: SheetSpec
    values: dict[str, list[Any]]  # stored attribute → canonical value of every row
    new: list[int] = field(default_factory=list)  # row indexes to insert, in sheet order
    owners: list[Any] = field(default_factory=list)  # enterprise of each new row
    updates: list[Update] = field(default_factory=list)
    counts: SheetCounts = field(default_factory=SheetCounts)


@dataclass
class ImportPlan:
    bundle_name: str
    sha256: str
    sheets: dict[str, SheetPlan]
    errors: list[BundleError]
    summary: dict[str, SheetCounts]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total_rows(self) -> int:
        return sum(c.total for c in self.summary.values())

    @property
    def changes(self) -> int:
        return sum(c.new + c.changed for c in self.summary.values())


def _max_len(spec: SheetSpec, col: ColumnSpec) -> int | None:
    column = spec.model.__table__.columns.get(col.stored_attr)
    if column is not None and isinstance(column.type, String):
        length: int | None = column.type.length
        return length
    return None


class _Planner:
    def __init__(
        self, session: Session, who: Principal, bundle: Bundle, progress: Progress | None
    ) -> None:
        self.session, self.who, self.bundle = session, who, bundle
        self.progress = progress
        self.specs = {s.name: s for s in all_sheets()}
        self.errors: list[BundleError] = []
        self.keys: dict[str, dict[Key, int]] = {name: {} for name in self.specs}
        self.existing: dict[str, dict[Key, tuple[int, dict[str, Any]]]] = {}
        self.plans: dict[str, SheetPlan] = {}
        self.broken: set[str] = set()
        self.matched: dict[str, set[int]] = {}

    # ------------------------------------------------------------------ stored rows
    def _enterprise_ids(self) -> list[int]:
        names: set[str] = set()
        for raw in self.bundle.sheets.values():
            for h, col in zip(raw.header, raw.columns, strict=True):
                if h == "enterprise" or (raw.name == "enterprises" and h == "name"):
                    names.update(col)
        rows = self.session.execute(select(Enterprise.id, Enterprise.name))
        return [int(i) for i, name in rows if name in names]

    def load_existing(self) -> None:
        targets = {c.ref for s in self.specs.values() for c in s.columns if c.kind == REF}
        ents = self._enterprise_ids()
        for spec in self.specs.values():
            if spec.name not in self.bundle.sheets and spec.name not in targets:
                self.existing[spec.name] = {}
                continue
            model: Any = spec.model
            attrs = [c.stored_attr for c in spec.stored_columns]
            stmt = select(model.id, *[getattr(model, a) for a in attrs])
            if spec.enterprise_scoped:
                stmt = stmt.where(model.enterprise_id.in_(ents))
            key_attrs = [spec.column(k).stored_attr for k in spec.key]
            found: dict[Key, tuple[int, dict[str, Any]]] = {}
            for row in self.session.execute(stmt):
                values = {a: canonical(v) for a, v in zip(attrs, row[1:], strict=True)}
                key = tuple(values[a] for a in key_attrs)
                found[key] = (int(row[0]), values)
                self.keys[spec.name][key] = int(row[0])
            self.existing[spec.name] = found

    # ------------------------------------------------------------------ one sheet
    def error(self, sheet: str, row: int, column: str, value: Any, rule: str) -> None:
        self.errors.append(
            BundleError(sheet, row, column, "" if value is None else str(value), rule)
        )

    def check_header(self, spec: SheetSpec, raw: RawSheet) -> bool:
        names = {c.name for c in spec.columns}
        seen: set[str] = set()
        for h in raw.header:
            if h in seen:
                self.error(spec.name, 1, h, h, "appears twice in the header row")
            seen.add(h)
            if h in names:
                continue
            stem = h.split("_")[0]
            near = [c for c in spec.columns if c.unit and c.name.split("_")[0] == stem]
            if near and h:
                c = near[0]
                self.error(
                    spec.name, 1, h, h,
                    f"wrong unit or unknown column: this sheet takes {c.name}, in {c.unit} "
                    f"(convert the values to {c.unit} and name the column {c.name})",
                )  # fmt: skip
            else:
                self.error(
                    spec.name, 1, h, h,
                    f"is not a column of sheet {spec.name} (columns: "
                    f"{', '.join(c.name for c in spec.columns)})",
                )  # fmt: skip
        ok = True
        for c in spec.columns:
            if c.required and c.name not in seen:
                self.error(
                    spec.name, 1, c.name, "", "required column is missing from the header row"
                )
                ok = False
        return ok

    def _cells(self, raw: RawSheet, name: str) -> Sequence[str]:
        try:
            return raw.columns[raw.header.index(name)]
        except ValueError:
            return ("",) * raw.n_rows

    def _report(self, spec: SheetSpec, raw: RawSheet, col: str, errs: Any, bad: set[int]) -> None:
        for e in errs:
            self.error(spec.name, raw.row_number(e.index), col, e.value, e.rule)
            bad.add(e.index)

    def parse(self, spec: SheetSpec, raw: RawSheet, bad: set[int]) -> dict[str, list[Any]]:
        parsed: dict[str, list[Any]] = {}
        for c in spec.columns:
            if c.kind == REF:
                continue
            vals, errs = parse_column(
                self._cells(raw, c.name), c.kind, required=c.required, default=c.default,
                unit=c.unit, choices=c.choices,
                max_len=_max_len(spec, c) if c.kind in (TEXT, CHOICE) else None,
            )  # fmt: skip
            self._report(spec, raw, c.name, errs, bad)
            parsed[c.name] = vals
        for c in spec.columns:
            if c.kind == REF:
                parsed[c.name] = self.resolve(spec, raw, c, parsed, bad)
        return parsed

    def resolve(
        self,
        spec: SheetSpec,
        raw: RawSheet,
        c: ColumnSpec,
        parsed: dict[str, list[Any]],
        bad: set[int],
    ) -> list[Any]:
        target = self.specs[c.ref]
        tcol = target.column(target.key[c.via.index(c.name)])
        cells = self._cells(raw, c.name)
        own, errs = parse_column(
            cells, tcol.kind, required=c.required, default=None, choices=tcol.choices
        )
        self._report(spec, raw, c.name, errs, bad)
        parts = [own if v == c.name else parsed[v] for v in c.via]
        registry = self.keys[c.ref]
        out: list[Any] = [registry.get(k) for k in zip(*parts, strict=True)]
        what = target.entity.replace("_", " ")
        ents = self._cells(raw, "enterprise")
        for i in [i for i, v in enumerate(out) if v is None]:
            if own[i] is None:
                continue
            out[i] = BAD
            if any(p[i] is BAD for p in parts):
                continue
            bad.add(i)
            if c.ref not in self.broken:
                where = f" of enterprise {ents[i]!r}" if "enterprise" in c.via[:-1] else ""
                self.error(
                    spec.name, raw.row_number(i), c.name, cells[i],
                    f"no such {what}{where}: it is neither in sheet {c.ref} nor stored",
                )  # fmt: skip
        return out

    def plan_sheet(self, spec: SheetSpec, raw: RawSheet) -> None:
        self.errors.extend(raw.errors)
        if not self.check_header(spec, raw):
            self.broken.add(spec.name)
            return
        if raw.n_rows == 0:
            self.error(
                spec.name, 1, "", "",
                "the sheet has a header but no rows: add rows or remove the sheet",
            )  # fmt: skip
            self.broken.add(spec.name)
            return
        bad: set[int] = set()
        parsed = self.parse(spec, raw, bad)
        values = {c.stored_attr: parsed[c.name] for c in spec.stored_columns}
        if spec.name == "shifts":
            self._default_crews(values)
        sp = SheetPlan(spec, values)
        self.diff(spec, raw, sp, bad)
        self.row_checks(spec, raw, parsed, values, bad)
        if spec.dated:
            self.retired(spec, raw, sp, bad)
        if spec.name == "shifts":
            self.overlaps(raw, sp, bad)
        self.access(spec, raw, sp)
        self.plans[spec.name] = sp

    def _default_crews(self, values: dict[str, list[Any]]) -> None:
        """A shift without a crew was worked with the worker's crew."""
        crew_of = {i: v["crew_id"] for i, v in self.existing["workers"].values()}
        wp = self.plans.get("workers")
        if wp is not None:
            for k, i in enumerate(wp.new):
                crew_of[-(k + 1)] = wp.values["crew_id"][i]
        crews, workers = values["crew_id"], values["worker_id"]
        for i, c in enumerate(crews):
            if c is None and isinstance(workers[i], int):
                crews[i] = crew_of.get(workers[i])

    def diff(self, spec: SheetSpec, raw: RawSheet, sp: SheetPlan, bad: set[int]) -> None:
        key_cols = [sp.values[spec.column(k).stored_attr] for k in spec.key]
        existing = self.existing[spec.name]
        registry = self.keys[spec.name]
        seen: dict[Key, int] = {}
        owner_col = self._owner_col(spec, sp)
        attrs = list(sp.values.items())
        matched = self.matched.setdefault(spec.name, set())
        keys = list(zip(*key_cols, strict=True))
        if not bad and not existing and len(set(keys)) == len(keys):
            # the bulk case: every row is new
            sp.new = list(range(len(keys)))
            registry.update(zip(keys, range(-1, -len(keys) - 1, -1), strict=True))
            sp.owners = (
                list(owner_col) if owner_col is not None else list(range(-1, -len(keys) - 1, -1))
            )
            sp.counts.new = len(keys)
            return
        for i, key in enumerate(keys):
            if any(k is BAD for k in key):
                continue
            if key in seen:
                self.error(
                    spec.name, raw.row_number(i), ", ".join(spec.key), "",
                    f"repeats the key ({', '.join(spec.key)}) of row {raw.row_number(seen[key])}",
                )  # fmt: skip
                bad.add(i)
                continue
            seen[key] = i
            hit = existing.get(key) if existing else None
            if hit is None:
                sp.new.append(i)
                registry[key] = -len(sp.new)
                sp.owners.append(owner_col[i] if owner_col is not None else -len(sp.new))
                continue
            ident, stored = hit
            matched.add(ident)
            changed = {a: (stored[a], vals[i]) for a, vals in attrs if vals[i] != stored[a]}
            if changed:
                owner = owner_col[i] if owner_col is not None else ident
                sp.updates.append(Update(ident, raw.row_number(i), owner, changed))
            else:
                sp.counts.unchanged += 1
        sp.counts.new = len(sp.new)
        sp.counts.changed = len(sp.updates)

    @staticmethod
    def _owner_col(spec: SheetSpec, sp: SheetPlan) -> list[Any] | None:
        """The enterprise of each row (None for regions; enterprises own themselves)."""
        if spec.enterprise_scoped:
            return sp.values["enterprise_id"]
        if spec.name == "regions":
            return [None] * len(next(iter(sp.values.values())))
        return None

    def row_checks(
        self,
        spec: SheetSpec,
        raw: RawSheet,
        parsed: dict[str, list[Any]],
        values: dict[str, list[Any]],
        bad: set[int],
    ) -> None:
        if spec.check is None:
            return
        rows = suspects(spec.name, values, raw.n_rows)
        indexes = range(raw.n_rows) if rows is None else rows
        kinds = {c.stored_attr: c.kind for c in spec.stored_columns}
        for i in indexes:
            if i in bad:
                continue
            row = {a: python_value(vals[i], kinds[a]) for a, vals in values.items()}
            try:
                spec.check(row)
            except ValidationError as exc:
                col = spec.column_of_attr(exc.field)
                cell = self._cells(raw, col)[i] if col in raw.header else exc.value
                self.error(spec.name, raw.row_number(i), col, cell, exc.rule)
                bad.add(i)

    def _retired_on(self, sheet: str) -> dict[int, str]:
        """Retired units of a sheet, stored or of this bundle: id → retired_on."""
        out = {i: v["retired_on"] for i, v in self.existing[sheet].values() if v.get("retired_on")}
        plan = self.plans.get(sheet)
        if plan is not None and "retired_on" in plan.values:
            days = plan.values["retired_on"]
            out.update(
                {-(k + 1): days[i] for k, i in enumerate(plan.new) if isinstance(days[i], str)}
            )
        return out

    def retired(self, spec: SheetSpec, raw: RawSheet, sp: SheetPlan, bad: set[int]) -> None:
        """A new row dated after its kiln, worker, section or crew was retired is refused; the
        history before the retirement is welcome."""
        when = sp.values[spec.dated]
        for c in spec.columns:
            if c.kind != REF or c.name == "enterprise":
                continue
            retired = self._retired_on(c.ref)
            if not retired:
                continue
            refs = sp.values[c.stored_attr]
            cells = self._cells(raw, c.name)
            for i in sp.new:
                day = retired.get(refs[i]) if isinstance(refs[i], int) else None
                if day is not None and isinstance(when[i], str) and when[i][:10] > day:
                    what = self.specs[c.ref].entity.replace("_", " ")
                    self.error(
                        spec.name, raw.row_number(i), c.name, cells[i],
                        f"{what} {cells[i]} was retired on {day}: it takes no records after "
                        "that day (reinstate it first, or choose another)",
                    )  # fmt: skip
                    bad.add(i)

    def overlaps(self, raw: RawSheet, sp: SheetPlan, bad: set[int]) -> None:
        from kilnguard.store.models import Shift

        v = sp.values
        worker_ids = {w for w in v["worker_id"] if isinstance(w, int) and w > 0}
        starts = [s for s in v["start_at"] if isinstance(s, str)]
        ends = [e for e in v["end_at"] if isinstance(e, str)]
        stored: list[tuple[int, int, str, str]] = []
        if worker_ids and starts and ends:
            replaced = self.matched.get("shifts", set())
            lo = dt.datetime.fromisoformat(min(starts)).replace(tzinfo=dt.UTC)
            hi = dt.datetime.fromisoformat(max(ends)).replace(tzinfo=dt.UTC)
            for ident, w, s, e in self.session.execute(
                select(Shift.id, Shift.worker_id, Shift.start_at, Shift.end_at).where(
                    Shift.worker_id.in_(worker_ids), Shift.end_at > lo, Shift.start_at < hi
                )
            ):
                if ident not in replaced:
                    stored.append((int(ident), int(w), canonical(s), canonical(e)))
        cells = self._cells(raw, "worker")
        for o in shift_overlaps(v["worker_id"], v["start_at"], v["end_at"], stored):
            other = (
                f"row {raw.row_number(o.other_index)}"
                if o.other_index is not None
                else f"stored shift {o.other_id}"
            )
            self.error(
                "shifts", raw.row_number(o.index), "start_at", self._cells(raw, "start_at")[o.index],
                f"worker {cells[o.index]}'s shift overlaps another shift of the same worker "
                f"({other}, {o.other_start[:16]}–{o.other_end[:16]} UTC)",
            )  # fmt: skip
            bad.add(o.index)

    def _readable(self, spec: SheetSpec, raw: RawSheet, sp: SheetPlan) -> None:
        """Rows of a stored enterprise `who` may not read: refused like an unknown one."""
        column = "enterprise" if spec.enterprise_scoped else "name"
        if spec.enterprise_scoped:
            ids: list[Any] = sp.values["enterprise_id"]
        else:
            ids = [self.keys["enterprises"].get((n,)) for n in sp.values["name"]]
        names = self._cells(raw, column)
        for eid in {e for e in set(ids) if isinstance(e, int) and e > 0}:
            if not access.may_read_enterprise(self.session, self.who, eid):
                i = ids.index(eid)
                self.error(spec.name, raw.row_number(i), column, names[i], "no such enterprise")

    def access(self, spec: SheetSpec, raw: RawSheet, sp: SheetPlan) -> None:
        """`who` needs the sheet's right in every enterprise it adds or changes rows of, and
        may not even compare rows with an enterprise they may not read."""
        if spec.enterprise_scoped or spec.name == "enterprises":
            self._readable(spec, raw, sp)
        if not sp.new and not sp.updates:
            return
        if not spec.enterprise_scoped:
            try:
                access.require_right(self.who, spec.right)
            except PermissionDenied as exc:
                row = raw.row_number(sp.new[0]) if sp.new else sp.updates[0].row
                self.error(spec.name, row, "", "", exc.message)
            return
        ents = sp.values["enterprise_id"]
        first: dict[int, int] = {}
        new_ents = set(ents) if len(sp.new) == len(ents) else {ents[i] for i in sp.new}
        for eid in new_ents:
            first[eid] = raw.row_number(ents.index(eid))
        for u in sp.updates:
            if isinstance(u.owner, int):
                first.setdefault(u.owner, u.row)
        names = self._cells(raw, "enterprise")
        for eid, row in sorted(first.items(), key=lambda kv: kv[1]):
            try:
                if eid > 0:
                    access.require_write(self.session, self.who, spec.right, eid)
                else:
                    access.require_right(self.who, spec.right)
            except (PermissionDenied, NotFound) as exc:
                self.error(spec.name, row, "enterprise", names[row - 2] if row >= 2 else "",
                           f"{exc.message}: you may not add or change {spec.name} here")  # fmt: skip

    # ------------------------------------------------------------------ the bundle
    def run(self) -> ImportPlan:
        for name in self.bundle.sheets:
            if name != README_SHEET and name not in self.specs:
                self.error(
                    name, 0, "", "",
                    f"is not a sheet of the bundle format (sheets: {', '.join(self.specs)})",
                )  # fmt: skip
        self.load_existing()
        present = [s for s in self.specs.values() if s.name in self.bundle.sheets]
        if not present:
            self.error(
                "", 0, "", self.bundle.name, "holds no sheet to import (see the README sheet)"
            )
        for done, spec in enumerate(present):
            if self.progress:
                self.progress(f"checking {spec.name}", done, len(present))
            self.plan_sheet(spec, self.bundle.sheets[spec.name])
        if self.progress:
            self.progress("checked", len(present), len(present))
        summary = {name: p.counts for name, p in self.plans.items()}
        return ImportPlan(self.bundle.name, self.bundle.sha256, self.plans, self.errors, summary)


def plan_import(
    session: Session, who: Principal, bundle: Bundle, *, progress: Progress | None = None
) -> ImportPlan:
    """Check the whole bundle and work out what importing it would change; writes nothing."""
    with paused_gc():
        return _Planner(session, who, bundle, progress).run()
