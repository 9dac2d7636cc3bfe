"""The material model's shortfall reaches the input-output layer from the API and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner

import supplyshock as ss
from supplyshock.analysis.economy import economic_summary, member_losses
from supplyshock.cli import main


def test_embargo_costs_more_than_baseline() -> None:
    base = ss.economic_impact(ss.run("baseline"))
    embargo = ss.economic_impact(ss.run("cn-magnet-embargo-12m"))
    assert float(np.abs(base["output_loss_direct"]).max()) < 1e-6
    lost = embargo["output_loss_direct"] + embargo["output_loss_indirect"]
    assert float(lost.sum()) > 0
    table = economic_summary(embargo)
    # the shortfall is outside China: the constrained (direct) losses are in importing regions
    direct = table[table["output_loss_direct_usd"] > 0]
    assert "CHN" not in set(direct.index.get_level_values("region"))
    assert table["output_loss_indirect_usd"].sum() > 0  # some industries gain (rerouted orders), the total is a loss
    assert embargo.attrs["price_year"] >= 2011 and embargo.attrs["usd_per_unit"] >= 1e6


def test_losses_grow_with_the_shock() -> None:
    """Monotonicity: a 12-month embargo loses more value added than the same embargo lifted after 90 days."""
    sc = ss.load_scenario("cn-magnet-embargo-12m")
    brief_events = [e.model_copy(update={"end": e.start + dt.timedelta(days=90)}) for e in sc.events]
    long_ = member_losses(ss.economic_impact(ss.run(sc, members=1)))
    brief = member_losses(ss.economic_impact(ss.run(sc.model_copy(update={"events": brief_events}), members=1)))
    assert float(long_["value_added_lost_usd"].iloc[0]) > float(brief["value_added_lost_usd"].iloc[0]) > 0


def test_cli_values_losses_by_default(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["run", "cn-magnet-embargo-12m", "--no-store", "--out", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.output)
    bands = {r["metric"]: r for r in payload["losses"]["bands"]}
    va = bands["value_added_lost_usd"]
    assert 0 < va["p05"] <= va["p50"] <= va["p95"]
    assert payload["losses"]["by_country"] and payload["losses"]["currency"].startswith("USD")
    assert (tmp_path / "economy.nc").exists()
    off = CliRunner().invoke(main, ["run", "cn-magnet-embargo-12m", "--no-store", "--no-economy", "--out", str(tmp_path / "b"), "--json"])
    assert off.exit_code == 0, off.output
    assert json.loads(off.output)["losses"] is None and not (tmp_path / "b" / "economy.nc").exists()
