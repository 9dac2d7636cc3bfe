"""Shared machinery of the mineral build scripts (``data-raw/build_<family>.py``).

Each build script reads the sourced facts of its family (``data-raw/minerals/<family>/facts.csv``,
long format, every row with a basis and a source) and derives every row of one embedded
dataset from them. This module holds what the scripts share:

* :class:`Facts`: look-ups into a facts file that return the value *and* a source string
  naming the row it came from;
* :class:`Dataset`: collects the tables row by row (countries, products, sectors, recipes,
  facilities, trade, demand, stocks, strategic stocks, prices, parameters), computes the
  baseline balance of every (country, product) node the way ``supplyshock`` does, and
  derives the balancing end use of a node explicitly (:meth:`Dataset.close`);
* :func:`main`: the command line of every build script (``--check``, ``--set``, ``--out``).

Conventions (docs/datasets.md):

* every row has ``basis`` (reported | derived | assumption | definition) and a ``source``;
  a derived or assumed figure's source starts with ``derived:`` or ``assumption:`` and says
  how it was obtained, naming the facts rows it uses;
* an assumption that matters is a dataset parameter (``Dataset.param``); ``--set NAME=VALUE``
  rebuilds with another value;
* country codes are ISO 3166-1 alpha-3, plus ``EUR`` (EU members other than Germany, so that
  ``DEU`` + ``EUR`` is the EU of the risk indicators) and ``ROW`` (the rest of the world);
* product, sector and process codes start with the mineral's prefix (``ga_``, ``ge_``, ...)
  so that datasets can be combined into one network.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FACTS_ROOT = ROOT / "data-raw" / "minerals"
DATA_ROOT = ROOT / "src" / "supplyshock" / "data"

#: name and WIOD 2013 aggregated region of every country code used by the mineral datasets
COUNTRIES: dict[str, tuple[str, str]] = {
    "CHN": ("China", "CHN"),
    "USA": ("United States", "USA"),
    "JPN": ("Japan", "JPN"),
    "KOR": ("South Korea", "KOR"),
    "TWN": ("Taiwan", "TWN"),
    "DEU": ("Germany", "DEU"),
    "EUR": ("European Union excluding Germany", "EU_other"),
    "CAN": ("Canada", "RoW_agg"),
    "MEX": ("Mexico", "RoW_agg"),
    "RUS": ("Russia", "RoW_agg"),
    "TJK": ("Tajikistan", "RoW_agg"),
    "MMR": ("Myanmar", "RoW_agg"),
    "BOL": ("Bolivia", "RoW_agg"),
    "AUS": ("Australia", "RoW_agg"),
    "VNM": ("Vietnam", "RoW_agg"),
    "RWA": ("Rwanda", "RoW_agg"),
    "MDG": ("Madagascar", "RoW_agg"),
    "MOZ": ("Mozambique", "RoW_agg"),
    "TZA": ("Tanzania", "RoW_agg"),
    "BRA": ("Brazil", "RoW_agg"),
    "IND": ("India", "RoW_agg"),
    "PER": ("Peru", "RoW_agg"),
    "CHL": ("Chile", "RoW_agg"),
    "ROW": ("Rest of world", "RoW_agg"),
}
COUNTRY_SOURCE = (
    "ISO 3166-1 alpha-3 where one exists; EUR (EU members other than Germany) and ROW (rest of the world, "
    "relative to the countries of this dataset) are supplyshock aggregates; mrio_region maps to the WIOD 2013 "
    "aggregated regions; market: definition (China, the controlling country, is one price market, the rest of "
    "the world the other)"
)

# Transit-time regions (for the default transit days of a link)
ASIA = {"CHN", "JPN", "KOR", "TWN", "VNM", "MMR", "IND"}
EUROPE = {"DEU", "EUR"}
OVERLAND = {
    frozenset({"CHN", "MMR"}),
    frozenset({"CHN", "RUS"}),
    frozenset({"CHN", "TJK"}),
    frozenset({"CHN", "VNM"}),
    frozenset({"USA", "CAN"}),
    frozenset({"USA", "MEX"}),
    frozenset({"DEU", "EUR"}),
}


def r(x: float, nd: int = 9) -> float:
    """Round a derived figure (the CSVs keep 12 significant digits)."""
    return round(float(x), nd)


@dataclass(frozen=True)
class Fact:
    """One facts row: its value and range, and the source string to cite."""

    value: float
    low: float | None
    high: float | None
    unit: str
    basis: str
    src: str
    row: dict[str, str]


class Facts:
    """Look-ups into ``data-raw/minerals/<family>/facts.csv``."""

    def __init__(self, family: str, root: Path = FACTS_ROOT) -> None:
        self.family = family
        self.path = root / family / "facts.csv"
        with open(self.path, newline="", encoding="utf-8") as fh:
            self.rows = list(csv.DictReader(fh))

    def get(
        self,
        metric: str,
        country: str | None = None,
        year: str | None = None,
        subject: str | None = None,
        exact_subject: str | None = None,
        **eq: str,
    ) -> Fact:
        """The one row with this metric (and country, year; ``subject`` is a substring match, ``exact_subject`` exact).

        Raises
        ------
        SystemExit
            No row or several rows match: the build must name its facts exactly.
        """
        hits = [
            row
            for row in self.rows
            if row["metric"] == metric
            and (country is None or row["country"] == country)
            and (year is None or row["year"] == year)
            and (subject is None or subject in row["subject"])
            and (exact_subject is None or exact_subject == row["subject"])
            and all(row.get(k) == v for k, v in eq.items())
        ]
        if len(hits) != 1:
            what = {"metric": metric, "country": country, "year": year, "subject": subject, "exact_subject": exact_subject, **eq}
            raise SystemExit(f"{self.path}: expected one row for {what}, found {len(hits)}")
        row = hits[0]
        ref = f"{self.family}/facts.csv: {row['subject']}, {row['country']} {row['year']}, {row['metric']}"
        low = float(row["value_low"]) if row["value_low"] else None
        high = float(row["value_high"]) if row["value_high"] else None
        return Fact(float(row["value"]), low, high, row["unit"], row["basis"], f"{row['source']} [{ref}]", row)

    def value(self, *args: Any, **kwargs: Any) -> float:
        return self.get(*args, **kwargs).value


class Dataset:
    """The tables of one dataset, built row by row, with the baseline balance."""

    def __init__(self, name: str, folder: str, prefix: str, overrides: dict[str, float] | None = None) -> None:
        self.name = name
        self.folder = folder
        self.prefix = prefix
        self.overrides = dict(overrides or {})
        self.used_overrides: set[str] = set()
        self.tables: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.meta: dict[str, Any] = {}
        self._recipe: dict[str, dict[str, tuple[str, float]]] = {}
        self._links: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.common = Facts("common")
        self.param(
            "utilisation",
            0.85,
            "share",
            "assumption",
            "assumption: no capacity figure by stage and country where a facility's capacity_source says 'derived'; capacity = output / utilisation",
            "Capacity utilisation at baseline of the facilities whose capacity is derived (spare capacity for rerouted orders)",
            shared=True,
        )
        t = self.common.get("transit_time", country="CHN")
        self.transit_eu = (
            t.value * 7,
            f"reported: container shipping China->Europe {t.value:.0f} weeks ({t.low:.0f}-{t.high:.0f}); used for every Asia <-> Europe link [{t.src}]",
        )
        self.transit_pac = (
            self.param(
                "transit_days_long_haul",
                30.0,
                "days",
                "assumption",
                "assumption: long-haul sea freight (trans-Pacific, Americas, Africa); no source in the facts",
                "Transit days of long-haul links (documentation; the trade rows carry the value; override with overrides on trade.transit_days)",
                shared=True,
            ),
            "assumption: long-haul sea freight (parameter transit_days_long_haul); override with overrides on trade.transit_days",
        )
        self.transit_asia = (
            self.param(
                "transit_days_regional",
                10.0,
                "days",
                "assumption",
                "assumption: intra-Asia or intra-Europe sea freight; no source in the facts",
                "Transit days of regional links (documentation; the trade rows carry the value)",
                shared=True,
            ),
            "assumption: regional sea freight (parameter transit_days_regional); override with overrides on trade.transit_days",
        )
        self.transit_land = (
            self.param(
                "transit_days_overland",
                7.0,
                "days",
                "assumption",
                "assumption: rail or road between neighbours; no source in the facts",
                "Transit days of overland links between neighbours (documentation; the trade rows carry the value)",
                shared=True,
            ),
            "assumption: overland between neighbours (parameter transit_days_overland); override with overrides on trade.transit_days",
        )

    # ------------------------------------------------------------------ parameters
    def param(self, name: str, value: float, unit: str, basis: str, source: str, description: str, *, shared: bool = False) -> float:
        """Declare a parameter (``--set NAME=V`` replaces its value) and return its value.

        Dataset parameters are prefixed with the mineral unless ``shared`` (the same
        value in every mineral dataset, so that combined datasets agree).
        """
        if not shared and not name.startswith(self.prefix + "_"):
            raise SystemExit(f"parameter {name!r} of {self.name} must start with {self.prefix}_")
        if name in self.overrides:
            value = float(self.overrides[name])
            self.used_overrides.add(name)
            basis = "assumption"
            source = f"assumption: set by --set {name}={value:g} (default: {source})"
        if any(p["name"] == name for p in self.tables["parameters"]):
            raise SystemExit(f"parameter {name!r} declared twice")
        self.tables["parameters"].append({"name": name, "value": value, "unit": unit, "basis": basis, "source": source, "description": description})
        return value

    # ------------------------------------------------------------------ definitions
    def countries(self, codes: list[str]) -> None:
        for c in codes:
            name, mrio = COUNTRIES[c]
            self.tables["countries"].append(
                {"country": c, "name": name, "mrio_region": mrio, "market": "china" if c == "CHN" else "outside_china", "source": COUNTRY_SOURCE}
            )

    @property
    def country_codes(self) -> list[str]:
        return [row["country"] for row in self.tables["countries"]]

    def product(self, code: str, stage: str, name: str, unit: str) -> None:
        self._code(code)
        self.tables["products"].append({"product": code, "stage": stage, "name": name, "unit": unit, "source": "definition"})

    def sector(self, code: str, name: str, mrio: str, product: str, source: str = "definition") -> None:
        self._code(code)
        self.tables["sectors"].append({"sector": code, "name": name, "mrio_sector": mrio, "product": product, "source": source})

    def recipe(self, process: str, product: str, role: str, quantity: float, basis: str, source: str) -> None:
        self._code(process)
        self.tables["recipes"].append(
            {"process": process, "product": product, "role": role, "quantity": r(quantity, 12), "basis": basis, "source": source}
        )
        self._recipe.setdefault(process, {})[product] = (role, float(quantity))

    def _code(self, code: str) -> None:
        if not code.startswith(self.prefix + "_"):
            raise SystemExit(f"code {code!r} of {self.name} must start with {self.prefix}_ (codes are unique across datasets)")

    # ------------------------------------------------------------------ rows
    def facility(
        self,
        country: str,
        process: str,
        output: float,
        basis: str,
        source: str,
        *,
        capacity: float | None = None,
        capacity_source: str = "derived: output / utilisation (parameter utilisation, an assumption)",
    ) -> None:
        """Baseline activity of a process in a country (capacity from utilisation unless given)."""
        if output < -1e-9:
            raise SystemExit(f"{self.name}: facility {country}/{process}: negative output {output}")
        if process not in self._recipe:
            raise SystemExit(f"{self.name}: facility {country}/{process}: no recipe")
        output = max(output, 0.0)
        if capacity is None:
            util = next(p["value"] for p in self.tables["parameters"] if p["name"] == "utilisation")
            capacity = output / util
        elif capacity < output:
            raise SystemExit(f"{self.name}: facility {country}/{process}: output {output} above capacity {capacity}")
        if any(f["country"] == country and f["process"] == process for f in self.tables["facilities"]):
            raise SystemExit(f"{self.name}: facility {country}/{process} given twice")
        self.tables["facilities"].append(
            {
                "country": country,
                "process": process,
                "output_t": r(output),
                "capacity_t": r(capacity),
                "basis": basis,
                "source": source,
                "capacity_source": capacity_source,
            }
        )

    def transit(self, exp: str, imp: str) -> tuple[float, str]:
        """Default transit days of a link and their source."""
        if frozenset({exp, imp}) in OVERLAND:
            return self.transit_land
        if (exp in ASIA and imp in EUROPE) or (exp in EUROPE and imp in ASIA):
            return self.transit_eu
        if exp in ASIA and imp in ASIA:
            return self.transit_asia
        return self.transit_pac

    def link(self, exp: str, imp: str, product: str, flow: float, basis: str, source: str, note: str = "") -> None:
        """A baseline trade flow (flows on the same link are summed, their sources joined)."""
        if flow < -1e-9:
            raise SystemExit(f"{self.name}: link {exp}->{imp} {product}: negative flow {flow}")
        if flow <= 1e-12:
            return
        key = (exp, imp, product)
        if key in self._links:
            m = self._links[key]
            m["flow_t"] = r(m["flow_t"] + flow)
            m["basis"] = "assumption" if "assumption" in (m["basis"], basis) else "derived"
            m["source"] = f"{m['basis']}: sum of ({m['source']}) + ({source})"
            m["note"] = "; ".join(x for x in (m["note"], note) if x)
            return
        t, ts = self.transit(exp, imp)
        self._links[key] = {
            "exporter": exp,
            "importer": imp,
            "product": product,
            "flow_t": r(flow),
            "transit_days": t,
            "basis": basis,
            "source": source,
            "transit_source": ts,
            "note": note,
        }

    def demand(self, country: str, sector: str, t: float, basis: str, source: str) -> None:
        if t < -1e-9:
            raise SystemExit(f"{self.name}: demand {country}/{sector}: negative {t}")
        if t <= 1e-12:
            return
        product = next(s["product"] for s in self.tables["sectors"] if s["sector"] == sector)
        for d in self.tables["demand"]:
            if d["country"] == country and d["sector"] == sector:
                d["demand_t"] = r(d["demand_t"] + t)
                d["basis"] = "assumption" if "assumption" in (d["basis"], basis) else "derived"
                d["source"] = f"{d['basis']}: sum of ({d['source']}) + ({source})"
                return
        self.tables["demand"].append({"country": country, "sector": sector, "product": product, "demand_t": r(t), "basis": basis, "source": source})

    def stock(self, country: str, product: str, days: float, basis: str, source: str) -> None:
        self.tables["stocks"].append({"country": country, "product": product, "cover_days": r(days, 6), "basis": basis, "source": source})

    def strategic(self, country: str, product: str, days: float, basis: str, source: str) -> None:
        self.tables["strategic_stocks"].append({"country": country, "product": product, "cover_days": r(days, 6), "basis": basis, "source": source})

    def price(self, product: str, usd_per_t: float, basis: str, source: str, price_year: str) -> None:
        self.tables["prices"].append(
            {"product": product, "price_usd_per_t": r(usd_per_t, 6), "price_year": price_year, "basis": basis, "source": source}
        )

    # ------------------------------------------------------------------ balance
    def node_terms(self) -> dict[tuple[str, str], dict[str, float]]:
        """Production, imports, process use, end use and exports of every node (t/yr)."""
        terms: dict[tuple[str, str], dict[str, float]] = defaultdict(
            lambda: dict.fromkeys(("production", "imports", "process_use", "final_use", "exports"), 0.0)
        )
        for f in self.tables["facilities"]:
            for product, (role, q) in self._recipe[f["process"]].items():
                key = "production" if role == "output" else "process_use"
                terms[(f["country"], product)][key] += f["output_t"] * q
        for link in self._links.values():
            terms[(link["importer"], link["product"])]["imports"] += link["flow_t"]
            terms[(link["exporter"], link["product"])]["exports"] += link["flow_t"]
        for d in self.tables["demand"]:
            terms[(d["country"], d["product"])]["final_use"] += d["demand_t"]
        return terms

    def residual(self, country: str, product: str) -> float:
        """production + imports - process use - end use - exports of a node."""
        t = self.node_terms()[(country, product)]
        return t["production"] + t["imports"] - t["process_use"] - t["final_use"] - t["exports"]

    def available(self, country: str, product: str) -> float:
        """production + imports - exports - process use (what is left for end use)."""
        t = self.node_terms()[(country, product)]
        return t["production"] + t["imports"] - t["process_use"] - t["exports"]

    def close(self, country: str, product: str, shares: dict[str, tuple[float, str]], how: str) -> float:
        """Derive the end use of a node as its residual, split over sectors by ``shares``.

        ``shares`` maps sector -> (share, where the share comes from); the shares are
        normalised. Returns the residual. Raises when the residual is negative: the data
        then say that the node uses more than it gets, which is fixed in the data, never
        by a negative demand.
        """
        res = self.residual(country, product)
        if res < -1e-6:
            raise SystemExit(f"{self.name}: {country}/{product}: supply short of use by {-res:.3f} t; fix the build ({how})")
        total = sum(s for s, _ in shares.values())
        for sector, (share, ssrc) in shares.items():
            self.demand(
                country,
                sector,
                res * share / total,
                "derived",
                f"derived: {country}'s end use of {product} = production + imports - process use - exports ({res:.4g} t; {how}), "
                f"x share {share / total:.4f} of {sector} ({ssrc})",
            )
        return res

    def check_balance(self) -> None:
        bad = []
        for (c, p), t in sorted(self.node_terms().items()):
            res = t["production"] + t["imports"] - t["process_use"] - t["final_use"] - t["exports"]
            through = max(t["production"] + t["imports"], t["process_use"] + t["final_use"] + t["exports"])
            if through > 0 and abs(res) / through > 1e-9:
                bad.append(f"{c}/{p}: residual {res:.6f} of {through:.3f}")
        if bad:
            raise SystemExit(f"{self.name}: baseline does not balance: " + "; ".join(bad))

    # ------------------------------------------------------------------ output
    def finish(self) -> dict[str, str]:
        """Check and render every file of the dataset folder (name -> text)."""
        unused = set(self.overrides) - self.used_overrides
        if unused:
            raise SystemExit(f"--set: unknown parameter(s) {', '.join(sorted(unused))}")
        self.tables["trade"] = list(self._links.values())
        self.check_balance()
        files = {f"{name}.csv": to_csv(rows) for name, rows in self.tables.items() if rows}
        files["dataset.yaml"] = self._yaml()
        return files

    def _yaml(self) -> str:
        m = self.meta
        lines = [
            f"# Metadata of the {self.name} dataset (generated by data-raw/build_{self.folder}.py: do not edit by hand).",
            "# Tables are the CSV files beside this file (schema: supplyshock/schema/columns.csv); price markets are",
            "# the `market` column of countries.csv.",
            f"name: {self.name}",
            f"title: {m['title']}",
            f"base_year: {m['base_year']}",
            "headlines:",
        ]
        for h in m["headlines"]:
            lines += [
                f"  - id: {h['id']}",
                f"    label: {h['label']}",
                f"    exporter: {h['exporter']}",
                f"    product: {h['product']}",
                f"    importers: [{', '.join(h['importers'])}]",
            ]
        return "\n".join(lines) + "\n"


def to_csv(rows: list[dict[str, Any]]) -> str:
    cols: list[str] = []
    for row in rows:
        for k in row:
            if k not in cols:
                cols.append(k)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    for row in rows:
        w.writerow({k: (f"{v:.12g}" if isinstance(v, float) else v) for k, v in row.items()})
    return buf.getvalue()


def shares_of(pairs: list[tuple[str, float, str]]) -> dict[str, tuple[float, str]]:
    """``[(sector, share, source), ...]`` as the mapping :meth:`Dataset.close` takes."""
    return {s: (v, src) for s, v, src in pairs}


def main(build: Callable[[dict[str, float]], Dataset], doc: str) -> int:
    """Command line of a build script: write the dataset, or ``--check`` it, or build a variant."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="rebuild in memory and fail if the shipped files differ")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="build with another value of a dataset parameter")
    ap.add_argument("--out", type=Path, default=None, help="write into this folder instead of the package (use with --set)")
    args = ap.parse_args()
    overrides: dict[str, float] = {}
    for item in args.set:
        name, _, value = item.partition("=")
        try:
            overrides[name.strip()] = float(value)
        except ValueError:
            raise SystemExit(f"--set {item!r}: expected NAME=NUMBER") from None
    if overrides and args.out is None and not args.check:
        raise SystemExit("--set changes the data: give --out FOLDER (the shipped dataset stays the documented default)")
    ds = build(overrides)
    files = ds.finish()
    out = args.out if args.out is not None else DATA_ROOT / ds.folder
    if args.check:
        bad = []
        names = {p.name for p in out.glob("*.csv")} | {"dataset.yaml"}
        for name in sorted(names | set(files)):
            path = out / name
            if name not in files or not path.exists() or path.read_text(encoding="utf-8") != files[name]:
                bad.append(name)
        if bad:
            print(f"{out}: out of date: {', '.join(bad)}; run python data-raw/build_{ds.folder}.py", file=sys.stderr)
            return 1
        return 0
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    return 0
