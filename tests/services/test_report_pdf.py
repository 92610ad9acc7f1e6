"""The investigation report PDF prints Korean with an embedded system font and never drops text
silently (issue 15, point 8)."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from kilnguard.services import investigation as inv
from kilnguard.services.access import SYSTEM
from kilnguard.services.investigation import report as rep
from kilnguard.services.investigation.report import pdf as pdf_module
from kilnguard.store import db as store_db
from kilnguard.store import models as m

KOREAN = "가마 폭발"
PRIVATE = "\U000f0000"  # a private-use character no font has


@pytest.fixture(scope="module")
def demo(fresh_database_url: Callable[[], str]) -> Iterator[Engine]:
    from tests.conftest import build_demo_database

    url = fresh_database_url()
    build_demo_database(url)
    engine = store_db.make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE incidents SET description = :d"),
            {"d": f"{KOREAN}: 2호 가마 (Kiln 2) \x1b[31m{PRIVATE} end"},
        )
    yield engine
    engine.dispose()


def _report(s: Session, path: Path) -> bytes:
    kiln_id = s.scalars(select(m.Kiln.id).where(m.Kiln.name == "RF-2")).one()
    incident = s.scalars(select(m.Incident.id).where(m.Incident.kiln_id == kiln_id)).one()
    found = inv.investigation_for_incident(s, SYSTEM, incident)
    assert found is not None
    rep.write_report(s, SYSTEM, found.id, pdf_path=path)
    return path.read_bytes()


def _pdf_text(data: bytes) -> tuple[str, set[str]]:
    """The shown text of an fpdf2 PDF (Identity-H fonts, one page's content streams), decoded
    through each font's ToUnicode map, and the base names of its fonts."""
    objects = {int(mt.group(1)): mt.start() for mt in re.finditer(rb"(\d+) 0 obj", data)}

    def body(num: int) -> bytes:
        start = objects[num]
        return data[start : data.index(b"endobj", start)]

    def stream(chunk: bytes) -> bytes:
        raw = chunk[chunk.index(b"stream") + 6 :].lstrip(b"\r\n")
        raw = raw[: raw.rindex(b"endstream")]
        try:
            return zlib.decompressobj().decompress(raw)
        except zlib.error:
            return raw

    to_unicode: dict[bytes, dict[int, str]] = {}
    names: set[str] = set()
    for res, num in re.findall(rb"/(F\d+) (\d+) 0 R", data):
        font = body(int(num))
        names.add(re.search(rb"/BaseFont /(\S+)", font).group(1).decode())  # type: ignore[union-attr]
        cmap_ref = re.search(rb"/ToUnicode (\d+) 0 R", font)
        assert cmap_ref is not None
        cmap = stream(body(int(cmap_ref.group(1)))).decode("latin-1")
        table: dict[int, str] = {}
        for part in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
            for cid, uni in re.findall(r"<(\w{4})>\s*<(\w+)>", part):
                table[int(cid, 16)] = bytes.fromhex(uni).decode("utf-16-be")
        for part in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
            for lo, hi, uni in re.findall(r"<(\w{4})>\s*<(\w{4})>\s*<(\w+)>", part):
                for i in range(int(hi, 16) - int(lo, 16) + 1):
                    table[int(lo, 16) + i] = chr(int(uni, 16) + i)
        to_unicode[res] = table
    shown: list[str] = []
    for page in re.finditer(rb"/Contents (\d+) 0 R", data):
        content = stream(body(int(page.group(1))))
        font = b""
        tokens = rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj|\b(ET)\b"
        for tf, tj, et in re.findall(tokens, content, re.S):
            if tf:
                font = tf
            elif et:
                shown.append("\n")  # one text object per line of a cell
            else:
                raw = re.sub(rb"\\(.)", lambda x: {b"r": b"\r", b"n": b"\n"}.get(x[1], x[1]), tj)
                shown += [
                    to_unicode[font].get(int.from_bytes(raw[i : i + 2]), "?")
                    for i in range(0, len(raw), 2)
                ]
    return "".join(shown), names


def test_a_korean_description_is_printed_with_an_embedded_korean_font(
    ds: Session, tmp_path: Path
) -> None:
    shown, fonts = _pdf_text(_report(ds, tmp_path / "r.pdf"))
    assert any("Nanum" in f or "CJK" in f for f in fonts), fonts
    assert f"{KOREAN}: 2호 가마 (Kiln 2)" in shown
    assert "\ufffd end" in shown  # a character no font has is shown, not dropped
    assert "\x1b" not in shown and "[31m" not in shown


def test_korean_text_without_a_korean_font_fails_naming_the_package(
    ds: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        pdf_module, "KOREAN_FONTS", (pdf_module.SystemFont(tmp_path / "none.ttf", None),)
    )
    with pytest.raises(pdf_module.MissingFont, match="fonts-nanum"):
        _report(ds, tmp_path / "r.pdf")
    assert not (tmp_path / "r.pdf").exists()
