"""The material model's shortfall reaches the input-output layer from the API and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner

import supplyshock as ss
from supplyshock.analysis.economy import economic_summary
from supplyshock.cli import main


def test_embargo_costs_more_than_baseline() -> None:
    base = ss.economic_impact(ss.run("baseline"))
    embargo = ss.economic_impact(ss.run("cn-magnet-embargo-12m"))
    assert float(np.abs(base["output_loss_direct"]).max()) < 1e-6
    lost = embargo["output_loss_direct"] + embargo["output_loss_indirect"]
    assert float(lost.sum()) > 0
    table = economic_summary(embargo)
    # the shortfall is outside China: the constrained (direct) losses are in importing regions
    direct = table[table["output_loss_direct"] > 0]
    assert "CHN" not in set(direct.index.get_level_values("region"))
    assert table["output_loss_indirect"].sum() > 0  # some industries gain (rerouted orders), the total is a loss


def test_cli_economy_flag(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["run", "cn-magnet-embargo-12m", "--economy", "--no-store", "--out", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.output)
    assert payload["economy_usd_million"]
    assert (tmp_path / "economy.nc").exists()
