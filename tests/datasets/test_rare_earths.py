"""The rare-earths dataset: feed by deposit type, and the built-in rare-earth scenarios' shortfalls
falling where the mechanism puts them.

Each expectation is derived from the dataset's structure (which deposit carries which elements,
who separates what, who holds which stocks) and then checked against the run.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from datasets_helpers import run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import supplyshock as ss
from supplyshock.analysis.metrics import sector_products

NET = "rare-earths"


@cache
def network() -> ss.SupplyNetwork:
    return ss.load_network(NET)


@cache
def run_pair(name: str, horizon_days: int | None = None) -> tuple[xr.Dataset, xr.Dataset]:
    """A built-in scenario (one member, its central values) and the same scenario without events."""
    sc = ss.load_scenario(name)
    update: dict[str, object] = {"members": 1, "uncertain": []}
    if horizon_days is not None:
        update["horizon_days"] = horizon_days
    sc = sc.model_copy(update=update)
    return ss.run(sc), ss.run(sc.model_copy(update={"events": []}))


def series(ds: xr.Dataset, var: str, **sel: str) -> pd.Series:
    return ds[var].isel(scenario=0, member=0).sel(**sel).to_pandas()


# ---------------------------------------------------------------------- the feed by deposit type
def _recipe(net: ss.SupplyNetwork, process: str, product: str) -> float:
    r = net.tables["recipes"]
    row = r[(r["process"] == process) & (r["product"] == product) & (r["role"] == "output")]
    return float(row["quantity"].iloc[0])


@pytest.mark.parametrize("oxide", ["dy_oxide", "tb_oxide", "y_oxide", "ho_oxide", "er_oxide", "tm_oxide", "yb_oxide", "lu_oxide"])
def test_heavy_content_follows_the_deposit_type(oxide: str) -> None:
    """Ionic clays carry far more of each heavy element per t REO than monazite, and monazite more than bastnaesite."""
    net = network()
    heavy = {d: _recipe(net, f"separation_{d}", oxide) for d in ("ionic", "monazite", "bastnaesite")}
    assert heavy["ionic"] > 3 * heavy["monazite"] > 3 * heavy["bastnaesite"] > 0
    # NdPr comes mostly from hard-rock ores: the ionic clays carry less NdPr per t REO
    assert _recipe(net, "separation_ionic", "ndpr_oxide") < _recipe(net, "separation_bastnaesite", "ndpr_oxide")


def test_myanmar_is_most_of_chinas_heavy_feed() -> None:
    """Myanmar's ionic-clay exports are 55-70% of China's ionic feed (facts: ~60-67% of China's HREE feed)."""
    net = network()
    fac, tr = net.tables["facilities"], net.tables["trade"]
    feed = float(fac[(fac["country"] == "CHN") & (fac["process"] == "separation_ionic")]["output_t"].iloc[0])
    mm = float(tr[(tr["exporter"] == "MML") & (tr["importer"] == "CHN") & (tr["product"] == "conc_ionic")]["flow_t"].iloc[0])
    assert 0.55 < mm / feed < 0.70
    # and close to half of the world's Dy and Tb: ionic feed x its content over all separated
    c = net.countries.index("CHN")
    for oxide in ("dy_oxide", "tb_oxide"):
        world = float(net.production0[c, net.products.index(oxide)])
        assert mm * _recipe(net, "separation_ionic", oxide) / world > 0.4


@pytest.mark.parametrize(
    "oxide", ["dy_oxide", "tb_oxide", "sm_oxide", "gd_oxide", "y_oxide", "lu_oxide", "ho_oxide", "er_oxide", "tm_oxide", "eu_oxide", "yb_oxide"]
)
def test_heavy_and_minor_rare_earths_are_separated_only_in_china(oxide: str) -> None:
    net = network()
    prod = net.production0[:, net.products.index(oxide)]
    assert prod[net.countries.index("CHN")] > 0
    assert np.count_nonzero(prod) == 1


# ---------------------------------------------------------------------- element by element
def _downstream(net: ss.SupplyNetwork, product: str) -> set[str]:
    """The product and every product made from it, through any number of processes."""
    r = net.tables["recipes"]
    found, todo = {product}, [product]
    while todo:
        p = todo.pop()
        procs = set(r[(r["product"] == p) & (r["role"] == "input")]["process"])
        for q in r[r["process"].isin(procs) & (r["role"] == "output")]["product"]:
            if q not in found:
                found.add(str(q))
                todo.append(str(q))
    return found


ELEMENT_PRODUCTS = [
    "dy_oxide",
    "tb_oxide",
    "sm_oxide",
    "gd_oxide",
    "y_oxide",
    "lu_oxide",
    "sc_oxide",
    "ho_oxide",
    "er_oxide",
    "tm_oxide",
    "eu_oxide",
    "yb_oxide",
]


@pytest.mark.parametrize("product", ELEMENT_PRODUCTS)
def test_every_element_has_producers_users_and_stocks(product: str) -> None:
    """Each element is made somewhere, used by at least one sector of its own (directly or through a downstream
    product), stocked, and every row on its path carries a source."""
    net = network()
    p = net.products.index(product)
    assert net.production0[:, p].sum() > 0
    used = net.consumption0[:, p].sum() + net.final_demand0[:, p].sum()
    assert used == pytest.approx(net.production0[:, p].sum(), rel=1e-9)
    assert (net.cover_days[:, p] > 0).any()
    assert set(net.tables["sectors"]["product"]) & _downstream(net, product)
    for table in ("facilities", "trade", "demand", "stocks", "recipes"):
        df = net.tables[table]
        assert (df["source"].astype(str).str.strip() != "").all()


def test_dy_and_tb_are_apart_with_their_own_prices_and_uses() -> None:
    net = network()
    prices = net.tables["prices"].set_index("product")["price_usd_per_t"]
    assert prices["tb_oxide"] > 2 * prices["dy_oxide"] > 0
    sectors = net.tables["sectors"].set_index("sector")["product"]
    assert sectors["dy_other"] == "dy_oxide" and sectors["tb_other"] == "tb_oxide"
    r = net.tables["recipes"]
    magnet_in = set(r[(r["process"] == "magnet") & (r["role"] == "input")]["product"])
    assert magnet_in == {"ndpr_metal", "dy_metal", "tb_metal"}


def test_smco_chain_and_defence_priority() -> None:
    """Sm oxide -> Sm metal (China only) -> SmCo magnets (China ~96%); SmCo defence users are served first."""
    net = network()
    sm_metal = net.production0[:, net.products.index("sm_metal")]
    assert np.count_nonzero(sm_metal) == 1 and sm_metal[net.countries.index("CHN")] > 0
    smco = net.production0[:, net.products.index("smco_magnet")]
    assert 0.95 < smco[net.countries.index("CHN")] / smco.sum() < 0.98
    sectors = net.tables["sectors"].set_index("sector")
    assert int(sectors.loc["smco_defence", "priority"]) == 1 and sectors.loc["smco_defence", "product"] == "smco_magnet"


def test_scandium_sources_follow_us_imports() -> None:
    """US scandium oxide comes 89% from Japan and 11% from China (USGS): the links carry those shares."""
    tr = network().tables["trade"]
    us = tr[(tr["importer"] == "USA") & (tr["product"] == "sc_oxide")].set_index("exporter")["flow_t"]
    assert us["JPN"] / us.sum() == pytest.approx(0.89) and us["CHN"] / us.sum() == pytest.approx(0.11)


# ---------------------------------------------------------------------- the Myanmar disruption
def test_myanmar_disruption_hits_heavy_rare_earths_far_more_than_ndpr() -> None:
    """Cutting Myanmar's ionic-clay feed drains China's ionic stock, then cuts Dy/Tb output by
    roughly Myanmar's share of the ionic feed net of China's own spare mining capacity, while
    NdPr (mostly from hard-rock ores) barely moves; the Dy/Tb price in China rises far more
    than NdPr's."""
    ds, base = run_pair("mm-2024-kachin-disruption")
    chn = {"country": "CHN"}
    dy = series(ds, "production", product="dy_oxide", **chn) / series(base, "production", product="dy_oxide", **chn)
    ndpr = series(ds, "production", product="ndpr_oxide", **chn) / series(base, "production", product="ndpr_oxide", **chn)
    assert dy.min() < 0.9, "Dy/Tb output falls by more than a tenth at the trough"
    assert ndpr.min() > 0.97, "NdPr output falls by less than 3%"
    assert (1 - dy.min()) > 4 * (1 - ndpr.min())
    # the trough follows the cut: China's ionic stock carries it for months
    trough = dy.idxmin()
    assert pd.Timestamp("2025-01-01") < trough < pd.Timestamp("2025-09-01")
    p = ds["price_index"].isel(scenario=0, member=0).sel(market="china")
    assert float(p.sel(product="dy_oxide").max()) > 1.5 > 1.1 > float(p.sel(product="ndpr_oxide").max())
    assert float(p.sel(product="tb_oxide").max()) > 1.5
    # China's own ionic mining runs at its spare capacity while Myanmar's is cut
    own = series(ds, "production", product="conc_ionic", country="CHN") / series(base, "production", product="conc_ionic", country="CHN")
    assert own.max() > 1.1


def test_myanmar_disruption_falls_on_heavy_rare_earth_users_not_on_magnet_users() -> None:
    """China's magnet makers draw Dy/Tb first (process use comes before end users), so the users of the
    heavy elements themselves (Dy, Tb, Y, Er, Lu uses) run their stocks down while NdFeB users do not."""
    ds, base = run_pair("mm-2024-kachin-disruption")
    ui = ds["user_inventory"].isel(scenario=0, member=0).sel(country="CHN")
    ui0 = base["user_inventory"].isel(scenario=0, member=0).sel(country="CHN")
    low = (ui / ui0).min("time").to_pandas()
    heavy = low[["dy_other", "tb_other", "y_other", "er_fibre", "lu_medical"]]
    magnets = low[["ev_traction", "wind", "industrial_appliances", "defence_aerospace"]]
    assert heavy.max() < 0.97 and heavy.min() < 0.92
    assert magnets.min() > 0.995
    assert (1 - heavy.mean()) > 10 * (1 - magnets.mean())


def test_myanmar_disruption_ships_an_uncertain_block_and_sourced_events() -> None:
    sc = ss.load_scenario("mm-2024-kachin-disruption")
    assert sc.uncertain, "a built-in rare-earth scenario declares its uncertainty"
    assert all(e.source.strip() for e in sc.events)
    cut = sum(e.tonnes_per_year for e in sc.events)
    assert cut == pytest.approx(0.0), "the cuts are restored by the end"


# ---------------------------------------------------------------------- values from content per unit
def test_values_follow_from_content_per_unit() -> None:
    """value_usd_per_t = unit value / content (contents.csv), for every sector it lists, in every country."""
    net = network()
    contents = net.tables["contents"].set_index("sector")
    assert set(contents.index) <= set(net.sectors)
    values = net.tables["values"]
    for sector, row in contents.iterrows():
        expected = float(row["unit_value_usd"]) / (float(row["content_kg"]) / 1000.0)
        got = values[values["sector"] == sector]["value_usd_per_t"].astype(float)
        assert len(got) > 0 and np.allclose(got, expected, rtol=1e-6), sector
        assert float(row["content_low_kg"]) <= float(row["content_kg"]) <= float(row["content_high_kg"])
        assert float(row["unit_value_low_usd"]) <= float(row["unit_value_usd"]) <= float(row["unit_value_high_usd"])
    # no magnet, no car: an EV is worth tens of millions of dollars per tonne of traction-motor magnet, not the
    # whole transport-equipment output per tonne; a wind turbine, which carries half a tonne per MW, far less
    ev = float(contents.loc["ev_traction", "unit_value_usd"]) / float(contents.loc["ev_traction", "content_kg"]) * 1000
    wind = float(contents.loc["wind", "unit_value_usd"]) / float(contents.loc["wind", "content_kg"]) * 1000
    assert 1e7 < ev < 1e8 and wind < ev / 5


def test_every_sector_with_demand_is_valued_in_2024_dollars() -> None:
    net = network()
    dem = {(c, s) for c, s in zip(net.tables["demand"]["country"], net.tables["demand"]["sector"], strict=True)}
    val = net.tables["values"]
    assert dem == set(zip(val["country"], val["sector"], strict=True))
    assert (val["value_usd_per_t"].astype(float) > 0).all() and set(val["price_year"].astype(float)) == {2024.0}
    # the uses with no sourced content are valued by the assumed multiple of their material's price, and say so
    minor = val[
        ~val["sector"].isin(net.tables["contents"]["sector"])
        & ~val["sector"].isin(["other", "smco_industrial", "ev_drive_units", "electronics_devices", "auto_parts"])
    ]
    assert len(minor) and (minor["basis"] == "assumption").all() and minor["source"].str.contains("element_value_multiple").all()


# ---------------------------------------------------------------------- the October 2025 package
def test_october_package_suspended_before_it_starts_leaves_only_the_april_licences() -> None:
    """Lifted on 7 November, the five elements' licence (8 November) never bites: without its
    announcement (which buyers answer by buying ahead), the run is the April licences' alone."""
    sc = ss.load_scenario("cn-2025-october-package-suspended")
    october = ("cn-five-more", "cn-october-extraterritorial")
    quiet = [e.model_copy(update={"announced": None}) if getattr(e, "id", "") in october else e for e in sc.events]
    suspended = ss.run(sc.model_copy(update={"events": quiet, "horizon_days": 300, "members": 1, "uncertain": []}))
    april_only = run("cn-2025-october-package", horizon_days=300, drop_events=october)
    for var in ("shortfall", "trade", "inventory"):
        np.testing.assert_allclose(suspended[var].values, april_only[var].values, rtol=1e-9, atol=1e-9, err_msg=var)
    package = run("cn-2025-october-package", horizon_days=300)
    assert not np.allclose(package["shortfall"].values, april_only["shortfall"].values), "the lift, not the horizon, removes the licence"


def test_october_package_five_elements_run_short_outside_china_only_if_not_suspended() -> None:
    package = run("cn-2025-october-package", horizon_days=400)
    suspended = run("cn-2025-october-package-suspended", horizon_days=400)
    five = [s for s, p in sector_products(package).items() if p in {"ho_oxide", "er_oxide", "tm_oxide", "eu_oxide", "yb_oxide"}]
    assert five

    def short(ds: xr.Dataset, countries: list[str]) -> float:
        return float(ds["shortfall"].isel(scenario=0, member=0).sel(sector=five, country=countries).sum())

    outside = [str(c) for c in package["country"].values if c != "CHN"]
    assert short(package, outside) > 0 and short(suspended, outside) == pytest.approx(0.0, abs=1e-6)
    assert short(package, ["CHN"]) == pytest.approx(0.0, abs=1e-6), "China's own users are served first"


# ---------------------------------------------------------------------- embedded content: magnets and motors made outside China
def _exports(ds: xr.Dataset, exporter: str, product: str) -> float:
    """Cumulative shipments of a product from one exporter, all destinations (t)."""
    m = (ds["link_exporter"].values == exporter) & (ds["link_product"].values == product)
    return float(ds["trade"].isel(scenario=0, member=0, link=np.where(m)[0]).sum())


def test_third_country_magnets_and_motors_are_traded_and_balance() -> None:
    net = network()
    tr = net.tables["trade"]
    mag = tr[(tr["product"] == "ndfeb_magnet") & (tr["exporter"] != "CHN")]
    assert {"JPN", "DEU", "VNM"} <= set(mag["exporter"]) and (mag["flow_t"].astype(float) > 0).all()
    motors = tr[tr["product"] == "pm_motor"]
    assert {"CHN", "JPN", "DEU"} <= set(motors["exporter"]) and ("JPN", "USA") in set(zip(motors["exporter"], motors["importer"], strict=True))
    new = pd.concat([mag, motors])
    assert new["source"].str.len().gt(20).all() and new["basis"].isin(["assumption", "derived", "reported"]).all()
    # motors are made from magnets, one tonne of NdFeB content each, and used by the importers' car plants
    rec = net.tables["recipes"]
    made = rec[rec["process"] == "motor_assembly"].set_index(["product", "role"])["quantity"].astype(float)
    assert made[("ndfeb_magnet", "input")] == 1.0 and made[("pm_motor", "output")] == 1.0
    dem = net.tables["demand"]
    use = dem[dem["product"] == "pm_motor"].groupby("country")["demand_t"].sum().astype(float)
    imports = motors.groupby("importer")["flow_t"].sum().astype(float)
    pd.testing.assert_series_equal(use.sort_index(), imports.sort_index(), check_names=False, rtol=1e-6)
    bal = net.balance()
    assert bal["ok"].all()
    # the makers outside China feed on Chinese Dy/Tb: Japan's oxide and Vietnam's metal (through Japan)
    assert ((tr["exporter"] == "CHN") & (tr["importer"] == "JPN") & (tr["product"] == "dy_oxide")).any()
    assert ((tr["exporter"] == "JPN") & (tr["importer"] == "VNM") & (tr["product"] == "dy_metal")).any()


def test_october_extraterritorial_rule_bites_through_chinese_origin_content() -> None:
    package = run("cn-2025-october-package", horizon_days=400)
    suspended = run("cn-2025-october-package-suspended", horizon_days=400)
    for exporter in ("JPN", "DEU"):
        for product in ("ndfeb_magnet", "pm_motor"):
            assert _exports(package, exporter, product) < 0.95 * _exports(suspended, exporter, product), (exporter, product)
    # the US buys drive units from Japan: short of them only under the rule
    without = run("cn-2025-october-package", horizon_days=400, drop_events=("cn-october-extraterritorial",))

    def short(ds: xr.Dataset) -> float:
        return float(ds["shortfall"].isel(scenario=0, member=0).sel(country="USA", sector="ev_drive_units").sum())

    assert short(package) > 1.0 and short(without) == pytest.approx(0.0, abs=1e-6)
    # China's own magnet links keep the April terms: the rule hardly moves China's magnet exports
    assert _exports(package, "CHN", "ndfeb_magnet") == pytest.approx(_exports(without, "CHN", "ndfeb_magnet"), rel=0.05)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exporter=st.sampled_from(["MML", "AUS", "USA", "MYS", "IND", "ROW"]))
def test_extraterritorial_control_with_no_origin_share_changes_nothing(exporter: str) -> None:
    """A country that makes and ships no magnets or motors has no origin share in anyone's: its
    extraterritorial licence on them acts like the same licence on its own (empty) exports."""
    sc = ss.load_scenario("cn-2025-october-package")
    rule = next(e for e in sc.events if getattr(e, "id", "") == "cn-october-extraterritorial")

    def go(extraterritorial: bool) -> xr.Dataset:
        ev = rule.model_copy(update={"exporter": exporter, "extraterritorial": extraterritorial, "announced": None})
        return ss.run(sc.model_copy(update={"events": [ev], "horizon_days": 300, "members": 1, "uncertain": [], "correlation": []}))

    a, b = go(True), go(False)
    for var in ("shortfall", "trade", "inventory"):
        np.testing.assert_allclose(a[var].values, b[var].values, rtol=1e-9, atol=1e-9, err_msg=var)


def test_a_lifted_licence_does_not_end_another_on_the_same_links() -> None:
    """Busan lifts the 0.1% rule, which lists magnets; China's magnet exports stay under the April
    licence, so its pending applications are still decided on that licence's terms."""
    from supplyshock.engine.run import prepare

    prep = prepare(ss.load_scenario("cn-2025-october-package-suspended"))
    net, lk, pol = prep.network, prep.links, prep.policy
    ci, pi = net.countries.index, net.products.index
    link = np.flatnonzero((lk.exporter == ci("CHN")) & (lk.importer == ci("DEU")) & (lk.product == pi("ndfeb_magnet")))[0]
    after = int((np.datetime64("2025-12-15") - pol.dates[0]).astype(int))
    assert pol.licence[after, link] == pytest.approx(0.9) and not pol.licence_over[after:, link].any()


# ---------------------------------------------------------------------- devices and auto parts (embedded magnets)
EMBEDDED = {
    # product: (assembly process, exporter's own sector, importer's sector)
    "pm_device": ("device_assembly", "consumer_electronics", "electronics_devices"),
    "pm_auto_part": ("auto_part_assembly", "other_automotive", "auto_parts"),
}


@pytest.mark.parametrize("product", sorted(EMBEDDED))
def test_devices_and_auto_parts_carry_magnets_between_countries_and_balance(product: str) -> None:
    process, own, bought = EMBEDDED[product]
    net = network()
    tr = net.tables["trade"]
    flows = tr[tr["product"] == product]
    third = set(flows["exporter"]) - {"CHN"}
    assert len(third) >= 2 and (flows["flow_t"].astype(float) > 0).all()
    assert flows["basis"].eq("assumption").all() and flows["source"].str.contains("share").all()
    # made from magnets one for one, only where exported from
    rec = net.tables["recipes"]
    made = rec[rec["process"] == process].set_index(["product", "role"])["quantity"].astype(float)
    assert made[("ndfeb_magnet", "input")] == 1.0 and made[(product, "output")] == 1.0
    fac = net.tables["facilities"]
    out = fac[fac["process"] == process].groupby("country")["output_t"].sum().astype(float)
    exports = flows.groupby("exporter")["flow_t"].sum().astype(float)
    pd.testing.assert_series_equal(out.sort_index(), exports.sort_index(), check_names=False, rtol=1e-6)
    # used by the importers' new sector, valued like the exporter's own sector
    dem = net.tables["demand"]
    use = dem[dem["sector"] == bought].groupby("country")["demand_t"].sum().astype(float)
    imports = flows.groupby("importer")["flow_t"].sum().astype(float)
    pd.testing.assert_series_equal(use.sort_index(), imports.sort_index(), check_names=False, rtol=1e-6)
    val = net.tables["values"].set_index(["country", "sector"])["value_usd_per_t"].astype(float)
    for c in use.index:
        assert val[(c, bought)] == pytest.approx(val[(c, own)])
    assert net.balance()["ok"].all()


def test_october_extraterritorial_rule_cuts_third_countries_devices_and_parts() -> None:
    package = run("cn-2025-october-package", horizon_days=400)
    suspended = run("cn-2025-october-package-suspended", horizon_days=400)
    tr = network().tables["trade"]
    for product in EMBEDDED:
        exporters = sorted(set(tr.loc[tr["product"] == product, "exporter"]) - {"CHN"})
        for exporter in exporters:
            before = _exports(suspended, exporter, product)
            assert before > 0.0 and _exports(package, exporter, product) < 0.95 * before, (exporter, product)
