"""Everything a run holds fixed: the active elements, recipes, baseline flows, parameters.

The state lives on *active* elements only: nodes (country, product) that produce, use,
trade or stock something; facilities (country, process) with capacity now or later;
(country, sector) pairs with demand. :class:`Setup` maps them to the full grids of the
network and holds the baseline quantities and the per-member parameter columns. It is
built once per run and never changes during the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from supplyshock.network import Links, SupplyNetwork
from supplyshock.scenario.policy import Policy
from supplyshock.schema import PARAMETERS, engine_parameters

__all__ = ["DAYS_PER_YEAR", "Segments", "Setup", "build_setup", "initial_stocks", "member_parameters"]

DAYS_PER_YEAR = 365.0


class Segments:
    """Sum link values into nodes: ``x (..., L) -> (..., n)`` by a node index per link.

    Faster than multiplying by a dense incidence matrix: one gather (skipped when the
    links are already sorted by node) and one ``np.add.reduceat``.
    """

    def __init__(self, index: np.ndarray, n: int) -> None:
        self.perm = np.argsort(index, kind="stable")
        self.nodes, self.starts = np.unique(index[self.perm], return_index=True)
        self.n = n
        self.identity = bool(np.array_equal(self.perm, np.arange(index.size)))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        xs = x if self.identity else x[..., self.perm]
        out = np.zeros((*x.shape[:-1], self.n))
        if self.nodes.size:
            out[..., self.nodes] = np.add.reduceat(xs, self.starts, axis=-1)
        return out


def member_parameters(net: SupplyNetwork, params: Mapping[str, np.ndarray | float] | None, members: int) -> dict[str, np.ndarray]:
    """Every engine parameter as an array of shape (members,).

    Values come from ``params`` (scalars or arrays, per member), else the dataset, else the
    schema default; each is checked against the schema's bounds.

    Raises
    ------
    ValueError
        Unknown names, wrong shapes, values outside the bounds.
    """
    params = dict(params or {})
    names = engine_parameters()
    unknown = set(params) - set(names)
    if unknown:
        raise ValueError(f"unknown engine parameter(s): {', '.join(sorted(unknown))}")
    out: dict[str, np.ndarray] = {}
    for name in names:
        v = np.asarray(params.get(name, net.param(name)), dtype=float)
        if v.ndim == 0:
            v = np.full(members, float(v))
        elif v.shape != (members,):
            raise ValueError(f"parameter {name!r}: expected shape ({members},), got {v.shape}")
        bad = [x for x in np.unique(v) if PARAMETERS[name].check(float(x))]
        if bad:
            raise ValueError(f"parameter {PARAMETERS[name].check(float(bad[0]))}")
        out[name] = v
    return out


def initial_stocks(net: SupplyNetwork, links: Links) -> np.ndarray:
    """Initial (and target) stock per (country, product), t: at the market plus what end users hold.

    The market holds ``cover_days`` of the node's baseline outflow (process use, end use,
    exports) except for end use whose users hold their own stocks (``cohorts.csv``): of
    that the market holds ``market_cover_days`` and the users their cohorts' days of
    cover. Shared by the engine and the time-to-survive LP, so both start from the same
    stocks.
    """
    C, P = len(net.countries), len(net.products)
    exp0 = np.zeros((C, P))
    np.add.at(exp0, (links.exporter, links.product), links.flow0)
    day = 1.0 / DAYS_PER_YEAR
    outflow = (net.consumption0 + net.final_demand0 + exp0) * day
    held = np.zeros((C, P))
    users = np.zeros((C, P))
    user_days = (net.cohort_share * net.cohort_days).sum(axis=2)  # (C, S)
    for s_ in range(len(net.sectors)):
        p = net.sector_product[s_]
        held[:, p] += net.demand0[:, s_] * net.has_cohorts[:, s_] * day
        users[:, p] += net.demand0[:, s_] * user_days[:, s_] * day
    market = net.cover_days * (outflow - held) + net.param("market_cover_days") * held
    return np.asarray(market + users)


@dataclass
class Setup:
    """Fixed arrays of a run (see the module docstring); shapes use M members, N nodes,
    F facilities, Q (country, sector) pairs with demand, L links, K = markets x products."""

    members: int
    days: int
    allocation: str
    links: Links
    policy: Policy
    p: dict[str, np.ndarray]
    # grids
    C: int
    P: int
    S: int
    n_markets: int
    node_c: np.ndarray
    node_p: np.ndarray
    q_c: np.ndarray
    q_s: np.ndarray
    # facilities
    cap_base: np.ndarray
    derived_cap: np.ndarray
    cap_add: np.ndarray
    rin_f: np.ndarray
    rout_f: np.ndarray
    fac_inputs: np.ndarray
    fac_inmask: np.ndarray
    main_out: np.ndarray
    main_node: np.ndarray
    rout_main: np.ndarray
    proc_share: np.ndarray
    downstream: np.ndarray
    # demand
    q_node: np.ndarray
    demand0: np.ndarray
    value_q: np.ndarray
    subst_event: np.ndarray
    seg_q: Segments
    # links
    flow0: np.ndarray
    node_in: np.ndarray
    node_out: np.ndarray
    seg_in: Segments
    seg_out: Segments
    sig_const: np.ndarray
    base_nodes: np.ndarray
    has_baseline: np.ndarray
    has_inbound: np.ndarray
    # baseline and targets
    prod0: np.ndarray
    imp0: np.ndarray
    outflow0: np.ndarray
    imp_share0: np.ndarray
    target0: np.ndarray
    pipe_target: np.ndarray
    strategic0: np.ndarray
    release: np.ndarray
    front: np.ndarray
    # markets and prices
    seg_mk: Segments
    q_price: np.ndarray
    seg_qmk: Segments
    link_mk_in: np.ndarray
    link_mk_out: np.ndarray
    q_cheapest: np.ndarray
    # end users: cohorts (Q, K), priority
    cohort_share: np.ndarray
    cohort_days: np.ndarray
    q_priority: np.ndarray
    # growth (M, 1) and its offset from the base year (days)
    growth: np.ndarray
    growth_offset: float
    reexport_block: np.ndarray
    input_users: np.ndarray
    # which optional mechanisms are on (skipped otherwise)
    any_cohorts: bool
    leaky: bool
    embeds: bool
    demand_responds: bool
    foresight: bool
    thrift_f: np.ndarray
    node_mk: np.ndarray
    thrifts: bool
    # policy flags
    tariffed: np.ndarray
    any_licence: bool
    any_whitelist: bool
    uniform_delay: bool
    lic_start: np.ndarray
    phased: bool
    cap_scale: np.ndarray

    def col(self, name: str) -> np.ndarray:
        """A member parameter as an (M, 1) column."""
        return self.p[name][:, None]

    def growth_factor(self, t: int) -> np.ndarray:
        """Demand (and capacity, baseline trade) level on day ``t`` relative to the base year, (M, 1)."""
        return (1.0 + self.growth) ** ((t + self.growth_offset) / DAYS_PER_YEAR)


def _facilities(net: SupplyNetwork, policy: Policy) -> tuple[np.ndarray, np.ndarray]:
    fac_mask = (net.capacity > 0) | (np.abs(policy.capacity_add).max(axis=0) > 0)  # (C, J)
    fac_c, fac_j = np.nonzero(fac_mask)
    return fac_c, fac_j


def _active_nodes(net: SupplyNetwork, links: Links, policy: Policy, fac_c: np.ndarray, fac_j: np.ndarray) -> np.ndarray:
    C, P, S = len(net.countries), len(net.products), len(net.sectors)
    node_mask = np.zeros((C, P), bool)
    node_mask[links.importer, links.product] = True
    node_mask[links.exporter, links.product] = True
    node_mask |= net.demand0 @ np.eye(P)[net.sector_product] > 0 if S else False
    node_mask |= net.strategic_days > 0
    node_mask |= policy.release.max(axis=0) > 0
    rin, rout = net.recipe_in, net.recipe_out
    for f in range(fac_c.size):
        node_mask[fac_c[f]] |= (rin[fac_c[f], fac_j[f]] > 0) | (rout[fac_c[f], fac_j[f]] > 0)
    return node_mask


def _recipes_on_nodes(net: SupplyNetwork, fac_c: np.ndarray, fac_j: np.ndarray, node_id: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
    F, P = fac_c.size, len(net.products)
    rin, rout = net.recipe_in, net.recipe_out
    rin_f, rout_f, thrift_f = np.zeros((F, n)), np.zeros((F, n)), np.zeros((F, n))
    for f in range(F):
        c, j = fac_c[f], fac_j[f]
        for pp in range(P):
            if rin[c, j, pp] > 0:
                rin_f[f, node_id[c, pp]] = rin[c, j, pp]
                thrift_f[f, node_id[c, pp]] = net.recipe_thrift[c, j, pp]
            if rout[c, j, pp] > 0:
                rout_f[f, node_id[c, pp]] = rout[c, j, pp]
    k_in = max(1, int((rin_f > 0).sum(axis=1).max()) if F else 1)
    fac_inputs = np.zeros((F, k_in), dtype=np.int64)
    fac_inmask = np.zeros((F, k_in), bool)
    for f in range(F):
        idx = np.flatnonzero(rin_f[f] > 0)
        fac_inputs[f, : idx.size] = idx
        fac_inmask[f, : idx.size] = True
    return rin_f, rout_f, fac_inputs, fac_inmask, thrift_f


def build_setup(
    net: SupplyNetwork,
    links: Links,
    policy: Policy,
    *,
    members: int = 1,
    params: Mapping[str, np.ndarray | float] | None = None,
    allocation: str = "pro_rata",
) -> Setup:
    """Build the fixed arrays of a run.

    Parameters
    ----------
    net, links, policy
        The network (after overrides), its links and the scenario's daily policy arrays.
    members : int
        Ensemble size M.
    params : mapping, optional
        Engine parameters per member (see :func:`member_parameters`).
    allocation : {"pro_rata", "domestic_first"}
        How a node's stock is shared between its end use and export claims.
    """
    M, T = int(members), policy.dates.size
    p = member_parameters(net, params, M)
    C, P, S = len(net.countries), len(net.products), len(net.sectors)
    fac_c, fac_j = _facilities(net, policy)
    node_c, node_p = np.nonzero(_active_nodes(net, links, policy, fac_c, fac_j))
    N = node_c.size
    node_id = -np.ones((C, P), dtype=np.int64)
    node_id[node_c, node_p] = np.arange(N)
    prod = _production(net, policy, fac_c, fac_j, node_id, N)
    q_c, q_s = np.nonzero(net.demand0 > 0)
    q_node = node_id[q_c, net.sector_product[q_s]]
    seg_q = Segments(q_node, N)
    demand0 = net.demand0[q_c, q_s] / DAYS_PER_YEAR
    fd0 = seg_q(demand0)
    trade = _trade(links, node_id, N, M)
    outflow0 = prod["cons0"] + fd0 + trade["exp0"]
    fd_held = seg_q(demand0 * net.has_cohorts[q_c, q_s])  # end use whose stock sits with the users (cohorts)
    target0 = net.cover_days[node_c, node_p] * (outflow0 - fd_held) + net.param("market_cover_days") * fd_held
    users = (prod["cons0"] + fd0) > 0
    return Setup(
        members=M,
        days=T,
        allocation=allocation,
        links=links,
        policy=policy,
        p=p,
        C=C,
        P=P,
        S=S,
        n_markets=len(net.markets),
        node_c=node_c,
        node_p=node_p,
        q_c=q_c,
        q_s=q_s,
        q_node=q_node,
        demand0=demand0,
        seg_q=seg_q,
        outflow0=outflow0,
        imp_share0=np.where(outflow0 > 0, trade["imp0"] / np.where(outflow0 > 0, outflow0, 1.0), 0.0),
        target0=target0,
        strategic0=net.strategic_days[node_c, node_p] * (prod["cons0"] + fd0),
        **{k: v for k, v in prod.items() if k != "cons0"},
        **{k: v for k, v in trade.items() if k != "exp0"},
        **_end_use(net, policy, q_c, q_s),
        **_markets(net, links, node_c, node_p, q_c, q_s, users),
        **_policy_arrays(policy, node_c, node_p),
        **_switches(p, policy, prod["thrift_f"]),
        growth=p["demand_growth_per_year"][:, None],
        growth_offset=_growth_offset(net, policy),
        cap_scale=net.param("utilisation") / p["utilisation"][:, None],
    )


def _production(net: SupplyNetwork, policy: Policy, fac_c: np.ndarray, fac_j: np.ndarray, node_id: np.ndarray, N: int) -> dict[str, Any]:
    """Facilities on the active nodes: recipes, capacity, baseline activity and each facility's share of its product."""
    rin_f, rout_f, fac_inputs, fac_inmask, thrift_f = _recipes_on_nodes(net, fac_c, fac_j, node_id, N)
    F = fac_c.size
    act0 = net.activity0[fac_c, fac_j] / DAYS_PER_YEAR
    cap_base = net.capacity[fac_c, fac_j] / DAYS_PER_YEAR
    prod0 = act0 @ rout_f
    main_out = np.argmax(rout_f, axis=1) if F else np.zeros(0, dtype=np.int64)
    rout_main = rout_f[np.arange(F), main_out]
    prod0_main = prod0[main_out]
    n_same = np.array([np.sum((main_out == main_out[f]) & (cap_base > 0)) for f in range(F)], dtype=float)
    proc_share = np.where(prod0_main > 0, act0 * rout_main / np.where(prod0_main > 0, prod0_main, 1.0), 1.0 / np.maximum(n_same, 1.0))
    users_per_input = (rin_f > 0).sum(axis=0).astype(float)  # (N,) facilities drawing on each node
    return {
        "cap_base": cap_base,
        "derived_cap": net.capacity_derived[fac_c, fac_j],
        "cap_add": policy.capacity_add[:, fac_c, fac_j] / DAYS_PER_YEAR,
        "rin_f": rin_f,
        "rout_f": rout_f,
        "fac_inputs": fac_inputs,
        "fac_inmask": fac_inmask,
        "main_out": main_out,
        "main_node": _main_nodes(rout_f, main_out, N),
        "rout_main": rout_main,
        "proc_share": proc_share,
        "prod0": prod0,
        "cons0": act0 @ rin_f,
        "thrift_f": thrift_f,
        "input_users": np.maximum(users_per_input, 1.0),
        "downstream": _downstream(rin_f, rout_f),
    }


def _main_nodes(rout_f: np.ndarray, main_out: np.ndarray, N: int) -> np.ndarray:
    """(N,) bool: nodes that are some facility's main output and no facility's co-product
    (their plants plan on them, so output beyond the plan for use is restocking)."""
    main = np.isin(np.arange(N), main_out)
    other = rout_f > 0
    other[np.arange(main_out.size), main_out] = False
    return main & ~other.any(axis=0)


def _downstream(rin_f: np.ndarray, rout_f: np.ndarray) -> np.ndarray:
    """(N, N) float: 1 where the column node is made, in the same country, from the row node
    through one or more of its facilities (the transitive closure of input -> output)."""
    step = ((rin_f > 0).astype(float).T @ (rout_f > 0).astype(float)) > 0
    reach = step.copy()
    while True:
        wider = reach | ((reach.astype(float) @ step.astype(float)) > 0)
        if (wider == reach).all():
            return reach.astype(float)
        reach = wider


def _trade(links: Links, node_id: np.ndarray, N: int, M: int) -> dict[str, Any]:
    """Links on the active nodes: baseline flows and supplier shares, and their pipelines."""
    flow0 = links.flow0 / DAYS_PER_YEAR
    node_in = node_id[links.importer, links.product]
    node_out = node_id[links.exporter, links.product]
    seg_in, seg_out = Segments(node_in, N), Segments(node_out, N)
    imp0 = seg_in(flow0)
    imp0_l = imp0[node_in]
    share0 = np.where(imp0_l > 0, flow0 / np.where(imp0_l > 0, imp0_l, 1.0), 0.0)
    base = links.baseline & (flow0 > 0)
    has_baseline = seg_in(base.astype(float)) > 0  # (N,) nodes with baseline suppliers
    return {
        "flow0": flow0,
        "node_in": node_in,
        "node_out": node_out,
        "seg_in": seg_in,
        "seg_out": seg_out,
        "imp0": imp0,
        "exp0": seg_out(flow0),
        "sig_const": np.broadcast_to(np.where(base, share0, 0.0), (M, links.n)),
        "base_nodes": has_baseline[node_in],
        "has_baseline": has_baseline,
        "has_inbound": seg_in(np.ones(links.n)) > 0,
        "pipe_target": seg_in(flow0 * (links.transit - 1)),
    }


def _end_use(net: SupplyNetwork, policy: Policy, q_c: np.ndarray, q_s: np.ndarray) -> dict[str, Any]:
    """End users: value per tonne, cohorts, priority and substitution events."""
    return {
        "value_q": net.value_per_t[q_c, q_s],
        "subst_event": policy.substitution[:, q_c, q_s],
        "cohort_share": net.cohort_share[q_c, q_s],
        "cohort_days": net.cohort_days[q_c, q_s],
        "q_priority": net.sector_priority[q_s] <= 1.0,
        "any_cohorts": bool(net.cohort_days[q_c, q_s].any()),
    }


def _markets(
    net: SupplyNetwork, links: Links, node_c: np.ndarray, node_p: np.ndarray, q_c: np.ndarray, q_s: np.ndarray, users: np.ndarray
) -> dict[str, Any]:
    """Where each node, end user and link sits in the price markets (market x product columns)."""
    P = len(net.products)
    K = len(net.markets) * P
    market = net.country_market[node_c]
    q_mk = net.country_market[q_c].astype(np.int64) * P + net.sector_product[q_s]
    mk_price = np.arange(len(net.markets))[:, None] * P + np.arange(P)[None, :]  # (markets, P) column of each price
    return {
        "seg_mk": Segments(np.where(users, market * P + node_p, K), K + 1),
        "q_price": q_mk,
        "seg_qmk": Segments(q_mk, K),
        "link_mk_in": net.country_market[links.importer].astype(np.int64) * P + links.product,
        "link_mk_out": net.country_market[links.exporter].astype(np.int64) * P + links.product,
        "q_cheapest": mk_price[:, net.sector_product[q_s]],
        "node_mk": market.astype(np.int64) * P + node_p,
    }


def _policy_arrays(policy: Policy, node_c: np.ndarray, node_p: np.ndarray) -> dict[str, Any]:
    """The scenario's daily arrays on the active nodes."""
    T = policy.dates.size
    licence_on = (policy.licence > 0).any(axis=0)
    return {
        "release": policy.release[:, node_c, node_p],
        "front": policy.front_loading[:, node_c, node_p],
        "reexport_block": policy.reexport_block[:, node_c, node_p],
        "tariffed": np.abs(policy.tariff).max(axis=1) > 0,
        "lic_start": np.where(licence_on, np.argmax(policy.licence > 0, axis=0), T),
    }


def _switches(p: dict[str, np.ndarray], policy: Policy, thrift_f: np.ndarray) -> dict[str, Any]:
    """Which optional mechanisms a run needs (skipped in the daily step when off)."""
    return {
        "leaky": bool((p["leakage_max"] > 0).any() and policy.controlled.any()),
        "embeds": bool((p["embedded_supply_max"] > 0).any()),
        "demand_responds": bool((p["demand_price_elasticity"] > 0).any()),
        "foresight": bool((p["price_foresight_days"] > 0).any()),
        "thrifts": bool(thrift_f.any() and (p["thrifting_rate_per_year"] > 0).any()),
        "any_licence": bool(policy.licence.max() > 0) if policy.licence.size else False,
        "any_whitelist": bool(policy.whitelist.max() > 0) if policy.whitelist.size else False,
        "uniform_delay": bool(np.all(p["delay_scale"] == p["delay_scale"][0])),
        "phased": bool((p["licence_phase_in_days"] > 0).any()),
    }


def _growth_offset(net: SupplyNetwork, policy: Policy) -> float:
    """Days from the middle of the dataset's base year to the first simulated day (demand growth starts there)."""
    base_year = net.meta.base_year if net.meta is not None else None
    if base_year is None:
        return 0.0
    mid = np.datetime64(f"{base_year}-07-01", "D")
    return max(0.0, float((policy.dates[0] - mid).astype(int)))
