"""One day of the material model, for every ensemble member at once.

:func:`step` takes the fixed arrays of the run (:class:`~supplyshock.engine.setup.Setup`)
and the state of the morning (:class:`~supplyshock.engine.state.State`) and returns the
state of the evening and the day's flows (:class:`DayFlows`). It is pure by default (the
given state is left untouched); the time loop passes ``inplace=True`` to avoid copying.

The phases, in order (DESIGN.md, "The material model"):

1. **Arrivals**: shipments whose transit ends today enter the importer's stock.
2. **Stockpile releases** move strategic stock into the commercial stock.
3. **Production**: each process plans output to meet expected outflow and close the gap
   to target stock, capped by capacity; it is then limited by the inputs in stock
   (recipe, Leontief over inputs); inputs shared by several processes are rationed
   proportionally.
4. **Orders**: each node orders imports to cover expected use and exports not met by
   its own production, plus ``gap / inventory_adjustment_days`` where the gap is the
   target stock (raised before an announced control) plus the target pipeline minus
   stock, goods in transit and pending licence applications. Orders go to baseline
   suppliers by baseline shares, shifted by tariffs (shares proportional to
   ``share0 * (1 + tariff) ** -trade_elasticity``) and cut on the tariffed link by
   ``(1 + tariff) ** -tariff_demand_elasticity`` (purchases deferred). Where the node's
   orders are being denied, a *redirect* share ramps up over the switching lag and that
   share of the alternative suppliers' free supply (spare capacity plus stock above
   target) is ordered from them first.
5. **Policy**: on each link the banned share is denied; the licensed share becomes
   applications decided after the review delay, when the day's approval share is
   approved; whitelisted buyers' applications have their own approval and delay.
   Export quotas cap the approved claims on their links (allowance accrues daily;
   unused allowance carries over).
6. **Allocation**: each node's stock is allocated over its end-use demand and the
   approved export claims, pro rata (default) or domestic first.
7. **Transit**: shipments leave today and arrive after the link's transit time.
8. **Use**: end-use sectors receive their share; the rest is shortfall.
9. **Prices and responses**: a price index per product and market is
   ``cover_ratio ** (-1 / price_flexibility)`` smoothed over ``price_adjustment_days``;
   price-driven substitution cuts demand in each market at up to
   ``substitution_rate_per_year`` while that market's index is above the threshold.

References
----------
Hallegatte, S. (2008). An adaptive regional input-output model and its application to
the assessment of the economic cost of Katrina. Risk Analysis 28(3), 779-799.
doi:10.1111/j.1539-6924.2008.01046.x (orders with inventory restoration, rationing).
Sprecher, B. et al. (2017). Material supply chain resilience: the 2010 rare earth
crisis. Environmental Science & Technology 51(7), 3860-3870 (substitution rates).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from supplyshock.engine.setup import DAYS_PER_YEAR, Setup
from supplyshock.engine.state import State

__all__ = ["DayFlows", "step"]


@dataclass
class DayFlows:
    """What happened on one day (arrays on active elements; t or t/day).

    Node arrays are (M, N), link arrays (M, L), (country, sector) arrays (M, Q), facility
    arrays (M, F), prices (M, K).
    """

    day: int
    opening: np.ndarray
    imports: np.ndarray
    release: np.ndarray
    produced: np.ndarray
    consumed: np.ndarray
    activity: np.ndarray
    capacity: np.ndarray
    request: np.ndarray
    claims: np.ndarray
    ship: np.ndarray
    exports: np.ndarray
    delivered_fd: np.ndarray
    demand: np.ndarray
    delivered: np.ndarray
    shortfall: np.ndarray
    price: np.ndarray
    stock: np.ndarray


@dataclass
class _Orders:
    demand: np.ndarray
    fd_claim: np.ndarray
    need_imp: np.ndarray
    request: np.ndarray
    tcols: np.ndarray | None


def _supply(s: Setup, st: State, t: int) -> tuple[np.ndarray, ...]:
    """Arrivals, releases and production; returns (gap, imports, rel, cap, act, need, consumed, produced)."""
    gap = st.target + s.front[t] * s.outflow0 - st.stock  # on the opening stock
    H = st.ring.shape[0]
    slot = t % H
    arrivals_l = st.ring[slot].copy()
    st.ring[slot] = 0.0
    st.in_transit -= arrivals_l
    imports = s.seg_in(arrivals_l)
    st.stock += imports
    rel = np.minimum(s.strategic0 * s.release[t], st.strategic)
    st.strategic -= rel
    st.stock += rel
    cap = np.maximum(s.cap_base * np.where(s.derived_cap, s.cap_scale, 1.0) + s.cap_add[t], 0.0)  # (M, F)
    plan_out = np.maximum(0.0, st.outflow_est - st.inflow_est + gap / s.col("production_adjustment_days"))
    a_plan = np.minimum(plan_out[:, s.main_out] * (s.proc_share / np.where(s.rout_main > 0, s.rout_main, 1.0)), cap)
    need = a_plan @ s.rin_f  # (M, N)
    ratio = np.minimum(1.0, st.stock / np.where(need > 0, need, np.inf))
    ratio = np.where(need > 0, ratio, 1.0)
    limit = np.where(s.fac_inmask, ratio[:, s.fac_inputs], 1.0).min(axis=2)  # (M, F)
    act = a_plan * limit
    consumed = act @ s.rin_f
    produced = act @ s.rout_f
    st.stock = np.maximum(st.stock - consumed, 0.0) + produced
    return gap, imports, rel, cap, act, need, consumed, produced


def _orders(s: Setup, st: State, t: int, gap: np.ndarray, cap: np.ndarray, produced: np.ndarray) -> _Orders:
    """End-use demand and import requests per link (baseline suppliers, tariffs, rerouting)."""
    pol = s.policy
    inv_adj = s.col("inventory_adjustment_days")
    demand = s.demand0 * ((1.0 - st.subst) * (1.0 - s.subst_event[t]))  # (M, Q)
    fd_claim = s.seg_q(demand)  # (M, N)
    pipe = s.seg_in(st.in_transit + st.pending)
    need_imp = np.maximum(0.0, st.outflow_est - st.prod_est + (gap + s.pipe_target - pipe) / inv_adj) * s.has_inbound
    tcols = None
    if s.tariffed[t]:
        tcols = np.flatnonzero(pol.tariff[t] > 0)
        w_base = s.sig_const.copy()  # (M, L): baseline shares, tariffed links scaled down
        w_base[:, tcols] *= (1.0 + pol.tariff[t, tcols]) ** (-s.col("trade_elasticity"))
        w_norm = s.seg_in(w_base)[:, s.node_in]
        sig_base = np.where(w_norm > 0, w_base / np.where(w_norm > 0, w_norm, 1.0), 0.0)
    else:
        sig_base = s.sig_const
    # free supply of each exporter node, offered to importers whose links are not controlled
    cap_out = cap @ s.rout_f
    free = np.maximum(0.0, cap_out - produced) + np.maximum(0.0, st.stock - st.target) / inv_adj  # (M, N)
    offer = free[:, s.node_out] * ~pol.controlled[t]  # (M, L)
    offer_node = s.seg_in(offer)
    alt_total = np.minimum(need_imp, st.redirect * offer_node)
    offer_l = offer_node[:, s.node_in]
    alt_share = np.where(offer_l > 0, offer / np.where(offer_l > 0, offer_l, 1.0), 0.0)
    rest = (need_imp - alt_total)[:, s.node_in]
    request = alt_total[:, s.node_in] * alt_share + np.where(s.base_nodes, rest * sig_base, rest * alt_share)
    if tcols is not None:
        # buyers defer purchases on tariffed links (not a denial: no rerouting is triggered)
        request[:, tcols] *= (1.0 + pol.tariff[t, tcols]) ** (-s.col("tariff_demand_elasticity"))
    return _Orders(demand, fd_claim, need_imp, request, tcols)


def _licences(s: Setup, st: State, t: int, request: np.ndarray, lic_t: np.ndarray, denied: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """File today's licence applications and take today's decisions; returns (approved, released whitelisted, denied)."""
    pol = s.policy
    M, L = request.shape
    D = st.apps.shape[0]
    m_idx = np.arange(M)[:, None]
    l_range = np.arange(L)
    delay_scale = s.col("delay_scale")
    applied = request * lic_t
    normal = applied
    if s.any_whitelist:
        wl_part = applied * pol.whitelist[t]
        normal = applied - wl_part
        wl_ok = wl_part * pol.whitelist_approval[t]
        denied = denied + (wl_part - wl_ok)
        if s.uniform_delay:
            wl_slot_l = (t + np.rint(pol.whitelist_delay[t] * delay_scale[0, 0]).astype(np.int64)) % D
            st.wl_apps[wl_slot_l, :, l_range] += wl_ok.T
        else:
            wc = np.flatnonzero(pol.whitelist[t] > 0)
            wl_slot = (t + np.rint(pol.whitelist_delay[t, wc][None] * delay_scale).astype(np.int64)) % D
            st.wl_apps[wl_slot, np.broadcast_to(m_idx, (M, wc.size)), np.broadcast_to(wc[None], (M, wc.size))] += wl_ok[:, wc]
        st.pending += wl_ok
    if s.uniform_delay:
        d_l = np.maximum(1, np.rint(pol.delay[t] * delay_scale[0, 0]).astype(np.int64))
        dec_slot_l = np.where(pol.delay[t] > 0, (t + d_l) % D, t % D)
        st.apps[dec_slot_l, :, l_range] += normal.T
    else:
        lc = np.flatnonzero(lic_t.max(axis=0) > 0)  # only links under licence today receive applications
        d_lc = pol.delay[t, lc]
        dec_slot = (t + np.maximum(1, np.rint(d_lc[None] * delay_scale).astype(np.int64))) % D
        dec_slot = np.where(d_lc[None] > 0, dec_slot, t % D)
        st.apps[dec_slot, np.broadcast_to(m_idx, (M, lc.size)), np.broadcast_to(lc[None], (M, lc.size))] += normal[:, lc]
    st.pending += normal
    decided = st.apps[t % D].copy()
    st.apps[t % D] = 0.0
    released_wl = st.wl_apps[t % D].copy()
    st.wl_apps[t % D] = 0.0
    st.pending = np.maximum(st.pending - decided - released_wl, 0.0)
    approved = decided * np.clip(pol.approval[t] * s.col("approval_scale"), 0.0, 1.0)
    denied = denied + (decided - approved)
    return approved, released_wl, denied


def _policy(s: Setup, st: State, t: int, request: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bans, licences and quotas on today's requests; returns (claims to ship, denied)."""
    pol = s.policy
    ban_t = pol.ban[t]
    lic_t = pol.licence[t]
    if s.any_licence:
        lic_t = np.minimum(pol.licence[t] * s.col("licence_coverage_scale"), 1.0 - ban_t)
        if s.phased:
            # controls bite gradually: shipments already contracted leave during the first days
            lic_t = lic_t * np.clip((t - s.lic_start + 1) / np.maximum(s.col("licence_phase_in_days"), 1e-9), 0.0, 1.0)
    now = request * (1.0 - ban_t - lic_t)
    denied = request * ban_t
    claims = now
    if s.any_licence:
        approved, released_wl, denied = _licences(s, st, t, request, lic_t, denied)
        claims = now + approved + released_wl
    if pol.quota_links.shape[0]:
        qmask = pol.quota_links.astype(float)  # (G, L)
        st.quota_left += pol.quota_daily[t]
        q_claims = claims @ qmask.T  # (M, G)
        q_scale = np.where(q_claims > st.quota_left, st.quota_left / np.where(q_claims > 0, q_claims, 1.0), 1.0)
        q_scale = np.where(pol.quota_active[t], q_scale, 1.0)
        # a link in several quotas takes the tightest
        link_scale = np.where(qmask[None] > 0, q_scale[:, :, None], 1.0).min(axis=1)
        cut = claims * (1.0 - link_scale)
        denied = denied + cut
        claims = claims - cut
    return claims, denied


def _allocate(s: Setup, st: State, fd_claim: np.ndarray, claims: np.ndarray) -> tuple[np.ndarray, ...]:
    """Share each node's stock between its end use and export claims; returns (fd_fill, x_claim, ship, exports, delivered_fd)."""
    x_claim = s.seg_out(claims)
    if s.allocation == "domestic_first":
        fd_fill = np.minimum(1.0, np.where(fd_claim > 0, st.stock / np.where(fd_claim > 0, fd_claim, 1.0), 1.0))
        left = np.maximum(0.0, st.stock - fd_claim * fd_fill)
        x_fill = np.minimum(1.0, np.where(x_claim > 0, left / np.where(x_claim > 0, x_claim, 1.0), 1.0))
    else:
        tot = fd_claim + x_claim
        fd_fill = np.minimum(1.0, np.where(tot > 0, st.stock / np.where(tot > 0, tot, 1.0), 1.0))
        x_fill = fd_fill
    delivered_fd = fd_claim * fd_fill
    ship = claims * x_fill[:, s.node_out]
    exports = s.seg_out(ship)
    st.stock = np.maximum(st.stock - delivered_fd - exports, 0.0)
    return fd_fill, x_claim, ship, exports, delivered_fd


def _respond(
    s: Setup, st: State, o: _Orders, need: np.ndarray, x_claim: np.ndarray, imports: np.ndarray, produced: np.ndarray, denied: np.ndarray
) -> None:
    """Expectations, the redirect share, prices and price-driven substitution."""
    alpha_e = s.col("expectation_days") ** -1.0
    st.outflow_est += alpha_e * (need + o.fd_claim + x_claim - st.outflow_est)
    st.inflow_est += alpha_e * (imports - st.inflow_est)
    st.prod_est += alpha_e * (produced - st.prod_est)
    req_node = s.seg_in(o.request)
    frac_denied = np.where(req_node > 0, s.seg_in(denied) / np.where(req_node > 0, req_node, 1.0), 0.0)
    st.denied_est += alpha_e * (frac_denied - st.denied_est)
    st.redirect = np.clip(st.redirect + np.where(st.denied_est > 0.01, 1.0, -1.0) / s.col("switching_lag_days"), 0.0, 1.0)
    K = s.n_markets * s.P
    tgt_mk = s.seg_mk(st.target)[:, :K]
    stk_mk = s.seg_mk(st.stock)[:, :K]
    with np.errstate(over="ignore"):  # a near-zero target: the ratio is clipped below
        cover_ratio = np.where(tgt_mk > 0, stk_mk / np.where(tgt_mk > 0, tgt_mk, 1.0), 1.0)
    # cover ratios are bounded (a near-zero target would make the ratio overflow)
    p_target = np.minimum(np.clip(cover_ratio, 1e-6, 1e6) ** (-1.0 / s.col("price_flexibility")), s.col("price_index_max"))
    beta = s.col("price_adjustment_days") ** -1.0
    st.price = np.exp(np.log(st.price) + beta * (np.log(p_target) - np.log(st.price)))
    sub_rate = s.col("substitution_rate_per_year") / DAYS_PER_YEAR
    above = st.price[:, s.q_price] > s.col("substitution_price_threshold") + 1e-9
    st.subst = np.clip(st.subst + np.where(above, sub_rate, 0.0), 0.0, s.col("substitution_max"))


def step(setup: Setup, state: State, *, inplace: bool = False) -> tuple[State, DayFlows]:
    """Simulate one day.

    Parameters
    ----------
    setup : Setup
        The run's fixed arrays.
    state : State
        The state of the morning (``state.day`` is the day simulated).
    inplace : bool
        Update ``state`` itself (the time loop) instead of a copy (pure, the default).

    Returns
    -------
    (State, DayFlows)
        The state of the evening (``day`` advanced by one) and the day's flows.
    """
    s = setup
    st = state if inplace else state.copy()
    t = st.day
    opening = st.stock.copy()
    gap, imports, rel, cap, act, need, consumed, produced = _supply(s, st, t)
    o = _orders(s, st, t, gap, cap, produced)
    claims, denied = _policy(s, st, t, o.request)
    fd_fill, x_claim, ship, exports, delivered_fd = _allocate(s, st, o.fd_claim, claims)
    denied = denied + (claims - ship)
    if s.policy.quota_links.shape[0]:
        qmask = s.policy.quota_links.astype(float)
        st.quota_left = np.where(s.policy.quota_active[t], np.maximum(0.0, st.quota_left - ship @ qmask.T), 0.0)
    H = st.ring.shape[0]
    st.ring[(t + s.links.transit) % H, :, np.arange(s.links.n)] += ship.T
    st.in_transit += ship
    delivered = o.demand * fd_fill[:, s.q_node]
    shortfall = o.demand - delivered
    _respond(s, st, o, need, x_claim, imports, produced, denied)
    st.day = t + 1
    flows = DayFlows(
        day=t,
        opening=opening,
        imports=imports,
        release=rel,
        produced=produced,
        consumed=consumed,
        activity=act,
        capacity=cap,
        request=o.request,
        claims=claims,
        ship=ship,
        exports=exports,
        delivered_fd=delivered_fd,
        demand=o.demand,
        delivered=delivered,
        shortfall=shortfall,
        price=st.price,
        stock=st.stock,
    )
    return st, flows
