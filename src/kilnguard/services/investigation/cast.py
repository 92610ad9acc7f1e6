"""CAST analysis of an investigation: the default five-level control structure created when
the investigation opens, and the per-controller analysis investigators append to it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain import investigation as dom
from kilnguard.domain.errors import NotFound
from kilnguard.services import writes
from kilnguard.services.access import Principal
from kilnguard.services.investigation._common import KIND, add_to, investigation_of
from kilnguard.store import models as m
from kilnguard.store.investigation_models import CastController, Investigation


def create_controllers(
    session: Session, who: Principal, incident: m.Incident, inv: Investigation, *, source: str
) -> None:
    """Store the default control structure of `incident`'s kiln for a new investigation."""
    ent = session.get(m.Enterprise, incident.enterprise_id)
    kiln = session.get(m.Kiln, incident.kiln_id) if incident.kiln_id is not None else None
    section = (
        session.get(m.Section, incident.section_id) if incident.section_id is not None else None
    )
    structure = dom.default_control_structure(
        ent.region.name if ent else "regional",
        ent.name if ent else "enterprise",
        section.name.removesuffix(" section") if section else "kiln",
        kiln.name if kiln else "kiln",
    )
    for c in structure.controllers:
        row = CastController(
            key=c.id,
            level=int(c.level),
            name=c.name,
            responsibilities=list(c.responsibilities),
            control_actions=list(c.control_actions),
            feedback_channels=list(c.feedback_channels),
            unsafe_control_actions=[],
            flawed_feedback=[],
            process_model_flaws=[],
            context=[],
        )
        add_to(session, who, inv, row, entity="cast_controller", source=source)


def analyse_controller(
    session: Session,
    who: Principal,
    investigation_id: int,
    key: str,
    *,
    unsafe_control_actions: Sequence[tuple[str, str]] = (),
    flawed_feedback: Sequence[str] = (),
    process_model_flaws: Sequence[str] = (),
    context: Sequence[str] = (),
) -> CastController:
    """Append CAST analysis to one controller (nothing earlier is removed)."""
    inv = investigation_of(session, who, investigation_id, writing=True)
    c = session.scalar(
        select(CastController).where(
            CastController.investigation_id == inv.id, CastController.key == key
        )
    )
    if c is None:
        raise NotFound("controller", key)
    ucas = [dom.UnsafeControlAction(d, dom.UcaType(t)) for d, t in unsafe_control_actions]
    c.unsafe_control_actions = [
        *c.unsafe_control_actions,
        *({"description": u.description, "type": u.type.value} for u in ucas),
    ]
    c.flawed_feedback = [*c.flawed_feedback, *flawed_feedback]
    c.process_model_flaws = [*c.process_model_flaws, *process_model_flaws]
    c.context = [*c.context, *context]
    return writes.write_own(
        session, who=who, row=c, action="analyse", kind=KIND, entity="cast_controller"
    )


def controllers_of(session: Session, investigation_id: int) -> list[CastController]:
    """The stored controllers of an investigation, top level first."""
    return list(
        session.scalars(
            select(CastController)
            .where(CastController.investigation_id == investigation_id)
            .order_by(CastController.level, CastController.id)
        )
    )


def structure_of(session: Session, investigation_id: int) -> dom.ControlStructure:
    controllers = tuple(
        dom.Controller(
            id=c.key,
            name=c.name,
            level=dom.ControlLevel(c.level),
            responsibilities=tuple(c.responsibilities),
            control_actions=tuple(c.control_actions),
            feedback_channels=tuple(c.feedback_channels),
            unsafe_control_actions=tuple(
                dom.UnsafeControlAction(u["description"], dom.UcaType(u["type"]))
                for u in c.unsafe_control_actions
            ),
            flawed_feedback=tuple(c.flawed_feedback),
            process_model_flaws=tuple(c.process_model_flaws),
            context=tuple(c.context),
        )
        for c in controllers_of(session, investigation_id)
    )
    return dom.ControlStructure(controllers=controllers)
