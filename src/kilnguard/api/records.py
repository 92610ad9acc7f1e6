"""REST routes for plant records: list and get for every kind, create for the writable ones.

Reads are written once for all kinds (`_read_routes`); each goes through the tenancy choke
point (`access.scoped` for lists, `access.get_readable` for one record), so a record of another
enterprise answers 404 exactly like a missing one.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from sqlalchemy import select

from kilnguard.api import schemas as s
from kilnguard.api.deps import Who, uow
from kilnguard.services import records as svc
from kilnguard.services.access import get_readable, scoped
from kilnguard.store import models as m

router = APIRouter(prefix="/api/v1")

#: path segment -> (table, output schema, filterable columns)
KINDS: dict[str, tuple[type[m.Base], type[s.Out], tuple[str, ...]]] = {
    "enterprises": (m.Enterprise, s.EnterpriseOut, ("region_id",)),
    "sections": (m.Section, s.SectionOut, ("enterprise_id",)),
    "kilns": (m.Kiln, s.KilnOut, ("enterprise_id", "section_id")),
    "crews": (m.Crew, s.CrewOut, ("enterprise_id",)),
    "workers": (m.Worker, s.WorkerOut, ("enterprise_id", "crew_id")),
    "production-records": (m.ProductionRecord, s.ProductionOut, ("enterprise_id", "kiln_id")),
    "shifts": (m.Shift, s.ShiftOut, ("enterprise_id", "kiln_id", "worker_id")),
    "work-orders": (m.WorkOrder, s.WorkOrderOut, ("enterprise_id", "kiln_id")),
    "maintenance-plans": (m.MaintenancePlan, s.MaintenancePlanOut, ("enterprise_id", "kiln_id")),
    "planned-stops": (m.PlannedStop, s.PlannedStopOut, ("enterprise_id", "kiln_id")),
    "targets": (m.Target, s.TargetOut, ("enterprise_id",)),
    "incidents": (m.Incident, s.IncidentOut, ("enterprise_id", "kiln_id")),
}


def _read_routes(
    path: str, model: type[m.Base], out: type[s.Out], filters: tuple[str, ...]
) -> None:
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
            stmt = scoped(session, who, select(model), model)
            for col in filters:
                if given[col] is not None:
                    stmt = stmt.where(getattr(model, col) == given[col])
            stmt = stmt.order_by(model.id).limit(limit).offset(offset)  # type: ignore[attr-defined]
            return [out.model_validate(r) for r in session.scalars(stmt)]

    def get_record(request: Request, who: Who, record_id: int) -> Any:
        with uow(request) as session:
            return out.model_validate(get_readable(session, who, model, record_id))

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


for _path, (_model, _out, _filters) in KINDS.items():
    _read_routes(_path, _model, _out, _filters)


def _fields(body: BaseModel) -> dict[str, Any]:
    return body.model_dump()


@router.post(
    "/production-records",
    response_model=s.ProductionOut,
    status_code=201,
    tags=["production-records"],
)
def create_production(request: Request, who: Who, body: s.ProductionCreate) -> Any:
    with uow(request) as session:
        row = svc.record_production_one(session, who, svc.ProductionIn(**_fields(body)))
        return s.ProductionOut.model_validate(row)


@router.post("/shifts", response_model=s.ShiftOut, status_code=201, tags=["shifts"])
def create_shift(request: Request, who: Who, body: s.ShiftCreate) -> Any:
    with uow(request) as session:
        row = svc.record_shift_one(session, who, svc.ShiftIn(**_fields(body)))
        return s.ShiftOut.model_validate(row)


@router.post("/work-orders", response_model=s.WorkOrderOut, status_code=201, tags=["work-orders"])
def create_work_order(request: Request, who: Who, body: s.WorkOrderCreate) -> Any:
    with uow(request) as session:
        row = svc.create_work_order_one(session, who, svc.WorkOrderIn(**_fields(body)))
        session.flush()
        session.refresh(row)
        return s.WorkOrderOut.model_validate(row)


@router.post("/work-orders/{record_id}/defer", response_model=s.WorkOrderOut, tags=["work-orders"])
def defer_work_order(request: Request, who: Who, record_id: int, body: s.WorkOrderDefer) -> Any:
    with uow(request) as session:
        svc.defer_work_order(session, who, work_order_id=record_id, **_fields(body))
        session.flush()
        wo = get_readable(session, who, m.WorkOrder, record_id)
        session.refresh(wo)
        return s.WorkOrderOut.model_validate(wo)


@router.post(
    "/work-orders/{record_id}/complete", response_model=s.WorkOrderOut, tags=["work-orders"]
)
def complete_work_order(
    request: Request, who: Who, record_id: int, body: s.WorkOrderComplete
) -> Any:
    with uow(request) as session:
        wo = svc.complete_work_order(session, who, work_order_id=record_id, **_fields(body))
        return s.WorkOrderOut.model_validate(wo)


@router.post(
    "/maintenance-plans",
    response_model=s.MaintenancePlanOut,
    status_code=201,
    tags=["maintenance-plans"],
)
def create_maintenance_plan(request: Request, who: Who, body: s.MaintenancePlanCreate) -> Any:
    with uow(request) as session:
        row = svc.create_maintenance_plan(session, who, svc.MaintenancePlanIn(**_fields(body)))
        return s.MaintenancePlanOut.model_validate(row)


@router.post(
    "/planned-stops", response_model=s.PlannedStopOut, status_code=201, tags=["planned-stops"]
)
def create_planned_stop(request: Request, who: Who, body: s.PlannedStopCreate) -> Any:
    with uow(request) as session:
        row = svc.create_planned_stop(session, who, svc.PlannedStopIn(**_fields(body)))
        return s.PlannedStopOut.model_validate(row)


@router.post("/targets", response_model=s.TargetOut, status_code=201, tags=["targets"])
def create_target(request: Request, who: Who, body: s.TargetCreate) -> Any:
    with uow(request) as session:
        row = svc.create_target(session, who, svc.TargetIn(**_fields(body)))
        return s.TargetOut.model_validate(row)


@router.post("/incidents", response_model=s.IncidentOut, status_code=201, tags=["incidents"])
def create_incident(request: Request, who: Who, body: s.IncidentCreate) -> Any:
    with uow(request) as session:
        row = svc.create_incident(session, who, svc.IncidentIn(**_fields(body)))
        return s.IncidentOut.model_validate(row)
