"""The report as a PDF (fpdf2) with the HTML report's sections and the same PNG charts.

Text is set in DejaVu Sans (shipped inside matplotlib: Latin, Greek, Cyrillic, symbols). Korean
(and the Chinese characters of Korean text) falls back to a declared system font, the first of
`KOREAN_FONTS` found: Debian's `fonts-nanum` (NanumGothic) or `fonts-noto-cjk` (Noto Sans CJK),
embedded as a subset. No text is dropped silently: Korean or other CJK text with neither font
installed stops the report with `MissingFont` naming the package; any other character no font
has prints as U+FFFD (�), and control characters are removed.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import matplotlib

from kilnguard.domain.errors import KilnguardError
from kilnguard.services.investigation.report.charts import make_charts
from kilnguard.services.investigation.report.data import RECON, local_time, long_date

KOREAN_FONT_PACKAGE = "fonts-nanum"


class SystemFont(NamedTuple):
    regular: Path
    bold: Path | None
    face: int = 0
    """Face index inside a font collection (.ttc); 1 is the Korean face of Noto Sans CJK."""


KOREAN_FONTS: tuple[SystemFont, ...] = (
    SystemFont(
        Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf"),
        Path("/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf"),
    ),
    SystemFont(
        Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
        Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
        face=1,
    ),
)
"""Where Debian's `fonts-nanum` and `fonts-noto-cjk` put their fonts, in order of preference."""

_CJK_RANGES = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x2E80, 0x2FDF),  # CJK radicals
    (0x3000, 0x30FF),  # CJK symbols and punctuation, Hiragana, Katakana
    (0x3130, 0x318F),  # Hangul compatibility Jamo
    (0x3200, 0x4DBF),  # enclosed CJK, compatibility, extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs (Hanja)
    (0xA960, 0xA97F),  # Hangul Jamo extended A
    (0xAC00, 0xD7FF),  # Hangul syllables, Jamo extended B
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF00, 0xFFEF),  # half- and full-width forms
)


_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?")
"""Terminal escape sequences (CSI, OSC) pasted into stored text: dropped whole."""


class MissingFont(KilnguardError):
    """The report holds text that no installed font can print."""


def korean_font() -> SystemFont | None:
    """The first of `KOREAN_FONTS` installed on this machine, if any."""
    return next((f for f in KOREAN_FONTS if f.regular.is_file()), None)


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return any(lo <= code <= hi for lo, hi in _CJK_RANGES)


class _Coverage:
    """The code points the report's fonts can print, to keep every character visible."""

    def __init__(self, pdf: Any, keys: tuple[str, ...], korean: bool) -> None:
        self.points: set[int] = set()
        for key in keys:
            self.points.update(getattr(pdf.fonts[key], "cmap", {}))
        self.korean = korean

    def clean(self, text: str) -> str:
        out: list[str] = []
        missing: list[str] = []
        for char in _ESCAPES.sub("", text):
            if char == "\n":
                out.append(char)
            elif char == "\t":
                out.append(" ")
            elif unicodedata.category(char) in ("Cc", "Cs"):
                continue  # control characters (and lone surrogates): nothing to see
            elif ord(char) in self.points:
                out.append(char)
            elif unicodedata.category(char) == "Cf":
                continue  # invisible format characters a font does not draw
            elif _is_cjk(char) and not self.korean:
                missing.append(char)
            else:
                out.append("\ufffd")
        if missing:
            raise MissingFont(
                f"the report holds Korean/CJK text ({''.join(dict.fromkeys(missing))[:20]}) "
                "but no font for it is installed: install the Debian package "
                f"{KOREAN_FONT_PACKAGE} (apt-get install {KOREAN_FONT_PACKAGE}), or "
                f"fonts-noto-cjk; looked for {', '.join(str(f.regular) for f in KOREAN_FONTS)}"
            )
        return "".join(out)


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
    keys = ["dejavu", "dejavuB"]
    if (ko := korean_font()) is not None:
        # Nanum's hinting tables cannot be subset; fontTools warns on every report otherwise.
        logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
        pdf.add_font("Korean", "", str(ko.regular), collection_font_number=ko.face)
        keys.append("korean")
        if ko.bold is not None and ko.bold.is_file():
            pdf.add_font("Korean", "B", str(ko.bold), collection_font_number=ko.face)
            keys.append("koreanB")
        pdf.set_fallback_fonts(["Korean"], exact_match=False)
    cover = _Coverage(pdf, tuple(keys), korean=ko is not None)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def h(text: str, size: int = 13) -> None:
        pdf.ln(2)
        pdf.set_font("DejaVu", "B", size)
        pdf.multi_cell(width, 6, cover.clean(text), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)

    def p(text: str) -> None:
        pdf.set_font("DejaVu", "", 9)
        pdf.multi_cell(width, 4.5, cover.clean(text), new_x="LMARGIN", new_y="NEXT")

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
            cover.clean(f"{ctl['level']}. {ctl['name']}{lab(ctl['source'])}"),
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
