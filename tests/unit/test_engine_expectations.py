"""What the engine's expectations are made of: which output plants plan on, and which output
the market's price foresight counts (issue 11's review of the sourcing-mix change)."""

from __future__ import annotations

import numpy as np

import supplyshock as ss
from supplyshock.engine import Setup, State, build_setup, initial_state, prepare, step
from supplyshock.engine.setup import _main_nodes
from supplyshock.scenario import Scenario, load_scenario
from supplyshock.testing import toy_network


def _toy_day0(foresight: float) -> tuple[Setup, State]:
    sc = Scenario.model_validate({"name": "x", "dataset": "toy", "start": "2025-01-01", "horizon_days": 30, "events": []})
    p = prepare(sc, toy_network())
    setup = build_setup(p.network, p.links, p.policy, members=1, params={"price_foresight_days": foresight})
    return setup, initial_state(setup)


def test_price_foresight_counts_all_expected_output() -> None:
    """The stock the market expects in ``price_foresight_days`` counts all the output it expects,
    including what plants make to rebuild their own stock (not only output for use, which
    import orders use): more expected output, a lower price, and no effect without foresight."""
    for foresight, moves in ((60.0, True), (0.0, False)):
        setup, state = _toy_day0(foresight)
        more = state.copy()
        more.made_est = more.made_est * 2.0
        base_price = step(setup, state)[0].price
        more_price = step(setup, more)[0].price
        assert (more_price <= base_price + 1e-12).all()
        assert bool((more_price < base_price - 1e-6).any()) is moves


def test_co_products_are_not_planned_outputs() -> None:
    """Output for use is capped at the plan only for a node that is some facility's main
    output and no facility's co-product: facility 0 makes node 0 (main) and node 1 (co-product),
    facility 1 makes node 1 as its main output, facility 2 makes node 2 alone; node 3 is made by
    none."""
    rout_f = np.array([[2.0, 1.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]])
    main_out = np.argmax(rout_f, axis=1)
    assert _main_nodes(rout_f, main_out, 4).tolist() == [True, False, True, False]


def test_producer_without_baseline_suppliers_plans_on_what_arrives() -> None:
    """The United States makes yttria coatings and imports none at baseline; in a shortage it
    buys them spot. Its plants plan on what arrives, so when inputs return they do not run at
    capacity while that spot is still arriving: the stock peaks at 1.04 times its opening level
    in the April scenario's central case (1.81 times while such plants planned on their usual
    import share, none)."""
    sc = load_scenario("cn-2025-april-controls").model_copy(update={"uncertain": [], "correlation": []})
    inv = ss.run(sc, members=1, check=True)["inventory"].isel(scenario=0, member=0).sel(country="USA", product="y_coating").values
    assert inv.max() <= 1.2 * inv[0]
