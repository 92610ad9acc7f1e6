"""Independent parts of a planning problem, and their plans joined back into one.

Two kilns belong to one part when a worker may operate both or a target counts both; nothing
else links kilns (rest rules are per worker, campaign and maintenance per kiln, credit per
target). The parts of a plant's sections or of a region's enterprises are therefore solved
separately — and in parallel — and the joined plan keeps every rule the parts keep. Each part
keeps the whole problem's ``priority_until``, so the deadline weights, and with them the
parts' objectives and bounds, add up to the whole problem's.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from kilnguard.domain.planning.problem import PlanningProblem
from kilnguard.domain.planning.result import MaintenanceSlot, PlanResult, PlanStatus

__all__ = ["join", "split"]


def split(problem: PlanningProblem) -> list[PlanningProblem]:
    """The independent parts of ``problem``, in the order of their first kiln.

    A problem that does not fall apart is returned as the only part, unchanged.
    """
    index = {k.kiln_id: i for i, k in enumerate(problem.kilns)}
    parent = list(range(len(problem.kilns)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def link(ids: list[int]) -> None:
        for other in ids[1:]:
            parent[find(other)] = find(ids[0])

    for worker in problem.workers:
        link([i for i, k in enumerate(problem.kilns) if worker.may_operate(k)])
    for target in problem.targets:
        link(sorted(index[k] for k in target.kiln_ids))
    roots: dict[int, list[int]] = {}
    for i in range(len(problem.kilns)):
        roots.setdefault(find(i), []).append(i)
    if len(roots) == 1:
        return [problem]
    until = problem.horizon_start + timedelta(days=problem.priority_day)
    parts = []
    for members in roots.values():
        kilns = tuple(problem.kilns[i] for i in members)
        ids = frozenset(k.kiln_id for k in kilns)
        workers = tuple(
            replace(w, kiln_ids=None if w.kiln_ids is None else w.kiln_ids & ids)
            for w in problem.workers
            if any(w.may_operate(k) for k in kilns)
        )
        parts.append(
            replace(
                problem,
                kilns=kilns,
                workers=workers,
                targets=tuple(t for t in problem.targets if t.kiln_ids <= ids),
                planned_stops=tuple(s for s in problem.planned_stops if s.kiln_id in ids),
                priority_until=until,
            )
        )
    return parts


def join(problem: PlanningProblem, plans: list[PlanResult], runtime_s: float) -> PlanResult:
    """One plan from the parts' plans (in :func:`split`'s order): objectives and bounds add.

    Status OPTIMAL only when every part is proven optimal; the bound is None if a part has
    none. Targets come back in the problem's order.
    """
    if len(plans) == 1:
        return replace(plans[0], runtime_s=runtime_s)
    order = {k.kiln_id: i for i, k in enumerate(problem.kilns)}
    shifts = sorted(
        (s for p in plans for s in p.shifts), key=lambda s: (s.shift_index, order[s.kiln_id])
    )
    outcomes = {o.target_id: o for p in plans for o in p.targets}
    bounds = [p.bound for p in plans]
    penalties: dict[str, float] = {}
    for p in plans:
        for name, value in p.penalties.items():
            penalties[name] = penalties.get(name, 0.0) + value
    optimal = all(p.status is PlanStatus.OPTIMAL for p in plans)
    return PlanResult(
        status=PlanStatus.OPTIMAL if optimal else PlanStatus.FEASIBLE,
        allowed_load_margin=problem.allowed_load_margin,
        objective=sum(p.objective or 0.0 for p in plans),
        bound=None if any(b is None for b in bounds) else sum(b or 0.0 for b in bounds),
        runtime_s=runtime_s,
        first_solution_s=max((p.first_solution_s or 0.0) for p in plans),
        shifts=tuple(shifts),
        maintenance=tuple(sorted((m for p in plans for m in p.maintenance), key=_slot_key)),
        targets=tuple(outcomes[t.target_id] for t in problem.targets),
        penalties=penalties,
        notes=tuple(n for p in plans for n in p.notes),
    )


def _slot_key(slot: MaintenanceSlot) -> tuple[str, str]:
    return (slot.kiln_id, slot.task_id)
