"""`kilnguard backup PATH` and `kilnguard restore PATH`: the whole database to one file and
back, verified by the audit chain after a restore."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kilnguard.commands import fail, guarded
from kilnguard.config import database_url
from kilnguard.services import backup as bk
from kilnguard.services import uow as db
from kilnguard.services.audit import verify


def backup(
    path: Annotated[Path, typer.Argument(help="The file to write (must not exist).")],
) -> None:
    """Copy the database (KILNGUARD_DATABASE_URL) to PATH while it keeps serving.

    SQLite: the online backup API (a consistent copy). PostgreSQL: pg_dump, custom format."""
    with guarded():
        bk.backup(database_url(), path)
    typer.echo(f"backup written to {path} ({path.stat().st_size} bytes)")


def restore(
    path: Annotated[Path, typer.Argument(help="A file written by `kilnguard backup`.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask: replace the database.")] = False,
) -> None:
    """Replace the database (KILNGUARD_DATABASE_URL) with the backup at PATH, then verify the
    audit chain. Stop the servers and workers first. Exit 1 when the chain is not intact."""
    if not yes:
        typer.confirm(f"Replace everything stored in the database with {path}?", abort=True)
    with guarded():
        bk.restore(database_url(), path)
        db.upgrade()
        with db.unit_of_work() as session:
            report = verify(session)
    if report.status == "unchecked":
        raise fail(f"restored; AUDIT LOG NOT VERIFIED: {report.problem}", code=2)
    if not report.ok:
        raise fail(f"restored, but the AUDIT LOG is NOT intact: {report.problem}")
    typer.echo(f"restored from {path}; audit log intact: {report.entries_checked} entries verified")


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
