"""Crew fatigue from shift rosters: Three-Process Model of alertness, rest rules, shift risk.

* :mod:`.three_process` — the Three-Process Model of alertness (Åkerstedt & Folkard 1997,
  Ingre et al. 2014 parameters): S, C + U, W, KSS.
* :mod:`.fri` — shift-pattern relative risk (Folkard & Tucker 2003 tables, HSE FRI shift-length
  curve of RR446).
* :mod:`.rosters` — the shift table, rest rules (EU 2003/88/EC, HSE HSG256, quick returns) and the
  declared roster → sleep inference.
* :mod:`.crew` — chunked evaluation of a whole crew's rosters (:func:`shift_fatigue`) and its
  plain-loop reference.

Each module carries the citations of the model it holds.
"""

from kilnguard.domain.fatigue.crew import shift_fatigue, shift_fatigue_reference
from kilnguard.domain.fatigue.fri import (
    folkard_tucker_shift_length_rr,
    fri_shift_length_rr,
    successive_rr,
)
from kilnguard.domain.fatigue.rosters import (
    BREACH_CONSECUTIVE_NIGHTS,
    BREACH_CONSECUTIVE_SHIFTS,
    BREACH_LONG_SHIFT,
    BREACH_OVER_24H,
    BREACH_QUICK_RETURN,
    FreeTime,
    RosterRules,
    ShiftFatigue,
    ShiftTable,
    SleepInference,
    infer_sleep,
)
from kilnguard.domain.fatigue.three_process import (
    TPMParams,
    circadian,
    kss_from_alertness,
    s_asleep,
    s_awake,
    steady_state_wake_s,
)

__all__ = [
    "BREACH_CONSECUTIVE_NIGHTS",
    "BREACH_CONSECUTIVE_SHIFTS",
    "BREACH_LONG_SHIFT",
    "BREACH_OVER_24H",
    "BREACH_QUICK_RETURN",
    "FreeTime",
    "RosterRules",
    "ShiftFatigue",
    "ShiftTable",
    "SleepInference",
    "TPMParams",
    "circadian",
    "folkard_tucker_shift_length_rr",
    "fri_shift_length_rr",
    "infer_sleep",
    "kss_from_alertness",
    "s_asleep",
    "s_awake",
    "shift_fatigue",
    "shift_fatigue_reference",
    "steady_state_wake_s",
    "successive_rr",
]
