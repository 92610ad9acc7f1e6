"""What the REST routes and the pages share when they act on a change: a request's fields
handed to the service act as its keyword arguments (bodies and forms are named after the
service's parameters), and the evidence upload both accept."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import File, Form, UploadFile
from pydantic import BaseModel
from sqlalchemy.orm import Session

from kilnguard.services import change as cc
from kilnguard.services.access import Principal


def doing(
    act: Callable[..., object], *args: object, who: Principal, change_id: int, fields: BaseModel
) -> Callable[[Session], object]:
    """``act(session, who, change_id, *args, **fields)``, to be done in a unit of work."""
    return lambda session: act(session, who, change_id, *args, **fields.model_dump())


@dataclass(frozen=True)
class Upload:
    """An evidence file as uploaded (multipart), with the stage and checksum given with it."""

    name: str
    content: bytes
    stage: str | None
    content_type: str
    sha256: str | None

    def attach(self, session: Session, who: Principal, change_id: int) -> cc.AttachedEvidence:
        """Store the file as evidence of the change (the service checks the checksum)."""
        return cc.attach_evidence(
            session,
            who,
            change_id,
            name=self.name,
            content=self.content,
            stage=self.stage,
            content_type=self.content_type,
            expected_sha256=self.sha256,
        )


async def upload(
    file: Annotated[UploadFile, File()],
    stage: Annotated[str, Form()] = "",
    sha256: Annotated[str, Form()] = "",
) -> Upload:
    """The upload form's fields (a FastAPI dependency): empty stage or checksum means none."""
    return Upload(
        name=file.filename or "evidence",
        content=await file.read(),
        stage=stage or None,
        content_type=file.content_type or "application/octet-stream",
        sha256=sha256 or None,
    )
