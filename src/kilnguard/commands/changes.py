"""`kilnguard changes list|show [--json]`: change requests with their objections and overrules."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Annotated, Any

import typer

from kilnguard.commands._terminal import safe_text
from kilnguard.domain.errors import KilnguardError
from kilnguard.services import uow as db

changes_app = typer.Typer(
    help="Change requests (experiments, process changes, modifications): workflow state, "
    "objections, overrules, evidence and the hazard-zone log.",
    no_args_is_help=True,
)


def _json_default(value: object) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=_json_default)


def _fail(message: str) -> typer.Exit:
    typer.secho(message, err=True, fg=typer.colors.RED)
    return typer.Exit(1)


def _when(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


@changes_app.command("list")
def list_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Every change request, with its state, stage, objections and overrules."""
    from kilnguard.services import change as cc
    from kilnguard.services.access import SYSTEM

    try:
        with db.unit_of_work() as session:
            items = [cc.to_json(c) for c in cc.change_summaries(session, SYSTEM)]
    except KilnguardError as exc:
        raise _fail(exc.message) from None
    if as_json:
        typer.echo(_dump({"changes": items}))
        return
    if not items:
        typer.echo("no change requests")
        return
    for c in items:
        where = c["kiln"] or c["new_equipment"]
        open_n = sum(1 for o in c["objections"] if o["status"] == "open")
        typer.echo(
            safe_text(
                f"{c['ref']:<7} {c['state']:<20} {c['stage'] or '-':<6} {where:<28} "
                f"{c['enterprise']:<40} objections {len(c['objections'])} ({open_n} open), "
                f"overrules {len(c['overrules'])}  {c['title']}"
                + ("  [reconstructed]" if c["source"] == "reconstructed" else "")
            )
        )


def _history(h: dict[str, Any]) -> str:
    return f"{_when(h['at'])}  {h['action']}: {h['from']} → {h['to']} by {h['by']} ({h['role']})"


def _review(r: dict[str, Any]) -> str:
    return f"{_when(r['at'])}  {r['reviewer']} ({r['role']}) {r['decision']}: {r['reason']}"


def _objection(o: dict[str, Any]) -> str:
    return f"#{o['id']} [{o['status']}] {o['author']} ({o['role']}): {o['reason']}"


def _overrule(v: dict[str, Any]) -> str:
    return f"#{v['id']} {v['kind']} by {v['by']} ({v['role']}) {_when(v['at'])}: {v['reason']}"


def _evidence(e: dict[str, Any]) -> str:
    return f"{e['name']} [{e['stage'] or '-'}] {e['size_bytes']} B sha256 {e['sha256']}"


SHOW_SECTIONS: tuple[tuple[str, str, Callable[[dict[str, Any]], str]], ...] = (
    ("history", "history", _history),
    ("reviews", "reviews", _review),
    ("objections", "objections", _objection),
    ("overrules (permanent)", "overrules", _overrule),
    ("evidence", "evidence", _evidence),
)
"""The listed parts of `changes show`: (heading, field of the change's JSON, one line of it)."""


@changes_app.command("show")
def show_cmd(
    change_id: Annotated[int, typer.Argument(help="Change number (CR-12 → 12).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """One change request in full: workflow history, reviews, objections, overrules, evidence
    with checksums, pre-startup review, hazard zone and its log, and what blocks authorisation."""
    from kilnguard.services import change as cc
    from kilnguard.services.access import SYSTEM

    try:
        with db.unit_of_work() as session:
            d = cc.to_json(cc.change_detail(session, SYSTEM, change_id=change_id))
    except KilnguardError as exc:
        raise _fail(exc.message) from None
    if as_json:
        typer.echo(_dump(d))
        return
    where = d["kiln"]["name"] if d["kiln"] else d["new_equipment"]
    lines = [
        f"{d['ref']}  {d['title']}"
        + ("  [reconstructed]" if d["source"] == "reconstructed" else ""),
        f"  {d['enterprise']['name']} · {where} · stage {d['stage'] or '-'} · state {d['state']}",
        f"  purpose: {d['purpose']}",
        f"  deadline: {_when(d['deadline'])}"
        + (f" set by {d['deadline_set_by']}" if d["deadline_set_by"] else "")
        + (" (from outside the plant)" if d["deadline_external"] else ""),
    ]
    for f in d["rush_flags"]:
        lines.append(f"  ! schedule pressure: {f['message']}")
    for heading, key, line in SHOW_SECTIONS:
        lines.append(f"  {heading}:")
        lines.extend(f"    {line(x)}" for x in d[key])
    lines.append(
        "  pre-startup review missing: "
        + (", ".join(i["text"] for i in d["pssr"]["missing"]) or "none")
    )
    if d["hazard_zone"]:
        z = d["hazard_zone"]
        lines.append(f"  hazard zone: {z['name']}, max {z['max_headcount']} people")
    for z in d["zone_log"]:
        lines.append(f"    {_when(z['at'])}  {z['person']}: {z['outcome']} — {z['reason']}")
    if d["authorisation_blockers"]:
        lines.append("  firing cannot be authorised:")
        lines.extend(f"    - {b}" for b in d["authorisation_blockers"])
    typer.echo(safe_text("\n".join(lines)))


def register(app: typer.Typer) -> None:
    app.add_typer(changes_app, name="changes")
