"""Plain-words explanation of one kiln-day, shared by the columnar engine and the reference loop.

Both paths fill the same ``KilnDayFacts`` and call :func:`compose`, so "same explanations" is a
test of the facts, not of two pieces of wording.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from kilnguard.domain.fatigue import (
    BREACH_CONSECUTIVE_NIGHTS,
    BREACH_CONSECUTIVE_SHIFTS,
    BREACH_LONG_SHIFT,
    BREACH_OVER_24H,
    BREACH_QUICK_RETURN,
)
from kilnguard.domain.risk.config import LEVEL_NAMES, RiskConfig

#: Hard-rule bit flags (``RiskResult.rules``).
RULE_TARGET = 1  # target pressure > 1: at least amber
RULE_LOAD = 2  # load ≥ red_load_ratio while firing: at least red
RULE_IPL = 4  # IPL proof test overdue > grace while firing: stop
RULE_WEAR = 8  # lining beyond design life: at least amber
RULE_CHANGE = 16  # change-control severity floor
RULE_ALARM = 32  # active high-priority alarms floor

BARRIERS: tuple[str, ...] = (
    "operating envelope",
    "equipment integrity",
    "people",
    "change control",
    "detection",
)


@dataclass(frozen=True)
class KilnDayFacts:
    """Every number behind one kiln-day's level."""

    kiln_id: str
    kiln_name: str
    day: date
    level: int
    risk_ratio: float
    factors: tuple[float, float, float, float, float]  # per barrier, order of BARRIERS
    floors: tuple[int, int, int, int, int]  # hard-rule floor level per barrier
    rules: int
    rated_t_per_day: float
    load_ratio: float
    load_ratio_7d: float
    days_over_rating: int
    rr_load: float
    target_pressure: float
    target_text: str  # "20000 t by 2021-12-17 (imposed by X, additional)" or ""
    rr_target: float
    continuous_days: int
    campaign_limit_days: float
    rr_continuous: float
    wear_damage: float
    rr_wear: float
    maint_task: str  # "" when nothing overdue
    maint_overdue_days: int
    maint_overdue_t: float
    maint_interval_days: float
    maint_deferrals: tuple[str, ...]  # reasons of deferrals recorded by this day, in order
    rr_maint: float
    ipl_overdue_days: int
    has_shifts: bool
    kss_worst: float
    kss_crew_mean: float
    rr_kss: float
    shift_rr: float
    max_shift_h: float
    max_consecutive_shifts: int
    max_consecutive_nights: int
    min_rest_h: float
    breach_shifts: int
    breach_kinds: int
    change_severity: int
    change_reason: str
    alarms_high: int
    alarm_summary: str
    overload_dose: float = 0.0  # rating-days above rating in the last overload_window_days
    rr_dose: float = 1.0
    overload_window_days: int = 30
    ipl_task: str = ""  # the protection layer's proof test most overdue ("" none)


@dataclass(frozen=True)
class BarrierFinding:
    """One barrier's contribution: its factor on R, the level it alone implies, and its facts."""

    barrier: str
    factor: float
    level: str
    facts: tuple[str, ...]


@dataclass(frozen=True)
class Explanation:
    """Why a kiln has its level on a day: barriers worst first, each with facts and units."""

    kiln_id: str
    day: date
    level: str
    risk_ratio: float
    findings: tuple[BarrierFinding, ...]
    text: str


_TIMES = {1: "once", 2: "twice"}


def level_of(ratio: float, cfg: RiskConfig) -> int:
    """Scalar level from a risk ratio (the columnar engine uses the same comparisons)."""
    if ratio >= cfg.stop_at:
        return 3
    if ratio >= cfg.red_at:
        return 2
    if ratio >= cfg.amber_at:
        return 1
    return 0


def _t(x: float) -> str:
    return f"{x:,.0f} t" if abs(x) >= 10 else f"{x:.2f} t"


def _facts(f: KilnDayFacts, b: int) -> list[str]:
    out: list[str] = []
    if b == 0:
        if f.rr_load > 1.0 or f.rules & RULE_LOAD:
            s = f"load {f.load_ratio:.1f}× rating today (7-day mean {f.load_ratio_7d:.1f}×"
            s += f", rating {_t(f.rated_t_per_day)}/day)"
            if f.days_over_rating > 1:
                s += f", above rating for {f.days_over_rating} days"
            out.append(s)
        if f.rr_dose > 1.0:
            out.append(
                f"overload dose {f.overload_dose:.1f} rating-days above rating in the last "
                f"{f.overload_window_days} days (×{f.rr_dose:.2f})"
            )
        if f.target_pressure > 1.0:
            out.append(
                f"target pressure {f.target_pressure:.1f} (open targets need "
                f"{f.target_pressure:.1f}× what the kilns in scope make within rating): "
                f"{f.target_text}"
            )
        if f.rr_continuous > 1.0:
            out.append(
                f"in continuous operation {f.continuous_days} days since the last planned stop "
                f"(campaign limit {f.campaign_limit_days:.0f} days)"
            )
    elif b == 1:
        if f.maint_task:
            s = (
                f"{f.maint_task} {f.maint_overdue_days} days overdue "
                f"(every {f.maint_interval_days:.0f} days; {_t(f.maint_overdue_t)} fired since due)"
            )
            if f.maint_deferrals:
                n = len(f.maint_deferrals)
                reasons = ", ".join(f"'{r}'" for r in dict.fromkeys(f.maint_deferrals))
                s += f", deferred {_TIMES.get(n, f'{n} times')}: {reasons}"
            out.append(s)
        if f.rules & RULE_IPL:
            what = f"'{f.ipl_task}'" if f.ipl_task else "protection-layer proof test"
            out.append(
                f"{what} {f.ipl_overdue_days} days overdue while firing (a protection layer's "
                "proof test): the trip or relief cannot be credited"
            )
        if f.rr_wear > 1.0 or f.rules & RULE_WEAR:
            out.append(f"lining damage {f.wear_damage:.2f} of design life (Miner sum)")
    elif b == 2 and f.has_shifts:
        if f.rr_kss > 1.0:
            out.append(
                f"sleepiest worker KSS {f.kss_worst:.1f} (worst crew's mean {f.kss_crew_mean:.1f}; "
                "three-process model, sleep inferred from rosters)"
            )
        if f.shift_rr > 1.0:
            out.append(
                f"shift pattern relative risk {f.shift_rr:.2f} (Folkard & Tucker, HSE FRI beyond "
                "the 4th shift)"
            )
        if f.max_shift_h > 8.13:
            out.append(f"{f.max_shift_h:g} h shifts")
        kinds = f.breach_kinds
        if kinds & BREACH_CONSECUTIVE_SHIFTS:
            out.append(f"{f.max_consecutive_shifts} shifts in a row without a 24 h rest")
        if kinds & BREACH_CONSECUTIVE_NIGHTS:
            out.append(f"{f.max_consecutive_nights} night shifts without a 24 h rest")
        if kinds & BREACH_QUICK_RETURN:
            out.append(f"only {f.min_rest_h:.0f} h rest between shifts (rule: 11 h)")
        if kinds & BREACH_OVER_24H:
            out.append("a duty longer than 24 h (shift-length risk held at its 24-h value)")
        elif kinds & BREACH_LONG_SHIFT:
            out.append("shifts longer than 12 h")
        if f.breach_shifts:
            out.append(f"{f.breach_shifts} worker-shifts breach rest rules")
    elif b == 3 and f.change_severity > 0:
        out.append(f"change control severity {f.change_severity}: {f.change_reason}")
    elif b == 4 and f.alarms_high > 0:
        s = f"{f.alarms_high} high-priority alarm(s) active"
        out.append(s + (f": {f.alarm_summary}" if f.alarm_summary else ""))
    return out


def compose(f: KilnDayFacts, cfg: RiskConfig) -> Explanation:
    """Build the structured explanation and its text from the facts (worst barrier first)."""
    found: list[tuple[int, float, int, BarrierFinding]] = []
    for b, name in enumerate(BARRIERS):
        factor = f.factors[b]
        lvl = max(level_of(factor, cfg), f.floors[b])
        facts = _facts(f, b)
        if (factor > 1.0 or f.floors[b] > 0) and facts:
            finding = BarrierFinding(name, factor, LEVEL_NAMES[lvl], tuple(facts))
            found.append((lvl, factor, -b, finding))
    found.sort(key=lambda x: (x[0], x[1], x[2]), reverse=True)
    findings = tuple(x[3] for x in found)
    head = f"{LEVEL_NAMES[f.level].upper()}: {f.kiln_name} on {f.day.isoformat()}"
    head += f", risk {f.risk_ratio:.1f}× a kiln within its design basis"
    if not findings:
        text = head + ". No barrier is degraded."
    else:
        parts = [
            f"{x.barrier.capitalize()} ×{x.factor:.2f} ({x.level}): " + "; ".join(x.facts)
            for x in findings
        ]
        text = head + ". " + ". ".join(parts) + "."
    if f.level == 3:
        text += " Stop firing until a named person with authority records why it is safe."
    return Explanation(f.kiln_id, f.day, LEVEL_NAMES[f.level], f.risk_ratio, findings, text)


def points(factor: float) -> float:
    """HSE-RI style points of a factor, 10·log10(RR) (SOURCES.md §5.4)."""
    return 10.0 * math.log10(factor)
