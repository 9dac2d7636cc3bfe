"""The ``risk`` command group (registered on the main CLI by the lead; tested on its own here)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from supplyshock.cli.risk import risk


def test_indicators_json_ranks_by_sr(tmp_path: Path) -> None:
    out = tmp_path / "risk.csv"
    res = CliRunner().invoke(risk, ["indicators", "--json", "--out", str(out)])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.output)
    sr = [r["sr"] for r in payload["eu_supply_risk"]]
    assert sr == sorted(sr, reverse=True)
    top = payload["eu_supply_risk"][0]
    assert (top["product"], top["material"], round(top["sr"], 1)) == ("dytb_oxide", "Dysprosium", 5.6)
    assert "DP (disruption potential)" in payload["usgs_2021"]["error"]
    tidy = pd.read_csv(out)
    assert {"indicator", "value", "note"} <= set(tidy.columns)


def test_indicators_table_and_sort() -> None:
    res = CliRunner().invoke(risk, ["indicators", "--sort", "hhi"])
    assert res.exit_code == 0, res.output
    assert "EU supply risk" in res.output and "ranked by hhi" in res.output
    assert "USGS 2021" in res.output and "EV (economic vulnerability)" in res.output


def test_tts_json_with_ttr() -> None:
    # losing China's magnet plants is survived for about three months on the market's and the
    # users' stocks (92 days with the shipped data): shorter than a 120-day recovery
    res = CliRunner().invoke(risk, ["tts", "--kind", "facility", "--ttr", "120", "--json"])
    assert res.exit_code == 0, res.output
    nodes = json.loads(res.output)["nodes"]
    assert nodes[0]["node"] == "CHN/magnet" and nodes[0]["vulnerable"] is True
    assert all(n["kind"] == "facility" for n in nodes)
    # infinite TTS is written as null in JSON
    assert any(n["tts_days"] is None for n in nodes)
    finite = [n["tts_days"] for n in nodes if n["tts_days"] is not None]
    assert finite == sorted(finite) and all(math.isfinite(x) for x in finite)


def test_tts_bad_dataset_is_one_line_error(tmp_path: Path) -> None:
    res = CliRunner().invoke(risk, ["tts", "--dataset", str(tmp_path / "nowhere")])
    assert res.exit_code == 2
    assert "Error:" in res.output and "not an embedded dataset" in res.output


def test_results_are_recorded_in_the_store(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from supplyshock.cli import main
    from supplyshock.store import RunStore

    store = tmp_path / "runs.duckdb"
    res = CliRunner().invoke(main, ["risk", "indicators", "--store", str(store)])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(main, ["risk", "tts", "--ttr", "90", "--store", str(store), "--json"])
    assert res.exit_code == 0, res.output
    rs = RunStore(store)
    listed = rs.list_analyses()
    assert set(listed["kind"]) == {"risk-indicators", "time-to-survive"}
    tts_id = listed.loc[listed["kind"] == "time-to-survive", "result_id"].iloc[0]
    table = rs.get_analysis(tts_id)
    assert {"tts_days", "vulnerable"} <= set(table.columns) and len(table) > 10
