"""REST routes for plant records: list and get for every kind, create for the writable ones,
and for every record kind a user enters: correct (`PATCH`), void (`POST …/void`) and its
history (`GET …/history`), through `services.records.corrections`.

Reads and creates are each written once for all kinds (`_read_routes`, `_create_route`); reads
go through the record views of `services.records.views` (tenancy: a record of another
enterprise answers 404 exactly like a missing one), writes through `services.records`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from kilnguard.api.deps import Who, uow
from kilnguard.api.features.records import schemas as s
from kilnguard.services import records as svc
from kilnguard.services.access import Principal
from kilnguard.services.records import views

router = APIRouter(prefix="/api/v1")

#: path segment -> output schema (the tables and filter columns are the service's)
KINDS: dict[str, type[s.Out]] = {
    "enterprises": s.EnterpriseOut,
    "sections": s.SectionOut,
    "kilns": s.KilnOut,
    "crews": s.CrewOut,
    "workers": s.WorkerOut,
    "production-records": s.ProductionOut,
    "shifts": s.ShiftOut,
    "work-orders": s.WorkOrderOut,
    "maintenance-plans": s.MaintenancePlanOut,
    "planned-stops": s.PlannedStopOut,
    "targets": s.TargetOut,
    "incidents": s.IncidentOut,
}


def _read_routes(path: str, out: type[s.Out]) -> None:
    label = path.replace("-", " ")

    def list_records(
        request: Request,
        who: Who,
        enterprise_id: int | None = None,
        kiln_id: int | None = None,
        section_id: int | None = None,
        crew_id: int | None = None,
        worker_id: int | None = None,
        region_id: int | None = None,
        limit: int = Query(500, ge=1, le=10_000),
        offset: int = Query(0, ge=0),
        include_voided: bool = Query(False, description="Also list voided records"),
    ) -> list[Any]:
        given = {
            "enterprise_id": enterprise_id,
            "kiln_id": kiln_id,
            "section_id": section_id,
            "crew_id": crew_id,
            "worker_id": worker_id,
            "region_id": region_id,
        }
        with uow(request) as session:
            rows = views.list_records(
                session,
                who,
                kind=path,
                filters=given,
                limit=limit,
                offset=offset,
                include_voided=include_voided,
            )
            return [out.model_validate(r) for r in rows]

    def get_record(request: Request, who: Who, record_id: int) -> Any:
        with uow(request) as session:
            return out.model_validate(
                views.get_record(session, who, kind=path, record_id=record_id)
            )

    router.add_api_route(
        f"/{path}",
        list_records,
        methods=["GET"],
        response_model=list[out],  # type: ignore[valid-type]
        summary=f"List {label} you may see",
        tags=[path],
    )
    router.add_api_route(
        f"/{path}/{{record_id}}",
        get_record,
        methods=["GET"],
        response_model=out,
        summary=f"One of the {label} (404 if absent or not yours)",
        tags=[path],
    )


for _path, _out in KINDS.items():
    _read_routes(_path, _out)


def _stored(session: Session, who: Principal, path: str, record_id: int) -> Any:
    """The record as stored after a write, in the kind's output shape."""
    return KINDS[path].model_validate(
        views.get_record(session, who, kind=path, record_id=record_id)
    )


#: path segment -> (request body, service input, service use case) of the create routes
CREATES: dict[str, tuple[type[Any], type[Any], Callable[[Session, Principal, Any], Any]]] = {
    "production-records": (s.ProductionCreate, svc.ProductionIn, svc.record_production_one),
    "shifts": (s.ShiftCreate, svc.ShiftIn, svc.record_shift_one),
    "work-orders": (s.WorkOrderCreate, svc.WorkOrderIn, svc.create_work_order_one),
    "maintenance-plans": (
        s.MaintenancePlanCreate,
        svc.MaintenancePlanIn,
        svc.create_maintenance_plan,
    ),
    "planned-stops": (s.PlannedStopCreate, svc.PlannedStopIn, svc.create_planned_stop),
    "targets": (s.TargetCreate, svc.TargetIn, svc.create_target),
    "incidents": (s.IncidentCreate, svc.IncidentIn, svc.create_incident),
}


def _create_route(
    path: str,
    body_model: type[Any],
    data: type[Any],
    write: Callable[[Session, Principal, Any], Any],
) -> None:
    def create(request: Request, who: Who, body: Any) -> Any:
        with uow(request) as session:
            row = write(session, who, data(**body.model_dump()))
            return _stored(session, who, path, row.id)

    create.__annotations__["body"] = body_model  # FastAPI reads the body's model from here
    router.add_api_route(
        f"/{path}",
        create,
        methods=["POST"],
        response_model=KINDS[path],
        status_code=201,
        tags=[path],
        name=f"create_{path.replace('-', '_')}",
    )


for _path, (_body, _data, _write) in CREATES.items():
    _create_route(_path, _body, _data, _write)


@router.post("/work-orders/{record_id}/defer", response_model=s.WorkOrderOut, tags=["work-orders"])
def defer_work_order(request: Request, who: Who, record_id: int, body: s.WorkOrderDefer) -> Any:
    with uow(request) as session:
        svc.defer_work_order(session, who, work_order_id=record_id, **body.model_dump())
        return _stored(session, who, "work-orders", record_id)


@router.post(
    "/work-orders/{record_id}/complete", response_model=s.WorkOrderOut, tags=["work-orders"]
)
def complete_work_order(
    request: Request, who: Who, record_id: int, body: s.WorkOrderComplete
) -> Any:
    with uow(request) as session:
        svc.complete_work_order(session, who, work_order_id=record_id, **body.model_dump())
        return _stored(session, who, "work-orders", record_id)


#: The refusals of a correction or a void, beyond the app-wide ones.
ACT_REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"description": "Your role may not change this kind of record"},
    404: {"description": "No such record, or not yours to see"},
    409: {"description": "The record was voided: it is kept as it was"},
    422: {"description": "A new value breaks an entry rule, or no reason was given"},
}


def _act_routes(path: str) -> None:
    label = path.replace("-", " ").rstrip("s")

    def correct(request: Request, who: Who, record_id: int, body: s.CorrectionIn) -> Any:
        with uow(request) as session:
            svc.correct(
                session,
                who,
                path,
                record_id,
                body.changes,
                body.reason,
                confirm_reason=body.confirm_reason,
            )
            return _stored(session, who, path, record_id)

    def void(request: Request, who: Who, record_id: int, body: s.VoidIn) -> Any:
        with uow(request) as session:
            svc.void(session, who, path, record_id, body.reason)
            return _stored(session, who, path, record_id)

    def history(request: Request, who: Who, record_id: int) -> list[s.HistoryOut]:
        with uow(request) as session:
            entries = svc.history(session, who, path, record_id)
            return [s.HistoryOut.model_validate(e) for e in entries]

    for fn, method, suffix, model, summary in (
        (correct, "PATCH", "", KINDS[path], f"Correct a {label}, with a reason"),
        (void, "POST", "/void", KINDS[path], f"Void a {label}, with a reason (never deleted)"),
        (history, "GET", "/history", list[s.HistoryOut], f"A {label}'s acts, oldest first"),
    ):
        router.add_api_route(
            f"/{path}/{{record_id}}{suffix}",
            fn,
            methods=[method],
            response_model=model,
            summary=summary,
            tags=[path],
            responses=ACT_REFUSALS if method != "GET" else {404: ACT_REFUSALS[404]},
            name=f"{fn.__name__}_{path.replace('-', '_')}",
        )


for _path in CREATES:
    _act_routes(_path)
