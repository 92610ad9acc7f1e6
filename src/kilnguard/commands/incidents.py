"""`kilnguard incidents list|show`, `kilnguard report`, `kilnguard rates`, `kilnguard bulletins`.

Commands run as the system user unless `--user NAME` names a login (its enterprises and role
then apply, exactly as in the web UI).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from sqlalchemy.orm import Session

from kilnguard.commands import day_option, fail
from kilnguard.commands._terminal import safe_text
from kilnguard.domain.errors import KilnguardError, NotFound
from kilnguard.services import auth
from kilnguard.services import investigation as svc
from kilnguard.services import uow as db
from kilnguard.services.access import SYSTEM, Principal

incidents_app = typer.Typer(
    help="The incident register (incidents, near misses, anonymous reports)."
)
bulletins_app = typer.Typer(help="Regional lessons bulletins and their acknowledgements.")

T = TypeVar("T")

UserOpt = Annotated[str, typer.Option("--user", help="Act as this login (default: system).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON.")]


def _fail(message: str) -> typer.Exit:
    typer.secho(message, err=True, fg=typer.colors.RED)
    return typer.Exit(1)


def _who(session: Session, user: str) -> Principal:
    if not user:
        return SYSTEM
    try:
        return auth.principal_for(session, user)
    except NotFound:
        raise _fail(f"user: no active login named {user!r}") from None


def _in_uow(act: Callable[[Session], T]) -> T:
    """Run `act` in one unit of work on an up-to-date database; a refusal ends the command
    with its message."""
    db.upgrade()
    try:
        with db.unit_of_work() as session:
            return act(session)
    except KilnguardError as exc:
        raise _fail(exc.message) from None


def _casualties(c: dict[str, int]) -> str:
    return (
        f"{c['killed']} killed, {c['seriously_injured']} seriously injured, "
        f"{c['minor_injuries']} minor, {c['missing']} missing"
    )


@incidents_app.command("list")
def incidents_list(as_json: JsonOpt = False, user: UserOpt = "") -> None:
    """List incidents with their id, enterprise, kiln, time, type, casualties, severity."""
    items = _in_uow(lambda session: svc.list_incidents(session, _who(session, user)))
    if as_json:
        typer.echo(json.dumps({"incidents": items}, indent=2, default=str))
        return
    for i in items:
        typer.echo(
            safe_text(
                f"{i['id']:>4}  {i['occurred_at'][:16]}  {i['enterprise']}  {i['kiln'] or '-'}  "
                f"{i['event_type']}  {_casualties(i['casualties'])}  "
                f"severity {i['severity']['class']} ({i['severity']['label']})"
                + ("  [reconstructed]" if i["source"] == "reconstructed" else "")
            )
        )


@incidents_app.command("show")
def incidents_show(
    incident_id: Annotated[int, typer.Argument(help="Incident id.")],
    as_json: JsonOpt = False,
    user: UserOpt = "",
) -> None:
    """One incident in full (404-style error if absent or not yours)."""
    item = _in_uow(lambda session: svc.get_incident(session, _who(session, user), incident_id))
    if as_json:
        typer.echo(json.dumps(item, indent=2, default=str))
        return
    for key in ("id", "enterprise", "section", "kiln", "occurred_at", "event_type"):
        typer.echo(f"{key:>18}: {safe_text(item[key])}")
    typer.echo(f"{'casualties':>18}: {_casualties(item['casualties'])}")
    typer.echo(f"{'severity':>18}: {item['severity']['class']} ({item['severity']['label']})")
    people = safe_text(", ".join(item["people_involved"]))
    typer.echo(f"{'people involved':>18}: {people or '-'}")
    typer.echo(f"{'description':>18}: {safe_text(item['description'])}")
    typer.echo(f"{'source':>18}: {safe_text(item['source'])}")


def report(
    incident_id: Annotated[int, typer.Argument(help="Incident id (see `incidents list`).")],
    html: Annotated[Path | None, typer.Option("--html", help="Write the HTML report here.")] = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Write the PDF report here.")] = None,
    user: UserOpt = "",
) -> None:
    """Write the investigation report of an incident (self-contained HTML and/or PDF),
    opening the investigation first if none is open."""
    from kilnguard.services.investigation.report import write_report

    if html is None and pdf is None:
        raise _fail("give --html PATH and/or --pdf PATH")

    def write(session: Session) -> tuple[int, list[Path]]:
        who = _who(session, user)
        inv_id = svc.open_or_get(session, who, incident_id).id
        return inv_id, write_report(session, who, inv_id, html_path=html, pdf_path=pdf)

    inv_id, paths = _in_uow(write)
    for p in paths:
        typer.echo(f"wrote {p} (investigation {inv_id} of incident {incident_id})")


def rates(
    enterprise: Annotated[str, typer.Option(help="Only this enterprise (by name).")] = "",
    as_json: JsonOpt = False,
    user: UserOpt = "",
) -> None:
    """Incident counts and rates by enterprise, region and month (hours from the shift records):
    LTIFR per 10⁶ h (the headline), TRIR and fatality rate per 200,000 h, severity rate (days
    lost per 200,000 h) and the ILO incidence rate per 1,000 workers. `--json` carries every
    rate with its base in the field name (the older `ltifr_per_200k_h` too)."""
    from dataclasses import asdict

    def read(session: Session) -> list[svc.RateRow]:
        eid = None
        if enterprise:
            eid = auth.enterprise_id_named(session, enterprise)
            if eid is None:
                raise _fail(f"enterprise: no enterprise named {enterprise!r}")
        return svc.rates(session, _who(session, user), enterprise_id=eid)

    rows = _in_uow(read)
    if as_json:
        typer.echo(json.dumps({"rates": [asdict(r) for r in rows]}, indent=2))
        return

    def fmt(v: float | None, width: int = 8) -> str:
        return "n/a".rjust(width) if v is None else f"{v:{width}.2f}"

    heads = ("LTIFR", "TRIR", "severity", "incidence", "fatal")
    bases = ("/10⁶ h", "/200k h", "d/200k h", "/1k wkrs", "/200k h")
    lead = f"{'scope':<11} {'name':<38} {'period':<8} {'hours [h]':>10} {'people':>6} "
    lead += f"{'rec':>4} {'LTI':>4} {'dead':>4} {'lost[d]':>7}"
    typer.echo(lead + "".join(f" {h:>8}" for h in heads))
    typer.echo(" " * len(lead) + "".join(f" {b:>8}" for b in bases))
    for r in rows:
        typer.echo(
            f"{r.scope:<11} {r.name[:38]:<38} {r.period:<8} {r.hours_worked_h:>10.0f} "
            f"{r.workers:>6} {r.recordable_cases:>4} {r.lost_time_injuries:>4} {r.fatalities:>4} "
            f"{r.days_lost:>7} {fmt(r.ltifr_per_1m_h)} {fmt(r.trir_per_200k_h)} "
            f"{fmt(r.severity_rate_per_200k_h)} {fmt(r.incidence_per_1000_workers)} "
            f"{fmt(r.fatality_rate_per_200k_h)}"
            + ("  (few hours: read the counts)" if r.noisy else "")
        )


@bulletins_app.command("list")
def bulletins_list(
    as_json: JsonOpt = False,
    user: UserOpt = "",
    as_of: Annotated[str, typer.Option(help="Date for overdue status (YYYY-MM-DD).")] = "",
) -> None:
    """Bulletins you may see, with who has not acknowledged."""
    day = day_option("--as-of", as_of)
    items = _in_uow(lambda session: svc.list_bulletins(session, _who(session, user), as_of=day))
    if as_json:
        typer.echo(json.dumps({"bulletins": items}, indent=2, default=str))
        return
    for b in items:
        typer.echo(f"{b['id']:>4}  {b['issued_at'][:10]}  {safe_text(b['title'])}")
        for r in b["recipients"]:
            state = (
                f"acknowledged {r['acknowledged_at'][:10]} by {r['acknowledged_by']}: {r['checked']}"
                if r["acknowledged"]
                else f"NOT acknowledged; {r['reminders_sent']} reminder(s), level "
                f"{r['escalation_level']} {r['escalation']}"
            )
            typer.echo(safe_text(f"        {r['enterprise']}: {state}"))


@bulletins_app.command("escalate")
def bulletins_escalate(
    as_of: Annotated[str, typer.Option(help="Today's date (YYYY-MM-DD).")],
    user: UserOpt = "",
) -> None:
    """Send reminders for overdue acknowledgements (once per day per enterprise)."""
    day = day_option("--as-of", as_of)
    if day is None:
        raise fail("--as-of: give today's date, e.g. 2021-11-24")
    changed = _in_uow(lambda session: svc.escalate_bulletins(session, _who(session, user), day))
    typer.echo(f"{len(changed)} reminder(s) sent")


def register(app: typer.Typer) -> None:
    app.add_typer(incidents_app, name="incidents")
    app.add_typer(bulletins_app, name="bulletins")
    app.command("report")(report)
    app.command("rates")(rates)
