"""Investigation report: a self-contained HTML file and a PDF (issue 6, deliverable 4).

Self-contained means no remote assets: the CSS is inline, the charts are PNGs made with
matplotlib (Agg backend) embedded as base64 data URIs in the HTML and as images in the PDF
(fpdf2, with the DejaVu Sans font shipped inside matplotlib so every character prints).
Every fact whose record is a reconstruction carries the label "reconstructed".

Sections: incident facts with casualties and severity; load against rating over the window
(chart and days above rating); targets entered; deferred repairs with reasons; rosters and
fatigue; alerts and who acknowledged them; change requests with objections and overrules;
the full timeline with dates; findings (attributed); the CAST control structure (diagram and
per-controller analysis); corrective actions; evidence and interviews.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from collections import defaultdict
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.dates import date2num as _date2num
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from sqlalchemy.orm import Session

from kilnguard.services import investigation as svc
from kilnguard.services.access import Principal
from kilnguard.store import models as m

RECON = "reconstructed"
CHANGE_KINDS = (
    "change",
    "objection",
    "objection_withdrawn",
    "overrule",
    "zone_headcount",
    "firing",
)


# ----------------------------------------------------------------------------- data
def report_data(
    session: Session, who: Principal, investigation_id: int, *, as_of: dt.date | None = None
) -> dict[str, Any]:
    """The investigation view plus what the report derives from it."""
    view = svc.investigation_view(session, who, investigation_id, as_of=as_of)
    ent = session.get(m.Enterprise, view["incident"]["enterprise_id"])
    tz = ZoneInfo(ent.region.timezone if ent else "UTC")
    tl = view["timeline"]
    prod = [t for t in tl if t["kind"] == "production"]
    above = [t for t in prod if t["facts"].get("above_rating")]
    view["tz"] = tz
    view["region"] = ent.region.name if ent else ""
    view["by_kind"] = {
        "production": prod,
        "above": above,
        "targets": [t for t in tl if t["kind"] == "target"],
        "deferred": [t for t in tl if t["kind"] == "maintenance_deferred"],
        "due": [t for t in tl if t["kind"] == "maintenance_due"],
        "done": [t for t in tl if t["kind"] == "maintenance_done"],
        "shifts": [t for t in tl if t["kind"] == "shift"],
        "alerts": [t for t in tl if t["kind"] in ("alert", "alert_acknowledged")],
        "risk": [t for t in tl if t["kind"] == "risk_level"],
        "changes": [t for t in tl if t["kind"] in CHANGE_KINDS],
    }
    return view


def local_time(iso: str, tz: ZoneInfo) -> str:
    """'2021-11-24 15:00 KST (24 Nov 2021)' — ISO date for machines, words for people."""
    at = dt.datetime.fromisoformat(iso).astimezone(tz)
    return f"{at:%Y-%m-%d %H:%M} {at.tzname()}"


def _long_date(iso: str, tz: ZoneInfo) -> str:
    at = dt.datetime.fromisoformat(iso).astimezone(tz)
    return f"{at.day} {at:%b %Y}"


# --------------------------------------------------------------------------- charts
def date2num(value: Any) -> Any:
    """matplotlib's day numbers (typed wrapper; matplotlib.dates is untyped)."""
    return _date2num(value)  # type: ignore[no-untyped-call]


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def load_chart(data: dict[str, Any]) -> bytes:
    """Output against rating per day over the window, with targets, deferrals and the
    incident marked."""
    tz: ZoneInfo = data["tz"]
    series: dict[str, list[tuple[dt.date, float, float]]] = defaultdict(list)
    for t in data["by_kind"]["production"]:
        f = t["facts"]
        series[t["kiln"] or "?"].append(
            (
                dt.date.fromisoformat(f["day"]),
                float(f["output_t"]),
                float(f["rated_capacity_t_per_day"]),
            )
        )
    fig, ax = plt.subplots(figsize=(9, 3.6))
    for kiln, pts in sorted(series.items()):
        pts.sort()
        days = [p[0] for p in pts]
        ax.plot(
            date2num(days), [p[1] for p in pts], marker=".", lw=1.5, label=f"{kiln} output [t/day]"
        )
        ax.step(
            date2num(days),
            [p[2] for p in pts],
            where="mid",
            ls="--",
            color="black",
            label=f"{kiln} rating",
        )
    for t in data["by_kind"]["targets"]:
        at = dt.datetime.fromisoformat(t["at"]).astimezone(tz).date()
        ax.axvline(float(date2num(at)), color="tab:purple", lw=1)
        ax.annotate(
            "target entered",
            (float(date2num(at)), ax.get_ylim()[1]),
            fontsize=7,
            color="tab:purple",
            rotation=90,
            va="top",
            ha="right",
        )
    for t in data["by_kind"]["deferred"]:
        at = dt.datetime.fromisoformat(t["at"]).astimezone(tz).date()
        ax.axvline(float(date2num(at)), color="tab:orange", lw=0.8, ls=":")
    inc_at = dt.datetime.fromisoformat(data["incident"]["occurred_at"]).astimezone(tz).date()
    ax.axvline(float(date2num(inc_at)), color="red", lw=2)
    ax.annotate(
        "incident",
        (float(date2num(inc_at)), ax.get_ylim()[1]),
        fontsize=8,
        color="red",
        rotation=90,
        va="top",
        ha="right",
    )
    ax.set_ylabel("t/day")
    ax.set_title("Load against rating (dotted orange: repair deferred)", fontsize=10)
    if series:
        ax.legend(fontsize=7, loc="upper left")
    ax.xaxis_date()
    fig.autofmt_xdate()
    return _png(fig)


def fatigue_chart(data: dict[str, Any]) -> bytes:
    """Peak KSS of each shift on the incident kiln (three-process model)."""
    tz: ZoneInfo = data["tz"]
    pts = [
        (dt.datetime.fromisoformat(t["at"]).astimezone(tz), t["facts"].get("fatigue_score"))
        for t in data["by_kind"]["shifts"]
    ]
    pts = [(a, float(k)) for a, k in pts if k is not None]
    fig, ax = plt.subplots(figsize=(9, 2.4))
    if pts:
        ax.plot(date2num([p[0] for p in pts]), [p[1] for p in pts], ".", color="tab:brown")
    ax.axhline(7.0, color="red", ls="--", lw=1)
    ax.set_ylim(1, 9)
    ax.set_ylabel("peak KSS")
    ax.set_title("Fatigue of the crews present (KSS ≥ 7: sleepy)", fontsize=10)
    ax.xaxis_date()
    fig.autofmt_xdate()
    return _png(fig)


def cast_chart(data: dict[str, Any]) -> bytes:
    """The five-level control structure: boxes top-down, control arrows down, feedback up;
    a controller with unsafe control actions on record is drawn red."""
    ctrls = data["controllers"]
    fig, ax = plt.subplots(figsize=(7, 1.3 * max(len(ctrls), 1) + 0.4))
    n = len(ctrls)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, n * 1.3)
    ax.axis("off")
    for i, c in enumerate(ctrls):
        y = (n - 1 - i) * 1.3 + 0.25
        bad = bool(c["unsafe_control_actions"])
        ax.add_patch(
            FancyBboxPatch(
                (2.0, y),
                6.0,
                0.8,
                boxstyle="round,pad=0.05",
                fc="#fde0dc" if bad else "#e8f1fb",
                ec="#b23b2e" if bad else "#2f5d8a",
                lw=1.4,
            )
        )
        ax.text(
            5.0,
            y + 0.52,
            f"{c['level']}. {c['level_name'].title()}",
            ha="center",
            fontsize=8,
            color="#555",
        )
        ax.text(5.0, y + 0.22, c["name"][:60], ha="center", fontsize=9, weight="bold")
        ax.text(
            8.3,
            y + 0.35,
            f"{len(c['unsafe_control_actions'])} UCA\n{len(c['flawed_feedback'])} flawed feedback",
            fontsize=7,
            va="center",
        )
        if i < n - 1:
            ax.add_patch(
                FancyArrowPatch(
                    (4.3, y), (4.3, y - 0.5), arrowstyle="-|>", mutation_scale=12, color="#2f5d8a"
                )
            )
            ax.add_patch(
                FancyArrowPatch(
                    (5.7, y - 0.5), (5.7, y), arrowstyle="-|>", mutation_scale=12, color="#888"
                )
            )
            ax.text(4.2, y - 0.28, "control", fontsize=6, ha="right", color="#2f5d8a")
            ax.text(5.8, y - 0.28, "feedback", fontsize=6, ha="left", color="#888")
    ax.set_title("CAST safety control structure", fontsize=10)
    return _png(fig)


# ----------------------------------------------------------------------------- HTML
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
        f"{_e(_long_date(inc['occurred_at'], tz))}{_label(inc['source'])}</h1>"
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
    add(
        _rows(
            data["evidence"],
            tz,
            [
                ("Evidence", lambda it: _e(it["title"]) + _label(it["source"])),
                ("Description", lambda it: _e(it["description"])),
                ("Added by", lambda it: _e(it["added_by"])),
            ],
        )
    )
    add(
        _rows(
            data["interviews"],
            tz,
            [
                ("Interviewee", lambda it: _e(it["interviewee"]) + _label(it["source"])),
                ("Notes", lambda it: _e(it["text"])),
                ("By", lambda it: _e(it["author"])),
            ],
        )
    )
    add("<p class='muted'>Generated by kilnguard. No remote assets.</p></body></html>")
    return "".join(parts)


def make_charts(data: dict[str, Any]) -> dict[str, bytes]:
    return {"load": load_chart(data), "fatigue": fatigue_chart(data), "cast": cast_chart(data)}


# ------------------------------------------------------------------------------ PDF
def render_pdf(data: dict[str, Any], charts: dict[str, bytes] | None = None) -> bytes:
    """The report as a PDF with the same sections and embedded PNG charts."""
    from fpdf import FPDF

    charts = charts or make_charts(data)
    tz: ZoneInfo = data["tz"]
    inc = data["incident"]
    k = data["by_kind"]
    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def h(text: str, size: int = 13) -> None:
        pdf.ln(2)
        pdf.set_font("DejaVu", "B", size)
        pdf.multi_cell(width, 6, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)

    def p(text: str) -> None:
        pdf.set_font("DejaVu", "", 9)
        pdf.multi_cell(width, 4.5, text, new_x="LMARGIN", new_y="NEXT")

    def lab(source: str) -> str:
        return " [reconstructed]" if source == RECON else ""

    def img(png: bytes) -> None:
        pdf.image(io.BytesIO(png), w=width)

    c = inc["casualties"]
    h(
        f"Investigation report: {inc['event_type'].replace('_', ' ')} at {inc['enterprise']}, "
        f"{inc['kiln'] or ''} — {_long_date(inc['occurred_at'], tz)}{lab(inc['source'])}",
        15,
    )
    p(
        "Facts marked [reconstructed] were rebuilt from public accident reports, not recorded "
        "at the time."
    )
    h("Incident")
    p(f"Date and time: {local_time(inc['occurred_at'], tz)}")
    p(
        f"Casualties: {c['killed']} killed, {c['seriously_injured']} seriously injured, "
        f"{c['minor_injuries']} with minor injuries, {c['missing']} missing"
    )
    p(f"Severity class {inc['severity']['class']} — {inc['severity']['label']}")
    p(f"People involved: {', '.join(inc['people_involved']) or '—'}")
    p(inc["description"])
    h("Load against rating")
    img(charts["load"])
    p(f"{len(k['above'])} days above rating in the window.")
    for t in k["targets"]:
        p(f"{local_time(t['at'], tz)}: {t['summary']}{lab(t['source'])}")
    h("Deferred repairs and their reasons")
    for t in k["deferred"] or [{"at": inc["occurred_at"], "summary": "none", "source": ""}]:
        p(f"{local_time(t['at'], tz)}: {t['summary']}{lab(t['source'])}")
    h("Rosters and fatigue")
    img(charts["fatigue"])
    for t in k["shifts"][-14:]:
        p(f"{local_time(t['at'], tz)}: {t['summary']}{lab(t['source'])}")
    if len(k["shifts"]) > 14:
        p(f"(last 14 of {len(k['shifts'])} shifts shown; all are in the timeline below)")
    h("Risk levels, alerts and acknowledgements")
    if k["alerts"] or k["risk"]:
        for t in k["risk"] + k["alerts"]:
            p(f"{local_time(t['at'], tz)}: {t['summary']}{lab(t['source'])}")
    else:
        p("No risk levels or alerts on record for this kiln in the window.")
    h("Change requests, objections and overrules")
    for t in k["changes"] or [{"at": inc["occurred_at"], "summary": "none", "source": ""}]:
        p(f"{local_time(t['at'], tz)}: {t['summary']}{lab(t['source'])}")
    h("Findings")
    for f in data["findings"]:
        p(f"• {f['text']} — {f['author']}, {local_time(f['at'], tz)}{lab(f['source'])}")
    h("Causal analysis (CAST)")
    img(charts["cast"])
    for ctl in data["controllers"]:
        pdf.set_font("DejaVu", "B", 9)
        pdf.multi_cell(
            width,
            5,
            f"{ctl['level']}. {ctl['name']}{lab(ctl['source'])}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        ucas = "; ".join(u["description"] for u in ctl["unsafe_control_actions"]) or "—"
        p(f"Unsafe control actions: {ucas}")
        p(f"Flawed feedback: {'; '.join(ctl['flawed_feedback']) or '—'}")
        p(f"Context: {'; '.join(ctl['context']) or '—'}")
    h("Corrective actions")
    for a in data["actions"]:
        p(
            f"• {a['recommendation']} — owner {a['owner']}, due {a['due_on']}, {a['status']}, "
            f"escalation level {a['escalation_level']}{lab(a['source'])}"
        )
    h("Timeline")
    for t in data["timeline"]:
        p(f"{local_time(t['at'], tz)} [{t['kind']}] {t['summary']}{lab(t['source'])}")
    return bytes(pdf.output())


# ------------------------------------------------------------------------------ entry
def write_report(
    session: Session,
    who: Principal,
    investigation_id: int,
    *,
    html_path: Path | None = None,
    pdf_path: Path | None = None,
    as_of: dt.date | None = None,
) -> list[Path]:
    """Write the HTML and/or PDF report; returns the paths written."""
    data = report_data(session, who, investigation_id, as_of=as_of)
    charts = make_charts(data)
    written = []
    if html_path is not None:
        html_path.write_text(render_html(data, charts), encoding="utf-8")
        written.append(html_path)
    if pdf_path is not None:
        pdf_path.write_bytes(render_pdf(data, charts))
        written.append(pdf_path)
    return written
