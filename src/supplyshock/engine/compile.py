"""Turn a scenario's events into daily policy arrays over the network's links.

The engine never sees events: it sees arrays on (time, link), (time, country, product),
(time, country, process) and (time, country, sector), built here once per run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from supplyshock.network import SupplyNetwork
from supplyshock.scenario.models import (
    Agreement,
    CapacityChange,
    ExportBan,
    LicenceRegime,
    Quota,
    Scenario,
    StockpileRelease,
    Substitution,
    Tariff,
    _Control,
)

__all__ = ["Links", "Policy", "build_links", "compile_policy"]


@dataclass(frozen=True)
class Links:
    """Trade links: baseline links first, then candidate links for rerouting."""

    exporter: np.ndarray
    importer: np.ndarray
    product: np.ndarray
    flow0: np.ndarray  # t/yr
    transit: np.ndarray  # days, >= 1
    baseline: np.ndarray  # bool

    @property
    def n(self) -> int:
        """Number of links."""
        return int(self.exporter.size)


def build_links(net: SupplyNetwork) -> Links:
    """Baseline links plus every (producer -> user) pair of a product not traded at baseline.

    A *producer* of a product has capacity in a process that outputs it or exports it at
    baseline; a *user* has process input use or final demand of it. Candidate links carry
    no baseline flow; they are where rerouted orders can go.
    """
    C, P = len(net.countries), len(net.products)
    out_cap = np.einsum("cj,cjp->cp", net.capacity, net.recipe_out) > 0
    producers = out_cap | (net.exports0 > 0)
    users = (net.consumption0 > 0) | (net.final_demand0 > 0)
    existing = set(zip(net.link_exporter.tolist(), net.link_importer.tolist(), net.link_product.tolist(), strict=True))
    cand_e, cand_i, cand_p = [], [], []
    for p in range(P):
        for e in range(C):
            if not producers[e, p]:
                continue
            for i in range(C):
                if i != e and users[i, p] and (e, i, p) not in existing:
                    cand_e.append(e)
                    cand_i.append(i)
                    cand_p.append(p)
    n_c = len(cand_e)
    cand_transit = round(net.params.get("candidate_transit_days", 30.0))
    exporter = np.concatenate([net.link_exporter, np.array(cand_e, dtype=np.int64)])
    importer = np.concatenate([net.link_importer, np.array(cand_i, dtype=np.int64)])
    product = np.concatenate([net.link_product, np.array(cand_p, dtype=np.int64)])
    # sorted by importing node (then exporter) so that sums over inbound links are contiguous
    order = np.lexsort((exporter, product, importer))
    return Links(
        exporter=exporter[order],
        importer=importer[order],
        product=product[order],
        flow0=np.concatenate([net.link_flow0, np.zeros(n_c)])[order],
        transit=np.maximum(1, np.concatenate([net.link_transit, np.full(n_c, cand_transit, dtype=np.int64)]))[order],
        baseline=np.concatenate([np.ones(net.link_flow0.size, bool), np.zeros(n_c, bool)])[order],
    )


@dataclass
class Policy:
    """Daily policy arrays of one scenario (shared by all ensemble members)."""

    dates: np.ndarray  # (T,) datetime64[D]
    ban: np.ndarray  # (T, L) share of the link's flow banned
    licence: np.ndarray  # (T, L) share under licence
    approval: np.ndarray  # (T, L) approval share of decisions taken that day
    delay: np.ndarray  # (T, L) int days from application to decision
    whitelist: np.ndarray  # (T, L) share of licence applications from whitelisted buyers
    whitelist_approval: np.ndarray  # (T, L)
    whitelist_delay: np.ndarray  # (T, L) int
    tariff: np.ndarray  # (T, L) ad-valorem rate
    quota_links: np.ndarray  # (G, L) bool
    quota_daily: np.ndarray  # (T, G) t/day allowance accruing
    quota_active: np.ndarray  # (T, G) bool: the quota binds that day
    front_loading: np.ndarray  # (T, C, P) extra cover days sought
    release: np.ndarray  # (T, C, P) share of the initial strategic stock released that day
    capacity_add: np.ndarray  # (T, C, J) t/yr of activity added
    substitution: np.ndarray  # (T, C, S) share of demand removed by events
    controlled: np.ndarray = field(init=False)  # (T, L) bool: link under any control

    def __post_init__(self) -> None:
        in_quota = np.asarray(self.quota_active.astype(float) @ self.quota_links.astype(float)) > 0  # (T, L)
        self.controlled = (self.ban > 0) | (self.licence > 0) | in_quota


def _day_index(start: dt.date, d: dt.date | None, T: int, default: int) -> int:
    if d is None:
        return default
    return int(min(max((d - start).days, 0), T))


def compile_policy(net: SupplyNetwork, scenario: Scenario, links: Links) -> Policy:
    """Build the daily policy arrays of a validated scenario on a network.

    Overlapping controls on a link combine by taking the largest banned share and the
    largest licensed share (capped so that banned + licensed <= 1).
    """
    T, L = scenario.horizon_days, links.n
    C, P, J, S = len(net.countries), len(net.products), len(net.processes), len(net.sectors)
    ci = {c: i for i, c in enumerate(net.countries)}
    pi = {p: i for i, p in enumerate(net.products)}
    ji = {j: i for i, j in enumerate(net.processes)}
    si = {s: i for i, s in enumerate(net.sectors)}
    start = scenario.start
    ban = np.zeros((T, L))
    lic = np.zeros((T, L))
    appr = np.ones((T, L))
    delay = np.zeros((T, L), dtype=np.int64)
    wl = np.zeros((T, L))
    wl_appr = np.ones((T, L))
    wl_delay = np.zeros((T, L), dtype=np.int64)
    tariff = np.zeros((T, L))
    quota_links: list[np.ndarray] = []
    quota_daily: list[np.ndarray] = []
    quota_active: list[np.ndarray] = []
    front = np.zeros((T, C, P))
    release = np.zeros((T, C, P))
    cap_add = np.zeros((T, C, J))
    subst = np.zeros((T, C, S))
    front_days = net.params.get("front_loading_days", 30.0)

    # agreements: (control id) -> list of (day, change); (tariff id) -> list of (day, rate)
    ctrl_changes: dict[str, list[tuple[int, float | None, float | None, bool]]] = {}
    tariff_changes: dict[str, list[tuple[int, float]]] = {}
    for ev in scenario.events:
        if isinstance(ev, Agreement):
            day = _day_index(start, ev.date, T, 0)
            for ch in ev.changes:
                ctrl_changes.setdefault(ch.event, []).append((day, ch.approval, ch.delay_days, ch.lift))
            for tc in ev.tariff_changes:
                tariff_changes.setdefault(str(tc["event"]), []).append((day, float(tc["rate"])))

    def link_mask(exporter: str, importers: list[str] | str, products: list[str]) -> np.ndarray:
        imp_ok = np.ones(L, bool) if importers == "all" else np.isin(links.importer, [ci[c] for c in importers])
        out: np.ndarray = (links.exporter == ci[exporter]) & imp_ok & np.isin(links.product, [pi[p] for p in products])
        return out

    def importer_nodes(mask: Any) -> list[tuple[int, int]]:
        return sorted(set(zip(links.importer[mask].tolist(), links.product[mask].tolist(), strict=True)))

    for ev in scenario.events:
        if isinstance(ev, _Control):
            t0 = _day_index(start, ev.start, T, 0)
            t1 = _day_index(start, ev.end, T, T)
            for day, _a, _d, lift in sorted(ctrl_changes.get(ev.id or "", [])):
                if lift:
                    t1 = min(t1, day)
            mask = link_mask(ev.exporter, ev.destinations, ev.products)
            if ev.announced is not None:
                ta = _day_index(start, ev.announced, T, 0)
                for c, p in importer_nodes(mask):
                    front[ta:t0, c, p] = np.maximum(front[ta:t0, c, p], front_days)
            if isinstance(ev, ExportBan):
                ban[t0:t1, mask] = np.maximum(ban[t0:t1, mask], ev.coverage)
            elif isinstance(ev, LicenceRegime):
                lic[t0:t1, mask] = np.maximum(lic[t0:t1, mask], ev.coverage)
                a = np.full(T, float(ev.approval)) if isinstance(ev.approval, float | int) else np.zeros(T)
                if not isinstance(ev.approval, float | int):
                    for step in ev.approval:
                        a[_day_index(start, step.date, T, 0) :] = step.share
                d = np.full(T, round(ev.delay_days), dtype=np.int64)
                for day, new_a, new_d, _lift in sorted(ctrl_changes.get(ev.id or "", [])):
                    if new_a is not None:
                        a[day:] = new_a
                    if new_d is not None:
                        d[day:] = round(new_d)
                # decisions after the control ends approve everything still pending
                a[t1:] = 1.0
                appr[:, mask] = np.minimum(appr[:, mask], a[:, None])
                delay[:, mask] = np.maximum(delay[:, mask], d[:, None])
                for w in ev.whitelist:
                    wmask = mask & (links.importer == ci[w.importer])
                    w0 = _day_index(start, w.date, T, 0)
                    w1 = _day_index(start, w.until, T, T)
                    wl[w0:w1, wmask] = np.maximum(wl[w0:w1, wmask], w.share_of_demand)
                    wl_appr[w0:w1, wmask] = w.approval
                    wl_delay[w0:w1, wmask] = round(w.delay_days)
            elif isinstance(ev, Quota):
                base = links.flow0[mask].sum()
                per_year = ev.tonnes_per_year if ev.tonnes_per_year is not None else (ev.share_of_baseline or 0.0) * base
                daily = np.zeros(T)
                daily[t0:t1] = per_year / 365.0
                active = np.zeros(T, bool)
                active[t0:t1] = True
                quota_links.append(mask)
                quota_daily.append(daily)
                quota_active.append(active)
        elif isinstance(ev, Tariff):
            t0 = _day_index(start, ev.start, T, 0)
            t1 = _day_index(start, ev.end, T, T)
            importers = [ev.importer] if isinstance(ev.importer, str) else ev.importer
            mask = link_mask(ev.exporter, importers, ev.products)
            rate = np.zeros(T)
            rate[t0:t1] = ev.rate
            for day, new_rate in sorted(tariff_changes.get(ev.id or "", [])):
                rate[max(day, t0) : t1] = new_rate
            tariff[:, mask] += rate[:, None]
            if ev.announced is not None:
                ta = _day_index(start, ev.announced, T, 0)
                for c, p in importer_nodes(mask):
                    front[ta:t0, c, p] = np.maximum(front[ta:t0, c, p], front_days)
        elif isinstance(ev, StockpileRelease):
            t0 = _day_index(start, ev.start, T, 0)
            t1 = min(T, t0 + ev.days)
            release[t0:t1, ci[ev.country], pi[ev.product]] += ev.share_of_stockpile / ev.days
        elif isinstance(ev, CapacityChange):
            first = _day_index(start, ev.decided, T, 0) + round(ev.lead_time_days)
            ramp = max(1, round(ev.ramp_days))
            days = np.arange(T)
            frac = np.clip((days - first + 1) / ramp, 0.0, 1.0) * (days >= first)
            cap_add[:, ci[ev.country], ji[ev.process]] += ev.tonnes_per_year * frac
        elif isinstance(ev, Substitution):
            t0 = _day_index(start, ev.start, T, 0)
            ramp_s = max(1.0, ev.ramp_days)
            frac = np.clip((np.arange(T) - t0 + 1) / ramp_s, 0.0, 1.0) * (np.arange(T) >= t0)
            cs = list(range(C)) if ev.countries == "all" else [ci[c] for c in ev.countries]
            ss = list(range(S)) if ev.sectors == "all" else [si[s] for s in ev.sectors]
            for c in cs:
                for s in ss:
                    subst[:, c, s] = 1 - (1 - subst[:, c, s]) * (1 - ev.reduction * frac)
    lic = np.minimum(lic, 1.0 - ban)
    dates = np.datetime64(start.isoformat(), "D") + np.arange(T)
    return Policy(
        dates=dates,
        ban=ban,
        licence=lic,
        approval=appr,
        delay=delay,
        whitelist=wl,
        whitelist_approval=wl_appr,
        whitelist_delay=wl_delay,
        tariff=tariff,
        quota_links=np.array(quota_links, dtype=bool).reshape(len(quota_links), L),
        quota_daily=np.array(quota_daily).reshape(len(quota_daily), T).T.reshape(T, len(quota_daily)),
        quota_active=np.array(quota_active, dtype=bool).reshape(len(quota_active), T).T.reshape(T, len(quota_active)),
        front_loading=front,
        release=release,
        capacity_add=cap_add,
        substitution=subst,
    )
