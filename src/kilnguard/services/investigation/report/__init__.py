"""Investigation report: a self-contained HTML file and a PDF (issue 6, deliverable 4).

Self-contained means no remote assets: the CSS is inline, the charts are PNGs made with
matplotlib (Agg backend) embedded as base64 data URIs in the HTML and as images in the PDF
(fpdf2: DejaVu Sans shipped inside matplotlib, with a Korean-capable system font, NanumGothic or
Noto Sans CJK, embedded as the fallback; Korean text with neither installed fails, naming the
package to install).
Every fact whose record is a reconstruction carries the label "reconstructed".

Sections: incident facts with casualties and severity; load against rating over the window
(chart and days above rating); targets entered; deferred repairs with reasons; rosters and
fatigue; alerts and who acknowledged them; change requests with objections and overrules;
the full timeline with dates; findings (attributed); the CAST control structure (diagram and
per-controller analysis); corrective actions; evidence and interviews.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from kilnguard.services.access import Principal
from kilnguard.services.investigation.report.charts import cast_chart as cast_chart
from kilnguard.services.investigation.report.charts import fatigue_chart as fatigue_chart
from kilnguard.services.investigation.report.charts import load_chart as load_chart
from kilnguard.services.investigation.report.charts import make_charts as make_charts
from kilnguard.services.investigation.report.charts import rates_chart as rates_chart
from kilnguard.services.investigation.report.data import CHANGE_KINDS as CHANGE_KINDS
from kilnguard.services.investigation.report.data import RECON as RECON
from kilnguard.services.investigation.report.data import local_time as local_time
from kilnguard.services.investigation.report.data import long_date as long_date
from kilnguard.services.investigation.report.data import report_data as report_data
from kilnguard.services.investigation.report.html import render_html as render_html
from kilnguard.services.investigation.report.pdf import render_pdf as render_pdf


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
