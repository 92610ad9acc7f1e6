"""Entry rules that protect the record (issue 16 point 1): what a typing slip looks like, and
the plain words that say how to fix it.

- Dates: a production day, a shift and an incident lie between the plausible window's first
  day (`domain.validation.PLAUSIBLE_FIRST_DAY`; kilns record no commissioning date, so that is
  the earliest) and *tomorrow in plant time* (the plant's clock may be ahead of UTC, and a
  night shift entered at 23:00 ends tomorrow). Plans, due dates and deadlines may be later.
- Output: a record's output is compared with one whole day at the kiln's rated capacity (one
  record is one shift, which cannot fire more than a day). Above `CONFIRM_LOAD` × rating it
  needs a confirmation with a reason, kept on the record's note and in its audit entry; above
  `REFUSE_LOAD` × rating it is refused as a unit or typing error. The figures are plausibility
  limits, not risk thresholds: the demo's worst push (Komusan, 2.8 × rating a day over two
  12-h shifts) is 1.4 × per record; the issue's 564 t on a 20 t/day kiln is 28 ×.
- Duplicates: one current production record per kiln, day and shift (the database holds it
  too: `uq_production_kiln_day_shift`, 0014); a second is refused, naming the one stored and
  how to correct it.
- Numbers typed in a form: `parse_local_number` reads a decimal comma ("56,4") where it is
  unambiguous, or where the user's language writes one.
- Shift times typed in a form: `roll_shift_end` moves an end before the start to the next day
  when that is plainly meant (18:00 → 06:00 is a 12-h night shift).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain.errors import ValidationError
from kilnguard.domain.validation import parse_number, shown
from kilnguard.services import writes
from kilnguard.store.models import Enterprise, Kiln, ProductionRecord

CONFIRM_LOAD = 2.0
"""Output of one record above this many days at rated capacity needs a confirmation [–]."""
REFUSE_LOAD = 5.0
"""Output of one record above this many days at rated capacity is refused [–]."""


def plant_zone(session: Session, enterprise_id: int) -> str:
    """The IANA zone of the enterprise's plant (its region's)."""
    ent = session.get(Enterprise, enterprise_id)
    return ent.region.timezone if ent is not None else "UTC"


def plant_today(session: Session, zone: str) -> dt.date:
    """Today's date in the plant's zone, by the unit of work's clock."""
    return writes.now(session).astimezone(ZoneInfo(zone)).date()


def local_text(value: dt.datetime, zone: str) -> str:
    """A stored time as the plant reads it: `2021-11-20 18:00 (Asia/Pyongyang)`."""
    return f"{value.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} ({zone})"


def require_not_after_tomorrow(
    session: Session, field: str, value: dt.date | dt.datetime | None, zone: str
) -> None:
    """Refuse a record dated after tomorrow in plant time (a mistyped year, 2201 for 2021)."""
    if value is None:
        return
    day = value.astimezone(ZoneInfo(zone)).date() if isinstance(value, dt.datetime) else value
    latest = plant_today(session, zone) + dt.timedelta(days=1)
    if day > latest:
        raise ValidationError(
            field,
            day.isoformat(),
            f"{day.isoformat()} is after tomorrow ({latest.isoformat()}, plant time {zone}): "
            "a record cannot be entered ahead; check the year and the date",
        )


def check_output(kiln: Kiln, output_t: float, confirm_reason: str) -> None:
    """Refuse an output above `REFUSE_LOAD` days at rating; above `CONFIRM_LOAD`, ask for a
    confirmation with a reason (a plausibility limit, see the module's docstring)."""
    rating = kiln.rated_capacity_t_per_day
    if rating <= 0 or output_t <= CONFIRM_LOAD * rating:
        return
    load = output_t / rating
    said = f"{output_t:g} t is {load:.1f}× kiln {kiln.name}'s rated {rating:g} t/day"
    if load > REFUSE_LOAD:
        raise ValidationError(
            "output_t",
            output_t,
            f"{said}, more than {REFUSE_LOAD:g}× is not possible in one shift: check the unit "
            "(tonnes) and the figure",
        )
    if not confirm_reason.strip():
        raise ValidationError(
            "confirm_reason",
            output_t,
            f"{said}, more than {CONFIRM_LOAD:g}×: if the figure is right, confirm it with a "
            "reason (what made it possible); otherwise correct it",
        )


def confirmed_note(note: str, output_t: float, kiln: Kiln, confirm_reason: str) -> str:
    """The note kept on a record confirmed above `CONFIRM_LOAD` × rating (why it is right)."""
    if not confirm_reason.strip() or output_t <= CONFIRM_LOAD * kiln.rated_capacity_t_per_day:
        return note
    said = f"confirmed above {CONFIRM_LOAD:g}× rating: {confirm_reason.strip()}"
    return f"{note.strip()} ({said})" if note.strip() else said


ProductionKey = tuple[int, dt.date, int]
"""(kiln id, day, shift no.): one current production record each."""


def stored_production(
    session: Session, keys: Iterable[ProductionKey]
) -> dict[ProductionKey, ProductionRecord]:
    """The current records stored under `keys`, in one query over their kilns and days."""
    wanted = set(keys)
    if not wanted:
        return {}
    p = ProductionRecord
    stmt = select(p).where(
        p.kiln_id.in_({k for k, _, _ in wanted}),
        p.day >= min(d for _, d, _ in wanted),
        p.day <= max(d for _, d, _ in wanted),
        p.voided_at.is_(None),
    )
    found: dict[ProductionKey, ProductionRecord] = {}
    for r in session.scalars(stmt):
        if (key := (r.kiln_id, r.day, r.shift_no)) in wanted:
            found[key] = r
    return found


def duplicate_error(kiln: Kiln, other: ProductionRecord) -> ValidationError:
    """A second record for a kiln, day and shift: name the stored one and how to correct it."""
    return ValidationError(
        "shift_no",
        other.shift_no,
        f"kiln {kiln.name} already has a production record for {other.day.isoformat()}, shift "
        f"{other.shift_no} (record {other.id}: {other.output_t:g} t, {other.hours_fired:g} h). "
        "Correct that record instead of adding a second (Correct on the kiln page, PATCH "
        f"/api/v1/production-records/{other.id}, or `kilnguard records correct production "
        f"{other.id}`), or void it if it is wrong",
    )


# ------------------------------------------------------------------ typed text in forms
DECIMAL_COMMA_LANGUAGES = frozenset(
    {"de", "fr", "es", "it", "pt", "nl", "ru", "pl", "cs", "sk", "sl", "hr", "sr", "bg", "ro"}
    | {"hu", "fi", "sv", "da", "nb", "nn", "no", "tr", "uk", "el", "lt", "lv", "et", "id", "vi"}
)
"""Languages whose numbers write a decimal comma (CLDR); Korean and English write a point."""

_LONE_COMMA = re.compile(r"^[+-]?\d*,\d+$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+$")


def decimal_comma(accept_language: str) -> bool:
    """True when the user's first language (an Accept-Language header) writes 3,5."""
    first = accept_language.split(",")[0].split(";")[0].strip().lower()
    return first.split("-")[0] in DECIMAL_COMMA_LANGUAGES


def parse_local_number(field: str, raw: str, comma_decimal: bool = False) -> float:
    """A number as typed by a plant user: "56.4", "56,4" (a lone comma is a decimal comma),
    "1 234,5" where the language writes a decimal comma. A comma that could group thousands in
    a point-decimal language ("1,234") is refused as ambiguous, asking for the plain figure."""
    text = raw.strip().replace("\u00a0", " ").replace("\u202f", " ")
    if comma_decimal and "," in text:
        text = text.replace(" ", "").replace(".", "").replace(",", ".")
    elif _GROUPED.match(text):
        raise ValidationError(
            field,
            shown(raw),
            f"is ambiguous: write {text.replace(',', '')} for that many, or use a decimal "
            f"point ({text.replace(',', '.')})",
        )
    elif _LONE_COMMA.match(text):
        text = text.replace(",", ".")
    return parse_number(field, text)


ROLL_LIMIT_H = 16.0
"""Longest shift an end-before-start is read as [h]: a night shift of 8 or 12 h, a double
shift of 16 h at most. 14:00 → 13:00 (23 h) is a slip, not a night shift, and is refused."""


def roll_shift_end(start: dt.datetime, end: dt.datetime) -> dt.datetime:
    """The end of a shift typed before its start on the same day moved to the next day, when
    that gives a shift of at most `ROLL_LIMIT_H` (18:00 → 06:00: a 12-h night shift)."""
    if end >= start or end.date() != start.date():
        return end
    rolled = end + dt.timedelta(days=1)
    return rolled if rolled - start <= dt.timedelta(hours=ROLL_LIMIT_H) else end
