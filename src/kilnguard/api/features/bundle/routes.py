"""REST routes for bundle imports under /api/v1/bundle/imports: upload (the check starts in the
background), the job with every error or the summary per sheet, its progress, and the commit.

The same jobs back the upload page; a job is its uploader's own (anyone else gets 404).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from kilnguard.api.deps import Who
from kilnguard.api.features.bundle import jobs, upload
from kilnguard.api.features.bundle.schemas import ImportJobOut, ProgressOut, job_out, progress_of
from kilnguard.api.shell import Routes

router = APIRouter(prefix="/api/v1")
api = Routes(router, "bundle")

UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "An .xlsx workbook (one sheet per record kind) or a "
                            f".zip of CSV files, at most {jobs.MAX_UPLOAD_BYTES // jobs.MB} MB",
                        }
                    },
                }
            }
        },
    }
}


@api.post(
    "/bundle/imports",
    ImportJobOut,
    "Upload a bundle: it is checked in the background; nothing is stored yet",
    status_code=202,
    openapi_extra=UPLOAD_BODY,
    responses={413: {"description": "The file is over the size limit"}},
)
async def api_upload(request: Request, who: Who) -> Any:
    try:
        return job_out(await upload.receive(request, who))
    except jobs.TooLarge as exc:
        return JSONResponse({"error": "TooLarge", "detail": exc.message}, status_code=413)


@api.get(
    "/bundle/imports/{job_id}",
    ImportJobOut,
    "An uploaded bundle: every error (sheet, row, column, value, rule) or what changes",
)
def api_job(request: Request, who: Who, job_id: str) -> Any:
    return job_out(upload.store_of(request).get(who, job_id))


@api.get(
    "/bundle/imports/{job_id}/progress",
    ProgressOut,
    "How far the check or the import has come (polled by the upload page)",
)
def api_progress(request: Request, who: Who, job_id: str) -> Any:
    return progress_of(upload.store_of(request).get(who, job_id))


@api.post(
    "/bundle/imports/{job_id}/commit",
    ImportJobOut,
    "Import a checked bundle without errors, in one transaction (in the background)",
    status_code=202,
)
def api_commit(request: Request, who: Who, job_id: str) -> Any:
    return job_out(upload.commit(request, who, job_id))
