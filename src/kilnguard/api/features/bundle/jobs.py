"""Bundle imports as background jobs: the upload is kept in a scratch file, checked (planned)
in a thread with its own unit of work, shown, then committed in another thread; the page polls
the job's progress.

A job belongs to the user who uploaded it (anyone else gets the same 404 as for a missing job),
lives in this server process only, and is forgotten (its scratch file deleted) `JOB_TTL_S`
after its last step. Jobs run one at a time: two imports at once would only fight over the
same rows (and SQLite's single writer).
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from kilnguard.clock import Clock
from kilnguard.domain.errors import Conflict, KilnguardError, NotFound, ValidationError
from kilnguard.services import bundle as bsvc
from kilnguard.services.access import Principal
from kilnguard.services.uow import unit_of_work

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES: int = bsvc.MAX_BUNDLE_BYTES
"""The largest upload accepted (the bundle's own limit, 200 MB); larger files are refused
before they are read to the end."""
MB = 1024 * 1024
JOB_TTL_S = 2 * 3600
"""How long a finished job (and its scratch file) is kept after its last step."""
SUFFIXES = (".xlsx", ".zip", ".csv")
RUNNING = ("waiting", "checking", "committing")


@dataclass
class Job:
    """One uploaded bundle on its way from upload through check to commit."""

    id: str
    user_id: int
    filename: str
    size_bytes: int
    sha256: str
    path: Path
    state: str = "waiting"
    """waiting, checking, invalid (errors found), planned (ready to commit), committing,
    committed, failed (the file could not be read, or an unexpected error)."""
    stage: str = ""
    done: int = 0
    total: int = 0
    message: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, dict[str, int]] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)
    touched: float = field(default_factory=time.monotonic)

    @property
    def running(self) -> bool:
        return self.state in RUNNING

    @property
    def unchanged(self) -> bool:
        """True when the checked bundle would change nothing at all."""
        return bool(self.summary) and not any(
            c["new"] or c["changed"] for c in self.summary.values()
        )

    def progress(self, stage: str, done: int, total: int) -> None:
        self.stage, self.done, self.total = stage, done, total
        self.touched = time.monotonic()

    def fraction(self) -> float:
        return self.done / self.total if self.total > 0 else 0.0


class TooLarge(KilnguardError):
    """The upload is over `MAX_UPLOAD_BYTES`."""


def too_large(size: int | None = None) -> TooLarge:
    got = f" (this one has {size / MB:.0f} MB)" if size is not None else ""
    return TooLarge(
        f"the file is too large{got}: a bundle may have at most {MAX_UPLOAD_BYTES // MB} MB; "
        "split it (e.g. one workbook per year of production and shifts) and import the parts"
    )


def _error_row(e: Any) -> dict[str, Any]:
    return {
        "sheet": str(getattr(e, "sheet", "")),
        "row": getattr(e, "row", None),
        "column": str(getattr(e, "column", "") or ""),
        "value": "" if getattr(e, "value", None) is None else str(e.value),
        "rule": str(getattr(e, "rule", "") or getattr(e, "reason", "") or e),
    }


def _counts(c: Any) -> dict[str, int]:
    return {"new": int(c.new), "changed": int(c.changed), "unchanged": int(c.unchanged)}


def _result(result: bsvc.ImportResult) -> dict[str, Any]:
    """An import's result as plain values (the page and the JSON show the same)."""
    return {
        "message": result.message(),
        "new": result.new,
        "changed": result.changed,
        "unchanged": result.unchanged,
        "audit_entries": result.audit_entries,
        "id_ranges": {k: [list(r) for r in v] for k, v in result.id_ranges.items()},
    }


class JobStore:
    """The jobs of one app (`app.state.bundle_jobs`), and the one lock imports run under."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self.guard = threading.Lock()
        self.run_lock = threading.Lock()

    def new(self, who: Principal, filename: str, scratch: Path, size: int, sha256: str) -> Job:
        self.expire()
        job = Job(uuid.uuid4().hex, who.user_id, filename, size, sha256, scratch)
        with self.guard:
            self._jobs[job.id] = job
        return job

    def get(self, who: Principal, job_id: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None or job.user_id != who.user_id:
            raise NotFound("import", job_id)
        return job

    def of_user(self, who: Principal) -> list[Job]:
        jobs = [j for j in list(self._jobs.values()) if j.user_id == who.user_id]
        return sorted(jobs, key=lambda j: j.touched, reverse=True)

    def expire(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self.guard:
            old = [j for j in self._jobs.values() if not j.running and now - j.touched > JOB_TTL_S]
            for j in old:
                del self._jobs[j.id]
        for j in old:
            forget_file(j)


def forget_file(job: Job) -> None:
    shutil.rmtree(job.path.parent, ignore_errors=True)


def safe_name(filename: str) -> str:
    """The upload's own file name (a CSV file's name is its sheet's), kept to safe characters."""
    name = Path(filename.replace("\\", "/")).name
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(name).stem).strip("._") or "upload"
    return stem[:100] + Path(name).suffix.lower()


def spool(chunks: Any, filename: str) -> tuple[Path, int, str]:
    """Copy an upload (an iterable of byte chunks) to a scratch file, refusing it once it is
    over the limit; returns the file, its size and SHA-256."""
    folder = Path(tempfile.mkdtemp(prefix="kilnguard-bundle-"))
    path = folder / safe_name(filename)
    digest, size = hashlib.sha256(), 0
    try:
        with path.open("wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > MAX_UPLOAD_BYTES:
                    raise too_large(size)
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return path, size, digest.hexdigest()


def unpacked(path: Path) -> Path:
    """The bundle to read: the file itself, or for a zip the folder of its CSV files (unpacked
    beside it; a member's folders are dropped, its size is bounded like the bundle's)."""
    if path.suffix.lower() != ".zip":
        return path
    folder = path.parent / "csv"
    folder.mkdir(exist_ok=True)
    try:
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.infolist() if m.filename.lower().endswith(".csv")]
            members = [m for m in members if not Path(m.filename).name.startswith(".")]
            if sum(m.file_size for m in members) > MAX_UPLOAD_BYTES:
                raise too_large(sum(m.file_size for m in members))
            for m in members:
                name = Path(m.filename).name
                with zf.open(m) as src, (folder / name).open("wb") as out:
                    shutil.copyfileobj(src, out, 1 << 20)
    except zipfile.BadZipFile:
        raise ValidationError("file", path.name, "is not a readable zip file") from None
    if not members:
        raise ValidationError("file", path.name, "holds no <sheet>.csv file")
    return folder


def _run(job: Job, store: JobStore, work: Callable[[], None]) -> None:
    """Run one step of a job under the store's lock, turning every failure into a message."""
    with store.run_lock:
        try:
            work()
        except KilnguardError as exc:
            errors = getattr(exc, "errors", None)
            if errors:
                job.errors = [_error_row(e) for e in errors]
                job.state, job.message = "invalid", exc.message.splitlines()[0]
            else:
                job.state, job.message = "failed", exc.message
        except Exception:
            log.exception("bundle import %s failed", job.id)
            job.state = "failed"
            job.message = "the import stopped on an unexpected error (see the server log)"
        finally:
            job.touched = time.monotonic()


def start_check(job: Job, store: JobStore, engine: Engine, clock: Clock, who: Principal) -> None:
    """Check the bundle in the background: read it, validate every row, diff against the
    database; nothing is written."""

    job.progress("waiting for another import to finish", 0, 1)

    def work() -> None:
        job.state = "checking"
        job.progress("reading the file", 0, 1)
        bundle = bsvc.read_bundle(unpacked(job.path))
        job.progress("reading the file", 1, 1)
        with unit_of_work(engine, clock=clock) as session:
            plan = bsvc.plan_import(session, who, bundle, progress=job.progress)
            session.rollback()  # planning writes nothing; make sure of it
        job.errors = [_error_row(e) for e in plan.errors]
        job.summary = {str(k): _counts(v) for k, v in plan.summary.items()}
        job.state = "invalid" if job.errors else "planned"
        if job.errors:
            job.message = (
                f"{len(job.errors)} error(s); nothing can be imported until they are fixed"
            )

    threading.Thread(target=_run, args=(job, store, work), daemon=True).start()


def start_commit(job: Job, store: JobStore, engine: Engine, clock: Clock, who: Principal) -> None:
    """Import the checked bundle in one transaction (checked again against the database as it
    is now: it may have changed since the preview)."""
    with store.guard:
        if job.state != "planned":
            raise Conflict(
                f"this import is {job.state}: only a checked bundle without errors can be imported"
            )
        job.state = "committing"
    job.progress("waiting for another import to finish", 0, 1)

    def work() -> None:
        try:
            job.progress("reading the file", 0, 1)
            bundle = bsvc.read_bundle(unpacked(job.path))
            _, imported = bsvc.import_checked_first(
                lambda write: unit_of_work(engine, clock=clock, write=write),
                who,
                bundle,
                progress=job.progress,
            )
            assert imported is not None  # not a dry run
            result = imported
            job.result = _result(result)
            job.summary = {str(k): _counts(v) for k, v in result.summary.items()}
            job.state = "committed"
        finally:
            forget_file(job)

    threading.Thread(target=_run, args=(job, store, work), daemon=True).start()
