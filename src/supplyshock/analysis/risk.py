"""Supply-risk indicators computed from the same :class:`~supplyshock.network.SupplyNetwork` as the engine.

Per product (material), stage and country:

* production concentration (Herfindahl-Hirschman index of the countries' shares of the
  product's output, on 0-1);
* import reliance ``(imports - exports) / (production + imports - exports)`` clipped to
  [0, 1] as in the EU method, per country and for the EU as one bloc (the dataset's
  countries that are EU members, and its aggregates made only of EU members, from the
  shared tables ``data/risk/blocs.csv`` and ``wgi_regions.csv``: no country list in code);
* the EU supply-risk indicator (Blengini et al. 2017, used in the 2017, 2020 and 2023
  assessments)::

      SR = [HHI_WGI,t(GS) * IR/2 + HHI_WGI,t(EU sourcing) * (1 - IR/2)] * (1 - EoL_RIR) * SI_SR
      HHI_WGI,t = sum_c s_c**2 * WGI_c * t_c

  with the shares of global supply (GS) and of EU sourcing taken from the network's
  production and trade tables, WGI_c the World Governance Indicators rescaled to 0-10
  (``5 - 2 * mean of the six estimates`` over 2016-2020, clamped to [0, 10]), and
  EoL_RIR and SI_SR from the EU 2023 assessment for the element(s) each product maps
  onto (``data/risk/material_map.csv``);
* the USGS 2021 form (DP x TE x EV): only the overall published scores exist in the
  shipped data, so :func:`usgs_supply_risk` computes the inputs the network supports and
  raises :class:`MissingInputError` naming the missing components.

A missing input is never read as zero: the strict functions raise
:class:`MissingInputError` naming the input, the product and the country; the report
functions (``on_missing="report"``) leave the value NaN and say in a ``missing`` column
what is absent.

References
----------
Blengini, G.A. et al. (2017). Methodology for establishing the EU list of critical raw
materials: guidelines. Publications Office of the EU. doi:10.2760/73303.
European Commission (2023). Study on the critical raw materials for the EU 2023, final
report. doi:10.2873/725585.
Nassar, N.T. & Fortier, S.M. (2021). Methodology and technical input for the 2021 review
and revision of the U.S. critical minerals list. USGS Open-File Report 2021-1045.
doi:10.3133/ofr20211045.
Kaufmann, D., Kraay, A. & Mastruzzi, M. (2010). The Worldwide Governance Indicators:
methodology and analytical issues. World Bank Policy Research Working Paper 5430.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from supplyshock.errors import DataError
from supplyshock.network import SupplyNetwork

__all__ = [
    "EU",
    "WGI_INDICATORS",
    "WGI_WINDOW",
    "MissingInputError",
    "RiskInputs",
    "bloc_members",
    "concentration",
    "country_governance",
    "eu_bloc",
    "eu_sourcing_shares",
    "eu_supply_risk",
    "hhi",
    "hhi_wgi",
    "import_reliance",
    "load_risk_inputs",
    "production_shares",
    "rank_datasets",
    "risk_table",
    "sr_eu",
    "usgs_supply_risk",
    "wgi_scaled",
]

#: The six WGI dimensions averaged by the EU method.
WGI_INDICATORS = (
    "control_of_corruption",
    "government_effectiveness",
    "political_stability",
    "regulatory_quality",
    "rule_of_law",
    "voice_and_accountability",
)
#: Years averaged by the EU 2023 assessment.
WGI_WINDOW = (2016, 2020)
#: The bloc of ``blocs.csv`` whose import reliance and sourcing the EU indicator uses.
EU = "EU"

OnMissing = Literal["raise", "report"]

_FILES: dict[str, list[str]] = {
    "wgi": ["country_iso3", "country", "year", "indicator", "estimate", "source"],
    "eu_crm": ["assessment_year", "material", "stage", "scope", "country_iso3", "metric", "value", "unit", "source", "note"],
    "usgs_2021": ["commodity", "metric", "value", "unit", "years", "source", "note"],
    "material_map": ["product", "eu_material", "eu_stage", "usgs_commodity", "scope_note", "basis", "source"],
    "wgi_regions": ["region", "members", "basis", "source"],
    "blocs": ["bloc", "members", "basis", "source"],
}


class MissingInputError(DataError):
    """An indicator lacks one or more inputs; the message names each of them.

    Attributes
    ----------
    missing : list of str
        One entry per missing input, e.g. ``"WGI for country 'XYZ'"``.
    partial : DataFrame or None
        What could be computed before the missing input stopped the indicator.
    """

    def __init__(self, message: str, missing: Sequence[str], partial: pd.DataFrame | None = None) -> None:
        super().__init__(message)
        self.missing = list(missing)
        self.partial = partial


@dataclass(frozen=True)
class RiskInputs:
    """The external inputs of the indicators, each table with a ``source`` column.

    Attributes
    ----------
    wgi : DataFrame
        World Governance Indicators, one row per (country, year, indicator).
    eu_crm : DataFrame
        EU CRM assessment figures (long format: material, stage, scope, metric, value).
    usgs : DataFrame
        USGS 2021 published supply-risk scores.
    material_map : DataFrame
        Product -> EU material (and USGS commodity) mapping, with the scope of each.
    wgi_regions : DataFrame
        How dataset aggregates (MML, EUR, ROW) take a governance score, and which
        economies each aggregate stands for.
    blocs : DataFrame
        Country blocs (the EU) by their members' ISO3 codes.
    folder : str
        Where the tables were read from.
    """

    wgi: pd.DataFrame
    eu_crm: pd.DataFrame
    usgs: pd.DataFrame
    material_map: pd.DataFrame
    wgi_regions: pd.DataFrame
    blocs: pd.DataFrame
    folder: str


def _risk_dir() -> Path:
    return Path(str(resources.files("supplyshock") / "data" / "risk"))


def load_risk_inputs(folder: str | Path | None = None) -> RiskInputs:
    """Read the risk inputs shipped with the package (or from ``folder``).

    Parameters
    ----------
    folder : str or Path, optional
        A folder with ``wgi.csv``, ``eu_crm.csv``, ``usgs_2021.csv``, ``material_map.csv``,
        ``wgi_regions.csv`` and ``blocs.csv`` (see ``data/risk/README.md``); defaults to the
        package's.

    Returns
    -------
    RiskInputs

    Raises
    ------
    DataError
        A file or a column is missing, or a row has no source.
    """
    path = Path(folder) if folder is not None else _risk_dir()
    tables: dict[str, pd.DataFrame] = {}
    for name, cols in _FILES.items():
        f = path / f"{name}.csv"
        if not f.exists():
            raise DataError(f"{f}: missing; the risk indicators need {name}.csv (columns {', '.join(cols)})")
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        miss = [c for c in cols if c not in df.columns]
        if miss:
            raise DataError(f"{f}: missing column(s) {', '.join(miss)}; required: {', '.join(cols)}")
        empty = df["source"].str.strip() == ""
        if empty.any():
            i = int(np.flatnonzero(empty.to_numpy())[0])
            raise DataError(f"{f}: line {i + 2}, field 'source' is empty; every figure needs a source")
        df.attrs["path"] = str(f)
        tables[name] = df
    wgi = tables["wgi"].copy()
    wgi["year"] = pd.to_numeric(wgi["year"], errors="coerce")
    wgi["estimate"] = pd.to_numeric(wgi["estimate"], errors="coerce")
    bad = wgi["year"].isna() | wgi["estimate"].isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"{path / 'wgi.csv'}: line {i + 2}: year or estimate is not a number")
    return RiskInputs(
        wgi=wgi,
        eu_crm=tables["eu_crm"],
        usgs=tables["usgs_2021"],
        material_map=tables["material_map"],
        wgi_regions=tables["wgi_regions"],
        blocs=tables["blocs"],
        folder=str(path),
    )


# ---------------------------------------------------------------------- governance
def wgi_scaled(inputs: RiskInputs, years: tuple[int, int] = WGI_WINDOW) -> pd.Series:
    """Governance score per economy on the EU's 0 (best) to 10 (worst) scale.

    ``WGI_scaled = 5 - 2 * mean`` of the six WGI estimates over ``years`` (inclusive),
    clamped to [0, 10]; only economies with all six indicators in every year of the
    window are returned (the others are absent, never zero).

    Parameters
    ----------
    inputs : RiskInputs
    years : (int, int)
        First and last year averaged (EU 2023: 2016-2020).

    Returns
    -------
    Series
        Indexed by ISO3 code, named ``wgi_scaled``.

    References
    ----------
    Blengini et al. (2017), doi:10.2760/73303, section 3.2 (WGI rescaled to 0-10).

    Examples
    --------
    >>> round(float(wgi_scaled(load_risk_inputs())["CHN"]), 3)
    5.714
    """
    w = inputs.wgi
    sub = w[(w["year"] >= years[0]) & (w["year"] <= years[1]) & w["indicator"].isin(WGI_INDICATORS)]
    n_needed = len(WGI_INDICATORS) * (years[1] - years[0] + 1)
    counts = sub.groupby("country_iso3")["estimate"].count()
    complete = counts[counts == n_needed].index
    mean = sub[sub["country_iso3"].isin(complete)].groupby("country_iso3")["estimate"].mean()
    out = (5.0 - 2.0 * mean).clip(0.0, 10.0)
    out.name = "wgi_scaled"
    return out


def country_governance(
    net: SupplyNetwork,
    inputs: RiskInputs | None = None,
    *,
    years: tuple[int, int] = WGI_WINDOW,
    countries: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Governance score of each country of the network (aggregates via ``wgi_regions.csv``).

    Parameters
    ----------
    net : SupplyNetwork
    inputs : RiskInputs, optional
        Defaults to the shipped inputs.
    years : (int, int)
        WGI window.
    countries : iterable of str, optional
        Only these countries (default: all of the network's).

    Returns
    -------
    DataFrame
        Index country; columns ``wgi_scaled``, ``basis`` (``reported`` or ``assumption``),
        ``members`` (the economies averaged).

    Raises
    ------
    MissingInputError
        A country has no complete WGI record and no row in ``wgi_regions.csv``.
    """
    inputs = inputs or load_risk_inputs()
    rows, missing = _governance_rows(net, inputs, years, list(countries) if countries is not None else list(net.countries))
    if missing:
        raise MissingInputError(
            "governance score missing: " + "; ".join(missing) + f". Add the rows to {inputs.folder}/wgi.csv "
            "or map the aggregate onto member economies in wgi_regions.csv.",
            missing,
        )
    return pd.DataFrame(rows, columns=["country", "wgi_scaled", "basis", "members"]).set_index("country")


def _governance_rows(
    net: SupplyNetwork, inputs: RiskInputs, years: tuple[int, int], wanted: list[str], scores: pd.Series | None = None
) -> tuple[list[dict[str, object]], list[str]]:
    """The governance rows of ``wanted`` countries that have a score, and what is missing for the others."""
    scores = wgi_scaled(inputs, years) if scores is None else scores
    regions = {str(r.region): r for r in inputs.wgi_regions.itertuples(index=False)}
    listed: set[str] = set(net.countries)
    for r in regions.values():
        if str(r.members).strip() != "*":
            listed |= set(str(r.members).split())
    rows: list[dict[str, object]] = []
    missing: list[str] = []
    for c in wanted:
        if c in scores.index:
            rows.append({"country": c, "wgi_scaled": float(scores[c]), "basis": "reported", "members": c})
            continue
        if c in regions:
            r = regions[c]
            spec = str(r.members).strip()
            members = sorted(set(scores.index) - listed) if spec == "*" else spec.split()
            absent = [m for m in members if m not in scores.index]
            if absent or not members:
                missing.append(
                    f"WGI {years[0]}-{years[1]} (all six indicators) for member(s) {', '.join(absent) or '(none listed)'} "
                    f"of aggregate {c!r} (wgi_regions.csv)"
                )
                continue
            rows.append(
                {
                    "country": c,
                    "wgi_scaled": float(scores[members].mean()),
                    "basis": str(r.basis),
                    "members": " ".join(members) if spec != "*" else f"* ({len(members)} economies)",
                }
            )
            continue
        missing.append(f"WGI {years[0]}-{years[1]} (all six indicators) for country {c!r}")
    return rows, missing


def _governance_available(net: SupplyNetwork, inputs: RiskInputs, years: tuple[int, int]) -> pd.Series:
    """Governance scores of the network's countries that have one (the others are absent)."""
    rows, _ = _governance_rows(net, inputs, years, list(net.countries))
    return pd.Series({str(r["country"]): float(str(r["wgi_scaled"])) for r in rows}, dtype=float)


# ---------------------------------------------------------------------- blocs
def bloc_members(inputs: RiskInputs, bloc: str = EU) -> list[str]:
    """The member economies (ISO3) of a bloc of ``blocs.csv``.

    Raises
    ------
    MissingInputError
        The bloc has no row in ``blocs.csv``.

    Examples
    --------
    >>> len(bloc_members(load_risk_inputs()))
    27
    """
    rows = inputs.blocs[inputs.blocs["bloc"] == bloc]
    if rows.empty:
        raise MissingInputError(
            f"no bloc {bloc!r} in {inputs.folder}/blocs.csv (blocs: {', '.join(inputs.blocs['bloc']) or 'none'}); add a row listing its members",
            [f"blocs.csv row for {bloc!r}"],
        )
    return sorted({m for v in rows["members"] for m in str(v).split()})


def eu_bloc(net: SupplyNetwork, inputs: RiskInputs | None = None, *, bloc: str = EU) -> list[str]:
    """The dataset's countries that together stand for a bloc (by default the EU), from data.

    A country is in if it is a member of ``bloc`` in ``blocs.csv``; a dataset aggregate
    (a ``wgi_regions.csv`` row listing member economies, e.g. ``EUR``) is in if all its
    members are. No country list is held in code, so every dataset (and a combination of
    datasets) gets its own bloc.

    Parameters
    ----------
    net : SupplyNetwork
    inputs : RiskInputs, optional
    bloc : str
        A bloc of ``blocs.csv``.

    Returns
    -------
    list of str
        In the network's country order; empty when the dataset has no such country.

    Examples
    --------
    >>> from supplyshock.network import load_network
    >>> eu_bloc(load_network("rare-earths"))
    ['DEU', 'EUR']
    """
    inputs = inputs or load_risk_inputs()
    members = set(bloc_members(inputs, bloc))
    aggregates = {
        str(r.region): set(str(r.members).split()) for r in inputs.wgi_regions.itertuples(index=False) if str(r.members).strip() not in ("", "*")
    }
    return [c for c in net.countries if c in members or (c in aggregates and aggregates[c] <= members)]


def _bloc_or_default(net: SupplyNetwork, inputs: RiskInputs | None, bloc: Sequence[str] | None) -> list[str]:
    return list(bloc) if bloc is not None else eu_bloc(net, inputs)


# ---------------------------------------------------------------------- concentration and reliance
def production_shares(net: SupplyNetwork) -> pd.DataFrame:
    """Baseline output and each country's share of it, per product.

    Returns
    -------
    DataFrame
        Columns ``product``, ``stage``, ``country``, ``production_t``, ``share`` for every
        country with output > 0.
    """
    prod = net.production0
    stage = dict(zip(net.tables["products"]["product"], net.tables["products"]["stage"], strict=True))
    rows = []
    for p, name in enumerate(net.products):
        total = float(prod[:, p].sum())
        for c, country in enumerate(net.countries):
            if prod[c, p] > 0:
                rows.append(
                    {"product": name, "stage": stage[name], "country": country, "production_t": float(prod[c, p]), "share": float(prod[c, p]) / total}
                )
    return pd.DataFrame(rows, columns=["product", "stage", "country", "production_t", "share"])


def hhi(shares: Mapping[str, float] | pd.Series) -> float:
    """Herfindahl-Hirschman index ``sum s**2`` of shares (fractions; result on 0-1).

    Raises
    ------
    MissingInputError
        No share is positive (the index is undefined, not zero).

    Examples
    --------
    >>> hhi({"A": 0.5, "B": 0.5})
    0.5
    """
    s = pd.Series(shares, dtype=float)
    if not (s > 0).any():
        raise MissingInputError("HHI undefined: no positive share (no production or sourcing)", ["shares"])
    return float((s**2).sum())


def concentration(net: SupplyNetwork) -> pd.DataFrame:
    """Production concentration per product (its stage is the product's stage).

    Returns
    -------
    DataFrame
        Index product; columns ``stage``, ``production_t``, ``producers``, ``hhi`` (0-1),
        ``top_country``, ``top_share``. A product no country makes has NaN figures and
        ``missing`` says so.
    """
    ps = production_shares(net)
    stage = dict(zip(net.tables["products"]["product"], net.tables["products"]["stage"], strict=True))
    rows = []
    for p in net.products:
        sub = ps[ps["product"] == p]
        if sub.empty:
            rows.append(
                {
                    "product": p,
                    "stage": stage[p],
                    "production_t": 0.0,
                    "producers": 0,
                    "hhi": np.nan,
                    "top_country": "",
                    "top_share": np.nan,
                    "missing": "no country produces it in the dataset",
                }
            )
            continue
        k = int(np.argmax(sub["share"].to_numpy()))
        rows.append(
            {
                "product": p,
                "stage": stage[p],
                "production_t": float(sub["production_t"].sum()),
                "producers": len(sub),
                "hhi": hhi(sub.set_index("country")["share"]),
                "top_country": str(sub["country"].iloc[k]),
                "top_share": float(sub["share"].iloc[k]),
                "missing": "",
            }
        )
    return pd.DataFrame(rows).set_index("product")


def _bloc_trade(net: SupplyNetwork, bloc: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Production, extra-bloc imports and extra-bloc exports of a bloc, per product."""
    idx = [net.countries.index(c) for c in bloc]
    inside = np.isin(np.arange(len(net.countries)), idx)
    prod = net.production0[idx].sum(axis=0)
    P = len(net.products)
    imp = np.zeros(P)
    exp = np.zeros(P)
    into = inside[net.link_importer] & ~inside[net.link_exporter]
    out = inside[net.link_exporter] & ~inside[net.link_importer]
    np.add.at(imp, net.link_product[into], net.link_flow0[into])
    np.add.at(exp, net.link_product[out], net.link_flow0[out])
    return prod, imp, exp


def _reliance(prod: np.ndarray, imp: np.ndarray, exp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    apparent = prod + imp - exp
    with np.errstate(divide="ignore", invalid="ignore"):
        ir = np.where(apparent > 0, np.clip((imp - exp) / np.where(apparent > 0, apparent, 1.0), 0.0, 1.0), np.nan)
    return apparent, ir


def _check_countries(net: SupplyNetwork, countries: Iterable[str], what: str) -> None:
    unknown = [c for c in countries if c not in net.countries]
    if unknown:
        raise DataError(f"{what}: unknown country code(s) {', '.join(unknown)}; known: {', '.join(net.countries)}")


def import_reliance(net: SupplyNetwork, *, bloc: Sequence[str] | None = None) -> pd.DataFrame:
    """Import reliance per country (or for a bloc of countries) and product.

    ``IR = (imports - exports) / (production + imports - exports)``, clipped to [0, 1]
    (a net exporter has IR = 0). Where apparent consumption is zero or negative IR is
    undefined: NaN, and ``missing`` says why.

    Parameters
    ----------
    net : SupplyNetwork
    bloc : sequence of str, optional
        Treat these countries as one (trade among them is not counted), e.g. the
        dataset's EU countries (:func:`eu_bloc`).

    Returns
    -------
    DataFrame
        Columns ``country`` (the bloc joined by ``+``), ``product``, ``stage``,
        ``production_t``, ``imports_t``, ``exports_t``, ``apparent_t``, ``import_reliance``,
        ``missing``; one row per (country, product) with any production or trade.

    References
    ----------
    Blengini et al. (2017), doi:10.2760/73303 (import reliance).
    """
    stage = dict(zip(net.tables["products"]["product"], net.tables["products"]["stage"], strict=True))
    if bloc is not None:
        _check_countries(net, bloc, "import_reliance bloc")
        prod, imp, exp = (a[None, :] for a in _bloc_trade(net, bloc))
        names = ["+".join(bloc)]
    else:
        prod, imp, exp = net.production0, net.imports0, net.exports0
        names = list(net.countries)
    apparent, ir = _reliance(prod, imp, exp)
    rows = []
    for c, name in enumerate(names):
        for p, product in enumerate(net.products):
            if prod[c, p] == 0 and imp[c, p] == 0 and exp[c, p] == 0:
                continue
            rows.append(
                {
                    "country": name,
                    "product": product,
                    "stage": stage[product],
                    "production_t": float(prod[c, p]),
                    "imports_t": float(imp[c, p]),
                    "exports_t": float(exp[c, p]),
                    "apparent_t": float(apparent[c, p]),
                    "import_reliance": float(ir[c, p]),
                    "missing": "" if np.isfinite(ir[c, p]) else "undefined: no apparent consumption (production + imports - exports <= 0)",
                }
            )
    return pd.DataFrame(
        rows, columns=["country", "product", "stage", "production_t", "imports_t", "exports_t", "apparent_t", "import_reliance", "missing"]
    )


def eu_sourcing_shares(net: SupplyNetwork, product: str, *, bloc: Sequence[str] | None = None, inputs: RiskInputs | None = None) -> pd.Series:
    """Shares of the bloc's sourcing of a product by supplying country.

    EU sourcing = the bloc's own production (by member) + imports from outside the bloc
    (by exporter); an empty Series when the bloc neither makes nor imports the product.
    ``bloc`` defaults to the dataset's EU countries (:func:`eu_bloc`).
    """
    bloc = _bloc_or_default(net, inputs, bloc)
    _check_countries(net, bloc, "EU bloc")
    p = net.products.index(product)
    idx = [net.countries.index(c) for c in bloc]
    src: dict[str, float] = {}
    prod = net.production0[:, p]
    for c in idx:
        if prod[c] > 0:
            src[net.countries[c]] = float(prod[c])
    inside = np.isin(np.arange(len(net.countries)), idx)
    sel = (net.link_product == p) & inside[net.link_importer] & ~inside[net.link_exporter] & (net.link_flow0 > 0)
    for e, f in zip(net.link_exporter[sel], net.link_flow0[sel], strict=True):
        src[net.countries[e]] = src.get(net.countries[e], 0.0) + float(f)
    s = pd.Series(src, dtype=float)
    return s / s.sum() if len(s) else s


# ---------------------------------------------------------------------- EU supply risk
def hhi_wgi(
    shares: Mapping[str, float] | pd.Series, wgi: Mapping[str, float] | pd.Series, t: Mapping[str, float] | None = None, *, what: str = ""
) -> float:
    """Governance-weighted concentration ``sum_c s_c**2 * WGI_c * t_c`` (0-10 with fractional shares).

    Parameters
    ----------
    shares : mapping country -> share (fractions summing to 1)
    wgi : mapping country -> WGI scaled 0-10
    t : mapping country -> trade multiplier, optional
        Export-restriction multiplier; countries not listed take 1 (EU 2023 lists none
        for the rare earths).
    what : str
        Label for error messages.

    Raises
    ------
    MissingInputError
        A supplier with a positive share has no governance score, or no share is positive.

    References
    ----------
    Blengini et al. (2017), doi:10.2760/73303, eq. 2.
    """
    s = pd.Series(shares, dtype=float)
    s = s[s > 0]
    if s.empty:
        raise MissingInputError(f"HHI_WGI{' of ' + what if what else ''}: no supplier with a positive share", ["shares"])
    g = pd.Series(wgi, dtype=float)
    absent = [c for c in s.index if c not in g.index or not np.isfinite(g[c])]
    if absent:
        raise MissingInputError(
            f"HHI_WGI{' of ' + what if what else ''}: no governance score (WGI) for supplier(s) {', '.join(absent)}",
            [f"WGI for country {c!r}" for c in absent],
        )
    tt = pd.Series({c: float((t or {}).get(c, 1.0)) for c in s.index})
    return float((s**2 * g[s.index] * tt).sum())


def sr_eu(
    hhi_gs: float | None, eol_rir: float | None, si_sr: float | None, *, hhi_eu: float | None = None, ir: float | None = None, what: str = ""
) -> float:
    """The EU supply-risk formula.

    ``SR = [HHI_GS * IR/2 + HHI_EU * (1 - IR/2)] * (1 - EoL_RIR) * SI_SR``; with no EU
    sourcing (``hhi_eu`` None) the bracket is ``HHI_GS`` alone (the EU's "global supply
    only" basis).

    Parameters
    ----------
    hhi_gs, hhi_eu : float
        HHI_WGI,t of global supply and of EU sourcing (0-10).
    ir : float
        EU import reliance, 0-1 (needed with ``hhi_eu``).
    eol_rir, si_sr : float
        End-of-life recycling input rate and substitution index, 0-1.
    what : str
        Label for error messages.

    Raises
    ------
    MissingInputError
        Naming each input that is None or NaN.

    References
    ----------
    Blengini et al. (2017), doi:10.2760/73303, eq. 1.

    Examples
    --------
    >>> round(sr_eu(5.714, eol_rir=0.01, si_sr=0.99), 2)  # dysprosium, processing, EU 2023
    5.6
    """
    need: dict[str, float | None] = {"HHI_WGI,t(GS)": hhi_gs, "EoL_RIR": eol_rir, "SI_SR": si_sr}
    if hhi_eu is not None:
        need["IR"] = ir
    absent = [k for k, v in need.items() if v is None or not np.isfinite(v)]
    if absent:
        raise MissingInputError(f"EU SR{' of ' + what if what else ''}: missing {', '.join(absent)}", absent)
    assert hhi_gs is not None and eol_rir is not None and si_sr is not None
    if hhi_eu is None:
        bracket = hhi_gs
    else:
        assert ir is not None
        bracket = hhi_gs * ir / 2 + hhi_eu * (1 - ir / 2)
    return float(bracket * (1 - eol_rir) * si_sr)


def _eu_value(crm: pd.DataFrame, material: str, metric: str, stage: str = "overall", year: str = "2023") -> float | None:
    sub = crm[(crm["assessment_year"] == year) & (crm["material"] == material) & (crm["stage"] == stage) & (crm["metric"] == metric)]
    vals = pd.to_numeric(sub["value"], errors="coerce").dropna()
    return float(vals.iloc[0]) if len(vals) else None


def eu_supply_risk(
    net: SupplyNetwork,
    inputs: RiskInputs | None = None,
    *,
    bloc: Sequence[str] | None = None,
    years: tuple[int, int] = WGI_WINDOW,
    t: Mapping[str, float] | None = None,
    on_missing: OnMissing = "raise",
) -> pd.DataFrame:
    """EU supply risk of every product of the network, per EU material it maps onto.

    Global-supply shares are the countries' shares of the product's output; EU-sourcing
    shares are the bloc's own production plus its imports from outside (trade table);
    IR is the bloc's import reliance. Where the bloc neither makes nor imports the
    product, SR uses global supply only (as the EU does for its processing stage of the
    heavy rare earths). EoL_RIR and SI_SR are the EU 2023 values of the mapped element.

    Parameters
    ----------
    net : SupplyNetwork
    inputs : RiskInputs, optional
    bloc : sequence of str, optional
        The dataset's countries that form the EU; default :func:`eu_bloc` (from
        ``blocs.csv`` and ``wgi_regions.csv``). A dataset with no EU country has no EU
        sourcing or import reliance to measure: its SR is missing, never computed on
        global supply alone.
    years : (int, int)
        WGI window.
    t : mapping country -> float, optional
        Trade-related multipliers (default 1 for all: the EU 2023 lists none for REE).
    on_missing : {"raise", "report"}
        Raise :class:`MissingInputError` on the first row with a missing input, or leave
        that row's SR NaN and say what is missing in ``missing``.

    Returns
    -------
    DataFrame
        One row per (product, material): ``stage``, ``eu_stage``, ``hhi``, ``top_country``,
        ``top_share``, ``hhi_wgi_gs``, ``hhi_wgi_eu``, ``ir_eu``, ``sourcing_basis``,
        ``eol_rir``, ``si_sr``, ``sr``, ``sr_published`` (EU 2023 for that element and
        stage, NaN where the EU did not assess the stage), ``scope_note``, ``missing``.

    References
    ----------
    Blengini et al. (2017), doi:10.2760/73303; European Commission (2023),
    doi:10.2873/725585.
    """
    inputs = inputs or load_risk_inputs()
    bloc = _bloc_or_default(net, inputs, bloc)
    conc = concentration(net)
    ps = production_shares(net)
    mapping = inputs.material_map
    _check_countries(net, bloc, "EU bloc")
    b_prod, b_imp, b_exp = _bloc_trade(net, bloc)
    _, b_ir = _reliance(b_prod, b_imp, b_exp)
    rows: list[dict[str, object]] = []
    strict = on_missing == "raise"
    no_bloc = "" if bloc else f"EU bloc countries (the dataset has no member of bloc {EU!r} of blocs.csv nor an aggregate of them)"
    if no_bloc and strict:
        raise MissingInputError(f"EU SR of {net.name}: missing {no_bloc}; pass bloc= the dataset's EU countries", [no_bloc])
    gov = country_governance(net, inputs, years=years)["wgi_scaled"] if strict else _governance_available(net, inputs, years)
    for p, product in enumerate(net.products):
        maps = mapping[mapping["product"] == product]
        if maps.empty:
            msg = f"no EU material mapped to product {product!r} in {inputs.folder}/material_map.csv: EoL_RIR and SI_SR unknown"
            if on_missing == "raise":
                raise MissingInputError(f"EU SR of {product}: {msg}", [f"material_map row for {product!r}"])
            maps = pd.DataFrame([{"eu_material": "", "eu_stage": "none", "scope_note": ""}])
        shares = ps[ps["product"] == product].set_index("country")["share"]
        eu_sh = eu_sourcing_shares(net, product, bloc=bloc)
        for m in maps.itertuples(index=False):
            material = str(m.eu_material)
            what = f"{product} ({material or 'unmapped'})"
            missing: list[str] = []
            hg = he = np.nan
            try:
                hg = hhi_wgi(shares, gov, t, what=f"{what}, global supply")
                if len(eu_sh):
                    he = hhi_wgi(eu_sh, gov, t, what=f"{what}, EU sourcing")
            except MissingInputError as exc:
                if on_missing == "raise":
                    raise
                missing.extend(exc.missing)
            eol = _eu_value(inputs.eu_crm, material, "EoL_RIR") if material else None
            si = _eu_value(inputs.eu_crm, material, "SI_SR") if material else None
            ir = float(b_ir[p]) if len(eu_sh) and np.isfinite(b_ir[p]) else None
            sr = np.nan
            try:
                sr = sr_eu(
                    None if not np.isfinite(hg) else hg,
                    None if eol is None else eol / 100.0,
                    si,
                    hhi_eu=None if not len(eu_sh) or not np.isfinite(he) else he,
                    ir=ir,
                    what=what,
                )
            except MissingInputError as exc:
                if on_missing == "raise":
                    detail = [f"{x} for EU material {material!r}" if x in ("EoL_RIR", "SI_SR") else x for x in exc.missing]
                    raise MissingInputError(
                        f"EU SR of {what}: missing {', '.join(detail)} (EU 2023 data in {inputs.folder}/eu_crm.csv)", detail
                    ) from None
                missing.extend(f"{x} for {material!r}" if x in ("EoL_RIR", "SI_SR") else x for x in exc.missing if not x.startswith("HHI"))
            if no_bloc:
                sr = np.nan
                missing.append(no_bloc)
            eu_stage = str(m.eu_stage)
            pub = _eu_value(inputs.eu_crm, material, "SR", stage=eu_stage) if material and eu_stage != "none" else None
            rows.append(
                {
                    "product": product,
                    "material": material,
                    "stage": conc.loc[product, "stage"],
                    "eu_stage": eu_stage,
                    "hhi": conc.loc[product, "hhi"],
                    "top_country": conc.loc[product, "top_country"],
                    "top_share": conc.loc[product, "top_share"],
                    "hhi_wgi_gs": hg,
                    "hhi_wgi_eu": he,
                    "ir_eu": np.nan if ir is None else ir,
                    "sourcing_basis": "unknown (no EU country in the dataset)"
                    if no_bloc
                    else "global supply + EU sourcing"
                    if len(eu_sh)
                    else "global supply only (no EU sourcing)",
                    "eol_rir": np.nan if eol is None else eol / 100.0,
                    "si_sr": np.nan if si is None else si,
                    "sr": sr,
                    "sr_published": np.nan if pub is None else pub,
                    "scope_note": str(m.scope_note),
                    "missing": "; ".join(dict.fromkeys(missing)),
                }
            )
    return pd.DataFrame(rows)


def rank_datasets(
    networks: Iterable[SupplyNetwork],
    inputs: RiskInputs | None = None,
    *,
    by: str = "sr",
    ascending: bool = False,
    years: tuple[int, int] = WGI_WINDOW,
    t: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """The EU supply risk, concentration and EU import reliance of several datasets, ranked together.

    Each network is assessed on its own (:func:`eu_supply_risk` with ``on_missing="report"``,
    its EU bloc from :func:`eu_bloc`) and the rows are pooled: nothing here depends on the
    mineral, so a new dataset is ranked as soon as its products are in ``material_map.csv``
    (an unmapped product is listed with its concentration and the missing inputs named).

    Parameters
    ----------
    networks : iterable of SupplyNetwork
    inputs : RiskInputs, optional
    by : str
        Column to rank by (e.g. ``sr``, ``hhi``, ``ir_eu``, ``hhi_wgi_gs``, ``product``);
        missing values last, ties by dataset, product and material.
    ascending : bool
        Rank in ascending order (default: highest first).
    years, t
        As in :func:`eu_supply_risk`.

    Returns
    -------
    DataFrame
        The columns of :func:`eu_supply_risk` with ``dataset`` first and ``eu_bloc`` (the
        dataset's EU countries joined by ``+``, empty if none) after it.

    Examples
    --------
    >>> from supplyshock.network import load_network
    >>> ranked = rank_datasets([load_network("gallium"), load_network("rare-earths")])
    >>> ranked[["dataset", "product", "material"]].iloc[0].tolist()
    ['rare-earths', 'dy_oxide', 'Dysprosium']
    """
    inputs = inputs or load_risk_inputs()
    parts = []
    for net in networks:
        eu = eu_supply_risk(net, inputs, years=years, t=t, on_missing="report")
        eu.insert(0, "dataset", net.name)
        eu.insert(1, "eu_bloc", "+".join(eu_bloc(net, inputs)))
        parts.append(eu)
    if not parts:
        raise DataError("rank_datasets: no dataset given")
    out = pd.concat(parts, ignore_index=True)
    if by not in out.columns:
        raise DataError(f"rank_datasets: cannot rank by {by!r}; columns: {', '.join(out.columns)}")
    keys = [by] + [k for k in ("dataset", "product", "material") if k != by]
    return out.sort_values(keys, ascending=[ascending] + [True] * (len(keys) - 1), na_position="last", kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------- USGS
def usgs_supply_risk(
    net: SupplyNetwork, inputs: RiskInputs | None = None, *, country: str = "USA", years: tuple[int, int] = WGI_WINDOW
) -> pd.DataFrame:
    """The USGS 2021 supply risk ``DP x TE x EV``: raises, naming the missing components.

    The shipped data hold only the overall published scores (Nassar & Fortier 2021,
    Fig. 3). The network supplies the *inputs* of two components (production
    concentration and governance for DP; the country's net import reliance for TE) but
    not the components' normalisations, and nothing for EV (the commodity's cost share
    and the using industries' profit margins). The partial results are attached to the
    error as ``partial``.

    Parameters
    ----------
    net : SupplyNetwork
    inputs : RiskInputs, optional
    country : str
        The importing country of the USGS assessment (the United States).
    years : (int, int)
        WGI window for the governance-weighted concentration.

    Raises
    ------
    MissingInputError
        Always, while DP, TE and EV are not in the inputs; ``partial`` holds, per
        product, ``hhi``, ``hhi_wgi_gs``, ``net_import_reliance`` of ``country`` and the
        published overall score of each mapped commodity.

    References
    ----------
    Nassar, N.T. & Fortier, S.M. (2021). USGS Open-File Report 2021-1045.
    Nassar, N.T. et al. (2020). Sci. Adv. 6(8), eaay8647 (DP, TE, EV).
    """
    inputs = inputs or load_risk_inputs()
    _check_countries(net, [country], "USGS importing country")
    conc = concentration(net)
    ps = production_shares(net)
    try:
        gov: pd.Series = country_governance(net, inputs, years=years)["wgi_scaled"]
    except MissingInputError:
        gov = pd.Series(dtype=float)
    c = net.countries.index(country)
    _, ir = _reliance(net.production0, net.imports0, net.exports0)
    usgs = inputs.usgs[inputs.usgs["metric"] == "supply_risk"]
    score = dict(zip(usgs["commodity"], pd.to_numeric(usgs["value"], errors="coerce"), strict=True))
    rows = []
    for p, product in enumerate(net.products):
        shares = ps[ps["product"] == product].set_index("country")["share"]
        try:
            hw = hhi_wgi(shares, gov, what=product)
        except MissingInputError:
            hw = np.nan
        commodities = sorted(set(inputs.material_map.loc[inputs.material_map["product"] == product, "usgs_commodity"]))
        pub = {k: float(score[k]) if k in score and np.isfinite(score[k]) else np.nan for k in commodities}
        rows.append(
            {
                "product": product,
                "hhi": conc.loc[product, "hhi"],
                "hhi_wgi_gs": hw,
                "net_import_reliance": float(ir[c, p]),
                "published_supply_risk": "; ".join(f"{k} {v:.2f}" if np.isfinite(v) else f"{k} (qualitative only)" for k, v in pub.items()),
            }
        )
    partial = pd.DataFrame(rows).set_index("product")
    missing = [
        "DP (disruption potential): the USGS component scores and their normalisation of concentration x governance are not in the inputs",
        f"TE (trade exposure): the USGS component scores are not in the inputs (only the net import reliance of {country} is computed here)",
        "EV (economic vulnerability): needs the commodity's cost share in, and the profit margins of, the using US "
        "industries; neither is in the dataset",
    ]
    raise MissingInputError(
        "USGS 2021 supply risk (DP x TE x EV) cannot be computed: missing "
        + "; ".join(missing)
        + f". Only the published overall scores are shipped ({inputs.folder}/usgs_2021.csv); the computable inputs are "
        "attached as .partial.",
        missing,
        partial,
    )


# ---------------------------------------------------------------------- tidy table
def risk_table(
    net: SupplyNetwork,
    inputs: RiskInputs | None = None,
    *,
    bloc: Sequence[str] | None = None,
    years: tuple[int, int] = WGI_WINDOW,
    t: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Every indicator in one tidy (long) table.

    Parameters
    ----------
    net : SupplyNetwork
    inputs : RiskInputs, optional
    bloc, years, t
        As in :func:`eu_supply_risk`.

    Returns
    -------
    DataFrame
        Columns ``product``, ``stage``, ``country`` (ISO code, ``WORLD`` or the bloc as
        its members joined by ``+``, e.g. ``DEU+EUR``), ``material`` (EU element, empty where not element-specific),
        ``indicator``, ``value``, ``unit``, ``basis`` (``computed``, ``input`` or
        ``published``), ``note``. A value that cannot be computed is NaN with the reason
        in ``note``; the USGS form appears as NaN rows naming its missing components.

    Examples
    --------
    >>> from supplyshock.network import load_network
    >>> tab = risk_table(load_network())
    >>> sr = tab[(tab["indicator"] == "sr_eu") & (tab["product"] == "dy_oxide") & (tab["material"] == "Dysprosium")]
    >>> round(float(sr["value"].iloc[0]), 1)
    5.6
    """
    inputs = inputs or load_risk_inputs()
    bloc = _bloc_or_default(net, inputs, bloc)
    rows = [
        *_rows_concentration(net, bloc),
        *_rows_governance(net, inputs, years),
        *_rows_eu(net, inputs, bloc, years, t),
        *_rows_usgs(net, inputs, years),
    ]
    return pd.DataFrame(rows, columns=list(_ROW_FIELDS))


#: Columns of :func:`risk_table`.
_ROW_FIELDS = ("product", "stage", "country", "material", "indicator", "value", "unit", "basis", "note")


def _row(
    product: str, stage: str, country: str, material: str, indicator: str, value: Any, unit: str, basis: str, note: str = ""
) -> dict[str, object]:
    """One row of :func:`risk_table`."""
    return dict(zip(_ROW_FIELDS, (product, stage, country, material, indicator, float(value), unit, basis, note), strict=True))


def _rows_concentration(net: SupplyNetwork, bloc: Sequence[str]) -> list[dict[str, object]]:
    """World output and HHI per product, production shares, import reliance (countries and the bloc)."""
    rows = []
    for product, cr in concentration(net).iterrows():
        rows.append(_row(str(product), str(cr["stage"]), "WORLD", "", "production_t", cr["production_t"], "t/yr", "input"))
        rows.append(_row(str(product), str(cr["stage"]), "WORLD", "", "hhi", cr["hhi"], "0-1", "computed", str(cr["missing"])))
    for r in production_shares(net).to_dict("records"):
        rows.append(_row(r["product"], r["stage"], r["country"], "", "production_share", r["share"], "0-1", "computed"))
    absent_bloc = [c for c in bloc if c not in net.countries]
    bloc_ir = [] if absent_bloc or not bloc else import_reliance(net, bloc=bloc).to_dict("records")
    for r in [*import_reliance(net).to_dict("records"), *bloc_ir]:
        rows.append(_row(r["product"], r["stage"], r["country"], "", "import_reliance", r["import_reliance"], "0-1", "computed", r["missing"]))
    return rows


def _rows_governance(net: SupplyNetwork, inputs: RiskInputs, years: tuple[int, int]) -> list[dict[str, object]]:
    """Scaled WGI per country (or one row naming what is missing)."""
    try:
        gov = country_governance(net, inputs, years=years)
    except MissingInputError as exc:
        return [_row("", "", "", "", "wgi_scaled", np.nan, "0-10 (10 worst)", "input", "missing: " + "; ".join(exc.missing))]
    note = "{basis}; WGI " + f"{years[0]}-{years[1]}" + " mean of six, 5 - 2*mean; members {members}"
    return [
        _row("", "", str(c), "", "wgi_scaled", g["wgi_scaled"], "0-10 (10 worst)", "input", note.format(basis=g["basis"], members=g["members"]))
        for c, g in gov.iterrows()
    ]


def _rows_eu(
    net: SupplyNetwork, inputs: RiskInputs, bloc: Sequence[str], years: tuple[int, int], t: Mapping[str, float] | None
) -> list[dict[str, object]]:
    """The EU method's indicators for the bloc (or, without a bloc in the dataset, rows saying why not)."""
    bloc_name = "+".join(bloc) or EU
    absent_bloc = [c for c in bloc if c not in net.countries]
    if absent_bloc or not bloc:
        why = (
            f"EU bloc country(ies) {', '.join(absent_bloc)} not in the dataset"
            if absent_bloc
            else f"the dataset has no EU bloc country (no member of {EU!r} in blocs.csv nor an aggregate of them)"
        )
        return [
            _row(product, "", bloc_name, "", "sr_eu", np.nan, "index", "computed", f"missing: {why}; pass bloc= the dataset's EU countries")
            for product in net.products
        ]
    rows = []
    seen: set[str] = set()
    for r in eu_supply_risk(net, inputs, bloc=bloc, years=years, t=t, on_missing="report").to_dict("records"):
        prod, stg, mat = str(r["product"]), str(r["stage"]), str(r["material"])
        note = f"missing: {r['missing']}" if r["missing"] else ""
        if prod not in seen:
            seen.add(prod)
            no_eu = "" if np.isfinite(r["hhi_wgi_eu"]) else "no EU sourcing (the bloc neither makes nor imports it)"
            rows.append(_row(prod, stg, "WORLD", "", "hhi_wgi_gs", r["hhi_wgi_gs"], "0-10", "computed", note))
            rows.append(_row(prod, stg, bloc_name, "", "hhi_wgi_eu", r["hhi_wgi_eu"], "0-10", "computed", no_eu))
        sr_note = "; ".join(str(x) for x in (r["sourcing_basis"], note, r["scope_note"]) if x)
        published = f"EU 2023, {r['eu_stage']} stage" if r["eu_stage"] != "none" else "the EU assessed no such stage"
        rows.append(_row(prod, stg, bloc_name, mat, "eol_rir", r["eol_rir"], "0-1", "input", "EU 2023, element level"))
        rows.append(_row(prod, stg, bloc_name, mat, "si_sr", r["si_sr"], "0-1", "input", "EU 2023, element level"))
        rows.append(_row(prod, stg, bloc_name, mat, "sr_eu", r["sr"], "index", "computed", sr_note))
        rows.append(_row(prod, stg, bloc_name, mat, "sr_eu_published", r["sr_published"], "index", "published", published))
    return rows


def _rows_usgs(net: SupplyNetwork, inputs: RiskInputs, years: tuple[int, int]) -> list[dict[str, object]]:
    """The USGS method's supply risk for the United States: what can be computed and what is missing."""
    stage_of = dict(zip(net.tables["products"]["product"], net.tables["products"]["stage"], strict=True))
    if "USA" not in net.countries:
        why = "missing: the dataset has no country 'USA' (the importer of the USGS method) and DP, TE, EV components"
        return [_row(p, stage_of[p], "USA", "", "usgs_supply_risk", np.nan, "0-1", "computed", why) for p in net.products]
    rows = []
    try:
        usgs_supply_risk(net, inputs, years=years)
    except MissingInputError as exc:
        part = exc.partial if exc.partial is not None else pd.DataFrame()
        for product, ur in part.iterrows():
            stage = stage_of[str(product)]
            rows.append(
                _row(
                    str(product),
                    stage,
                    "USA",
                    "",
                    "usgs_net_import_reliance",
                    ur["net_import_reliance"],
                    "0-1",
                    "computed",
                    "input of TE (not TE itself)",
                )
            )
            missing = "missing: DP, TE and EV components (see usgs_supply_risk); published: " + str(ur["published_supply_risk"])
            rows.append(_row(str(product), stage, "USA", "", "usgs_supply_risk", np.nan, "0-1", "computed", missing))
    return rows
