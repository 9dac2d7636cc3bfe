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

import supplyshock as ss

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


def test_heavy_content_follows_the_deposit_type() -> None:
    """Ionic clays carry an order of magnitude more Dy/Tb per t REO than monazite, and monazite more than bastnaesite."""
    net = network()
    heavy = {d: _recipe(net, f"separation_{d}", "dytb_oxide") for d in ("ionic", "monazite", "bastnaesite")}
    assert heavy["ionic"] > 5 * heavy["monazite"] > 5 * heavy["bastnaesite"] > 0
    # NdPr comes mostly from hard-rock ores: the ionic clays carry less NdPr per t REO
    assert _recipe(net, "separation_ionic", "ndpr_oxide") < _recipe(net, "separation_bastnaesite", "ndpr_oxide")


def test_myanmar_is_most_of_chinas_heavy_feed() -> None:
    """Myanmar's ionic-clay exports are 55-70% of China's ionic feed (facts: ~60-67% of China's HREE feed)."""
    net = network()
    fac, tr = net.tables["facilities"], net.tables["trade"]
    feed = float(fac[(fac["country"] == "CHN") & (fac["process"] == "separation_ionic")]["output_t"].iloc[0])
    mm = float(tr[(tr["exporter"] == "MML") & (tr["importer"] == "CHN") & (tr["product"] == "conc_ionic")]["flow_t"].iloc[0])
    assert 0.55 < mm / feed < 0.70
    # and most of the world's Dy/Tb: ionic feed x its content over all Dy/Tb separated
    c = net.countries.index("CHN")
    dytb = float(net.production0[c, net.products.index("dytb_oxide")])
    assert mm * _recipe(net, "separation_ionic", "dytb_oxide") / dytb > 0.45


def test_heavy_rare_earths_are_separated_only_in_china() -> None:
    net = network()
    prod = net.production0[:, net.products.index("dytb_oxide")]
    assert prod[net.countries.index("CHN")] > 0
    assert np.count_nonzero(prod) == 1


# ---------------------------------------------------------------------- the Myanmar disruption
def test_myanmar_disruption_hits_heavy_rare_earths_far_more_than_ndpr() -> None:
    """Cutting Myanmar's ionic-clay feed drains China's ionic stock, then cuts Dy/Tb output by
    roughly Myanmar's share of the ionic feed net of China's own spare mining capacity, while
    NdPr (mostly from hard-rock ores) barely moves; the Dy/Tb price in China rises far more
    than NdPr's."""
    ds, base = run_pair("mm-2024-kachin-disruption")
    chn = {"country": "CHN"}
    dy = series(ds, "production", product="dytb_oxide", **chn) / series(base, "production", product="dytb_oxide", **chn)
    ndpr = series(ds, "production", product="ndpr_oxide", **chn) / series(base, "production", product="ndpr_oxide", **chn)
    assert dy.min() < 0.9, "Dy/Tb output falls by more than a tenth at the trough"
    assert ndpr.min() > 0.97, "NdPr output falls by less than 3%"
    assert (1 - dy.min()) > 4 * (1 - ndpr.min())
    # the trough follows the cut: China's ionic stock carries it for months
    trough = dy.idxmin()
    assert pd.Timestamp("2025-01-01") < trough < pd.Timestamp("2025-09-01")
    p = ds["price_index"].isel(scenario=0, member=0).sel(market="china")
    assert float(p.sel(product="dytb_oxide").max()) > 1.5 > 1.1 > float(p.sel(product="ndpr_oxide").max())
    # China's own ionic mining runs at its spare capacity while Myanmar's is cut
    own = series(ds, "production", product="conc_ionic", country="CHN") / series(base, "production", product="conc_ionic", country="CHN")
    assert own.max() > 1.1


def test_myanmar_disruption_ships_an_uncertain_block_and_sourced_events() -> None:
    sc = ss.load_scenario("mm-2024-kachin-disruption")
    assert sc.uncertain, "a built-in rare-earth scenario declares its uncertainty"
    assert all(e.source.strip() for e in sc.events)
    cut = sum(e.tonnes_per_year for e in sc.events)
    assert cut == pytest.approx(0.0), "the cuts are restored by the end"
