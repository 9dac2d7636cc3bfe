"""Materials: the vocabulary's family tree and the map from a material to a dataset's products.

A material maps to the products of a dataset whose code or name matches a pattern
(``data/news/material_products.csv``; by default the material's own name, so a new
``gallium`` dataset with a product named "Refined gallium" needs no change), limited to
the stages the table gives when the dataset has them. ``material_groups.csv`` says which
material belongs to which group (dysprosium to heavy rare earths to rare earths).
"""

from __future__ import annotations

import re
from functools import cache

import pandas as pd

from supplyshock.news.lexicon import material_product_rules, read_rows

__all__ = ["ancestors", "products_for", "prune_generic", "related"]


@cache
def _parents() -> dict[str, str]:
    return {row["material"]: row["group"] for row in read_rows("material_groups.csv")}


def ancestors(material: str) -> list[str]:
    """The groups a material belongs to, nearest first (dysprosium -> heavy rare earths, rare earths)."""
    out = []
    cur = _parents().get(material)
    while cur and cur not in out:
        out.append(cur)
        cur = _parents().get(cur)
    return out


def prune_generic(materials: list[str]) -> list[str]:
    """Drop a group when a member of it is also named (keep "rare earth magnets": it is a product)."""
    named = set(materials)
    return [m for m in materials if m == "rare earth magnets" or not any(m in ancestors(other) for other in named if other != m)]


def related(a: list[str], b: list[str]) -> bool:
    """True when the two lists share a material or one names a group of the other's."""
    fam_a = {m for x in a for m in [x, *ancestors(x)]}
    fam_b = {m for x in b for m in [x, *ancestors(x)]}
    return bool(set(a) & fam_b or set(b) & fam_a)


def products_for(material: str, products: pd.DataFrame) -> list[str]:
    """The product codes of a dataset that a material stands for.

    Parameters
    ----------
    material : str
        A vocabulary name ("rare earths", "gallium").
    products : pandas.DataFrame
        The dataset's ``products`` table (``product``, ``name``, ``stage``).

    Returns
    -------
    list of str
        In table order; empty when the dataset has none.
    """
    rule = material_product_rules().get(material)
    pattern, stages = rule if rule is not None else (re.escape(material.rstrip("s")), ())
    rx = re.compile(pattern, re.I)
    names = products.get("name", pd.Series("", index=products.index)).astype(str)
    if rule is None:
        # the material's own name matches a product's code or what the product is, never its
        # remarks: "Scandium oxide (... a by-product of nickel ...)" is not a nickel product
        names = names.str.replace(r"\s*\(.*", "", regex=True)
    text = products["product"].astype(str) + " " + names
    hits = products[text.map(lambda t: bool(rx.search(t)))]
    if stages and "stage" in hits.columns and hits["stage"].isin(stages).any():
        hits = hits[hits["stage"].isin(stages)]
    return [str(p) for p in hits["product"]]
