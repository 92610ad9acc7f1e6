"""REST routes for risk roll-ups: /api/v1/dashboards/enterprise/{enterprise_id} and
/api/v1/dashboards/region/{region_id} (the enterprises you may see)."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from fastapi import APIRouter, Path, Request
from sqlalchemy.orm import Session

from kilnguard.api.deps import Who, uow
from kilnguard.api.features.dashboards.schemas import RollupOut
from kilnguard.services import rollup as ru
from kilnguard.services.access import Principal

router = APIRouter(prefix="/api/v1")
TAG: list[str | Enum] = ["dashboards"]

#: scope -> (path parameter, roll-up, summary)
SCOPES: dict[str, tuple[str, Callable[[Session, Principal, int], ru.Rollup], str]] = {
    "enterprise": (
        "enterprise_id",
        ru.enterprise_view,
        "An enterprise's kilns per level, worst kilns and 30-day trend",
    ),
    "region": (
        "region_id",
        ru.region_view,
        "A region's kilns per level (the enterprises you may see), worst kilns, trend",
    ),
}


def _rollup_route(
    scope: str, param: str, view: Callable[[Session, Principal, int], ru.Rollup], summary: str
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
