"""The safe plan at once, then better ones while there is time: greedy first, then improve,
never worse than greedy (issue 14).

1. The problem falls apart into independent parts (:func:`~.decompose.split`: kilns linked by
   shared workers or targets). Each part gets the greedy plan, run through the independent
   checker — together the first answer, within a second on a 50-kiln plant.
2. Each part is improved in two layers. The *production layer*
   (:func:`~.constraints.build_production_model`: kiln-shifts, output, maintenance, crews
   only in aggregate) is solved by CP-SAT from the incumbent as a complete hint; its bound
   is a bound of the whole part. The *crew layer* names the workers for that fixed
   production (:func:`~.greedy.roster`), and when the roster cannot staff every kiln-shift,
   CP-SAT rosters it with the production fixed (:func:`_crew_layer`). The candidate replaces
   the part's incumbent only if the checker passes it and its objective is lower.
   Better production-layer solutions found during a solve are rostered, checked and offered
   at once (:class:`_Incumbents`), with the solver's current bound.
3. Parts are improved in parallel threads (CP-SAT releases the GIL), largest objective first,
   and again while time is left and a part is not proven optimal; when every part has a
   thread, the first round is not cut short (a restart loses the solver's bound work).
4. ``previous`` — the adopted plan — is carried over onto the problem
   (:func:`~.previous.carry_over`), checked and offered like any candidate: the starting
   plan wherever it is still feasible and better than greedy.

Progress (best objective, bound, elapsed) is reported after every change, with a way to get
the plan itself; a ``cancel`` event stops the search and returns the best plan so far.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

from kilnguard.domain.planning.check import PlanViolationError, check_plan
from kilnguard.domain.planning.constraints import build_model, build_production_model
from kilnguard.domain.planning.decompose import join, split
from kilnguard.domain.planning.firing import best_firing, best_production
from kilnguard.domain.planning.greedy import greedy_plan, plan_objective, roster
from kilnguard.domain.planning.model import (
    OUTPUT_UNITS_PER_T_PER_DAY,
    SHORTFALL_WEIGHT,
    ModelContext,
    quantity_units,
    target_weight,
)
from kilnguard.domain.planning.previous import PreviousPlan, carry_over
from kilnguard.domain.planning.problem import PlanningProblem
from kilnguard.domain.planning.readback import extract_plan, extract_production
from kilnguard.domain.planning.result import PlanResult, PlanStatus, ProductionPlan
from kilnguard.domain.planning.solver import add_hint, complete_hint, map_status

__all__ = ["OnProgress", "Progress", "floor_bound", "solve_safe_plan"]

#: Threads improving parts at once (the parts' CP-SAT solves run side by side).
PARALLEL_PARTS = 2
#: CP-SAT workers per part's solve (its portfolio: LNS and bound-proving workers differ).
SOLVER_WORKERS = 2
#: Shortest solve worth starting for a part [s]: below it presolve alone does not finish.
_MIN_SHARE_S = 0.5
#: Longest solve per part in the first round [s]; later rounds share all the time left.
_FIRST_ROUND_S = 4.0
#: Least time between two intermediate solutions offered from one solve [s].
_OFFER_EVERY_S = 0.5
#: Rounds over the parts not yet proven optimal (each restarts from the part's best plan).
_MAX_ROUNDS = 8


@dataclass(frozen=True)
class Progress:
    """Where the planner stands: the best checked plan so far and what is proven.

    ``objective`` of the best plan; ``bound`` a proven lower bound (parts not yet solved
    count 0); ``stage`` "greedy", "improving" or "done"; ``plan()`` builds the plan itself.
    """

    elapsed_s: float
    stage: str
    objective: float
    bound: float
    parts_solved: int
    parts: int
    plan: Callable[[], PlanResult] = field(repr=False, compare=False)

    @property
    def gap(self) -> float:
        """Relative gap [-] = (objective − bound) / objective."""
        return max(0.0, self.objective - self.bound) / max(1.0, abs(self.objective))


OnProgress = Callable[[Progress], None]


class _Search:
    """The parts, their incumbents and bounds, shared by the improving threads."""

    def __init__(
        self,
        problem: PlanningProblem,
        on_progress: OnProgress | None,
        cancel: threading.Event,
        t0: float,
    ) -> None:
        self.problem = problem
        self.parts = split(problem)
        self.on_progress = on_progress
        self.cancel = cancel
        self.t0 = t0
        self.lock = threading.Lock()
        self.best: list[PlanResult] = []
        self.bound: list[float | None] = [None] * len(self.parts)  # the solver's, once solved
        self.floor: list[float] = []  # arithmetic bound until then (floor_bound)
        self.active: set[cp_model.CpSolver] = set()
        self.first_s: float | None = None
        self.carried: list[str] = []  # what became of the previous plan, in words

    def start(self, previous: PreviousPlan | None = None) -> None:
        for part in self.parts:
            first = greedy_plan(part)
            violations = check_plan(part, first)
            if violations:  # a bug in the greedy planner: never show such a plan
                raise PlanViolationError(violations)
            self.best.append(first)
            self.floor.append(0.0)
        self.first_s = time.perf_counter() - self.t0
        self.report("greedy")
        self.floor = [floor_bound(part) for part in self.parts]
        for i, part in enumerate(self.parts):  # each kiln on its best firing pattern
            production = best_production(part)
            if production is not None:
                self.offer(i, roster(part, production), None)
        if previous is not None:
            self.carry(previous)

    def carry(self, previous: PreviousPlan) -> None:
        """Offer the previous (adopted) plan, carried over and checked, to every part: it is
        the incumbent — and so CP-SAT's hint — where it is still feasible and beats greedy."""
        kept = feasible = 0
        for i, part in enumerate(self.parts):
            plan = carry_over(part, previous)
            if plan is None:
                continue
            feasible += 1
            before = self.best[i]
            self.offer(i, plan, None)
            kept += self.best[i] is not before
        self.carried.append(
            f"previous plan {previous.plan_id}: carried over in {feasible} of "
            f"{len(self.parts)} part(s), kept as the starting plan in {kept}"
        )

    def plan(self) -> PlanResult:
        with self.lock:
            plans = [
                replace(p, bound=f if b is None else max(b, f))
                for p, b, f in zip(self.best, self.bound, self.floor, strict=True)
            ]
        return join(self.problem, plans, time.perf_counter() - self.t0)

    def report(self, stage: str) -> None:
        if self.on_progress is None:
            return
        with self.lock:
            objective = sum(p.objective or 0.0 for p in self.best)
            bound = sum(
                f if b is None else max(b, f) for b, f in zip(self.bound, self.floor, strict=True)
            )
            solved = sum(b is not None for b in self.bound)
        self.on_progress(
            Progress(
                elapsed_s=time.perf_counter() - self.t0,
                stage=stage,
                objective=objective,
                bound=bound,
                parts_solved=solved,
                parts=len(self.parts),
                plan=self.plan,
            )
        )

    def proven(self, i: int) -> bool:
        return self.best[i].status is PlanStatus.OPTIMAL

    def offer(self, i: int, candidate: PlanResult | None, bound: float | None) -> None:
        """Keep ``candidate`` for part ``i`` if it is checked clean and better."""
        changed = False
        if candidate is not None and not check_plan(self.parts[i], candidate):
            with self.lock:
                objective = candidate.objective or 0.0
                incumbent = self.best[i].objective or 0.0
                if objective < incumbent - 1e-9 or (
                    candidate.status is PlanStatus.OPTIMAL
                    and not self.proven(i)
                    and objective <= incumbent + 1e-9
                ):
                    self.best[i] = candidate
                    changed = True
        if bound is not None:
            with self.lock:
                old = self.bound[i]
                self.bound[i] = bound if old is None else max(old, bound)
                if (
                    self.bound[i] is not None
                    and (self.best[i].objective or 0.0) <= (self.bound[i] or 0.0) + 1e-6
                ):
                    self.best[i] = replace(self.best[i], status=PlanStatus.OPTIMAL)
            changed = changed or old != self.bound[i]
        if changed:
            self.report("improving")

    def solve(
        self,
        model: cp_model.CpModel,
        time_limit_s: float,
        callback: cp_model.CpSolverSolutionCallback | None = None,
    ) -> tuple[cp_model.CpSolver, PlanStatus]:
        """Solve under the time limit, stoppable by ``cancel`` (see :func:`solve_safe_plan`)."""
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, time_limit_s)
        solver.parameters.num_workers = SOLVER_WORKERS
        solver.parameters.random_seed = 0
        with self.lock:
            self.active.add(solver)
        try:
            status = map_status(solver.solve(model, callback))
        finally:
            with self.lock:
                self.active.discard(solver)
        return solver, status

    def stop_all(self) -> None:
        with self.lock:
            for solver in self.active:
                solver.stop_search()


def floor_bound(problem: PlanningProblem) -> float:
    """A lower bound on the objective without a solver: each target's shortfall is at least
    its quantity less what its kilns can make on their best firing patterns in its window."""
    total = 0.0
    for j, target in enumerate(problem.targets):
        days = problem.target_days(target)
        if not len(days):
            continue
        can = 0
        for kiln in problem.kilns:
            if kiln.kiln_id not in target.kiln_ids:
                continue
            best = best_firing(problem, kiln, days.start, days.stop - 1)
            if best is None:
                return 0.0
            per_shift = math.floor(
                kiln.rated_capacity_t_per_day
                * problem.allowed_load_margin
                * OUTPUT_UNITS_PER_T_PER_DAY
                + 1e-9
            )
            can += per_shift * problem.shift_pattern.shifts_per_day * len(best.days)
        need = quantity_units(problem)[j]
        weight = SHORTFALL_WEIGHT * target_weight(problem, problem.day_of(target.deadline))
        total += weight * max(0, need - can)
    return float(total)


def _production_hint(ctx: ModelContext, plan: PlanResult) -> None:
    add_hint(ctx, plan)
    placed = {m.task_id: ctx.problem.day_of(m.first_day) for m in plan.maintenance}
    for task_id, starts in ctx.vars.start.items():
        for d, lit in starts.items():
            ctx.model.add_hint(lit, placed.get(task_id) == d)


def _improve(search: _Search, i: int, time_limit_s: float) -> None:
    """One round for part ``i``: production layer, then crews; offer what was found."""
    part, incumbent = search.parts[i], search.best[i]
    deadline = time.perf_counter() + time_limit_s
    model, ctx = build_production_model(part)
    _production_hint(ctx, incumbent)
    complete_hint(model, time_limit_s=min(2.0, time_limit_s / 4))
    solver, status = search.solve(
        model, deadline - time.perf_counter(), _Incumbents(search, i, ctx)
    )
    if not status.has_plan:
        bound = solver.best_objective_bound if status is PlanStatus.TIMEOUT else None
        search.offer(i, None, bound)
        return
    production = extract_production(ctx, solver)
    candidate = roster(part, production)
    if len(candidate.shifts) < len(production.output_t) and not search.cancel.is_set():
        crewed = _crew_layer(search, part, production, candidate, deadline)
        candidate = crewed or candidate
    objective = plan_objective(part, candidate)
    layer_optimal = status is PlanStatus.OPTIMAL and objective <= solver.objective_value + 1e-6
    candidate = replace(
        candidate,
        objective=objective,
        status=PlanStatus.OPTIMAL if layer_optimal else PlanStatus.FEASIBLE,
        bound=solver.best_objective_bound,
    )
    search.offer(i, candidate, solver.best_objective_bound)


class _Incumbents(cp_model.CpSolverSolutionCallback):
    """Each better production-layer solution found during a long solve, rostered, checked and
    offered at once (at most every ``_OFFER_EVERY_S``): a part given the whole budget in one
    solve still improves the plan shown while it proves its bound."""

    def __init__(self, search: _Search, i: int, ctx: ModelContext) -> None:
        super().__init__()
        self.search, self.i, self.ctx = search, i, ctx
        self.last = -math.inf

    def on_solution_callback(self) -> None:
        now = time.perf_counter()
        if now - self.last < _OFFER_EVERY_S or self.search.cancel.is_set():
            return
        self.last = now
        part = self.search.parts[self.i]
        candidate = roster(part, extract_production(self.ctx, self))
        # The layer is a relaxation of the part: its proven bound is the part's.
        bound = self.best_objective_bound
        self.search.offer(self.i, replace(candidate, status=PlanStatus.FEASIBLE), bound)


def _crew_layer(
    search: _Search,
    part: PlanningProblem,
    production: ProductionPlan,
    partial: PlanResult,
    deadline: float,
) -> PlanResult | None:
    """CP-SAT rosters the fixed production (the full model with production fixed), hinted
    with the greedy roster's partial crews; None if it finds no roster in time."""
    left = deadline - time.perf_counter()
    if left < _MIN_SHARE_S:
        return None
    model, ctx = build_model(part)
    spd = ctx.spd
    for ki, kiln in enumerate(part.kilns):
        for t in range(part.n_shifts):
            out = production.output_t.get((kiln.kiln_id, t))
            model.add(ctx.vars.run[ki][t] == (out is not None))
            if out is not None:
                model.add(ctx.vars.out[ki][t] == round(out * OUTPUT_UNITS_PER_T_PER_DAY * spd))
    for task_id, starts in ctx.vars.start.items():
        model.add(starts[production.maintenance_start[task_id]] == 1)
    add_hint(ctx, partial)
    solver, status = search.solve(model, left)
    if not status.has_plan:
        return None
    return extract_plan(ctx, solver, status, 0.0, None)


def solve_safe_plan(
    problem: PlanningProblem,
    time_limit_s: float,
    *,
    on_progress: OnProgress | None = None,
    cancel: threading.Event | None = None,
    previous: PreviousPlan | None = None,
) -> PlanResult:
    """The best checked plan found in ``time_limit_s``: greedy first, then improved, never
    worse than greedy (see the module docstring).

    Every plan it returns or reports has passed the independent checker. ``cancel`` set →
    stop and return the best plan so far. ``previous`` (the adopted plan): carried over and
    checked, it starts the search wherever it is still feasible and better than greedy; the
    result's notes say what became of it.
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    stop = cancel or threading.Event()
    search = _Search(problem, on_progress, stop, t0)
    search.start(previous)
    threads = min(PARALLEL_PARTS, len(search.parts))
    with ThreadPoolExecutor(max_workers=threads) as pool:
        round_ = 0
        while not stop.is_set() and round_ < _MAX_ROUNDS:
            todo = sorted(
                (i for i in range(len(search.parts)) if not search.proven(i)),
                key=lambda i: -(search.best[i].objective or 0.0),
            )
            left = deadline - time.perf_counter()
            if not todo or left < _MIN_SHARE_S:
                break
            # Short first rounds, so every part improves early; longer ones after. When every
            # part has a thread of its own, no cap: a capped solve that times out restarts
            # from scratch (presolve, LP, cuts lost) and the bound is proven later, if at all
            # (the 10-kiln plant: 4 s + 7 s and a gap of up to 2 % under load, vs 8 s alone).
            cap = _FIRST_ROUND_S if round_ == 0 and len(todo) > threads else math.inf
            share = min(cap, max(_MIN_SHARE_S, left * threads / len(todo)))
            futures = set()
            for i in todo:  # later parts get what is left when they start (_guarded)
                futures.add(pool.submit(_guarded, search, i, share, deadline))
            while futures:
                done, futures = wait(futures, timeout=0.1)
                for f in done:
                    f.result()
                if stop.is_set() or time.perf_counter() > deadline + 1.0:
                    search.stop_all()
            round_ += 1
    search.report("done")
    result = search.plan()
    return replace(
        result,
        first_solution_s=search.first_s,
        runtime_s=time.perf_counter() - t0,
        notes=(*result.notes, *search.carried),
    )


def _guarded(search: _Search, i: int, budget: float, deadline: float) -> None:
    """Run one part's round unless time or the caller has run out meanwhile."""
    left = min(budget, deadline - time.perf_counter())
    if search.cancel.is_set() or left < _MIN_SHARE_S:
        return
    _improve(search, i, left)
