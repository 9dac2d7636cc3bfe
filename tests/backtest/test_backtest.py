"""Backtests: the fit sees only observations up to the cut-off; errors are reported after it."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from supplyshock.analysis.backtest import BacktestError, load_backtest, run_backtest
from supplyshock.cli import main
from supplyshock.observed import shipped_path

SMALL_2025 = {
    "approval_scale": [1.0, 3.0],
    "delay_scale": [0.5, 1.0],
    "licence_coverage_scale": [0.7, 1.0],
    "licence_phase_in_days": [0.0, 15.0],
}


def _spec_2025(**update: object):  # type: ignore[no-untyped-def]
    spec = load_backtest("cn-2025-controls")
    data = json.loads(spec.model_dump_json())
    data.update({"parameters": SMALL_2025, "refine": False, **json.loads(json.dumps(update, default=str))})
    return type(spec).model_validate(data)


def _perturbed_copy(tmp_path: Path, after: dt.date, factor: float) -> Path:
    """The shipped observations with every value dated after ``after`` multiplied by ``factor``."""
    src = shipped_path("china-exports-2025")
    out = tmp_path / "perturbed.csv"
    with open(src, newline="", encoding="utf-8") as fh, open(out, "w", newline="", encoding="utf-8") as fo:
        reader = csv.DictReader(fh)
        writer = csv.DictWriter(fo, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        for row in reader:
            period = row["period"]
            if len(period) == 7 and pd.Period(period, freq="M").start_time.date() > after and row["value"]:
                row["value"] = str(float(row["value"]) * factor)
                if row.get("yoy_change_pct"):
                    row["yoy_change_pct"] = str(min(float(row["yoy_change_pct"]) * 0.5, 90.0))
            writer.writerow(row)
    return out


def test_observations_after_the_cut_off_do_not_influence_the_fit(tmp_path: Path) -> None:
    cut = dt.date(2025, 4, 30)
    a = run_backtest(_spec_2025(fit_until=cut))
    b = run_backtest(_spec_2025(fit_until=cut), observed=[str(_perturbed_copy(tmp_path, cut, 3.0)), "cn-2025-calibration"])
    assert a.fitted == b.fitted
    assert a.objective == b.objective
    np.testing.assert_array_equal(a.grid["objective"].to_numpy(), b.grid["objective"].to_numpy())
    # ... but they do change the reported out-of-sample error
    ea = a.errors.set_index("series")["mape_pct"]
    eb = b.errors.set_index("series")["mape_pct"]
    assert not np.isclose(ea["china_magnet_exports_total"], eb["china_magnet_exports_total"])


def test_observations_before_the_cut_off_do(tmp_path: Path) -> None:
    cut = dt.date(2025, 4, 30)
    a = run_backtest(_spec_2025(fit_until=cut))
    b = run_backtest(_spec_2025(fit_until=cut), observed=[str(_perturbed_copy(tmp_path, dt.date(2024, 12, 31), 0.2)), "cn-2025-calibration"])
    assert a.objective != b.objective


def test_the_2025_drop_is_reproduced_in_direction_and_rough_size() -> None:
    """Fitted to April only, May (out of sample) shows the collapse."""
    res = run_backtest(_spec_2025(fit_until=dt.date(2025, 4, 30)))
    pts = res.points.set_index(["series", "period"])
    may_total = pts.loc[("china_magnet_exports_total", "2025-05")]
    may_us = pts.loc[("china_magnet_exports_to_us", "2025-05")]
    baseline_may = 58152.0 / 365 * 31
    assert may_total["model"] < 0.5 * baseline_may  # observed: -74% y/y
    assert may_us["model"] < 0.5 * 7957.6 / 365 * 31  # observed: -93% y/y
    errs = res.errors.set_index("series")
    assert (errs.loc[["china_magnet_exports_total", "china_magnet_exports_to_us", "china_magnet_exports_to_germany"], "n"] > 0).all()
    # the April month-on-month changes are in sample: no out-of-sample score for them
    assert errs.loc["china_magnet_exports_to_india", "n"] == 0


def test_the_2011_spike_is_reproduced() -> None:
    spec = load_backtest("cn-2010-quota")
    data = json.loads(spec.model_dump_json())
    data.update({"parameters": {"price_flexibility": [0.35, 0.5], "price_adjustment_days": [30.0, 60.0]}, "refine": False})
    spec = type(spec).model_validate(data)
    res = run_backtest(spec)
    model = res.model_monthly["dy_oxide_price_fob_china"]
    peak = model.max()
    assert peak / 91.0 >= 10  # observed about 26-fold, January 2009 to August 2011
    assert model.idxmax().year in (2011, 2012)


def test_bad_cut_offs_and_series(tmp_path: Path) -> None:
    with pytest.raises(BacktestError, match="outside the observations"):
        run_backtest(_spec_2025(fit_until=dt.date(2026, 6, 30)))
    with pytest.raises(BacktestError, match="outside the observations"):
        run_backtest(_spec_2025(fit_until=dt.date(2023, 1, 31)))
    spec = _spec_2025(series=[{"series": "no_such_series", "exporter": "CHN", "product": "ndfeb_magnet"}])
    with pytest.raises(BacktestError, match="no series no_such_series"):
        run_backtest(spec)


def test_cli_backtest_json_and_plot(tmp_path: Path) -> None:
    spec = _spec_2025()
    path = tmp_path / "bt.yaml"
    path.write_text(json.dumps(json.loads(spec.model_dump_json())), encoding="utf-8")
    res = CliRunner().invoke(main, ["backtest", str(path), "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.output)
    assert set(payload["fitted"]) == set(SMALL_2025)
    res = CliRunner().invoke(main, ["backtest", str(path), "--plot", str(tmp_path / "p.png")])
    assert res.exit_code == 0, res.output
    assert "Out-of-sample error" in res.output and (tmp_path / "p.png").stat().st_size > 1000
    res = CliRunner().invoke(main, ["backtest", str(path), "--fit-until", "2030-01-01"])
    assert res.exit_code == 2 and "outside" in res.output


def test_the_fit_runs_the_central_case_whatever_the_scenarios_uncertain_block(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parameters not fitted keep their central values: a wider uncertain block changes no fitted value."""
    import supplyshock.analysis.backtest as bt
    from supplyshock.scenario import load_scenario

    spec = _spec_2025(fit_until=dt.date(2025, 4, 30))
    plain = run_backtest(spec)

    def wider(name: str) -> object:
        sc = load_scenario(name)
        extra = [
            {"name": "cover_scale", "dist": "uniform", "low": 0.2, "high": 0.3},
            {"name": "line_loss_exponent", "dist": "uniform", "low": 3.0, "high": 4.0},
        ]
        return type(sc).model_validate({**sc.model_dump(by_alias=True), "uncertain": extra, "correlation": []})

    monkeypatch.setattr(bt, "load_scenario", wider)
    widened = run_backtest(spec)
    assert widened.fitted == plain.fitted and widened.objective == pytest.approx(plain.objective, rel=1e-12)
