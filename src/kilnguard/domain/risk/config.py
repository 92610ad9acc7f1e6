"""Risk-engine configuration: every threshold and constant with its provenance.

Tags as in SOURCES.md: [V] read in the source, [R] recalled standard value, [T] industry
practice, [P] project choice (stated as such, documented in docs/models/risk.md). Where a source
and the design notes disagree the source wins; the choices below say which is which.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kilnguard.domain.errors import ValidationError
from kilnguard.domain.fatigue import RosterRules, SleepInference, TPMParams
from kilnguard.domain.risk.records import PRIOR_DAYS

#: Level codes used in every ``levels`` array.
GREEN, AMBER, RED, STOP = 0, 1, 2, 3
LEVEL_NAMES: tuple[str, str, str, str] = ("green", "amber", "red", "stop")


@dataclass(frozen=True)
class RiskConfig:
    """Thresholds of the risk engine (defaults are the shipped, scenario-independent values).

    Combined risk ratio R = Π barrier factors (LOPA / HSE-RI style, SOURCES.md §5.1, §5.4).
    Level from R: green < ``amber_at`` ≤ amber < ``red_at`` ≤ red < ``stop_at`` ≤ stop; hard rules
    can only raise a level, never lower it (SOURCES.md §5.4 step 3: no compensation).
    """

    # -- levels from the combined risk ratio R (relative to a kiln within design basis) --------
    amber_at: float = 1.6
    """[V] Network Rail NR/L2/OHS/003: HSE FRI Risk Index > 1.6 requires additional controls
    (SOURCES.md §3.2); kilnguard applies the same bar to its combined, RI-like ratio [P]."""
    red_at: float = 10**0.5
    """[P] half an order of magnitude: the barrier system has lost half the credit of one
    independent protection layer (a LOPA IPL is credited with a factor 10, SOURCES.md §5.1 [R])."""
    stop_at: float = 10.0
    """[P] one whole IPL lost (×10, SOURCES.md §5.1 [R]): firing can no longer be shown to be within
    the risk the plant accepted; stop until a named person records why it is safe."""

    # -- operating envelope ---------------------------------------------------------------
    red_load_ratio: float = 2.0
    """Hard rule [P]: firing at ≥ 2× rating (daily or 7-day mean) is at least red: outside the
    design envelope the failure mode may change, so the inverse-power-law credit is void
    (MIL-HDBK-338B §8.7.5 warning, SOURCES.md §2.2 [V])."""
    overload_window_days: int = 30
    """[P] Rolling window of the overload dose: load above rating counts for a month."""
    overload_dose_per_window: float = 1.0
    """[P] Factor of the overload dose: F_dose = 1 + k·X/W, X the rating-days fired above rating
    in the last W days (Σ max(0, r − 1)), i.e. 1 + k × the window's mean excess load. With k = 1 a
    month at 2× rating doubles the envelope's factor on top of today's load (2 × 2 = 4 ≥ red):
    sustained overload reaches red by duration alone, a single overloaded day adds 1/30 of its
    excess. The form is the Palmgren–Miner/inverse-power-law dose of SOURCES.md §2.2 over a
    window; the window and k are project choices, not published values (issue 13 point 4)."""
    overload_wear_exponent_n: float = 2.0
    """[P] Lining wear above rating accelerates with load: r**n_over (wear.py); 2 is the geometric
    middle of the tonnage law (1, [V] SOURCES.md §2.1) and ISO 281's bearing law (3, [R]); no
    refractory value is published (SOURCES.md §7)."""
    overload_wear_exponent_by_kind: tuple[tuple[str, float], ...] = ()
    """Per kiln kind overrides of n_over (fit on the plant's campaign records)."""
    target_heart_epc: float = 2.5
    """[V] HEART error-producing condition 'conflict between immediate and long-term objectives'
    ×2.5 (Williams 1986/88, SOURCES.md §5.2): an unmeetable production target."""
    target_apoa: float = 0.5
    """[P] HEART assessed proportion of affect for an unmeetable target: factor = 1 + (2.5−1)·0.5
    = 1.75 while the target pressure is > 1."""

    # -- equipment integrity ---------------------------------------------------------------------
    default_wear_exponent_n: float = 1.0
    """[V] tonnage law n = 1 (SOURCES.md §2.1); no refractory exponent is published (§7)."""
    wear_exponent_by_kind: tuple[tuple[str, float], ...] = ()
    """Per kiln kind overrides of n, e.g. (("tunnel", 1.5),) once fitted on plant campaigns."""
    wear_weibull_beta: float = 3.0
    """[R] Weibull wear-out shape used in SOURCES.md §2.3 (β = 3, assumed): the hazard of a lining
    grows as D^(β−1) past its design life, factor = max(1, D)^(β−1)."""
    wear_amber_damage: float = 1.0
    """Hard rule [P]: a lining beyond its design life (Miner D ≥ 1) is at least amber."""
    ipl_overdue_stop_days: float = 7.0
    """Hard rule: firing while the proof test of an independent protection layer (trip, interlock,
    relief) is overdue more than this many days is stop — the kiln is not to be fired on an
    unverified trip (SOURCES.md §1.8, §5.2: PFD → 1, the IPL credit is lost) [R]; the 7-day grace is
    [P]."""

    # -- people ----------------------------------------------------------------------------------
    kss_reference: float = 8.0
    """[V] KSS ≥ 8 is the event the HSE Fatigue Index counts (SOURCES.md §3.2); below it the crew's
    sleepiness adds no factor."""
    kss_or_per_step: float = 1.72
    """[V] Åkerstedt et al. 2008 (Accid Anal Prev 40:1480–85): odds ratio 1.72 per step of the
    model's sleepiness; factor = 1.72^(crew KSS − 8) above the reference."""
    tpm: TPMParams = field(default_factory=TPMParams)
    sleep: SleepInference = field(default_factory=SleepInference)
    roster: RosterRules = field(default_factory=RosterRules)
    warmup_days: int = 14
    """Days of rosters before the first reported day fed to the fatigue model [P]."""

    # -- change control and detection (interfaces filled by other issues) ------------------------
    change_control_floor: tuple[int, int, int, int] = (GREEN, AMBER, RED, STOP)
    """Level floor for change-control severity 0..3 (interface; severity set by change control)."""
    alarm_amber_count: int = 1
    """[P] ≥ 1 active high-priority alarm on the kiln: at least amber."""
    alarm_red_count: int = 2
    """[P] ≥ 2 active high-priority alarms (several barriers demanded at once): at least red."""

    def __post_init__(self) -> None:
        if not 1.0 < self.amber_at < self.red_at < self.stop_at:
            raise ValidationError(
                "RiskConfig.amber_at/red_at/stop_at",
                (self.amber_at, self.red_at, self.stop_at),
                "need 1 < amber_at < red_at < stop_at",
            )
        if self.red_load_ratio <= 1.0:
            raise ValidationError("RiskConfig.red_load_ratio", self.red_load_ratio, "must be > 1")
        if self.default_wear_exponent_n <= 0:
            raise ValidationError(
                "RiskConfig.default_wear_exponent_n", self.default_wear_exponent_n, "must be > 0"
            )
        if not 1 <= self.overload_window_days <= PRIOR_DAYS + 1:
            raise ValidationError(
                "RiskConfig.overload_window_days", self.overload_window_days, f"1..{PRIOR_DAYS + 1}"
            )
        if self.overload_dose_per_window < 0:
            raise ValidationError(
                "RiskConfig.overload_dose_per_window", self.overload_dose_per_window, ">= 0"
            )
        if self.wear_weibull_beta < 1.0:
            raise ValidationError("RiskConfig.wear_weibull_beta", self.wear_weibull_beta, ">= 1")
        if not 1 <= self.alarm_amber_count <= self.alarm_red_count:
            raise ValidationError(
                "RiskConfig.alarm_*_count",
                (self.alarm_amber_count, self.alarm_red_count),
                "need 1 <= amber count <= red count",
            )

    def wear_exponent(self, kind: str) -> float:
        """Inverse-power-law exponent n for a kiln kind (override or the default)."""
        return dict(self.wear_exponent_by_kind).get(kind, self.default_wear_exponent_n)

    def overload_wear_exponent(self, kind: str) -> float:
        """Exponent of lining wear above rating for a kiln kind, never below its n."""
        n_over = dict(self.overload_wear_exponent_by_kind).get(kind, self.overload_wear_exponent_n)
        return max(n_over, self.wear_exponent(kind))
