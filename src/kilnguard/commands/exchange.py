"""`kilnguard import …` and `kilnguard export …`: records in and out without Python.

- `import bundle PATH --user NAME [--dry-run]`: a whole workbook (.xlsx) or CSV directory, all
  or nothing; prints every problem, or a table of what is new, changed and unchanged per sheet;
- `export bundle PATH --user NAME`: everything the user may read (PATH ending .xlsx: a
  workbook; otherwise a directory of CSV files);
- `import template PATH`: an empty annotated workbook to fill in;
- `import KIND PATH` / `export KIND PATH` for production, shifts and work-orders: the single
  CSV files of docs (database ids as keys), unchanged.

Long runs draw a progress bar on stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kilnguard.commands import guarded
from kilnguard.commands._terminal import safe_text
from kilnguard.domain.errors import BatchValidationError
from kilnguard.services import bundle as bd
from kilnguard.services import uow as db
from kilnguard.services.auth import principal_for

CSV_KINDS = ("production", "shifts", "work-orders")
MAX_ERRORS_SHOWN = 200

import_app = typer.Typer(
    help="Import records: a whole bundle (every record kind), or one CSV file of production, "
    "shifts or work orders. Run `kilnguard import template PATH` for a workbook to fill in.",
    no_args_is_help=True,
)
export_app = typer.Typer(
    help="Export records: a whole bundle, or one CSV file of production, shifts or work orders.",
    no_args_is_help=True,
)

User = Annotated[str, typer.Option(help="Act as this user (their enterprises and role).")]


@contextmanager
def progress_bar() -> Iterator[Callable[[str, int, int], None]]:
    """A `progress(stage, done, total)` callback drawing a bar on stderr."""
    console = Console(stderr=True)
    bar = Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    task = bar.add_task("starting", total=1)

    def update(stage: str, done: int, total: int) -> None:
        bar.update(task, description=stage, completed=done, total=max(total, 1))

    with bar:
        yield update


def _summary(summary: dict[str, bd.SheetCounts]) -> None:
    table = Table("sheet", "new", "changed", "unchanged", title="bundle")
    for name, c in summary.items():
        table.add_row(name, f"{c.new:,}", f"{c.changed:,}", f"{c.unchanged:,}")
    Console().print(table)


def _errors(path: Path, exc: bd.BundleInvalid) -> typer.Exit:
    n = len(exc.errors)
    typer.secho(f"{path}: nothing imported — {n} problem(s):", err=True, fg="red")
    for e in exc.errors[:MAX_ERRORS_SHOWN]:
        typer.secho(f"  {safe_text(e)}", err=True)  # cell values are the file's text
    if n > MAX_ERRORS_SHOWN:
        typer.secho(f"  … and {n - MAX_ERRORS_SHOWN} more", err=True)
    return typer.Exit(1)


@import_app.command("bundle")
def import_bundle(
    path: Annotated[Path, typer.Argument(help="An .xlsx workbook or a directory of CSV files.")],
    user: User,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and show what would change; store nothing.")
    ] = False,
) -> None:
    """Import a bundle (.xlsx or CSV directory): all of it or nothing.

    Every problem is listed by sheet, row (the header is row 1), column, value and rule;
    otherwise a table shows what is new, changed and unchanged per sheet.
    """
    with guarded():
        try:
            bundle = bd.read_bundle(path)
            with db.unit_of_work() as session:
                who = principal_for(session, user)
            with progress_bar() as progress:
                # checked in a read transaction (web writes go on), then written in one write
                # transaction that holds SQLite's write lock for the writing only
                plan, result = bd.import_checked_first(
                    lambda write: db.unit_of_work(write=write),
                    who,
                    bundle,
                    progress=progress,
                    dry_run=dry_run,
                )
        except bd.BundleInvalid as exc:
            raise _errors(path, exc) from None
    _summary(plan.summary)
    if result is None:
        typer.echo(
            f"dry run: nothing stored; {plan.changes:,} of {plan.total_rows:,} rows would change"
        )
    else:
        typer.echo(result.message())


@import_app.command("template")
def import_template(
    path: Annotated[Path, typer.Argument(help="Where to write the empty workbook (.xlsx).")],
) -> None:
    """Write an empty annotated workbook to fill in.

    A README sheet, then every sheet's header row; each column carries a comment with its
    unit and rule. Delete the sheets you do not fill.
    """
    bd.write_template(path)
    typer.echo(f"wrote the bundle template to {path}")


@export_app.command("bundle")
def export_bundle(
    path: Annotated[Path, typer.Argument(help="PATH.xlsx for a workbook, else a directory.")],
    user: User,
) -> None:
    """Export everything the user may read as a bundle (natural keys, local times)."""
    with guarded(), progress_bar() as progress, db.unit_of_work() as session:
        who = principal_for(session, user)
        result = bd.export_bundle(session, who, path, progress=progress)
    table = Table("sheet", "rows", title="bundle")
    for name, n in result.rows.items():
        table.add_row(name, f"{n:,}")
    Console().print(table)
    typer.echo(f"exported {result.total:,} rows in {len(result.rows)} sheets to {path}")


def _import_csv(kind: str, path: Path, user: str) -> None:
    """Import a CSV file: all rows or none. Every bad row is reported (row, column, reason)."""
    from kilnguard.services import csvio

    with guarded():
        try:
            with db.unit_of_work() as session:
                who = csvio.principal_for(session, user)
                n = csvio.import_file(session, who, kind, path.read_text(encoding="utf-8-sig"))
        except BatchValidationError as exc:
            typer.secho(
                f"{path}: nothing imported — {len(exc.errors)} bad row(s):", err=True, fg="red"
            )
            for e in exc.errors:
                typer.secho(f"  row {e.row}, column {e.column}: {safe_text(e.reason)}", err=True)
            raise typer.Exit(1) from None
    typer.echo(f"imported {n} {kind} row(s) from {path}")


def _export_csv(kind: str, path: Path, user: str) -> None:
    """Export records as CSV, with the `source` column (recorded / reconstructed)."""
    from kilnguard.services import csvio

    with guarded(), db.unit_of_work() as session:
        who = csvio.principal_for(session, user)
        data, n = csvio.export_text(session, who, kind)
    if str(path) == "-":
        sys.stdout.write(data)
    else:
        path.write_text(data, encoding="utf-8")
        typer.echo(f"exported {n} {kind} row(s) to {path}")


CSV_COLUMNS = {
    "production": "kiln_id, day, shift_no, output_t, hours_fired[, note]",
    "shifts": "worker_id, start_at, end_at, kiln_id[, section_id, role] (ISO 8601 with offset)",
    "work-orders": "kiln_id, task, due_on[, done_on, safety_critical, findings]",
}


def _csv_commands(kind: str) -> None:
    def do_import(
        path: Annotated[Path, typer.Argument(help="CSV file with a header row.", exists=True)],
        user: User,
    ) -> None:
        _import_csv(kind, path, user)

    def do_export(
        path: Annotated[Path, typer.Argument(help="Where to write the CSV ('-' for stdout).")],
        user: User,
    ) -> None:
        _export_csv(kind, path, user)

    do_import.__doc__ = (
        f"Import a {kind} CSV file: all rows or none; every bad row is reported. "
        f"Columns: {CSV_COLUMNS[kind]}."
    )
    do_export.__doc__ = f"Export {kind} as CSV, with the `source` column."
    import_app.command(kind)(do_import)
    export_app.command(kind)(do_export)


for _kind in CSV_KINDS:
    _csv_commands(_kind)


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
    app.add_typer(export_app, name="export")
