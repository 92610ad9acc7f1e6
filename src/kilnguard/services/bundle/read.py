"""Reading a bundle: an XLSX workbook (one sheet per record kind) or a directory of
`<sheet>.csv` files, into columns of cell text. Nothing is interpreted here but the layout;
the plan parses and checks every value.

A bundle over `MAX_BUNDLE_BYTES` is refused before a byte of it is read.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import hashlib
import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kilnguard.domain.errors import KilnguardError, listing

MAX_BUNDLE_BYTES = 200 * 1024 * 1024
"""The largest bundle accepted (file, or the CSV files of a directory together) [bytes]."""


@dataclass(frozen=True)
class BundleError:
    """One problem in a bundle. `row` is the spreadsheet row: the header is row 1, the first
    data row is row 2 (0: the bundle as a whole)."""

    sheet: str
    row: int
    column: str
    value: str
    rule: str

    def __str__(self) -> str:
        where = self.sheet or "bundle"
        if self.row:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        value = f" {self.value!r}" if self.value != "" else ""
        return f"{where}:{value} {self.rule}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class BundleInvalid(KilnguardError):
    """Every problem of a bundle; nothing of it was stored."""

    def __init__(self, errors: list[BundleError]) -> None:
        self.errors = errors
        super().__init__(
            listing(f"{len(errors)} problem(s); nothing was stored", [str(e) for e in errors])
        )


@dataclass
class RawSheet:
    """One sheet as read: its header and its columns of cell text (empty cell: "")."""

    name: str
    header: list[str]
    columns: list[Sequence[str]]
    n_rows: int
    row_numbers: list[int] | None = None  # spreadsheet rows when not 2, 3, … (blank rows)
    errors: list[BundleError] = field(default_factory=list)

    def row_number(self, index: int) -> int:
        return self.row_numbers[index] if self.row_numbers is not None else index + 2


@dataclass
class Bundle:
    sheets: dict[str, RawSheet]
    name: str
    sha256: str
    size_bytes: int


def _too_big(size: int, name: str) -> BundleInvalid:
    return BundleInvalid(
        [
            BundleError(
                "",
                0,
                "",
                name,
                f"is {size / 2**20:.1f} MB; a bundle may be at most {MAX_BUNDLE_BYTES // 2**20} MB "
                "(split it, e.g. one bundle per enterprise or per year)",
            )
        ]
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.tzinfo is None and value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return repr(value)
    return str(value)


def _sheet(name: str, rows: Iterable[Sequence[Any]], as_text: bool) -> RawSheet:
    it = iter(rows)
    header_cells = next(it, None)
    if header_cells is None:
        return RawSheet(name, [], [], 0)
    header = [_text(h).strip() for h in header_cells]
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    every: list[Sequence[str]] = list(it) if as_text else [[_text(v) for v in r] for r in it]
    data = [r for r in every if any(r)]  # blank rows are skipped (their numbers kept)
    numbers = None
    if len(data) != len(every):
        numbers = [n for n, r in enumerate(every, start=2) if any(r)]
    errors: list[BundleError] = []
    if any(len(r) != width for r in data):
        fixed: list[Sequence[str]] = []
        for j, cells in enumerate(data):
            if len(cells) > width and any(cells[width:]):
                n = numbers[j] if numbers is not None else j + 2
                errors.append(
                    BundleError(name, n, "", "", f"has {len(cells)} cells; the header has {width}")
                )
            fixed.append((list(cells) + [""] * width)[:width])
        data = fixed
    columns: list[Sequence[str]] = list(zip(*data, strict=True)) if data else [() for _ in header]
    return RawSheet(name, header, columns, len(data), numbers, errors)


def _read_xlsx(stream: io.BytesIO | Path, name: str, sha: str, size: int) -> Bundle:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise BundleInvalid(
            [BundleError("", 0, "", name, f"is not a readable XLSX workbook ({exc})")]
        ) from None
    try:
        with paused_gc():
            sheets = {
                ws.title: _sheet(ws.title, ws.iter_rows(values_only=True), False) for ws in wb
            }
    finally:
        wb.close()
    return Bundle(sheets, name, sha, size)


def _read_csv_text(sheet: str, data: bytes) -> RawSheet:
    text = data.decode("utf-8-sig")
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    if '"' not in text and "\r" not in text:
        # nothing quoted: a plain split reads it as csv would, several times faster
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        with paused_gc():
            return _sheet(sheet, [line.split(",") for line in lines], True)
    with paused_gc():
        return _sheet(sheet, csv.reader(io.StringIO(text, newline="")), True)


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while millions of cells are made (they hold no cycles; the
    collector would rescan them all again and again)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def read_bundle(path: Path) -> Bundle:
    """Read an XLSX file or a directory of CSV files (refused over `MAX_BUNDLE_BYTES`)."""
    if path.is_dir():
        files = sorted(path.glob("*.csv"))
        size = sum(f.stat().st_size for f in files)
        if size > MAX_BUNDLE_BYTES:
            raise _too_big(size, str(path))
        if not files:
            raise BundleInvalid([BundleError("", 0, "", str(path), "holds no <sheet>.csv file")])
        digest = hashlib.sha256()
        sheets = {}
        for f in files:
            data = f.read_bytes()
            digest.update(f.name.encode() + b"\0" + data)
            sheets[f.stem] = _read_csv_text(f.stem, data)
        return Bundle(sheets, path.name, digest.hexdigest(), size)
    if not path.exists():
        raise BundleInvalid([BundleError("", 0, "", str(path), "no such file or directory")])
    size = path.stat().st_size
    if size > MAX_BUNDLE_BYTES:
        raise _too_big(size, path.name)
    return read_bundle_bytes(path.read_bytes(), path.name)


def read_bundle_bytes(data: bytes, filename: str) -> Bundle:
    """Read an uploaded bundle: an XLSX workbook, or one CSV file named `<sheet>.csv`."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise _too_big(len(data), filename)
    sha = hashlib.sha256(data).hexdigest()
    if filename.lower().endswith(".csv"):
        sheet = Path(filename).stem
        return Bundle({sheet: _read_csv_text(sheet, data)}, filename, sha, len(data))
    return _read_xlsx(io.BytesIO(data), filename, sha, len(data))
