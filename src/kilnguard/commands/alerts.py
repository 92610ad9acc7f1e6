"""`kilnguard alerts`: list alerts, acknowledge one, evaluate (raise/close and escalate)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer

from kilnguard.commands import fail, guarded, who_of
from kilnguard.commands._terminal import safe_text
from kilnguard.services import alerts as al
from kilnguard.services import uow as db
from kilnguard.services.access import SYSTEM
from kilnguard.services.auth import principal_for


def register(app: typer.Typer) -> None:
    alerts_app = typer.Typer(
        help="Risk alerts: list (default), acknowledge, evaluate.", no_args_is_help=False
    )
    app.add_typer(alerts_app, name="alerts")

    @alerts_app.callback(invoke_without_command=True)
    def alerts_list(
        ctx: typer.Context,
        state: Annotated[str, typer.Option(help="open, closed or all.")] = "open",
        enterprise: Annotated[str, typer.Option(help="Only this enterprise (name or part).")] = "",
        as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
        user: Annotated[str, typer.Option(help="List what this user may see (default all).")] = "",
    ) -> None:
        """List alerts: open ones worst first, then closed ones newest first."""
        if ctx.invoked_subcommand is not None:
            return
        with guarded(), db.unit_of_work() as session:
            rows = al.list_alerts(
                session, who_of(session, user), state=state, enterprise=enterprise or None
            )
            items = al.describe(session, rows)
        if as_json:
            typer.echo(json.dumps({"alerts": items}, indent=2))
            return
        if not items:
            typer.echo(f"no {state} alerts" if state != "all" else "no alerts")
            return
        for a in items:
            ack = (
                f"acknowledged by {a['acknowledged_by']}: {a['ack_comment']}"
                if a["acknowledged_by"]
                else "NOT acknowledged"
            )
            closed = f"closed {a['closed_on']} ({a['closed_reason']})" if a["closed_on"] else "open"
            typer.echo(
                safe_text(
                    f"#{a['id']:<5} {a['level'].upper():<5} {a['enterprise'][:28]:<28} "
                    f"{a['kiln']:<6} raised {a['raised_on']}  {closed}; {ack}; {a['escalation']}"
                )
            )
            typer.echo(f"       {safe_text(a['summary'])}")

    @alerts_app.command("ack")
    def alerts_ack(
        alert_id: Annotated[int, typer.Argument(help="Alert number.")],
        user: Annotated[str, typer.Option(help="Your user name (of the kiln's enterprise).")],
        comment: Annotated[str, typer.Option(help="What is being done about it (required).")],
    ) -> None:
        """Acknowledge an alert with a comment, as a named user of its enterprise."""
        with guarded(), db.unit_of_work() as session:
            a = al.acknowledge(session, principal_for(session, user), alert_id, comment)
            typer.echo(safe_text(f"alert {a.id} ({a.level}) acknowledged by {a.acknowledged_by}"))

    @alerts_app.command("evaluate")
    def alerts_evaluate(
        as_of: Annotated[
            str,
            typer.Option("--as-of", help="Evaluate up to this day (YYYY-MM-DD); default today."),
        ] = "",
    ) -> None:
        """Raise and close alerts from the records up to a day, then escalate overdue ones."""
        try:
            day = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
        except ValueError:
            raise fail(f"as-of: {as_of!r} is not a date like 2021-11-24") from None
        now = dt.datetime.now(dt.UTC)
        end = min(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC), now)
        with guarded(), db.unit_of_work() as session:
            report = al.evaluate(session, SYSTEM, day, now=now)
            report.escalated = al.escalate(session, end)
        typer.echo(
            f"evaluated {report.kilns} kilns up to {day}: {len(report.raised)} alert(s) raised, "
            f"{len(report.closed)} closed, {len(report.escalated)} escalation(s)"
        )
