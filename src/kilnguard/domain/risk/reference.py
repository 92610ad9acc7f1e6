"""The plain per-kiln-day reference loop — used only by tests and the benchmark's baseline.

It reads the same ``RiskInputs`` tables as the columnar engine but computes every indicator with
scalar Python, one kiln and one day at a time, and must give the same levels and the same
explanations. It is deliberately naive; do not use it in production paths.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kilnguard.domain.fatigue import ShiftTable, shift_fatigue_reference
from kilnguard.domain.risk.config import AMBER, RED, STOP, RiskConfig
from kilnguard.domain.risk.engine import _overload_n, target_text
from kilnguard.domain.risk.explain import (
    RULE_ALARM,
    RULE_CHANGE,
    RULE_IPL,
    RULE_LOAD,
    RULE_TARGET,
    RULE_WEAR,
    Explanation,
    KilnDayFacts,
    compose,
    level_of,
)
from kilnguard.domain.risk.records import PRIOR_DAYS, RiskInputs
from kilnguard.domain.wear import daily_damage_scalar


@dataclass(frozen=True)
class ReferenceResult:
    """Levels and explanations of the reference loop, ``[kiln][day]``."""

    levels: list[list[int]]
    explanations: list[list[Explanation]]


def assess_reference(
    inputs: RiskInputs, config: RiskConfig | None = None, kilns: range | None = None
) -> ReferenceResult:
    """Per-kiln, per-day Python loop. ``kilns`` limits the rows (benchmarks time a subset)."""
    cfg = config or RiskConfig()
    n_d = inputs.n_days
    pd_ = PRIOR_DAYS
    rows = range(inputs.n_kilns) if kilns is None else kilns
    per_shift = _shift_figures(inputs, cfg, set(rows))
    crew_of = inputs.shift_crew.tolist()
    by_kd: dict[int, list[int]] = {}  # a shift counts on every kiln-day it overlaps
    for row, kd in zip(inputs.shift_order.tolist(), inputs.order_kd.tolist(), strict=True):
        by_kd.setdefault(kd, []).append(row)
    # target progress, one target at a time, day by day
    n_t = len(inputs.tg_info)
    scope = [
        [
            int(k)
            for t2, k in zip(inputs.tg_pair_target, inputs.tg_pair_kiln, strict=True)
            if t2 == t
        ]
        for t in range(n_t)
    ]
    tg_p = [[0.0] * n_d for _ in range(n_t)]
    tg_rem = [[0.0] * n_d for _ in range(n_t)]
    for t in range(n_t):
        total = float(inputs.tg_produced_before[t])
        ent, dl = int(inputs.tg_entered[t]), int(inputs.tg_deadline[t])
        for d in range(n_d):
            if d >= ent:
                day_sum = 0.0
                for k in scope[t]:
                    day_sum += float(inputs.output_t[k, d])
                total += day_sum
            if ent <= d <= dl:
                tg_rem[t][d] = max(float(inputs.tg_quantity_t[t]) - total, 0.0)
                nominal = float(inputs.tg_quantity_t[t]) / (dl - ent + 1)
                tg_p[t][d] = nominal / float(inputs.tg_capacity_t_per_day[t])

    levels: list[list[int]] = []
    expl: list[list[Explanation]] = []
    for k in rows:
        kiln = inputs.kilns[k]
        rated = float(inputs.rated_t_per_day[k])
        n_exp = float(inputs.exponent_n[k])
        life = float(inputs.design_life_days[k])
        limit = float(inputs.campaign_limit_days[k])
        ctf = float(inputs.cycles_to_failure[k])
        prior = [float(x) / rated for x in inputs.prior_output_t[k]]
        out = [float(x) for x in inputs.output_t[k]]
        ratios = prior + [x / rated for x in out]
        relines = {
            int(d) for kk, d in zip(inputs.reline_kiln, inputs.reline_day, strict=True) if kk == k
        }
        wear = float(inputs.wear_initial[k])
        cum_out: list[float] = []
        run = 0.0
        for x in out:
            run += x
            cum_out.append(run)
        over_run = 0
        for j in range(pd_):
            over_run = over_run + 1 if ratios[j] > 1.0 else 0
        n_over = float(_overload_n(inputs)[k])
        win = cfg.overload_window_days
        last_stop = int(inputs.last_stop_before[k])
        lv_row: list[int] = []
        ex_row: list[Explanation] = []
        for d in range(n_d):
            ratio = ratios[d + pd_]
            s7 = 0.0
            for j in range(d + pd_ - 6, d + pd_ + 1):
                s7 += ratios[j]
            r7 = s7 / 7.0
            r_eff = max(ratio, r7)
            rr_load = max(r_eff, 1.0) ** n_exp
            dose = 0.0
            for j in range(d + pd_ + 1 - win, d + pd_ + 1):
                dose += max(ratios[j] - 1.0, 0.0)
            rr_dose = dose * (cfg.overload_dose_per_window / win) + 1.0
            over_run = over_run + 1 if ratio > 1.0 else 0
            firing = out[d] > 0.0 or float(inputs.hours_fired[k, d]) > 0.0
            # targets: non-additional are nested views (max), additional ones add up
            base, extra = 0.0, 0.0
            best, best_p = -1, 0.0
            for t in range(n_t):
                if k in scope[t]:
                    p = tg_p[t][d]
                    if inputs.tg_additional[t]:
                        extra += p
                    else:
                        base = max(base, p)
                    if p > best_p:  # p is 0 unless open
                        best, best_p = t, p
            pressure = base + extra
            pressed = pressure > 1.0
            rr_target = 1.0 + (cfg.target_heart_epc - 1.0) * cfg.target_apoa if pressed else 1.0
            # continuous operation
            if inputs.stop_mask[k, d]:
                last_stop = d
            cont = d - last_stop
            rr_cont = 1.0 + max(cont - limit, 0.0) / limit
            # wear
            if d in relines:
                wear = 0.0
            wear += daily_damage_scalar(
                ratio,
                life,
                n_exp,
                float(inputs.thermal_cycles[k, d]),
                None if math.isinf(ctf) else ctf,
                n_over,
            )
            rr_wear = max(wear, 1.0) ** (cfg.wear_weibull_beta - 1.0)
            # maintenance: the overdue safety-critical work order with the highest factor
            m_wo, m_rr, m_days, ipl_days, ipl_wo = -1, 1.0, 0, 0, -1
            for w in range(len(inputs.wo_kiln)):
                if int(inputs.wo_kiln[w]) != k:
                    continue
                due, done = int(inputs.wo_due[w]), int(inputs.wo_done[w])
                if due < d < done:
                    od = d - due
                    rr_w = 1.0 + od / float(inputs.wo_interval_days[w])
                    if rr_w > m_rr or m_wo < 0:
                        m_wo, m_rr, m_days = w, rr_w, od
                    if inputs.wo_ipl[w] and od > ipl_days:
                        ipl_days, ipl_wo = od, w
            m_t = 0.0
            defs: tuple[str, ...] = ()
            if m_wo >= 0:
                due = int(inputs.wo_due[m_wo])
                at_due = cum_out[due] if due >= 0 else 0.0
                m_t = float(inputs.wo_t_before[m_wo]) + (cum_out[d] - at_due)
                defs = tuple(r for dd, r in inputs.wo_deferrals[m_wo] if dd <= d)
            # people
            rows_kd = by_kd.get(k * n_d + d, [])
            has = bool(rows_kd)
            kss_w = kss_m = 0.0
            s_rr, max_len, min_rest = 1.0, 0.0, math.inf
            max_cons = max_n = n_breach = kinds = 0
            if has:
                crews: dict[int, list[float]] = {}
                for row in rows_kd:
                    f = per_shift[row]
                    crews.setdefault(crew_of[row], []).append(f["kss_peak"])
                    kss_w = max(kss_w, f["kss_peak"])
                    max_len = max(max_len, f["length_h"])
                    max_cons = max(max_cons, int(f["consecutive_shifts"]))
                    max_n = max(max_n, int(f["consecutive_nights"]))
                    min_rest = min(min_rest, f["rest_before_h"])
                    b = int(f["breaches"])
                    n_breach += b != 0
                    kinds |= b
                s_rr = max(per_shift[row]["rr_shift"] for row in rows_kd)
                kss_m = max(
                    float(np.add.reduce(np.array(v))) / len(v) for _, v in sorted(crews.items())
                )
            rr_kss = cfg.kss_or_per_step ** max(kss_w - cfg.kss_reference, 0.0) if has else 1.0
            # barriers, floors, level
            f_env = rr_load * rr_dose * rr_target * rr_cont
            f_int = rr_wear * m_rr
            f_ppl = max(s_rr * rr_kss, 1.0)
            risk = f_env * f_int * f_ppl * 1.0 * 1.0
            load_rule = firing and r_eff >= cfg.red_load_ratio
            ipl_rule = firing and ipl_days > cfg.ipl_overdue_stop_days
            wear_rule = wear >= cfg.wear_amber_damage
            sev = int(inputs.change_severity[k, d])
            alarms = int(inputs.alarms_high[k, d])
            env_floor = max(AMBER if pressed else 0, RED if load_rule else 0)
            int_floor = max(STOP if ipl_rule else 0, AMBER if wear_rule else 0)
            cc_floor = cfg.change_control_floor[sev]
            det_floor = (
                RED
                if alarms >= cfg.alarm_red_count
                else AMBER
                if alarms >= cfg.alarm_amber_count
                else 0
            )
            level = max(level_of(risk, cfg), env_floor, int_floor, cc_floor, det_floor)
            rules = (
                (RULE_TARGET if pressed else 0)
                + (RULE_LOAD if load_rule else 0)
                + (RULE_IPL if ipl_rule else 0)
                + (RULE_WEAR if wear_rule else 0)
                + (RULE_CHANGE if sev > 0 else 0)
                + (RULE_ALARM if alarms >= cfg.alarm_amber_count else 0)
            )
            t_text = ""
            if pressed and best >= 0:
                t_text = target_text(
                    inputs.tg_info[best],
                    int(inputs.tg_deadline[best] - inputs.tg_entered[best]) + 1,
                    tg_rem[best][d],
                    float(inputs.tg_capacity_t_per_day[best]),
                )
            facts = KilnDayFacts(
                kiln_id=kiln.kiln_id,
                kiln_name=kiln.name,
                day=inputs.day(d),
                level=level,
                risk_ratio=risk,
                factors=(f_env, f_int, f_ppl, 1.0, 1.0),
                floors=(env_floor, int_floor, 0, cc_floor, det_floor),
                rules=rules,
                rated_t_per_day=rated,
                load_ratio=ratio,
                load_ratio_7d=r7,
                days_over_rating=over_run,
                rr_load=rr_load,
                target_pressure=pressure,
                target_text=t_text,
                rr_target=rr_target,
                continuous_days=cont,
                campaign_limit_days=limit,
                rr_continuous=rr_cont,
                wear_damage=wear,
                rr_wear=rr_wear,
                maint_task=inputs.wo_task[m_wo] if m_wo >= 0 else "",
                maint_overdue_days=m_days,
                maint_overdue_t=m_t,
                maint_interval_days=float(inputs.wo_interval_days[m_wo]) if m_wo >= 0 else 0.0,
                maint_deferrals=defs,
                rr_maint=m_rr,
                ipl_overdue_days=ipl_days,
                has_shifts=has,
                kss_worst=kss_w,
                kss_crew_mean=kss_m,
                rr_kss=rr_kss,
                shift_rr=s_rr,
                max_shift_h=max_len,
                max_consecutive_shifts=max_cons,
                max_consecutive_nights=max_n,
                min_rest_h=min_rest,
                breach_shifts=n_breach,
                breach_kinds=kinds,
                change_severity=sev,
                change_reason=inputs.change_reasons.get((k, d), ""),
                alarms_high=alarms,
                alarm_summary=inputs.alarm_summaries.get((k, d), ""),
                overload_dose=dose,
                rr_dose=rr_dose,
                overload_window_days=win,
                ipl_task=inputs.wo_task[ipl_wo] if ipl_wo >= 0 else "",
            )
            lv_row.append(level)
            ex_row.append(compose(facts, cfg))
        levels.append(lv_row)
        expl.append(ex_row)
    return ReferenceResult(levels, expl)


def _shift_figures(
    inputs: RiskInputs, cfg: RiskConfig, rows: set[int]
) -> dict[int, dict[str, float]]:
    """Per-shift fatigue (reference loop) for every worker who ever works on a kiln in ``rows``."""
    sh = inputs.shifts
    n_d = inputs.n_days
    workers = sorted(
        {
            int(sh.worker[row])
            for row, kd in zip(inputs.shift_order.tolist(), inputs.order_kd.tolist(), strict=True)
            if kd // n_d in rows
        }
    )
    keep = [i for i, w in enumerate(sh.worker.tolist()) if w in set(workers)]
    sub = ShiftTable(sh.worker[keep], sh.start_h[keep], sh.end_h[keep], sh.horizon_start_h)
    figures = shift_fatigue_reference(sub, cfg.tpm, cfg.sleep, cfg.roster)
    return dict(zip(keep, figures, strict=True))
