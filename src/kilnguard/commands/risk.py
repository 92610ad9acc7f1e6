"""`kilnguard backtest` and `kilnguard risk`: the risk engine over the stored history."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from kilnguard.commands import day_option, fail, guarded, who_of
from kilnguard.domain import risk as rk
from kilnguard.services import backtest as bt
from kilnguard.services import risk as rs
from kilnguard.services import uow as db
from kilnguard.services.access import SYSTEM


def register(app: typer.Typer) -> None:
    @app.command()
    def backtest(
        enterprise: Annotated[
            str, typer.Option(help="Only this enterprise (name or part of it, e.g. Komusan).")
        ] = "",
        as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
        plots: Annotated[
            Path, typer.Option(help="Folder for one PNG per kiln (indicators and level band).")
        ] = Path("backtest-plots"),
        no_plots: Annotated[bool, typer.Option("--no-plots", help="Skip the plots.")] = False,
        user: Annotated[
            str, typer.Option(help="Replay what this user may see (default: all).")
        ] = "",
    ) -> None:
        """Replay the database's history day by day with the default risk configuration.

        For every kiln: the first date it reached amber, red and stop, and the days spent at
        each level over its own record span; one plot per kiln of its indicators, thresholds
        and level band. `--json` prints {"kilns": [{"kiln", "enterprise", "first": {...},
        "days": {...}}]}.
        """
        t0 = time.perf_counter()
        plot_dir = None if no_plots else plots
        with guarded(), db.unit_of_work() as session:
            kilns = rs.readable_kilns(session, who_of(session, user), enterprise=enterprise or None)
            if sys.stderr.isatty() and not as_json:
                from rich.progress import Progress

                with Progress(transient=True) as bar:
                    task = bar.add_task("replaying kilns", total=len(kilns))
                    run = bt.run(
                        session, kilns, plots=plot_dir, progress=lambda _: bar.advance(task)
                    )
            else:
                run = bt.run(session, kilns, plots=plot_dir)
        summary, paths, kiln_days = run.kilns, run.plots, run.kiln_days
        if as_json:
            typer.echo(json.dumps({"kilns": [k.as_json() for k in summary]}, indent=2))
            return
        days = (run.end - run.start).days + 1 if run.start and run.end else 0
        typer.echo(
            f"Replayed {len(kilns)} kilns × {days} days ({kiln_days:,} kiln-days) from "
            f"{run.start} to {run.end} in {time.perf_counter() - t0:.2f} s."
        )
        typer.echo("")
        typer.echo(
            f"{'enterprise':<38} {'kiln':<6} {'first amber':<11} {'first red':<11} {'first stop':<11} days green/amber/red/stop"
        )
        for k in summary:
            f = k.first
            d = k.days
            typer.echo(
                f"{k.enterprise[:38]:<38} {k.kiln:<6} {f['amber'] or '—':<11} {f['red'] or '—':<11} "
                f"{f['stop'] or '—':<11} {d['green']}/{d['amber']}/{d['red']}/{d['stop']}"
            )
        if paths:
            typer.echo(f"\nPlots: {len(paths)} PNG files in {plots}/")

    @app.command()
    def risk(
        kiln: Annotated[str, typer.Argument(help="Kiln name, e.g. RF-2.")],
        day: Annotated[
            str, typer.Option(help="Day to explain (YYYY-MM-DD); default: last record.")
        ] = "",
        enterprise: Annotated[str, typer.Option(help="Enterprise (when kiln names repeat).")] = "",
        as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    ) -> None:
        """Explain one kiln's risk level on one day: the barriers that moved it, worst first."""

        with db.unit_of_work() as session:
            kilns = [
                k
                for k in rs.readable_kilns(session, SYSTEM, enterprise=enterprise or None)
                if k.name == kiln
            ]
            if not kilns:
                raise fail(f"kiln: no kiln named {kiln!r}")
            history = rs.load_history(session, kilns[:1])
        result = rs.replay(history)
        when = day_option("--day", day) or history.end
        if not history.start <= when <= history.end:
            raise fail(f"day: {when} is outside the records ({history.start} to {history.end})")
        e = rk.explain(result, 0, (when - history.start).days)
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "kiln": kiln,
                        "day": when.isoformat(),
                        "level": e.level,
                        "risk_ratio": round(e.risk_ratio, 3),
                        "barriers": [
                            {
                                "barrier": f.barrier,
                                "factor": round(f.factor, 3),
                                "level": f.level,
                                "facts": list(f.facts),
                            }
                            for f in e.findings
                        ],
                        "text": e.text,
                    },
                    indent=2,
                )
            )
        else:
            typer.echo(e.text)
