"""The report as one self-contained HTML document: inline CSS, charts as base64 data URIs, no
remote assets; every reconstructed fact carries the label "reconstructed"."""

from __future__ import annotations

import base64
import html
from typing import Any
from zoneinfo import ZoneInfo

from kilnguard.services.investigation.report.charts import make_charts
from kilnguard.services.investigation.report.data import RECON, local_time, long_date

CSS = """
body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;
color:#222;line-height:1.35}
h1{font-size:1.5em}h2{border-bottom:2px solid #2f5d8a;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;width:100%;font-size:.85em;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.25em .45em;vertical-align:top;text-align:left}
th{background:#eef3f8}
.recon{background:#fff2cc;border:1px solid #d6b656;border-radius:3px;padding:0 .3em;
font-size:.75em;white-space:nowrap}
.bad{color:#b23b2e;font-weight:bold}.muted{color:#666}
dl{display:grid;grid-template-columns:14em 1fr;gap:.2em 1em}dt{font-weight:bold}
img{max-width:100%}
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _label(source: str) -> str:
    return ' <span class="recon">reconstructed</span>' if source == RECON else ""


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def _rows(items: list[dict[str, Any]], tz: ZoneInfo, cols: list[tuple[str, Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h, _ in cols)
    body = []
    for it in items:
        cells = "".join(f"<td>{fn(it)}</td>" for _, fn in cols)
        body.append(f"<tr>{cells}</tr>")
    if not body:
        return '<p class="muted">None on record.</p>'
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


Column = tuple[str, str]
"""A table column: its heading and the record's field shown under it."""


def _record_columns(what: Column, text: Column, by: Column) -> list[tuple[str, Any]]:
    """Columns of an evidence or interview table: what (labelled if reconstructed), the text,
    who recorded it."""
    return [
        (what[0], lambda it: _e(it[what[1]]) + _label(it["source"])),
        (text[0], lambda it: _e(it[text[1]])),
        (by[0], lambda it: _e(it[by[1]])),
    ]


def render_html(data: dict[str, Any], charts: dict[str, bytes] | None = None) -> str:
    """The report as one self-contained HTML document."""
    charts = charts or make_charts(data)
    tz: ZoneInfo = data["tz"]
    inc = data["incident"]
    inv = data["investigation"]
    k = data["by_kind"]
    c = inc["casualties"]
    when = lambda it: _e(local_time(it["at"], tz))  # noqa: E731
    summary = lambda it: _e(it["summary"]) + _label(it["source"])  # noqa: E731
    above = k["above"]
    ratios = [float(t["facts"]["load_ratio"]) for t in above]
    parts: list[str] = []
    add = parts.append
    add("<!doctype html><html lang='en'><head><meta charset='utf-8'>")
    add(f"<title>Investigation {inv['id']} — {_e(inc['enterprise'])}</title>")
    add(f"<style>{CSS}</style></head><body>")
    add(
        f"<h1>Investigation report: {_e(inc['event_type'].replace('_', ' '))} at "
        f"{_e(inc['enterprise'])}, {_e(inc['kiln'] or inc['section'] or '')} — "
        f"{_e(long_date(inc['occurred_at'], tz))}{_label(inc['source'])}</h1>"
    )
    add(
        f"<p class='muted'>Investigation {inv['id']} on incident {inc['id']}, opened "
        f"{_e(local_time(inv['opened_at'], tz))} by {_e(inv['opened_by'])}; status "
        f"{_e(inv['status'])}; timeline window {inv['window_days']} days. Facts labelled "
        "<span class='recon'>reconstructed</span> were rebuilt from public accident reports, "
        "not recorded at the time.</p>"
    )
    add("<h2>Incident</h2><dl>")
    for label, value in (
        ("Date and time", local_time(inc["occurred_at"], tz)),
        ("Enterprise", inc["enterprise"]),
        ("Section / kiln", f"{inc['section'] or '—'} / {inc['kiln'] or '—'}"),
        ("Event", inc["event_type"].replace("_", " ")),
        (
            "Casualties",
            f"{c['killed']} killed, {c['seriously_injured']} seriously injured, "
            f"{c['minor_injuries']} with minor injuries, {c['missing']} missing",
        ),
        ("Severity class", f"{inc['severity']['class']} — {inc['severity']['label']}"),
        ("Severity reasons", "; ".join(inc["severity"]["reasons"])),
        ("People involved", ", ".join(inc["people_involved"]) or "—"),
        ("Description", inc["description"]),
        ("Immediate actions", inc["immediate_actions"] or "—"),
    ):
        add(f"<dt>{_e(label)}</dt><dd>{_e(value)}</dd>")
    add(f"</dl>{_label(inc['source'])}")

    add("<h2>Load against rating</h2>")
    add(_img(charts["load"], "load against rating"))
    if above:
        add(
            f"<p><span class='bad'>{len(above)} days above rating</span> in the window, first "
            f"{_e(above[0]['facts']['day'])}, last {_e(above[-1]['facts']['day'])}; load ratio "
            f"up to {max(ratios):.2f}× rating.</p>"
        )
    else:
        add("<p>No day above rating in the window.</p>")
    add("<h3>Targets entered</h3>")
    add(_rows(k["targets"], tz, [("Date", when), ("Target", summary)]))

    add("<h2>Maintenance: deferred repairs and their reasons</h2>")
    add(
        _rows(
            k["deferred"],
            tz,
            [
                ("Deferred on", when),
                ("Task", lambda it: _e(it["facts"].get("task"))),
                ("Reason", lambda it: "<b>" + _e(it["facts"].get("reason")) + "</b>"),
                ("Deferred by", lambda it: _e(it["facts"].get("by")) + _label(it["source"])),
            ],
        )
    )
    add("<h3>Maintenance due and done</h3>")
    add(_rows(k["due"] + k["done"], tz, [("Date", when), ("Record", summary)]))

    add("<h2>Rosters and fatigue of the crews present</h2>")
    add(_img(charts["fatigue"], "fatigue per shift"))
    add(
        _rows(
            k["shifts"],
            tz,
            [
                ("Shift start", when),
                ("Crew", lambda it: _e(it["facts"].get("crew"))),
                ("Hours", lambda it: _e(it["facts"].get("duration_h"))),
                ("Headcount", lambda it: _e(it["facts"].get("headcount"))),
                (
                    "Fatigue",
                    lambda it: (
                        _e(
                            f"{it['facts'].get('fatigue_model')} "
                            f"{float(it['facts'].get('fatigue_score') or 0):.2f}: "
                            f"{it['facts'].get('fatigue_label')}"
                        )
                        + _label(it["source"])
                    ),
                ),
            ],
        )
    )

    add("<h2>Risk levels, alerts and acknowledgements</h2>")
    if k["alerts"] or k["risk"]:
        add(
            _rows(
                k["risk"] + k["alerts"], tz, [("Date", when), ("What the system showed", summary)]
            )
        )
    else:
        add(
            "<p class='muted'>No risk levels or alerts are on record for this kiln in the "
            "window: no alert was raised through kilnguard, so none could be acknowledged "
            "(the risk engine's records were not available for this period).</p>"
        )

    add("<h2>Change requests, objections and overrules</h2>")
    add(_rows(k["changes"], tz, [("Date", when), ("Record", summary)]))

    add("<h2>Timeline (read-only, assembled from the records)</h2>")
    add(
        _rows(
            data["timeline"],
            tz,
            [
                ("#", lambda it: _e(it["seq"])),
                ("Date", when),
                ("Kind", lambda it: _e(it["kind"].replace("_", " "))),
                ("Kiln", lambda it: _e(it["kiln"] or "")),
                ("Fact", summary),
            ],
        )
    )

    add("<h2>Findings</h2>")
    add(
        _rows(
            data["findings"],
            tz,
            [
                ("Finding", lambda it: _e(it["text"]) + _label(it["source"])),
                ("By", lambda it: _e(it["author"])),
                ("When", when),
                (
                    "Hindsight check",
                    lambda it: _e(", ".join(it["hindsight_warnings"]) or "none"),
                ),
            ],
        )
    )

    add("<h2>Causal analysis (CAST)</h2>")
    add(_img(charts["cast"], "CAST control structure"))
    for ctl in data["controllers"]:
        add(f"<h3>{ctl['level']}. {_e(ctl['name'])}{_label(ctl['source'])}</h3><dl>")
        add(f"<dt>Responsibilities</dt><dd>{_e('; '.join(ctl['responsibilities']))}</dd>")
        ucas = "; ".join(
            f"{u['description']} ({u['type'].replace('_', ' ')})"
            for u in ctl["unsafe_control_actions"]
        )
        add(f"<dt>Unsafe control actions</dt><dd>{_e(ucas or '—')}</dd>")
        add(f"<dt>Flawed feedback</dt><dd>{_e('; '.join(ctl['flawed_feedback']) or '—')}</dd>")
        add(f"<dt>Context</dt><dd>{_e('; '.join(ctl['context']) or '—')}</dd></dl>")
    if data["cast_gaps"]:
        add("<p class='bad'>Analysis gaps: " + _e("; ".join(data["cast_gaps"])) + "</p>")

    add("<h2>Corrective actions</h2>")
    add(
        _rows(
            data["actions"],
            tz,
            [
                ("Action", lambda it: _e(it["recommendation"]) + _label(it["source"])),
                ("Controller", lambda it: _e(it["controller_key"].replace("_", " "))),
                ("Owner", lambda it: _e(it["owner"])),
                ("Due", lambda it: _e(it["due_on"])),
                ("Status", lambda it: _e(it["status"])),
                (
                    "Overdue / escalation",
                    lambda it: _e(f"{it['overdue_days']} d, level {it['escalation_level']}"),
                ),
            ],
        )
    )
    add("<h2>Evidence and interviews</h2>")
    for records, columns in (
        (
            data["evidence"],
            (("Evidence", "title"), ("Description", "description"), ("Added by", "added_by")),
        ),
        (data["interviews"], (("Interviewee", "interviewee"), ("Notes", "text"), ("By", "author"))),
    ):
        add(_rows(records, tz, _record_columns(*columns)))
    add("<p class='muted'>Generated by kilnguard. No remote assets.</p></body></html>")
    return "".join(parts)
