"""The embedded dataset and the validation of user datasets (folders of CSV tables)."""

from __future__ import annotations

import re
import shutil
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import supplyshock as ss
from supplyshock.errors import DataError
from supplyshock.network import BALANCE_TOLERANCE, SupplyNetwork
from supplyshock.schema import TABLES

BASES = set(ss.schema.BASES)
EMBEDDED = Path(str(resources.files("supplyshock") / "data" / "rare_earths"))


def _output(net: SupplyNetwork, country: str, process: str) -> float:
    return float(net.activity0[net.countries.index(country), net.processes.index(process)])


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A writable copy of the embedded dataset."""
    dst = tmp_path / "mydata"
    dst.mkdir()
    for f in EMBEDDED.glob("*.csv"):
        shutil.copy(f, dst / f.name)
    return dst


def _edit(folder: Path, table: str, row: int, col: str, value: str) -> int:
    """Set one cell (0-based data row) of a copied table; return its 1-based file line."""
    path = folder / f"{table}.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row, col] = value
    df.to_csv(path, index=False)
    return row + 2


def _row(folder: Path, table: str, **match: str) -> int:
    df = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
    mask = np.ones(len(df), bool)
    for k, v in match.items():
        mask &= (df[k] == v).to_numpy()
    (idx,) = np.flatnonzero(mask)
    return int(idx)


# ---------------------------------------------------------------------- embedded dataset
def test_embedded_dataset_loads(network: SupplyNetwork) -> None:
    assert "rare-earths" in ss.list_datasets()
    assert {"CHN", "USA", "JPN", "DEU"} <= set(network.countries)
    assert "ndfeb_magnet" in network.products
    assert network.link_flow0.size == len(network.tables["trade"])
    assert set(network.tables) == set(TABLES)


def test_every_row_has_a_source(network: SupplyNetwork) -> None:
    for name, df in network.tables.items():
        assert "source" in df.columns, name
        empty = df["source"].astype(str).str.strip() == ""
        assert not empty.any(), f"{name}: rows {list(np.flatnonzero(empty.to_numpy()))} have no source"


def test_basis_values_are_known(network: SupplyNetwork) -> None:
    seen = set()
    for name, df in network.tables.items():
        if "basis" in df.columns:
            bad = set(df["basis"]) - BASES
            assert not bad, f"{name}: unknown basis {bad}"
            seen |= set(df["basis"])
    assert {"reported", "fitted", "assumption"} <= seen


def test_unknown_basis_is_refused_with_file_line_and_choices(folder: Path) -> None:
    line = _edit(folder, "parameters", 3, "basis", "guess")
    with pytest.raises(DataError) as exc:
        ss.load_network(folder)
    msg = str(exc.value)
    assert "parameters.csv" in msg and f"line {line}" in msg and "'basis'" in msg
    assert "'guess'" in msg and "fitted" in msg


def test_baseline_balances_for_every_node(network: SupplyNetwork) -> None:
    bal = network.balance()
    assert len(bal) > 0
    prod, imp = bal["production"], bal["imports"]
    use = bal["process_use"] + bal["final_use"] + bal["exports"]
    through = np.maximum(prod + imp, use)
    rel = (prod + imp - use).abs() / through.where(through > 0, 1.0)
    assert (rel <= BALANCE_TOLERANCE).all(), rel[rel > BALANCE_TOLERANCE]
    assert bal["ok"].all()
    network.check()  # does not raise


def test_known_anchors(network: SupplyNetwork) -> None:
    assert _output(network, "CHN", "mining_bastnaesite") + _output(network, "CHN", "mining_ionic") == pytest.approx(270_000)
    assert _output(network, "USA", "mining_bastnaesite") == pytest.approx(45_500)
    assert _output(network, "MML", "mining_ionic") == pytest.approx(27_000)
    magnet = network.products.index("ndfeb_magnet")
    china = network.countries.index("CHN")
    chn_magnet_exports = network.exports0[china, magnet]
    assert chn_magnet_exports == pytest.approx(58_152, abs=1.0)
    tr = network.tables["trade"]
    sel = (tr["exporter"] == "CHN") & (tr["product"] == "ndfeb_magnet")
    assert tr.loc[sel, "flow_t"].sum() == pytest.approx(58_152, abs=1.0)


# ---------------------------------------------------------------------- overrides
def test_with_overrides_changes_value_and_marks_basis(network: SupplyNetwork) -> None:
    new = network.with_overrides([{"table": "facilities", "match": {"country": "USA", "process": "mining_bastnaesite"}, "set": {"output_t": 50_000}}])
    assert _output(new, "USA", "mining_bastnaesite") == 50_000
    row = new.tables["facilities"].query("country == 'USA' and process == 'mining_bastnaesite'").iloc[0]
    assert row["basis"] == "override"
    assert "overrid" in row["source"]
    # the original is untouched
    assert _output(network, "USA", "mining_bastnaesite") == pytest.approx(45_500)
    orig = network.tables["facilities"].query("country == 'USA' and process == 'mining_bastnaesite'").iloc[0]
    assert orig["basis"] == "reported"
    # other rows are not marked
    assert (new.tables["facilities"]["basis"] == "override").sum() == 1


def test_with_overrides_parameter(network: SupplyNetwork) -> None:
    new = network.with_overrides([{"table": "parameters", "match": {"name": "switching_lag_days"}, "set": {"value": 90}}])
    assert new.params["switching_lag_days"] == 90
    assert network.params["switching_lag_days"] == 60
    row = new.tables["parameters"].query("name == 'switching_lag_days'").iloc[0]
    assert row["basis"] == "override"


def test_with_overrides_capacity_takes_effect(network: SupplyNetwork) -> None:
    new = network.with_overrides(
        [{"table": "facilities", "match": {"country": "CHN", "process": "mining_bastnaesite"}, "set": {"capacity_t": 400_000}}]
    )
    c, j = new.countries.index("CHN"), new.processes.index("mining_bastnaesite")
    assert new.tables["facilities"].query("country == 'CHN' and process == 'mining_bastnaesite'").iloc[0]["basis"] == "override"
    assert new.capacity[c, j] == pytest.approx(400_000)


def test_with_overrides_stock_cover_takes_effect(network: SupplyNetwork) -> None:
    new = network.with_overrides([{"table": "stocks", "match": {"country": "CHN", "product": "ndfeb_magnet"}, "set": {"cover_days": 90}}])
    c, p = new.countries.index("CHN"), new.products.index("ndfeb_magnet")
    assert new.cover_days[c, p] == pytest.approx(90)


def test_with_overrides_rejects_bad_items(network: SupplyNetwork) -> None:
    with pytest.raises(DataError, match="no row"):
        network.with_overrides([{"table": "facilities", "match": {"country": "XXX"}, "set": {"output_t": 1}}])
    with pytest.raises(DataError, match="unknown table"):
        network.with_overrides([{"table": "nope", "match": {}, "set": {}}])
    with pytest.raises(DataError, match=r"capacity_t.*negative"):
        network.with_overrides([{"table": "facilities", "match": {"country": "CHN", "process": "mining_bastnaesite"}, "set": {"capacity_t": -1}}])


# ---------------------------------------------------------------------- user folders
def test_folder_copy_loads_like_embedded(folder: Path, network: SupplyNetwork) -> None:
    net = ss.load_network(folder)
    assert net.countries == network.countries
    assert net.products == network.products
    np.testing.assert_array_equal(net.link_flow0, network.link_flow0)
    np.testing.assert_array_equal(net.capacity, network.capacity)
    net_str = ss.load_network(str(folder))
    np.testing.assert_array_equal(net_str.activity0, network.activity0)


def test_not_a_dataset(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not an embedded dataset"):
        ss.load_network(tmp_path / "missing")


def test_unbalanced_trade_names_country_and_product(folder: Path) -> None:
    row = _row(folder, "trade", exporter="CHN", importer="USA", product="ndfeb_magnet")
    _edit(folder, "trade", row, "flow_t", "9000")
    with pytest.raises(DataError) as exc:
        ss.load_network(folder)
    msg = str(exc.value)
    assert "does not balance" in msg
    assert re.search(r"(CHN|USA)/ndfeb_magnet", msg), msg
    # without the check, the folder loads and balance() flags the two nodes
    net = ss.load_network(folder, check=False)
    bad = net.balance().query("not ok")
    assert set(bad.index) == {("CHN", "ndfeb_magnet"), ("USA", "ndfeb_magnet")}


def test_negative_capacity(folder: Path) -> None:
    line = _edit(folder, "facilities", 3, "capacity_t", "-5")
    with pytest.raises(DataError) as exc:
        ss.load_network(folder)
    msg = str(exc.value)
    assert "facilities.csv" in msg and f"line {line}" in msg and "capacity_t" in msg and "negative" in msg


def test_non_numeric_flow(folder: Path) -> None:
    line = _edit(folder, "trade", 4, "flow_t", "lots")
    with pytest.raises(DataError) as exc:
        ss.load_network(folder)
    msg = str(exc.value)
    assert "trade.csv" in msg and f"line {line}" in msg and "flow_t" in msg and "'lots'" in msg


def test_unknown_country_code(folder: Path) -> None:
    line = _edit(folder, "trade", 2, "importer", "XYZ")
    with pytest.raises(DataError) as exc:
        ss.load_network(folder)
    msg = str(exc.value)
    assert "trade.csv" in msg and f"line {line}" in msg and "importer" in msg and "XYZ" in msg


def test_unknown_country_in_demand(folder: Path) -> None:
    line = _edit(folder, "demand", 0, "country", "ATL")
    with pytest.raises(DataError) as exc:
        ss.load_network(folder)
    msg = str(exc.value)
    assert "demand.csv" in msg and f"line {line}" in msg and "'country'" in msg and "ATL" in msg


def test_share_parameter_above_one_rejected(folder: Path) -> None:
    row = _row(folder, "parameters", name="utilisation")
    _edit(folder, "parameters", row, "value", "1.5")
    with pytest.raises(DataError) as exc:
        ss.load_network(folder)
    msg = str(exc.value)
    assert "parameters.csv" in msg and "utilisation" in msg and "1.5" in msg


def test_share_parameter_error_names_line(folder: Path) -> None:
    row = _row(folder, "parameters", name="utilisation")
    line = _edit(folder, "parameters", row, "value", "1.5")
    with pytest.raises(DataError) as exc:
        ss.load_network(folder)
    assert f"line {line}" in str(exc.value)


def test_missing_column(folder: Path) -> None:
    path = folder / "trade.csv"
    pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=["transit_days"]).to_csv(path, index=False)
    with pytest.raises(DataError) as exc:
        ss.load_network(folder)
    msg = str(exc.value)
    assert "trade.csv" in msg and "missing column" in msg and "transit_days" in msg


def test_missing_required_file(folder: Path) -> None:
    (folder / "demand.csv").unlink()
    with pytest.raises(DataError, match=r"demand\.csv.*missing"):
        ss.load_network(folder)


def test_duplicate_row(folder: Path) -> None:
    path = folder / "facilities.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df = pd.concat([df, df.iloc[[1]]], ignore_index=True)  # one facility twice
    df.to_csv(path, index=False)
    with pytest.raises(DataError) as exc:
        ss.load_network(folder)
    msg = str(exc.value)
    assert "facilities.csv" in msg and f"line {len(df) + 1}" in msg and "duplicate" in msg
    assert f"{df['country'].iloc[1]}, {df['process'].iloc[1]}" in msg


def test_empty_source(folder: Path) -> None:
    line = _edit(folder, "trade", 5, "source", "  ")
    with pytest.raises(DataError) as exc:
        ss.load_network(folder)
    msg = str(exc.value)
    assert "trade.csv" in msg and f"line {line}" in msg and "source" in msg
