"""Fidelity properties of the material model (hypothesis): rerouting and restocking.

P1. Enabling rerouting never raises the total shortfall outside the controlling country.
P2. After a temporary ban, the controlling country's exports of the banned product to the
    banned buyers exceed the baseline's over the following months (holders rebuild cover).

Both hold for drawn controls and parameters on the rare-earths dataset: P1 where the buyers
under control neither make nor use the controlled product themselves, P2 for any buyer (makers
and users of the product included). Cases found outside those domains and fixed are kept as
regressions: P1 under a quota shared by 16 products and binding on every buyer for two years,
P1 when users of the product are banned, P1 on every built-in scenario, and P2 for an
importer that also makes the product.

Every price-driven response (leakage, embedded supply, demand destruction, substitution,
thrifting, foresight) and demand growth are off, so that only the mechanism under test
moves the result.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
import xarray as xr
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import supplyshock as ss
from supplyshock.network import SupplyNetwork
from supplyshock.scenario import Scenario, load_scenario
from supplyshock.scenario.loader import builtin_scenarios
from supplyshock.testing import RESPONSES_OFF, toy_network, toy_records

NET = ss.load_network("rare-earths")
CONTROLLER = "CHN"
START = dt.date(2025, 1, 1)
OFF = RESPONSES_OFF
#: Absolute tolerance on total shortfall (t), see test_rerouting_never_raises_shortfall_outside.
SHORTFALL_ATOL_T = 1e-3


def _day(d: int) -> str:
    return (START + dt.timedelta(days=d)).isoformat()


def _makes(net: SupplyNetwork, country: str, product: str) -> bool:
    """Does the country make the product (a process with capacity)?"""
    c, p = net.countries.index(country), net.products.index(product)
    return bool(((net.recipe_out[c, :, p] > 0) & (net.capacity[c] > 0)).any())


def _touches(net: SupplyNetwork, country: str, product: str) -> bool:
    """Does the country make or use the product (a process with capacity)?"""
    c, p = net.countries.index(country), net.products.index(product)
    return _makes(net, country, product) or bool(((net.recipe_in[c, :, p] > 0) & (net.capacity[c] > 0)).any())


def _importers(net: SupplyNetwork, product: str) -> list[str]:
    """Countries that import the product from the controller at baseline."""
    c0, p = net.countries.index(CONTROLLER), net.products.index(product)
    links = (net.link_exporter == c0) & (net.link_product == p) & (net.link_flow0 > 0)
    return [net.countries[i] for i in sorted(set(net.link_importer[links].tolist()))]


def _buyers(net: SupplyNetwork, product: str) -> list[str]:
    """Countries that import the product from the controller at baseline and neither make nor use it."""
    return [c for c in _importers(net, product) if not _touches(net, c, product)]


EXPORTED = [p for p in NET.products if _buyers(NET, p)]
#: Products the controller exports at baseline, to any buyer.
SHIPPED = [p for p in NET.products if _importers(NET, p)]
#: Of those, the products made outside the controlling country too: buyers have somewhere to reroute to.
CONTESTED = [p for p in EXPORTED if any(_makes(NET, c, p) for c in NET.countries if c != CONTROLLER)]

positive = lambda lo, hi: st.floats(lo, hi, allow_nan=False)  # noqa: E731
PHYSICAL = {
    "switching_lag_days": positive(1, 120),
    "price_flexibility": positive(0.1, 1.0),
    "inventory_adjustment_days": positive(5, 60),
}


def _scenario(events: list[dict[str, Any]], days: int, params: dict[str, float], allocation: str = "pro_rata") -> Scenario:
    return Scenario.model_validate(
        {"name": "p", "start": START.isoformat(), "horizon_days": days, "events": events, "allocation": allocation, "parameters": {**OFF, **params}}
    )


def _outside_shortfall(ds: xr.Dataset, controller: str) -> np.ndarray:
    """Total shortfall outside the controller, per member (t)."""
    others = [c for c in ds["country"].values if c != controller]
    return ds["shortfall"].isel(scenario=0).sel(country=others).sum(["time", "country", "sector"]).values


def _with_and_without_rerouting(
    sc: Scenario, *, share: float = 1.0, net: SupplyNetwork = NET, controller: str = CONTROLLER
) -> tuple[xr.Dataset, float, float]:
    """Run ``sc`` with rerouting off (member 0) and at ``share`` (member 1): the run and each one's
    total shortfall outside the controller (t)."""
    ds = ss.run(sc, network=net, members=2, params={"rerouting_share_max": np.array([0.0, share])}, check=True)
    without, with_rerouting = _outside_shortfall(ds, controller)
    return ds, float(without), float(with_rerouting)


def _assert_rerouting_adds_no_shortfall(without: float, with_rerouting: float) -> None:
    """P1 with its tolerance (see test_rerouting_never_raises_shortfall_outside)."""
    assert with_rerouting <= without * (1 + 1e-6) + SHORTFALL_ATOL_T, (without, with_rerouting)


# ---------------------------------------------------------------------- P1 rerouting
@st.composite
def controls(draw: st.DrawFn) -> tuple[Scenario, float]:
    """A ban, licence or quota by the controller on buyers that neither make nor use the product,
    drawn parameters, and a rerouting share in (0, 1]."""
    products = draw(st.lists(st.sampled_from(CONTESTED), min_size=1, max_size=3, unique=True))
    pool = [c for c in NET.countries if c != CONTROLLER and not any(_touches(NET, c, p) for p in products)]
    assume(pool)
    start = draw(st.integers(0, 40))
    ev: dict[str, Any] = {
        "type": draw(st.sampled_from(["export_ban", "licence", "quota"])),
        "exporter": CONTROLLER,
        "products": products,
        "destinations": draw(st.lists(st.sampled_from(pool), min_size=1, max_size=len(pool), unique=True)),
        "start": _day(start),
    }
    if draw(st.booleans()):
        ev["end"] = _day(start + draw(st.integers(10, 100)))
    if ev["type"] == "licence":
        ev["approval"] = draw(st.floats(0.0, 1.0))
        ev["delay_days"] = draw(st.integers(0, 60))
    elif ev["type"] == "quota":
        ev["share_of_baseline"] = draw(st.floats(0.0, 1.0))
    params = draw(st.fixed_dictionaries(PHYSICAL))
    allocation = draw(st.sampled_from(["pro_rata", "domestic_first"]))
    return _scenario([ev], 150, params, allocation), draw(st.floats(0.01, 1.0))


# Derandomised, so that `pytest` gives the same answer every time; random campaigns over the same
# domain are run by hand (issue 11's notes give their size and result).
@settings(max_examples=20, derandomize=True)
@given(case=controls())
def test_rerouting_never_raises_shortfall_outside(case: tuple[Scenario, float]) -> None:
    """P1, with rerouting off and at a drawn share (members of one run).

    Tolerance: 1e-6 relative plus SHORTFALL_ATOL_T (1 kg): far above floating-point noise
    accumulated over 150 days and ~100 columns (order 1e-12 t) and far below any effect of
    the mechanism (the bugs this guards against cost 0.69 t and ~190 t,
    test_market_responses.py).
    """
    sc, share = case
    _, without, with_rerouting = _with_and_without_rerouting(sc, share=share)
    _assert_rerouting_adds_no_shortfall(without, with_rerouting)


def test_rerouting_keeps_the_contracts_with_suppliers_that_deliver() -> None:
    """A counterexample P1 found on the dataset with third-country magnet trade, kept as a regression.

    China licenses magnets to the EU (approval 0 for 41 days, decisions after 39). When the
    refusals arrive the EU reroutes. It used to move its *whole* import need to spot orders,
    including the part under contract with Japan and Germany, which keep delivering; a spot
    claim ranks after the supplier's own users, so those deliveries fell (Germany 3.3 to
    0.5 t/day) and the EU ran 0.69 t short on one day where without rerouting it ran short of
    nothing. Now only the need placed on the failing link (China) moves.
    """
    ev = {
        "type": "licence",
        "exporter": CONTROLLER,
        "products": ["ndfeb_magnet"],
        "destinations": ["MML", "EUR"],
        "start": _day(0),
        "end": _day(41),
        "coverage": 1.0,
        "delay_days": 39,
        "approval": 0.0,
    }
    sc = _scenario([ev], 150, {"switching_lag_days": 1.0, "price_flexibility": 1.0, "inventory_adjustment_days": 5.0})
    ds, without, with_rerouting = _with_and_without_rerouting(sc)
    _assert_rerouting_adds_no_shortfall(without, with_rerouting)
    # while the EU reroutes, its contracted magnets from the suppliers that deliver (Japan,
    # Germany) stay contracted: over those days within 10% of the run without rerouting (they
    # differ only through the EU's stock, which the spot orders refill); before the fix they
    # fell to about a fifth
    trade, spot = ds["trade"].isel(scenario=0), ds["spot_trade"].isel(scenario=0)
    eu = (trade.link_importer == "EUR") & (trade.link_product == "ndfeb_magnet")
    rerouting = spot.sel(member=1, link=eu & (trade.link_exporter != CONTROLLER)).sum("link").values > 0
    assert rerouting.sum() >= 10
    contracted = (trade - spot).sel(link=eu & trade.link_exporter.isin(["JPN", "DEU"])).sum("link").values[:, rerouting]
    assert contracted[1].sum() >= 0.9 * contracted[0].sum(), contracted.sum(axis=1)


def _four_countries() -> SupplyNetwork:
    """C0 (inside) mines ore and exports it to three refiners C1-C3 and a little metal to C1."""
    rec = toy_records(cover_days=5.0)
    codes = ["C0", "C1", "C2", "C3"]
    rec["countries"] = [{"country": c, "name": c, "mrio_region": "R", "market": "inside" if c == "C0" else "outside"} for c in codes]
    derived = {"capacity_t": 0.0, "capacity_source": "derived: output / utilisation"}
    rec["facilities"] = [
        {"country": "C0", "process": "mine", "output_t": 16.0, **derived},
        *({"country": c, "process": "refine", "output_t": t, **derived} for c, t in (("C0", 1.0), ("C1", 1.0), ("C2", 1.0), ("C3", 5.0))),
    ]
    rec["trade"] = [
        *({"exporter": "C0", "importer": c, "product": "ore", "flow_t": t, "transit_days": 1.0} for c, t in (("C1", 2.0), ("C2", 2.0), ("C3", 10.0))),
        {"exporter": "C0", "importer": "C1", "product": "metal", "flow_t": 0.25, "transit_days": 1.0},
    ]
    rec["demand"] = [
        {"country": c, "sector": "industry", "product": "metal", "demand_t": d} for c, d in zip(codes, [0.75, 1.25, 1.0, 5.0], strict=True)
    ]
    rec["values"] = [{"country": c, "sector": "industry", "value_usd_per_t": 1000.0} for c in codes]
    rec["stocks"] = [{"country": c, "product": p, "cover_days": 5.0} for c in codes for p in ("ore", "metal")]
    net = SupplyNetwork.from_records("toy", rec)
    net.check()
    return net


def _slow_route_case(candidate_transit_days: float) -> tuple[float, float]:
    net = _four_countries()
    ban = {"type": "export_ban", "exporter": "C0", "products": ["ore"], "destinations": ["C1"], "start": _day(0)}
    sc = _scenario([ban], 150, {"candidate_transit_days": candidate_transit_days}).model_copy(update={"dataset": "toy"})
    _, without, with_rerouting = _with_and_without_rerouting(sc, net=net, controller="C0")
    assert without > 0
    return without, with_rerouting


@pytest.mark.parametrize("candidate_transit_days", [1.0, 30.0])
def test_rerouting_onto_a_slower_route_does_not_raise_shortfall(candidate_transit_days: float) -> None:
    """P1 outside the tested domain: C0 stops ore to C1; C1's metal from C0 is rationed because
    C0 itself runs short; C1 may reroute metal orders to C2 and C3.

    Before contracts had a volume (``contract_flexibility``) a rationed buyer moved part of its
    need from its 1-day contract to spot on a 30-day candidate route and was shorter for it
    (0.1140 t without rerouting, 0.1156 t with); now what the contract covers stays on it.
    """
    without, with_rerouting = _slow_route_case(candidate_transit_days)
    assert with_rerouting <= without * (1 + 1e-6) + 1e-6


def _everyone_banned(candidate_transit_days: float) -> tuple[float, float]:
    """China bans magnets (and bastnaesite) to all nine buyers for 56 days, magnet makers included."""
    buyers = ["MML", "USA", "AUS", "MYS", "JPN", "DEU", "EUR", "KOR", "VNM"]
    ban = {"type": "export_ban", "exporter": CONTROLLER, "products": ["conc_bastnaesite", "ndfeb_magnet"], "destinations": buyers}
    params = {"switching_lag_days": 1.0, "price_flexibility": 1.0, "inventory_adjustment_days": 5.0, "candidate_transit_days": candidate_transit_days}
    sc = _scenario([{**ban, "start": _day(0), "end": _day(56)}], 150, params, "domestic_first")
    _, without, with_rerouting = _with_and_without_rerouting(sc)
    return without, with_rerouting


@pytest.mark.parametrize("candidate_transit_days", [1.0, 30.0])
def test_rerouting_when_everyone_is_banned_serves_regular_customers_first(candidate_transit_days: float) -> None:
    """A counterexample P1 found when its domain was widened to magnet makers, kept as a regression.

    When every buyer is banned at once, the third countries' spare magnets are all there is.
    Rerouted buyers (Malaysia, Korea) used to claim them before the suppliers' regular
    customers' orders beyond their contracts (the EU's from Germany), shipping part over new
    30-day routes: 89.6 t short without rerouting, 91.6 t with. Now a supplier serves its
    regular customers' extra orders first (87.7 t with rerouting).
    """
    without, with_rerouting = _everyone_banned(candidate_transit_days)
    assert without > 1.0
    _assert_rerouting_adds_no_shortfall(without, with_rerouting)


def test_rerouting_and_a_licence_that_ends() -> None:
    """A counterexample random exploration found (after about 1,800 passing cases), kept as a regression.

    China licenses motors to every buyer, approval 0, decisions after 36 days, ending on day 67.
    Applications still pending when the regime ended used to be approved on their decision days:
    on its first free day the EU received 27.7 t of motors with rerouting against 20.5 t without
    (a buyer that reroutes keeps applying), its stock overshot, it cut its contracted orders from
    Japan and Germany, and a month later one cohort of its drive-unit makers ran dry for a day
    (0.42 t, against none without rerouting). Now pending applications lapse when the regime
    ends and every buyer orders again what it needs.
    """
    buyers = [c for c in NET.countries if c != CONTROLLER]
    ev = {"type": "licence", "exporter": CONTROLLER, "products": ["pm_motor"], "destinations": buyers, "delay_days": 36, "approval": 0.0}
    ev |= {"start": _day(0), "end": _day(67)}
    sc = _scenario([ev], 150, {"switching_lag_days": 1.0, "inventory_adjustment_days": 5.0, "price_flexibility": 1.0})
    _, without, with_rerouting = _with_and_without_rerouting(sc)
    _assert_rerouting_adds_no_shortfall(without, with_rerouting)


@pytest.mark.parametrize(
    ("products", "buyers"),
    [(["dy_metal", "smco_magnet"], ["MML", "USA", "AUS", "MYS", "JPN"]), (["ndfeb_magnet"], ["MML", "USA", "AUS", "MYS", "JPN"])],
)
def test_rerouting_when_makers_are_banned(products: list[str], buyers: list[str]) -> None:
    """Two counterexamples found when P1's buyers included makers of the product, kept as regressions.

    China bans Dy metal and SmCo magnets to five buyers, the US and Japan among them, which make
    SmCo magnets too. Both rerouted to each other: the US sold Japan 2.1 t of SmCo magnets spot
    and Japan sold the US 1.0 t while both ran short (91.46 t outside China with rerouting against
    90.55 t without; now 90.43 t). A node that is itself rerouting its orders of a product now
    offers none of it to buyers who come by rerouting. Its regular customers' orders beyond their
    contracts are still served: when that rule was first written without this exception, Japan
    (banned, but with its own magnet output and no shortfall) stopped selling the US the 16.8 t
    it bought beyond its contract, and a ban on NdFeB magnets to the same five buyers cost 3.6 t
    more with rerouting (677.5 t against 681.1 t; now 669.5 t).
    """
    ban = {"type": "export_ban", "exporter": CONTROLLER, "products": products, "destinations": buyers}
    sc = _scenario([{**ban, "start": _day(0)}], 150, {"switching_lag_days": 1.0, "price_flexibility": 1.0, "inventory_adjustment_days": 5.0})
    _, without, with_rerouting = _with_and_without_rerouting(sc)
    assert without > 10.0
    _assert_rerouting_adds_no_shortfall(without, with_rerouting)


def test_rerouting_when_dy_users_are_banned() -> None:
    """A counterexample found outside P1's domain, kept as a regression.

    China bans Dy oxide and Dy metal to six buyers, Japan and Germany among them, which use
    them. Japan, refused Dy oxide, made extra Dy metal from its oxide stock and sold 0.38 t of
    it spot to Germany, which only added to its stock; Japan's oxide then ran out and Japan ran
    0.07 t shorter than without rerouting (1.08 t against 1.01 t). A node whose supply of an
    input is being refused now offers nothing it makes from that input to buyers who come by
    rerouting.
    """
    buyers = ["MML", "USA", "AUS", "MYS", "JPN", "DEU"]
    ban = {"type": "export_ban", "exporter": CONTROLLER, "products": ["dy_oxide", "dy_metal"], "destinations": buyers, "start": _day(0)}
    sc = _scenario([ban], 150, {"switching_lag_days": 1.0, "price_flexibility": 1.0, "inventory_adjustment_days": 20.0})
    _, without, with_rerouting = _with_and_without_rerouting(sc)
    assert without > 1.0
    _assert_rerouting_adds_no_shortfall(without, with_rerouting)


def test_rerouting_under_a_quota_on_every_buyer() -> None:
    """P1 outside the drawn domain: the 2010 quota replay (16 oxides and metals under one
    allowance shared pro rata to claims, binding on every buyer for 730 days), every price
    response off. Rerouting lowers the shortfall, 1,902.7 t to 1,901.3 t: Germany buys NdPr
    metal spot from Japan and claims 1.6 t less of it on the quota, which leaves more of the
    allowance to other buyers. It was an expected failure until producers without baseline
    suppliers planned on the spot imports that arrive (+0.23 t on 1,891 t; +2.5 t on 1,851 t
    before import orders stopped counting restocking output as covering use): Germany's
    plants then claimed more Dy and Tb on the allowance and yttrium users elsewhere got less."""
    sc = load_scenario("cn-2010-quota-cut").model_copy(update={"uncertain": [], "correlation": []})
    sc = sc.model_copy(update={"parameters": {**sc.parameters, **OFF}})
    _, without, with_rerouting = _with_and_without_rerouting(sc)
    assert without > 1000.0
    _assert_rerouting_adds_no_shortfall(without, with_rerouting)


@pytest.mark.parametrize("name", sorted(builtin_scenarios()))
def test_rerouting_adds_no_shortfall_in_the_builtin_scenarios(name: str) -> None:
    """P1 on each built-in's central case, with every response on (leakage included). Before
    rerouting stopped offering what is made from refused inputs and stopped ranking buyers
    without baseline suppliers behind newcomers, five built-ins broke it: tungsten licensing
    (+51.6 t), the five metals (+39.8 t), the 2010 quota (+0.6 t), gallium and gallium with
    germanium (+0.02 t each). The 2010 quota broke it until import orders stopped counting the
    output that rebuilds a producer's stock as covering its use (+1.03 t on 82.3 t; now -0.40 t
    on 62.4 t); gallium and gallium with germanium until a producer waiting on licence
    applications for its inputs stopped offering its output to newcomers (+1.4 kg each: the
    rest of the world sold 2 kg of GaAs wafers to the United States in its fifth month and
    made 3.5 kg fewer for Korea and Germany four months later, short of the gallium it had used)."""
    sc = load_scenario(name).model_copy(update={"uncertain": [], "correlation": []})
    controllers = {e.exporter for e in sc.events if getattr(e, "exporter", None)}
    net = ss.load_network(sc.dataset)
    ds = ss.run(sc, network=net, members=2, params={"rerouting_share_max": np.array([0.0, 1.0])}, check=True)
    others = [c for c in ds["country"].values if c not in controllers]
    without, with_rerouting = ds["shortfall"].isel(scenario=0).sel(country=others).sum(["time", "country", "sector"]).values
    _assert_rerouting_adds_no_shortfall(float(without), float(with_rerouting))


# ---------------------------------------------------------------------- P2 restocking
WINDOW = 90


@st.composite
def temporary_bans(draw: st.DrawFn) -> tuple[dict[str, Any], str, list[str], int, dict[str, float]]:
    product = draw(st.sampled_from(SHIPPED))
    buyers = _importers(NET, product)
    dest = draw(st.lists(st.sampled_from(buyers), min_size=1, max_size=len(buyers), unique=True))
    start, length = draw(st.integers(0, 30)), draw(st.integers(1, 120))
    ban = {
        "type": "export_ban",
        "exporter": CONTROLLER,
        "products": [product],
        "destinations": dest,
        "start": _day(start),
        "end": _day(start + length),
    }
    params = draw(st.fixed_dictionaries({k: v for k, v in PHYSICAL.items() if k != "switching_lag_days"}))
    return ban, product, dest, start + length, {**params, "rerouting_share_max": 0.0}


def _exports_after(ds: xr.Dataset, exporter: str, product: str, dest: list[str], end: int) -> float:
    links = ((ds["link_exporter"] == exporter) & (ds["link_product"] == product) & ds["link_importer"].isin(dest)).values
    return float(ds["trade"].isel(scenario=0, member=0).values[end:, links].sum())


@settings(max_examples=20)
@given(case=temporary_bans())
def test_exports_exceed_baseline_after_a_temporary_ban(case: tuple[dict[str, Any], str, list[str], int, dict[str, float]]) -> None:
    """P2 over the WINDOW (90) days from the day the ban ends (shipments count on their
    shipping day, so the window starts when exports may resume). Buyers close the gap to their
    target stock and pipeline at 1 / inventory_adjustment_days (drawn 5-60 days): 90 days is
    the "following months" of the requirement and long enough for most of the rebuild even
    at 60 days; the rebuilt cover is the excess over the baseline in the window.

    The banned buyers may make or use the product themselves: a producer that also imports
    rebuilds its cover by importing as well as from its own plants (before plants went back
    to their usual import share the day refusals end and import orders stopped counting the
    output that rebuilds the stock as covering use, Japan's motors and auto parts broke P2).

    Buyers stay with their baseline suppliers (rerouting off): with rerouting, buyers who
    found other suppliers during a ban keep part of that business for a while (seen with
    scandium oxide after bans of a few days), which is rerouting, not a failure to restock.
    """
    ban, product, dest, end, params = case
    shocked = ss.run(_scenario([ban], end + WINDOW, params), network=NET, check=True)
    baseline = ss.run(_scenario([], end + WINDOW, params), network=NET)
    after, base = _exports_after(shocked, CONTROLLER, product, dest, end), _exports_after(baseline, CONTROLLER, product, dest, end)
    assert base > 0
    assert after > base, (after, base)


def _toy_ban(days: int) -> tuple[xr.Dataset, xr.Dataset, int]:
    net = toy_network()
    ban = {"type": "export_ban", "exporter": "AAA", "products": ["metal"], "destinations": ["BBB"], "start": _day(10), "end": _day(10 + days)}
    end = 10 + days
    shocked = ss.run(_scenario([ban], end + WINDOW, {}).model_copy(update={"dataset": "toy"}), network=net, check=True)
    baseline = ss.run(_scenario([], end + WINDOW, {}).model_copy(update={"dataset": "toy"}), network=net)
    return shocked, baseline, end


def test_importer_that_also_produces_restocks_by_importing() -> None:
    """P2 outside the drawn domain, on the toy network: AAA stops metal to BBB for 10 days;
    BBB refines metal itself (from AAA's ore). Over the 90 days after the ban BBB's metal
    imports are 106% of the baseline's. They were 96% while BBB's plants planned on the low
    arrivals until the smoothed refused share fell below 1% (about a month after the ban),
    rather than until refusals end, and 103% while import orders counted the output that
    rebuilds BBB's stock as covering its use (88% before plants returned to the usual
    sourcing mix)."""
    shocked, baseline, end = _toy_ban(10)
    assert _exports_after(shocked, "AAA", "metal", ["BBB"], end) > _exports_after(baseline, "AAA", "metal", ["BBB"], end)


def test_importer_that_also_produces_restocks_by_importing_its_input() -> None:
    """BBB's cover is rebuilt from its own plants too: AAA's ore, which BBB refines, goes out
    above the baseline's over the same window (103%, beside the metal's 106%)."""
    shocked, baseline, end = _toy_ban(10)
    assert _exports_after(shocked, "AAA", "ore", ["BBB"], end) > 1.02 * _exports_after(baseline, "AAA", "ore", ["BBB"], end)


def test_importer_that_also_produces_returns_to_its_usual_sourcing_mix() -> None:
    """Once its orders are no longer refused, BBB's plants plan on its usual import share, so
    the split between own output and imports returns to the baseline's: over the last 30 days
    of the window BBB's metal imports are within 1% of the baseline's (when plants planned on
    the smoothed arrivals instead, nothing pulled the split back: 87%)."""
    shocked, baseline, _ = _toy_ban(10)
    link = (shocked["link_exporter"] == "AAA") & (shocked["link_importer"] == "BBB") & (shocked["link_product"] == "metal")
    late = [float(ds["trade"].isel(scenario=0, member=0).values[-30:, link.values].sum()) for ds in (shocked, baseline)]
    assert late[0] == pytest.approx(late[1], rel=0.01)


def _motor_ban(window: int) -> tuple[xr.Dataset, xr.Dataset]:
    """China stops permanent-magnet motors to Japan, which makes most of its own, for 41 days."""
    ban = {"type": "export_ban", "exporter": CONTROLLER, "products": ["pm_motor"], "destinations": ["JPN"], "start": _day(13), "end": _day(54)}
    params = {"inventory_adjustment_days": 60.0, "rerouting_share_max": 0.0}
    shocked = ss.run(_scenario([ban], 54 + window, params), network=NET, check=True)
    return shocked, ss.run(_scenario([], 54 + window, params), network=NET)


def test_producer_importer_restocks_by_importing_on_the_dataset() -> None:
    """P2 for a buyer that makes the product too, on the rare-earths data (one of the cases a
    random campaign found; the derandomised draws above do not reach it): over the 90 days
    after the ban, China's motor exports to Japan are 104% of the baseline's. They were 75%
    while Japan's plants kept planning on the low arrivals for a month after the ban and its
    import orders counted the output that rebuilt its stock as covering its use, and 82% with
    the first fixed only."""
    shocked, baseline = _motor_ban(WINDOW)
    assert _exports_after(shocked, CONTROLLER, "pm_motor", ["JPN"], 54) > _exports_after(baseline, CONTROLLER, "pm_motor", ["JPN"], 54)


def test_sourcing_mix_returns_after_a_restocking_surge() -> None:
    """After the surge of imports that rebuilds its cover, Japan's motor imports return to the
    baseline's: within 1% over days 210-240 after the ban. While plants planned on what arrives
    whenever more arrived than the usual import share, any larger share was a resting point and
    Japan kept importing 8% more than at baseline, making that much less itself."""
    shocked, baseline = _motor_ban(240)
    late = [_exports_after(ds, CONTROLLER, "pm_motor", ["JPN"], 54 + 210) for ds in (shocked, baseline)]
    assert late[0] == pytest.approx(late[1], rel=0.01)


def _first_month_on_the_toy(event: dict[str, Any]) -> tuple[float, float]:
    """Over days 10-40 on the toy network, against the run without ``event`` (t): BBB's extra
    own output of metal, and the drop in its metal imports from AAA."""
    net = toy_network()
    scenarios = [_scenario(ev, 200, {}).model_copy(update={"dataset": "toy"}) for ev in ([event], [])]
    runs = [ss.run(sc, network=net, check=True).isel(scenario=0, member=0) for sc in scenarios]
    link = ((runs[0]["link_exporter"] == "AAA") & (runs[0]["link_importer"] == "BBB") & (runs[0]["link_product"] == "metal")).values
    own, own0 = (float(ds["production"].sel(country="BBB", product="metal").values[10:40].sum()) for ds in runs)
    imp, imp0 = (float(ds["trade"].values[10:40, link].sum()) for ds in runs)
    return own - own0, imp0 - imp


def test_producer_steps_in_for_imports_deferred_by_a_tariff() -> None:
    """A tariff is not a refusal, but it disturbs supply: BBB's plants plan on what arrives,
    not on the usual import share. Over the first 30 days of a 100% tariff on AAA's metal, BBB's
    extra own output covers 61% of the drop in its imports (27% when plants planned on the
    usual share during a tariff, leaving the stock gap alone to pull them up)."""
    tariff = {"type": "tariff", "importer": "BBB", "exporter": "AAA", "products": ["metal"], "rate": 1.0, "start": _day(10), "end": _day(130)}
    extra, drop = _first_month_on_the_toy(tariff)
    assert drop > 0.2  # the tariff defers imports
    assert extra > 0.5 * drop


def test_producer_steps_in_while_licence_applications_are_pending() -> None:
    """Pending applications are not refusals either, but they disturb supply: over the first
    30 days of a licence on AAA's metal (full approval, 45-day review), BBB's extra own output
    covers 38% of the drop in its imports (26% when pending applications did not count)."""
    licence = {"type": "licence", "exporter": "AAA", "products": ["metal"], "destinations": ["BBB"], "approval": 1.0, "delay_days": 45}
    extra, drop = _first_month_on_the_toy({**licence, "start": _day(10), "end": _day(130)})
    assert drop > 0.5  # the review holds imports back
    assert extra > 0.32 * drop
