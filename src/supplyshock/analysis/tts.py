"""Time-to-survive and performance impact (Simchi-Levi et al. 2015) as linear programmes.

For a disrupted node n (a facility, i.e. a country's process, or a baseline trade link)
the network has to serve end-use demand from stocks and from the capacity left. Over a
horizon of ``t`` days, with cumulative quantities (tonnes over the horizon):

* ``a[c,j]`` >= 0 activity of process j in country c, ``a <= cap[c,j]/365 * t`` (0 for n);
* ``x[l]`` >= 0 shipments on link l: baseline links and candidate links from every
  producer to every user of a product (as :func:`supplyshock.engine.build_links`); 0 on n;
* for every (country, product) node, use plus exports plus end-use demand cannot exceed
  production plus imports plus the initial stock ``S``::

      sum_j rin[c,j,p] a[c,j] - sum_j rout[c,j,p] a[c,j] + sum_{l out} x[l] - sum_{l in} x[l] + D[c,p]/365 * t <= S[c,p]

* a country exports only what it makes or holds (no re-export of imports), unless
  ``reexport=True``: ``sum_{l out} x[l] - sum_j rout[c,j,p] a[c,j] <= S[c,p]``;
* end-use restriction (``end_use_restriction=True``, the default), when n is a link or all
  of an exporter e's links of a product p: a cut link is read as an export control whose
  licences carry end-user declarations, so third countries may not pass e's material on to
  the cut destinations D. Each third country k ships p to D at most the part of what it
  makes or holds that does not originate in e::

      sum_{l: k -> D, p} x[l] - (1 - o[k,p]) sum_j rout[k,j,p] a[k,j] <= (1 - o[k,p]) S[k,p]

  where ``o[k,p]`` is the baseline share of k's supply of p that originates in e, over p
  and every product upstream of it (imports carry their supplier's share, a part made
  with a controlled input is controlled), computed by the engine's rule for
  ``no_reexport`` (:meth:`supplyshock.scenario.policy.PolicyBuilder.origin_share`). With
  ``reexport=True`` the imports k receives from countries other than e count too, each
  at its supplier's non-origin share. Without it (``end_use_restriction=False``) a cut
  link is absorbed by swaps: k sends its own output to the cut importer and takes more
  from e, which is what a licence with end-user declarations forbids.

Time-to-survive is ``TTS_n = max t`` subject to these constraints (with ``t <= max_days``;
reaching the cap is reported as infinite).

**An optimistic bound.** The LP assumes perfect reallocation: it knows the cut and its
length on day 0, pools every stock, ships anything anywhere at once along uncapacitated
links and may serve early demand from output made later in the horizon. The engine's
first shortfall for the same cut (:func:`engine_first_shortfall`) is therefore earlier or
at the same time; report the two side by side. Capacity enters as ``cap * t`` and demand as
``D * t`` while stocks are constant, so every constraint is linear in ``(a, x, t)`` jointly
and one LP gives the exact optimum: no bisection over ``t`` is needed.

The performance impact for a recovery time ``TTR`` fixes ``t = TTR`` and lets demand go
unserved, ``0 <= l[c,s] <= d[c,s] * TTR / 365``, minimising the lost value
``sum v[c,s] l[c,s]`` (``v`` = value of output per tonne of magnets, ``values.csv``).
Nodes with ``TTS_n < TTR_n`` are vulnerable.

Stocks ``S`` are the engine's initial commercial stocks (``cover_days`` x baseline daily
outflow: process use + end use + exports), plus the goods in transit on inbound links
(``in_transit``, as the engine starts with full pipelines) and, optionally, strategic
stocks (``strategic_days`` x daily process and end use).

All LPs are solved with HiGHS through :func:`scipy.optimize.linprog` (``method="highs"``)
with sparse constraint matrices; the matrix is built once per network and a disruption
changes variable bounds and, for the end-use restriction, adds its few rows.

References
----------
Simchi-Levi, D., Schmidt, W., Wei, Y., Zhang, P.Y., Combs, K., Ge, Y., Gusikhin, O.,
Sanders, M. & Zhang, D. (2015). Identifying risks and mitigating disruptions in the
automotive supply chain. Interfaces 45(5), 375-390. doi:10.1287/inte.2015.0804.
Simchi-Levi, D., Schmidt, W. & Wei, Y. (2014). From superstorms to factory fires: managing
unpredictable supply-chain disruptions. Harvard Business Review 92(1-2), 96-101.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linprog

from supplyshock.analysis.metrics import SHORTFALL_THRESHOLD
from supplyshock.analysis.risk import MissingInputError
from supplyshock.engine import initial_stocks
from supplyshock.errors import DataError, InvariantError
from supplyshock.network import Links, SupplyNetwork, build_links
from supplyshock.scenario.policy import PolicyBuilder

__all__ = [
    "DAYS_PER_YEAR",
    "Node",
    "TTSModel",
    "compare_summary",
    "compare_tts",
    "engine_first_shortfall",
    "network_nodes",
    "simulated_tts",
    "time_to_survive",
]

DAYS_PER_YEAR = 365.0
#: Default cap on the horizon of the TTS LP (days); reaching it is reported as infinite.
MAX_DAYS = 3650.0
_TOL = 1e-6


@dataclass(frozen=True)
class Node:
    """A node that can be cut: a facility, a baseline trade link, or all of a country's exports of a product.

    Attributes
    ----------
    kind : {"facility", "link", "exports"}
        ``facility``: a country's process (capacity to zero); ``link``: one supplier of
        one importer (the link's flow to zero); ``exports``: every link, baseline or
        candidate, from the country for the product (a total export ban).
    country : str
        The facility's country, or the exporter.
    process : str
        The facility's process ("" otherwise).
    importer : str
        The link's importer ("" otherwise).
    product : str
        The traded product, or the facility's main output.
    """

    kind: Literal["facility", "link", "exports"]
    country: str
    process: str = ""
    importer: str = ""
    product: str = ""

    @property
    def label(self) -> str:
        """``CHN/magnet`` for a facility, ``CHN>DEU/ndfeb_magnet`` for a link."""
        if self.kind == "facility":
            return f"{self.country}/{self.process}"
        if self.kind == "exports":
            return f"{self.country}>*/{self.product}"
        return f"{self.country}>{self.importer}/{self.product}"


def network_nodes(net: SupplyNetwork, kinds: Iterable[str] = ("facility", "link", "exports")) -> list[Node]:
    """Every facility with capacity > 0, every baseline link with flow > 0 and every exporter's product.

    Parameters
    ----------
    net : SupplyNetwork
    kinds : iterable of {"facility", "link", "exports"}

    Returns
    -------
    list of Node
    """
    kinds = set(kinds)
    bad = kinds - {"facility", "link", "exports"}
    if bad:
        raise DataError(f"unknown node kind(s) {', '.join(sorted(bad))}; use 'facility', 'link' or 'exports'")
    out: list[Node] = []
    if "facility" in kinds:
        for c, j in np.argwhere(net.capacity > 0):
            main = int(np.argmax(net.recipe_out[c, j]))
            out.append(Node("facility", net.countries[c], process=net.processes[j], product=net.products[main]))
    if "link" in kinds:
        for e, i, p, f in zip(net.link_exporter, net.link_importer, net.link_product, net.link_flow0, strict=True):
            if f > 0:
                out.append(Node("link", net.countries[e], importer=net.countries[i], product=net.products[p]))
    if "exports" in kinds:
        exp = net.exports0
        for e, p in np.argwhere(exp > 0):
            out.append(Node("exports", net.countries[e], product=net.products[p]))
    return out


def _solve(c: np.ndarray, A: sp.csr_matrix, b: np.ndarray, bounds: np.ndarray, what: str) -> np.ndarray:
    res = linprog(c, A_ub=A, b_ub=b, bounds=bounds, method="highs")
    if res.status != 0 or res.x is None:
        raise InvariantError(f"{what}: HiGHS returned status {res.status} ({res.message}); the LP should always be feasible")
    x: np.ndarray = res.x
    return x


class TTSModel:
    """The TTS / performance-impact LPs of one network, built once and solved per node.

    The TTS is an optimistic bound on how long demand can be met: it assumes perfect
    reallocation (see the module docstring); set it beside the engine's first shortfall
    (:func:`engine_first_shortfall`).

    Parameters
    ----------
    net : SupplyNetwork
    strategic : bool
        Count strategic stocks (``strategic_stocks.csv``) as available.
    in_transit : bool
        Count the goods in transit at the start (baseline flow x transit days) as stock
        of the importer, as the engine does.
    reexport : bool
        Allow a country to export what it imports (default: exports come from its own
        output or stock only, as at baseline).
    end_use_restriction : bool
        When a link or an exporter's product is cut, third countries may ship to the cut
        destinations only what they make or hold from material not originating in the
        exporter (baseline origin shares; see :meth:`end_use_rows`). ``False`` gives the
        unrestricted LP, in which every single cut link is absorbed by swaps (TTS ``inf``).
    max_days : float
        Cap on the TTS horizon; a node whose TTS reaches it is reported as ``inf``.
    links : Links, optional
        Trade links (baseline plus candidates); default :func:`build_links`.
    screen : bool
        Before the full LP, solve a restricted LP in which only the variables of the cut
        product and its upstream products move and every other variable stays at its
        baseline rate x t. Its optimum is a lower bound of the full one, so when it
        reaches ``max_days`` (and the fixed rows hold there) the TTS is ``inf`` exactly
        and the full LP is skipped; otherwise the full LP is solved. Used only when the
        restricted LP is less than half the size of the full one.

    References
    ----------
    Simchi-Levi et al. (2015), Interfaces 45(5), 375-390, doi:10.1287/inte.2015.0804.

    Examples
    --------
    >>> from supplyshock.network import load_network
    >>> model = TTSModel(load_network())
    >>> model.tts([]) == float("inf")  # nothing cut: capacity covers demand for ever
    True
    >>> cut = Node("link", "CHN", importer="USA", product="ndfeb_magnet")
    >>> bool(np.isfinite(model.tts(cut)))  # no third country may pass Chinese-origin magnets on
    True
    >>> TTSModel(load_network(), end_use_restriction=False).tts(cut)  # swaps absorb the cut
    inf
    """

    def __init__(
        self,
        net: SupplyNetwork,
        *,
        strategic: bool = False,
        in_transit: bool = True,
        reexport: bool = False,
        end_use_restriction: bool = True,
        max_days: float = MAX_DAYS,
        links: Links | None = None,
        screen: bool = True,
    ) -> None:
        if max_days <= 0:
            raise DataError(f"max_days must be > 0, got {max_days}")
        self.net = net
        self.max_days = float(max_days)
        self.reexport = reexport
        self.end_use_restriction = end_use_restriction
        self.links = links if links is not None else build_links(net)
        C, P = len(net.countries), len(net.products)
        L = self.links.n
        fac = np.argwhere(net.capacity > 0)
        self.fac = fac
        nA = len(fac)
        self.nA, self.nL = nA, L
        self.n_flow = nA + L
        # node-balance coefficients on (c, p) rows: inputs used (+), outputs made (-)
        use_r, use_c, use_v, mk_r, mk_c, mk_v = [], [], [], [], [], []
        for k, (c, j) in enumerate(fac):
            for p in np.flatnonzero(net.recipe_in[c, j]):
                use_r.append(c * P + p)
                use_c.append(k)
                use_v.append(net.recipe_in[c, j, p])
            for p in np.flatnonzero(net.recipe_out[c, j]):
                mk_r.append(c * P + p)
                mk_c.append(k)
                mk_v.append(net.recipe_out[c, j, p])
        lk = self.links
        out_node = lk.exporter * P + lk.product
        in_node = lk.importer * P + lk.product
        shape = (C * P, self.n_flow)
        use = sp.csr_matrix((use_v, (use_r, use_c)), shape=shape)
        make = sp.csr_matrix((mk_v, (mk_r, mk_c)), shape=shape)
        ship_out = sp.csr_matrix((np.ones(L), (out_node, nA + np.arange(L))), shape=shape)
        ship_in = sp.csr_matrix((np.ones(L), (in_node, nA + np.arange(L))), shape=shape)
        B = (use - make + ship_out - ship_in).tocsr()
        self._make = make.tocsr()  # (C*P, n_flow): output of each activity at each node, for the end-use rows
        # exports net of own output (no re-export), on rows of nodes with outbound links
        Bo = (ship_out - make).tocsr()
        # stocks: the engine's initial stocks (one definition, shared)
        cons0 = net.consumption0 / DAYS_PER_YEAR
        fd0 = net.final_demand0 / DAYS_PER_YEAR
        stock = initial_stocks(net, lk)
        if strategic:
            stock = stock + net.strategic_days * (cons0 + fd0)
        if in_transit:
            pipe = np.zeros(C * P)
            np.add.at(pipe, in_node, lk.flow0 / DAYS_PER_YEAR * lk.transit)
            stock = stock + pipe.reshape(C, P)
        self.stock = stock  # (C, P) tonnes
        self._origin_cache: dict[tuple[int, int], np.ndarray] = {}
        # end-use demand: one entry per (c, s) with demand > 0
        dem = np.argwhere(net.demand0 > 0)
        self.dem = dem
        self.d = net.demand0[dem[:, 0], dem[:, 1]] / DAYS_PER_YEAR  # t/day
        self.v = net.value_per_t[dem[:, 0], dem[:, 1]]
        dem_node = dem[:, 0] * P + net.sector_product[dem[:, 1]]
        self.D = sp.csr_matrix((np.ones(len(dem)), (dem_node, np.arange(len(dem)))), shape=(C * P, len(dem)))
        # keep rows that can bind
        touched = np.asarray(abs(B).sum(axis=1)).ravel() > 0
        touched |= np.asarray(self.D.sum(axis=1)).ravel() > 0
        self.rows = np.flatnonzero(touched)
        self.B = B[self.rows]
        self.Dn = self.D[self.rows]
        self.S = stock.reshape(-1)[self.rows]
        if reexport:
            self.Bo = sp.csr_matrix((0, self.n_flow))
            self.So = np.zeros(0)
        else:
            has_out = np.zeros(C * P, bool)
            has_out[out_node] = True
            orows = np.flatnonzero(has_out)
            self.Bo = Bo[orows]
            self.So = stock.reshape(-1)[orows]
        self.cap = np.array([net.capacity[c, j] for c, j in fac]) / DAYS_PER_YEAR  # t activity / day
        self._fac_index = {(int(c), int(j)): k for k, (c, j) in enumerate(fac)}
        self._link_index: dict[tuple[int, int, int], int] = {
            (int(e), int(i), int(p)): nA + k for k, (e, i, p) in enumerate(zip(lk.exporter, lk.importer, lk.product, strict=True))
        }
        # TTS matrix: [B | D d] ; [I_a 0 | -cap] ; [Bo | 0]
        Ia = sp.hstack([sp.identity(nA, format="csr"), sp.csr_matrix((nA, L))], format="csr")
        self._A_tts_flow = sp.vstack([self.B, Ia, self.Bo], format="csr")
        self._b_tts = np.r_[self.S, np.zeros(nA), self.So]
        # screening: baseline rates (t/day) and the products each variable carries
        self.screen = screen
        self._A_csc = self._A_tts_flow.tocsc()
        self._y0 = np.r_[np.array([net.activity0[c, j] for c, j in fac]) / DAYS_PER_YEAR, lk.flow0 / DAYS_PER_YEAR]
        self._var_products = [np.flatnonzero(net.recipe_out[c, j]) for c, j in fac] + [np.array([p]) for p in lk.product]
        outs: np.ndarray = np.asarray((net.recipe_out > 0).any(axis=0))  # (J, P)
        ins: np.ndarray = np.asarray((net.recipe_in > 0).any(axis=0))
        self._inputs_of = [np.flatnonzero(ins[outs[:, p]].any(axis=0)) for p in range(P)]
        fac_out = np.zeros((nA, P), bool)
        for k, (c, j) in enumerate(fac):
            fac_out[k] = net.recipe_out[c, j] > 0
        self._fac_out = fac_out
        self.screened = 0

    # ------------------------------------------------------------------ helpers
    def cut_variables(self, cut: Node | Sequence[Node]) -> list[int]:
        """Indices of the LP variables a cut sets to zero.

        Raises
        ------
        DataError
            A node is not in the network (unknown code, no capacity, no such link).
        """
        nodes = [cut] if isinstance(cut, Node) else list(cut)
        net = self.net
        out = []
        for n in nodes:
            try:
                if n.kind == "facility":
                    key = (net.countries.index(n.country), net.processes.index(n.process))
                    out.append(self._fac_index[key])
                elif n.kind == "exports":
                    sel = np.flatnonzero(
                        (self.links.exporter == net.countries.index(n.country)) & (self.links.product == net.products.index(n.product))
                    )
                    if not sel.size:
                        raise KeyError(n.label)
                    out.extend((self.nA + sel).tolist())
                else:
                    lkey = (net.countries.index(n.country), net.countries.index(n.importer), net.products.index(n.product))
                    out.append(self._link_index[lkey])
            except (ValueError, KeyError):
                raise DataError(
                    f"node {n.label!r} is not in dataset {net.name!r} (no such country, process, product, "
                    "facility with capacity or trade link); list nodes with network_nodes(net)"
                ) from None
        return out

    def upstream(self, products: Iterable[int]) -> list[int]:
        """The given products and every product upstream of them through the recipes (indices, sorted)."""
        todo = sorted({int(p) for p in products})
        closure: set[int] = set()
        while todo:
            p = todo.pop()
            if p in closure:
                continue
            closure.add(p)
            todo.extend(int(q) for q in self._inputs_of[p] if int(q) not in closure)
        return sorted(closure)

    def origin_share(self, exporter: int, product: int) -> np.ndarray:
        """Baseline share of each (country, product)'s supply that originates in ``exporter``.

        The shares cover ``product`` and every product upstream of it (material of the
        exporter's origin at any stage), computed by the engine's own rule
        (:meth:`supplyshock.scenario.policy.PolicyBuilder.origin_share`, the one used by
        ``no_reexport``): imports carry their supplier's share, a process's output the
        largest share among its inputs; the exporter's own row is 0.

        Parameters
        ----------
        exporter, product : int
            Indices into the network's countries and products.

        Returns
        -------
        ndarray, shape (C, P)
        """
        key = (int(exporter), int(product))
        if key not in self._origin_cache:
            net = self.net
            pb = PolicyBuilder(net, self.links, dt.date(2000, 1, 1), 1)
            covered = [net.products[q] for q in self.upstream([product])]
            self._origin_cache[key] = pb.origin_share(net.countries[exporter], covered)
        return self._origin_cache[key]

    def end_use_rows(self, cut: Node | Sequence[Node]) -> tuple[sp.csr_matrix, np.ndarray]:
        """Rows of the end-use restriction for a cut: ``R @ [a, x] <= r``.

        For every cut link or exporter node (exporter e, product p, cut destinations D: the
        link's importer, or every country but e for an ``exports`` node) and every third
        country k that can ship p to D, k's shipments of p to D are bounded by the part of
        what it makes or holds that does not originate in e::

            sum_{l: k -> D, p} x[l] - (1 - o[k,p]) * sum_j rout[k,j,p] a[k,j] <= (1 - o[k,p]) * S[k,p]

        with ``o`` the baseline origin shares of :meth:`origin_share`. With ``reexport``
        the imports of p that k receives from countries other than e count too, each at
        its own non-origin share. Facility cuts (and ``end_use_restriction=False``) add no
        row.

        Returns
        -------
        (csr_matrix, ndarray)
            ``R`` with ``n_flow`` columns and its right-hand side ``r`` (zero rows when
            nothing applies).
        """
        nodes = [cut] if isinstance(cut, Node) else list(cut)
        net, lk = self.net, self.links
        C, P = len(net.countries), len(net.products)
        empty = (sp.csr_matrix((0, self.n_flow)), np.zeros(0))
        if not self.end_use_restriction:
            return empty
        dests: dict[tuple[int, int], set[int]] = {}
        for n in nodes:
            if n.kind == "facility":
                continue
            e, p = net.countries.index(n.country), net.products.index(n.product)
            to = set(range(C)) - {e} if n.kind == "exports" else {net.countries.index(n.importer)}
            dests.setdefault((e, p), set()).update(to)
        rows_r: list[int] = []
        rows_c: list[int] = []
        rows_v: list[float] = []
        rhs: list[float] = []
        for (e, p), to in sorted(dests.items()):
            o = self.origin_share(e, p)
            into = np.isin(lk.importer, sorted(to))
            for k in range(C):
                if k == e:
                    continue
                out = np.flatnonzero((lk.exporter == k) & (lk.product == p) & into & (lk.importer != k))
                if not out.size or (o[k, p] <= 0 and not self.reexport):
                    continue  # nothing to ship, or the no-re-export rows already bound it
                free = 1.0 - o[k, p]
                r = len(rhs)
                rows_r.extend([r] * out.size)
                rows_c.extend((self.nA + out).tolist())
                rows_v.extend([1.0] * out.size)
                made = self._make.getrow(k * P + p)
                rows_r.extend([r] * made.nnz)
                rows_c.extend(made.indices.tolist())
                rows_v.extend((-free * made.data).tolist())
                if self.reexport:
                    inbound = np.flatnonzero((lk.importer == k) & (lk.product == p) & (lk.exporter != e))
                    rows_r.extend([r] * inbound.size)
                    rows_c.extend((self.nA + inbound).tolist())
                    rows_v.extend((-(1.0 - o[lk.exporter[inbound], p])).tolist())
                rhs.append(free * float(self.stock[k, p]))
        if not rhs:
            return empty
        R = sp.csr_matrix((rows_v, (rows_r, rows_c)), shape=(len(rhs), self.n_flow))
        return R, np.array(rhs)

    def _bounds(self, cut_vars: Sequence[int], extra: np.ndarray) -> np.ndarray:
        b = np.zeros((self.n_flow, 2))
        b[:, 1] = np.inf
        b[list(cut_vars), 1] = 0.0
        return np.vstack([b, extra])

    # ------------------------------------------------------------------ TTS
    def tts(self, cut: Node | Sequence[Node], *, demand_mask: np.ndarray | None = None) -> float:
        """Time-to-survive in days of the network with ``cut`` removed: an optimistic bound (perfect reallocation).

        Parameters
        ----------
        cut : Node or sequence of Node
            Nodes disrupted at time 0 (an empty list gives the intact network).
        demand_mask : array of bool, shape (C, S), optional
            Only the masked end-use demand must be met (the others may go unserved);
            default: all demand.

        Returns
        -------
        float
            Days; ``inf`` when demand is met up to ``max_days``.
        """
        cv = self.cut_variables(cut)
        R, r = self.end_use_rows(cut)
        A_flow = sp.vstack([self._A_tts_flow, R], format="csr") if R.shape[0] else self._A_tts_flow
        b = np.r_[self._b_tts, r]
        d = self.d if demand_mask is None else self.d * demand_mask[self.dem[:, 0], self.dem[:, 1]]
        tcol = np.r_[self.Dn @ d, -self.cap, np.zeros(len(self.So)), np.zeros(R.shape[0])]
        if self.screen and cv and self._screen_inf(cv, tcol, A_flow, b):
            self.screened += 1
            return float("inf")
        A = sp.hstack([A_flow, sp.csr_matrix(tcol[:, None])], format="csr")
        c = np.zeros(self.n_flow + 1)
        c[-1] = -1.0
        x = _solve(c, A, b, self._bounds(cv, np.array([[0.0, self.max_days]])), "TTS LP")
        t = float(x[-1])
        return float("inf") if t >= self.max_days * (1 - _TOL) else t

    def _screen_inf(self, cut_vars: Sequence[int], tcol: np.ndarray, A_flow: sp.csr_matrix, b: np.ndarray) -> bool:
        """True if a restricted LP proves TTS >= max_days (see ``screen``)."""
        prods = np.array(self.upstream(int(p) for v in cut_vars for p in self._var_products[v]))
        free = np.zeros(self.n_flow, bool)
        free[: self.nA] = self._fac_out[:, prods].any(axis=1)
        free[self.nA :] = np.isin(self.links.product, prods)
        free[list(cut_vars)] = True
        U = np.flatnonzero(free)
        if U.size > self.n_flow // 2:
            return False
        y_fixed = np.where(free, 0.0, self._y0)
        t_coef = A_flow @ y_fixed + tcol  # per day of horizon, fixed part plus demand and capacity
        A_csc = self._A_csc if A_flow is self._A_tts_flow else A_flow.tocsc()
        AU = A_csc[:, U]
        rows = np.unique(AU.indices)
        A = sp.hstack([AU[rows], sp.csr_matrix(t_coef[rows][:, None])], format="csr")
        c = np.zeros(U.size + 1)
        c[-1] = -1.0
        bounds = np.zeros((U.size + 1, 2))
        bounds[:, 1] = np.inf
        bounds[: U.size][np.isin(U, list(cut_vars)), 1] = 0.0
        bounds[-1, 1] = self.max_days
        x = _solve(c, A, b[rows], bounds, "TTS screening LP")
        if x[-1] < self.max_days * (1 - _TOL):
            return False
        out = np.ones(len(t_coef), bool)
        out[rows] = False
        b_out = b[out]
        return bool(np.all(t_coef[out] * self.max_days <= b_out + 1e-7 * (1.0 + np.abs(b_out))))

    def tts_by_region_sector(self, cut: Node | Sequence[Node]) -> pd.DataFrame:
        """Priority TTS of every (country, sector) with demand: only its own demand must be met.

        Returns
        -------
        DataFrame
            Columns ``country``, ``sector``, ``lp_priority_tts_days``.
        """
        rows = []
        S = len(self.net.sectors)
        for c, s in self.dem:
            mask = np.zeros((len(self.net.countries), S), bool)
            mask[c, s] = True
            rows.append({"country": self.net.countries[c], "sector": self.net.sectors[s], "lp_priority_tts_days": self.tts(cut, demand_mask=mask)})
        return pd.DataFrame(rows, columns=["country", "sector", "lp_priority_tts_days"])

    # ------------------------------------------------------------------ performance impact
    def performance_impact(self, cut: Node | Sequence[Node], ttr: float) -> pd.DataFrame:
        """Least value-weighted lost demand over a recovery time ``ttr`` (days).

        Parameters
        ----------
        cut : Node or sequence of Node
        ttr : float
            Time to recover of the cut node(s), days.

        Returns
        -------
        DataFrame
            One row per (country, sector) with demand: ``demand_t`` over the TTR,
            ``lost_t`` and ``lost_usd`` at the optimum.

        Raises
        ------
        MissingInputError
            A (country, sector) with demand has no value per tonne (``values.csv``): the
            loss would be weighted by zero.
        """
        if not np.isfinite(ttr) or ttr < 0:
            raise DataError(f"time to recover must be a finite number of days >= 0, got {ttr}")
        no_value = [f"{self.net.countries[c]}/{self.net.sectors[s]}" for (c, s), v in zip(self.dem, self.v, strict=True) if not v > 0]
        if no_value:
            raise MissingInputError(
                f"performance impact: no value per tonne (values.csv) for {', '.join(no_value)}; "
                "lost demand there would count as zero. Add value_usd_per_t rows.",
                [f"value_usd_per_t for {x}" for x in no_value],
            )
        cv = self.cut_variables(cut)
        R, r = self.end_use_rows(cut)
        nD = len(self.d)
        A = sp.vstack(
            [
                sp.hstack([self.B, -self.Dn], format="csr"),
                sp.hstack([self.Bo, sp.csr_matrix((self.Bo.shape[0], nD))], format="csr"),
                sp.hstack([R, sp.csr_matrix((R.shape[0], nD))], format="csr"),
            ],
            format="csr",
        )
        b = np.r_[self.S - self.Dn @ (self.d * ttr), self.So, r]
        bounds = self._bounds(cv, np.c_[np.zeros(nD), self.d * ttr])
        bounds[: self.nA, 1] = np.minimum(bounds[: self.nA, 1], self.cap * ttr)
        c = np.r_[np.zeros(self.n_flow), self.v]
        x = _solve(c, A, b, bounds, "performance-impact LP")
        lost = np.clip(x[self.n_flow :], 0.0, None)
        return pd.DataFrame(
            {
                "country": [self.net.countries[c] for c in self.dem[:, 0]],
                "sector": [self.net.sectors[s] for s in self.dem[:, 1]],
                "demand_t": self.d * ttr,
                "lost_t": lost,
                "lost_usd": lost * self.v,
            }
        )


def _stage_of(net: SupplyNetwork, product: str) -> str:
    return str(dict(zip(net.tables["products"]["product"], net.tables["products"]["stage"], strict=True)).get(product, ""))


def _baseline(net: SupplyNetwork, n: Node) -> float:
    if n.kind == "facility":
        return float(net.activity0[net.countries.index(n.country), net.processes.index(n.process)])
    sel = (net.link_exporter == net.countries.index(n.country)) & (net.link_product == net.products.index(n.product))
    if n.kind == "link":
        sel &= net.link_importer == net.countries.index(n.importer)
    return float(net.link_flow0[sel].sum())


def time_to_survive(
    net: SupplyNetwork,
    nodes: Sequence[Node] | None = None,
    *,
    ttr: float | Mapping[str, float] | None = None,
    strategic: bool = False,
    in_transit: bool = True,
    reexport: bool = False,
    end_use_restriction: bool = True,
    max_days: float = MAX_DAYS,
    model: TTSModel | None = None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """TTS of every node (and, given a TTR, its performance impact and vulnerability flag).

    The TTS is an optimistic bound: it assumes perfect reallocation (see
    :class:`TTSModel`); the engine's first shortfall for the same cut
    (:func:`engine_first_shortfall`) comes earlier or at the same time.

    Parameters
    ----------
    net : SupplyNetwork
    nodes : sequence of Node, optional
        Default: :func:`network_nodes` (every facility and baseline link).
    ttr : float or mapping label -> days, optional
        Time to recover, one for all nodes or per node label (``CHN/magnet``,
        ``CHN>DEU/ndfeb_magnet``); every node needs one.
    strategic, in_transit, reexport, end_use_restriction, max_days
        As in :class:`TTSModel`.
    model : TTSModel, optional
        A model already built for ``net`` (its options win).
    progress : callable, optional
        Called with the number of nodes done.

    Returns
    -------
    DataFrame
        Index ``node`` (label); columns ``kind``, ``country``, ``process``, ``importer``,
        ``product``, ``stage``, ``baseline_t`` (t/yr of activity or flow), ``tts_days``
        (``inf``: survives the whole horizon); with ``ttr`` also ``ttr_days``, ``lost_t``,
        ``pi_usd`` (performance impact), ``rei`` (risk exposure index, PI / max PI) and
        ``vulnerable`` (TTS < TTR). Sorted by TTS, shortest first.

    Raises
    ------
    MissingInputError
        ``ttr`` is a mapping without an entry for some node, or values per tonne are missing.

    References
    ----------
    Simchi-Levi et al. (2015), Interfaces 45(5), 375-390, doi:10.1287/inte.2015.0804.
    """
    model = model or TTSModel(
        net, strategic=strategic, in_transit=in_transit, reexport=reexport, end_use_restriction=end_use_restriction, max_days=max_days
    )
    nodes = list(nodes) if nodes is not None else network_nodes(net)
    ttr_of: dict[str, float] = {}
    if ttr is not None:
        if isinstance(ttr, Mapping):
            absent = [n.label for n in nodes if n.label not in ttr]
            if absent:
                raise MissingInputError(
                    f"time to recover missing for node(s) {', '.join(absent)}; give a TTR for every node", [f"TTR of {x}" for x in absent]
                )
            ttr_of = {n.label: float(ttr[n.label]) for n in nodes}
        else:
            ttr_of = {n.label: float(ttr) for n in nodes}
    rows = []
    for k, n in enumerate(nodes):
        row: dict[str, object] = {
            "node": n.label,
            "kind": n.kind,
            "country": n.country,
            "process": n.process,
            "importer": n.importer,
            "product": n.product,
            "stage": _stage_of(net, n.product),
            "baseline_t": _baseline(net, n),
            "tts_days": model.tts(n),
        }
        if ttr_of:
            pi = model.performance_impact(n, ttr_of[n.label])
            row.update({"ttr_days": ttr_of[n.label], "lost_t": float(pi["lost_t"].sum()), "pi_usd": float(pi["lost_usd"].sum())})
        rows.append(row)
        if progress is not None:
            progress(k + 1)
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    if ttr_of:
        top = float(df["pi_usd"].max())
        df["rei"] = df["pi_usd"] / top if top > 0 else np.nan  # undefined when no node loses anything
        df["vulnerable"] = df["tts_days"] < df["ttr_days"]
    return df.sort_values(["tts_days", "node"], kind="stable").set_index("node")


# ---------------------------------------------------------------------- simulation
def _cut_event(net: SupplyNetwork, n: Node, start: dt.date, *, end_use_restriction: bool = True) -> dict[str, object]:
    if n.kind == "facility":
        cap = float(net.capacity[net.countries.index(n.country), net.processes.index(n.process)])
        return {
            "type": "capacity_change",
            "id": "cut",
            "country": n.country,
            "process": n.process,
            "tonnes_per_year": -cap,
            "decided": start.isoformat(),
            "source": "supplyshock.analysis.tts: node cut",
        }
    dest: list[str] | str = "all" if n.kind == "exports" else [n.importer]
    return {
        "type": "export_ban",
        "id": "cut",
        "exporter": n.country,
        "products": [n.product],
        "destinations": dest,
        "start": start.isoformat(),
        "extraterritorial": end_use_restriction,
        "source": "supplyshock.analysis.tts: node cut",
    }


def simulated_tts(
    net: SupplyNetwork,
    nodes: Sequence[Node] | None = None,
    *,
    start: str | dt.date = "2025-01-01",
    horizon_days: int = 365,
    threshold: float = SHORTFALL_THRESHOLD,
    end_use_restriction: bool = True,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """First-shortfall day per (node, country, sector) from the engine, with the node cut on day 0.

    A facility is cut by a ``capacity_change`` of minus its capacity, a link by an
    ``export_ban`` of its product from its exporter to its importer (``destinations: all``
    for an exporter node), made ``extraterritorial`` when ``end_use_restriction``: the ban
    then also covers other countries' shipments of the product to the same destinations in
    proportion to their baseline share of the exporter's material (the engine's counterpart
    of the LP's end-use rows; its origin share covers the banned product only, since the
    event's products are also the banned links). Both events are built programmatically and
    run with :func:`supplyshock.engine.run_scenario` (one member).

    Parameters
    ----------
    net : SupplyNetwork
    nodes : sequence of Node, optional
        Default: every node.
    start : str or date
        First simulated day.
    horizon_days : int
        Days simulated; a region-sector never short in them gets NaN.
    threshold : float
        Share of demand above which a day counts as short (as :func:`supplyshock.summarise`).
    end_use_restriction : bool
        Make the export bans of link and exporter cuts ``extraterritorial``.
    progress : callable, optional
        Called with the number of nodes done.

    Returns
    -------
    DataFrame
        Columns ``node``, ``country``, ``sector``, ``sim_first_shortfall_day`` (days of
        full supply before the first short day; NaN: never within the horizon).
    """
    from supplyshock.analysis.metrics import member_metrics
    from supplyshock.engine.run import run_scenario
    from supplyshock.scenario import Scenario

    start_d = dt.date.fromisoformat(start) if isinstance(start, str) else start
    nodes = list(nodes) if nodes is not None else network_nodes(net)
    dem = np.argwhere(net.demand0 > 0)
    rows = []
    for k, n in enumerate(nodes):
        sc = Scenario.model_validate(
            {
                "name": f"cut {n.label}",
                "dataset": net.name,
                "start": start_d.isoformat(),
                "horizon_days": horizon_days,
                "events": [_cut_event(net, n, start_d, end_use_restriction=end_use_restriction)],
            }
        )
        ds = run_scenario(sc, net, members=1, record=("demand", "shortfall"))
        first = member_metrics(ds, threshold=threshold)["days_to_first_shortfall"].values[0]  # (C, S), NaN: never
        for c, s in dem:
            rows.append(
                {
                    "node": n.label,
                    "country": net.countries[c],
                    "sector": net.sectors[s],
                    "sim_first_shortfall_day": float(first[c, s]),
                }
            )
        if progress is not None:
            progress(k + 1)
    return pd.DataFrame(rows, columns=["node", "country", "sector", "sim_first_shortfall_day"])


def compare_tts(
    net: SupplyNetwork,
    nodes: Sequence[Node] | None = None,
    *,
    start: str | dt.date = "2025-01-01",
    horizon_days: int = 365,
    threshold: float = SHORTFALL_THRESHOLD,
    model: TTSModel | None = None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """LP time-to-survive beside the engine's first-shortfall day, per node, country and sector.

    The LP figures are optimistic bounds (perfect reallocation, see :class:`TTSModel`);
    the engine cuts the same node with the same end-use restriction as the model.

    Parameters
    ----------
    net : SupplyNetwork
    nodes : sequence of Node, optional
    start, horizon_days, threshold
        As in :func:`simulated_tts`.
    model : TTSModel, optional
        Default ``TTSModel(net)`` (commercial stocks and goods in transit, no strategic
        stocks: what the engine starts with).
    progress : callable, optional

    Returns
    -------
    DataFrame
        Columns ``node``, ``country``, ``sector``, ``lp_system_tts_days`` (all demand must
        be met), ``lp_priority_tts_days`` (only this region-sector's demand must be met:
        an upper bound for it), ``sim_first_shortfall_day`` (NaN: never short within
        ``horizon_days``), ``horizon_days``.
    """
    model = model or TTSModel(net)
    nodes = list(nodes) if nodes is not None else network_nodes(net)
    sim = simulated_tts(
        net,
        nodes,
        start=start,
        horizon_days=horizon_days,
        threshold=threshold,
        end_use_restriction=model.end_use_restriction,
        progress=progress,
    )
    parts = []
    for n in nodes:
        pr = model.tts_by_region_sector(n)
        pr.insert(0, "node", n.label)
        pr.insert(3, "lp_system_tts_days", model.tts(n))
        parts.append(pr)
    lp = pd.concat(parts, ignore_index=True)
    out = lp.merge(sim, on=["node", "country", "sector"], how="left")
    out = out[["node", "country", "sector", "lp_system_tts_days", "lp_priority_tts_days", "sim_first_shortfall_day"]]
    out["horizon_days"] = horizon_days
    return out


def compare_summary(comparison: pd.DataFrame) -> pd.DataFrame:
    """One row per node from :func:`compare_tts`: the LP figure beside the engine's earliest shortfall.

    Returns
    -------
    DataFrame
        Index ``node``; columns ``lp_system_tts_days``, ``sim_first_shortfall_day`` (the
        earliest over region-sectors; NaN: none short within the horizon),
        ``first_short`` (the countries short on that day), ``short_region_sectors``
        (how many run short within the horizon), ``horizon_days``.
    """
    rows = []
    for node, g in comparison.groupby("node", sort=False):
        sim = g["sim_first_shortfall_day"]
        first = float(sim.min()) if sim.notna().any() else np.nan
        who = sorted(set(g.loc[sim == first, "country"])) if np.isfinite(first) else []
        rows.append(
            {
                "node": node,
                "lp_system_tts_days": float(g["lp_system_tts_days"].iloc[0]),
                "sim_first_shortfall_day": first,
                "first_short": " ".join(who),
                "short_region_sectors": int(sim.notna().sum()),
                "horizon_days": int(g["horizon_days"].iloc[0]),
            }
        )
    return pd.DataFrame(rows).set_index("node")


def engine_first_shortfall(
    net: SupplyNetwork,
    nodes: Sequence[Node],
    *,
    start: str | dt.date = "2025-01-01",
    horizon_days: int = 365,
    threshold: float = SHORTFALL_THRESHOLD,
    end_use_restriction: bool = True,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """The engine's first shortfall per node: the earliest over region-sectors, with the node cut on day 0.

    One engine run per node (:func:`simulated_tts`), without the per region-sector LPs of
    :func:`compare_tts`: the figure to set beside the LP's TTS, which is an optimistic
    bound of it.

    Parameters
    ----------
    net : SupplyNetwork
    nodes : sequence of Node
    start, horizon_days, threshold, end_use_restriction, progress
        As in :func:`simulated_tts`.

    Returns
    -------
    DataFrame
        Index ``node``; columns ``engine_first_shortfall_days`` (days of full supply
        before the first short day in any region-sector; NaN: none short within the
        horizon), ``engine_first_short`` (the countries short on that day),
        ``engine_short_region_sectors`` (how many run short within the horizon),
        ``engine_horizon_days``.
    """
    sim = simulated_tts(
        net, nodes, start=start, horizon_days=horizon_days, threshold=threshold, end_use_restriction=end_use_restriction, progress=progress
    )
    rows = []
    for n in nodes:
        g = sim[sim["node"] == n.label]
        first_day = g["sim_first_shortfall_day"]
        first = float(first_day.min()) if first_day.notna().any() else np.nan
        who = sorted(set(g.loc[first_day == first, "country"])) if np.isfinite(first) else []
        rows.append(
            {
                "node": n.label,
                "engine_first_shortfall_days": first,
                "engine_first_short": " ".join(who),
                "engine_short_region_sectors": int(first_day.notna().sum()),
                "engine_horizon_days": int(horizon_days),
            }
        )
    cols = ["node", "engine_first_shortfall_days", "engine_first_short", "engine_short_region_sectors", "engine_horizon_days"]
    return pd.DataFrame(rows, columns=cols).set_index("node")
