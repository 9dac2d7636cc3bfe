"""Uncertainty by default: built-in scenarios give bands without flags; identical members are called out."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import supplyshock as ss
from supplyshock.analysis.pipeline import ensemble_warnings
from supplyshock.cli import main

MINERAL_BUILTINS = [n for n in ss.builtin_scenarios() if n.startswith(("cn-2023", "cn-2024", "cn-2025-feb"))]


@pytest.mark.parametrize("name", MINERAL_BUILTINS)
def test_mineral_builtins_declare_what_is_uncertain(name: str) -> None:
    sc = ss.load_scenario(name)
    assert sc.members > 1 and len(sc.uncertain) >= 3
    assert not ensemble_warnings(sc, sc.members, explicit=False)


def test_members_without_uncertainty_warn_instead_of_drawing_zero_width_bands(tmp_path: Path) -> None:
    sc = ss.load_scenario("baseline")
    assert not sc.uncertain
    (msg,) = ensemble_warnings(sc, 5, explicit=True)
    assert "--members 5" in msg and "zero width" in msg and "uncertain" in msg
    assert ensemble_warnings(sc, 1, explicit=True) == []
    res = CliRunner().invoke(main, ["run", "baseline", "--members", "3", "--no-store", "--no-economy", "--out", str(tmp_path / "o")])
    assert res.exit_code == 0
    assert "zero width" in res.stderr


def test_a_builtin_run_gives_a_band_without_flags() -> None:
    sc = ss.load_scenario("cn-2023-ga-licensing").model_copy(update={"members": 8, "horizon_days": 200})
    ds = ss.run(sc)
    drawn = ds["parameter_value"].values
    assert ds.sizes["member"] == 8 and (drawn.std(axis=0) > 0).all()
    short = ds["shortfall"].isel(scenario=0).sum(("time", "country", "sector")).values
    assert short.max() > short.min()  # members differ: the band has width
