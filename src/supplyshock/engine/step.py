"""One day of the material model, for every ensemble member at once.

:func:`step` takes the fixed arrays of the run (:class:`~supplyshock.engine.setup.Setup`)
and the state of the morning (:class:`~supplyshock.engine.state.State`) and returns the
state of the evening and the day's flows (:class:`DayFlows`). It is pure by default (the
given state is left untouched); the time loop passes ``inplace=True`` to avoid copying.

The phases, in order (DESIGN.md, "The material model"):

1. **Arrivals**: shipments whose transit ends today enter the importer's stock.
2. **Stockpile releases** move strategic stock into the commercial stock.
3. **Production**: each process plans output to meet expected outflow not covered by
   expected imports (what arrives while the node's supply is disturbed: orders being
   refused, licence applications pending or a tariff on an inbound link; otherwise its usual
   import share of outflow, or for a node without baseline suppliers what arrives) and close
   the gap to target stock, capped by
   capacity; it is then limited by the inputs in stock
   (recipe, Leontief over inputs); inputs shared by several processes are rationed
   proportionally. A process with several outputs (a separation plant yielding NdPr, Dy,
   Tb, Y, ... from one feed) plans on its main output, the largest by mass; the others are
   co-products that follow it, so a glut of one element idles the supply of the others
   (the rare-earth balance problem, Binnemans et al. 2013).
4. **Orders**: each node orders imports to cover expected use and exports not met by
   its own production for use (output beyond the plan for use rebuilds the node's stock and
   is not counted twice: the stock gap is in the order already), plus
   ``gap / inventory_adjustment_days`` where the gap is the target stock (raised before an
   announced control) plus the target pipeline minus stock, goods in transit and pending
   licence applications. Orders go to baseline
   suppliers by baseline shares, shifted by tariffs (shares proportional to
   ``share0 * (1 + tariff) ** -trade_elasticity``) and cut on the tariffed link by
   ``(1 + tariff) ** -tariff_demand_elasticity`` (purchases deferred). These are
   *contracted* orders. Where the node's orders are being denied, a *redirect* share
   ramps up over the switching lag; the buyer keeps its contracts (and keeps applying for
   licences) and orders *spot*, up to that share of the alternative suppliers' spare supply
   and in proportion to it, the part of its need it expects to be denied (on each link the
   baseline share times the smoothed share denied there). Spare supply is what they can make from
   inputs above their own targets plus stock above target, never what their own users
   and contracts need, and never material of a controlled origin they may not re-export.
   A contract covers the link's baseline volume plus ``contract_flexibility``; orders beyond
   it are spot claims on the same supplier's spare supply. A supplier's spare supply is
   shared among the buyers who claim it (never promised twice): its regular customers'
   extra orders and buyers without baseline suppliers (who buy spot as a matter of course)
   first, then buyers who came to it by rerouting. A node that is itself rerouting its
   orders of a product, or of an input it makes the product from, or is waiting on licence
   applications for them, offers none of that product to buyers who come by rerouting.
   End users hold their own stocks in cohorts (groups of plants with their days of cover);
   each cohort orders its use plus the gap to its target.
5. **Policy**: on each link the banned share is denied; the licensed share becomes
   applications decided after the review delay, when the day's approval share is
   approved; whitelisted buyers' applications have their own approval and delay.
   Applications still pending when a link's licence regime ends lapse (the buyer orders
   again what it needs, as on any free link). Export quotas cap the approved claims on
   their links (allowance accrues daily; unused allowance carries over).
6. **Allocation**: each node's stock goes first to priority users (e.g. defence), then
   to its other users and contracted exports (pro rata, or users first with
   ``allocation: domestic_first``), and only then to spot claims.
7. **Transit**: shipments leave today and arrive after the link's transit time.
8. **Use**: each cohort uses what it holds; a cohort that runs dry stops (its shortfall);
   the share of demand at stopped plants is recorded, and a cohort short of a share r of
   its input loses r ** ``line_loss_exponent`` of its output (firms keep priority lines
   running on what arrives until whole lines stop).
9. **Prices and responses**: a price index per product and market is
   ``cover_ratio ** (-1 / price_flexibility)`` (market and user stocks against their
   targets) smoothed over ``price_adjustment_days``; demand responds to it (destruction,
   ``demand_price_elasticity``; substitution at up to ``substitution_rate_per_year`` while
   the index is above the threshold); when the price outside a market exceeds the price
   inside by a wide spread, indirect supply opens over ``indirect_supply_days``
   (trans-shipment up to ``leakage_max`` of controlled flows; finished parts with the
   material embedded up to ``embedded_supply_max`` of end-use demand).

The model is homogeneous of degree one in quantities, so demand growth
(``demand_growth_per_year``: demand, capacity and baseline trade together) is simulated in
units of the day's baseline level and recorded times that level: the baseline stays
exactly on its growth path, and absolute quantities of events (quotas, capacity added,
strategic stockpiles) are divided by the level.

References
----------
Hallegatte, S. (2008). An adaptive regional input-output model and its application to
the assessment of the economic cost of Katrina. Risk Analysis 28(3), 779-799.
doi:10.1111/j.1539-6924.2008.01046.x (orders with inventory restoration, rationing).
Binnemans, K., Jones, P. T., Van Acker, K., Blanpain, B., Mishra, B. and Apelian, D. (2013).
Rare-earth economics: the balance problem. JOM 65(7), 846-848 (co-products of one feed).
Sprecher, B. et al. (2017). Novel indicators for the quantification of resilience in
critical material supply chains, with a 2010 rare earth crisis case study. Environmental
Science & Technology 51(7), 3860-3870 (substitution rates).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from supplyshock.engine.setup import DAYS_PER_YEAR, Setup
from supplyshock.engine.state import State

#: Smoothed share of requests denied above which a buyer counts a supplier (or its whole
#: supply of a product) as failing and starts to reroute: 1%, a numerical threshold that
#: separates "some orders denied" from rounding, not a behavioural parameter.
FAILING_SHARE = 0.01

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
    spot: np.ndarray
    leaked: np.ndarray  # shipments through third countries (not the exporter's customs exports)
    exports: np.ndarray
    delivered_fd: np.ndarray
    demand: np.ndarray
    delivered: np.ndarray
    shortfall: np.ndarray
    stopped: np.ndarray
    output_loss: np.ndarray
    user_stock: np.ndarray
    price: np.ndarray
    stock: np.ndarray
    level: np.ndarray  # (M, 1) baseline level of the day: quantities above are in units of it


@dataclass
class _Orders:
    demand: np.ndarray  # (M, Q) end-use demand today
    cohort_demand: np.ndarray  # (M, Q, K)
    cohort_order: np.ndarray  # (M, Q, K)
    fd_claim: np.ndarray  # (M, N) orders of end users
    fd_priority: np.ndarray  # (M, N) of which from priority users
    need_imp: np.ndarray
    request: np.ndarray  # (M, L) contracted + spot
    spot: np.ndarray  # (M, L) spot part
    tcols: np.ndarray | None
    day: int


def _supply(s: Setup, st: State, t: int, g: np.ndarray) -> tuple[np.ndarray, ...]:
    """Arrivals, releases and production; returns (target, gap, imports, rel, cap, act, need, consumed, produced, for_use).

    ``g`` is the day's baseline level: absolute quantities (stockpiles, capacity added) are divided by it.
    """
    target = st.target
    gap = target + s.front[t] * s.outflow0 - st.stock  # on the opening stock
    H = st.ring.shape[0]
    slot = t % H
    arrivals_l = st.ring[slot].copy()
    st.ring[slot] = 0.0
    st.in_transit -= arrivals_l
    imports = s.seg_in(arrivals_l)
    st.stock += imports
    rel_abs = np.minimum(s.strategic0 * s.release[t], st.strategic)  # the stockpile is held in tonnes
    st.strategic -= rel_abs
    rel = rel_abs / g
    st.stock += rel
    cap = np.maximum(s.cap_base * np.where(s.derived_cap, s.cap_scale, 1.0) + s.cap_add[t] / g, 0.0)  # (M, F)
    # plants cover what imports will not: while the node's supply is disturbed (orders being
    # refused: the smoothed refused share above FAILING_SHARE and yesterday's too, so plants
    # go back to the usual mix the day refusals end rather than when the smoothed share has
    # decayed, about a month later, which left their output to rebuild the cover that imports
    # would have; licence applications pending; a tariff on an inbound link), what arrives;
    # otherwise its usual import share of outflow, so the sourcing mix returns to the
    # baseline's once supply is back (what arrives above that shows in the stock, and the
    # stock gap, negative, slows plants and import orders alike; planning on it instead made
    # any larger import share a resting point: after a restocking surge, the importer kept it).
    usual = s.imp_share0 * st.outflow_est
    disturbed = ((st.denied_est > FAILING_SHARE) & (st.denied_last > FAILING_SHARE)) | (s.seg_in(st.pending) > 0.0)
    if s.tariffed[t]:
        disturbed |= s.seg_in((s.policy.tariff[t] > 0).astype(float)) > 0.0
    # a node without baseline suppliers has no usual share to return to: what arrives is spot
    # it bought, and its plants plan on it (planning on its usual share, none, they ran at
    # capacity while the spot it bought in a shortage still arrived: in the April scenario the
    # US stock of yttria coatings overshot its target up to 2.1 times)
    expected_in = np.where(disturbed | ~s.has_baseline, st.inflow_est, usual)
    plan_out = np.maximum(0.0, st.outflow_est - expected_in + gap / s.col("production_adjustment_days"))
    a_plan = np.minimum(plan_out[:, s.main_out] * (s.proc_share / np.where(s.rout_main > 0, s.rout_main, 1.0)), cap)
    if s.thrifts:  # less of a scarce input per unit of output as thrifting proceeds
        rin = s.rin_f[None] * (1.0 - st.thrift[:, None, :] * s.thrift_f[None])  # (M, F, N)
        need = np.einsum("mf,mfn->mn", a_plan, rin)
    else:
        need = a_plan @ s.rin_f  # (M, N)
    ratio = np.minimum(1.0, st.stock / np.where(need > 0, need, np.inf))
    ratio = np.where(need > 0, ratio, 1.0)
    limit = np.where(s.fac_inmask, ratio[:, s.fac_inputs], 1.0).min(axis=2)  # (M, F)
    act = a_plan * limit
    consumed = np.einsum("mf,mfn->mn", act, rin) if s.thrifts else act @ s.rin_f
    produced = act @ s.rout_f
    st.stock = np.maximum(st.stock - consumed, 0.0) + produced
    # the part of a planned output that meets expected use; the rest rebuilds the stock, and
    # import orders, which close the stock gap on their own, do not count it as covering use
    # (co-products are not planned: all their output counts)
    for_use = np.where(s.main_node, np.minimum(produced, np.maximum(0.0, st.outflow_est - expected_in)), produced)
    return target, gap, imports, rel, cap, act, need, consumed, produced, for_use


def _end_users(s: Setup, st: State, t: int) -> tuple[np.ndarray, ...]:
    """Today's end-use demand and each cohort's order (its use plus the gap to its target)."""
    demand = s.demand0 * ((1.0 - st.subst) * (1.0 - s.subst_event[t]) * st.demand_factor * (1.0 - st.embedded))  # (M, Q)
    cohort_demand = demand[:, :, None] * s.cohort_share  # (M, Q, K)
    cohort_target = cohort_demand * s.cohort_days * s.col("cover_scale")[:, :, None]
    gap = (cohort_target - st.user_stock) / s.col("inventory_adjustment_days")[:, :, None]
    cohort_order = np.maximum(0.0, cohort_demand + gap)
    orders = cohort_order.sum(axis=2)
    fd_claim = s.seg_q(orders)
    fd_priority = s.seg_q(orders * s.q_priority) if s.q_priority.any() else np.zeros_like(fd_claim)
    return demand, cohort_demand, cohort_order, fd_claim, fd_priority


def _spare(s: Setup, st: State, t: int, target: np.ndarray, cap: np.ndarray, act: np.ndarray) -> np.ndarray:
    """What each node can offer other buyers today: output from inputs above target plus stock above target.

    Capacity idle for lack of inputs is not spare; material of a controlled origin that may
    not be re-exported is not offered.
    """
    surplus = np.maximum(0.0, st.stock - target)  # (M, N) after today's production
    headroom = np.where(s.rin_f > 0, surplus[:, None, :] / np.where(s.rin_f > 0, s.rin_f * s.input_users, 1.0), np.inf).min(axis=2)
    extra = np.minimum(np.maximum(cap - act, 0.0), headroom)  # (M, F) activity the surplus inputs allow
    free = extra @ s.rout_f + surplus / s.col("inventory_adjustment_days")
    return free * (1.0 - s.reexport_block[t])


def _orders(
    s: Setup, st: State, t: int, gap: np.ndarray, free: np.ndarray, fd_claim: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Import requests per link: contracted (baseline suppliers, tariffs) and spot (rerouted to spare supply)."""
    pol = s.policy
    inv_adj = s.col("inventory_adjustment_days")
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
    # a node that is itself looking for other suppliers of a product, or of an input it makes
    # the product from, or waiting on licence applications for them, offers none of it to
    # buyers who come to it by rerouting (its regular customers' extra orders and buyers
    # without baseline suppliers are still served): what it would sell them today it may lack
    # when its own supply tightens
    seeking = (st.redirect * s.col("rerouting_share_max") > 0.0) | (s.seg_in(st.pending) > 0.0)
    seeking = seeking | ((seeking.astype(float) @ s.downstream) > 0.0)
    free_new = np.where(seeking, 0.0, free)  # (M, N) what newcomers may claim
    open_l = ~pol.controlled[t]  # offers go to importers whose links are not controlled
    offer = free[:, s.node_out] * open_l  # (M, L)
    offer_new = free_new[:, s.node_out] * open_l
    offer_new_node = s.seg_in(offer_new)
    # the buyer keeps its contracts (and keeps applying for licences) and orders spot, from
    # alternative suppliers, the part of its need it expects to be denied: on each link the
    # baseline share times the smoothed share of requests denied there
    expected_denied = s.seg_in(sig_base * np.where(st.failing > FAILING_SHARE, st.failing, 0.0))  # (M, N) share of need
    alt_total = np.where(s.has_baseline, np.minimum(need_imp * expected_denied, st.redirect * s.col("rerouting_share_max") * offer_new_node), 0.0)
    rerouted = alt_total[:, s.node_in] * _shares(s, offer_new)
    contract = np.where(s.base_nodes, need_imp[:, s.node_in] * sig_base, 0.0)
    # a contract covers the baseline volume and a tolerance; beyond it the buyer claims the
    # supplier's spare supply (after the supplier's own users and contracts). A supplier's
    # spare supply is shared among its claimants, never promised twice: first its regular
    # customers' orders beyond their contracts and buyers without baseline suppliers (who buy
    # spot as a matter of course), then buyers who came to it by rerouting
    cap_l = s.flow0[None, :] * (1.0 + s.col("contract_flexibility"))
    excess = np.maximum(contract - cap_l, 0.0)
    contract = contract - excess
    regular = np.where(s.base_nodes, excess, need_imp[:, s.node_in] * _shares(s, offer))
    regular = _share_spare(s, regular, free)
    spot = regular + _share_spare(s, rerouted, np.maximum(free_new - s.seg_out(regular), 0.0))
    request = contract + spot
    if tcols is not None:
        # buyers defer purchases on tariffed links (not a denial: no rerouting is triggered)
        defer = (1.0 + pol.tariff[t, tcols]) ** (-s.col("tariff_demand_elasticity"))
        request[:, tcols] *= defer
        spot[:, tcols] *= defer
    return need_imp, request, spot, tcols


def _shares(s: Setup, offer: np.ndarray) -> np.ndarray:
    """Each link's share of what is offered to its importer (node), (M, L)."""
    total = s.seg_in(offer)[:, s.node_in]
    return np.where(total > 0, offer / np.where(total > 0, total, 1.0), 0.0)


def _share_spare(s: Setup, claims: np.ndarray, free: np.ndarray) -> np.ndarray:
    """Scale spot claims on each supplier down to its spare supply ``free`` (never promised twice)."""
    claimed = s.seg_out(claims)
    scale = np.where(claimed > free, free / np.where(claimed > 0, claimed, 1.0), 1.0)
    return claims * scale[:, s.node_out]


def _licences(s: Setup, st: State, t: int, request: np.ndarray, lic_t: np.ndarray, denied: np.ndarray) -> tuple[np.ndarray, ...]:
    """File today's applications (their approved part set by today's approval share); release today's decisions.

    Returns (approved, released whitelisted, denied).
    """
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
    ok = normal * np.clip(pol.approval[t] * s.col("approval_scale"), 0.0, 1.0)
    if s.uniform_delay:
        d_l = np.maximum(1, np.rint(pol.delay[t] * delay_scale[0, 0]).astype(np.int64))
        dec_slot_l = np.where(pol.delay[t] > 0, (t + d_l) % D, t % D)
        st.apps[dec_slot_l, :, l_range] += normal.T
        st.apps_ok[dec_slot_l, :, l_range] += ok.T
    else:
        lc = np.flatnonzero(lic_t.max(axis=0) > 0)  # only links under licence today receive applications
        d_lc = pol.delay[t, lc]
        dec_slot = (t + np.maximum(1, np.rint(d_lc[None] * delay_scale).astype(np.int64))) % D
        dec_slot = np.where(d_lc[None] > 0, dec_slot, t % D)
        idx = (dec_slot, np.broadcast_to(m_idx, (M, lc.size)), np.broadcast_to(lc[None], (M, lc.size)))
        st.apps[idx] += normal[:, lc]
        st.apps_ok[idx] += ok[:, lc]
    st.pending += normal
    decided = st.apps[t % D].copy()
    decided_ok = st.apps_ok[t % D].copy()
    st.apps[t % D] = 0.0
    st.apps_ok[t % D] = 0.0
    released_wl = st.wl_apps[t % D].copy()
    st.wl_apps[t % D] = 0.0
    st.pending = np.maximum(st.pending - decided - released_wl, 0.0)
    approved = np.minimum(decided_ok, decided)
    denied = denied + (decided - approved)
    return approved, released_wl, denied


def _lapse(s: Setup, st: State, t: int) -> None:
    """Applications still pending on a link whose licence regime has ended lapse: the buyer orders again.

    Whitelisted claims already approved stay pending until they are released.
    """
    over = s.policy.licence_over[t]
    if over.any():
        st.apps[:, :, over] = 0.0
        st.apps_ok[:, :, over] = 0.0
        st.pending[:, over] = st.wl_apps[:, :, over].sum(axis=0)


def _policy(s: Setup, st: State, t: int, request: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bans, licences (with leakage) and quotas on today's requests.

    Returns (claims to ship, denied, of the claims those that leak through third countries):
    leaked claims bypass the licence office and the quota and are not the controlling
    country's recorded (customs) exports.
    """
    pol = s.policy
    ban_t = pol.ban[t]
    lic_t = pol.licence[t]
    if s.any_licence:
        lic_t = np.minimum(pol.licence[t] * s.col("licence_coverage_scale"), 1.0 - ban_t)
        if s.phased:
            # controls bite gradually: shipments already contracted leave during the first days
            lic_t = lic_t * np.clip((t - s.lic_start + 1) / np.maximum(s.col("licence_phase_in_days"), 1e-9), 0.0, 1.0)
    now = request * (1.0 - ban_t - lic_t)
    leaked = np.zeros_like(request)
    if s.leaky:
        leaked = request * (ban_t + lic_t) * st.leak
        ban_t = ban_t * (1.0 - st.leak)
        lic_t = lic_t * (1.0 - st.leak)
    denied = request * ban_t
    claims = now
    if s.any_licence:
        approved, released_wl, denied = _licences(s, st, t, request, lic_t, denied)
        claims = now + approved + released_wl
    if pol.quota_links.shape[0]:
        qmask = pol.quota_links.astype(float)  # (G, L)
        st.quota_left += pol.quota_daily[t] / s.growth_factor(t)  # quotas are in tonnes
        q_claims = claims @ qmask.T  # (M, G)
        q_scale = np.where(q_claims > st.quota_left, st.quota_left / np.where(q_claims > 0, q_claims, 1.0), 1.0)
        q_scale = np.where(pol.quota_active[t], q_scale, 1.0)
        # a link in several quotas takes the tightest
        link_scale = np.where(qmask[None] > 0, q_scale[:, :, None], 1.0).min(axis=1)
        cut = claims * (1.0 - link_scale)
        claims = claims - cut
        if s.leaky:
            leaked = leaked + cut * st.leak  # some of what the quota refuses goes out through third countries
            cut = cut * (1.0 - st.leak)
        denied = denied + cut
    return claims + leaked, denied, leaked


def _fill(available: np.ndarray, claim: np.ndarray) -> np.ndarray:
    return np.minimum(1.0, np.where(claim > 0, available / np.where(claim > 0, claim, 1.0), 1.0))


def _allocate(s: Setup, st: State, o: _Orders, claims: np.ndarray) -> tuple[np.ndarray, ...]:
    """Priority users first, then the other users and contracted exports, then spot claims.

    Returns (fill of priority users, fill of other users, x_claim, ship, spot shipped, exports, delivered_fd).
    """
    spot_frac = np.where(o.request > 0, o.spot / np.where(o.request > 0, o.request, 1.0), 0.0)
    claims_spot = claims * spot_frac
    claims_contract = claims - claims_spot
    x_contract = s.seg_out(claims_contract)
    x_spot = s.seg_out(claims_spot)
    fd_lo = o.fd_claim - o.fd_priority
    avail = st.stock
    fill_hi = _fill(avail, o.fd_priority)
    avail = np.maximum(0.0, avail - o.fd_priority * fill_hi)  # rounding must not leave a negative remainder
    if s.allocation == "domestic_first":
        fill_lo = _fill(avail, fd_lo)
        avail = np.maximum(0.0, avail - fd_lo * fill_lo)
        fill_contract = _fill(avail, x_contract)
        avail = np.maximum(0.0, avail - x_contract * fill_contract)
    else:
        fill_lo = _fill(avail, fd_lo + x_contract)
        fill_contract = fill_lo
        avail = np.maximum(0.0, avail - (fd_lo + x_contract) * fill_lo)
    fill_spot = _fill(avail, x_spot)
    delivered_fd = o.fd_priority * fill_hi + fd_lo * fill_lo
    ship = claims_contract * fill_contract[:, s.node_out] + claims_spot * fill_spot[:, s.node_out]
    exports = s.seg_out(ship)
    st.stock = np.maximum(st.stock - delivered_fd - exports, 0.0)
    return fill_hi, fill_lo, x_contract + x_spot, ship, claims_spot * fill_spot[:, s.node_out], exports, delivered_fd


def _use(s: Setup, st: State, o: _Orders, fill_hi: np.ndarray, fill_lo: np.ndarray) -> tuple[np.ndarray, ...]:
    """Cohorts receive their orders' fill and use what they hold.

    Returns (delivered, shortfall, share of demand at stopped plants, share of output lost):
    a cohort short of a share r of its input loses r ** line_loss_exponent of its output.
    """
    q_fill = np.where(s.q_priority, fill_hi[:, s.q_node], fill_lo[:, s.q_node])  # (M, Q)
    st.user_stock = st.user_stock + o.cohort_order * q_fill[:, :, None]
    use = np.minimum(o.cohort_demand, st.user_stock)
    st.user_stock = np.maximum(st.user_stock - use, 0.0)
    short_k = o.cohort_demand - use
    stopped = ((short_k > s.p["shortfall_threshold"][:, None, None] * o.cohort_demand) * s.cohort_share).sum(axis=2)
    ratio = np.divide(short_k, o.cohort_demand, out=np.zeros_like(short_k), where=o.cohort_demand > 0)
    output_loss = (np.clip(ratio, 0.0, 1.0) ** s.col("line_loss_exponent")[:, :, None] * s.cohort_share).sum(axis=2)
    delivered = use.sum(axis=2)
    return delivered, o.demand - delivered, stopped, output_loss


def _respond(
    s: Setup,
    st: State,
    o: _Orders,
    need: np.ndarray,
    x_claim: np.ndarray,
    imports: np.ndarray,
    produced: np.ndarray,
    for_use: np.ndarray,
    denied: np.ndarray,
    target: np.ndarray,
) -> None:
    """Expectations, the redirect share, prices, demand response and indirect supply."""
    alpha_e = s.col("expectation_days") ** -1.0
    st.outflow_est += alpha_e * (need + o.fd_claim + x_claim - st.outflow_est)
    st.inflow_est += alpha_e * (imports - st.inflow_est)
    st.prod_est += alpha_e * (for_use - st.prod_est)
    st.made_est += alpha_e * (produced - st.made_est)
    req_node = s.seg_in(o.request)
    frac_denied = np.where(req_node > 0, s.seg_in(denied) / np.where(req_node > 0, req_node, 1.0), 0.0)
    st.denied_est += alpha_e * (frac_denied - st.denied_est)
    st.denied_last = frac_denied
    frac_link = np.where(o.request > 0, denied / np.where(o.request > 0, o.request, 1.0), 0.0)
    st.failing += alpha_e * (frac_link - st.failing)
    st.redirect = np.clip(st.redirect + np.where(st.denied_est > FAILING_SHARE, 1.0, -1.0) / s.col("switching_lag_days"), 0.0, 1.0)
    K = s.n_markets * s.P
    tgt_mk = s.seg_mk(target)[:, :K]
    ahead = st.stock
    if s.foresight:
        # the market prices the stock it expects in `price_foresight_days` at today's expected flows
        ahead = np.maximum(0.0, st.stock + s.col("price_foresight_days") * (st.inflow_est + st.made_est - st.outflow_est))
    stk_mk = s.seg_mk(ahead)[:, :K]
    if s.any_cohorts:
        tgt_mk = tgt_mk + s.seg_qmk((o.cohort_demand * s.cohort_days).sum(axis=2) * s.col("cover_scale"))
        stk_mk = stk_mk + s.seg_qmk(st.user_stock.sum(axis=2))
    with np.errstate(over="ignore"):  # a near-zero target: the ratio is clipped below
        cover_ratio = np.where(tgt_mk > 0, stk_mk / np.where(tgt_mk > 0, tgt_mk, 1.0), 1.0)
    # cover ratios are bounded (a near-zero target would make the ratio overflow)
    p_target = np.minimum(np.clip(cover_ratio, 1e-6, 1e6) ** (-1.0 / s.col("price_flexibility")), s.col("price_index_max"))
    p_target = np.maximum(p_target, 1e-12)  # a numerical floor: a very stiff price must not underflow to 0 (log below)
    beta = s.col("price_adjustment_days") ** -1.0
    st.price = np.exp(np.log(st.price) + beta * (np.log(p_target) - np.log(st.price)))
    price_q = st.price[:, s.q_price]
    sub_rate = s.col("substitution_rate_per_year") / DAYS_PER_YEAR
    above = price_q > s.col("substitution_price_threshold") + 1e-9
    st.subst = np.clip(st.subst + np.where(above, sub_rate, 0.0), 0.0, s.col("substitution_max"))
    if s.thrifts:
        dear = st.price[:, s.node_mk] > s.col("substitution_price_threshold") + 1e-9
        st.thrift = np.clip(st.thrift + np.where(dear, s.col("thrifting_rate_per_year") / DAYS_PER_YEAR, 0.0), 0.0, 1.0)
    if s.demand_responds:
        df_target = np.where(price_q > 1.0, np.maximum(price_q, 1.0) ** (-s.col("demand_price_elasticity")), 1.0)
        st.demand_factor += (df_target - st.demand_factor) / s.col("demand_response_days")
    if s.leaky or s.embeds:
        lo, hi = s.col("spread_threshold"), s.col("spread_full")
        rate = s.col("indirect_supply_days") ** -1.0

        def opening(spread: np.ndarray) -> np.ndarray:
            return np.clip((spread - lo) / np.maximum(hi - lo, 1e-9), 0.0, 1.0)

        if s.leaky:
            spread_l = st.price[:, s.link_mk_in] / st.price[:, s.link_mk_out]
            leak_target = s.col("leakage_max") * opening(spread_l) * s.policy.controlled[o.day]
            st.leak += rate * (leak_target - st.leak)
        if s.embeds:
            cheapest = st.price[:, s.q_cheapest].min(axis=1)  # (M, Q)
            emb_target = s.col("embedded_supply_max") * opening(price_q / cheapest)
            st.embedded += rate * (emb_target - st.embedded)


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
    # Ratios are computed as a / where(b > 0, b, 1) and then selected or clipped to [0, 1]:
    # where b is a tiny positive number the unselected quotient may overflow to inf, harmlessly.
    # Real overflow cannot hide: the guards check every stock, flow and price is finite.
    with np.errstate(over="ignore"):
        return _day(setup, state, inplace)


def _day(setup: Setup, state: State, inplace: bool) -> tuple[State, DayFlows]:
    """The body of :func:`step`."""
    s = setup
    st = state if inplace else state.copy()
    t = st.day
    g = s.growth_factor(t)
    opening = st.stock.copy()
    target, gap, imports, rel, cap, act, need, consumed, produced, for_use = _supply(s, st, t, g)
    demand, cohort_demand, cohort_order, fd_claim, fd_priority = _end_users(s, st, t)
    free = _spare(s, st, t, target, cap, act)
    if s.any_licence:
        _lapse(s, st, t)
    need_imp, request, spot, tcols = _orders(s, st, t, gap, free, fd_claim)
    o = _Orders(demand, cohort_demand, cohort_order, fd_claim, fd_priority, need_imp, request, spot, tcols, t)
    claims, denied, leaked = _policy(s, st, t, request)
    fill_hi, fill_lo, x_claim, ship, ship_spot, exports, delivered_fd = _allocate(s, st, o, claims)
    denied = denied + (claims - ship)
    # claims on a link are filled pro rata, so its leaked share of claims is its leaked share of shipments
    ship_leaked = ship * np.where(claims > 0, leaked / np.where(claims > 0, claims, 1.0), 0.0) if s.leaky else np.zeros_like(ship)
    if s.policy.quota_links.shape[0]:
        qmask = s.policy.quota_links.astype(float)
        official = ship - ship_leaked
        st.quota_left = np.where(s.policy.quota_active[t], np.maximum(0.0, st.quota_left - official @ qmask.T), 0.0)
    H = st.ring.shape[0]
    st.ring[(t + s.links.transit) % H, :, np.arange(s.links.n)] += ship.T
    st.in_transit += ship
    delivered, shortfall, stopped, output_loss = _use(s, st, o, fill_hi, fill_lo)
    _respond(s, st, o, need, x_claim, imports, produced, for_use, denied, target)
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
        request=request,
        claims=claims,
        ship=ship,
        spot=ship_spot,
        leaked=ship_leaked,
        exports=exports,
        delivered_fd=delivered_fd,
        demand=demand,
        delivered=delivered,
        shortfall=shortfall,
        stopped=stopped,
        output_loss=output_loss,
        user_stock=st.user_stock.sum(axis=2),
        price=st.price,
        stock=st.stock,
        level=g,
    )
    return st, flows
