"""Commitments in agreements are checked month by month against observations."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from supplyshock.analysis.commitments import check_commitments, commitment_table
from supplyshock.cli import main
from supplyshock.network import load_network
from supplyshock.scenario import Scenario

SCEN = {
    "name": "c",
    "start": "2025-01-01",
    "horizon_days": 365,
    "events": [
        {
            "type": "agreement",
            "id": "deal",
            "date": "2025-06-10",
            "parties": ["USA", "CHN"],
            "commitments": [
                {
                    "exporter": "CHN",
                    "importer": "USA",
                    "product": "ndfeb_magnet",
                    "min_share_of_baseline": 0.5,
                    "by": "2025-07-01",
                    "label": "half of baseline",
                }
            ],
        },
    ],
}


def _obs(values: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"series": "s", "period": p, "exporter": "CHN", "importer": "USA", "product": "ndfeb_magnet", "value": v} for p, v in values.items()]
    )


def test_statuses_and_gap() -> None:
    net = load_network()
    sc = Scenario.model_validate(SCEN)
    table = commitment_table(sc, net)
    base = table["baseline_monthly_t"].iloc[0]
    assert base == net.tables["trade"].query("exporter == 'CHN' and importer == 'USA' and product == 'ndfeb_magnet'")["flow_t"].sum() / 12
    res = check_commitments(
        sc, net, _obs({"2025-06": 10.0, "2025-07": 400.0, "2025-08": 100.0}), months=pd.period_range("2025-06", "2025-09", freq="M")
    )
    st = res.set_index("month")
    assert st.loc["2025-06", "status"] == "not yet due"
    assert st.loc["2025-07", "status"] == "met"  # 400 t >= half of ~676 t
    assert st.loc["2025-08", "status"] == "not met"
    assert st.loc["2025-08", "gap_t"] == st.loc["2025-08", "threshold_t"] - 100.0
    assert st.loc["2025-09", "status"] == "no observation"


def test_cli_on_the_builtin_scenario() -> None:
    res = CliRunner().invoke(main, ["commitments", "cn-2025-april-controls"])
    assert res.exit_code == 0, res.output
    assert "not yet due" in res.output and "london" in res.output


def test_cli_bad_observed_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.csv"
    bad.write_text("period,series,exporter,importer,product,value,unit,source\n2025-01,x,China,World,m,1,furlongs,s\n")
    res = CliRunner().invoke(main, ["commitments", "cn-2025-april-controls", "--observed", str(bad)])
    assert res.exit_code == 2
    assert "unknown unit" in res.output and "Traceback" not in res.output
