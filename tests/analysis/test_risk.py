"""Supply-risk indicators: published checks, hand-computed cases, and missing inputs."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from supplyshock.analysis.risk import (
    MissingInputError,
    bloc_members,
    concentration,
    country_governance,
    eu_bloc,
    eu_sourcing_shares,
    eu_supply_risk,
    hhi,
    hhi_wgi,
    import_reliance,
    load_risk_inputs,
    rank_datasets,
    risk_table,
    sr_eu,
    usgs_supply_risk,
    wgi_scaled,
)
from supplyshock.errors import DataError
from supplyshock.network import SupplyNetwork, list_datasets, load_network


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
    dy = eu[(eu["product"] == "dy_oxide") & (eu["material"] == "Dysprosium")].iloc[0]
    assert dy["sourcing_basis"].startswith("global supply")  # EU users import Dy oxide from China only: the same HHI either way
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
    assert conc.loc["dy_oxide", "hhi"] == pytest.approx(1.0)
    shares = network.production0[:, network.products.index("conc_bastnaesite")]
    assert conc.loc["conc_bastnaesite", "hhi"] == pytest.approx(float(((shares / shares.sum()) ** 2).sum()))
    ir = import_reliance(network).set_index(["country", "product"])
    # DEU makes 3605 t of magnets, imports 8870 t from China and 447 t from Japan, exports 1082 t to the
    # rest of the EU and 361 t to the US: IR = (imports - exports) / (production + imports - exports)
    deu_imp, deu_exp = 8870.055 + 446.563, 1081.551 + 360.517
    assert ir.loc[("DEU", "ndfeb_magnet"), "import_reliance"] == pytest.approx((deu_imp - deu_exp) / (3605.171 + deu_imp - deu_exp), rel=1e-5)
    assert ir.loc[("CHN", "ndfeb_magnet"), "import_reliance"] == 0.0  # a net exporter, clipped
    eu = import_reliance(network, bloc=eu_bloc(network)).set_index("product")
    # the bloc: China's and Japan's magnets in, VAC's US sales out (DEU -> EUR stays inside)
    eu_imp = 8870.055 + 8770.703 + 2 * 446.563
    assert eu.loc["ndfeb_magnet", "import_reliance"] == pytest.approx((eu_imp - 360.517) / (3605.171 + eu_imp - 360.517), rel=1e-5)
    src = eu_sourcing_shares(network, "ndfeb_magnet")
    assert src.sum() == pytest.approx(1.0) and set(src.index) == {"DEU", "CHN", "JPN"}


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
    conc = rep[rep["product"] == "conc_monazite"]  # ROW mines: its SR cannot be computed
    assert conc["sr"].isna().all() and conc["missing"].str.contains("WGI for country 'ROW'").all()
    dy = rep[(rep["product"] == "dy_oxide") & (rep["material"] == "Dysprosium")]  # China only: unaffected
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


def test_eu_bloc_comes_from_data(network: SupplyNetwork, inputs, risk_copy: Path) -> None:  # type: ignore[no-untyped-def]
    """The EU bloc of a dataset is its EU members and its aggregates of EU members, read from the shared tables."""
    eu = bloc_members(inputs)
    assert len(eu) == 27 and "DEU" in eu and "GBR" not in eu
    # every dataset's EU aggregate (EUR) is made of EU members only, so it joins Germany
    for name in list_datasets():
        assert eu_bloc(load_network(name), inputs) == ["DEU", "EUR"]
    regions = inputs.wgi_regions.set_index("region")["members"]
    assert set(str(regions["EUR"]).split()) == set(eu) - {"DEU"}
    # the bloc follows the data, not a list in code: without Germany in the EU table only
    # EUR is left; without France, EUR is no longer made of EU members only
    blocs = pd.read_csv(risk_copy / "blocs.csv", dtype=str, keep_default_na=False)
    for drop, left in (("DEU", ["EUR"]), ("FRA", ["DEU"])):
        edited = blocs.assign(members=blocs["members"].str.replace(f"{drop} ", ""))
        edited.to_csv(risk_copy / "blocs.csv", index=False)
        assert eu_bloc(network, load_risk_inputs(risk_copy)) == left


def test_missing_bloc_is_named(network: SupplyNetwork, risk_copy: Path) -> None:
    (risk_copy / "blocs.csv").write_text("bloc,members,basis,source\nASEAN,MYS VNM,reported,test\n", encoding="utf-8")
    inp = load_risk_inputs(risk_copy)
    with pytest.raises(MissingInputError, match=r"no bloc 'EU' in .*blocs\.csv"):
        eu_bloc(network, inp)
    (risk_copy / "blocs.csv").unlink()
    with pytest.raises(DataError, match=r"blocs\.csv: missing"):
        load_risk_inputs(risk_copy)


def test_dataset_without_eu_country_has_no_eu_sr(two_suppliers: SupplyNetwork, inputs) -> None:  # type: ignore[no-untyped-def]
    assert eu_bloc(two_suppliers, inputs) == []
    with pytest.raises(MissingInputError, match="EU bloc countries"):
        eu_supply_risk(two_suppliers, inputs)
    rep = eu_supply_risk(two_suppliers, inputs, on_missing="report")
    assert rep["sr"].isna().all() and rep["missing"].str.contains("EU bloc countries").all()
    assert (rep["sourcing_basis"] == "unknown (no EU country in the dataset)").all()


def test_rank_datasets_pools_every_embedded_dataset(inputs) -> None:  # type: ignore[no-untyped-def]
    nets = [load_network(name) for name in list_datasets()]
    ranked = rank_datasets(nets, inputs)
    assert set(ranked["dataset"]) == set(list_datasets())
    for net in nets:
        assert set(ranked.loc[ranked["dataset"] == net.name, "product"]) == set(net.products)
    sr = ranked["sr"].to_numpy()
    finite = sr[np.isfinite(sr)]
    assert (np.diff(finite) <= 0).all() and np.isnan(sr[len(finite) :]).all()  # highest first, missing last
    # the pooled figures are each dataset's own
    for net in nets[:2]:
        own = eu_supply_risk(net, inputs, on_missing="report")
        mine = ranked[ranked["dataset"] == net.name].sort_values(["product", "material"])
        np.testing.assert_allclose(mine["sr"].to_numpy(), own.sort_values(["product", "material"])["sr"].to_numpy())
    # a missing SR names what is missing; an unmapped product still has its concentration
    assert (ranked.loc[ranked["sr"].isna(), "missing"].str.len() > 0).all()
    cells = ranked[ranked["product"] == "gr_cells"].iloc[0]
    assert cells["material"] == "" and np.isfinite(cells["hhi"])
    by_hhi = rank_datasets(nets[:2], inputs, by="hhi")
    assert list(by_hhi["hhi"].dropna()) == sorted(by_hhi["hhi"].dropna(), reverse=True)
    with pytest.raises(DataError, match="cannot rank by 'nonsense'"):
        rank_datasets(nets[:1], inputs, by="nonsense")
