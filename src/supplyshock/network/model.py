"""The supply network: products, processes, facilities, trade links, stocks and demand.

A :class:`SupplyNetwork` holds the tables of a dataset (pandas DataFrames, each row with
a ``source``) and the numpy arrays the engine works on. It is validated on construction;
every problem is reported with the file, the row and the field, and how to fix it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from supplyshock.errors import DataError
from supplyshock.network.tables import DatasetMeta, dataset_dir, frames_from_records, read_meta, read_tables
from supplyshock.schema import PARAMETERS, TABLES

__all__ = ["BALANCE_TOLERANCE", "DEFAULT_DATASET", "SupplyNetwork", "combine", "load_network"]

#: Relative tolerance of the baseline balance check (of each node's throughput).
BALANCE_TOLERANCE = 1e-6
#: ``capacity_source`` prefix of facilities whose capacity follows the ``utilisation`` parameter.
UTILISATION_DERIVED = "derived: output / utilisation"
#: ``source`` prefix of stock rows that follow a dataset parameter.
PARAMETER_ROW = "assumption: parameter "
#: The single market of a dataset that declares none.
WORLD_MARKET = "world"


def _where(df: pd.DataFrame, name: str) -> str:
    return str(df.attrs.get("path", name))


def _rows(df: pd.DataFrame) -> list[Any]:
    """Rows as attribute-accessible tuples (typed loosely for the loaders)."""
    return list(df.itertuples(index=False))


def _first(mask: pd.Series | np.ndarray) -> int:
    return int(np.flatnonzero(np.asarray(mask))[0])


def _check_codes(df: pd.DataFrame, col: str, allowed: list[str], what: str) -> None:
    unknown = ~df[col].isin(allowed)
    if unknown.any():
        i = _first(unknown)
        raise DataError(f"{_where(df, col)}: line {i + 2}, field {col!r}: unknown {what} {df[col].iloc[i]!r}; known: {', '.join(allowed)}")


def _check_duplicates(df: pd.DataFrame, name: str, cols: list[str]) -> None:
    dup = df.duplicated(cols)
    if dup.any():
        i = _first(dup)
        raise DataError(f"{_where(df, name)}: line {i + 2}: duplicate row for {', '.join(str(df[c].iloc[i]) for c in cols)}; merge the rows into one")


@dataclass
class SupplyNetwork:
    """A dataset as labelled tables plus the arrays the engine uses.

    Attributes
    ----------
    name : str
        Dataset name or folder.
    tables : dict of DataFrame
        The raw tables, one per CSV file, each with a ``source`` column.
    meta : DatasetMeta
        Title, base year and the flows a summary headlines (``dataset.yaml``).
    countries, products, processes, sectors, markets : list of str
        Labels of each dimension, in array order.
    """

    name: str
    tables: dict[str, pd.DataFrame]
    meta: DatasetMeta | None = None
    countries: list[str] = field(init=False)
    products: list[str] = field(init=False)
    processes: list[str] = field(init=False)
    sectors: list[str] = field(init=False)
    markets: list[str] = field(init=False)
    params: dict[str, float] = field(init=False)
    country_market: np.ndarray = field(init=False, repr=False)
    capacity: np.ndarray = field(init=False, repr=False)
    capacity_derived: np.ndarray = field(init=False, repr=False)
    activity0: np.ndarray = field(init=False, repr=False)
    recipe_in: np.ndarray = field(init=False, repr=False)
    recipe_out: np.ndarray = field(init=False, repr=False)
    recipe_thrift: np.ndarray = field(init=False, repr=False)
    link_exporter: np.ndarray = field(init=False, repr=False)
    link_importer: np.ndarray = field(init=False, repr=False)
    link_product: np.ndarray = field(init=False, repr=False)
    link_flow0: np.ndarray = field(init=False, repr=False)
    link_transit: np.ndarray = field(init=False, repr=False)
    demand0: np.ndarray = field(init=False, repr=False)
    sector_product: np.ndarray = field(init=False, repr=False)
    value_per_t: np.ndarray = field(init=False, repr=False)
    value_price_year: np.ndarray = field(init=False, repr=False)
    cover_days: np.ndarray = field(init=False, repr=False)
    strategic_days: np.ndarray = field(init=False, repr=False)
    price0: np.ndarray = field(init=False, repr=False)
    sector_priority: np.ndarray = field(init=False, repr=False)
    cohort_share: np.ndarray = field(init=False, repr=False)
    cohort_days: np.ndarray = field(init=False, repr=False)
    has_cohorts: np.ndarray = field(init=False, repr=False)
    cohort_names: list[list[str]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.meta is None:
            self.meta = DatasetMeta(name=self.name)
        self._labels()
        self._check_references()
        self._parameters()
        self._recipes()
        self._facilities()
        self._links_and_demand()
        self._check_inputs_supplied()
        self._stocks_values_prices()
        self._cohorts()
        self._check_headlines()

    @classmethod
    def from_records(cls, name: str, records: dict[str, list[dict[str, Any]]], *, meta: DatasetMeta | None = None) -> SupplyNetwork:
        """Build a network from lists of row dicts per table (tests, examples, benchmarks)."""
        return cls(name, frames_from_records(records, source=f"{name}: constructed in code"), meta=meta)

    # ------------------------------------------------------------------ construction
    def _labels(self) -> None:
        t = self.tables
        self.countries = list(t["countries"]["country"])
        self.products = list(t["products"]["product"])
        self.sectors = list(t["sectors"]["sector"])
        for name, col in [("countries", "country"), ("products", "product"), ("sectors", "sector")]:
            dup = t[name][col].duplicated()
            if dup.any():
                i = _first(dup)
                raise DataError(f"{_where(t[name], name)}: line {i + 2}: duplicate {col} {t[name][col].iloc[i]!r}")
        if "market" in t["countries"].columns and (t["countries"]["market"].astype(str).str.strip() != "").all():
            mk = [str(m) for m in t["countries"]["market"]]
        else:
            mk = [WORLD_MARKET] * len(self.countries)
        self.markets = list(dict.fromkeys(mk))
        self.country_market = np.array([self.markets.index(m) for m in mk], dtype=np.int64)

    def _check_references(self) -> None:
        t = self.tables
        _check_codes(t["recipes"], "product", self.products, "product")
        roles = ~t["recipes"]["role"].isin(["input", "output"])
        if roles.any():
            raise DataError(f"{_where(t['recipes'], 'recipes')}: line {_first(roles) + 2}, field 'role': must be 'input' or 'output'")
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
        for name in ("facilities", "trade", "demand", "stocks"):
            _check_duplicates(t[name], name, list(TABLES[name].key))
        self_links = t["trade"]["exporter"] == t["trade"]["importer"]
        if self_links.any():
            raise DataError(f"{_where(t['trade'], 'trade')}: line {_first(self_links) + 2}: exporter equals importer; domestic use is not trade")

    def _parameters(self) -> None:
        """Dataset parameter values: declared ones checked against the schema's bounds."""
        df = self.tables["parameters"]
        self.params = {str(k): float(v) for k, v in zip(df["name"], df["value"], strict=True)}
        for name, value in self.params.items():
            spec = PARAMETERS.get(name)
            problem = spec.check(value) if spec is not None else (f"{name} = {value:g} must be >= 0" if value < 0 else None)
            if problem:
                line = _first(df["name"] == name) + 2
                raise DataError(f"{_where(df, 'parameters')}: line {line}, field 'value': {problem}")

    def param(self, name: str) -> float:
        """A parameter's value: the dataset's, else the schema default."""
        if name in self.params:
            return self.params[name]
        return PARAMETERS[name].default

    def _recipes(self) -> None:
        t = self.tables
        C, P, J = len(self.countries), len(self.products), len(self.processes)
        pi = {p: i for i, p in enumerate(self.products)}
        ji = {j: i for i, j in enumerate(self.processes)}
        ci = {c: i for i, c in enumerate(self.countries)}
        rin, rout, thrift = np.zeros((J, P)), np.zeros((J, P)), np.zeros((J, P))
        has_thrift = "thrift_max" in t["recipes"].columns
        for row in _rows(t["recipes"]):
            (rin if row.role == "input" else rout)[ji[row.process], pi[row.product]] = float(row.quantity)
            if has_thrift and row.role == "input":
                value = pd.to_numeric(row.thrift_max, errors="coerce")
                thrift[ji[row.process], pi[row.product]] = 0.0 if pd.isna(value) else float(value)
        if (thrift > 1).any():
            raise DataError(f"{_where(t['recipes'], 'recipes')}: field 'thrift_max' must lie in [0, 1] (a share of the input)")
        self.recipe_thrift = np.broadcast_to(thrift, (C, J, P)).copy()
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

    def _facilities(self) -> None:
        t = self.tables
        C, J = len(self.countries), len(self.processes)
        ci = {c: i for i, c in enumerate(self.countries)}
        ji = {j: i for i, j in enumerate(self.processes)}
        util = self.param("utilisation")
        self.capacity = np.zeros((C, J))
        self.capacity_derived = np.zeros((C, J), dtype=bool)
        self.activity0 = np.zeros((C, J))
        for row in _rows(t["facilities"]):
            c, j = ci[row.country], ji[row.process]
            self.activity0[c, j] = float(row.output_t)
            cap = float(row.capacity_t)
            if str(row.capacity_source).startswith(UTILISATION_DERIVED):
                cap = float(row.output_t) / util
                self.capacity_derived[c, j] = float(row.output_t) > 0
            if cap + 1e-9 < float(row.output_t):
                raise DataError(
                    f"{_where(t['facilities'], 'facilities')}: {row.country}/{row.process}: output "
                    f"{row.output_t} exceeds capacity {cap}; raise capacity_t or lower output_t"
                )
            self.capacity[c, j] = cap

    def _links_and_demand(self) -> None:
        t = self.tables
        C, S = len(self.countries), len(self.sectors)
        ci = {c: i for i, c in enumerate(self.countries)}
        pi = {p: i for i, p in enumerate(self.products)}
        si = {s: i for i, s in enumerate(self.sectors)}
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

    def _check_inputs_supplied(self) -> None:
        """Every input of a facility with capacity has a producer (a facility with capacity) or a trade flow.

        A process whose input no country can make and nobody ships can never run: idle, it
        would load silently (its zero output balances), so it is refused here, naming the
        recipe, the process, the input and the facility. (A running one breaks the baseline
        balance as well; this message says why.)
        """
        t = self.tables
        has_cap = self.capacity > 0  # (C, J)
        made = np.einsum("cj,cjp->p", has_cap.astype(float), (self.recipe_out > 0).astype(float)) > 0
        shipped = np.zeros(len(self.products), dtype=bool)
        shipped[self.link_product[self.link_flow0 > 0]] = True
        fac = t["facilities"]
        ci = {c: i for i, c in enumerate(self.countries)}
        ji = {j: i for i, j in enumerate(self.processes)}
        for line, row in enumerate(_rows(fac)):
            c, j = ci[row.country], ji[row.process]
            if not has_cap[c, j]:
                continue
            for p in np.flatnonzero(self.recipe_in[c, j] > 0):
                if made[p] or shipped[p]:
                    continue
                product = self.products[p]
                raise DataError(
                    f"{_where(t['recipes'], 'recipes')}: process {row.process!r} needs input {product!r}, which no country "
                    "produces (no facility with capacity runs a process that outputs it) and no trade flow supplies; "
                    f"facility {row.country}/{row.process} ({_where(fac, 'facilities')} line {line + 2}, capacity "
                    f"{self.capacity[c, j]:g} t/yr) cannot run. Add a producer of {product!r} to facilities.csv or a "
                    "supplier to trade.csv, or remove the facility"
                )

    def _stocks_values_prices(self) -> None:
        t = self.tables
        C, P, S = len(self.countries), len(self.products), len(self.sectors)
        ci = {c: i for i, c in enumerate(self.countries)}
        pi = {p: i for i, p in enumerate(self.products)}
        si = {s: i for i, s in enumerate(self.sectors)}
        self.value_per_t = np.zeros((C, S))
        self.value_price_year = np.full((C, S), np.nan)
        for row in _rows(t["values"]):
            self.value_per_t[ci[row.country], si[row.sector]] = float(row.value_usd_per_t)
            self.value_price_year[ci[row.country], si[row.sector]] = float(getattr(row, "price_year", np.nan))
        self.value_per_t *= self.param("value_dependence_share")
        self.cover_days = np.zeros((C, P))
        for row in _rows(t["stocks"]):
            days = float(row.cover_days)
            src = str(row.source)
            if src.startswith(PARAMETER_ROW) and str(row.basis) != "override":
                # rows set from a parameter follow it, so overriding the parameter changes them
                days = self.params.get(src.removeprefix(PARAMETER_ROW).split()[0], days)
            self.cover_days[ci[row.country], pi[row.product]] = days
        self.strategic_days = np.zeros((C, P))
        for row in _rows(t["strategic_stocks"]):
            self.strategic_days[ci[row.country], pi[row.product]] = float(row.cover_days)
        self.price0 = np.full(P, np.nan)
        for row in _rows(t["prices"]):
            self.price0[pi[row.product]] = float(row.price_usd_per_t)

    def _cohorts(self) -> None:
        """Cohorts of end-use holders per (country, sector): the most specific rows of cohorts.csv apply."""
        t = self.tables
        C, S = len(self.countries), len(self.sectors)
        sec = t["sectors"]
        prio = pd.to_numeric(sec["priority"], errors="coerce") if "priority" in sec.columns else pd.Series(np.nan, index=sec.index)
        self.sector_priority = prio.fillna(2.0).to_numpy(dtype=float)
        co = t["cohorts"]
        _check_codes(co, "country", [*self.countries, "*"], "country")
        _check_codes(co, "sector", [*self.sectors, "*"], "sector")
        groups: dict[tuple[str, str], list[Any]] = {}
        for row in _rows(co):
            groups.setdefault((str(row.country), str(row.sector)), []).append(row)
        for key, rows in groups.items():
            total = sum(float(r.share_of_demand) for r in rows)
            if abs(total - 1.0) > 1e-6:
                raise DataError(
                    f"{_where(co, 'cohorts')}: cohorts of country {key[0]!r}, sector {key[1]!r}: shares of demand sum to {total:.6g}, "
                    "not 1; make them add up"
                )
        K = max((len(v) for v in groups.values()), default=1)
        self.cohort_share = np.zeros((C, S, K))
        self.cohort_days = np.zeros((C, S, K))
        self.has_cohorts = np.zeros((C, S), dtype=bool)
        self.cohort_names = [["" for _ in range(S)] for _ in range(C)]
        for c, country in enumerate(self.countries):
            for s_, sector in enumerate(self.sectors):
                keys = [k for k in ((country, sector), ("*", sector), (country, "*"), ("*", "*")) if k in groups]
                if not keys:
                    self.cohort_share[c, s_, 0] = 1.0  # one holder with no stock of its own: the market serves the plants
                    continue
                rows = groups[keys[0]]
                self.has_cohorts[c, s_] = True
                for k, r in enumerate(rows):
                    self.cohort_share[c, s_, k] = float(r.share_of_demand)
                    self.cohort_days[c, s_, k] = float(r.cover_days)
                self.cohort_names[c][s_] = ",".join(str(r.cohort) for r in rows)

    def _check_headlines(self) -> None:
        assert self.meta is not None
        for h in self.meta.headlines:
            for code in (h.exporter, *h.importers):
                if code not in self.countries:
                    raise DataError(f"{self.name}: dataset.yaml headline {h.id!r}: unknown country {code!r}")
            if h.product not in self.products:
                raise DataError(f"{self.name}: dataset.yaml headline {h.id!r}: unknown product {h.product!r}")

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
        flat = through.ravel()
        df["relative"] = np.where(flat > 0, np.abs(resid.ravel()) / np.where(flat > 0, flat, 1), 0.0)
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
            ``{"table": "parameters", "match": {"name": "utilisation"}, "set": {"value": 0.8}}``;
            a declared parameter the dataset does not list yet is added with its schema unit
            and description.
        origin : str
            Where the overrides come from, for error messages.
        """
        tables = {k: v.copy() for k, v in self.tables.items()}
        for k, v in self.tables.items():
            tables[k].attrs = copy.deepcopy(v.attrs)
        for n, item in enumerate(overrides):
            _apply_override(tables, item, f"{origin}[{n}]")
        return SupplyNetwork(self.name, tables, meta=self.meta)

    # ------------------------------------------------------------------ presentation
    def sources(self) -> pd.DataFrame:
        """Every figure's table, key, basis and source, one row per figure."""
        rows = []
        for name, table in TABLES.items():
            if name in ("countries", "products", "sectors"):
                continue
            cols = list(table.key)
            for rec in self.tables[name].to_dict("records"):
                rows.append(
                    {
                        "table": name,
                        "key": "/".join(str(rec[c]) for c in cols if c != "role"),
                        "basis": rec.get("basis", ""),
                        "source": rec["source"],
                    }
                )
        return pd.DataFrame(rows)


def _match_mask(df: pd.DataFrame, match: dict[str, Any], name: str, where: str) -> pd.Series:
    mask = pd.Series(True, index=df.index)
    for col, val in match.items():
        if col not in df.columns:
            raise DataError(f"{where}.match.{col}: table {name!r} has no column {col!r}")
        if pd.api.types.is_numeric_dtype(df[col]):
            try:
                mask &= np.isclose(df[col].astype(float), float(val))
            except (TypeError, ValueError):
                raise DataError(f"{where}.match.{col}: {val!r} is not a number") from None
        else:
            mask &= df[col].astype(str) == str(val)
    return mask


def _apply_override(tables: dict[str, pd.DataFrame], item: dict[str, Any], where: str) -> None:
    name = item.get("table")
    if name not in tables:
        raise DataError(f"{where}.table: unknown table {name!r}; known: {', '.join(TABLES)}")
    df = tables[name]
    match = dict(item.get("match", {}))
    mask = _match_mask(df, match, name, where)
    if not mask.any() and name == "parameters" and set(match) == {"name"} and match["name"] in PARAMETERS:
        spec = PARAMETERS[match["name"]]
        extra = {"name": spec.name, "value": spec.default, "unit": spec.unit, "basis": "default", "source": "schema default"}
        extra["description"] = spec.description
        df = pd.concat([df, pd.DataFrame([extra])], ignore_index=True)
        df.attrs = tables[name].attrs
        tables[name] = df
        mask = _match_mask(df, match, name, where)
    if not mask.any():
        raise DataError(f"{where}.match: no row of {name!r} matches {item.get('match')}; check the codes")
    table = TABLES[name]
    numeric = set(table.numeric_columns)
    for col, val in dict(item.get("set", {})).items():
        if col not in df.columns or col == "source":
            raise DataError(f"{where}.set.{col}: not a settable column of {name!r}")
        if col in numeric:
            try:
                fval = float(val)
            except (TypeError, ValueError):
                raise DataError(f"{where}.set.{col}: {val!r} is not a number") from None
            if col in table.nonnegative_columns and fval < 0:
                raise DataError(f"{where}.set.{col}: {fval} is negative; must be >= 0")
            df.loc[mask, col] = fval
        else:
            df.loc[mask, col] = val
    if name == "facilities" and "capacity_t" in dict(item.get("set", {})):
        df.loc[mask, "capacity_source"] = f"override ({where})"
    df.loc[mask, "basis"] = "override"
    df.loc[mask, "source"] = df.loc[mask, "source"].astype(str) + f" [overridden by {where}]"


def combine(networks: list[SupplyNetwork]) -> SupplyNetwork:
    """One network from several datasets (e.g. gallium, germanium and antimony at once).

    Countries are merged by code (the first dataset's name, input-output region and market
    win); products, sectors and processes must be distinct across the datasets; a
    parameter given by several datasets must have the same value in each (set it in the
    scenario's ``parameters`` to choose). Headline flows are concatenated.

    Raises
    ------
    DataError
        Clashing codes or parameter values.
    """
    if len(networks) == 1:
        return networks[0]
    names = [n.name for n in networks]
    for table, col in (("products", "product"), ("sectors", "sector")):
        seen: dict[str, str] = {}
        for n in networks:
            for code in n.tables[table][col]:
                if code in seen:
                    raise DataError(f"datasets {seen[code]} and {n.name} both define {col} {code!r}; codes must be distinct to combine them")
                seen[str(code)] = n.name
    procs: dict[str, str] = {}
    for n in networks:
        for proc in n.processes:
            if proc in procs:
                raise DataError(f"datasets {procs[proc]} and {n.name} both define process {proc!r}; codes must be distinct to combine them")
            procs[proc] = n.name
    values: dict[str, tuple[float, str]] = {}
    for n in networks:
        for k, v in n.params.items():
            if k in values and not np.isclose(values[k][0], v):
                raise DataError(
                    f"datasets {values[k][1]} and {n.name} give parameter {k!r} different values ({values[k][0]:g}, {v:g}); "
                    f"set it in the scenario's parameters to choose one"
                )
            values.setdefault(k, (v, n.name))
    tables: dict[str, pd.DataFrame] = {}
    for name in TABLES:
        frames = [n.tables[name] for n in networks if len(n.tables[name])]
        df = pd.concat(frames, ignore_index=True) if frames else networks[0].tables[name].copy()
        if name == "countries":
            df = df.drop_duplicates("country", keep="first").reset_index(drop=True)
        elif name == "parameters":
            df = df.drop_duplicates("name", keep="first").reset_index(drop=True)
        df.attrs["path"] = f"{name} of {' + '.join(names)}"
        tables[name] = df
    metas = [n.meta for n in networks if n.meta is not None]
    meta = DatasetMeta(
        name="+".join(names),
        title=" + ".join(m.title or m.name for m in metas),
        base_year=metas[0].base_year if metas else None,
        headlines=tuple(h for m in metas for h in m.headlines),
    )
    return SupplyNetwork("+".join(names), tables, meta=meta)


#: The dataset used when none is named (scenarios, the command line, the server).
DEFAULT_DATASET = "rare-earths"


def load_network(name_or_path: str | Path | list[str] = DEFAULT_DATASET, *, check: bool = True) -> SupplyNetwork:
    """Load an embedded dataset by name, a folder of CSV tables, or several combined.

    Parameters
    ----------
    name_or_path : str, Path or list of str
        ``"rare-earths"`` (the default), a folder holding the CSV tables, or a list of
        either (combined into one network, see :func:`combine`).
    check : bool
        Verify that the baseline balances (raises :class:`DataError` otherwise).

    Examples
    --------
    >>> net = load_network("rare-earths")
    >>> "CHN" in net.countries and "ndfeb_magnet" in net.products
    True
    """
    if isinstance(name_or_path, list):
        if not name_or_path:
            raise DataError("no dataset named; give one name or a list of names")
        net = combine([load_network(n, check=check) for n in name_or_path])
        if check:
            net.check()
        return net
    folder = dataset_dir(name_or_path)
    net = SupplyNetwork(str(name_or_path), read_tables(folder), meta=read_meta(folder, str(name_or_path)))
    if check:
        net.check()
    return net
