"""The report as a PDF (fpdf2) with the HTML report's sections and the same PNG charts; the
DejaVu Sans font shipped inside matplotlib prints every character."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import matplotlib

from kilnguard.services.investigation.report.charts import make_charts
from kilnguard.services.investigation.report.data import RECON, local_time, long_date


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
        f"{inc['kiln'] or ''} — {long_date(inc['occurred_at'], tz)}{lab(inc['source'])}",
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
