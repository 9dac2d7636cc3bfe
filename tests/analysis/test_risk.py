"""Supply-risk indicators: published checks, hand-computed cases, and missing inputs."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from supplyshock.analysis.risk import (
    EU_BLOC,
    MissingInputError,
    concentration,
    country_governance,
    eu_sourcing_shares,
    eu_supply_risk,
    hhi,
    hhi_wgi,
    import_reliance,
    load_risk_inputs,
    risk_table,
    sr_eu,
    usgs_supply_risk,
    wgi_scaled,
)
from supplyshock.errors import DataError
from supplyshock.network import SupplyNetwork


@pytest.fixture(scope="module")
def inputs():  # type: ignore[no-untyped-def]
    return load_risk_inputs()


@pytest.fixture
def risk_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped risk inputs."""
    dst = tmp_path / "risk"
    shutil.copytree(load_risk_inputs().folder, dst)
    return dst


def test_wgi_rescaling_reproduces_china(inputs) -> None:  # type: ignore[no-untyped-def]
    w = wgi_scaled(inputs)
    assert round(float(w["CHN"]), 3) == 5.714
    assert ((w >= 0) & (w <= 10)).all()
    # rescale commutes with the mean: check one country by hand from the raw rows
    raw = inputs.wgi[(inputs.wgi["country_iso3"] == "DEU") & inputs.wgi["year"].between(2016, 2020)]
    assert len(raw) == 30
    assert float(w["DEU"]) == pytest.approx(5 - 2 * raw["estimate"].mean())


def test_dysprosium_reproduces_published_sr(network: SupplyNetwork, inputs) -> None:  # type: ignore[no-untyped-def]
    eu = eu_supply_risk(network, inputs)
    dy = eu[(eu["product"] == "dytb_oxide") & (eu["material"] == "Dysprosium")].iloc[0]
    assert dy["sourcing_basis"].startswith("global supply only")
    assert dy["hhi"] == pytest.approx(1.0)
    assert round(float(dy["sr"]), 1) == 5.6 == dy["sr_published"]
    assert sr_eu(5.714, 0.01, 0.99) == pytest.approx(5.60, abs=0.005)


def test_hhi_and_sr_by_hand() -> None:
    assert hhi({"A": 0.6, "B": 0.4}) == pytest.approx(0.52)
    assert hhi_wgi({"A": 0.6, "B": 0.4}, {"A": 5.0, "B": 2.0}, {"A": 1.2}) == pytest.approx(0.36 * 5 * 1.2 + 0.16 * 2)
    # [4 * 0.8/2 + 2 * (1 - 0.8/2)] * (1 - 0.1) * 0.9
    assert sr_eu(4.0, 0.1, 0.9, hhi_eu=2.0, ir=0.8) == pytest.approx((1.6 + 1.2) * 0.9 * 0.9)


def test_concentration_and_reliance_on_default_dataset(network: SupplyNetwork) -> None:
    conc = concentration(network)
    assert conc.loc["dytb_oxide", "hhi"] == pytest.approx(1.0)
    shares = network.production0[:, network.products.index("concentrate")]
    assert conc.loc["concentrate", "hhi"] == pytest.approx(float(((shares / shares.sum()) ** 2).sum()))
    ir = import_reliance(network).set_index(["country", "product"])
    # DEU makes 3605 t of magnets and imports 8870 t: IR = 8870 / (3605 + 8870)
    assert ir.loc[("DEU", "ndfeb_magnet"), "import_reliance"] == pytest.approx(8870.055 / (3605.171 + 8870.055), rel=1e-5)
    assert ir.loc[("CHN", "ndfeb_magnet"), "import_reliance"] == 0.0  # a net exporter, clipped
    eu = import_reliance(network, bloc=EU_BLOC).set_index("product")
    assert eu.loc["ndfeb_magnet", "import_reliance"] == pytest.approx((8870.055 + 8770.703) / (3605.171 + 8870.055 + 8770.703), rel=1e-5)
    src = eu_sourcing_shares(network, "ndfeb_magnet")
    assert src.sum() == pytest.approx(1.0) and set(src.index) == {"DEU", "CHN"}


def test_two_supplier_indicators(two_suppliers: SupplyNetwork) -> None:
    ir = import_reliance(two_suppliers).set_index(["country", "product"])
    assert ir.loc[("D", "widget"), "import_reliance"] == 1.0
    # A exports all it makes: no apparent consumption, so IR is undefined (NaN, with the reason), not 0
    assert np.isnan(ir.loc[("A", "widget"), "import_reliance"])
    assert "no apparent consumption" in ir.loc[("A", "widget"), "missing"]
    assert concentration(two_suppliers).loc["widget", "hhi"] == pytest.approx(0.5)


def test_risk_table_is_tidy_and_has_no_silent_zero(network: SupplyNetwork, inputs) -> None:  # type: ignore[no-untyped-def]
    tab = risk_table(network, inputs)
    assert list(tab.columns) == ["product", "stage", "country", "material", "indicator", "value", "unit", "basis", "note"]
    usgs = tab[tab["indicator"] == "usgs_supply_risk"]
    assert len(usgs) == len(network.products) and usgs["value"].isna().all()
    assert usgs["note"].str.contains("DP, TE and EV").all()
    # every NaN carries a note
    nan = tab[tab["value"].isna()]
    assert (nan["note"].str.len() > 0).all()


def test_usgs_names_missing_components(network: SupplyNetwork, inputs) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MissingInputError, match=r"DP \(disruption potential\).*TE \(trade exposure\).*EV \(economic") as exc:
        usgs_supply_risk(network, inputs)
    assert len(exc.value.missing) == 3
    part = exc.value.partial
    assert part is not None
    assert part.loc["ndfeb_magnet", "net_import_reliance"] == pytest.approx(1.0)
    assert "neodymium 0.65" in part.loc["ndfeb_magnet", "published_supply_risk"]


def test_missing_governance_is_named(network: SupplyNetwork, risk_copy: Path) -> None:
    reg = pd.read_csv(risk_copy / "wgi_regions.csv")
    reg[reg["region"] != "ROW"].to_csv(risk_copy / "wgi_regions.csv", index=False)
    inp = load_risk_inputs(risk_copy)
    with pytest.raises(MissingInputError, match="for country 'ROW'"):
        country_governance(network, inp)
    with pytest.raises(MissingInputError, match="ROW"):
        eu_supply_risk(network, inp)
    rep = eu_supply_risk(network, inp, on_missing="report")
    conc = rep[rep["product"] == "concentrate"]  # ROW mines: its SR cannot be computed
    assert conc["sr"].isna().all() and conc["missing"].str.contains("WGI for country 'ROW'").all()
    dy = rep[(rep["product"] == "dytb_oxide") & (rep["material"] == "Dysprosium")]  # China only: unaffected
    assert round(float(dy["sr"].iloc[0]), 1) == 5.6


def test_missing_eu_figures_are_named(network: SupplyNetwork, risk_copy: Path) -> None:
    crm = pd.read_csv(risk_copy / "eu_crm.csv", dtype=str, keep_default_na=False)
    crm[~((crm["material"] == "Dysprosium") & (crm["metric"] == "SI_SR"))].to_csv(risk_copy / "eu_crm.csv", index=False)
    inp = load_risk_inputs(risk_copy)
    with pytest.raises(MissingInputError, match="SI_SR for EU material 'Dysprosium'"):
        eu_supply_risk(network, inp)
    rep = eu_supply_risk(network, inp, on_missing="report")
    dy = rep[rep["material"] == "Dysprosium"]
    assert dy["sr"].isna().all() and np.isnan(dy["si_sr"]).all()
    assert dy["missing"].str.contains("SI_SR").all()
    assert rep[rep["material"] == "Neodymium"]["sr"].notna().all()


def test_unmapped_product_is_named(network: SupplyNetwork, risk_copy: Path) -> None:
    mm = pd.read_csv(risk_copy / "material_map.csv", dtype=str, keep_default_na=False)
    mm[mm["product"] != "ndfeb_magnet"].to_csv(risk_copy / "material_map.csv", index=False)
    inp = load_risk_inputs(risk_copy)
    with pytest.raises(MissingInputError, match="no EU material mapped to product 'ndfeb_magnet'"):
        eu_supply_risk(network, inp)


def test_bad_input_files(risk_copy: Path) -> None:
    (risk_copy / "usgs_2021.csv").unlink()
    with pytest.raises(DataError, match=r"usgs_2021.csv: missing"):
        load_risk_inputs(risk_copy)


def test_hhi_of_nothing_is_not_zero(make_network: Callable[..., SupplyNetwork]) -> None:
    with pytest.raises(MissingInputError, match="no positive share"):
        hhi({"A": 0.0})
    with pytest.raises(MissingInputError, match="no governance score"):
        hhi_wgi({"A": 1.0}, {"B": 3.0})
    with pytest.raises(MissingInputError, match="EoL_RIR, SI_SR"):
        sr_eu(5.0, None, float("nan"))


def test_risk_table_on_a_dataset_without_governance(two_suppliers: SupplyNetwork) -> None:
    tab = risk_table(two_suppliers)
    wgi = tab[tab["indicator"] == "wgi_scaled"]
    assert wgi["value"].isna().all() and wgi["note"].str.contains("country 'A'").all()
    sr = tab[tab["indicator"] == "sr_eu"]
    assert sr["value"].isna().all() and sr["note"].str.contains("EU bloc country").all()
    hh = tab[(tab["indicator"] == "hhi") & (tab["product"] == "widget")]
    assert float(hh["value"].iloc[0]) == pytest.approx(0.5)
    # with the test countries as the bloc the EU SR is still NaN: no governance score for A, B
    eu = eu_supply_risk(two_suppliers, bloc=["D"], on_missing="report")
    assert eu["sr"].isna().all()
    assert eu["missing"].str.contains("WGI for country 'A'").all()
