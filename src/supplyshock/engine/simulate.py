"""The daily material model: a pure function over arrays with a leading member axis.

One step (a day), for every ensemble member at once (DESIGN.md, "The material model"):

1. **Arrivals**: shipments whose transit ends today enter the importer's stock.
2. **Stockpile releases** move strategic stock into the commercial stock.
3. **Production**: each process plans output to meet expected outflow and close the gap
   to target stock, capped by capacity; it is then limited by the inputs in stock
   (recipe, Leontief over inputs); inputs shared by several processes are rationed
   proportionally.
4. **Orders**: each node orders imports to cover expected use and exports not met by
   its own production, plus ``gap / inventory_adjustment_days`` where the gap is the
   target stock (days of cover, raised before an announced control) plus the target
   pipeline minus stock, goods in transit and pending licence applications. Orders go to
   baseline suppliers by baseline shares, shifted by tariffs (shares proportional to
   ``share0 * (1 + tariff) ** -trade_elasticity``). Where the node's orders are being
   denied, a *redirect* share ramps up over the switching lag and that share of the
   alternative suppliers' free supply (spare capacity plus stock above target) is
   ordered from them first.
5. **Policy**: on each link the banned share is denied; the licensed share becomes
   applications decided after the processing delay, when the day's approval share is
   approved; whitelisted buyers' applications have their own approval and delay.
   Export quotas cap the approved claims on their links (allowance accrues daily;
   unused allowance carries over).
6. **Allocation**: each node's stock is allocated over its final (end-use) demand and
   the approved export claims, pro rata (default) or domestic first.
7. **Transit**: shipments leave today and arrive after the link's transit time.
8. **Use**: end-use sectors receive their share; the rest is shortfall; shortfall times
   the value of output per tonne is lost output.
9. **Prices and responses**: a price index per product inside and outside China is
   ``cover_ratio ** (-1 / price_flexibility)`` smoothed over ``price_adjustment_days``;
   price-driven substitution cuts demand in each market at up to
   ``substitution_rate_per_year`` while that market's index is above the threshold.

No pandas inside the loop; all randomness (uncertain parameters) enters through the
per-member parameter arrays, so the same inputs give identical results.

References
----------
Hallegatte, S. (2008). An adaptive regional input-output model and its application to
the assessment of the economic cost of Katrina. Risk Analysis 28(3), 779-799.
doi:10.1111/j.1539-6924.2008.01046.x (orders with inventory restoration, rationing).
Sprecher, B. et al. (2017). Material supply chain resilience: the 2010 rare earth
crisis. ES&T 51(7), 3860-3870 (substitution rates).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from supplyshock.engine.compile import Links, Policy
from supplyshock.errors import InvariantError
from supplyshock.network import SupplyNetwork

__all__ = ["BEHAVIOUR_PARAMETERS", "RECORDABLE", "Trajectories", "simulate"]

BEHAVIOUR_PARAMETERS = (
    "inventory_adjustment_days",
    "production_adjustment_days",
    "switching_lag_days",
    "price_flexibility",
    "price_adjustment_days",
    "substitution_rate_per_year",
    "substitution_price_threshold",
    "substitution_max",
    "trade_elasticity",
    "expectation_days",
    "price_index_max",
    "utilisation",
    "cover_scale",
    "approval_scale",
    "delay_scale",
)
NODE_VARS = ("inventory", "production", "process_use", "imports", "exports", "final_use", "release")
SECTOR_VARS = ("demand", "delivered", "shortfall", "lost_output")
RECORDABLE = (*NODE_VARS, *SECTOR_VARS, "trade", "price_index")
DAYS_PER_YEAR = 365.0


@dataclass
class Trajectories:
    """Recorded arrays, each with a leading (member, time) pair of axes."""

    arrays: dict[str, np.ndarray]
    links: Links
    members: int
    days: int


class _Segments:
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


def _member_param(params: Mapping[str, np.ndarray | float], name: str, default: float, M: int) -> np.ndarray:
    v = np.asarray(params.get(name, default), dtype=float)
    if v.ndim == 0:
        return np.full(M, float(v))
    if v.shape != (M,):
        raise ValueError(f"parameter {name!r}: expected shape ({M},), got {v.shape}")
    return v


def simulate(
    net: SupplyNetwork,
    links: Links,
    policy: Policy,
    *,
    members: int = 1,
    params: Mapping[str, np.ndarray | float] | None = None,
    allocation: str = "pro_rata",
    record: tuple[str, ...] = RECORDABLE,
    progress: Callable[[int], None] | None = None,
    check: bool = False,
) -> Trajectories:
    """Run the material model.

    Parameters
    ----------
    net : SupplyNetwork
        The dataset (after the scenario's overrides).
    links, policy : Links, Policy
        From :func:`~supplyshock.engine.compile.build_links` and
        :func:`~supplyshock.engine.compile.compile_policy`.
    members : int
        Ensemble size M (the leading axis of every array).
    params : mapping, optional
        Behavioural parameters (see ``BEHAVIOUR_PARAMETERS``), scalars or arrays of shape
        (M,); missing ones come from the dataset's parameters table. ``cover_scale``,
        ``approval_scale`` and ``delay_scale`` multiply the target days of cover, the
        licence approval share and the processing delay.
    allocation : {"pro_rata", "domestic_first"}
        How a node's stock is shared between its final demand and export claims.
    record : tuple of str
        Variables to keep (see ``RECORDABLE``).
    progress : callable, optional
        Called with the number of days done after each day.
    check : bool
        Verify mass balance and non-negativity every step (raises InvariantError).

    Returns
    -------
    Trajectories
    """
    params = dict(params or {})
    M = int(members)
    T = policy.dates.size
    C, P = len(net.countries), len(net.products)
    S = len(net.sectors)
    L = links.n
    p = {k: _member_param(params, k, net.params.get(k, d), M) for k, d in [
        ("inventory_adjustment_days", 30.0), ("production_adjustment_days", 30.0), ("switching_lag_days", 60.0),
        ("price_flexibility", 0.35), ("price_adjustment_days", 20.0), ("substitution_rate_per_year", 0.1),
        ("substitution_price_threshold", 1.5), ("substitution_max", 0.3), ("trade_elasticity", 2.0),
        ("expectation_days", 7.0), ("price_index_max", 30.0), ("utilisation", net.params.get("utilisation", 0.85)),
        ("cover_scale", 1.0), ("approval_scale", 1.0), ("delay_scale", 1.0),
    ]}
    unknown = set(params) - set(BEHAVIOUR_PARAMETERS)
    if unknown:
        raise ValueError(f"unknown engine parameter(s): {', '.join(sorted(unknown))}")
    for k in ("inventory_adjustment_days", "production_adjustment_days", "switching_lag_days",
              "price_flexibility", "price_adjustment_days", "expectation_days", "utilisation", "price_index_max"):
        if (p[k] <= 0).any():
            raise ValueError(f"parameter {k!r} must be > 0")

    # ------------------------------------------------------------------ static arrays
    rin, rout = net.recipe_in, net.recipe_out  # (C, J, P)
    act0 = net.activity0 / DAYS_PER_YEAR  # (C, J)
    # capacity scales with the member's utilisation assumption (capacity = output / utilisation)
    util0 = net.params.get("utilisation", 0.85)
    cap_base = net.capacity / DAYS_PER_YEAR  # (C, J)
    cap_scale = (util0 / p["utilisation"])[:, None, None]  # (M, 1, 1)
    derived_cap = np.isclose(net.capacity * util0, net.activity0) & (net.activity0 > 0)
    prod0 = np.einsum("cj,cjp->cp", act0, rout)
    cons0 = np.einsum("cj,cjp->cp", act0, rin)
    demand0 = net.demand0 / DAYS_PER_YEAR  # (C, S)
    sector_prod = net.sector_product
    sec_onehot = np.zeros((S, P))
    sec_onehot[np.arange(S), sector_prod] = 1.0
    fd0 = demand0 @ sec_onehot  # (C, P)
    flow0 = links.flow0 / DAYS_PER_YEAR  # (L,)
    node_in = links.importer * P + links.product  # (L,) flat index of the importing node
    node_out = links.exporter * P + links.product
    seg_in = _Segments(node_in, C * P)
    seg_out = _Segments(node_out, C * P)
    imp0 = seg_in(flow0).reshape(C, P)
    exp0 = seg_out(flow0).reshape(C, P)
    outflow0 = cons0 + fd0 + exp0
    target0 = net.cover_days * outflow0  # (C, P)
    # goods in transit when orders are placed (after the day's arrivals are taken out)
    pipe_target = seg_in(flow0 * (links.transit - 1)).reshape(C, P)
    # baseline supplier shares within each importing node
    share0 = np.where(imp0.reshape(-1)[node_in] > 0, flow0 / np.where(imp0.reshape(-1)[node_in] > 0, imp0.reshape(-1)[node_in], 1.0), 0.0)
    base = links.baseline & (flow0 > 0)
    # main output of each process and its share of the node's baseline output
    J = rin.shape[1]
    main_out = np.argmax(rout, axis=2)  # (C, J)
    rout_main = np.take_along_axis(rout, main_out[:, :, None], axis=2)[:, :, 0]  # (C, J)
    prod0_main = np.take_along_axis(prod0, main_out, axis=1)  # (C, J)
    has_proc = rout_main > 0
    n_same = np.zeros((C, J))
    for c in range(C):
        for j in range(J):
            n_same[c, j] = np.sum((main_out[c] == main_out[c, j]) & (net.capacity[c] > 0))
    proc_share = np.where(prod0_main > 0, act0 * rout_main / np.where(prod0_main > 0, prod0_main, 1.0),
                          1.0 / np.maximum(n_same, 1.0))
    uses_input = rin > 0  # (C, J, P)
    strategic0 = net.strategic_days * (cons0 + fd0)  # (C, P)
    china = net.countries.index("CHN") if "CHN" in net.countries else -1
    market_of = np.array([0 if c == china else 1 for c in range(C)])
    mk = np.zeros((2, C))
    mk[market_of, np.arange(C)] = 1.0
    users = (cons0 + fd0) > 0
    has_inbound = seg_in(np.ones(L)).reshape(C, P) > 0
    out_cap_per_act = rout_main  # t output per unit activity

    # ------------------------------------------------------------------ state
    cover_scale = p["cover_scale"][:, None, None]
    target = target0[None] * cover_scale  # (M, C, P)
    stock = target.copy()
    strategic = np.broadcast_to(strategic0, (M, C, P)).copy()
    H = int(links.transit.max()) + 1
    ring = np.zeros((M, H, L))
    for l_ in range(L):
        ring[:, : links.transit[l_], l_] = flow0[l_]
    in_transit = np.broadcast_to(flow0 * links.transit, (M, L)).copy()
    D = int(np.ceil(max(1, policy.delay.max(), policy.whitelist_delay.max()) * float(p["delay_scale"].max()))) + 2
    apps = np.zeros((M, D, L))  # pending applications by decision slot
    wl_apps = np.zeros((M, D, L))  # approved whitelisted claims by release slot
    pending = np.zeros((M, L))
    G = policy.quota_links.shape[0]
    quota_left = np.zeros((M, G))
    qmask = policy.quota_links.astype(float)  # (G, L)
    outflow_est = np.broadcast_to(outflow0, (M, C, P)).copy()
    inflow_est = np.broadcast_to(imp0, (M, C, P)).copy()
    prod_est = np.broadcast_to(prod0, (M, C, P)).copy()
    redirect = np.zeros((M, C, P))
    denied_est = np.zeros((M, C, P))
    price = np.ones((M, 2, P))
    subst = np.zeros((M, C, S))
    m_idx = np.arange(M)[:, None]
    l_idx = np.arange(L)[None, :]
    alpha_e = 1.0 / p["expectation_days"][:, None, None]

    rec = {k: np.zeros((M, T, C, P)) for k in NODE_VARS if k in record}
    rec.update({k: np.zeros((M, T, C, S)) for k in SECTOR_VARS if k in record})
    if "trade" in record:
        rec["trade"] = np.zeros((M, T, L))
    if "price_index" in record:
        rec["price_index"] = np.zeros((M, T, 2, P))

    inv_adj = p["inventory_adjustment_days"][:, None, None]
    prod_adj = p["production_adjustment_days"][:, None, None]
    appr_scale = p["approval_scale"][:, None]
    delay_scale = p["delay_scale"][:, None]

    for t in range(T):
        opening = stock.copy() if check else None
        gap = target + policy.front_loading[t][None] * outflow0[None] - stock  # on the opening stock
        # 1. arrivals
        slot = t % H
        arrivals_l = ring[:, slot, :].copy()
        ring[:, slot, :] = 0.0
        in_transit -= arrivals_l
        imports = seg_in(arrivals_l).reshape(M, C, P)
        stock += imports
        # 2. strategic releases
        rel = strategic0[None] * policy.release[t][None]
        rel = np.minimum(rel, strategic)
        strategic -= rel
        stock += rel
        # 3. production
        cap = cap_base[None] * np.where(derived_cap[None], cap_scale, 1.0) + policy.capacity_add[t][None] / DAYS_PER_YEAR
        plan_out = np.maximum(0.0, outflow_est - inflow_est + gap / prod_adj)  # (M, C, P)
        plan_main = np.take_along_axis(plan_out, np.broadcast_to(main_out, (M, C, J)), axis=2)
        a_plan = np.where(has_proc[None], plan_main * proc_share[None] / np.where(has_proc, out_cap_per_act, 1.0)[None], 0.0)
        a_plan = np.minimum(a_plan, np.maximum(cap, 0.0))
        need = np.einsum("mcj,cjp->mcp", a_plan, rin)
        ratio = np.where(need > 0, np.minimum(1.0, stock / np.where(need > 0, need, 1.0)), 1.0)
        limit = np.where(uses_input[None], ratio[:, :, None, :], 1.0).min(axis=3)
        act = a_plan * limit
        consumed = np.einsum("mcj,cjp->mcp", act, rin)
        produced = np.einsum("mcj,cjp->mcp", act, rout)
        stock = np.maximum(stock - consumed, 0.0) + produced
        # 4. orders
        sub_total = 1.0 - (1.0 - subst) * (1.0 - policy.substitution[t][None])
        demand = demand0[None] * (1.0 - sub_total)  # (M, C, S)
        fd_claim = demand @ sec_onehot  # (M, C, P)
        pipe = seg_in(in_transit + pending).reshape(M, C, P)
        need_imp = np.maximum(
            0.0,
            outflow_est - prod_est + (gap + pipe_target[None] - pipe) / inv_adj,
        ) * has_inbound[None]
        w_base = np.where(base, share0 * (1.0 + policy.tariff[t]) ** (-p["trade_elasticity"][:, None]), 0.0)  # (M, L)
        w_norm = seg_in(w_base)[:, node_in]
        sig_base = np.where(w_norm > 0, w_base / np.where(w_norm > 0, w_norm, 1.0), 0.0)
        # free supply of each exporter node, offered to importers whose links are not controlled
        cap_out = np.einsum("mcj,cjp->mcp", cap, rout)
        free = np.maximum(0.0, cap_out - produced) + np.maximum(0.0, stock - target) / inv_adj  # (M, C, P)
        open_link = ~policy.controlled[t]
        offer = free.reshape(M, C * P)[:, node_out] * open_link[None]  # (M, L)
        offer_node = seg_in(offer).reshape(M, C, P)
        alt_total = np.minimum(need_imp, redirect * offer_node)
        alt_share = np.where(offer_node.reshape(M, -1)[:, node_in] > 0,
                             offer / np.where(offer_node.reshape(M, -1)[:, node_in] > 0, offer_node.reshape(M, -1)[:, node_in], 1.0), 0.0)
        rest = (need_imp - alt_total).reshape(M, -1)[:, node_in]
        has_base = seg_in(sig_base).reshape(M, -1)[:, node_in] > 0
        request = alt_total.reshape(M, -1)[:, node_in] * alt_share + np.where(has_base, rest * sig_base, rest * alt_share)
        # 5. policy
        ban_t, lic_t = policy.ban[t][None], policy.licence[t][None]
        now = request * (1.0 - ban_t - lic_t)
        denied = request * ban_t
        applied = request * lic_t
        wl_share = policy.whitelist[t][None]
        wl_part = applied * wl_share
        normal = applied - wl_part
        wl_ok = wl_part * policy.whitelist_approval[t][None]
        denied += wl_part - wl_ok
        wl_slot = (t + np.rint(policy.whitelist_delay[t][None] * delay_scale).astype(np.int64)) % D
        wl_apps[np.broadcast_to(m_idx, (M, L)), wl_slot, np.broadcast_to(l_idx, (M, L))] += wl_ok
        dec_slot = (t + np.maximum(1, np.rint(policy.delay[t][None] * delay_scale).astype(np.int64))) % D
        dec_slot = np.where(policy.delay[t][None] > 0, dec_slot, t % D)
        apps[np.broadcast_to(m_idx, (M, L)), dec_slot, np.broadcast_to(l_idx, (M, L))] += normal
        pending += normal + wl_ok
        decided = apps[:, t % D, :].copy()
        apps[:, t % D, :] = 0.0
        released_wl = wl_apps[:, t % D, :].copy()
        wl_apps[:, t % D, :] = 0.0
        pending = np.maximum(pending - decided - released_wl, 0.0)
        a_t = np.clip(policy.approval[t][None] * appr_scale, 0.0, 1.0)
        approved = decided * a_t
        denied += decided - approved
        claims = now + approved + released_wl
        if G:
            quota_left += policy.quota_daily[t][None]
            q_claims = claims @ qmask.T  # (M, G)
            q_scale = np.where(q_claims > quota_left, quota_left / np.where(q_claims > 0, q_claims, 1.0), 1.0)
            q_scale = np.where(policy.quota_active[t][None], q_scale, 1.0)
            # a link in several quotas takes the tightest
            link_scale = np.where(qmask[None] > 0, q_scale[:, :, None], 1.0).min(axis=1)
            cut = claims * (1.0 - link_scale)
            denied += cut
            claims = claims - cut
        # 6. allocation
        x_claim = seg_out(claims).reshape(M, C, P)
        if allocation == "domestic_first":
            fd_fill = np.minimum(1.0, np.where(fd_claim > 0, stock / np.where(fd_claim > 0, fd_claim, 1.0), 1.0))
            left = np.maximum(0.0, stock - fd_claim * fd_fill)
            x_fill = np.minimum(1.0, np.where(x_claim > 0, left / np.where(x_claim > 0, x_claim, 1.0), 1.0))
        else:
            tot = fd_claim + x_claim
            fd_fill = np.minimum(1.0, np.where(tot > 0, stock / np.where(tot > 0, tot, 1.0), 1.0))
            x_fill = fd_fill
        delivered_fd = fd_claim * fd_fill
        ship = claims * x_fill.reshape(M, -1)[:, node_out]
        denied += claims - ship
        exports = seg_out(ship).reshape(M, C, P)
        stock = np.maximum(stock - delivered_fd - exports, 0.0)
        if G:
            quota_left = np.where(policy.quota_active[t][None], np.maximum(0.0, quota_left - ship @ qmask.T), 0.0)
        # 7. transit
        arrive = (t + links.transit) % H
        ring[:, arrive, np.arange(L)] += ship
        in_transit += ship
        # 8. use by sector (pro rata within the node)
        sec_fill = fd_fill[:, :, sector_prod]  # (M, C, S)
        delivered = demand * sec_fill
        shortfall = demand - delivered
        # 9. expectations, redirect, prices, substitution
        outflow_est += alpha_e * (need + fd_claim + x_claim - outflow_est)
        inflow_est += alpha_e * (imports - inflow_est)
        prod_est += alpha_e * (produced - prod_est)
        req_node = seg_in(request).reshape(M, C, P)
        den_node = seg_in(denied).reshape(M, C, P)
        frac_denied = np.where(req_node > 0, den_node / np.where(req_node > 0, req_node, 1.0), 0.0)
        denied_est += alpha_e * (frac_denied - denied_est)
        lag = p["switching_lag_days"][:, None, None]
        redirect = np.clip(redirect + np.where(denied_est > 0.01, 1.0, -1.0) / lag, 0.0, 1.0)
        tgt_mk = np.einsum("kc,mcp->mkp", mk, target * users[None])
        stk_mk = np.einsum("kc,mcp->mkp", mk, stock * users[None])
        cover_ratio = np.where(tgt_mk > 0, stk_mk / np.where(tgt_mk > 0, tgt_mk, 1.0), 1.0)
        flex = p["price_flexibility"][:, None, None]
        p_target = np.minimum(np.maximum(cover_ratio, 1e-6) ** (-1.0 / flex), p["price_index_max"][:, None, None])
        beta = 1.0 / p["price_adjustment_days"][:, None, None]
        price = np.exp(np.log(price) + beta * (np.log(p_target) - np.log(price)))
        p_out = price[:, 1, :][:, sector_prod]  # (M, S) outside-China price of each sector's product
        p_in = price[:, 0, :][:, sector_prod]
        p_sec = np.where(market_of[None, :, None] == 0, p_in[:, None, :], p_out[:, None, :])  # (M, C, S)
        rate = p["substitution_rate_per_year"][:, None, None] / DAYS_PER_YEAR
        thr = p["substitution_price_threshold"][:, None, None]
        subst = np.clip(subst + np.where(p_sec > thr, rate, 0.0), 0.0, p["substitution_max"][:, None, None])
        if check:
            assert opening is not None
            resid = opening + imports + rel + produced - consumed - delivered_fd - exports - stock
            scale = np.maximum(1.0, np.abs(opening) + imports + produced)
            if np.abs(resid / scale).max() > 1e-9:
                raise InvariantError(f"mass balance violated on day {t}: max residual {np.abs(resid).max():.3e} t")
            for name, arr in (("stock", stock), ("shipments", ship), ("production", produced), ("price", price)):
                if (arr < 0).any() or not np.isfinite(arr).all():
                    raise InvariantError(f"{name} negative or not finite on day {t}")
            if (act > cap + 1e-9).any():
                raise InvariantError(f"production above capacity on day {t}")
            if (ship > claims + 1e-9).any():
                raise InvariantError(f"shipments above permitted claims on day {t}")
        # record
        for k, v in (("inventory", stock), ("production", produced), ("process_use", consumed),
                     ("imports", imports), ("exports", exports), ("final_use", delivered_fd), ("release", rel)):
            if k in rec:
                rec[k][:, t] = v
        if "demand" in rec:
            rec["demand"][:, t] = demand
        if "delivered" in rec:
            rec["delivered"][:, t] = delivered
        if "shortfall" in rec:
            rec["shortfall"][:, t] = shortfall
        if "lost_output" in rec:
            rec["lost_output"][:, t] = shortfall * net.value_per_t[None]
        if "trade" in rec:
            rec["trade"][:, t] = ship
        if "price_index" in rec:
            rec["price_index"][:, t] = price
        if progress is not None:
            progress(t + 1)
    return Trajectories(arrays=rec, links=links, members=M, days=T)
