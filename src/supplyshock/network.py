"""The supply network: products, processes, facilities, trade links, stocks and demand.

A :class:`SupplyNetwork` holds the tables of a dataset (pandas DataFrames, each row with
a ``source``) and the numpy arrays the engine works on. It is validated on construction;
every problem is reported with the file, the row and the field, and how to fix it.

The embedded default is ``rare-earths`` (2024 baseline); a user's own dataset is a folder
with the same CSV files (see ``docs/data.md``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from supplyshock.errors import DataError

__all__ = ["BALANCE_TOLERANCE", "DATASETS", "SupplyNetwork", "list_datasets", "load_network"]

#: Relative tolerance of the baseline balance check (of each node's throughput).
BALANCE_TOLERANCE = 1e-6

DATASETS = {"rare-earths": "rare_earths"}

# file -> (required columns, numeric columns that must be >= 0)
SCHEMA: dict[str, tuple[list[str], list[str]]] = {
    "countries": (["country", "name", "mrio_region", "source"], []),
    "products": (["product", "stage", "name", "unit", "source"], []),
    "sectors": (["sector", "name", "mrio_sector", "product", "source"], []),
    "recipes": (["process", "product", "role", "quantity", "basis", "source"], ["quantity"]),
    "recipe_overrides": (["country", "process", "product", "quantity", "basis", "source"], ["quantity"]),
    "facilities": (
        ["country", "process", "output_t", "capacity_t", "basis", "source", "capacity_source"],
        ["output_t", "capacity_t"],
    ),
    "trade": (
        ["exporter", "importer", "product", "flow_t", "transit_days", "basis", "source"],
        ["flow_t", "transit_days"],
    ),
    "demand": (["country", "sector", "product", "demand_t", "basis", "source"], ["demand_t"]),
    "values": (["country", "sector", "value_usd_per_t", "basis", "source"], ["value_usd_per_t"]),
    "stocks": (["country", "product", "cover_days", "basis", "source"], ["cover_days"]),
    "strategic_stocks": (["country", "product", "cover_days", "basis", "source"], ["cover_days"]),
    "prices": (["product", "price_usd_per_t", "basis", "source"], ["price_usd_per_t"]),
    "parameters": (["name", "value", "unit", "basis", "source", "description"], []),
}
#: Parameters whose value is a share and must lie in [0, 1].
SHARE_PARAMETERS = {"utilisation", "magnet_dependence_share"}
UTILISATION_DERIVED = "derived: output / utilisation"


def list_datasets() -> list[str]:
    """Names of the datasets embedded in the package."""
    return sorted(DATASETS)


def _dataset_dir(name_or_path: str | Path) -> Path:
    if isinstance(name_or_path, str) and name_or_path in DATASETS:
        return Path(str(resources.files("supplyshock") / "data" / DATASETS[name_or_path]))
    path = Path(name_or_path)
    if not path.is_dir():
        raise DataError(
            f"dataset {str(name_or_path)!r}: not an embedded dataset ({', '.join(list_datasets())}) "
            "nor a folder of CSV tables; pass one of those names or a folder path"
        )
    return path


def _read_tables(folder: Path) -> dict[str, pd.DataFrame]:
    tables: dict[str, pd.DataFrame] = {}
    for name, (required, numeric) in SCHEMA.items():
        path = folder / f"{name}.csv"
        optional = name in {"recipe_overrides", "strategic_stocks", "prices", "values"}
        if not path.exists():
            if optional:
                tables[name] = pd.DataFrame({c: pd.Series(dtype=object) for c in required})
                continue
            raise DataError(f"{path}: missing; every dataset needs {name}.csv (columns {', '.join(required)})")
        try:
            df = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise DataError(f"{path}: cannot be read as CSV ({exc}); fix the file's quoting or encoding") from None
        missing = [c for c in required if c not in df.columns]
        if missing:
            raise DataError(f"{path}: missing column(s) {', '.join(missing)}; required: {', '.join(required)}")
        for col in [*numeric, *(["value"] if name == "parameters" else [])]:
            values = pd.to_numeric(df[col], errors="coerce")
            bad = values.isna() | ~np.isfinite(values)
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(f"{path}: line {i + 2}, field {col!r}: {df[col].iloc[i]!r} is not a number; write a plain number")
            if col in numeric and (values < 0).any():
                i = int(np.flatnonzero((values < 0).to_numpy())[0])
                raise DataError(f"{path}: line {i + 2}, field {col!r}: {values.iloc[i]} is negative; quantities, capacities and days must be >= 0")
            df[col] = values.astype(float)
        empty_source = df["source"].str.strip() == ""
        if empty_source.any():
            i = int(np.flatnonzero(empty_source.to_numpy())[0])
            raise DataError(f"{path}: line {i + 2}, field 'source' is empty; every figure needs a source")
        df.attrs["path"] = str(path)
        tables[name] = df
    return tables


def _rows(df: pd.DataFrame) -> list[Any]:
    """Rows as attribute-accessible tuples (typed loosely for the loaders)."""
    return list(df.itertuples(index=False))


def _check_codes(df: pd.DataFrame, col: str, allowed: list[str], what: str) -> None:
    unknown = ~df[col].isin(allowed)
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise DataError(f"{df.attrs.get('path', '?')}: line {i + 2}, field {col!r}: unknown {what} {df[col].iloc[i]!r}; known: {', '.join(allowed)}")


@dataclass
class SupplyNetwork:
    """A dataset as labelled tables plus the arrays the engine uses.

    Attributes
    ----------
    name : str
        Dataset name or folder.
    tables : dict of DataFrame
        The raw tables, one per CSV file, each with a ``source`` column.
    countries, products, processes, sectors : list of str
        Labels of each dimension, in array order.
    """

    name: str
    tables: dict[str, pd.DataFrame]
    countries: list[str] = field(init=False)
    products: list[str] = field(init=False)
    processes: list[str] = field(init=False)
    sectors: list[str] = field(init=False)
    params: dict[str, float] = field(init=False)
    capacity: np.ndarray = field(init=False, repr=False)
    activity0: np.ndarray = field(init=False, repr=False)
    recipe_in: np.ndarray = field(init=False, repr=False)
    recipe_out: np.ndarray = field(init=False, repr=False)
    link_exporter: np.ndarray = field(init=False, repr=False)
    link_importer: np.ndarray = field(init=False, repr=False)
    link_product: np.ndarray = field(init=False, repr=False)
    link_flow0: np.ndarray = field(init=False, repr=False)
    link_transit: np.ndarray = field(init=False, repr=False)
    demand0: np.ndarray = field(init=False, repr=False)
    sector_product: np.ndarray = field(init=False, repr=False)
    value_per_t: np.ndarray = field(init=False, repr=False)
    cover_days: np.ndarray = field(init=False, repr=False)
    strategic_days: np.ndarray = field(init=False, repr=False)
    price0: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._build()

    # ------------------------------------------------------------------ construction
    def _build(self) -> None:
        t = self.tables
        self.countries = list(t["countries"]["country"])
        self.products = list(t["products"]["product"])
        self.sectors = list(t["sectors"]["sector"])
        for name, col in [("countries", "country"), ("products", "product"), ("sectors", "sector")]:
            dup = t[name][col].duplicated()
            if dup.any():
                i = int(np.flatnonzero(dup.to_numpy())[0])
                raise DataError(f"{t[name].attrs.get('path', name)}: line {i + 2}: duplicate {col} {t[name][col].iloc[i]!r}")
        _check_codes(t["recipes"], "product", self.products, "product")
        roles = ~t["recipes"]["role"].isin(["input", "output"])
        if roles.any():
            i = int(np.flatnonzero(roles.to_numpy())[0])
            raise DataError(f"{t['recipes'].attrs.get('path')}: line {i + 2}, field 'role': must be 'input' or 'output'")
        self.processes = list(dict.fromkeys(t["recipes"]["process"]))
        for name in ("facilities", "recipe_overrides"):
            _check_codes(t[name], "country", self.countries, "country")
            _check_codes(t[name], "process", self.processes, "process")
        _check_codes(t["recipe_overrides"], "product", self.products, "product")
        for col in ("exporter", "importer"):
            _check_codes(t["trade"], col, self.countries, "country")
        _check_codes(t["trade"], "product", self.products, "product")
        for name in ("demand", "values"):
            _check_codes(t[name], "country", self.countries, "country")
            _check_codes(t[name], "sector", self.sectors, "sector")
        _check_codes(t["sectors"], "product", self.products, "product")
        _check_codes(t["demand"], "product", self.products, "product")
        for name in ("stocks", "strategic_stocks"):
            _check_codes(t[name], "country", self.countries, "country")
            _check_codes(t[name], "product", self.products, "product")
        _check_codes(t["prices"], "product", self.products, "product")

        self.params = {str(k): float(v) for k, v in zip(t["parameters"]["name"], t["parameters"]["value"], strict=True)}
        for name in sorted(SHARE_PARAMETERS & set(self.params)):
            if not 0 < self.params[name] <= 1:
                line = int(np.flatnonzero((t["parameters"]["name"] == name).to_numpy())[0]) + 2
                raise DataError(
                    f"{t['parameters'].attrs.get('path', 'parameters')}: line {line}, field 'value': parameter {name!r} = "
                    f"{self.params[name]} is a share and must lie in (0, 1]"
                )
        for key in ("facilities", "trade", "demand", "stocks"):
            cols = {
                "facilities": ["country", "process"],
                "trade": ["exporter", "importer", "product"],
                "demand": ["country", "sector"],
                "stocks": ["country", "product"],
            }[key]
            dup = t[key].duplicated(cols)
            if dup.any():
                i = int(np.flatnonzero(dup.to_numpy())[0])
                raise DataError(
                    f"{t[key].attrs.get('path', key)}: line {i + 2}: duplicate row for "
                    f"{', '.join(str(t[key][c].iloc[i]) for c in cols)}; merge the rows into one"
                )
        self_links = t["trade"]["exporter"] == t["trade"]["importer"]
        if self_links.any():
            i = int(np.flatnonzero(self_links.to_numpy())[0])
            raise DataError(f"{t['trade'].attrs.get('path')}: line {i + 2}: exporter equals importer; domestic use is not trade")

        C, P, J, S = len(self.countries), len(self.products), len(self.processes), len(self.sectors)
        ci = {c: i for i, c in enumerate(self.countries)}
        pi = {p: i for i, p in enumerate(self.products)}
        ji = {j: i for i, j in enumerate(self.processes)}
        si = {s: i for i, s in enumerate(self.sectors)}

        rin = np.zeros((J, P))
        rout = np.zeros((J, P))
        for row in _rows(t["recipes"]):
            (rin if row.role == "input" else rout)[ji[row.process], pi[row.product]] = float(row.quantity)
        for j, proc in enumerate(self.processes):
            if not rout[j].any():
                raise DataError(f"recipes: process {proc!r} has no output; add a row with role 'output'")
        self.recipe_in = np.broadcast_to(rin, (C, J, P)).copy()
        self.recipe_out = np.broadcast_to(rout, (C, J, P)).copy()
        for row in _rows(t["recipe_overrides"]):
            c, j, p = ci[row.country], ji[row.process], pi[row.product]
            if rin[j, p] > 0:
                self.recipe_in[c, j, p] = float(row.quantity)
            elif rout[j, p] > 0:
                self.recipe_out[c, j, p] = float(row.quantity)
            else:
                raise DataError(
                    f"recipe_overrides: {row.country}/{row.process}/{row.product}: the product is not in the "
                    "process's recipe; override only quantities that recipes.csv defines"
                )

        util = self.params.get("utilisation", 1.0)
        self.capacity = np.zeros((C, J))
        self.activity0 = np.zeros((C, J))
        for row in _rows(t["facilities"]):
            c, j = ci[row.country], ji[row.process]
            self.activity0[c, j] = float(row.output_t)
            cap = float(row.capacity_t)
            if str(row.capacity_source).startswith(UTILISATION_DERIVED):
                cap = float(row.output_t) / util
            if cap + 1e-9 < float(row.output_t):
                raise DataError(
                    f"{t['facilities'].attrs.get('path', 'facilities')}: {row.country}/{row.process}: output "
                    f"{row.output_t} exceeds capacity {cap}; raise capacity_t or lower output_t"
                )
            self.capacity[c, j] = cap

        tr = t["trade"]
        self.link_exporter = tr["exporter"].map(ci).to_numpy(dtype=np.int64)
        self.link_importer = tr["importer"].map(ci).to_numpy(dtype=np.int64)
        self.link_product = tr["product"].map(pi).to_numpy(dtype=np.int64)
        self.link_flow0 = tr["flow_t"].to_numpy(dtype=float)
        self.link_transit = np.rint(tr["transit_days"].to_numpy(dtype=float)).astype(np.int64)

        self.demand0 = np.zeros((C, S))
        self.sector_product = np.array([pi[p] for p in t["sectors"]["product"]], dtype=np.int64)
        for row in _rows(t["demand"]):
            if pi[row.product] != self.sector_product[si[row.sector]]:
                raise DataError(
                    f"demand: {row.country}/{row.sector}: product {row.product!r} differs from the sector's "
                    f"product in sectors.csv ({self.products[self.sector_product[si[row.sector]]]!r})"
                )
            self.demand0[ci[row.country], si[row.sector]] = float(row.demand_t)
        self.value_per_t = np.zeros((C, S))
        for row in _rows(t["values"]):
            self.value_per_t[ci[row.country], si[row.sector]] = float(row.value_usd_per_t)
        self.value_per_t *= self.params.get("magnet_dependence_share", 1.0)
        self.cover_days = np.zeros((C, P))
        for row in _rows(t["stocks"]):
            days = float(row.cover_days)
            src = str(row.source)
            if src.startswith("assumption: parameter ") and str(row.basis) != "override":
                # rows set from a parameter follow it, so overriding the parameter changes them
                days = self.params.get(src.removeprefix("assumption: parameter ").split()[0], days)
            self.cover_days[ci[row.country], pi[row.product]] = days
        self.strategic_days = np.zeros((C, P))
        for row in _rows(t["strategic_stocks"]):
            self.strategic_days[ci[row.country], pi[row.product]] = float(row.cover_days)
        self.price0 = np.full(P, np.nan)
        for row in _rows(t["prices"]):
            self.price0[pi[row.product]] = float(row.price_usd_per_t)

    # ------------------------------------------------------------------ derived baseline
    @property
    def production0(self) -> np.ndarray:
        """Baseline output by (country, product), t/yr."""
        return np.einsum("cj,cjp->cp", self.activity0, self.recipe_out)

    @property
    def consumption0(self) -> np.ndarray:
        """Baseline process input use by (country, product), t/yr."""
        return np.einsum("cj,cjp->cp", self.activity0, self.recipe_in)

    @property
    def final_demand0(self) -> np.ndarray:
        """Baseline final (end-use) demand by (country, product), t/yr."""
        out = np.zeros((len(self.countries), len(self.products)))
        np.add.at(out.T, self.sector_product, self.demand0.T)
        return out

    def _link_sum(self, index: np.ndarray, values: np.ndarray) -> np.ndarray:
        out = np.zeros((len(self.countries), len(self.products)))
        np.add.at(out, (index, self.link_product), values)
        return out

    @property
    def imports0(self) -> np.ndarray:
        """Baseline imports by (country, product), t/yr."""
        return self._link_sum(self.link_importer, self.link_flow0)

    @property
    def exports0(self) -> np.ndarray:
        """Baseline exports by (country, product), t/yr."""
        return self._link_sum(self.link_exporter, self.link_flow0)

    def balance(self) -> pd.DataFrame:
        """Baseline balance per (country, product).

        ``residual = production + imports - process use - final use - exports`` (stock
        change is zero at baseline), and ``relative = |residual| / throughput``.
        """
        prod, imp = self.production0, self.imports0
        use, fd, exp = self.consumption0, self.final_demand0, self.exports0
        resid = prod + imp - use - fd - exp
        through = np.maximum(prod + imp, use + fd + exp)
        idx = pd.MultiIndex.from_product([self.countries, self.products], names=["country", "product"])
        df = pd.DataFrame(
            {
                "production": prod.ravel(),
                "imports": imp.ravel(),
                "process_use": use.ravel(),
                "final_use": fd.ravel(),
                "exports": exp.ravel(),
                "residual": resid.ravel(),
            },
            index=idx,
        )
        df["relative"] = np.where(through.ravel() > 0, np.abs(resid.ravel()) / np.where(through.ravel() > 0, through.ravel(), 1), 0.0)
        df["ok"] = df["relative"] <= BALANCE_TOLERANCE
        return df[(df[["production", "imports", "process_use", "final_use", "exports"]] != 0).any(axis=1)]

    def check(self) -> None:
        """Raise :class:`DataError` if the baseline does not balance."""
        bal = self.balance()
        bad = bal[~bal["ok"]]
        if len(bad):
            key, row = next(iter(bad.iterrows()))
            c, p = str(key[0]), str(key[1])  # type: ignore[index]
            raise DataError(
                f"{self.name}: baseline does not balance for {len(bad)} (country, product) pair(s); first: "
                f"{c}/{p}: production {row.production:.3f} + imports {row.imports:.3f} != process use "
                f"{row.process_use:.3f} + final use {row.final_use:.3f} + exports {row.exports:.3f} "
                f"(residual {row.residual:.3f} t/yr, relative {row.relative:.2e} > {BALANCE_TOLERANCE:.0e}); "
                "fix facilities.csv, trade.csv or demand.csv"
            )

    # ------------------------------------------------------------------ overrides
    def with_overrides(self, overrides: list[dict[str, Any]], *, origin: str = "overrides") -> SupplyNetwork:
        """Return a copy with table values replaced.

        Parameters
        ----------
        overrides : list of dict
            Each item ``{"table": name, "match": {col: value, ...}, "set": {col: value}}``;
            ``match`` must select at least one row. For ``parameters`` the short form
            ``{"table": "parameters", "match": {"name": "utilisation"}, "set": {"value": 0.8}}``.
        origin : str
            Where the overrides come from, for error messages.
        """
        tables = {k: v.copy() for k, v in self.tables.items()}
        for k, v in self.tables.items():
            tables[k].attrs = copy.deepcopy(v.attrs)
        for n, item in enumerate(overrides):
            where = f"{origin}[{n}]"
            name = item.get("table")
            if name not in tables:
                raise DataError(f"{where}.table: unknown table {name!r}; known: {', '.join(SCHEMA)}")
            df = tables[name]
            mask: Any = pd.Series(True, index=df.index)
            for col, val in dict(item.get("match", {})).items():
                if col not in df.columns:
                    raise DataError(f"{where}.match.{col}: table {name!r} has no column {col!r}")
                if pd.api.types.is_numeric_dtype(df[col]):
                    try:
                        mask &= np.isclose(df[col].astype(float), float(val))
                    except (TypeError, ValueError):
                        raise DataError(f"{where}.match.{col}: {val!r} is not a number") from None
                else:
                    mask &= df[col].astype(str) == str(val)
            if not mask.any():
                raise DataError(f"{where}.match: no row of {name!r} matches {item.get('match')}; check the codes")
            for col, val in dict(item.get("set", {})).items():
                if col not in df.columns or col == "source":
                    raise DataError(f"{where}.set.{col}: not a settable column of {name!r}")
                numeric = col in SCHEMA[name][1] or (name == "parameters" and col == "value")
                if numeric:
                    try:
                        fval = float(val)
                    except (TypeError, ValueError):
                        raise DataError(f"{where}.set.{col}: {val!r} is not a number") from None
                    if col in SCHEMA[name][1] and fval < 0:
                        raise DataError(f"{where}.set.{col}: {fval} is negative; must be >= 0")
                    df.loc[mask, col] = fval
                else:
                    df.loc[mask, col] = val
            if name == "facilities" and "capacity_t" in dict(item.get("set", {})):
                df.loc[mask, "capacity_source"] = f"override ({where})"
            df.loc[mask, "basis"] = "override"
            df.loc[mask, "source"] = df.loc[mask, "source"].astype(str) + f" [overridden by {where}]"
        return SupplyNetwork(self.name, tables)

    # ------------------------------------------------------------------ presentation
    def sources(self) -> pd.DataFrame:
        """Every figure's table, key, basis and source, one row per figure."""
        rows = []
        keys = {
            "facilities": ["country", "process"],
            "trade": ["exporter", "importer", "product"],
            "demand": ["country", "sector"],
            "values": ["country", "sector"],
            "stocks": ["country", "product"],
            "strategic_stocks": ["country", "product"],
            "prices": ["product"],
            "parameters": ["name"],
            "recipes": ["process", "product"],
            "recipe_overrides": ["country", "process", "product"],
        }
        for name, cols in keys.items():
            df = self.tables[name]
            for rec in df.to_dict("records"):
                rows.append({"table": name, "key": "/".join(str(rec[c]) for c in cols), "basis": rec.get("basis", ""), "source": rec["source"]})
        return pd.DataFrame(rows)


def load_network(name_or_path: str | Path = "rare-earths", *, check: bool = True) -> SupplyNetwork:
    """Load an embedded dataset by name or a folder of CSV tables.

    Parameters
    ----------
    name_or_path : str or Path
        ``"rare-earths"`` (the default) or a folder holding the CSV tables.
    check : bool
        Verify that the baseline balances (raises :class:`DataError` otherwise).

    Examples
    --------
    >>> net = load_network("rare-earths")
    >>> "CHN" in net.countries and "ndfeb_magnet" in net.products
    True
    """
    folder = _dataset_dir(name_or_path)
    net = SupplyNetwork(str(name_or_path), _read_tables(folder))
    if check:
        net.check()
    return net
