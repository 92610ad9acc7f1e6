"""Issue 13 point 8: the backtest plots draw the engine's own thresholds (KSS 8, not 7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kilnguard.domain.risk import (
    KilnSpec,
    ProductionRecord,
    Records,
    RiskConfig,
    ShiftRecord,
    assess,
    build_inputs,
)
from kilnguard.services.backtest import plot_panels
from kilnguard.services.risk import LoadedHistory
from tests.domain.test_risk import D0, day


def test_the_sleepiness_panel_draws_the_engine_s_kss_threshold() -> None:
    kiln = KilnSpec("K1", "kiln K1", "rotary", "E", 1.0, 1000.0, 90.0)
    s = datetime(D0.year, D0.month, D0.day, 7, tzinfo=UTC)
    records = Records(
        [kiln],
        [ProductionRecord("K1", day(i), 1.0, 24.0) for i in range(3)],
        shifts=[ShiftRecord("w", "A", "K1", s, s + timedelta(hours=8))],
    )
    for cfg in (RiskConfig(), RiskConfig(kss_reference=7.5)):
        result = assess(build_inputs(records, D0, day(2), cfg), cfg)
        history = LoadedHistory(records, D0, day(2), 0.0, (), {})
        panels = {p[0]: p for p in plot_panels(history, result, 0, slice(0, 3))}
        kss = panels["crew sleepiness [KSS]"]
        assert kss[2] == cfg.kss_reference
        assert f"{cfg.kss_reference:g}" in kss[3]
        assert panels["continuous operation [days]"][2] == 90.0
