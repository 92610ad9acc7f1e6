"""Inputs, defaults, results and policy thresholds of the HSE Fatigue and Risk Index replica.

Provenance tags used in this package (next to every constant):

* **[V]** read in a source during this work (the source and section are named).
* **[D]** stated in ``../shared/design/FRI.md`` (the project's summary of RR446 and the
  calculator); not re-read in RR446 itself, whose body text was not reachable here.
* **[C] open** — the calculator's own value, known here only from a third-party reconstruction of
  the withdrawn spreadsheet (used to cross-check, not confirmed in RR446 or rr446g). Open until
  read in RR446; see ``docs/models/hse-fri.md``.
* **[P]** project choice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from kilnguard.domain.errors import ValidationError

#: Commute (home to work, one way) that adds no risk and no fatigue [min]. The calculator's
#: default; "it was assumed that the person takes 40-minutes to travel to work" [V: Energy
#: Institute Human Factors Handbook ch. 15 on the FRI examples; D: FRI.md "calculator default 40,
#: which adds no risk"].
REFERENCE_COMMUTE_MIN: Final = 40.0

#: Longest duty the calculator represents (one start and one end clock time) [h] [P].
MAX_DUTY_H: Final = 24.0

#: Workload scores, 0–3, 3 the most demanding [D: FRI.md; labels V: Skillo docs "Fatigue and Risk
#: Index", the four options of the calculator's rr446cal.xls]. The numeric direction is [D].
WORKLOAD_LABELS: Final = (
    "extremely undemanding, lots of spare capacity",  # 0
    "moderately undemanding, some spare capacity",  # 1
    "moderately demanding, little spare capacity",  # 2
    "extremely demanding, no spare capacity",  # 3
)
#: Attention scores, 0–3, 3 = attention needed all or nearly all of the time [D; labels V, as above].
ATTENTION_LABELS: Final = (
    "rarely or none of the time",  # 0
    "some of the time",  # 1
    "most of the time",  # 2
    "all or nearly all of the time",  # 3
)

#: Policy thresholds (Network Rail NR/L2/OHS/003 practice) [V: SOURCES.md §3.2]. Policy, not
#: part of the model: a plant may set its own.
POLICY_RI_LIMIT: Final = 1.6
POLICY_FI_LIMIT_DAY: Final = 35.0
POLICY_FI_LIMIT_NIGHT: Final = 45.0
#: Good-practice targets quoted with the same policy [D: FRI.md].
GOOD_PRACTICE_FI_DAY: Final = 30.0
GOOD_PRACTICE_FI_NIGHT: Final = 40.0
#: A duty is a "night" duty for the FI policy limit when it overlaps 00:00–05:00 local time [P,
#: after EU 2003/88/EC Art 2(3): night time always includes 00:00–05:00].
NIGHT_CORE_H: Final = (0.0, 5.0)


@dataclass(frozen=True)
class Duty:
    """One duty of a roster, in plant-local time, with the calculator's per-duty inputs.

    Defaults are the calculator defaults where a plant records none: commute 40 min [V/D above];
    workload 2 and attention 1 (their sum, 3, is the neutral point of the RI job term, D); breaks
    every 180 min averaging 15 min, longest continuous work 240 min then a 30-min break [C] open
    (the values rr446g §4.1 "Setting default values" prefills were not readable here).
    """

    start: dt.datetime  #: on duty, plant-local, naive
    end: dt.datetime  #: off duty, plant-local, naive
    commute_min: float = REFERENCE_COMMUTE_MIN  #: travel home → work, one way [min]
    workload: int = 2  #: 0–3, see WORKLOAD_LABELS
    attention: int = 1  #: 0–3, see ATTENTION_LABELS
    break_every_min: float = 180.0  #: typical work time between breaks [min]
    break_min: float = 15.0  #: average break length [min]
    longest_work_min: float = 240.0  #: longest continuous work without a break [min]
    break_after_longest_min: float = 30.0  #: the break that follows the longest spell [min]

    @property
    def length_h(self) -> float:
        """Duty length [h]."""
        return (self.end - self.start).total_seconds() / 3600.0


@dataclass(frozen=True)
class DutyIndex:
    """FI and RI of one duty, each with its three components (unrounded).

    FI and its components are percentages [%] (probability ×100 of KSS ≥ 8 on the duty);
    RI and its components are relative risks [–] (1.0 = average day shift of a 2-shift system).
    FI = 100·[1 − (1 − cum/100)·(1 − timing/100 − job/100)]; RI = cum × timing × job.
    """

    start: dt.datetime
    end: dt.datetime
    fi: float
    fi_cumulative: float
    fi_timing: float
    fi_job: float
    ri: float
    ri_cumulative: float
    ri_timing: float
    ri_job: float
    night: bool  #: overlaps 00:00–05:00 (selects the FI policy limit) [P]

    @property
    def fi_limit(self) -> float:
        """The policy FI limit that applies to this duty (35 by day, 45 by night) [policy]."""
        return POLICY_FI_LIMIT_NIGHT if self.night else POLICY_FI_LIMIT_DAY

    @property
    def over_policy(self) -> bool:
        """RI > 1.6 or FI above its day/night limit [policy]."""
        return self.ri > POLICY_RI_LIMIT or self.fi > self.fi_limit

    def as_json(self) -> dict[str, str | float]:
        return {
            "start": self.start.isoformat(timespec="minutes"),
            "end": self.end.isoformat(timespec="minutes"),
            "fi": self.fi,
            "fi_cumulative": self.fi_cumulative,
            "fi_timing": self.fi_timing,
            "fi_job": self.fi_job,
            "ri": self.ri,
            "ri_cumulative": self.ri_cumulative,
            "ri_timing": self.ri_timing,
            "ri_job": self.ri_job,
        }


def is_night(start: dt.datetime, end: dt.datetime) -> bool:
    """True when [start, end) overlaps 00:00–05:00 of any day [P]."""
    day = start.date()
    while dt.datetime.combine(day, dt.time()) < end:
        core_start = dt.datetime.combine(day, dt.time())
        core_end = core_start + dt.timedelta(hours=NIGHT_CORE_H[1])
        if start < core_end and end > core_start:
            return True
        day += dt.timedelta(days=1)
    return False


def validate(duties: list[Duty]) -> None:
    """Refuse what the calculator cannot represent, naming the duty (1-based) and the rule."""
    for i, d in enumerate(duties, start=1):
        where = f"duty {i} ({d.start.isoformat(timespec='minutes')})"
        if not d.length_h > 0:
            raise ValidationError(f"{where} end", d.end.isoformat(), "end must be after start")
        if d.length_h > MAX_DUTY_H:
            raise ValidationError(
                f"{where} end",
                d.end.isoformat(),
                f"the FRI calculator takes duties of at most {MAX_DUTY_H:g} h; split longer duties",
            )
        if d.workload not in range(4):
            raise ValidationError(
                f"{where} workload", d.workload, "a score 0–3 (3 = most demanding)"
            )
        if d.attention not in range(4):
            raise ValidationError(
                f"{where} attention", d.attention, "a score 0–3 (3 = all the time)"
            )
        for name, value, low in (
            ("commute_min", d.commute_min, 0.0),
            ("break_every_min", d.break_every_min, 15.0),
            ("break_min", d.break_min, 0.0),
            ("longest_work_min", d.longest_work_min, 15.0),
            ("break_after_longest_min", d.break_after_longest_min, 0.0),
        ):
            if not low <= value <= 1440.0:
                raise ValidationError(f"{where} {name}", value, f"minutes between {low:g} and 1440")
        if i > 1 and d.start < duties[i - 2].end:
            raise ValidationError(
                f"{where} start",
                d.start.isoformat(timespec="minutes"),
                f"duties must be in time order without overlap (duty {i - 1} ends "
                f"{duties[i - 2].end.isoformat(timespec='minutes')})",
            )
