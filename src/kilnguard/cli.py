"""The `kilnguard` command: a thin shell over the same services the API and web UI use.

Every command that writes runs in one unit of work (all or nothing) and prints errors as plain
sentences, without a traceback. Run `kilnguard COMMAND --help` for each command's options.
"""

from __future__ import annotations

import time
from typing import Annotated

import typer

from kilnguard.commands import fail, guarded
from kilnguard.config import database_url, web_settings
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
tokens_app = typer.Typer(help="API tokens: list them, revoke one.")
audit_app = typer.Typer(help="The hash-chained audit log.")
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
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
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Server processes (PostgreSQL: several use the cores; SQLite writes one at a "
            "time whatever the number).",
        ),
    ] = 1,
) -> None:
    """Serve the web UI and the REST API (OpenAPI docs at /docs)."""
    import uvicorn

    settings = web_settings()
    host = host or settings.host
    port = port or settings.port
    db.upgrade()
    typer.echo(
        f"kilnguard is serving on http://{host}:{port}/  (API docs: http://{host}:{port}/docs)"
    )
    # background jobs (services.scheduler) on unless KILNGUARD_SCHEDULER=off
    uvicorn.run(
        "kilnguard.api.served:app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )


# ---------------------------------------------------------------------------------- users
PASSWORD_RULES = (
    "at least 12 characters (a passphrase of a few words is easiest), not a common password, "
    "not containing the user name"
)
_PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help=f"Read the password from the first line of standard input. Rules: {PASSWORD_RULES}.",
    ),
]
_RefusedPassword = Annotated[
    str | None,
    typer.Option("--password", hidden=True, help="Refused: see --password-stdin."),
]


def _read_password(from_stdin: bool, given: str | None, prompt: str = "Password") -> str:
    """The password from a hidden prompt (typed twice) or stdin's first line. A password on
    the command line is refused: it would show in the process list and the shell history."""
    import sys

    if given is not None:
        raise fail(
            "--password is not accepted: a password on the command line shows in the process "
            "list and the shell history. Type it at the prompt, or pipe it with --password-stdin"
        )
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))


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
    password_stdin: _PasswordStdin = False,
    password: _RefusedPassword = None,
    enterprise: Annotated[
        list[str], typer.Option(help="Enterprise name (repeat for several).")
    ] = [],  # noqa: B006
    region: Annotated[str, typer.Option(help="Region name (regulators).")] = "",
    display_name: Annotated[str, typer.Option(help="Name shown in the UI.")] = "",
) -> None:
    """Add a login with a role, bound to enterprises (or, for a regulator, a region).

    The password is typed at a prompt (twice), or read from standard input with
    --password-stdin (e.g. `printf '%s\\n' "$PW" | kilnguard users add …`); never an argument."""
    from kilnguard.services import auth
    from kilnguard.services.access import SYSTEM

    secret = _read_password(password_stdin, password)
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
            password=secret,
            role=role,
            display_name=display_name,
            enterprise_ids=ids,
            region_id=region_id,
        )
        typer.echo(f"added {user.username} ({user.role})")


_Login = Annotated[str, typer.Argument(help="The login name.")]
_ActAs = Annotated[
    str,
    typer.Option("--user", help="Act as this administrator's login (default: the system)."),
]


@users_app.command("edit")
def users_edit(
    username: _Login,
    display_name: Annotated[str | None, typer.Option(help="Name shown in the UI.")] = None,
    role: Annotated[
        str | None,
        typer.Option(help="New role (see `kilnguard users roles`)."),
    ] = None,
    enterprise: Annotated[
        list[str] | None,
        typer.Option(help="Enterprise name; repeat for several. Replaces their enterprises."),
    ] = None,
    region: Annotated[
        str | None, typer.Option(help='Region name (regulators); "" removes it.')
    ] = None,
    user: _ActAs = "",
) -> None:
    """Change a login's display name, role, enterprises or region.

    Example:  kilnguard users edit night-supervisor --role manager
    --enterprise "Komusan Cement Factory"
    """
    from kilnguard.commands import who_of
    from kilnguard.services import auth

    with guarded(), db.unit_of_work() as session:
        who = who_of(session, user)
        changes = auth.memberships_named(session, enterprises=enterprise or None, region=region)
        if display_name is not None:
            changes["display_name"] = display_name
        if role is not None:
            changes["role"] = role
        if not changes:
            raise fail("nothing to change: give --display-name, --role, --enterprise or --region")
        edited = auth.edit_user(session, who, auth.user_id_named(session, who, username), changes)
        typer.echo(f"updated {edited.username}: {', '.join(sorted(changes))}")


@users_app.command("retire")
def users_retire(username: _Login, user: _ActAs = "") -> None:
    """Deactivate a login: it can no longer log in and its sessions and API tokens are
    revoked; its history and audit entries stay. `kilnguard users reactivate` undoes it."""
    from kilnguard.commands import who_of
    from kilnguard.services import auth

    with guarded(), db.unit_of_work() as session:
        who = who_of(session, user)
        auth.retire_user(session, who, auth.user_id_named(session, who, username))
    typer.echo(f"retired {username}: the login no longer works")


@users_app.command("reactivate")
def users_reactivate(username: _Login, user: _ActAs = "") -> None:
    """Let a retired login log in again."""
    from kilnguard.commands import who_of
    from kilnguard.services import auth

    with guarded(), db.unit_of_work() as session:
        who = who_of(session, user)
        auth.reactivate_user(session, who, auth.user_id_named(session, who, username))
    typer.echo(f"reactivated {username}")


@users_app.command("password")
def users_password(
    username: _Login,
    password_stdin: _PasswordStdin = False,
    password: _RefusedPassword = None,
    user: _ActAs = "",
) -> None:
    """Reset a login's password (typed at a prompt, or --password-stdin); its sessions and
    API tokens are revoked."""
    from kilnguard.commands import who_of
    from kilnguard.services import auth

    secret = _read_password(password_stdin, password, prompt="New password")
    with guarded(), db.unit_of_work() as session:
        who = who_of(session, user)
        auth.reset_password(session, who, auth.user_id_named(session, who, username), secret)
    typer.echo(f"password of {username} reset; their sessions and tokens are revoked")


@users_app.command("list")
def users_list(
    state: Annotated[
        str, typer.Option("--state", help="active (default), inactive or all.")
    ] = "active",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    user: _ActAs = "",
) -> None:
    """List logins with their role, enterprises or region, and whether they are active."""
    import json

    from kilnguard.commands import who_of
    from kilnguard.services import auth

    with guarded(), db.unit_of_work() as session:
        rows = auth.list_users(session, who_of(session, user), active=state)
    if as_json:
        typer.echo(json.dumps({"users": rows}, indent=2))
        return
    for r in rows:
        where = ", ".join(r["enterprises"]) or (f"region {r['region']}" if r["region"] else "-")
        flag = "" if r["active"] else "  [retired]"
        typer.echo(f"{r['username']:<20} {r['role']:<15} {r['display_name']:<24} {where}{flag}")


@users_app.command("roles")
def users_roles(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The roles a login may hold and what each may create or change."""
    import json

    from kilnguard.services import auth

    rows = auth.role_rights()
    if as_json:
        typer.echo(json.dumps({"roles": rows}, indent=2))
        return
    for r in rows:
        typer.echo(f"{r['role']:<16} {', '.join(r['may_change']).replace('_', ' ') or '-'}")


# --------------------------------------------------------------------------------- tokens
@tokens_app.command("list")
def tokens_list(
    login: Annotated[str, typer.Option("--login", help="Only this login's tokens.")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    user: _ActAs = "",
) -> None:
    """List API tokens, newest first, with when each expires (never their secrets).

    As the system or an administrator: every login's tokens (--login narrows to one);
    as any other --user: their own."""
    import json

    from kilnguard.clock import SYSTEM_CLOCK
    from kilnguard.commands import who_of
    from kilnguard.services import access, credentials

    with guarded(), db.unit_of_work() as session:
        who = who_of(session, user)
        everyone = "*" if access.may(who, "user") else None
        rows = credentials.list_tokens(
            session, who, username=login or everyone, now=SYSTEM_CLOCK.now()
        )
    if as_json:
        typer.echo(json.dumps({"tokens": rows}, indent=2, default=str))
        return
    for r in rows:
        ends = f"{r['expires_at']:%Y-%m-%d %H:%M} UTC" if r["expires_at"] else "never"
        flag = "  [expired]" if r["expired"] else ""
        typer.echo(f"{r['id']:>6}  {r['username']:<20} {r['name']:<24} expires {ends}{flag}")


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (`kilnguard tokens list`).")],
    user: _ActAs = "",
) -> None:
    """Revoke an API token at once; the revocation is audited on its login."""
    from kilnguard.commands import who_of
    from kilnguard.services import credentials

    with guarded(), db.unit_of_work(write=True) as session:
        gone = credentials.revoke_token(session, who_of(session, user), token_id)
    typer.echo(f"revoked token {token_id} ({gone['name']}) of {gone['username']}")


# ---------------------------------------------------------------------------------- audit
@audit_app.command("verify")
def audit_verify(
    anchor: Annotated[
        str | None,
        typer.Option(
            "--anchor",
            metavar="FILE",
            help="An anchor written earlier by `kilnguard audit anchor`: also fail if the log "
            "was cut or rewritten since.",
        ),
    ] = None,
) -> None:
    """Recompute the audit chain; exit 1 naming the first broken entry on any tampering.

    Catches rows edited, deleted or reordered behind the application's back, and a head that is
    missing or does not match the log. With KILNGUARD_AUDIT_KEY set, the keyed part of the chain is checked with it; a keyed
    chain checked without its key exits 2 (order and links only, never "intact")."""
    from pathlib import Path

    from kilnguard.services.audit import Anchor, verify

    mark = None
    if anchor is not None:
        try:
            mark = Anchor.from_json(Path(anchor).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise fail(f"cannot use the anchor {anchor}: {exc}") from None
    with guarded(), db.unit_of_work() as session:
        report = verify(session, anchor=mark)
    if report.status == "unchecked":
        raise fail(f"AUDIT LOG NOT VERIFIED: {report.problem}", code=2)
    if not report.ok:
        raise fail(f"AUDIT LOG BROKEN at entry {report.first_broken_seq}: {report.problem}")
    keyed = f", keyed from entry {report.keyed_from}" if report.keyed_from else ""
    since = f"; entry {mark.seq} of the anchor is unchanged" if mark is not None else ""
    typer.echo(f"audit log intact: {report.entries_checked} entries verified{keyed}{since}")


@audit_app.command("anchor")
def audit_anchor(
    file: Annotated[
        str | None,
        typer.Option(
            "--file", metavar="PATH", help="Write the anchor here (JSON) instead of printing it."
        ),
    ] = None,
) -> None:
    """Print (or write) the chain's last entry as a JSON anchor to keep outside the database.

    The anchor holds the last entry's seq, hash and the time. Record it elsewhere (print it, mail
    it, commit it) and later run `kilnguard audit verify --anchor FILE` to prove nothing was cut
    or rewritten since. Refuses (exit 1) when the chain does not verify now."""
    from pathlib import Path

    from kilnguard.services.audit import take_anchor, verify

    with guarded(), db.unit_of_work() as session:
        report = verify(session)
        if report.status == "broken":
            raise fail(
                f"AUDIT LOG BROKEN at entry {report.first_broken_seq}: {report.problem} — "
                "no anchor written"
            )
        mark = take_anchor(session)
    if report.status == "unchecked":
        typer.secho(f"warning: {report.problem}", err=True, fg=typer.colors.YELLOW)
    if file is None:
        typer.echo(mark.to_json())
        return
    try:
        Path(file).write_text(mark.to_json() + "\n", encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write the anchor to {file}: {exc.strerror or exc}") from None
    typer.echo(f"anchor written to {file}: entry {mark.seq}, hash {mark.hash}")


# --------------------------------------------------------------------------- CSV in/out
# `kilnguard import …` and `kilnguard export …` (a whole bundle, the template, and the single
# CSV files of production, shifts and work orders) are the groups of commands/exchange.py.


def _register_feature_commands() -> None:
    """Feature modules (risk, planning, change control, investigations) add their commands."""
    from kilnguard import commands

    commands.register(app)


_register_feature_commands()


def main() -> None:
    app()
