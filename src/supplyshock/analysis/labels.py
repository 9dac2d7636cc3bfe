"""Names for people: countries, sectors, products, markets and the input-output table's codes.

Results carry codes (``EUR``, ``ev_traction``, ``RoW_agg``, ``TRN``); every table, chart and
sentence shown to a reader uses the names the dataset gives them (``countries.csv``,
``sectors.csv``, ``products.csv``) and, for the input-output table, the glossary
``data/mrio/codes.csv`` (from ``data/mrio/README.md``). One place for every label: the
command line, the report and the dashboard all call :func:`labels_for`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources

import pandas as pd
import xarray as xr

__all__ = ["Labels", "labels_for", "mrio_glossary", "period_text", "short_name"]


def short_name(text: str) -> str:
    """A name without its parenthetical detail: ``"Other automotive (EPS, pumps)"`` -> ``"Other automotive"``.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
        The text before the first `` (`` or ``;``, then before the first comma when what
        precedes it has two words or more (``"Terbium oxide, Tb4O7"`` -> ``"Terbium
        oxide"``, but ``"LEDs, laser diodes"`` stays whole); the whole text when that
        leaves nothing.
    """
    head = re.split(r"\s*[(;]", str(text), maxsplit=1)[0].strip()
    before = head.split(",", 1)[0].strip()
    if before != head and len(before.split()) >= 2:
        head = before
    return head or str(text).strip()


@functools.lru_cache(maxsize=1)
def mrio_glossary() -> pd.DataFrame:
    """The input-output table's region and sector codes with their names and definitions.

    Returns
    -------
    DataFrame
        Columns ``kind`` (``region`` or ``sector``), ``code``, ``name``, ``definition``,
        ``basis``, ``source`` (``data/mrio/codes.csv``).
    """
    ref = resources.files("supplyshock").joinpath("data", "mrio", "codes.csv")
    with ref.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


@functools.lru_cache(maxsize=16)
def _tables(dataset: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame] | None:
    """Countries, sectors and products of an embedded dataset (several joined by ``+``); None if not embedded."""
    from supplyshock.network import list_datasets, load_network

    parts = [p for p in dataset.split("+") if p]
    known = set(list_datasets())
    if not parts or any(p not in known for p in parts):
        return None
    frames: list[list[pd.DataFrame]] = [[], [], []]
    for part in parts:
        net = load_network(part, check=False)
        for i, name in enumerate(("countries", "sectors", "products")):
            frames[i].append(net.tables[name])
    countries, sectors, products = (pd.concat(f, ignore_index=True) for f in frames)
    return (
        countries.drop_duplicates("country").reset_index(drop=True),
        sectors.drop_duplicates("sector").reset_index(drop=True),
        products.drop_duplicates("product").reset_index(drop=True),
    )


@dataclass(frozen=True)
class Labels:
    """Names by code for one run (missing codes fall back to the code itself).

    Attributes
    ----------
    countries, sectors, products : dict
        Full names from the dataset's tables.
    country_order : list of str
        The dataset's countries in its own order (fixes each country's colour).
    mrio_regions, mrio_sectors : dict
        Names of the input-output table's codes (:func:`mrio_glossary`).
    """

    countries: dict[str, str] = field(default_factory=dict)
    sectors: dict[str, str] = field(default_factory=dict)
    products: dict[str, str] = field(default_factory=dict)
    country_order: list[str] = field(default_factory=list)
    mrio_regions: dict[str, str] = field(default_factory=dict)
    mrio_sectors: dict[str, str] = field(default_factory=dict)

    def country(self, code: str) -> str:
        """A country's name (``EUR`` -> ``European Union excluding Germany``)."""
        return self.countries.get(str(code), str(code))

    def sector(self, code: str, *, short: bool = True) -> str:
        """An end-use sector's name, by default without its parenthetical detail."""
        name = self.sectors.get(str(code), str(code).replace("_", " "))
        return short_name(name) if short else name

    def product(self, code: str, *, short: bool = True) -> str:
        """A product's name, by default without its parenthetical detail."""
        name = self.products.get(str(code), str(code).replace("_", " "))
        return short_name(name) if short else name

    def market(self, code: str) -> str:
        """A price market's name: ``outside_china`` -> ``outside China`` (country names capitalised)."""
        text = str(code).replace("_", " ")
        for name in sorted(self.countries.values(), key=len, reverse=True):
            text = re.sub(rf"\b{re.escape(name.lower())}\b", name, text)
        return text

    def region(self, code: str) -> str:
        """An input-output region's name (``RoW_agg`` -> ``Rest of the world``)."""
        return self.mrio_regions.get(str(code), str(code))

    def mrio_sector(self, code: str) -> str:
        """An input-output sector's name (``TRN`` -> ``Transport equipment``)."""
        return self.mrio_sectors.get(str(code), str(code))


def labels_for(ds_or_dataset: xr.Dataset | str) -> Labels:
    """The names of a run's codes, from its embedded dataset(s) and the input-output glossary.

    Parameters
    ----------
    ds_or_dataset : Dataset or str
        Results (their ``dataset`` attribute) or a dataset name; several datasets joined by
        ``+``. A dataset that is not embedded (a folder) gives no names: codes stand for
        themselves.

    Returns
    -------
    Labels
    """
    dataset = str(ds_or_dataset.attrs.get("dataset", "")) if isinstance(ds_or_dataset, xr.Dataset) else str(ds_or_dataset)
    glossary = mrio_glossary()
    regions = dict(zip(glossary.loc[glossary["kind"] == "region", "code"], glossary.loc[glossary["kind"] == "region", "name"], strict=True))
    msectors = dict(zip(glossary.loc[glossary["kind"] == "sector", "code"], glossary.loc[glossary["kind"] == "sector", "name"], strict=True))
    tables = _tables(dataset)
    if tables is None:
        order = [str(c) for c in ds_or_dataset["country"].values] if isinstance(ds_or_dataset, xr.Dataset) else []
        return Labels(country_order=order, mrio_regions=regions, mrio_sectors=msectors)
    countries, sectors, products = tables
    return Labels(
        countries=dict(zip(countries["country"].astype(str), countries["name"].astype(str), strict=True)),
        sectors=dict(zip(sectors["sector"].astype(str), sectors["name"].astype(str), strict=True)),
        products=dict(zip(products["product"].astype(str), products["name"].astype(str), strict=True)),
        country_order=[str(c) for c in countries["country"]],
        mrio_regions=regions,
        mrio_sectors=msectors,
    )


def period_text(ds: xr.Dataset) -> str:
    """The simulated period of a run: ``"1 Jan 2025 to 31 Dec 2025 (365 days)"``."""
    times = pd.DatetimeIndex(ds["time"].values)
    first, last = times[0], times[-1]
    return f"{first.day} {first:%b %Y} to {last.day} {last:%b %Y} ({len(times)} days)"
