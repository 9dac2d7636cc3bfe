"""Trade links: the baseline links of a dataset plus candidate links for rerouting."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from supplyshock.network.model import SupplyNetwork

__all__ = ["Links", "build_links"]


@dataclass(frozen=True)
class Links:
    """Trade links, sorted by importing node: baseline links and candidate links.

    Attributes
    ----------
    exporter, importer, product : ndarray of int
        Indices into the network's countries and products.
    flow0 : ndarray
        Baseline annual flow (t/yr; 0 on candidate links).
    transit : ndarray of int
        Days from shipment to arrival (>= 1).
    baseline : ndarray of bool
        True for links with baseline trade (False: candidate links for rerouting).
    """

    exporter: np.ndarray
    importer: np.ndarray
    product: np.ndarray
    flow0: np.ndarray
    transit: np.ndarray
    baseline: np.ndarray

    @property
    def n(self) -> int:
        """Number of links."""
        return int(self.exporter.size)


def build_links(net: SupplyNetwork) -> Links:
    """Baseline links plus every (producer -> user) pair of a product not traded at baseline.

    A *producer* of a product has capacity in a process that outputs it or exports it at
    baseline; a *user* has process input use or final demand of it. Candidate links carry
    no baseline flow and take ``candidate_transit_days``; they are where rerouted orders
    can go.
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
    cand_transit = round(net.param("candidate_transit_days"))
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
