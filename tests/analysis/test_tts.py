"""Time-to-survive and performance impact LPs, checked on cases computed by hand."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from supplyshock.analysis.risk import MissingInputError
from supplyshock.analysis.tts import (
    Node,
    TTSModel,
    compare_summary,
    compare_tts,
    engine_first_shortfall,
    network_nodes,
    time_to_survive,
)
from supplyshock.errors import DataError
from supplyshock.network import SupplyNetwork

DAY = 1 / 365.0


def test_two_suppliers_tts_is_stock_over_uncovered_demand(two_suppliers: SupplyNetwork) -> None:
    m = TTSModel(two_suppliers, in_transit=False)
    # cut A: B covers 70 of 100 t/yr; D's 10 t last 10 / (30/365) days
    assert m.tts(Node("facility", "A", "make")) == pytest.approx(10 / (30 * DAY), rel=1e-6)
    assert m.tts(Node("facility", "B", "make")) == pytest.approx(10 / (40 * DAY), rel=1e-6)
    # cutting the link A->D strands A's output the same way
    assert m.tts(Node("link", "A", importer="D", product="widget")) == pytest.approx(10 / (30 * DAY), rel=1e-6)
    # nothing cut: 130 t/yr of capacity for 100 t/yr of demand
    assert math.isinf(m.tts([]))


def test_two_suppliers_stock_options(two_suppliers: SupplyNetwork) -> None:
    cut = Node("facility", "A", "make")
    # strategic stock: 73 days x 100 t/yr = 20 t more
    strat = TTSModel(two_suppliers, in_transit=False, strategic=True).tts(cut)
    assert strat == pytest.approx(30 / (30 * DAY), rel=1e-6)
    # goods in transit: 1 day on each of the two links (50 t/yr each) arrive at D
    pipe = TTSModel(two_suppliers, in_transit=True).tts(cut)
    assert pipe == pytest.approx((10 + 100 * DAY) / (30 * DAY), rel=1e-6)


def test_two_suppliers_performance_impact(two_suppliers: SupplyNetwork) -> None:
    m = TTSModel(two_suppliers, in_transit=False)
    cut = Node("facility", "A", "make")
    pi = m.performance_impact(cut, 200.0)
    lost = 30 * DAY * 200 - 10  # uncovered demand over the TTR minus the stock
    assert float(pi["lost_t"].sum()) == pytest.approx(lost, rel=1e-6)
    assert float(pi["lost_usd"].sum()) == pytest.approx(lost * 1000.0, rel=1e-6)
    # recovered before the stock runs out: nothing lost
    assert float(m.performance_impact(cut, 100.0)["lost_t"].sum()) == pytest.approx(0.0, abs=1e-9)


def test_table_flags_nodes_with_tts_below_ttr(two_suppliers: SupplyNetwork) -> None:
    tab = time_to_survive(two_suppliers, ttr=110.0, in_transit=False)
    assert set(tab.index) >= {"A/make", "B/make", "A>D/widget", "B>D/widget", "A>*/widget"}
    # B's TTS is 91.25 days < 110; A's is 121.7 days
    assert bool(tab.loc["B/make", "vulnerable"]) and not bool(tab.loc["A/make", "vulnerable"])
    assert tab.loc["B/make", "pi_usd"] > 0 and tab.loc["A/make", "pi_usd"] == pytest.approx(0.0, abs=1e-6)
    assert tab.loc["B/make", "rei"] == pytest.approx(1.0)
    assert list(tab["tts_days"]) == sorted(tab["tts_days"])


def test_bom_cut_mine_uses_ore_stocks_of_both_countries(mine_refinery: SupplyNetwork) -> None:
    m = TTSModel(mine_refinery, in_transit=False)
    # (16 t ore at Y + 4 t ore at X) / 2 t ore per t metal + 4 t metal = 14 t metal; demand 40 t/yr
    assert m.tts(Node("facility", "X", "mine")) == pytest.approx(14 / (40 * DAY), rel=1e-6)
    # refinery cut: only the 4 t of metal count
    assert m.tts(Node("facility", "Y", "refine")) == pytest.approx(4 / (40 * DAY), rel=1e-6)
    # link cut: X's 4 t of ore are stranded; Y has 16/2 + 4 = 12 t of metal equivalent
    assert m.tts(Node("link", "X", importer="Y", product="ore")) == pytest.approx(12 / (40 * DAY), rel=1e-6)


def test_reexport_rule(make_network: Callable[..., SupplyNetwork]) -> None:
    # P supplies Q and R; R also makes a little. Cutting P->Q leaves Q only R's output,
    # unless R may pass on what it imports from P.
    net = make_network(
        countries=["P", "Q", "R"],
        products=[("w", "make")],
        recipes=[{"process": "make", "product": "w", "role": "output", "quantity": 1.0}],
        facilities=[
            {"country": "P", "process": "make", "output_t": 100.0, "capacity_t": 200.0},
            {"country": "R", "process": "make", "output_t": 10.0, "capacity_t": 10.0},
        ],
        trade=[
            {"exporter": "P", "importer": "Q", "product": "w", "flow_t": 50.0},
            {"exporter": "P", "importer": "R", "product": "w", "flow_t": 50.0},
        ],
        demand=[{"country": "Q", "product": "w", "demand_t": 50.0}, {"country": "R", "product": "w", "demand_t": 60.0}],
        stocks=[{"country": "Q", "product": "w", "cover_days": 73.0}],
    )
    cut = Node("link", "P", importer="Q", product="w")
    # without the end-use restriction: Q has 10 t of stock and R's 10 t/yr of output can go to
    # Q (R then buys more from P): 10 / (40/365); with re-export the cut is absorbed
    assert TTSModel(net, in_transit=False, end_use_restriction=False).tts(cut) == pytest.approx(10 / (40 * DAY), rel=1e-6)
    assert math.isinf(TTSModel(net, in_transit=False, reexport=True, end_use_restriction=False).tts(cut))
    # with it, 50 of R's 60 t/yr of supply originate in P, so R may send Q only 1/6 of its
    # output: 10 / ((50 - 10/6)/365) days, with or without re-export (R imports only from P)
    restricted = 10 / ((50 - 10 / 6) * DAY)
    assert TTSModel(net, in_transit=False).tts(cut) == pytest.approx(restricted, rel=1e-6)
    assert TTSModel(net, in_transit=False, reexport=True).tts(cut) == pytest.approx(restricted, rel=1e-6)
    # a facility cut is not a control: no end-use rows, the same TTS either way
    mine = Node("facility", "R", "make")
    assert TTSModel(net, in_transit=False).tts(mine) == TTSModel(net, in_transit=False, end_use_restriction=False).tts(mine)


def test_end_use_restriction_follows_material_through_processing(make_network: Callable[..., SupplyNetwork]) -> None:
    # E mines ore and refines metal; it ships metal to D and ore to T, which refines it for
    # its own use and has spare refining capacity. Cutting E->D metal: T's metal is made
    # from E's ore, so under the restriction T may not pass it on to D.
    net = make_network(
        countries=["E", "T", "D"],
        products=[("ore", "mine"), ("metal", "refine")],
        recipes=[
            {"process": "mine", "product": "ore", "role": "output", "quantity": 1.0},
            {"process": "refine", "product": "ore", "role": "input", "quantity": 1.0},
            {"process": "refine", "product": "metal", "role": "output", "quantity": 1.0},
        ],
        facilities=[
            {"country": "E", "process": "mine", "output_t": 100.0, "capacity_t": 200.0},
            {"country": "E", "process": "refine", "output_t": 50.0, "capacity_t": 100.0},
            {"country": "T", "process": "refine", "output_t": 50.0, "capacity_t": 100.0},
        ],
        trade=[
            {"exporter": "E", "importer": "D", "product": "metal", "flow_t": 30.0},
            {"exporter": "E", "importer": "T", "product": "ore", "flow_t": 50.0},
        ],
        demand=[
            {"country": "E", "product": "metal", "demand_t": 20.0},
            {"country": "T", "product": "metal", "demand_t": 50.0},
            {"country": "D", "product": "metal", "demand_t": 30.0},
        ],
        stocks=[{"country": "D", "product": "metal", "cover_days": 36.5}],  # 3 t
    )
    cut = Node("link", "E", importer="D", product="metal")
    free = TTSModel(net, in_transit=False, end_use_restriction=False)
    held = TTSModel(net, in_transit=False)
    assert math.isinf(free.tts(cut))  # T refines more of E's ore and ships the metal to D
    e, t = net.countries.index("E"), net.countries.index("T")
    share = held.origin_share(e, net.products.index("metal"))
    assert share[t, net.products.index("metal")] == pytest.approx(1.0) and share[e].sum() == 0.0
    assert held.tts(cut) == pytest.approx(3 / (30 * DAY), rel=1e-6)  # D lives on its own stock
    # the performance impact sees the same rows: over 73 days D loses 30 t/yr x 73 days - 3 t
    lost = float(held.performance_impact(cut, 73.0)["lost_t"].sum())
    assert lost == pytest.approx(30 * DAY * 73 - 3, rel=1e-6)
    assert float(free.performance_impact(cut, 73.0)["lost_t"].sum()) == pytest.approx(0.0, abs=1e-9)


def test_unknown_node_and_missing_inputs(two_suppliers: SupplyNetwork, make_network: Callable[..., SupplyNetwork]) -> None:
    m = TTSModel(two_suppliers)
    with pytest.raises(DataError, match="not in dataset"):
        m.tts(Node("facility", "D", "make"))
    with pytest.raises(MissingInputError, match="time to recover missing for node"):
        time_to_survive(two_suppliers, ttr={"A/make": 10.0})
    net = make_network(
        countries=["A", "D"],
        products=[("w", "make")],
        recipes=[{"process": "make", "product": "w", "role": "output", "quantity": 1.0}],
        facilities=[{"country": "A", "process": "make", "output_t": 10.0, "capacity_t": 10.0}],
        trade=[{"exporter": "A", "importer": "D", "product": "w", "flow_t": 10.0}],
        demand=[{"country": "D", "product": "w", "demand_t": 10.0}],
        stocks=[],
        values=[{"country": "D", "sector": "use_w", "value_usd_per_t": 0.0}],
    )
    with pytest.raises(MissingInputError, match=r"no value per tonne .* D/use_w"):
        TTSModel(net).performance_impact(Node("facility", "A", "make"), 30.0)


def test_default_dataset_every_node(network: SupplyNetwork) -> None:
    nodes = network_nodes(network)
    tab = time_to_survive(network, nodes, ttr=120.0)  # the market's and users' stocks last about three months
    assert len(tab) == len(nodes) == len(network.tables["facilities"]) + len(network.tables["trade"]) + len(np.argwhere(network.exports0 > 0))
    assert (tab["tts_days"] > 0).all()
    # all Chinese stages are finite, and losing China's magnet plants is shorter than a 120-day recovery
    for proc in ("mining_bastnaesite", "mining_ionic", "separation_bastnaesite", "separation_ionic", "ndpr_metal", "dy_metal", "tb_metal", "magnet"):
        assert np.isfinite(tab.loc[f"CHN/{proc}", "tts_days"])
    assert bool(tab.loc["CHN/magnet", "vulnerable"])
    # more stock never shortens survival
    strat = time_to_survive(network, [Node("facility", "CHN", "magnet")], strategic=True)
    assert strat["tts_days"].iloc[0] >= tab.loc["CHN/magnet", "tts_days"] - 1e-9


def test_single_magnet_link_is_finite_under_end_use_restriction(network: SupplyNetwork) -> None:
    """Cutting China's magnets to one importer no longer passes through third countries.

    Every magnet maker outside China (Japan, Germany) uses Chinese metal or oxide, so none
    may ship magnets to the cut importer: an importer that makes no magnets lives on its
    own stock, ``S / d``. Without the restriction the cut is absorbed by swaps (inf).
    """
    model = TTSModel(network)
    free = TTSModel(network, end_use_restriction=False)
    p = network.products.index("ndfeb_magnet")
    for importer in ("USA", "KOR", "EUR"):
        cut = Node("link", "CHN", importer=importer, product="ndfeb_magnet")
        c = network.countries.index(importer)
        assert math.isinf(free.tts(cut))
        assert model.tts(cut) == pytest.approx(model.stock[c, p] / (network.final_demand0[c, p] * DAY), rel=1e-6)
    # Japan makes magnets of its own: it holds out longer than on its stock alone
    jpn = Node("link", "CHN", importer="JPN", product="ndfeb_magnet")
    c = network.countries.index("JPN")
    assert model.tts(jpn) > model.stock[c, p] / (network.final_demand0[c, p] * DAY)
    # more constraints never lengthen survival; facility cuts are unchanged
    nodes = network_nodes(network)
    held = np.array([model.tts(n) for n in nodes])
    loose = np.array([free.tts(n) for n in nodes])
    assert (held <= loose * (1 + 1e-9)).all()
    fac = np.array([n.kind == "facility" for n in nodes])
    np.testing.assert_allclose(held[fac], loose[fac], rtol=1e-9)


def test_engine_first_shortfall_per_node(network: SupplyNetwork) -> None:
    """The LP is optimistic: the engine's first shortfall for the same cut is not later, and the cut importer runs short."""
    nodes = [Node("link", "CHN", importer="USA", product="ndfeb_magnet"), Node("exports", "CHN", product="ndfeb_magnet")]
    model = TTSModel(network)
    eng = engine_first_shortfall(network, nodes, horizon_days=200)
    assert list(eng.index) == [n.label for n in nodes]
    for n in nodes:
        day = float(eng.loc[n.label, "engine_first_shortfall_days"])
        assert np.isfinite(day) and day <= model.tts(n) + 1.0
    assert eng.loc[nodes[0].label, "engine_first_short"] == "USA"
    # a total ban starves more region-sectors than a bilateral one
    assert eng.loc[nodes[1].label, "engine_short_region_sectors"] > eng.loc[nodes[0].label, "engine_short_region_sectors"]
    assert (eng["engine_horizon_days"] == 200).all()


def test_engine_first_shortfall_not_before_lp_bound(network: SupplyNetwork) -> None:
    cut = Node("facility", "CHN", "magnet")
    cmp = compare_tts(network, [cut], horizon_days=120)
    assert set(cmp.columns) >= {"lp_system_tts_days", "lp_priority_tts_days", "sim_first_shortfall_day"}
    assert len(cmp) == int((network.demand0 > 0).sum())
    summ = compare_summary(cmp)
    lp = float(summ.loc[cut.label, "lp_system_tts_days"])
    sim = float(summ.loc[cut.label, "sim_first_shortfall_day"])
    # the LP is perfect-foresight reallocation: the engine cannot keep everyone supplied longer
    assert np.isfinite(sim) and sim <= lp + 1.0
    assert isinstance(cmp, pd.DataFrame)


def test_screening_is_exact(network: SupplyNetwork) -> None:
    nodes = network_nodes(network)
    on, off = TTSModel(network, screen=True), TTSModel(network, screen=False)
    a = np.array([on.tts(n) for n in nodes])
    b = np.array([off.tts(n) for n in nodes])
    assert on.screened > 0
    assert (np.isinf(a) == np.isinf(b)).all()
    np.testing.assert_allclose(a[np.isfinite(a)], b[np.isfinite(b)], rtol=1e-7)
