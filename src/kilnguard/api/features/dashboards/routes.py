"""REST routes for the ranked dashboards and a kiln's risk chart data:
/api/v1/dashboards/enterprise/{enterprise_id}, /api/v1/dashboards/region/{region_id} (the
enterprises you may see) and /api/v1/kilns/{kiln_id}/risk-chart."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from fastapi import APIRouter, Path, Request
from sqlalchemy.orm import Session

from kilnguard.api.deps import Who, uow
from kilnguard.api.features.dashboards.schemas import KilnChartOut, RollupOut
from kilnguard.services import dashboard as db
from kilnguard.services.access import Principal
from kilnguard.services.alerts import chart

router = APIRouter(prefix="/api/v1")
TAG: list[str | Enum] = ["dashboards"]

#: scope -> (path parameter, view, summary)
SCOPES: dict[str, tuple[str, Callable[[Session, Principal, int], db.Ranked], str]] = {
    "enterprise": (
        "enterprise_id",
        db.enterprise_view,
        "An enterprise's kilns ranked worst first (level, risk ratio, days at level), its trend",
    ),
    "region": (
        "region_id",
        db.region_view,
        "A region's enterprises you may see, ranked by their worst kiln; every kiln ranked",
    ),
}


def _rollup_route(
    scope: str, param: str, view: Callable[[Session, Principal, int], db.Ranked], summary: str
) -> None:
    def rollup(request: Request, who: Who, ident: int = Path(alias=param)) -> Any:
        with uow(request) as session:
            return view(session, who, ident).as_json()

    router.add_api_route(
        f"/dashboards/{scope}/{{{param}}}",
        rollup,
        methods=["GET"],
        response_model=RollupOut,
        tags=TAG,
        summary=summary,
        name=f"api_{scope}",
    )


for _scope, (_param, _view, _summary) in SCOPES.items():
    _rollup_route(_scope, _param, _view, _summary)


@router.get(
    "/kilns/{kiln_id}/risk-chart",
    response_model=KilnChartOut,
    tags=TAG,
    summary="A kiln's risk chart: stored levels and R with the level bands, each indicator "
    "with its threshold, and events (targets, deferrals, overrules, incidents, alerts)",
)
def api_kiln_chart(request: Request, who: Who, kiln_id: int) -> Any:
    with uow(request) as session:
        return chart.kiln_chart(session, who, kiln_id=kiln_id)
