"""`kilnguard records …`: correct or void a stored record with a reason, and read its history
(issue 16 point 2), as the kiln page and `PATCH /api/v1/<kind>/<id>` do.

A record is named by its kind (production, shifts, work-orders, maintenance-plans,
planned-stops, targets, incidents) and its id (the REST API, the kiln page's History link and
`--json` lists show it). Values are typed as on the kiln page: `--set output_t=56,4` (a lone
decimal comma is read as one), a time without an offset in plant time. Every act runs in one
unit of work, as `--user NAME` (that login's role and enterprises) or the system, and is kept
in the audit log with the reason and the values before and after.
"""

import json
from typing import Annotated, Any

import typer

from kilnguard.commands import fail, guarded, who_of
from kilnguard.services import records as svc
from kilnguard.services import uow as db
from kilnguard.services.records import corrections

UserOpt = Annotated[
    str,
    typer.Option("--user", help="Act as this login (its role and enterprises); default: system."),
]
KindArg = Annotated[
    str,
    typer.Argument(
        help="production, shifts, work-orders, maintenance-plans, planned-stops, targets or "
        "incidents"
    ),
]
IdArg = Annotated[int, typer.Argument(help="The record's id (REST API, kiln page History).")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (kept in the audit log).")]


def _changes(pairs: list[str]) -> dict[str, str]:
    """`field=value` options as a mapping; a malformed one is refused naming it."""
    out: dict[str, str] = {}
    for pair in pairs:
        field, sep, value = pair.partition("=")
        if not sep or not field.strip():
            raise fail(f"--set {pair!r}: write it as field=value, e.g. --set output_t=56,4")
        out[field.strip()] = value
    return out


HELP = (
    "Correct or void a stored record, with a reason; show its history. Records are never "
    "deleted: a voided one is kept and counts nowhere.\n\n"
    'e.g.  kilnguard records correct production 812 --set output_t=56,4 --reason "scale '
    'misread" --user op1'
)


def register(app: typer.Typer) -> None:
    records_app = typer.Typer(help=HELP, no_args_is_help=True)
    app.add_typer(records_app, name="records")

    @records_app.command("correct")
    def correct(
        kind: KindArg,
        ident: IdArg,
        reason: ReasonOpt,
        sets: Annotated[
            list[str],
            typer.Option("--set", help="field=value to change; repeat for several fields."),
        ],
        confirm_reason: Annotated[
            str,
            typer.Option(
                "--confirm-reason", help="Why an output above 2× the kiln's rating is right."
            ),
        ] = "",
        user: UserOpt = "",
    ) -> None:
        """Change fields of a record; the audit log keeps them before and after."""
        changes = _changes(sets)
        db.upgrade()
        with guarded(), db.unit_of_work() as session:
            k = corrections.kind_of(kind)
            svc.correct(
                session,
                who_of(session, user),
                kind,
                ident,
                changes,
                reason,
                confirm_reason=confirm_reason,
            )
        typer.echo(f"corrected {k.words} {ident}: {', '.join(sorted(changes))}")

    @records_app.command("void")
    def void(kind: KindArg, ident: IdArg, reason: ReasonOpt, user: UserOpt = "") -> None:
        """Void a record: kept as it was, shown as voided, counted nowhere."""
        db.upgrade()
        with guarded(), db.unit_of_work() as session:
            k = corrections.kind_of(kind)
            svc.void(session, who_of(session, user), kind, ident, reason)
        typer.echo(f"voided {k.words} {ident}: {reason.strip()}")

    @records_app.command("history")
    def history(
        kind: KindArg,
        ident: IdArg,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        user: UserOpt = "",
    ) -> None:
        """Every act on a record, oldest first (UTC): who, what, why, before and after."""
        db.upgrade()
        with guarded(), db.unit_of_work() as session:
            acts = svc.history(session, who_of(session, user), kind, ident)
        rows: list[dict[str, Any]] = [
            {
                "at": a.at.isoformat(),
                "actor": a.actor,
                "action": a.action,
                "reason": a.reason,
                "before": a.before,
                "after": a.after,
            }
            for a in acts
        ]
        if as_json:
            typer.echo(json.dumps(rows, ensure_ascii=False, default=str))
            return
        for r in rows:
            changed = ", ".join(f"{f}: {v} → {r['after'].get(f)}" for f, v in r["before"].items())
            why = f" ({r['reason']})" if r["reason"] else ""
            typer.echo(f"{r['at']}  {r['actor']}  {r['action']}{why}  {changed}".rstrip())
