"""Sampling of uncertain parameters: distributions, bounds, correlation, seeds, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError
from scipy import stats

from supplyshock.scenario import validate_text
from supplyshock.scenario.uncertainty import Correlation, Uncertain, sample


@pytest.mark.parametrize("method", ["lhs", "sobol", "random"])
def test_bounds_and_seed(method: str) -> None:
    u = [
        Uncertain(name="cover_scale", dist="uniform", low=0.5, high=1.5),
        Uncertain(name="delay_scale", dist="triangular", low=0.5, mode=1.0, high=2.0),
        Uncertain(name="switching_lag_days", dist="normal", mean=60, sd=30, low=10, high=120),
        Uncertain(name="price_flexibility", dist="lognormal", mean=-1.0, sd=0.4, low=0.1, high=1.0),
        Uncertain(name="trade_elasticity", dist="choice", values=[1.0, 2.0, 4.0], weights=[1, 2, 1]),
    ]
    a = sample(u, [], 256, seed=3, method=method)
    b = sample(u, [], 256, seed=3, method=method)
    c = sample(u, [], 256, seed=4, method=method)
    for p in u:
        assert np.array_equal(a[p.name], b[p.name])
        lo = p.low if p.low is not None else min(p.values or [0])
        hi = p.high if p.high is not None else max(p.values or [0])
        assert a[p.name].min() >= lo and a[p.name].max() <= hi
    assert not np.array_equal(a["cover_scale"], c["cover_scale"])
    assert set(np.unique(a["trade_elasticity"])) <= {1.0, 2.0, 4.0}
    # weights 1:2:1 -> about half the draws take the middle value
    assert 0.4 < np.mean(a["trade_elasticity"] == 2.0) < 0.6


def test_lhs_is_stratified() -> None:
    u = [Uncertain(name="cover_scale", dist="uniform", low=0.0 + 1e-9, high=1.0)]
    x = sample(u, [], 100, seed=0, method="lhs")["cover_scale"]
    counts, _ = np.histogram(x, bins=10, range=(0, 1))
    assert (counts == 10).all()


def test_rank_correlation_is_imposed() -> None:
    u = [Uncertain(name="cover_scale", dist="uniform", low=0.5, high=1.5), Uncertain(name="approval_scale", dist="uniform", low=0.0, high=2.0)]
    x = sample(u, [Correlation(a="cover_scale", b="approval_scale", rho=-0.7)], 2000, seed=1)
    rho = stats.spearmanr(x["cover_scale"], x["approval_scale"]).statistic
    assert rho == pytest.approx(-0.7, abs=0.05)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"name": "nonsense", "dist": "uniform", "low": 0, "high": 1}, "unknown parameter"),
        ({"name": "cover_scale", "dist": "uniform", "low": 2, "high": 1}, "must be below"),
        ({"name": "cover_scale", "dist": "triangular", "low": 0, "high": 1}, "needs mode"),
        ({"name": "cover_scale", "dist": "normal", "mean": 1, "sd": -1}, "greater than 0"),
        ({"name": "switching_lag_days", "dist": "uniform", "low": -5, "high": 10}, "must be > 0"),
        ({"name": "cover_scale", "dist": "choice", "values": [1, 2], "weights": [1]}, "weights"),
        ({"name": "cover_scale", "dist": "normal", "mean": 100, "sd": 1, "low": 0, "high": 1}, "no probability mass"),
    ],
)
def test_invalid_distributions(spec: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Uncertain.model_validate(spec)


def test_scenario_errors_name_the_line() -> None:
    text = """name: x
start: 2025-01-01
horizon_days: 30
uncertain:
  - {name: cover_scale, dist: uniform, low: 0.5, high: 1.5}
  - {name: bogus, dist: uniform, low: 0, high: 1}
correlation:
  - {a: cover_scale, b: delay_scale, rho: 0.5}
"""
    sc, problems = validate_text(text, "s.yaml")
    assert sc is None
    text_all = "\n".join(str(p) for p in problems)
    assert "s.yaml:6" in text_all and "unknown parameter 'bogus'" in text_all


def test_impossible_correlations_are_reported() -> None:
    text = """name: x
start: 2025-01-01
horizon_days: 30
uncertain:
  - {name: cover_scale, dist: uniform, low: 0.5, high: 1.5}
  - {name: delay_scale, dist: uniform, low: 0.5, high: 1.5}
  - {name: approval_scale, dist: uniform, low: 0.5, high: 1.5}
correlation:
  - {a: cover_scale, b: delay_scale, rho: 0.95}
  - {a: cover_scale, b: approval_scale, rho: 0.95}
  - {a: delay_scale, b: approval_scale, rho: -0.95}
"""
    sc, problems = validate_text(text, "s.yaml")
    assert sc is None
    assert any("positive definite" in p.message for p in problems)
