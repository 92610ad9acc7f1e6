"""Refractory (lining) wear: Palmgren–Miner damage with inverse-power-law load acceleration.

Datasheet
---------
Equation (per kiln, per day d, since the lining was installed)::

    ΔD_d = r_d ** n / L_design_days  +  c_d / N_cycles          [1 / day]
    D    = D_0 + Σ_d ΔD_d                                       [fraction of design life]

* ``r_d = output_t / rated_capacity_t_per_day`` — load ratio of the day [-].
* ``L_design_days`` — lining life in days of firing at rated load [day]; plant value.
* ``n`` — inverse-power-law exponent, L(r) = L_design · r**-n [-]. Default ``n = 1``, the
  tonnage law: industry measures refractory wear per tonne of clinker (g/t), so life in days
  ∝ 1/throughput [V, SOURCES.md §2.1]. No published refractory-specific exponent exists
  [SOURCES.md §7]; a higher n must be fitted on the plant's own campaign records (e.g.
  ``reliability.ALT_fitters``). ISO 281 uses n = 3 for ball bearings [R], which shows the form,
  not a refractory value.
* Above rating the wear accelerates with load: ``r_d ** n_over`` with ``n_over ≥ n``
  (``RiskConfig.overload_wear_exponent``, default 2 [P]; issue 13 point 4). The tonnage law
  (n = 1) is the lower bound of what overload does to a lining; forced operation above the
  nominal rate also overheats the burning zone ("high thermal load", Holcim refractory practice
  [V secondary, SOURCES.md §2.1]), which the tonnage law leaves out. No refractory exponent has
  been published (SOURCES.md §7): 2 is the geometric middle of the tonnage law (1) and the
  ball-bearing law of ISO 281 (3) [R] — a project choice [P], to be fitted on campaign records.
  At or below rating the law is unchanged (r ≤ 1: ``r ** n``).
* ``c_d`` thermal cycles (firing starts / stop-restarts) on day d and ``N_cycles`` the cycles a
  lining survives [cycles]; optional — each stop/start is a thermal cycle that counts in the Miner
  sum [SOURCES.md §2.4, T]. Off (``None``) unless the plant gives N_cycles.
* Failure is predicted at D ≥ 1 (linear damage accumulation).

The sum runs in day order and restarts at 0 on a relining day; it is a *running* sum so that a
day-by-day replay and the columnar form agree bit for bit.

References
----------
* Miner, M. A. (1945). Cumulative damage in fatigue. J. Appl. Mech. 12:A159–A164 [R].
* Modarres, M., Amiri, M., Jackson, C. (2017). Probabilistic Physics of Failure Approach to
  Reliability, Wiley, pp. 33–37 (Palmgren–Miner linear damage) [V via ``reliability.PoF`` docs].
* MIL-HDBK-338B (1998) §8.7.5 — inverse power law life–stress model; the stress must not change
  the failure mode [V, SOURCES.md §2.2].
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from kilnguard.domain.errors import ValidationError

FloatArray = NDArray[np.float64]

#: Default inverse-power-law exponent for refractory linings: the tonnage law [V, SOURCES.md §2.1].
DEFAULT_REFRACTORY_EXPONENT_N = 1.0


def _check(design_life_days: float, exponent_n: float, cycles_to_failure: float | None) -> None:
    if not design_life_days > 0:
        raise ValidationError("design_life_days", design_life_days, "must be > 0 days")
    if not exponent_n > 0:
        raise ValidationError("exponent_n", exponent_n, "must be > 0")
    if cycles_to_failure is not None and not cycles_to_failure > 0:
        raise ValidationError("cycles_to_failure", cycles_to_failure, "must be > 0 cycles or None")


def life_at_load_days(load_ratio: float, design_life_days: float, exponent_n: float = 1.0) -> float:
    """Inverse power law L(r) = L_design · r**-n [day]: how long a lining lasts at a steady load.

    ``load_ratio`` must be > 0 (at zero load the lining does not wear from load).
    """
    _check(design_life_days, exponent_n, None)
    if not load_ratio > 0:
        raise ValidationError("load_ratio", load_ratio, "must be > 0 for a finite life")
    return float(design_life_days * load_ratio ** (-exponent_n))


def daily_damage(
    load_ratio: FloatArray | float,
    design_life_days: FloatArray | float,
    exponent_n: FloatArray | float = DEFAULT_REFRACTORY_EXPONENT_N,
    thermal_cycles: FloatArray | float = 0.0,
    cycles_to_failure: FloatArray | float = np.inf,
    overload_exponent_n: FloatArray | float | None = None,
) -> FloatArray:
    """Damage added in one day, ΔD = r**n (r ≤ 1) or r**n_over (r > 1) / L_design
    + c / N_cycles [fraction of life]. ``overload_exponent_n`` None: n_over = n.

    Broadcasts over NumPy arrays (kilns × days with per-kiln parameters as ``(kilns, 1)``).
    Negative load ratios are bad data and are treated as 0 (no firing).
    ``cycles_to_failure = inf`` switches the thermal-cycle term off.
    """
    r = np.maximum(np.asarray(load_ratio, dtype=np.float64), 0.0)
    n_over = exponent_n if overload_exponent_n is None else overload_exponent_n
    powered = np.where(r > 1.0, np.power(r, n_over), np.power(r, exponent_n))
    out: FloatArray = powered / design_life_days + np.asarray(
        thermal_cycles, dtype=np.float64
    ) / np.asarray(cycles_to_failure, dtype=np.float64)
    return out


def daily_damage_scalar(
    load_ratio: float,
    design_life_days: float,
    exponent_n: float = DEFAULT_REFRACTORY_EXPONENT_N,
    thermal_cycles: float = 0.0,
    cycles_to_failure: float | None = None,
    overload_exponent_n: float | None = None,
) -> float:
    """Scalar twin of :func:`daily_damage` (same operation order, so bit-identical results)."""
    r = max(load_ratio, 0.0)
    n_cyc = np.inf if cycles_to_failure is None else cycles_to_failure
    n = exponent_n if overload_exponent_n is None or r <= 1.0 else overload_exponent_n
    return float(r**n / design_life_days + thermal_cycles / n_cyc)


def miner_damage(
    load_ratios: Sequence[float],
    design_life_days: float,
    exponent_n: float = DEFAULT_REFRACTORY_EXPONENT_N,
    thermal_cycles: Sequence[float] | None = None,
    cycles_to_failure: float | None = None,
    initial_damage: float = 0.0,
) -> float:
    """Total Palmgren–Miner damage of one lining over a sequence of days [fraction of life].

    ``initial_damage`` carries in damage from before the sequence (same lining).
    """
    _check(design_life_days, exponent_n, cycles_to_failure)
    cycles = thermal_cycles if thermal_cycles is not None else [0.0] * len(load_ratios)
    if len(cycles) != len(load_ratios):
        raise ValidationError("thermal_cycles", len(cycles), "must have one value per day")
    total = initial_damage
    for r, c in zip(load_ratios, cycles, strict=True):
        total += daily_damage_scalar(r, design_life_days, exponent_n, c, cycles_to_failure)
    return total


def cumulative_damage(
    load_ratio: FloatArray,
    design_life_days: FloatArray,
    exponent_n: FloatArray,
    initial_damage: FloatArray,
    reline_kiln: NDArray[np.intp] | None = None,
    reline_day: NDArray[np.intp] | None = None,
    thermal_cycles: FloatArray | None = None,
    cycles_to_failure: FloatArray | None = None,
    overload_exponent_n: FloatArray | None = None,
) -> FloatArray:
    """Running Miner damage D for every kiln and day (columnar) [fraction of design life].

    Parameters
    ----------
    load_ratio : (kilns, days) daily load ratio r [-].
    design_life_days, exponent_n, initial_damage : (kilns,) per-kiln parameters; ``initial_damage``
        is D carried in from before day 0 for the lining in place on day 0.
    reline_kiln, reline_day : parallel arrays of relining events; the lining is new at the
        start of ``reline_day`` (damage of that day counts on the new lining).
    thermal_cycles : (kilns, days) cycles per day, optional.
    cycles_to_failure : (kilns,) cycles a lining survives; inf switches the cycle term off.
    overload_exponent_n : (kilns,) exponent above rating (None: the same n).

    Returns D[k, d] including day d's damage. Uses ``np.cumsum`` (sequential), recomputing the
    tail of a row after each relining, so it equals the day-by-day running sum exactly.
    """
    ctf = cycles_to_failure
    cycles_on = thermal_cycles is not None and ctf is not None and bool(np.isfinite(ctf).any())
    n_over = exponent_n if overload_exponent_n is None else overload_exponent_n
    overloaded = bool((load_ratio > 1.0).any()) and not bool(np.all(n_over == exponent_n))
    if cycles_on or overloaded or not bool(np.all(exponent_n == 1.0)):
        cyc = thermal_cycles if thermal_cycles is not None else np.zeros_like(load_ratio)
        ctf_k = ctf if ctf is not None else np.full(load_ratio.shape[0], np.inf)
        inc = daily_damage(
            load_ratio,
            design_life_days[:, None],
            exponent_n[:, None],
            cyc,
            ctf_k[:, None],
            n_over[:, None],
        )
    else:  # the common case, n = 1 and no cycle term: same values, fewer passes (r**1 == r, +0)
        inc = np.maximum(load_ratio, 0.0)
        inc /= design_life_days[:, None]
    if inc.shape[1] == 0:
        return inc
    first = inc.copy()
    first[:, 0] = initial_damage + inc[:, 0]
    dmg: FloatArray = np.cumsum(first, axis=1)
    if reline_kiln is not None and reline_day is not None and len(reline_kiln):
        order = np.lexsort((reline_day, reline_kiln))
        for k, d in zip(reline_kiln[order].tolist(), reline_day[order].tolist(), strict=True):
            if 0 <= d < inc.shape[1]:
                dmg[k, d:] = np.cumsum(inc[k, d:])
    return dmg
