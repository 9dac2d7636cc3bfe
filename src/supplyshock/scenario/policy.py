"""Daily policy arrays: what the engine sees of a scenario.

The engine never sees events: it sees arrays on (time, link), (time, country, product),
(time, country, process) and (time, country, sector), written here once per run by each
event's :meth:`~supplyshock.scenario.events.base.EventModel.compile`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from supplyshock.network import Links, SupplyNetwork

if TYPE_CHECKING:
    from supplyshock.scenario.model import Scenario

__all__ = ["ControlChange", "Policy", "PolicyBuilder", "compile_policy"]


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
    licence_over: np.ndarray  # (T, L) bool: the licence regime has ended (pending applications lapse)
    reexport_block: np.ndarray  # (T, C, P) share of a node's supply it may not offer to other buyers (controlled origin)
    controlled: np.ndarray = field(init=False)  # (T, L) bool: link under any control

    def __post_init__(self) -> None:
        in_quota = np.asarray(self.quota_active.astype(float) @ self.quota_links.astype(float)) > 0  # (T, L)
        self.controlled = (self.ban > 0) | (self.licence > 0) | in_quota


@dataclass(frozen=True)
class ControlChange:
    """A change an agreement makes to a control from a day on."""

    day: int
    approval: float | None
    delay_days: float | None
    lift: bool

    def order(self) -> tuple[int, float, float, bool]:
        """Sort key: by day, then by the values (so the result does not depend on file order)."""
        return (self.day, -1.0 if self.approval is None else self.approval, -1.0 if self.delay_days is None else self.delay_days, self.lift)


class PolicyBuilder:
    """The arrays being written, and what events need to write them.

    Parameters
    ----------
    net : SupplyNetwork
        The network (after the scenario's overrides).
    links : Links
        Its trade links.
    start : date
        First simulated day.
    days : int
        Horizon (T).
    """

    def __init__(self, net: SupplyNetwork, links: Links, start: dt.date, days: int) -> None:
        self.net, self.links, self.start, self.T = net, links, start, days
        T, L = days, links.n
        C, P, J, S = len(net.countries), len(net.products), len(net.processes), len(net.sectors)
        self.ci = {c: i for i, c in enumerate(net.countries)}
        self.pi = {p: i for i, p in enumerate(net.products)}
        self.ji = {j: i for i, j in enumerate(net.processes)}
        self.si = {s: i for i, s in enumerate(net.sectors)}
        self.ban = np.zeros((T, L))
        self.licence = np.zeros((T, L))
        self.approval = np.ones((T, L))
        self.delay = np.zeros((T, L), dtype=np.int64)
        self.whitelist = np.zeros((T, L))
        self.whitelist_approval = np.ones((T, L))
        self.whitelist_delay = np.zeros((T, L), dtype=np.int64)
        self.tariff = np.zeros((T, L))
        self.quota_links: list[np.ndarray] = []
        self.quota_daily: list[np.ndarray] = []
        self.quota_active: list[np.ndarray] = []
        self.front_loading = np.zeros((T, C, P))
        self.release = np.zeros((T, C, P))
        self.capacity_add = np.zeros((T, C, J))
        self.substitution = np.zeros((T, C, S))
        self.licence_over = np.zeros((T, L), dtype=bool)
        self.reexport_block = np.zeros((T, C, P))
        self.front_days = net.param("front_loading_days")
        #: changes agreements make to controls (by control id) and to tariffs (by tariff id)
        self.control_changes: dict[str, list[ControlChange]] = {}
        self.tariff_changes: dict[str, list[tuple[int, float]]] = {}

    def day(self, d: dt.date | None, default: int) -> int:
        """Index of a date in the horizon, clipped to [0, T]; ``default`` for None."""
        if d is None:
            return default
        return int(min(max((d - self.start).days, 0), self.T))

    def link_mask(self, exporter: str, importers: list[str] | str, products: list[str]) -> np.ndarray:
        """Links from ``exporter`` to ``importers`` (or ``all``) carrying ``products``."""
        lk = self.links
        imp_ok = np.ones(lk.n, bool) if importers == "all" else np.isin(lk.importer, [self.ci[c] for c in importers])
        out: np.ndarray = (lk.exporter == self.ci[exporter]) & imp_ok & np.isin(lk.product, [self.pi[p] for p in products])
        return out

    def foreign_link_mask(self, exporter: str, importers: list[str] | str, products: list[str]) -> np.ndarray:
        """Links from countries other than ``exporter`` to ``importers`` (or ``all``, but never ``exporter``) carrying ``products``."""
        lk = self.links
        e = self.ci[exporter]
        imp_ok = np.ones(lk.n, bool) if importers == "all" else np.isin(lk.importer, [self.ci[c] for c in importers])
        out: np.ndarray = (lk.exporter != e) & (lk.importer != e) & imp_ok & np.isin(lk.product, [self.pi[p] for p in products])
        return out

    def front_load(self, mask: np.ndarray, announced: dt.date | None, start_day: int) -> None:
        """Importers on the masked links seek extra cover between the announcement and the start."""
        if announced is None:
            return
        ta = self.day(announced, 0)
        lk = self.links
        for c, p in sorted(set(zip(lk.importer[mask].tolist(), lk.product[mask].tolist(), strict=True))):
            self.front_loading[ta:start_day, c, p] = np.maximum(self.front_loading[ta:start_day, c, p], self.front_days)

    def origin_share(self, exporter: str, products: list[str]) -> np.ndarray:
        """Share of each (country, product)'s baseline supply that originates in ``exporter``, for the given products.

        Imports carry their supplier's origin share; a process's output carries the largest
        origin share of its inputs among the given products (one controlled component makes
        the whole part controlled). Computed on the baseline flows by fixed-point iteration.
        """
        net, lk = self.net, self.links
        C, P = len(net.countries), len(net.products)
        e = self.ci[exporter]
        covered = np.zeros(P, bool)
        covered[[self.pi[p] for p in products]] = True
        prod = net.production0
        imports = np.zeros((C, P))
        np.add.at(imports, (lk.importer, lk.product), lk.flow0)
        supply = prod + imports
        share = np.zeros((C, P))
        share[e, covered] = 1.0
        uses = net.recipe_in > 0  # (C, J, P)
        makes = net.recipe_out > 0
        for _ in range(2 * P + 2):
            from_imports = np.zeros((C, P))
            np.add.at(from_imports, (lk.importer, lk.product), lk.flow0 * share[lk.exporter, lk.product])
            # origin of each process's inputs among the covered products, carried to its outputs
            inp = np.where(uses & covered[None, None, :], share[:, None, :], 0.0).max(axis=2)  # (C, J)
            out = np.where(makes, inp[:, :, None], 0.0).max(axis=1)  # (C, P)
            new = np.where(supply > 0, (from_imports + prod * out) / np.where(supply > 0, supply, 1.0), 0.0)
            new[e] = np.where(covered, 1.0, 0.0)
            new = np.where(covered[None, :], np.clip(new, 0.0, 1.0), 0.0)
            if np.allclose(new, share):
                break
            share = new
        share[e] = 0.0  # the exporter itself is not re-exporting
        return share

    def add_quota(self, mask: np.ndarray, daily: np.ndarray, active: np.ndarray) -> None:
        """Register a quota on the masked links."""
        self.quota_links.append(mask)
        self.quota_daily.append(daily)
        self.quota_active.append(active)

    def build(self) -> Policy:
        """The finished arrays."""
        T, L = self.T, self.links.n
        g = len(self.quota_links)
        dates = np.datetime64(self.start.isoformat(), "D") + np.arange(T)
        return Policy(
            dates=dates,
            ban=self.ban,
            licence=np.minimum(self.licence, 1.0 - self.ban),
            approval=self.approval,
            delay=self.delay,
            whitelist=self.whitelist,
            whitelist_approval=self.whitelist_approval,
            whitelist_delay=self.whitelist_delay,
            tariff=self.tariff,
            quota_links=np.array(self.quota_links, dtype=bool).reshape(g, L),
            quota_daily=np.array(self.quota_daily).reshape(g, T).T.reshape(T, g),
            quota_active=np.array(self.quota_active, dtype=bool).reshape(g, T).T.reshape(T, g),
            front_loading=self.front_loading,
            release=self.release,
            capacity_add=self.capacity_add,
            substitution=self.substitution,
            # a regime is over on a link only while no other licence still applies to it (overlapping licences)
            licence_over=self.licence_over & (self.licence <= 0),
            reexport_block=self.reexport_block,
        )


def compile_policy(net: SupplyNetwork, scenario: Scenario, links: Links) -> Policy:
    """Build the daily policy arrays of a validated scenario on a network.

    Events compile in their ``compile_order`` (agreements first, since they change other
    events), otherwise in file order. Overlapping controls on a link combine by taking the
    largest banned share and the largest licensed share (capped so banned + licensed <= 1).
    """
    pb = PolicyBuilder(net, links, scenario.start, scenario.horizon_days)
    events: list[Any] = sorted(scenario.events, key=lambda e: e.compile_order)
    for ev in events:
        ev.compile(pb)
    return pb.build()
