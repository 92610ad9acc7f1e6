"""Demo rosters: crews, the classic 4-crew 8-h rotation, and shifts written as plant-local hours."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from kilnguard.scenarios.demo.common import BUILDER, RECON, START, days, local
from kilnguard.services import records as svc
from kilnguard.store.models import Kiln, Worker

EIGHT_HOUR_CYCLE = ("M", "M", "A", "A", "N", "N", "-", "-")  # 4-crew continuous rotation
SHIFT_START = {"M": 6, "A": 14, "N": 22, "D": 6, "X": 18}
SHIFT_LEN = {"M": 8, "A": 8, "N": 8, "D": 12, "X": 12}


def four_crew_code(crew_index: int, day: dt.date) -> str:
    """Classic 8-day 4-crew pattern; crews offset by 2 days so every shift is covered."""
    n = (day - START).days + 2 * crew_index
    return EIGHT_HOUR_CYCLE[n % 8]


def crews_and_workers(
    session: Session,
    enterprise_id: int,
    prefix: str,
    crews: int,
    per_crew: int,
    quals: tuple[str, ...],
) -> list[list[Worker]]:
    out: list[list[Worker]] = []
    for c in range(crews):
        crew = svc.create_crew(
            session, BUILDER, enterprise_id=enterprise_id, name=f"{prefix} crew {'ABCD'[c]}"
        )
        out.append(
            svc.create_workers(
                session,
                BUILDER,
                [
                    svc.WorkerIn(
                        enterprise_id=enterprise_id,
                        number=f"{prefix}-{'ABCD'[c]}{i + 1:02d}",
                        name=f"{prefix} {'ABCD'[c]}{i + 1}",
                        crew_id=crew.id,
                        qualifications=quals,
                        source=RECON,
                    )
                    for i in range(per_crew)
                ],
            )
        )
    return out


def shift(
    worker_id: int,
    kiln_id: int,
    day: dt.date,
    start: int,
    hours: int,
    *,
    section_id: int | None = None,
    role: str = "operator",
) -> svc.ShiftIn:
    """A shift from plant-local hour `start` of `day`, `hours` long."""
    return svc.ShiftIn(
        worker_id=worker_id,
        kiln_id=kiln_id,
        section_id=section_id,
        start_at=local(day, start),
        end_at=local(day, start + hours),
        role=role,
        source=RECON,
    )


def crew_on_shift(
    crew: list[Worker], kilns: list[Kiln], day: dt.date, code: str
) -> list[svc.ShiftIn]:
    """The crew's workers on shift `code` of `day`, spread over the kilns."""
    start = SHIFT_START[code]
    return [
        shift(w.id, kilns[wi % len(kilns)].id, day, start, SHIFT_LEN[code])
        for wi, w in enumerate(crew)
    ]


def four_crew_shifts(
    crews: list[list[Worker]], kilns: list[Kiln], first: dt.date, last: dt.date
) -> list[svc.ShiftIn]:
    """Each crew on its 8-h rotation; its workers spread over the kilns."""
    items: list[svc.ShiftIn] = []
    for d in days(first, last):
        for ci, crew in enumerate(crews):
            code = four_crew_code(ci, d)
            if code == "-":
                continue
            items += crew_on_shift(crew, kilns, d, code)
    return items


def drop_overlaps(items: list[svc.ShiftIn]) -> list[svc.ShiftIn]:
    """At the switch from 8-h to 12-h rosters a worker's last old shift can overlap the first
    new one; the reconstruction keeps the earlier shift (what a supervisor would log)."""
    items = sorted(items, key=lambda s: (s.worker_id, s.start_at))
    kept: list[svc.ShiftIn] = []
    for s in items:
        if kept and kept[-1].worker_id == s.worker_id and s.start_at < kept[-1].end_at:
            continue
        kept.append(s)
    return kept
