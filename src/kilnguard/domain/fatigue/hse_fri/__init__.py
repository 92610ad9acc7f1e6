"""HSE Fatigue and Risk Index (FRI): a replica of the calculator, per duty FI and RI.

Which source and version
------------------------
Spencer, M. B., Robertson, K. A., Folkard, S. (2006). *The development of a fatigue / risk index
for shiftworkers.* HSE Research Report RR446 (QinetiQ and Simon Folkard Associates), and the
*Fatigue and Risk Index Calculator, version 2.x, User Guidance* (rr446g; v2.2 read). HSE withdrew
the spreadsheet in 2021; rail still uses it. Reproduces the calculator's printout for roster R01
(``../shared/design/FRI.md``; ``tests/domain/test_hse_fri.py``).

What it computes (per duty)
---------------------------
* **Risk Index** RI = cumulative × duty timing × job/breaks, a relative risk [–] (1.0 = average
  day shift of a typical 2-shift pattern) — :mod:`.risk`, :mod:`.job`.
* **Fatigue Index** FI = 100·[1 − (1 − F_cum)(1 − F_timing − F_job)], the probability ×100 [%] of
  KSS ≥ 8 on the duty — :mod:`.fatigue`, :mod:`.job`.

The three components (rr446g §2 [V]): cumulative (the pattern of preceding duties), duty timing
(start time, length, time of day, commute), job type / breaks (workload, attention, breaks).

Parameters
----------
Per duty (:class:`Duty`): start, end (plant-local, ≤ 24 h), commute [min, one way, default 40],
workload and attention [0–3, 3 the most demanding], breaks every [min], average break [min],
longest continuous work [min], break after it [min]. Calculator defaults where a plant records none.

Provenance tags on each constant: [V] read in a source here, [D] stated in FRI.md (not re-read in
RR446, whose body was not reachable), [C] open — the calculator's value known only from a
third-party reconstruction of the spreadsheet, used for cross-checking, [P] project choice.

Known deviations (details in ``docs/models/hse-fri.md``)
----------------------------------------------------------
* The FI's commute is treated like the RI's (the duty starts c′ = (c − 40)/60 h earlier, moving
  time on duty, clock time and the start-time term) [P, chosen among eight discrete readings as the
  one that reproduces R01 — open]. The third-party reading adds (c − 30)/60 h to time on duty
  only; it gives R01 FI timing 1.20 / job 4.16 (printout 1.3 / 4.4).
* The start-time term is the exact difference of the two published cosines (amplitude
  √(a² + A² − 2aA·cos Δ)); the reconstruction uses aA instead of 2aA.
* Rest nights are counted as 23:00–07:00 window hours ÷ 8 (exact where the reconstruction's count
  double-subtracts when both ends of the gap fall in the window).
* Several duties on one night: every duty reads the reservoir and the night's loss is the largest
  of theirs (the reconstruction gives all but the last duty a rested reservoir).
* The early-start loss quadratic is held at 0 from 13:30 (it would rise again past its root).
* Duties over 24 h are refused (the calculator cannot represent them).

Not monotone in the published model (stated, with numbers, in the doc): RI cumulative across a
9-h rest gap; RI timing for duties of 4.25–8.13 h lengthened into the noon trough.
"""

from kilnguard.domain.fatigue.hse_fri.index import fri_roster, roster_clock
from kilnguard.domain.fatigue.hse_fri.inputs import (
    ATTENTION_LABELS,
    GOOD_PRACTICE_FI_DAY,
    GOOD_PRACTICE_FI_NIGHT,
    POLICY_FI_LIMIT_DAY,
    POLICY_FI_LIMIT_NIGHT,
    POLICY_RI_LIMIT,
    REFERENCE_COMMUTE_MIN,
    WORKLOAD_LABELS,
    Duty,
    DutyIndex,
)

__all__ = [
    "ATTENTION_LABELS",
    "GOOD_PRACTICE_FI_DAY",
    "GOOD_PRACTICE_FI_NIGHT",
    "POLICY_FI_LIMIT_DAY",
    "POLICY_FI_LIMIT_NIGHT",
    "POLICY_RI_LIMIT",
    "REFERENCE_COMMUTE_MIN",
    "WORKLOAD_LABELS",
    "Duty",
    "DutyIndex",
    "fri_roster",
    "roster_clock",
]
