"""The bundle pages: upload a workbook (or a zip of CSV files), watch it being checked, see every
error or what will change per sheet, commit; download the empty template and an export of what
the user may see. The "Import / export" navigation entry is in `base.html`.

The check and the import run in the background (`jobs`); the job page polls the JSON progress
route (`/api/v1/bundle/imports/{id}/progress`) with a few lines of local script and reloads when
the step is over. Forms post like every other form of the site (session cookie, SameSite=Strict).
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from kilnguard.api.deps import Who, uow
from kilnguard.api.features.bundle import jobs, upload
from kilnguard.api.shell import render_at
from kilnguard.domain.errors import KilnguardError
from kilnguard.services import bundle as bsvc
from kilnguard.services.access import Principal
from kilnguard.services.csvio import spreadsheet_safe
from kilnguard.web.pages import render

router = APIRouter(include_in_schema=False)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Errors listed on the page; every error is in the CSV download and the JSON.
SHOWN_ERRORS = 500


def _index(request: Request, who: Principal, error: str = "", status: int = 200) -> HTMLResponse:
    return render_at(
        request,
        "bundle/index.html",
        who,
        status,
        error=error,
        jobs=upload.store_of(request).of_user(who)[:10],
        max_mb=jobs.MAX_UPLOAD_BYTES // jobs.MB,
        max_bytes=jobs.MAX_UPLOAD_BYTES,
    )


@router.get("/bundle", response_class=HTMLResponse)
def index(request: Request, who: Who) -> HTMLResponse:
    return _index(request, who)


@router.post("/bundle", response_model=None)
async def post_upload(request: Request, who: Who) -> Response:
    try:
        job = await upload.receive(request, who)
    except jobs.TooLarge as exc:
        return _index(request, who, exc.message, 413)
    except KilnguardError as exc:
        return _index(request, who, exc.message, 422)
    return RedirectResponse(f"/bundle/imports/{job.id}", status_code=303)


@router.get("/bundle/imports/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, who: Who, job_id: str) -> HTMLResponse:
    job = upload.store_of(request).get(who, job_id)
    return render(request, "bundle/job.html", who, job=job, shown=SHOWN_ERRORS)


@router.post("/bundle/imports/{job_id}/commit", response_model=None)
def post_commit(request: Request, who: Who, job_id: str) -> Response:
    try:
        upload.commit(request, who, job_id)
    except KilnguardError as exc:
        job = upload.store_of(request).get(who, job_id)
        return render_at(
            request, "bundle/job.html", who, 409, job=job, shown=SHOWN_ERRORS, error=exc.message
        )
    return RedirectResponse(f"/bundle/imports/{job_id}", status_code=303)


@router.get("/bundle/imports/{job_id}/errors.csv", response_class=Response)
def errors_csv(request: Request, who: Who, job_id: str) -> Response:
    job = upload.store_of(request).get(who, job_id)
    out = io.StringIO()
    writer = csv.DictWriter(out, ["sheet", "row", "column", "value", "rule"])
    writer.writeheader()
    writer.writerows({k: spreadsheet_safe(v) for k, v in e.items()} for e in job.errors)
    name = Path(jobs.safe_name(job.filename)).stem + "-errors.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _download(folder: Path, name: str) -> FileResponse:
    return FileResponse(
        folder / name,
        media_type=XLSX,
        filename=name,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get("/bundle/template.xlsx", response_class=FileResponse)
def template(who: Who) -> FileResponse:
    folder = Path(tempfile.mkdtemp(prefix="kilnguard-template-"))
    bsvc.write_template(folder / "kilnguard-template.xlsx")
    return _download(folder, "kilnguard-template.xlsx")


@router.get("/bundle/export.xlsx", response_class=FileResponse)
def export(request: Request, who: Who) -> FileResponse:
    folder = Path(tempfile.mkdtemp(prefix="kilnguard-export-"))
    try:
        with uow(request) as session:
            bsvc.export_bundle(session, who, folder / "kilnguard-export.xlsx")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return _download(folder, "kilnguard-export.xlsx")
