"""Map a draft onto a dataset: choose the dataset, translate countries and materials to its codes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pycountry

from supplyshock.network import DEFAULT_DATASET, SupplyNetwork, list_datasets, load_network
from supplyshock.news.errors import NewsError
from supplyshock.news.lexicon import group_members
from supplyshock.news.materials import products_for
from supplyshock.news.model import Draft, DraftEvent

__all__ = ["DatasetView", "choose_dataset", "dataset_view"]


@dataclass(frozen=True)
class DatasetView:
    """A dataset's codes as the drafter needs them."""

    name: str
    net: SupplyNetwork

    @property
    def countries(self) -> list[str]:
        """Country codes of the dataset."""
        return list(self.net.countries)

    def country_names(self) -> dict[str, str]:
        """Code -> name (``countries.csv``)."""
        table = self.net.tables["countries"]
        return dict(zip(table["country"].astype(str), table.get("name", table["country"]).astype(str), strict=False))

    def countries_for(self, code: str) -> tuple[list[str], str]:
        """The dataset codes standing for a country or group, and a note when it is an aggregate.

        ``EU`` is every EU member the dataset has plus its EU aggregate; a country the
        dataset lacks maps to the aggregate that contains it (by EU membership or by name,
        e.g. Myanmar in "Myanmar and Laos"), else to "Rest of world".
        """
        if code in self.countries:
            return [code], ""
        names = self.country_names()
        eu_agg = [c for c, n in names.items() if "european union" in n.lower()]
        members = group_members().get("EU", frozenset())
        if code == "EU":
            out = [c for c in self.countries if c in members] + eu_agg
            return out, f"EU mapped to {', '.join(out)}" if out else "EU: no EU country in the dataset"
        if code in members and eu_agg:
            return eu_agg[:1], f"{code} mapped to {eu_agg[0]} ({names[eu_agg[0]]})"
        country = pycountry.countries.get(alpha_3=code)
        label = str(getattr(country, "common_name", None) or getattr(country, "name", None) or code)
        for c, n in names.items():
            if label.lower() in n.lower():
                return [c], f"{code} mapped to {c} ({n})"
        rest = [c for c, n in names.items() if n.lower().startswith("rest of")]
        if rest:
            return rest[:1], f"{code} is not in the dataset; mapped to {rest[0]} ({names[rest[0]]})"
        return [], f"{code} is not in the dataset"

    def products(self, materials: list[str]) -> list[str]:
        """Product codes of the materials (in table order, each once)."""
        table = self.net.tables["products"]
        found = {p for m in materials for p in products_for(m, table)}
        return [p for p in table["product"].astype(str) if p in found]

    def process_of(self, product: str) -> str | None:
        """The process whose output is the product (for capacity changes)."""
        recipes = self.net.tables["recipes"]
        rows = recipes[(recipes["product"].astype(str) == product) & (recipes["role"].astype(str) == "output")]
        return str(rows["process"].iloc[0]) if len(rows) else None


@cache
def dataset_view(name: str) -> DatasetView:
    """The view of an embedded dataset or a dataset folder."""
    return DatasetView(name, load_network(name))


def _fit(view: DatasetView, events: list[DraftEvent]) -> tuple[int, int]:
    specific = sum(1 for e in events if e.materials and "all goods" not in e.materials and view.products(e.materials))
    general = sum(1 for e in events if view.products(e.materials))
    return specific, general


def choose_dataset(draft: Draft, dataset: str | None = None) -> DatasetView:
    """The dataset a draft is written for: the one given, else the one its events' materials map to best.

    Raises
    ------
    NewsError
        The dataset given does not load.
    """
    if dataset:
        try:
            return dataset_view(dataset)
        except Exception as exc:  # DataError and folder problems alike
            raise NewsError(f"dataset {dataset!r}: {exc}") from exc
    views = [dataset_view(n) for n in list_datasets()]
    return max(views, key=lambda v: (_fit(v, draft.events), v.name == DEFAULT_DATASET))
