"""Bundle import API shapes: an import job with its progress, its errors or its summary."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from kilnguard.api.features.bundle.jobs import Job


class BundleErrorOut(BaseModel):
    sheet: str = Field(description="The sheet (or CSV file) the bad cell is on")
    row: int | None = Field(description="Row number as a spreadsheet shows it (header = 1)")
    column: str
    value: str = Field(description="The value as given")
    rule: str = Field(description="The rule it breaks, in words")


class SheetCountsOut(BaseModel):
    new: int = Field(description="Rows that would be added")
    changed: int = Field(description="Rows that would update a stored record (audited)")
    unchanged: int = Field(description="Rows already stored as they are")


class ProgressOut(BaseModel):
    """What the upload page polls while a bundle is checked or imported."""

    id: str
    state: str = Field(
        description="waiting, checking, invalid, planned, committing, committed or failed"
    )
    running: bool = Field(description="True while checking or importing")
    stage: str = Field(description="What is being done now, in words")
    done: int
    total: int
    fraction: float = Field(description="done / total, 0..1")
    error_count: int
    message: str


class ImportJobOut(ProgressOut):
    """An uploaded bundle: every error found, or what the import changes per sheet."""

    filename: str
    size_bytes: int
    sha256: str
    errors: list[BundleErrorOut]
    summary: dict[str, SheetCountsOut] = Field(description="Per sheet: new, changed, unchanged")
    unchanged: bool = Field(description="True when the bundle would change nothing at all")
    result: dict[str, Any] = Field(description="After the commit: what was imported")


def progress_of(job: Job) -> ProgressOut:
    return ProgressOut(
        id=job.id,
        state=job.state,
        running=job.running,
        stage=job.stage,
        done=job.done,
        total=job.total,
        fraction=round(job.fraction(), 4),
        error_count=len(job.errors),
        message=job.message,
    )


def job_out(job: Job) -> ImportJobOut:
    return ImportJobOut(
        **progress_of(job).model_dump(),
        filename=job.filename,
        size_bytes=job.size_bytes,
        sha256=job.sha256,
        errors=[BundleErrorOut(**e) for e in job.errors],
        summary={k: SheetCountsOut(**v) for k, v in job.summary.items()},
        unchanged=job.unchanged,
        result=job.result,
    )
