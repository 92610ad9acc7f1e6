"""Backtest: replay the stored history day by day and report when each kiln reached each level.

The engine scores every kiln-day of the history in one columnar pass; this module summarises
each kiln over its own record span (first to last production day) and draws, per kiln, the
indicators with their thresholds and the level band — what a plant manager would look at.
`run` does it for any number of kilns a chunk at a time (`services.risk.replay_chunks`), so a
region's backtest needs the memory of one chunk, with the levels of a one-shot replay.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from kilnguard.domain import risk as rk
from kilnguard.services.risk import CHUNK_KILN_DAYS, LoadedHistory, replay_chunks
from kilnguard.services.risk import kiln_span as kiln_span
from kilnguard.store import models as m

LEVELS = ("green", "amber", "red", "stop")
LEVEL_COLOURS = ("#1b7f3a", "#e0a000", "#c0261c", "#5a0b6e")


@dataclass(frozen=True)
class KilnBacktest:
    kiln: str
    kiln_id: int
    enterprise: str
    first_day: dt.date
    last_day: dt.date
    first: dict[str, str | None]
    days: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        return {
            "kiln": self.kiln,
            "kiln_id": self.kiln_id,
            "enterprise": self.enterprise,
            "from": self.first_day.isoformat(),
            "to": self.last_day.isoformat(),
            "first": self.first,
            "days": self.days,
        }


def summarise(history: LoadedHistory, result: rk.RiskResult) -> list[KilnBacktest]:
    out = []
    for i, kiln in enumerate(history.kiln_rows):
        lo, hi = kiln_span(history, i)
        levels = result.levels[i, lo : hi + 1] if hi >= lo else np.zeros(0, np.int8)
        first: dict[str, str | None] = {}
        for code, name in enumerate(LEVELS[1:], start=1):
            hits = np.flatnonzero(levels >= code)
            first[name] = (
                (history.start + dt.timedelta(days=lo + int(hits[0]))).isoformat()
                if len(hits)
                else None
            )
        out.append(
            KilnBacktest(
                kiln=kiln.name,
                kiln_id=kiln.id,
                enterprise=history.enterprise_names[kiln.enterprise_id],
                first_day=history.start + dt.timedelta(days=lo),
                last_day=history.start + dt.timedelta(days=max(hi, lo)),
                first=first,
                days={name: int((levels == code).sum()) for code, name in enumerate(LEVELS)},
            )
        )
    return out


def plot_kiln(history: LoadedHistory, result: rk.RiskResult, index: int, path: Path) -> Path:
    """Write the kiln's indicator plot (`plot_kiln_png`) to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(plot_kiln_png(history, result, index))
    return path


def plot_panels(
    history: LoadedHistory, result: rk.RiskResult, index: int, sl: slice
) -> list[tuple[str, Any, float | None, str]]:
    """(label, values, threshold, note) of each indicator panel: the thresholds are the engine's
    own (``result.config``), so a plot never draws a line the engine does not use."""
    return [
        ("load ratio [× rating]", result.load_ratio_7d[index, sl], 1.0, "7-day mean; 1.0 = rating"),
        (
            "target pressure [×]",
            result.target_pressure[index, sl],
            1.0,
            "> 1: cannot be met safely",
        ),
        (
            "lining wear damage [–]",
            result.wear_damage[index, sl],
            1.0,
            "Miner sum; 1.0 = design life",
        ),
        (
            "maintenance overdue [days]",
            result.maint_overdue_days[index, sl],
            None,
            "safety-critical",
        ),
        (
            "continuous operation [days]",
            result.continuous_days[index, sl],
            float(history.records.kilns[index].campaign_limit_days),
            "campaign limit",
        ),
        (
            "crew sleepiness [KSS]",
            result.fatigue.kss_worst[index, sl],
            result.config.kss_reference,
            f"KSS > {result.config.kss_reference:g}: the engine's fatigue factor",
        ),
    ]


def plot_kiln_png(history: LoadedHistory, result: rk.RiskResult, index: int) -> bytes:
    """Indicators over time with their thresholds, and the level band underneath, as PNG
    bytes. Drawn on a bare `Figure` in memory: no pyplot state, no backend switch, no file."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    cfg = result.config
    lo, hi = kiln_span(history, index)
    hi = max(hi, lo)
    days = [history.start + dt.timedelta(days=d) for d in range(lo, hi + 1)]
    sl = slice(lo, hi + 1)
    kiln = history.kiln_rows[index]
    panels = plot_panels(history, result, index, sl)
    fig = Figure(figsize=(10, 13))
    axes = fig.subplots(len(panels) + 1, 1, sharex=True)
    for ax, (label, values, threshold, note) in zip(axes, panels, strict=False):
        ax.plot(days, values, color="#234e7a", lw=1.5)
        if threshold is not None:
            ax.axhline(threshold, color="#c0261c", ls="--", lw=1, label=note)
            ax.legend(loc="upper left", fontsize=8, frameon=False)
        ax.set_ylabel(label, fontsize=8)
        ax.grid(alpha=0.3)
    band = axes[-1]
    levels = result.levels[index, sl]
    for d, lv in zip(days, levels, strict=False):
        band.axvspan(d, d + dt.timedelta(days=1), color=LEVEL_COLOURS[int(lv)], lw=0)
    band.set_yticks([])
    band.set_ylabel("level", fontsize=8)
    handles = [
        Rectangle((0, 0), 1, 1, color=c, label=n)
        for n, c in zip(LEVELS, LEVEL_COLOURS, strict=True)
    ]
    band.legend(handles=handles, loc="upper left", ncol=4, fontsize=8, frameon=False)
    fig.suptitle(
        f"{kiln.name} — {history.enterprise_names[kiln.enterprise_id]}: indicators and risk level "
        f"(thresholds: amber ≥ {cfg.amber_at:g}×, red ≥ {cfg.red_at:g}×, stop ≥ {cfg.stop_at:g}×)",
        fontsize=10,
    )
    fig.autofmt_xdate()
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=80)
    return out.getvalue()


def plot_all(
    history: LoadedHistory,
    result: rk.RiskResult,
    directory: Path,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    paths = []
    for i, kiln in enumerate(history.kiln_rows):
        ent = history.enterprise_names[kiln.enterprise_id]
        safe = "".join(c if c.isalnum() else "-" for c in f"{ent}-{kiln.name}").strip("-").lower()
        paths.append(plot_kiln(history, result, i, directory / f"{safe}.png"))
        if progress:
            progress(kiln.name)
    return paths


@dataclass(frozen=True)
class BacktestRun:
    """A chunked backtest: one summary per kiln (in the order asked), the plots written, and
    the window replayed."""

    kilns: list[KilnBacktest]
    plots: list[Path]
    start: dt.date | None
    end: dt.date | None
    kiln_days: int


def run(
    session: Session,
    kilns: list[m.Kiln],
    *,
    config: rk.RiskConfig | None = None,
    plots: Path | None = None,
    progress: Callable[[str], None] | None = None,
    chunk_kiln_days: int = CHUNK_KILN_DAYS,
) -> BacktestRun:
    """Replay `kilns` chunk by chunk, summarise each kiln and (with `plots`) draw it; `progress`
    is called with each kiln's name once it is done."""
    summaries: dict[int, KilnBacktest] = {}
    paths: list[Path] = []
    start = end = None
    kiln_days = 0
    for history, result in replay_chunks(
        session, kilns, config=config, chunk_kiln_days=chunk_kiln_days
    ):
        start, end = history.start, history.end
        kiln_days += len(history.kiln_rows) * result.levels.shape[1]
        for summary in summarise(history, result):
            summaries[summary.kiln_id] = summary
        if plots is not None:
            paths += plot_all(history, result, plots, progress)
        elif progress:
            for kiln in history.kiln_rows:
                progress(kiln.name)
        del history, result  # one chunk in memory at a time
    return BacktestRun([summaries[k.id] for k in kilns], paths, start, end, kiln_days)
