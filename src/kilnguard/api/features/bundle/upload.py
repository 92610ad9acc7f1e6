"""Receiving a bundle upload (shared by the page and the REST route): refuse a body over the
limit before reading it, accept one `.xlsx` workbook or `.zip` of CSV files, spool it to a
scratch file and start checking it in the background."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.types import Message, Receive

from kilnguard.api.deps import clock_of_app, engine_of
from kilnguard.api.features.bundle import jobs
from kilnguard.domain.errors import ValidationError
from kilnguard.services.access import Principal

CHUNK = 1 << 20
#: Room for the multipart envelope around the file itself [bytes].
ENVELOPE = 64 * 1024


def _counting(receive: Receive, limit: int) -> Receive:
    """`receive` refusing the request once its body passes `limit` bytes (a body sent without
    a length is stopped there, not spooled to the end)."""
    total = 0

    async def counted() -> Message:
        nonlocal total
        message = await receive()
        if message["type"] == "http.request":
            total += len(message.get("body", b""))
            if total > limit:
                raise jobs.too_large(total)
        return message

    return counted


def store_of(request: Request) -> jobs.JobStore:
    """This app's import jobs."""
    state = request.app.state
    store: jobs.JobStore | None = getattr(state, "bundle_jobs", None)
    if store is None:
        store = state.bundle_jobs = jobs.JobStore()
    return store


async def receive(request: Request, who: Principal) -> jobs.Job:
    """Take the uploaded bundle (form field `file`) and start checking it."""
    limit = jobs.MAX_UPLOAD_BYTES + ENVELOPE
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise jobs.too_large(int(length))
    form = await Request(request.scope, _counting(request.receive, limit)).form(
        max_files=1, max_fields=5
    )
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        raise ValidationError(
            "file", None, "choose an .xlsx workbook, a .zip of CSV files or one <sheet>.csv file"
        )
    name = Path(file.filename).name
    if Path(name).suffix.lower() not in jobs.SUFFIXES:
        raise ValidationError(
            "file", name, "must be an .xlsx workbook, a .zip of CSV files or one <sheet>.csv file"
        )
    path, size, digest = jobs.spool(iter(lambda: file.file.read(CHUNK), b""), name)
    await form.close()
    if size == 0:
        jobs.forget_file(jobs.Job("", 0, name, 0, digest, path))
        raise ValidationError("file", name, "is empty")
    store = store_of(request)
    job = store.new(who, name, path, size, digest)
    jobs.start_check(job, store, engine_of(request), clock_of_app(request), who)
    return job


def commit(request: Request, who: Principal, job_id: str) -> jobs.Job:
    """Start importing a checked bundle."""
    store = store_of(request)
    job = store.get(who, job_id)
    jobs.start_commit(job, store, engine_of(request), clock_of_app(request), who)
    return job
