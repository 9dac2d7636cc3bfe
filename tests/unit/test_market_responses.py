"""The engine's market responses and end-user mechanisms, each on its own.

Every scenario starts from :data:`OFF`: demand growth and every price-driven response
(leakage, embedded supply, demand destruction, substitution, thrifting, price foresight)
switched off; each test switches on only the mechanism it checks, on the embedded
rare-earths dataset. Figures (recipes, cohorts, priorities, thresholds) are read from the
dataset and the parameter table, never typed in, so the tests follow the data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import xarray as xr

import supplyshock as ss
from supplyshock.analysis.metrics import recorded_trade
from supplyshock.scenario import Scenario
from supplyshock.testing import RESPONSES_OFF

START = "2025-01-01"
CONTROLLER = "CHN"
MAGNET = "ndfeb_magnet"
OFF = RESPONSES_OFF
BAN_MAGNETS = {"type": "export_ban", "exporter": CONTROLLER, "products": [MAGNET], "destinations": "all", "start": "2025-01-11"}
BAN_START = 10  # day index of 2025-01-11


def mk(events: list[dict[str, Any]], days: int, overrides: list[dict[str, Any]] | None = None, **params: float) -> Scenario:
    """A rare-earths scenario with every market response off except ``params``."""
    return Scenario.model_validate(
        {"name": "t", "start": START, "horizon_days": days, "events": events, "parameters": {**OFF, **params}, "overrides": overrides or []}
    )


def run(events: list[dict[str, Any]], days: int, *, members: int = 1, params: dict[str, Any] | None = None, **kw: Any) -> xr.Dataset:
    sc = mk(events, days, **kw)
    arrays = {k: np.asarray(v, dtype=float) for k, v in (params or {}).items()}
    return ss.run(sc, members=members, params=arrays or None, check=True)


def one(ds: xr.Dataset, var: str, member: int = 0) -> xr.DataArray:
    return ds[var].isel(scenario=0, member=member)


def outside(ds: xr.Dataset) -> list[str]:
    return [str(c) for c in ds["country"].values if c != CONTROLLER]


def shortfall_outside(ds: xr.Dataset, member: int = 0) -> float:
    return float(one(ds, "shortfall", member).sel(country=outside(ds)).sum())


def magnet_spread(ds: xr.Dataset, member: int = 0) -> np.ndarray:
    """Outside over inside magnet price (the spread that opens indirect supply), per day."""
    price = one(ds, "price_index", member).sel(product=MAGNET)
    inside = str(ds["country_market"].sel(country=CONTROLLER).values)
    others = [str(m) for m in ds["market"].values if m != inside]
    return (price.sel(market=others).max("market") / price.sel(market=inside)).values


def first_day(mask: np.ndarray) -> int:
    idx = np.flatnonzero(mask)
    assert idx.size, "the condition never holds"
    return int(idx[0])


@pytest.fixture(scope="module")
def base240() -> xr.Dataset:
    return run([], 240)


@pytest.fixture(scope="module")
def ban240() -> xr.Dataset:
    """China stops all magnet exports on day 10; everything else off (the common shock)."""
    return run([BAN_MAGNETS], 240)


# ---------------------------------------------------------------------- leakage
@pytest.fixture(scope="module")
def leaky240() -> xr.Dataset:
    return run([BAN_MAGNETS], 240, leakage_max=0.5)


def test_no_leakage_no_indirect_trade(ban240: xr.Dataset) -> None:
    assert float(abs(one(ban240, "indirect_trade")).max()) == 0.0
    banned = ((ban240["link_exporter"] == CONTROLLER) & (ban240["link_product"] == MAGNET)).values
    assert float(one(ban240, "trade").values[BAN_START:, banned].max()) == 0.0


def test_leakage_opens_only_after_the_spread_passes_the_threshold(leaky240: xr.Dataset, network: ss.SupplyNetwork) -> None:
    threshold = network.param("spread_threshold")
    indirect = one(leaky240, "indirect_trade").values.sum(axis=1)
    opened = first_day(indirect > 0)
    wide = first_day(magnet_spread(leaky240) > threshold)
    # the route opens at the end of the first day the spread is wide: material leaks from the next day
    assert opened > wide
    assert opened > BAN_START
    assert indirect[opened:].max() > 0


def test_indirect_trade_is_trade_but_not_customs_exports(leaky240: xr.Dataset) -> None:
    trade = one(leaky240, "trade").values
    indirect = one(leaky240, "indirect_trade").values
    assert (indirect >= 0).all()
    assert (indirect <= trade * (1 + 1e-12)).all()
    banned = ((leaky240["link_exporter"] == CONTROLLER) & (leaky240["link_product"] == MAGNET)).values
    leaked = indirect[BAN_START:, banned]
    assert leaked.sum() > 0  # controlled material reaches the buyers ...
    customs = recorded_trade(leaky240).isel(scenario=0, member=0).values[BAN_START:, banned]
    assert float(abs(customs).max()) <= 1e-12 * float(leaked.max())  # ... but China's customs record none of it
    # only controlled links leak
    assert float(indirect[:, ~banned].max()) == 0.0


def test_leakage_does_not_raise_shortfall_outside(ban240: xr.Dataset, leaky240: xr.Dataset) -> None:
    without, with_leak = shortfall_outside(ban240), shortfall_outside(leaky240)
    assert without > 0
    assert with_leak <= without
    assert with_leak < without  # the test is not vacuous: leakage relieves the shortage


# ---------------------------------------------------------------------- embedded supply
def test_embedded_supply_zero_leaves_demand_at_baseline(base240: xr.Dataset, ban240: xr.Dataset) -> None:
    np.testing.assert_array_equal(one(ban240, "demand").values, one(base240, "demand").values)


def test_embedded_supply_cuts_outside_demand_once_the_spread_opens(base240: xr.Dataset, network: ss.SupplyNetwork) -> None:
    emb_max = 0.2
    # members: the default opening, then a route that opens fully at a small spread within a day
    params = {"spread_full": [network.param("spread_full"), 1.6], "indirect_supply_days": [60.0, 1.0]}
    ds = run([BAN_MAGNETS], 240, members=2, params=params, embedded_supply_max=emb_max)
    magnet_sectors = [s for s, p in zip(network.sectors, network.sector_product, strict=True) if network.products[p] == MAGNET]
    base = one(base240, "demand").sel(sector=magnet_sectors)
    threshold = network.param("spread_threshold")
    for m in range(2):
        ratio = (one(ds, "demand", m).sel(sector=magnet_sectors) / base).fillna(1.0)
        out = ratio.sel(country=outside(ds)).min(["country", "sector"]).values
        # demand inside the controlling market never moves
        np.testing.assert_array_equal(ratio.sel(country=CONTROLLER).values, 1.0)
        # outside, demand falls only after the outside price is a wide spread above the inside one
        assert first_day(out < 1.0) > first_day(magnet_spread(ds, m) > threshold)
        # and never by more than embedded_supply_max
        assert out.min() >= 1.0 - emb_max - 1e-12
    # the fast route reaches the ceiling: the bound above is tight, not vacuous
    fast = (one(ds, "demand", 1).sel(sector=magnet_sectors) / base).fillna(1.0).sel(country=outside(ds))
    assert float(fast.min()) == pytest.approx(1.0 - emb_max, abs=1e-9)


# ---------------------------------------------------------------------- demand destruction
ELASTICITIES = [0.0, 0.3, 1.0]


@pytest.fixture(scope="module")
def elastic() -> xr.Dataset:
    return run([BAN_MAGNETS], 240, members=3, params={"demand_price_elasticity": ELASTICITIES})


def test_zero_elasticity_keeps_demand_at_baseline(elastic: xr.Dataset, base240: xr.Dataset) -> None:
    np.testing.assert_array_equal(one(elastic, "demand", 0).values, one(base240, "demand").values)


def test_higher_elasticity_lower_demand_no_higher_shortfall(elastic: xr.Dataset) -> None:
    demand = [float(one(elastic, "demand", m).sum()) for m in range(3)]
    short = [shortfall_outside(elastic, m) for m in range(3)]
    assert demand[0] > demand[1] > demand[2]
    assert short[0] >= short[1] >= short[2]
    assert short[0] > short[2]


def _sector_prices(ds: xr.Dataset, net: ss.SupplyNetwork, member: int) -> np.ndarray:
    """Price index of each (country, sector)'s product in the country's market, (T, C, S)."""
    price = one(ds, "price_index", member).values  # (T, market, product)
    mk_c = net.country_market  # (C,)
    return price[:, mk_c[:, None], net.sector_product[None, :]]


def test_demand_never_below_the_price_response(elastic: xr.Dataset, base240: xr.Dataset, network: ss.SupplyNetwork) -> None:
    """Demand moves towards price ** -elasticity by smoothing: it never falls below the
    lowest target of the days before (price of the sector's product in its market)."""
    base = one(base240, "demand").values
    for m, e in enumerate(ELASTICITIES):
        target = np.maximum(_sector_prices(elastic, network, m), 1.0) ** -e
        floor = np.minimum.accumulate(target, axis=0)  # lowest target so far
        floor = np.concatenate([np.ones_like(floor[:1]), floor[:-1]])  # today's demand follows yesterday's price
        ratio = np.where(base > 0, one(elastic, "demand", m).values / np.where(base > 0, base, 1.0), 1.0)
        assert (ratio >= floor - 1e-12).all(), e
        if e > 0:
            assert ratio.min() < 1.0


# ---------------------------------------------------------------------- thrifting
def _thrifting(net: ss.SupplyNetwork) -> list[tuple[str, str, float, float]]:
    """(country, input, recipe quantity, thrift_max) of the magnet plants outside the controlling
    country whose recipe can thrift an input (the only process using that input there)."""
    pm = net.products.index(MAGNET)
    out = []
    for c, country in enumerate(net.countries):
        if country == CONTROLLER or net.production0[c, pm] <= 0:
            continue
        for j in np.flatnonzero((net.capacity[c] > 0) & (net.recipe_out[c, :, pm] > 0)):
            for p in np.flatnonzero(net.recipe_thrift[c, j] > 0):
                if ((net.recipe_in[c, :, p] > 0) & (net.capacity[c] > 0)).sum() == 1 and net.recipe_out[c, j, pm] == 1.0:
                    out.append((country, net.products[p], float(net.recipe_in[c, j, p]), float(net.recipe_thrift[c, j, p])))
    return out


def _ban_thrifted_inputs(net: ss.SupplyNetwork) -> dict[str, Any]:
    """China stops exporting the thriftable inputs and what they are made from."""
    inputs = {net.products.index(p) for _, p, _, _ in _thrifting(net)}
    made_from = {
        int(q)
        for p in inputs
        for j in np.flatnonzero(net.recipe_out[:, :, p].max(axis=0) > 0)
        for q in np.flatnonzero(net.recipe_in[:, j].max(axis=0) > 0)
    }
    products = sorted(net.products[p] for p in inputs | {q for q in made_from if net.products[q] != MAGNET})
    return {"type": "export_ban", "exporter": CONTROLLER, "products": products, "destinations": "all", "start": "2025-01-11"}


def _input_per_output(ds: xr.Dataset, country: str, product: str, member: int = 0) -> np.ndarray:
    use = one(ds, "process_use", member).sel(country=country, product=product).values
    out = one(ds, "production", member).sel(country=country, product=MAGNET).values
    return np.where(out > 0, use / np.where(out > 0, out, 1.0), np.nan)


def test_thrifting_follows_the_input_price_down_to_its_floor(network: ss.SupplyNetwork) -> None:
    cases = _thrifting(network)
    assert cases, "no magnet plant outside the controlling country can thrift an input"
    rate = 5.0  # the whole potential in 73 days: the floor is reached within the run
    ds = run([_ban_thrifted_inputs(network)], 240, thrifting_rate_per_year=rate)
    threshold = network.param("substitution_price_threshold")
    floored = 0
    for country, product, recipe, thrift_max in cases:
        market = network.markets[network.country_market[network.countries.index(country)]]
        dear = one(ds, "price_index").sel(market=market, product=product).values > threshold + 1e-9
        r = _input_per_output(ds, country, product)
        ok = np.isfinite(r)
        # the recipe holds until the day after the input first gets dear
        first = first_day(dear)
        np.testing.assert_allclose(r[: first + 1][ok[: first + 1]], recipe, rtol=1e-12)
        # it changes only on days after a dear day, and then only downwards
        for t in range(1, r.size):
            if ok[t] and ok[t - 1]:
                if dear[t - 1]:
                    assert r[t] <= r[t - 1] * (1 + 1e-12), (country, product, t)
                else:
                    assert r[t] == pytest.approx(r[t - 1], rel=1e-12), (country, product, t)
        # never below the recipe's thrifting potential
        assert np.nanmin(r) >= recipe * (1.0 - thrift_max) * (1 - 1e-12), (country, product)
        floored += int(np.nanmin(r) <= recipe * (1.0 - thrift_max) * (1 + 1e-9))
    assert floored, "no plant reached the floor: the bound was not exercised"


def test_no_thrifting_in_the_baseline_or_without_the_rate(network: ss.SupplyNetwork) -> None:
    base = run([], 120, thrifting_rate_per_year=5.0)
    shock = run([_ban_thrifted_inputs(network)], 240)  # rate 0
    for country, product, recipe, _ in _thrifting(network):
        for ds in (base, shock):
            r = _input_per_output(ds, country, product)
            np.testing.assert_allclose(r[np.isfinite(r)], recipe, rtol=1e-12)


# ---------------------------------------------------------------------- cohorts
def _cohorts(net: ss.SupplyNetwork, country: str, sector: str) -> tuple[np.ndarray, np.ndarray]:
    c, s = net.countries.index(country), net.sectors.index(sector)
    share, days = net.cohort_share[c, s], net.cohort_days[c, s]
    keep = share > 0
    return share[keep], days[keep]


def test_leanest_cohort_stops_first(ban240: xr.Dataset, network: ss.SupplyNetwork) -> None:
    """Cohorts stop in the order of their days of cover: the stopped share is always the
    share of the leanest cohorts (those with the fewest days of cover) taken together."""
    stopped = one(ban240, "stopped_share")
    checked = 0
    for country in outside(ban240):
        for sector in ban240["sector"].values:
            v = stopped.sel(country=country, sector=sector).values
            if v.max() == 0:
                continue
            share, days = _cohorts(network, country, str(sector))
            levels = np.unique(days)
            prefix = np.array([0.0] + [share[days <= d].sum() for d in levels])
            # the first stoppage is the leanest cohort(s)
            assert v[first_day(v > 0)] == pytest.approx(share[days == levels[0]].sum(), abs=1e-12), (country, sector)
            # every day: a prefix of the cohorts ordered by days of cover
            gap = np.abs(v[:, None] - prefix[None, :]).min(axis=1)
            assert gap.max() <= 1e-12, (country, str(sector))
            checked += int(levels.size > 1)
    assert checked, "no sector with several cohorts stopped"


def test_stopped_share_bounds(ban240: xr.Dataset, base240: xr.Dataset) -> None:
    v = one(ban240, "stopped_share").values
    assert v.min() >= 0.0
    assert v.max() <= 1.0 + 1e-12
    assert v.max() == pytest.approx(1.0)  # whole sectors stop under a total magnet ban
    assert float(one(base240, "stopped_share").max()) == 0.0
    assert float(one(base240, "output_loss_share").max()) == 0.0


def test_output_loss_is_the_cohort_shortfall_shares_to_the_exponent() -> None:
    """Output lost = sum over cohorts of share * r ** exponent, r the cohort's shortfall share:
    with exponent 1 it is the sector's shortfall share of demand; above 1 it lies between that
    share to the exponent (Jensen) and the share itself."""
    ds = run([BAN_MAGNETS], 240, members=2, params={"line_loss_exponent": [1.0, 2.0]})
    r = (one(ds, "shortfall", 0) / one(ds, "demand", 0)).fillna(0.0).values
    loss1 = one(ds, "output_loss_share", 0).values
    np.testing.assert_allclose(loss1, r, rtol=1e-12, atol=1e-12)
    # the members share the same shortfall: the loss exponent affects only the loss
    np.testing.assert_array_equal(one(ds, "shortfall", 1).values, one(ds, "shortfall", 0).values)
    loss2 = one(ds, "output_loss_share", 1).values
    assert (loss2 <= r + 1e-12).all()
    assert (loss2 >= r**2 - 1e-12).all()
    assert (loss2 < r - 1e-6).any()  # partial shortfalls lose less than proportionally
    assert (loss2 > r**2 + 1e-6).any()  # and cohorts differ: more than the sector-level square


def test_user_inventory_is_the_cohorts_cover(network: ss.SupplyNetwork, ban240: xr.Dataset) -> None:
    scales = [1.0, 0.5]
    ds = run([], 30, members=2, params={"cover_scale": scales})
    days = (network.cohort_share * network.cohort_days).sum(axis=2)  # (C, S) days of demand held by users
    for m, scale in enumerate(scales):
        expected = one(ds, "demand", m).values * days[None] * scale
        np.testing.assert_allclose(one(ds, "user_inventory", m).values, expected, rtol=1e-9, atol=1e-9)
    # a sector with every plant stopped holds nothing
    stopped = one(ban240, "stopped_share").values
    held = one(ban240, "user_inventory").values
    assert (stopped >= 1 - 1e-12).any()
    assert float(held[stopped >= 1 - 1e-12].max()) <= 1e-9


# ---------------------------------------------------------------------- priority
def _priority_sectors(net: ss.SupplyNetwork) -> list[str]:
    return [s for s, p in zip(net.sectors, net.sector_priority, strict=True) if p <= 1]


def test_priority_sector_short_no_more_than_others(ban240: xr.Dataset, network: ss.SupplyNetwork) -> None:
    prio = _priority_sectors(network)
    assert prio
    ratio = (one(ban240, "shortfall") / one(ban240, "demand")).fillna(0.0)
    product = dict(zip(network.sectors, (network.products[i] for i in network.sector_product), strict=True))
    compared = 0
    for country in outside(ban240):
        for hi in prio:
            if float(one(ban240, "demand").sel(country=country, sector=hi).max()) == 0:
                continue
            lows = [s for s in network.sectors if s not in prio and product[s] == product[hi]]
            r_hi = ratio.sel(country=country, sector=hi).values
            r_lo = ratio.sel(country=country, sector=lows).values
            assert (r_hi[:, None] <= r_lo + 1e-12).all(), (country, hi)
            compared += int(r_lo.max() > 0)
    assert compared


def test_priority_serves_the_priority_sector_first(ban240: xr.Dataset, network: ss.SupplyNetwork) -> None:
    """The same run with every sector at the same priority: without their priority the
    priority sectors are nowhere less short (and in total more), the others nowhere more."""
    prio = _priority_sectors(network)
    flat = [{"table": "sectors", "match": {"sector": s}, "set": {"priority": 2}} for s in prio]
    equal = run([BAN_MAGNETS], 240, overrides=flat)
    with_p, without_p = one(ban240, "shortfall"), one(equal, "shortfall")
    others = [s for s in network.sectors if s not in prio]
    for country in outside(ban240):
        assert float(with_p.sel(country=country, sector=prio).sum()) <= float(without_p.sel(country=country, sector=prio).sum()) + 1e-9
        assert float(with_p.sel(country=country, sector=others).sum()) >= float(without_p.sel(country=country, sector=others).sum()) - 1e-9
    assert float(with_p.sel(sector=prio).sum()) < float(without_p.sel(sector=prio).sum())


# ---------------------------------------------------------------------- price foresight
def test_price_foresight_raises_prices_before_stocks_fall() -> None:
    ds = run([BAN_MAGNETS], 120, members=2, params={"price_foresight_days": [0.0, 30.0]})
    inside = str(ds["country_market"].sel(country=CONTROLLER).values)
    market = next(str(m) for m in ds["market"].values if m != inside)
    held = []
    first = []
    for m in range(2):
        price = one(ds, "price_index", m).sel(market=market, product=MAGNET).values
        stock = one(ds, "inventory", m).sel(country=outside(ds), product=MAGNET).sum("country").values
        stock = stock + one(ds, "user_inventory", m).sel(country=outside(ds)).sum(["country", "sector"]).values
        first.append(first_day(price > 1.01))
        held.append(stock[first[-1]] / stock[0])
    assert first[1] < first[0]  # with foresight the price moves earlier ...
    assert held[1] > held[0]  # ... while more of the stock is still there


# ---------------------------------------------------------------------- demand growth
def test_demand_grows_on_the_baseline_without_shortfall(network: ss.SupplyNetwork) -> None:
    rates = [network.param("demand_growth_per_year"), -0.2]  # the dataset's rate and a decline
    ds = run([], 366, members=2, params={"demand_growth_per_year": rates})
    for m, g in enumerate(rates):
        level = ds["growth_level"].isel(member=m).values
        assert level[365] / level[0] == pytest.approx(1.0 + g, rel=1e-12)
        demand = one(ds, "demand", m)
        np.testing.assert_allclose(demand.values, ds["baseline_demand"].values[None] * level[:, None, None], rtol=1e-12)
        total = demand.sum(["country", "sector"]).values
        assert total[365] / total[0] == pytest.approx(1.0 + g, rel=1e-9)
        assert float(one(ds, "shortfall", m).max()) <= 1e-9 * float(demand.max())


# ---------------------------------------------------------------------- licences: approval at filing
def _usa_licence(steps: list[tuple[str, float]]) -> dict[str, Any]:
    return {
        "type": "licence",
        "exporter": CONTROLLER,
        "products": [MAGNET],
        "destinations": ["USA"],
        "start": START,
        "delay_days": 30,
        "approval": [{"from": d, "share": s} for d, s in steps],
    }


@pytest.mark.parametrize(("before", "after"), [(1.0, 0.0), (0.0, 1.0)])
def test_approval_in_force_at_filing_decides(before: float, after: float) -> None:
    """Approval changes on day 40; the review takes 30 days. Applications filed before day 40
    follow the old share even when they are decided after it (ship on days 30-69); those
    filed from day 40 on follow the new one (ship from day 70)."""
    ds = run([_usa_licence([(START, before), ("2025-02-10", after)])], 110)
    link = ((ds["link_exporter"] == CONTROLLER) & (ds["link_importer"] == "USA") & (ds["link_product"] == MAGNET)).values
    ship = one(ds, "trade").values[:, link].sum(axis=1)
    assert ship[:30].max() == 0.0  # under review
    filed_before, filed_after = ship[30:70], ship[70:]
    if before:
        assert filed_before.min() > 0 and filed_after.max() == 0.0
    else:
        assert filed_before.max() == 0.0 and filed_after.min() > 0


# ---------------------------------------------------------------------- rerouting (regression)
def test_rerouting_never_cancels_orders_under_a_quota() -> None:
    """Under a quota, buyers denied part of their orders reroute some of their need to spare
    supply elsewhere. Spare supply is short, and what no alternative supplier could take used
    to be dropped from the orders altogether (rerouting turned 0 t into ~190 t of shortfall).
    It stays ordered from the baseline suppliers: rerouting can only help."""
    quota = {
        "type": "quota",
        "exporter": CONTROLLER,
        "products": [MAGNET],
        "destinations": "all",
        "start": START,
        "end": "2025-03-02",
        "share_of_baseline": 0.5,
    }
    ds = run([quota], 150, members=2, params={"rerouting_share_max": [0.0, 1.0]})
    assert float(one(ds, "spot_trade", 1).sum()) > float(one(ds, "spot_trade", 0).sum())  # rerouting happens
    assert shortfall_outside(ds, 1) <= shortfall_outside(ds, 0) * (1 + 1e-6) + 1e-6
