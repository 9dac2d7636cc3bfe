"""The state of the material model: what changes from one day to the next.

Every array has a leading member axis (M) except the ring buffers, which are time-major
(a day's slot is one contiguous block). A :class:`State` can be copied, saved and
restored: a run started from a saved state continues exactly as the uninterrupted run.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from supplyshock.engine.setup import Setup

__all__ = ["State", "initial_state"]


@dataclass
class State:
    """Stocks, shipments in transit, pending licences, expectations and prices of all members.

    Attributes
    ----------
    day : int
        Index of the next day to simulate.
    stock, strategic : (M, N)
        Commercial and strategic stock per node, t.
    target : (M, N)
        Target commercial stock (days of cover x baseline outflow x ``cover_scale``), t.
    ring : (H, M, L)
        Shipments by arrival slot (day mod H), t.
    in_transit : (M, L)
        Shipments on the way, t.
    apps, wl_apps : (D, M, L)
        Pending licence applications by decision slot; approved whitelisted claims by
        release slot, t.
    pending : (M, L)
        All pending applications, t.
    quota_left : (M, G)
        Unused quota allowance, t.
    outflow_est, inflow_est, prod_est : (M, N)
        Smoothed expected outflow, inflow and output for use (for a node that is some
        facility's main output and no facility's co-product, output beyond the plants' plan
        for use rebuilds the stock and is left out), t/day.
    made_est : (M, N)
        Smoothed output, all of it (what the market expects to be made), t/day.
    redirect : (M, N)
        Share of a node's import needs sent to alternative suppliers first (0-1).
    denied_est : (M, N)
        Smoothed share of the node's requests denied.
    denied_last : (M, N)
        Share of the node's requests denied on the last day (not smoothed).
    failing : (M, L)
        Smoothed share of the requests on each link denied: the links a buyer moves its
        orders away from when it reroutes.
    price : (M, K)
        Price index per market and product (1 = baseline).
    subst : (M, Q)
        Share of end-use demand removed by price-driven substitution.
    apps_ok : (D, M, L)
        The approved part of the pending licence applications (their fate is set when filed).
    user_stock : (M, Q, K)
        Stocks held by the end users' cohorts (plants and their suppliers), t.
    demand_factor : (M, Q)
        End-use demand after the price response (demand destruction), share of baseline.
    leak : (M, L)
        Share of a controlled flow that reaches its buyer through third countries.
    embedded : (M, Q)
        Share of end-use demand covered by imports of finished parts with the material embedded.
    thrift : (M, N)
        Share of the thrifting potential of each input node realised (less input per unit of output).
    """

    day: int
    stock: np.ndarray
    strategic: np.ndarray
    target: np.ndarray
    ring: np.ndarray
    in_transit: np.ndarray
    apps: np.ndarray
    wl_apps: np.ndarray
    pending: np.ndarray
    quota_left: np.ndarray
    outflow_est: np.ndarray
    inflow_est: np.ndarray
    prod_est: np.ndarray
    made_est: np.ndarray
    redirect: np.ndarray
    denied_est: np.ndarray
    denied_last: np.ndarray
    failing: np.ndarray
    price: np.ndarray
    subst: np.ndarray
    apps_ok: np.ndarray
    user_stock: np.ndarray
    demand_factor: np.ndarray
    leak: np.ndarray
    embedded: np.ndarray
    thrift: np.ndarray

    def copy(self) -> State:
        """A deep copy (arrays copied)."""
        values: dict[str, Any] = {f.name: (v.copy() if isinstance(v, np.ndarray) else v) for f, v in self._items()}
        return State(**values)

    def _items(self) -> list[tuple[dataclasses.Field[object], object]]:
        return [(f, getattr(self, f.name)) for f in dataclasses.fields(self)]

    def save(self, path: str | Path) -> None:
        """Write the state to a ``.npz`` file (a checkpoint)."""
        arrays = {f.name: v for f, v in self._items() if isinstance(v, np.ndarray)}
        np.savez(Path(path), day=np.array(self.day), **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: str | Path) -> State:
        """Read a state written by :meth:`save`."""
        with np.load(Path(path)) as f:
            values = {k: f[k] for k in f.files}
        return cls(day=int(values.pop("day")), **values)

    def equals(self, other: State) -> bool:
        """True when every array is bit-identical."""
        return self.day == other.day and all(np.array_equal(v, getattr(other, f.name)) for f, v in self._items() if isinstance(v, np.ndarray))


def initial_state(setup: Setup) -> State:
    """The state on the first day: the baseline (stocks at target, pipelines full).

    Parameters
    ----------
    setup : Setup
        The run's fixed arrays (:func:`~supplyshock.engine.setup.build_setup`).
    """
    s, M = setup, setup.members
    lk, pol = setup.links, setup.policy
    N, L = s.node_c.size, lk.n
    target = s.target0[None] * s.p["cover_scale"][:, None]
    H = int(lk.transit.max()) + 1
    ring = np.zeros((H, M, L))
    for l_ in range(L):
        ring[: lk.transit[l_], :, l_] = s.flow0[l_]
    D = int(np.ceil(max(1, pol.delay.max(), pol.whitelist_delay.max()) * float(s.p["delay_scale"].max()))) + 2
    return State(
        day=0,
        stock=target.copy(),
        strategic=np.broadcast_to(s.strategic0, (M, N)).copy(),
        target=target,
        ring=ring,
        in_transit=np.broadcast_to(s.flow0 * lk.transit, (M, L)).copy(),
        apps=np.zeros((D, M, L)),
        wl_apps=np.zeros((D, M, L)),
        pending=np.zeros((M, L)),
        quota_left=np.zeros((M, pol.quota_links.shape[0])),
        outflow_est=np.broadcast_to(s.outflow0, (M, N)).copy(),
        inflow_est=np.broadcast_to(s.imp0, (M, N)).copy(),
        prod_est=np.broadcast_to(s.prod0, (M, N)).copy(),
        made_est=np.broadcast_to(s.prod0, (M, N)).copy(),
        redirect=np.zeros((M, N)),
        denied_est=np.zeros((M, N)),
        denied_last=np.zeros((M, N)),
        failing=np.zeros((M, L)),
        price=np.ones((M, s.n_markets * s.P)),
        subst=np.zeros((M, s.q_c.size)),
        apps_ok=np.zeros((D, M, L)),
        user_stock=(s.cohort_days * s.cohort_share * s.demand0[:, None])[None] * s.p["cover_scale"][:, None, None],
        demand_factor=np.ones((M, s.q_c.size)),
        leak=np.zeros((M, L)),
        embedded=np.zeros((M, s.q_c.size)),
        thrift=np.zeros((M, N)),
    )
