"""Columnar risk engine: indicators → barrier factors → levels, over arrays of kilns × days.

Model (docs/models/risk.md has the full reference)::

    R = F_envelope · F_integrity · F_people · F_change · F_detection          (LOPA / HSE RI style)
    F_envelope  = max(1, r)^n · F_dose · F_target · (1 + max(0, t_run − T_campaign) / T_campaign)
    F_dose      = 1 + k·X/W, X = Σ max(0, r_i − 1) over the last W = 30 days (overload duration)
    F_target    = 1 + (2.5 − 1)·0.5 while target pressure p > 1 (HEART EPC × APOA), else 1
    F_integrity = max(1, D)^(β−1) · (1 + overdue_days / interval_days)       (PFD ∝ time since test)
    F_people    = RR_shift · 1.72^max(0, KSS_worst − 8)
    level       = max(level(R), hard-rule floors)

with r = max(daily, 7-day mean) load ratio, D the Palmgren–Miner lining damage (``wear``), RR_shift
the Folkard & Tucker / HSE FRI shift-pattern risk and KSS the three-process-model sleepiness
(``fatigue``), p = Σ additional + max other open targets of quantity / (days · rated t/day of the
scope), the target as imposed. Change control and detection are interfaces: they only set floors
for now. Hard rules: p > 1 → amber; firing at r ≥ 2 → red; firing with an IPL proof test > 7 days
overdue → stop; D ≥ 1 → amber; change-control severity and active alarms → their floors.

Every indicator is a pure function of ``RiskInputs`` (records up to ``as_of`` of each day): day d
never reads a record dated after d, so replaying history day by day gives the same answer as
assessing it at once. Sums run in day order so the plain reference loop (``reference.py``)
reproduces every value (exactly, except one-ulp differences of vectorised exp/cos in fatigue).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from kilnguard.domain.fatigue import ShiftFatigue, shift_fatigue
from kilnguard.domain.risk.config import AMBER, RED, STOP, RiskConfig
from kilnguard.domain.risk.explain import (
    RULE_ALARM,
    RULE_CHANGE,
    RULE_IPL,
    RULE_LOAD,
    RULE_WEAR,
    Explanation,
    KilnDayFacts,
    compose,
)
from kilnguard.domain.risk.records import PRIOR_DAYS, RiskInputs, Target
from kilnguard.domain.wear import cumulative_damage

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class CrewFatigue:
    """Crew fatigue per kiln-day (kilns × days); neutral where nobody was on shift.

    ``per_shift`` holds every worker-shift's figures, in the row order of ``RiskInputs.shifts``.
    """

    has_shifts: NDArray[np.bool_]
    kss_worst: FloatArray  # worst worker's peak KSS of the day (0 if nobody on shift)
    kss_crew_mean: FloatArray  # worst crew's mean of its workers' peak KSS
    shift_rr: FloatArray  # highest shift-pattern relative risk of a worker-shift (≥ 1)
    breach_shifts: IntArray  # worker-shifts with any rest-rule breach
    per_shift: ShiftFatigue


@dataclass(frozen=True)
class RiskResult:
    """Levels, barrier factors and indicators for every kiln (rows) and day (columns)."""

    inputs: RiskInputs
    config: RiskConfig
    levels: NDArray[np.int8]  # 0 green, 1 amber, 2 red, 3 stop
    risk_ratio: FloatArray  # R
    factors: FloatArray  # (5, K, D), order of explain.BARRIERS
    floors: NDArray[np.int8]  # (5, K, D) hard-rule floor per barrier
    rules: NDArray[np.int16]  # RULE_* bit flags
    firing: NDArray[np.bool_]
    load_ratio: FloatArray
    load_ratio_7d: FloatArray
    days_over_rating: IntArray
    rr_load: FloatArray
    target_pressure: FloatArray
    rr_target: FloatArray
    tg_pressure: FloatArray  # (T,) each target's pressure as imposed, while open
    continuous_days: IntArray
    rr_continuous: FloatArray
    wear_damage: FloatArray
    rr_wear: FloatArray
    maint_wo: IntArray  # index of the worst overdue safety-critical work order, -1 none
    maint_overdue_days: IntArray
    maint_overdue_t: FloatArray
    maint_deferrals: IntArray
    rr_maint: FloatArray
    ipl_overdue_days: IntArray
    fatigue: CrewFatigue
    rr_kss: FloatArray
    overload_dose: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """Rating-days fired above rating in the last ``overload_window_days`` (kilns × days)."""
    rr_dose: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """1 + k·dose/W, a factor of the operating envelope."""


def crew_fatigue(inputs: RiskInputs, config: RiskConfig | None = None) -> CrewFatigue:
    """Three-process-model KSS, rest breaches and shift RR aggregated per kiln-day (vectorised)."""
    cfg = config or RiskConfig()
    n_k, n_d = inputs.n_kilns, inputs.n_days
    sf = shift_fatigue(inputs.shifts, cfg.tpm, cfg.sleep, cfg.roster)
    size = n_k * n_d
    has = np.zeros(size, dtype=bool)
    kss_w = np.zeros(size)
    kss_m = np.zeros(size)
    rr = np.ones(size)
    n_breach = np.zeros(size, dtype=np.int64)
    rows = inputs.shift_order
    if len(rows):
        cs, ks, ids = inputs.crew_starts, inputs.kd_starts, inputs.kd_ids
        row_ks = cs[ks]
        kss = sf.kss_peak[rows]
        counts = np.diff(np.append(cs, len(rows)))
        crew_mean = np.add.reduceat(kss, cs) / counts
        has[ids] = True
        kss_m[ids] = np.maximum.reduceat(crew_mean, ks)
        kss_w[ids] = np.maximum.reduceat(kss, row_ks)
        rr[ids] = np.maximum.reduceat(sf.rr_shift[rows], row_ks)
        breach = sf.breaches != 0
        n_breach[ids] = np.add.reduceat(breach[rows], row_ks, dtype=np.int64)
    shape = (n_k, n_d)
    return CrewFatigue(
        has_shifts=has.reshape(shape),
        kss_worst=kss_w.reshape(shape),
        kss_crew_mean=kss_m.reshape(shape),
        shift_rr=rr.reshape(shape),
        breach_shifts=n_breach.reshape(shape),
        per_shift=sf,
    )


def _shift_rows_of(result: RiskResult, k: int, d: int) -> IntArray:
    """Rows of ``per_shift`` for the worker-shifts on kiln k, day d (explanations only)."""
    inp = result.inputs
    kd = k * inp.n_days + d
    pos = int(np.searchsorted(inp.kd_ids, kd))
    if pos >= len(inp.kd_ids) or inp.kd_ids[pos] != kd:
        return np.zeros(0, dtype=np.int64)
    a = int(inp.crew_starts[inp.kd_starts[pos]])
    nxt = pos + 1
    b = (
        int(inp.crew_starts[inp.kd_starts[nxt]])
        if nxt < len(inp.kd_starts)
        else len(inp.shift_order)
    )
    return np.asarray(inp.shift_order[a:b], dtype=np.int64)


def _run_length(cond: NDArray[np.bool_]) -> IntArray:
    """Days in a row (ending at each day) on which ``cond`` held, along axis 1."""
    idx = np.arange(cond.shape[1])
    last_false = np.maximum.accumulate(np.where(cond, -1, idx[None, :]), axis=1)
    return np.asarray(np.where(cond, idx[None, :] - last_false, 0), dtype=np.int64)


def assess(
    inputs: RiskInputs, config: RiskConfig | None = None, fatigue: CrewFatigue | None = None
) -> RiskResult:
    """Levels for every kiln-day. Pass ``fatigue`` (from :func:`crew_fatigue`) to reuse it."""
    cfg = config or RiskConfig()
    fat = fatigue if fatigue is not None else crew_fatigue(inputs, cfg)
    n_k, n_d = inputs.n_kilns, inputs.n_days
    rated = inputs.rated_t_per_day[:, None]
    out = inputs.output_t
    firing = (out > 0.0) | (inputs.hours_fired > 0.0)

    # -- load ratio, daily and 7-day mean (sequential sum: oldest day first)
    pd_ = PRIOR_DAYS
    ext = np.concatenate([inputs.prior_output_t, out], axis=1) / rated
    ratio = ext[:, pd_:]
    acc = ext[:, pd_ - 6 : pd_ - 6 + n_d].copy()
    for j in range(pd_ - 5, pd_ + 1):
        acc += ext[:, j : j + n_d]
    r7 = acc / 7.0
    r_eff = np.maximum(ratio, r7)
    rr_load = np.maximum(r_eff, 1.0)
    if not bool(np.all(inputs.exponent_n == 1.0)):  # x ** 1.0 == x: skip the power when n = 1
        rr_load = np.power(rr_load, inputs.exponent_n[:, None])
    over = _run_length(ext > 1.0)[:, pd_:]
    # -- overload dose: rating-days above rating in the last W days (oldest first)
    dose, rr_dose = overload_dose(ext, n_d, cfg)
    # -- target pressure: each open target's rate as imposed ÷ its scope's rated capacity
    n_t = len(inputs.tg_info)
    tg_p = np.zeros(n_t)
    flat = np.zeros(n_k * n_d)
    if n_t:
        pt, pk = inputs.tg_pair_target, inputs.tg_pair_kiln
        nominal = inputs.tg_quantity_t / (inputs.tg_deadline - inputs.tg_entered + 1)
        tg_p = nominal / inputs.tg_capacity_t_per_day
        lo = np.maximum(inputs.tg_entered[pt], 0)
        ln = np.maximum(np.minimum(inputs.tg_deadline[pt], n_d - 1) + 1 - lo, 0)
        pair = np.repeat(np.arange(len(pt)), ln)
        cell = pk[pair] * n_d + lo[pair] + (np.arange(len(pair)) - (np.cumsum(ln) - ln)[pair])
        val = tg_p[pt[pair]]
        add = inputs.tg_additional[pt[pair]]
        np.maximum.at(flat, cell[~add], val[~add])
        if add.any():
            extra = np.zeros(n_k * n_d)
            np.add.at(extra, cell[add], val[add])  # in target order, like the reference
            flat += extra
    pressure = flat.reshape(n_k, n_d)
    pressed = pressure > 1.0
    rr_target = np.where(pressed, 1.0 + (cfg.target_heart_epc - 1.0) * cfg.target_apoa, 1.0)

    # -- continuous operation since the last planned-stop day
    idx = np.arange(n_d)[None, :]
    last = np.maximum.accumulate(np.where(inputs.stop_mask, idx, -(1 << 40)), axis=1)
    last = np.maximum(last, inputs.last_stop_before[:, None])
    cont = np.asarray(idx - last, dtype=np.int64)
    lim = inputs.campaign_limit_days[:, None]
    rr_cont = 1.0 + np.maximum(cont - lim, 0.0) / lim

    # -- wear
    wear = cumulative_damage(
        ratio,
        inputs.design_life_days,
        inputs.exponent_n,
        inputs.wear_initial,
        inputs.reline_kiln,
        inputs.reline_day,
        inputs.thermal_cycles,
        inputs.cycles_to_failure,
        _overload_n(inputs),
    )
    rr_wear = np.power(np.maximum(wear, 1.0), cfg.wear_weibull_beta - 1.0)

    # -- safety-critical maintenance overdue
    size = n_k * n_d
    m_wo = np.full(size, -1, dtype=np.int64)
    m_days = np.zeros(size, dtype=np.int64)
    m_t = np.zeros(size)
    m_def = np.zeros(size, dtype=np.int64)
    rr_m = np.ones(size)
    ipl = np.zeros(size, dtype=np.int64)
    if len(inputs.wo_kiln):
        lo = np.maximum(inputs.wo_due + 1, 0)
        hi = np.minimum(inputs.wo_done, n_d)
        ln = np.maximum(hi - lo, 0)
        wo = np.repeat(np.arange(len(ln)), ln)
        if len(wo):
            offs = np.cumsum(ln) - ln
            day = lo[wo] + (np.arange(len(wo)) - offs[wo])
            od = day - inputs.wo_due[wo]
            rr_c = 1.0 + od / inputs.wo_interval_days[wo]
            kd = inputs.wo_kiln[wo] * n_d + day
            order = np.lexsort((wo, -rr_c, kd))
            kd_o = kd[order]
            first = order[np.r_[True, kd_o[1:] != kd_o[:-1]]]
            sel_kd, sel_wo, sel_day = kd[first], wo[first], day[first]
            m_wo[sel_kd] = sel_wo
            m_days[sel_kd] = od[first]
            rr_m[sel_kd] = rr_c[first]
            cum = np.cumsum(out, axis=1).ravel()
            k_sel = inputs.wo_kiln[sel_wo]
            due_sel = inputs.wo_due[sel_wo]
            at_due = np.where(due_sel >= 0, cum[k_sel * n_d + np.maximum(due_sel, 0)], 0.0)
            m_t[sel_kd] = inputs.wo_t_before[sel_wo] + (cum[sel_kd] - at_due)
            d_wo = np.array(
                [w for w, defs in enumerate(inputs.wo_deferrals) for _ in defs], dtype=np.int64
            )
            d_day = np.array([d for defs in inputs.wo_deferrals for d, _ in defs], dtype=np.int64)
            if len(d_wo):
                big = np.int64(1 << 42)
                keys = d_wo * big + d_day  # already sorted: by work order, then by day
                m_def[sel_kd] = np.searchsorted(keys, sel_wo * big + sel_day, "right") - (
                    np.searchsorted(keys, sel_wo * big - (1 << 41), "left")
                )
            is_ipl = inputs.wo_ipl[wo]
            np.maximum.at(ipl, kd[is_ipl], od[is_ipl])
    shape = (n_k, n_d)
    rr_maint = rr_m.reshape(shape)
    ipl_days = ipl.reshape(shape)

    # -- people
    rr_kss = np.ones(shape)
    # the worst worker's KSS: a crew mean falls when a rested worker joins the day, so it is not
    # monotone in work (issue 13 point 3)
    sleepy = fat.has_shifts & (fat.kss_worst > cfg.kss_reference)
    rr_kss[sleepy] = np.power(cfg.kss_or_per_step, fat.kss_worst[sleepy] - cfg.kss_reference)

    # -- barriers, floors, levels (products in the reference loop's order)
    factors = np.empty((5, n_k, n_d))
    f_env, f_int, f_ppl = factors[0], factors[1], factors[2]
    np.multiply(rr_load, rr_dose, out=f_env)
    f_env *= rr_target
    f_env *= rr_cont
    np.multiply(rr_wear, rr_maint, out=f_int)
    np.multiply(fat.shift_rr, rr_kss, out=f_ppl)
    np.maximum(f_ppl, 1.0, out=f_ppl)  # a short duty (RR(L) < 1) credits nothing below the basis
    factors[3:] = 1.0  # change control and detection: interfaces, floors only for now
    risk = f_env * f_int
    risk *= f_ppl
    load_rule = firing & (r_eff >= cfg.red_load_ratio)
    ipl_rule = firing & (ipl_days > cfg.ipl_overdue_stop_days)
    wear_rule = wear >= cfg.wear_amber_damage
    alarms = inputs.alarms_high
    alarm_amber = alarms >= cfg.alarm_amber_count
    i8 = np.int8
    floors = np.zeros((5, n_k, n_d), dtype=i8)
    np.maximum(pressed.view(i8) * i8(AMBER), load_rule.view(i8) * i8(RED), out=floors[0])
    np.maximum(ipl_rule.view(i8) * i8(STOP), wear_rule.view(i8) * i8(AMBER), out=floors[1])
    floors[3] = np.asarray(cfg.change_control_floor, dtype=i8)[inputs.change_severity]
    np.add(alarm_amber.view(i8), (alarms >= cfg.alarm_red_count).view(i8), out=floors[4])
    rules = pressed.astype(np.int16)  # RULE_TARGET = 1
    rules |= load_rule.view(i8) * i8(RULE_LOAD)
    rules |= ipl_rule.view(i8) * i8(RULE_IPL)
    rules |= wear_rule.view(i8) * i8(RULE_WEAR)
    rules |= (inputs.change_severity > 0).view(i8) * i8(RULE_CHANGE)
    rules |= alarm_amber.view(i8) * i8(RULE_ALARM)
    levels = (risk >= cfg.amber_at).view(i8) + (risk >= cfg.red_at).view(i8)
    levels += (risk >= cfg.stop_at).view(i8)
    for b in range(5):
        np.maximum(levels, floors[b], out=levels)
    return RiskResult(
        inputs=inputs,
        config=cfg,
        levels=levels,
        risk_ratio=risk,
        factors=factors,
        floors=floors,
        rules=rules,
        firing=firing,
        load_ratio=ratio,
        load_ratio_7d=r7,
        days_over_rating=over,
        rr_load=rr_load,
        target_pressure=pressure,
        rr_target=rr_target,
        tg_pressure=tg_p,
        continuous_days=cont,
        rr_continuous=rr_cont,
        wear_damage=wear,
        rr_wear=rr_wear,
        maint_wo=m_wo.reshape(shape),
        maint_overdue_days=m_days.reshape(shape),
        maint_overdue_t=m_t.reshape(shape),
        maint_deferrals=m_def.reshape(shape),
        rr_maint=rr_maint,
        ipl_overdue_days=ipl_days,
        fatigue=fat,
        rr_kss=rr_kss,
        overload_dose=dose,
        rr_dose=rr_dose,
    )


def overload_dose(ext: FloatArray, n_d: int, cfg: RiskConfig) -> tuple[FloatArray, FloatArray]:
    """Overload dose X (rating-days fired above rating in the last W days, each day's excess
    added oldest first) and its factor 1 + k·X/W, from the load ratios ``ext`` of the
    PRIOR_DAYS days before start and the window's days."""
    win = cfg.overload_window_days
    excess = np.maximum(ext - 1.0, 0.0)
    first = PRIOR_DAYS + 1 - win
    dose = excess[:, first : first + n_d].copy()
    for j in range(first + 1, PRIOR_DAYS + 1):
        dose += excess[:, j : j + n_d]
    rr = dose * (cfg.overload_dose_per_window / win)
    rr += 1.0
    return dose, rr


def _overload_n(inputs: RiskInputs) -> FloatArray:
    """Per-kiln wear exponent above rating (inputs built before it existed: the same n)."""
    n_over = inputs.overload_exponent_n
    return n_over if len(n_over) == inputs.n_kilns else inputs.exponent_n


def _remaining_t(inp: RiskInputs, t: int, d: int) -> float:
    """Tonnes of target t still due at the end of day d (day-order sum, as the reference)."""
    scope = inp.tg_pair_kiln[inp.tg_pair_target == t].tolist()
    total = float(inp.tg_produced_before[t])
    for day in range(max(int(inp.tg_entered[t]), 0), d + 1):
        day_sum = 0.0
        for k in scope:
            day_sum += float(inp.output_t[k, day])
        total += day_sum
    return max(float(inp.tg_quantity_t[t]) - total, 0.0)


def target_text(target: Target, days: int, remaining_t: float, capacity: float) -> str:
    """Plain words for the worst open target (shared with the reference loop)."""
    kind = "additional target" if target.additional else "target"
    return (
        f"{kind} '{target.target_id}' of {target.quantity_t:,.0f} t in {days} days to "
        f"{target.deadline.isoformat()}, imposed by {target.imposed_by}, needs "
        f"{target.quantity_t / days:,.0f} t/day vs {capacity:,.0f} t/day within rating "
        f"({remaining_t:,.0f} t still due)"
    )


def explain(result: RiskResult, kiln_index: int, day_index: int) -> Explanation:
    """Structured explanation of one kiln-day (barriers worst first, facts with units)."""
    return compose(facts(result, int(kiln_index), int(day_index)), result.config)


def facts(result: RiskResult, k: int, d: int) -> KilnDayFacts:
    """Read every number behind a kiln-day out of the result arrays."""
    inp = result.inputs
    fat = result.fatigue
    kiln = inp.kilns[k]
    wo = int(result.maint_wo[k, d])
    defs: tuple[str, ...] = ()
    if wo >= 0:
        defs = tuple(reason for day, reason in inp.wo_deferrals[wo] if day <= d)
    t_text = ""
    if result.target_pressure[k, d] > 1.0:
        best, best_p = -1, 0.0
        for t in sorted(set(inp.tg_pair_target[inp.tg_pair_kiln == k].tolist())):
            is_open = int(inp.tg_entered[t]) <= d <= int(inp.tg_deadline[t])
            p = float(result.tg_pressure[t])
            if is_open and p > best_p:  # the first of equals, as in the reference loop
                best, best_p = t, p
        if best >= 0:
            t_text = target_text(
                inp.tg_info[best],
                int(inp.tg_deadline[best] - inp.tg_entered[best]) + 1,
                _remaining_t(inp, best, d),
                float(inp.tg_capacity_t_per_day[best]),
            )
    rows = _shift_rows_of(result, k, d)
    ps = fat.per_shift
    fl = result.factors[:, k, d]
    floors = result.floors[:, k, d]
    return KilnDayFacts(
        kiln_id=kiln.kiln_id,
        kiln_name=kiln.name,
        day=inp.day(d),
        level=int(result.levels[k, d]),
        risk_ratio=float(result.risk_ratio[k, d]),
        factors=(float(fl[0]), float(fl[1]), float(fl[2]), float(fl[3]), float(fl[4])),
        floors=(int(floors[0]), int(floors[1]), int(floors[2]), int(floors[3]), int(floors[4])),
        rules=int(result.rules[k, d]),
        rated_t_per_day=float(inp.rated_t_per_day[k]),
        load_ratio=float(result.load_ratio[k, d]),
        load_ratio_7d=float(result.load_ratio_7d[k, d]),
        days_over_rating=int(result.days_over_rating[k, d]),
        rr_load=float(result.rr_load[k, d]),
        target_pressure=float(result.target_pressure[k, d]),
        target_text=t_text,
        rr_target=float(result.rr_target[k, d]),
        continuous_days=int(result.continuous_days[k, d]),
        campaign_limit_days=float(inp.campaign_limit_days[k]),
        rr_continuous=float(result.rr_continuous[k, d]),
        wear_damage=float(result.wear_damage[k, d]),
        rr_wear=float(result.rr_wear[k, d]),
        maint_task=inp.wo_task[wo] if wo >= 0 else "",
        maint_overdue_days=int(result.maint_overdue_days[k, d]),
        maint_overdue_t=float(result.maint_overdue_t[k, d]),
        maint_interval_days=float(inp.wo_interval_days[wo]) if wo >= 0 else 0.0,
        maint_deferrals=defs,
        rr_maint=float(result.rr_maint[k, d]),
        ipl_overdue_days=int(result.ipl_overdue_days[k, d]),
        has_shifts=bool(fat.has_shifts[k, d]),
        kss_worst=float(fat.kss_worst[k, d]),
        kss_crew_mean=float(fat.kss_crew_mean[k, d]),
        rr_kss=float(result.rr_kss[k, d]),
        shift_rr=float(fat.shift_rr[k, d]),
        max_shift_h=float(ps.length_h[rows].max()) if len(rows) else 0.0,
        max_consecutive_shifts=int(ps.consecutive_shifts[rows].max()) if len(rows) else 0,
        max_consecutive_nights=int(ps.consecutive_nights[rows].max()) if len(rows) else 0,
        min_rest_h=float(ps.rest_before_h[rows].min()) if len(rows) else math.inf,
        breach_shifts=int(fat.breach_shifts[k, d]),
        breach_kinds=int(np.bitwise_or.reduce(ps.breaches[rows])) if len(rows) else 0,
        change_severity=int(inp.change_severity[k, d]),
        change_reason=inp.change_reasons.get((k, d), ""),
        alarms_high=int(inp.alarms_high[k, d]),
        alarm_summary=inp.alarm_summaries.get((k, d), ""),
        overload_dose=float(result.overload_dose[k, d]),
        rr_dose=float(result.rr_dose[k, d]),
        overload_window_days=result.config.overload_window_days,
        ipl_task=_ipl_task(inp, k, d),
    )


def _ipl_task(inp: RiskInputs, k: int, d: int) -> str:
    """The task of the protection-layer proof test most overdue on kiln k, day d (the first of
    equals, as the reference loop), or ""."""
    best, best_od = -1, 0
    for w in np.flatnonzero((inp.wo_kiln == k) & inp.wo_ipl).tolist():
        due, done = int(inp.wo_due[w]), int(inp.wo_done[w])
        if due < d < done and d - due > best_od:
            best, best_od = w, d - due
    return inp.wo_task[best] if best >= 0 else ""
