"""The `kilnguard` command: a thin shell over the same services the API and web UI use.

Every command that writes runs in one unit of work (all or nothing) and prints errors as plain
sentences, without a traceback. Run `kilnguard COMMAND --help` for each command's options.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from kilnguard.commands import fail, guarded
from kilnguard.config import database_url, web_settings
from kilnguard.domain.errors import BatchValidationError
from kilnguard.services import uow as db
from kilnguard.services.database import reset_database

app = typer.Typer(
    help=(
        "kilnguard — process safety for kiln plants.\n\n"
        "Keeps kiln, production, maintenance, shift and incident records; turns them into "
        "explainable risk per kiln; plans production that is safe; drives investigations.\n\n"
        "The database is KILNGUARD_DATABASE_URL (default: kilnguard.db in the working "
        "directory; a postgresql:// URL for multi-site servers).\n\n"
        "Start here:  kilnguard demo        build the demo region and serve it on "
        "http://127.0.0.1:8000"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema: create or upgrade to the newest version.")
users_app = typer.Typer(help="Logins and roles.")
audit_app = typer.Typer(help="The hash-chained audit log.")
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")


# ------------------------------------------------------------------------------ database
@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the schema, or migrate it to the newest version (safe to repeat)."""
    db.upgrade()
    typer.echo(f"database is at the newest schema: {_safe_url(database_url())}")


def _safe_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


@app.command()
def demo(
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Build the demo database, then exit.")
    ] = False,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 0,
) -> None:
    """Rebuild the demo region (Komusan, Chongjin, and a healthy control plant) and serve it.

    The database at KILNGUARD_DATABASE_URL (or ./kilnguard.db) is wiped and rebuilt: the
    founding accidents' reconstructed records are labelled "reconstructed" everywhere.
    """
    from kilnguard.scenarios import load_extensions
    from kilnguard.scenarios.demo import DEMO_PASSWORD, build_demo

    url = database_url()
    t0 = time.perf_counter()
    typer.echo(f"Building the demo region in {_safe_url(url)} …")
    reset_database(url)
    db.upgrade(url)
    load_extensions()
    with db.unit_of_work() as session:
        plants = build_demo(session)
    typer.echo(f"Demo built in {time.perf_counter() - t0:.1f} s.")
    typer.echo("")
    typer.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, role, where in plants.users:
        typer.echo(f"  {username:<18} {role:<15} {where}")
    if no_serve:
        return
    serve(host=host, port=port)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address (default 127.0.0.1).")] = "",
    port: Annotated[int, typer.Option(help="Port (default 8000).")] = 0,
) -> None:
    """Serve the web UI and the REST API (OpenAPI docs at /docs)."""
    import uvicorn

    from kilnguard.api.app import create_app

    settings = web_settings()
    host = host or settings.host
    port = port or settings.port
    db.upgrade()
    typer.echo(
        f"kilnguard is serving on http://{host}:{port}/  (API docs: http://{host}:{port}/docs)"
    )
    uvicorn.run(create_app(), host=host, port=port, log_level="warning")


# ---------------------------------------------------------------------------------- users
@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[
        str,
        typer.Option(
            help="operator, technician, maintenance, safety_officer, manager, investigator, "
            "regulator or admin."
        ),
    ],
    password: Annotated[
        str,
        typer.Option(
            prompt=True, hide_input=True, confirmation_prompt=True, help="≥ 8 characters."
        ),
    ],
    enterprise: Annotated[
        list[str], typer.Option(help="Enterprise name (repeat for several).")
    ] = [],  # noqa: B006
    region: Annotated[str, typer.Option(help="Region name (regulators).")] = "",
    display_name: Annotated[str, typer.Option(help="Name shown in the UI.")] = "",
) -> None:
    """Add a login with a role, bound to enterprises (or, for a regulator, a region)."""
    from kilnguard.services import auth
    from kilnguard.services.access import SYSTEM

    with guarded(), db.unit_of_work() as session:
        ids = []
        for name in enterprise:
            eid = auth.enterprise_id_named(session, name)
            if eid is None:
                raise fail(f"enterprise: no enterprise named {name!r}")
            ids.append(eid)
        region_id = None
        if region:
            region_id = auth.region_id_named(session, region)
            if region_id is None:
                raise fail(f"region: no region named {region!r}")
        user = auth.create_user(
            session,
            SYSTEM,
            username=username,
            password=password,
            role=role,
            display_name=display_name,
            enterprise_ids=ids,
            region_id=region_id,
        )
        typer.echo(f"added {user.username} ({user.role})")


# ---------------------------------------------------------------------------------- audit
@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the audit chain; exit 1 and name the first broken entry if any row was
    edited or deleted behind the application's back."""
    from kilnguard.services.audit import verify

    with db.unit_of_work() as session:
        report = verify(session)
    if report.ok:
        typer.echo(f"audit log intact: {report.entries_checked} entries verified")
        return
    raise fail(f"AUDIT LOG BROKEN at entry {report.first_broken_seq}: {report.problem}")


# --------------------------------------------------------------------------- CSV in/out
CSV_KINDS = ("production", "shifts", "work-orders")


@app.command("import")
def import_csv(
    kind: Annotated[str, typer.Argument(help="production, shifts or work-orders.")],
    path: Annotated[Path, typer.Argument(help="CSV file with a header row.", exists=True)],
    user: Annotated[str, typer.Option(help="Import as this user (their enterprises and role).")],
) -> None:
    """Import a CSV file: all rows or none. Every bad row is reported (row, column, reason).

    Columns — production: kiln_id, day, shift_no, output_t, hours_fired[, note];
    shifts: worker_id, start_at, end_at, kiln_id[, section_id, role] (ISO 8601 with offset);
    work-orders: kiln_id, task, due_on[, done_on, safety_critical, findings].
    """
    from kilnguard.services import csvio

    if kind not in CSV_KINDS:
        raise fail(f"kind: {kind!r} is not one of {', '.join(CSV_KINDS)}")
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
                typer.secho(f"  row {e.row}, column {e.column}: {e.reason}", err=True)
            raise typer.Exit(1) from None
    typer.echo(f"imported {n} {kind} row(s) from {path}")


@app.command("export")
def export_csv(
    kind: Annotated[str, typer.Argument(help="production, shifts or work-orders.")],
    path: Annotated[Path, typer.Argument(help="Where to write the CSV ('-' for stdout).")],
    user: Annotated[str, typer.Option(help="Export what this user may see.")],
) -> None:
    """Export records as CSV, with the `source` column (recorded / reconstructed)."""
    from kilnguard.services import csvio

    if kind not in CSV_KINDS:
        raise fail(f"kind: {kind!r} is not one of {', '.join(CSV_KINDS)}")
    with guarded(), db.unit_of_work() as session:
        who = csvio.principal_for(session, user)
        data, n = csvio.export_text(session, who, kind)
    if str(path) == "-":
        sys.stdout.write(data)
    else:
        path.write_text(data, encoding="utf-8")
        typer.echo(f"exported {n} {kind} row(s) to {path}")


def _register_feature_commands() -> None:
    """Feature modules (risk, planning, change control, investigations) add their commands."""
    from kilnguard import commands

    commands.register(app)


_register_feature_commands()


def main() -> None:
    app()
