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
    # Q: 10 t stock, R's 10 t/yr of output can go to Q (R then buys more from P): 10 / (40/365)
    assert TTSModel(net, in_transit=False).tts(cut) == pytest.approx(10 / (40 * DAY), rel=1e-6)
    assert math.isinf(TTSModel(net, in_transit=False, reexport=True).tts(cut))


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
    assert len(tab) == len(nodes) == 20 + 23 + len(np.argwhere(network.exports0 > 0))
    assert (tab["tts_days"] > 0).all()
    # China's magnet plants are the shortest-lived cut; all Chinese stages are finite
    assert tab.index[0] == "CHN/magnet"
    for proc in ("mining", "separation", "ndpr_metal", "dytb_metal", "magnet"):
        assert np.isfinite(tab.loc[f"CHN/{proc}", "tts_days"])
    assert bool(tab.loc["CHN/magnet", "vulnerable"])
    # more stock never shortens survival
    strat = time_to_survive(network, [Node("facility", "CHN", "magnet")], strategic=True)
    assert strat["tts_days"].iloc[0] >= tab.loc["CHN/magnet", "tts_days"] - 1e-9


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
