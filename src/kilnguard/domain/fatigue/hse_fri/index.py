"""Assemble FI and RI per duty from the three components of each index."""

from __future__ import annotations

import datetime as dt

from kilnguard.domain.fatigue.hse_fri import fatigue, job, risk
from kilnguard.domain.fatigue.hse_fri.inputs import Duty, DutyIndex, is_night, validate


def roster_clock(duties: list[Duty]) -> list[tuple[float, float]]:
    """(start, end) of each duty in hours from local midnight of the first duty's date [h]."""
    if not duties:
        return []
    origin = dt.datetime.combine(duties[0].start.date(), dt.time())
    return [
        (
            (d.start - origin).total_seconds() / 3600.0,
            (d.end - origin).total_seconds() / 3600.0,
        )
        for d in duties
    ]


def fri_roster(duties: list[Duty]) -> list[DutyIndex]:
    """FI and RI, with their components, for each duty of one worker's roster (time order).

    Raises :class:`kilnguard.domain.errors.ValidationError` for what the calculator cannot
    represent (end before start, a duty over 24 h, overlap, scores outside 0–3, break inputs
    outside their ranges), naming the duty and the rule.
    """
    validate(duties)
    clock = roster_clock(duties)
    spans = [risk.Span(s, e, d.commute_min) for (s, e), d in zip(clock, duties, strict=True)]
    ri_cum = risk.ri_cumulative(spans)
    fi_cum = fatigue.fi_cumulative([s for s, _ in clock], [e for _, e in clock])
    out: list[DutyIndex] = []
    for d, (s, e), span, rc, fc in zip(duties, clock, spans, ri_cum, fi_cum, strict=True):
        spell, brk = job.typical_spell_and_break(
            d.break_every_min, d.break_min, d.longest_work_min, d.break_after_longest_min
        )
        slope = job.fatigue_slope(d.workload, d.attention, spell, brk)
        fi_t, fi_j = fatigue.fi_timing_and_job(s, e, d.commute_min, slope)
        fi = 100.0 * (1.0 - (1.0 - fc / 100.0) * (1.0 - fi_t / 100.0 - fi_j / 100.0))
        rt = risk.ri_timing(span)
        rj = job.ri_job(e - s, d.workload, d.attention, spell, brk)
        out.append(
            DutyIndex(
                start=d.start,
                end=d.end,
                fi=fi,
                fi_cumulative=fc,
                fi_timing=fi_t,
                fi_job=fi_j,
                ri=rc * rt * rj,
                ri_cumulative=rc,
                ri_timing=rt,
                ri_job=rj,
                night=is_night(d.start, d.end),
            )
        )
    return out
