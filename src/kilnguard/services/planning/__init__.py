"""The safe production planner over the database: build the problem, plan, replay, adopt.

- :mod:`.problem`: the planning problem from an enterprise's records as they stood on
  ``as_of`` (:func:`build_problem`, :func:`default_as_of`).
- :mod:`.replay`: every plan replayed through the risk engine, and the recorded history over
  the same days (:func:`replay_plan`, :func:`replay_actual`).
- :mod:`.report`: the answer — safe plan, max_safe_t, earliest safe date, binding constraints,
  price of pushing (:func:`make_plan`, :class:`PlanReport`).
- :mod:`.charts`: the Gantt and output-vs-risk charts as PNG bytes, rendered in memory.
- :mod:`.adopt`: planned production and shifts written through the one write path.
- :mod:`.views`: the enterprises a user may plan for.
- :mod:`.jobs`: planning off the request path — a job per question, its progress and result
  in ``plan_jobs``, answered from the store when asked again, cancellable.
- :mod:`.baseline`: the adopted plan against recorded production, per kiln and week.
- :mod:`.forecast`: the adopted plan as a risk forecast ("this plan takes RF-2 to red on …").
- :mod:`.deviations`: alerts when production leaves the adopted plan or its forecast rises
  (the scheduler's ``plan-deviations`` job).
"""

from kilnguard.services.planning.adopt import AdoptionView, adopt_plan
from kilnguard.services.planning.charts import CHARTS, chart_png, gantt_png, pushing_png
from kilnguard.services.planning.problem import (
    DEFAULT_CREW_SIZE,
    MIN_HORIZON_DAYS,
    PlanningInput,
    build_problem,
    default_as_of,
)
from kilnguard.services.planning.replay import (
    ReplaySummary,
    plan_records,
    replay_actual,
    replay_plan,
)
from kilnguard.services.planning.report import (
    PlanReport,
    explained_plan,
    make_plan,
    price_of_pushing,
    solve,
)
from kilnguard.services.planning.views import EnterpriseOption, plannable_enterprises

__all__ = [
    "CHARTS",
    "DEFAULT_CREW_SIZE",
    "MIN_HORIZON_DAYS",
    "AdoptionView",
    "EnterpriseOption",
    "PlanReport",
    "PlanningInput",
    "ReplaySummary",
    "adopt_plan",
    "build_problem",
    "chart_png",
    "default_as_of",
    "explained_plan",
    "gantt_png",
    "make_plan",
    "plan_records",
    "plannable_enterprises",
    "price_of_pushing",
    "pushing_png",
    "replay_actual",
    "replay_plan",
    "solve",
]
