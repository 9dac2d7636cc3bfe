"""Shared scenarios for the ensemble tests."""

from __future__ import annotations

from pathlib import Path

import pytest

UNCERTAIN_YAML = """
name: unc-test
start: 2025-01-01
horizon_days: 120
seed: 7
members: 24
events:
  - type: licence
    id: lic
    exporter: CHN
    products: [ndfeb_magnet]
    start: 2025-01-15
    delay_days: 30
    approval: 0.2
uncertain:
  - {name: approval_scale, dist: uniform, low: 0.2, high: 2.0}
  - {name: cover_scale, dist: lognormal, mean: 0, sd: 0.3, low: 0.5, high: 2}
  - {name: switching_lag_days, dist: triangular, low: 20, mode: 60, high: 150}
correlation:
  - {a: approval_scale, b: cover_scale, rho: -0.5}
"""


@pytest.fixture
def uncertain_file(tmp_path: Path) -> Path:
    path = tmp_path / "unc.yaml"
    path.write_text(UNCERTAIN_YAML, encoding="utf-8")
    return path
