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
   ``share0 * (1 + tariff) ** -trade_elasticity``) and cut on the tariffed link by
   ``(1 + tariff) ** -tariff_demand_elasticity`` (purchases deferred). Where the node's orders are being
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
from supplyshock.scenario.uncertainty import MINIMUM

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
    "tariff_demand_elasticity",
    "expectation_days",
    "price_index_max",
    "utilisation",
    "cover_scale",
    "approval_scale",
    "delay_scale",
    "licence_coverage_scale",
    "licence_phase_in_days",
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
    metrics_threshold: float | None = None,
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
        licence approval share and the processing delay; ``licence_coverage_scale``
        multiplies the share of a product's flow a licence regime covers;
        ``licence_phase_in_days`` phases that share in linearly from the regime's start.
    allocation : {"pro_rata", "domestic_first"}
        How a node's stock is shared between its final demand and export claims.
    record : tuple of str
        Variables to keep (see ``RECORDABLE``).
    progress : callable, optional
        Called with the number of days done after each day.
    check : bool
        Verify mass balance and non-negativity every step (raises InvariantError).
    metrics_threshold : float, optional
        Also accumulate headline metrics during the run (no need to record daily
        end-use arrays for large ensembles): ``cumulative_shortfall``,
        ``cumulative_lost_output``, ``peak_shortfall_ratio``, ``first_shortfall_day``
        (-1: never) on (member, country, sector), ``short_count`` on (time, country,
        sector) (members short on or before the day; a day is short when shortfall
        exceeds this share of demand) and ``china_magnet_exports`` on (member, time).

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
    p = {
        k: _member_param(params, k, net.params.get(k, d), M)
        for k, d in [
            ("inventory_adjustment_days", 30.0),
            ("production_adjustment_days", 30.0),
            ("switching_lag_days", 60.0),
            ("price_flexibility", 0.35),
            ("price_adjustment_days", 20.0),
            ("substitution_rate_per_year", 0.1),
            ("substitution_price_threshold", 1.5),
            ("substitution_max", 0.3),
            ("trade_elasticity", 2.0),
            ("tariff_demand_elasticity", 1.0),
            ("expectation_days", 7.0),
            ("price_index_max", 30.0),
            ("utilisation", net.params.get("utilisation", 0.85)),
            ("cover_scale", 1.0),
            ("approval_scale", 1.0),
            ("delay_scale", 1.0),
            ("licence_coverage_scale", 1.0),
            ("licence_phase_in_days", 0.0),
        ]
    }
    unknown = set(params) - set(BEHAVIOUR_PARAMETERS)
    if unknown:
        raise ValueError(f"unknown engine parameter(s): {', '.join(sorted(unknown))}")
    for k in (
        "inventory_adjustment_days",
        "production_adjustment_days",
        "switching_lag_days",
        "price_flexibility",
        "price_adjustment_days",
        "expectation_days",
        "utilisation",
        "price_index_max",
    ):
        if (p[k] <= 0).any():
            raise ValueError(f"parameter {k!r} must be > 0")
    for k, lo in MINIMUM.items():
        if (p[k] < lo).any():
            raise ValueError(f"parameter {k!r} must be >= {lo}: faster adjustment than the daily step is unstable")

    # ------------------------------------------------------------------ static arrays
    # The state lives on *active* elements only: nodes (country, product) that produce,
    # use, trade or stock something; facilities (country, process) with capacity now or
    # later; (country, sector) pairs with demand. Results are expanded to full grids at
    # the end.
    rin, rout = net.recipe_in, net.recipe_out  # (C, J, P)
    util0 = net.params.get("utilisation", 0.85)
    fac_mask = (net.capacity > 0) | (np.abs(policy.capacity_add).max(axis=0) > 0)  # (C, J)
    fac_c, fac_j = np.nonzero(fac_mask)
    F = fac_c.size
    node_mask = np.zeros((C, P), bool)
    node_mask[links.importer, links.product] = True
    node_mask[links.exporter, links.product] = True
    node_mask |= net.demand0 @ np.eye(P)[net.sector_product] > 0 if S else False
    node_mask |= net.strategic_days > 0
    node_mask |= policy.release.max(axis=0) > 0
    for f in range(F):
        node_mask[fac_c[f]] |= (rin[fac_c[f], fac_j[f]] > 0) | (rout[fac_c[f], fac_j[f]] > 0)
    node_c, node_p = np.nonzero(node_mask)
    N = node_c.size
    node_id = -np.ones((C, P), dtype=np.int64)
    node_id[node_c, node_p] = np.arange(N)
    # facility recipes as (F, N) matrices
    rin_f = np.zeros((F, N))
    rout_f = np.zeros((F, N))
    for f in range(F):
        c, j = fac_c[f], fac_j[f]
        for pp in range(P):
            if rin[c, j, pp] > 0:
                rin_f[f, node_id[c, pp]] = rin[c, j, pp]
            if rout[c, j, pp] > 0:
                rout_f[f, node_id[c, pp]] = rout[c, j, pp]
    k_in = max(1, int((rin_f > 0).sum(axis=1).max()) if F else 1)
    fac_inputs = np.zeros((F, k_in), dtype=np.int64)
    fac_inmask = np.zeros((F, k_in), bool)
    for f in range(F):
        idx = np.flatnonzero(rin_f[f] > 0)
        fac_inputs[f, : idx.size] = idx
        fac_inmask[f, : idx.size] = True
    act0 = net.activity0[fac_c, fac_j] / DAYS_PER_YEAR  # (F,)
    cap_base = net.capacity[fac_c, fac_j] / DAYS_PER_YEAR
    derived_cap = np.isclose(net.capacity[fac_c, fac_j] * util0, net.activity0[fac_c, fac_j]) & (act0 > 0)
    cap_scale = util0 / p["utilisation"][:, None]  # (M, 1)
    cap_add = policy.capacity_add[:, fac_c, fac_j] / DAYS_PER_YEAR  # (T, F)
    prod0 = act0 @ rout_f  # (N,)
    cons0 = act0 @ rin_f
    main_out = np.argmax(rout_f, axis=1) if F else np.zeros(0, dtype=np.int64)  # (F,) node of the main output
    rout_main = rout_f[np.arange(F), main_out]
    prod0_main = prod0[main_out]
    n_same = np.array([np.sum((main_out == main_out[f]) & (cap_base > 0)) for f in range(F)], dtype=float)
    proc_share = np.where(prod0_main > 0, act0 * rout_main / np.where(prod0_main > 0, prod0_main, 1.0), 1.0 / np.maximum(n_same, 1.0))
    # end-use demand on active (country, sector) pairs
    q_c, q_s = np.nonzero(net.demand0 > 0)
    Q = q_c.size
    q_node = node_id[q_c, net.sector_product[q_s]]
    demand0 = net.demand0[q_c, q_s] / DAYS_PER_YEAR  # (Q,)
    value_q = net.value_per_t[q_c, q_s]
    subst_event = policy.substitution[:, q_c, q_s]  # (T, Q)
    seg_q = _Segments(q_node, N)
    fd0 = seg_q(demand0)
    flow0 = links.flow0 / DAYS_PER_YEAR  # (L,)
    node_in = node_id[links.importer, links.product]
    node_out = node_id[links.exporter, links.product]
    seg_in = _Segments(node_in, N)
    seg_out = _Segments(node_out, N)
    imp0 = seg_in(flow0)
    exp0 = seg_out(flow0)
    outflow0 = cons0 + fd0 + exp0
    target0 = net.cover_days[node_c, node_p] * outflow0  # (N,)
    # goods in transit when orders are placed (after the day's arrivals are taken out)
    pipe_target = seg_in(flow0 * (links.transit - 1))
    # baseline supplier shares within each importing node
    imp0_l = imp0[node_in]
    share0 = np.where(imp0_l > 0, flow0 / np.where(imp0_l > 0, imp0_l, 1.0), 0.0)
    base = links.baseline & (flow0 > 0)
    base_nodes = seg_in(base.astype(float))[node_in] > 0  # the link's importer has baseline suppliers
    strategic0 = net.strategic_days[node_c, node_p] * (cons0 + fd0)
    release = policy.release[:, node_c, node_p]  # (T, N)
    front = policy.front_loading[:, node_c, node_p]  # (T, N)
    china = net.countries.index("CHN") if "CHN" in net.countries else -1
    market = (node_c != china).astype(np.int64)  # 0 china, 1 outside
    users = (cons0 + fd0) > 0
    seg_mk = _Segments(np.where(users, market * P + node_p, 2 * P), 2 * P + 1)
    q_price = (q_c != china).astype(np.int64) * P + net.sector_product[q_s]  # price index column of each pair
    has_inbound = seg_in(np.ones(L)) > 0
    tariffed = np.abs(policy.tariff).max(axis=1) > 0  # (T,)
    any_licence = bool(policy.licence.max() > 0)
    any_whitelist = bool(policy.whitelist.max() > 0)
    uniform_delay = bool(np.all(p["delay_scale"] == p["delay_scale"][0]))

    # ------------------------------------------------------------------ state
    target = target0[None] * p["cover_scale"][:, None]  # (M, N)
    stock = target.copy()
    strategic = np.broadcast_to(strategic0, (M, N)).copy()
    H = int(links.transit.max()) + 1
    ring = np.zeros((H, M, L))  # time-major so a day's slot is one contiguous block
    for l_ in range(L):
        ring[: links.transit[l_], :, l_] = flow0[l_]
    in_transit = np.broadcast_to(flow0 * links.transit, (M, L)).copy()
    D = int(np.ceil(max(1, policy.delay.max(), policy.whitelist_delay.max()) * float(p["delay_scale"].max()))) + 2
    apps = np.zeros((D, M, L))  # pending applications by decision slot
    wl_apps = np.zeros((D, M, L))  # approved whitelisted claims by release slot
    pending = np.zeros((M, L))
    G = policy.quota_links.shape[0]
    quota_left = np.zeros((M, G))
    qmask = policy.quota_links.astype(float)  # (G, L)
    outflow_est = np.broadcast_to(outflow0, (M, N)).copy()
    inflow_est = np.broadcast_to(imp0, (M, N)).copy()
    prod_est = np.broadcast_to(prod0, (M, N)).copy()
    redirect = np.zeros((M, N))
    denied_est = np.zeros((M, N))
    price = np.ones((M, 2 * P))
    subst = np.zeros((M, Q))
    m_idx = np.arange(M)[:, None]
    l_range = np.arange(L)
    col = lambda name: p[name][:, None]  # noqa: E731 - (M, 1) column of a member parameter
    alpha_e = col("expectation_days") ** -1.0
    inv_adj, prod_adj = col("inventory_adjustment_days"), col("production_adjustment_days")
    appr_scale, delay_scale, cov_scale = col("approval_scale"), col("delay_scale"), col("licence_coverage_scale")
    phase_in = col("licence_phase_in_days")
    lic_start = np.where((policy.licence > 0).any(axis=0), np.argmax(policy.licence > 0, axis=0), T)  # (L,)
    phased = bool((phase_in > 0).any())
    lag, flex, beta = col("switching_lag_days"), col("price_flexibility"), col("price_adjustment_days") ** -1.0
    sub_rate, sub_thr, sub_max = col("substitution_rate_per_year") / DAYS_PER_YEAR, col("substitution_price_threshold"), col("substitution_max")
    p_max, elast, d_elast = col("price_index_max"), col("trade_elasticity"), col("tariff_demand_elasticity")
    sig_const = np.broadcast_to(np.where(base, share0, 0.0), (M, L))

    # recorded time-major (each day writes one contiguous block), transposed at the end
    rec_n = {k: np.zeros((T, M, N)) for k in NODE_VARS if k in record}
    rec_q = {k: np.zeros((T, M, Q)) for k in SECTOR_VARS if k in record}
    rec_trade = np.zeros((T, M, L)) if "trade" in record else None
    rec_price = np.zeros((T, M, 2 * P)) if "price_index" in record else None

    acc = metrics_threshold is not None
    if acc:
        cum_short = np.zeros((M, Q))
        cum_lost = np.zeros((M, Q))
        peak = np.zeros((M, Q))
        first_day = np.full((M, Q), -1, dtype=np.int64)
        ever = np.zeros((M, Q), bool)
        short_count = np.zeros((T, Q), dtype=np.int64)
        china_mag = np.zeros((M, T))
        mag = net.products.index("ndfeb_magnet") if "ndfeb_magnet" in net.products else -1
        sel_mag = np.flatnonzero((links.exporter == china) & (links.product == mag))

    for t in range(T):
        opening = stock.copy() if check else None
        gap = target + front[t] * outflow0 - stock  # on the opening stock
        # 1. arrivals
        slot = t % H
        arrivals_l = ring[slot].copy()
        ring[slot] = 0.0
        in_transit -= arrivals_l
        imports = seg_in(arrivals_l)
        stock += imports
        # 2. strategic releases
        rel = np.minimum(strategic0 * release[t], strategic)
        strategic -= rel
        stock += rel
        # 3. production
        cap = np.maximum(cap_base * np.where(derived_cap, cap_scale, 1.0) + cap_add[t], 0.0)  # (M, F)
        plan_out = np.maximum(0.0, outflow_est - inflow_est + gap / prod_adj)  # (M, N)
        a_plan = np.minimum(plan_out[:, main_out] * (proc_share / np.where(rout_main > 0, rout_main, 1.0)), cap)
        need = a_plan @ rin_f  # (M, N)
        ratio = np.minimum(1.0, stock / np.where(need > 0, need, np.inf))
        ratio = np.where(need > 0, ratio, 1.0)
        limit = np.where(fac_inmask, ratio[:, fac_inputs], 1.0).min(axis=2)  # (M, F)
        act = a_plan * limit
        consumed = act @ rin_f
        produced = act @ rout_f
        stock = np.maximum(stock - consumed, 0.0) + produced
        # 4. orders
        demand = demand0 * ((1.0 - subst) * (1.0 - subst_event[t]))  # (M, Q)
        fd_claim = seg_q(demand)  # (M, N)
        pipe = seg_in(in_transit + pending)
        need_imp = np.maximum(0.0, outflow_est - prod_est + (gap + pipe_target - pipe) / inv_adj) * has_inbound
        if tariffed[t]:
            tcols = np.flatnonzero(policy.tariff[t] > 0)
            w_base = sig_const.copy()  # (M, L): baseline shares, tariffed links scaled down
            w_base[:, tcols] *= (1.0 + policy.tariff[t, tcols]) ** (-elast)
            w_norm = seg_in(w_base)[:, node_in]
            sig_base = np.where(w_norm > 0, w_base / np.where(w_norm > 0, w_norm, 1.0), 0.0)
        else:
            sig_base = sig_const
        # free supply of each exporter node, offered to importers whose links are not controlled
        cap_out = cap @ rout_f
        free = np.maximum(0.0, cap_out - produced) + np.maximum(0.0, stock - target) / inv_adj  # (M, N)
        offer = free[:, node_out] * ~policy.controlled[t]  # (M, L)
        offer_node = seg_in(offer)
        alt_total = np.minimum(need_imp, redirect * offer_node)
        offer_l = offer_node[:, node_in]
        alt_share = np.where(offer_l > 0, offer / np.where(offer_l > 0, offer_l, 1.0), 0.0)
        rest = (need_imp - alt_total)[:, node_in]
        request = alt_total[:, node_in] * alt_share + np.where(base_nodes, rest * sig_base, rest * alt_share)
        if tariffed[t]:
            # buyers defer purchases on tariffed links (not a denial: no rerouting is triggered)
            request[:, tcols] *= (1.0 + policy.tariff[t, tcols]) ** (-d_elast)
        # 5. policy
        ban_t = policy.ban[t]
        lic_t = np.minimum(policy.licence[t] * cov_scale, 1.0 - ban_t) if any_licence else policy.licence[t]
        if any_licence and phased:
            # controls bite gradually: shipments already contracted leave during the first days
            lic_t = lic_t * np.clip((t - lic_start + 1) / np.maximum(phase_in, 1e-9), 0.0, 1.0)
        now = request * (1.0 - ban_t - lic_t)
        denied = request * ban_t
        claims = now
        if any_licence:
            applied = request * lic_t
            normal = applied
            if any_whitelist:
                wl_part = applied * policy.whitelist[t]
                normal = applied - wl_part
                wl_ok = wl_part * policy.whitelist_approval[t]
                denied += wl_part - wl_ok
                if uniform_delay:
                    wl_slot_l = (t + np.rint(policy.whitelist_delay[t] * delay_scale[0, 0]).astype(np.int64)) % D
                    wl_apps[wl_slot_l, :, l_range] += wl_ok.T
                else:
                    wc = np.flatnonzero(policy.whitelist[t] > 0)
                    wl_slot = (t + np.rint(policy.whitelist_delay[t, wc][None] * delay_scale).astype(np.int64)) % D
                    wl_apps[wl_slot, np.broadcast_to(m_idx, (M, wc.size)), np.broadcast_to(wc[None], (M, wc.size))] += wl_ok[:, wc]
                pending += wl_ok
            if uniform_delay:
                d_l = np.maximum(1, np.rint(policy.delay[t] * delay_scale[0, 0]).astype(np.int64))
                dec_slot_l = np.where(policy.delay[t] > 0, (t + d_l) % D, t % D)
                apps[dec_slot_l, :, l_range] += normal.T
            else:
                lc = np.flatnonzero(lic_t.max(axis=0) > 0)  # only links under licence today receive applications
                d_lc = policy.delay[t, lc]
                dec_slot = (t + np.maximum(1, np.rint(d_lc[None] * delay_scale).astype(np.int64))) % D
                dec_slot = np.where(d_lc[None] > 0, dec_slot, t % D)
                apps[dec_slot, np.broadcast_to(m_idx, (M, lc.size)), np.broadcast_to(lc[None], (M, lc.size))] += normal[:, lc]
            pending += normal
            decided = apps[t % D].copy()
            apps[t % D] = 0.0
            released_wl = wl_apps[t % D].copy()
            wl_apps[t % D] = 0.0
            pending = np.maximum(pending - decided - released_wl, 0.0)
            approved = decided * np.clip(policy.approval[t] * appr_scale, 0.0, 1.0)
            denied += decided - approved
            claims = now + approved + released_wl
        if G:
            quota_left += policy.quota_daily[t]
            q_claims = claims @ qmask.T  # (M, G)
            q_scale = np.where(q_claims > quota_left, quota_left / np.where(q_claims > 0, q_claims, 1.0), 1.0)
            q_scale = np.where(policy.quota_active[t], q_scale, 1.0)
            # a link in several quotas takes the tightest
            link_scale = np.where(qmask[None] > 0, q_scale[:, :, None], 1.0).min(axis=1)
            cut = claims * (1.0 - link_scale)
            denied += cut
            claims = claims - cut
        # 6. allocation
        x_claim = seg_out(claims)
        if allocation == "domestic_first":
            fd_fill = np.minimum(1.0, np.where(fd_claim > 0, stock / np.where(fd_claim > 0, fd_claim, 1.0), 1.0))
            left = np.maximum(0.0, stock - fd_claim * fd_fill)
            x_fill = np.minimum(1.0, np.where(x_claim > 0, left / np.where(x_claim > 0, x_claim, 1.0), 1.0))
        else:
            tot = fd_claim + x_claim
            fd_fill = np.minimum(1.0, np.where(tot > 0, stock / np.where(tot > 0, tot, 1.0), 1.0))
            x_fill = fd_fill
        delivered_fd = fd_claim * fd_fill
        ship = claims * x_fill[:, node_out]
        denied += claims - ship
        exports = seg_out(ship)
        stock = np.maximum(stock - delivered_fd - exports, 0.0)
        if G:
            quota_left = np.where(policy.quota_active[t], np.maximum(0.0, quota_left - ship @ qmask.T), 0.0)
        # 7. transit
        ring[(t + links.transit) % H, :, l_range] += ship.T
        in_transit += ship
        # 8. use by sector (pro rata within the node)
        delivered = demand * fd_fill[:, q_node]
        shortfall = demand - delivered
        # 9. expectations, redirect, prices, substitution
        outflow_est += alpha_e * (need + fd_claim + x_claim - outflow_est)
        inflow_est += alpha_e * (imports - inflow_est)
        prod_est += alpha_e * (produced - prod_est)
        req_node = seg_in(request)
        frac_denied = np.where(req_node > 0, seg_in(denied) / np.where(req_node > 0, req_node, 1.0), 0.0)
        denied_est += alpha_e * (frac_denied - denied_est)
        redirect = np.clip(redirect + np.where(denied_est > 0.01, 1.0, -1.0) / lag, 0.0, 1.0)
        tgt_mk = seg_mk(target)[:, : 2 * P]
        stk_mk = seg_mk(stock)[:, : 2 * P]
        cover_ratio = np.where(tgt_mk > 0, stk_mk / np.where(tgt_mk > 0, tgt_mk, 1.0), 1.0)
        p_target = np.minimum(np.maximum(cover_ratio, 1e-6) ** (-1.0 / flex), p_max)
        price = np.exp(np.log(price) + beta * (np.log(p_target) - np.log(price)))
        subst = np.clip(subst + np.where(price[:, q_price] > sub_thr + 1e-9, sub_rate, 0.0), 0.0, sub_max)
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
        for k, v in (
            ("inventory", stock),
            ("production", produced),
            ("process_use", consumed),
            ("imports", imports),
            ("exports", exports),
            ("final_use", delivered_fd),
            ("release", rel),
        ):
            if k in rec_n:
                rec_n[k][t] = v
        for k, v in (("demand", demand), ("delivered", delivered), ("shortfall", shortfall)):
            if k in rec_q:
                rec_q[k][t] = v
        if "lost_output" in rec_q:
            rec_q["lost_output"][t] = shortfall * value_q
        if rec_trade is not None:
            rec_trade[t] = ship
        if rec_price is not None:
            rec_price[t] = price
        if acc:
            ratio_q = np.divide(shortfall, demand, out=np.zeros_like(shortfall), where=demand > 0)
            cum_short += shortfall
            cum_lost += shortfall * value_q
            np.maximum(peak, ratio_q, out=peak)
            is_short = ratio_q > metrics_threshold
            first_day = np.where((first_day < 0) & is_short, t, first_day)
            ever |= is_short
            short_count[t] = ever.sum(axis=0)
            china_mag[:, t] = ship[:, sel_mag].sum(axis=1)
        if progress is not None:
            progress(t + 1)

    # expand to full (country, product) and (country, sector) grids
    rec: dict[str, np.ndarray] = {}
    gather_n = np.full(C * P, N)
    gather_n[node_c * P + node_p] = np.arange(N)
    gather_q = np.full(C * S, Q)
    gather_q[q_c * S + q_s] = np.arange(Q)
    for k, arr in rec_n.items():
        ext = np.concatenate([arr, np.zeros((T, M, 1))], axis=2)
        rec[k] = np.take(ext, gather_n, axis=2).reshape(T, M, C, P).transpose(1, 0, 2, 3)
    for k, arr in rec_q.items():
        ext = np.concatenate([arr, np.zeros((T, M, 1))], axis=2)
        rec[k] = np.take(ext, gather_q, axis=2).reshape(T, M, C, S).transpose(1, 0, 2, 3)
    if rec_trade is not None:
        rec["trade"] = rec_trade.transpose(1, 0, 2)
    if rec_price is not None:
        rec["price_index"] = rec_price.reshape(T, M, 2, P).transpose(1, 0, 2, 3)
    if acc:
        for k, arr in (
            ("cumulative_shortfall", cum_short),
            ("cumulative_lost_output", cum_lost),
            ("peak_shortfall_ratio", peak),
            ("first_shortfall_day", first_day),
        ):
            full = np.full((M, C, S), -1 if k == "first_shortfall_day" else 0, dtype=arr.dtype)
            full[:, q_c, q_s] = arr
            rec[k] = full
        counts = np.zeros((T, C, S), dtype=np.int64)
        counts[:, q_c, q_s] = short_count
        rec["short_count"] = counts
        rec["china_magnet_exports"] = china_mag
    return Trajectories(arrays=rec, links=links, members=M, days=T)
