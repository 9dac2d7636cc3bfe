"""Observed trade series: read, store with provenance, and describe.

Three input formats are read into one **tidy frame** (see :data:`TIDY_COLUMNS`):

``long``
    The long format of ``china_exports_monthly_2025.csv``: columns ``period, series,
    exporter, importer, product, value, unit, yoy_change_pct, mom_change_pct, source,
    note`` (``exporter``, ``importer``, ``product``, the two changes, ``source`` and
    ``note`` are optional). A period is ``YYYY-MM`` (monthly), ``YYYY`` (annual) or
    ``YYYY-MM..YYYY-MM`` (a cumulative range such as year to date). A row may give only
    a reported change and no value.
``comtrade``
    UN Comtrade CSV, either the Comtrade+ API / bulk layout (``freqCode, refYear,
    refMonth, period, reporterCode, reporterISO, reporterDesc, flowCode, partnerCode,
    partnerISO, partnerDesc, cmdCode, cmdDesc, qty, qtyUnitAbbr, netWgt, primaryValue``,
    ...) or the legacy layout (``Year, Period, Trade Flow Code, Reporter Code, Reporter
    ISO, Partner Code, Partner ISO, Commodity Code, Commodity, Netweight (kg), Trade Value
    (US$)``, ...). Column names are matched ignoring case, spaces and punctuation. Each
    row gives up to two series: net weight (kg, stored in t) and the primary trade value
    (USD).
``baci``
    CEPII BACI CSV: ``t, i, j, k, v, q`` = year, exporter and importer (numeric country
    codes), HS6 product, value (thousand USD, stored in USD) and quantity (t). A BACI
    ``country_codes*.csv`` (``country_code`` and ``country_iso3`` or
    ``iso_3digit_alpha``) maps numeric codes to ISO3; without it a built-in table of
    common codes is used and other codes are kept as numbers.

:class:`ObservedStore` keeps observed values in a DuckDB file (default
``$SUPPLYSHOCK_HOME/observed.duckdb``, beside the run store), one current row per
(series, period) plus every revision with the file it came from.
:func:`series_stats` derives y/y, m/m, rolling three-month changes, "lowest since" and
"steepest drop since"; :func:`implied_values` derives values from reported changes.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd

from supplyshock.errors import DataError, StoreError
from supplyshock.store import default_home

__all__ = [
    "FORMATS",
    "OBSERVED_FILENAME",
    "SHIPPED",
    "STATS_COLUMNS",
    "TIDY_COLUMNS",
    "AddSummary",
    "ObservedError",
    "ObservedStore",
    "UnknownSeriesError",
    "default_observed_path",
    "detect_format",
    "implied_values",
    "load_observed",
    "load_series_map",
    "monthly",
    "normalise_country",
    "normalise_unit",
    "parse_period",
    "plot_series",
    "read_baci",
    "read_comtrade",
    "read_long",
    "read_observed",
    "series_stats",
    "shipped_path",
]

#: Columns of the tidy observed frame, in order.
TIDY_COLUMNS: tuple[str, ...] = (
    "series",
    "period",
    "freq",
    "exporter",
    "importer",
    "product",
    "value",
    "unit",
    "yoy_reported_pct",
    "mom_reported_pct",
    "source",
    "note",
    "file",
    "loaded",
)
#: Columns of :func:`series_stats`.
STATS_COLUMNS: tuple[str, ...] = (
    "series",
    "period",
    "freq",
    "value",
    "unit",
    "derived",
    "basis",
    "yoy_pct",
    "yoy_basis",
    "mom_pct",
    "mom_basis",
    "roll3_pct",
    "roll3_yoy_pct",
    "lowest_since",
    "lowest_in_record",
    "steepest_yoy_drop_since",
    "steepest_yoy_drop_in_record",
    "steepest_mom_drop_since",
    "steepest_mom_drop_in_record",
    "yoy_reported_pct",
    "mom_reported_pct",
)
Format = Literal["auto", "long", "comtrade", "baci"]
#: Accepted values of ``format``.
FORMATS: tuple[str, ...] = ("auto", "long", "comtrade", "baci")
#: Shipped observed files, addressable by name in :func:`load_observed`.
SHIPPED: dict[str, str] = {"china-exports-2025": "china_exports_monthly_2025.csv"}
#: Name of the observed store's database file inside the supplyshock home directory.
OBSERVED_FILENAME = "observed.duckdb"
#: Schema version of the observed store; see ``_MIGRATIONS``.
OBSERVED_SCHEMA_VERSION = 1

_FREQ_ORDER = {"M": 0, "A": 1, "R": 2}
_SERIES_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_DATA_FIELDS: tuple[str, ...] = ("freq", "exporter", "importer", "product", "value", "unit", "yoy_reported_pct", "mom_reported_pct")
_NUMERIC_FIELDS: tuple[str, ...] = ("value", "yoy_reported_pct", "mom_reported_pct")


class ObservedError(DataError):
    """An observed file or series is malformed, conflicting or unknown."""


class UnknownSeriesError(ObservedError):
    """A series id is not in the data.

    Parameters
    ----------
    series
        The id asked for.
    known
        The ids that exist.
    """

    def __init__(self, series: str, known: Sequence[str]) -> None:
        self.series = series
        self.known = sorted(known)
        listing = ", ".join(self.known) if self.known else "none (add a file first: supplyshock observed add FILE)"
        super().__init__(f"unknown series {series!r}; known series: {listing}")


# --------------------------------------------------------------------------- codes


_NAMES: dict[str, str] = {
    "world": "WLD",
    "wld": "WLD",
    "w00": "WLD",
    "all": "WLD",
    "china": "CHN",
    "people's republic of china": "CHN",
    "prc": "CHN",
    "mainland china": "CHN",
    "united states": "USA",
    "united states of america": "USA",
    "usa": "USA",
    "us": "USA",
    "u.s.": "USA",
    "germany": "DEU",
    "japan": "JPN",
    "south korea": "KOR",
    "korea": "KOR",
    "rep. of korea": "KOR",
    "republic of korea": "KOR",
    "korea, rep.": "KOR",
    "india": "IND",
    "vietnam": "VNM",
    "viet nam": "VNM",
    "malaysia": "MYS",
    "thailand": "THA",
    "australia": "AUS",
    "myanmar": "MMR",
    "laos": "LAO",
    "lao pdr": "LAO",
    "france": "FRA",
    "italy": "ITA",
    "spain": "ESP",
    "netherlands": "NLD",
    "belgium": "BEL",
    "austria": "AUT",
    "poland": "POL",
    "czechia": "CZE",
    "czech republic": "CZE",
    "sweden": "SWE",
    "finland": "FIN",
    "denmark": "DNK",
    "switzerland": "CHE",
    "norway": "NOR",
    "united kingdom": "GBR",
    "uk": "GBR",
    "mexico": "MEX",
    "canada": "CAN",
    "brazil": "BRA",
    "russia": "RUS",
    "russian federation": "RUS",
    "hong kong": "HKG",
    "china, hong kong sar": "HKG",
    "singapore": "SGP",
    "philippines": "PHL",
    "indonesia": "IDN",
    "south africa": "ZAF",
    "turkey": "TUR",
    "turkiye": "TUR",
    "türkiye": "TUR",
    "estonia": "EST",
    "taiwan": "TWN",
}
# UN M49 codes and the Comtrade/BACI variants (842 USA, 251 France, 381 Italy, 699 India,
# 757 Switzerland, 579 Norway, 711 South Africa); 0 is Comtrade's World.
_NUMERIC: dict[int, str] = {
    0: "WLD",
    156: "CHN",
    842: "USA",
    840: "USA",
    276: "DEU",
    392: "JPN",
    410: "KOR",
    699: "IND",
    356: "IND",
    704: "VNM",
    458: "MYS",
    764: "THA",
    36: "AUS",
    104: "MMR",
    418: "LAO",
    251: "FRA",
    250: "FRA",
    381: "ITA",
    380: "ITA",
    724: "ESP",
    528: "NLD",
    56: "BEL",
    40: "AUT",
    616: "POL",
    203: "CZE",
    752: "SWE",
    246: "FIN",
    208: "DNK",
    757: "CHE",
    756: "CHE",
    579: "NOR",
    578: "NOR",
    826: "GBR",
    484: "MEX",
    124: "CAN",
    76: "BRA",
    643: "RUS",
    344: "HKG",
    702: "SGP",
    608: "PHL",
    360: "IDN",
    710: "ZAF",
    711: "ZAF",
    792: "TUR",
    233: "EST",
    784: "ARE",
    376: "ISR",
    348: "HUN",
    642: "ROU",
    620: "PRT",
    372: "IRL",
}

# unit text (lower case, single spaces) -> (stored unit, factor)
_UNITS: dict[str, tuple[str, float]] = {}
for _u in ("t", "tonne", "tonnes", "metric ton", "metric tons", "metric tonne", "metric tonnes", "tons (metric)"):
    _UNITS[_u] = ("t", 1.0)
for _u in ("kg", "kilogram", "kilograms", "kgs"):
    _UNITS[_u] = ("t", 1e-3)
for _u in ("kt", "thousand t", "thousand tonnes", "1000 t"):
    _UNITS[_u] = ("t", 1e3)
for _u in ("usd", "us$", "us dollar", "us dollars", "$"):
    _UNITS[_u] = ("USD", 1.0)
for _u in ("usd thousand", "thousand usd", "usd 1000", "1000 usd", "kusd", "usd k", "usd '000", "thousand us$"):
    _UNITS[_u] = ("USD", 1e3)
for _u in ("usd million", "million usd", "usd m", "usd mn", "musd", "million us$"):
    _UNITS[_u] = ("USD", 1e6)
for _u in ("usd billion", "billion usd", "usd bn", "usd b", "billion us$"):
    _UNITS[_u] = ("USD", 1e9)
# prices (e.g. oxide prices for the 2010-11 backtest), stored in USD/kg
for _u in ("usd/kg", "usd per kg", "us$/kg", "$/kg"):
    _UNITS[_u] = ("USD/kg", 1.0)
for _u in ("usd/t", "usd per t", "usd/tonne", "us$/t", "$/t"):
    _UNITS[_u] = ("USD/kg", 1e-3)


def normalise_unit(text: str) -> tuple[str, float]:
    """Map a unit as written to the stored unit and a conversion factor.

    Parameters
    ----------
    text
        The unit as given, e.g. ``"t"``, ``"kg"``, ``"USD"``, ``"USD thousand"``.
        Matching ignores case and repeated spaces.

    Returns
    -------
    tuple of (str, float)
        ``("t", factor)`` for masses and ``("USD", factor)`` for values; multiply the
        value by ``factor`` to get the stored unit (kg: 0.001; USD thousand: 1000).

    Raises
    ------
    ValueError
        When the unit is not known.
    """
    key = " ".join(str(text).strip().lower().split())
    if key not in _UNITS:
        raise ValueError(f"unknown unit {text!r}; known units: t, tonnes, kg, kt, USD, USD thousand, USD million, USD billion, USD/kg, USD/t")
    return _UNITS[key]


def normalise_country(text: str) -> str:
    """Map a country name or code to an ISO3 code where known.

    Parameters
    ----------
    text
        A name (``"China"``, ``"United States"``, ``"World"``...), an ISO3 code, or a
        numeric M49 / Comtrade / BACI code.

    Returns
    -------
    str
        The ISO3 code (``"WLD"`` for the world); a three-letter upper-case code is kept
        as given; anything else unknown is returned stripped, unchanged.
    """
    raw = str(text).strip()
    key = raw.lower()
    if key in _NAMES:
        return _NAMES[key]
    if re.fullmatch(r"[A-Z]{3}", raw):
        return raw
    if re.fullmatch(r"\d{1,3}", raw):
        return _NUMERIC.get(int(raw), raw)
    return raw


_PERIOD_M = re.compile(r"^(\d{4})-(\d{1,2})$")
_PERIOD_YM = re.compile(r"^(\d{4})(\d{2})$")
_PERIOD_A = re.compile(r"^(\d{4})$")
_PERIOD_R = re.compile(r"^(\d{4})-(\d{1,2})\s*\.\.\s*(\d{4})-(\d{1,2})$")


def parse_period(text: str) -> tuple[str, str]:
    """Parse a period to its normalised text and frequency.

    Parameters
    ----------
    text
        ``YYYY-MM`` or ``YYYYMM`` (a month), ``YYYY`` (a year) or ``YYYY-MM..YYYY-MM``
        (a cumulative range of months, e.g. year to date).

    Returns
    -------
    tuple of (str, str)
        The normalised period (``"2025-05"``, ``"2024"``, ``"2025-01..2025-05"``) and
        its frequency: ``"M"``, ``"A"`` or ``"R"`` (range).

    Raises
    ------
    ValueError
        When the text is not one of these forms or a month is out of range.
    """
    raw = str(text).strip()
    for pattern in (_PERIOD_M, _PERIOD_YM):
        m = pattern.match(raw)
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            if not 1 <= month <= 12:
                raise ValueError(f"month {month} out of range in period {raw!r}")
            return f"{year:04d}-{month:02d}", "M"
    m = _PERIOD_A.match(raw)
    if m:
        return raw, "A"
    m = _PERIOD_R.match(raw)
    if m:
        y0, m0, y1, m1 = (int(g) for g in m.groups())
        if not (1 <= m0 <= 12 and 1 <= m1 <= 12):
            raise ValueError(f"month out of range in period {raw!r}")
        if (y1, m1) < (y0, m0):
            raise ValueError(f"period range {raw!r} ends before it starts")
        return f"{y0:04d}-{m0:02d}..{y1:04d}-{m1:02d}", "R"
    raise ValueError(f"cannot parse period {raw!r}; use YYYY-MM, YYYYMM, YYYY or YYYY-MM..YYYY-MM")


def _month_ordinal(period: str) -> int:
    return int(period[:4]) * 12 + int(period[5:7]) - 1


def _ordinal_month(ordinal: int) -> str:
    return f"{ordinal // 12:04d}-{ordinal % 12 + 1:02d}"


def _shift(period: str, freq: str, months: int) -> str | None:
    """The period ``months`` earlier (negative: later) of the same kind; None if n/a."""
    if freq == "M":
        return _ordinal_month(_month_ordinal(period) - months)
    if freq == "A":
        return str(int(period) - months // 12) if months % 12 == 0 else None
    if freq == "R" and months % 12 == 0:
        a, b = period.split("..")
        return f"{_ordinal_month(_month_ordinal(a) - months)}..{_ordinal_month(_month_ordinal(b) - months)}"
    return None


def _sort_key(period: str, freq: str) -> tuple[int, int, int]:
    if freq == "M":
        return (_FREQ_ORDER["M"], _month_ordinal(period), 0)
    if freq == "A":
        return (_FREQ_ORDER["A"], int(period), 0)
    a, b = period.split("..")
    return (_FREQ_ORDER.get(freq, 9), _month_ordinal(b), _month_ordinal(a))


# --------------------------------------------------------------------------- reading


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _file_label(path: Path, sha: str) -> str:
    return f"{path.name} sha256:{sha}"


def _now() -> pd.Timestamp:
    return pd.Timestamp(datetime.now(UTC).replace(tzinfo=None))


def _read_text_csv(path: Path) -> pd.DataFrame:
    """Read a CSV with every cell as text ('' for blanks)."""
    if not path.is_file():
        raise ObservedError(f"observed file {path} does not exist")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ObservedError(f"{path.name}: cannot read as CSV: {' '.join(str(exc).split())}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    for col in frame.columns:
        frame[col] = frame[col].fillna("").astype(str).str.strip()
    return frame


def _norm_col(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def detect_format(path: str | os.PathLike[str]) -> str:
    """Guess the format of an observed CSV file from its header.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    str
        ``"long"``, ``"comtrade"`` or ``"baci"``.

    Raises
    ------
    ObservedError
        When the file is missing or its header fits none of the formats.
    """
    p = Path(path).expanduser()
    if not p.is_file():
        raise ObservedError(f"observed file {p} does not exist")
    with open(p, encoding="utf-8-sig", errors="replace") as fh:
        header = fh.readline()
    cols = {_norm_col(str(c)) for c in pd.read_csv(io.StringIO(header), dtype=str, nrows=0).columns}
    if {"period", "series", "value", "unit"} <= cols:
        return "long"
    if {"t", "i", "j", "k", "v"} <= cols:
        return "baci"
    has_time = bool(cols & {"period", "refyear", "year"})
    has_reporter = bool(cols & {"reportercode", "reporteriso", "reporter"})
    has_measure = bool(cols & {"primaryvalue", "tradevalueus", "tradevalue", "netwgt", "netweightkg"})
    if has_time and has_reporter and has_measure:
        return "comtrade"
    raise ObservedError(
        f"{p.name}: cannot tell the format from the header {header.strip()[:200]!r}; expected the long format "
        "(period, series, value, unit, ...), UN Comtrade (refYear/period, reporterCode/reporterISO, partnerCode/partnerISO, "
        "flowCode, cmdCode, netWgt, primaryValue) or CEPII BACI (t, i, j, k, v, q); pass --format"
    )


def _err(name: str, line: int, field: str, message: str) -> ObservedError:
    return ObservedError(f"{name}, line {line}, field {field!r}: {message}; nothing was written")


def _float_or_nan(text: str, name: str, line: int, field: str) -> float:
    raw = text.strip()
    if raw == "" or raw.upper() in {"NA", "NAN", "N/A"}:
        return math.nan
    if raw.endswith("%") and field != "value":
        raw = raw[:-1].strip()
    try:
        out = float(raw)
    except ValueError as exc:
        raise _err(name, line, field, f"{text!r} is not a number") from exc
    if not math.isfinite(out):
        raise _err(name, line, field, f"{text!r} is not a finite number")
    return out


def read_long(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read an observed file in the long format.

    Parameters
    ----------
    path
        A CSV with columns ``period, series, value, unit`` and optionally ``exporter,
        importer, product, yoy_change_pct, mom_change_pct, source, note``
        (``yoy_reported_pct``/``mom_reported_pct`` are accepted as column names too).

    Returns
    -------
    pandas.DataFrame
        The tidy frame (:data:`TIDY_COLUMNS`).

    Raises
    ------
    ObservedError
        When a column is missing, or a cell cannot be parsed (the message names the
        file, line and field), or the file gives the same (series, period) twice with
        different values.
    """
    p = Path(path).expanduser()
    raw = _read_text_csv(p)
    name = p.name
    cols = set(raw.columns)
    missing = [c for c in ("period", "series", "value", "unit") if c not in cols]
    if missing:
        raise ObservedError(f"{name}: missing column(s) {', '.join(missing)}; the long format needs period, series, value, unit")
    yoy_col = next((c for c in ("yoy_change_pct", "yoy_reported_pct", "yoy_pct") if c in cols), None)
    mom_col = next((c for c in ("mom_change_pct", "mom_reported_pct", "mom_pct") if c in cols), None)
    rows: list[dict[str, Any]] = []
    for pos, rec in enumerate(raw.to_dict("records")):
        line = pos + 2
        series = str(rec["series"])
        if not _SERIES_RE.match(series):
            raise _err(name, line, "series", f"{series!r} is not a series id (letters, digits, '_', '.', '-')")
        try:
            period, freq = parse_period(str(rec["period"]))
        except ValueError as exc:
            raise _err(name, line, "period", str(exc)) from exc
        value = _float_or_nan(str(rec["value"]), name, line, "value")
        yoy = _float_or_nan(str(rec[yoy_col]), name, line, yoy_col) if yoy_col else math.nan
        mom = _float_or_nan(str(rec[mom_col]), name, line, mom_col) if mom_col else math.nan
        try:
            unit, factor = normalise_unit(str(rec["unit"]))
        except ValueError as exc:
            raise _err(name, line, "unit", str(exc)) from exc
        if math.isnan(value) and math.isnan(yoy) and math.isnan(mom):
            raise _err(name, line, "value", "the row has neither a value nor a reported y/y or m/m change")
        if value < 0:
            raise _err(name, line, "value", f"{value:g} is negative")
        if (not math.isnan(mom) and freq != "M") or (not math.isnan(yoy) and yoy <= -100) or (not math.isnan(mom) and mom <= -100):
            field = mom_col if (not math.isnan(mom) and freq != "M") or (not math.isnan(mom) and mom <= -100) else yoy_col
            raise _err(name, line, str(field), "a m/m change needs a monthly period and a change must be above -100%")
        rows.append(
            {
                "series": series,
                "period": period,
                "freq": freq,
                "exporter": normalise_country(str(rec.get("exporter", ""))) if rec.get("exporter", "") else "",
                "importer": normalise_country(str(rec.get("importer", ""))) if rec.get("importer", "") else "",
                "product": str(rec.get("product", "")),
                "value": value * factor,
                "unit": unit,
                "yoy_reported_pct": yoy,
                "mom_reported_pct": mom,
                "source": str(rec.get("source", "")) or f"file {name}",
                "note": str(rec.get("note", "")),
                "_line": line,
            }
        )
    return _finalise(pd.DataFrame(rows), p)


def _finalise(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Check duplicates and unit consistency, add provenance, order the columns."""
    name = path.name
    if frame.empty:
        raise ObservedError(f"{name}: no observations found; nothing was written")
    frame = frame.copy()
    for col in _NUMERIC_FIELDS:
        frame[col] = frame[col].astype("float64")
    dup = frame.duplicated(["series", "period"], keep=False)
    if dup.any():
        sub = frame[dup]
        for (series, period), grp in sub.groupby(["series", "period"], sort=False):
            first = grp.iloc[0]
            for _, other in grp.iloc[1:].iterrows():
                diff = _differing_field(first, other)
                if diff is not None:
                    raise ObservedError(
                        f"{name}: series {series!r} period {period} is given twice with different {diff}: "
                        f"{_fmt(first[diff])} (line {first['_line']}) and {_fmt(other[diff])} (line {other['_line']}); "
                        "nothing was written"
                    )
        frame = frame.drop_duplicates(["series", "period"], keep="first")
    units = frame.groupby("series")["unit"].nunique()
    mixed = units[units > 1]
    if len(mixed):
        s = str(mixed.index[0])
        found = sorted(frame.loc[frame["series"] == s, "unit"].unique())
        raise ObservedError(f"{name}: series {s!r} mixes units {', '.join(found)}; use one unit per series; nothing was written")
    frame["file"] = _file_label(path, _sha256(path))
    frame["loaded"] = _now()
    out = frame[list(TIDY_COLUMNS)].copy()
    for col in ("series", "period", "freq", "exporter", "importer", "product", "unit", "source", "note", "file"):
        out[col] = out[col].astype(object)
    out = _sorted(out)
    return out


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame.reset_index(drop=True)
    period = frame["period"].astype(str)
    freq = frame["freq"].astype(str)
    end = period.str.split("..", regex=False).str[-1]
    start = period.str.split("..", regex=False).str[0]
    year_end = pd.to_numeric(end.str[:4], errors="coerce").fillna(0).astype("int64")
    month_end = pd.to_numeric(end.str[5:7], errors="coerce").fillna(1).astype("int64")
    year_start = pd.to_numeric(start.str[:4], errors="coerce").fillna(0).astype("int64")
    month_start = pd.to_numeric(start.str[5:7], errors="coerce").fillna(1).astype("int64")
    keys = pd.DataFrame(
        {
            "s": frame["series"].astype(str).to_numpy(),
            "f": freq.map(lambda f: _FREQ_ORDER.get(f, 9)).to_numpy(),
            "e": (year_end * 12 + month_end - 1).to_numpy(),
            "b": (year_start * 12 + month_start - 1).to_numpy(),
        }
    )
    order = keys.sort_values(["s", "f", "e", "b"], kind="stable").index.to_numpy()
    return frame.iloc[order].reset_index(drop=True)


def _fmt(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return "missing" if math.isnan(float(value)) else f"{float(value):,.6g}"
    return repr(value)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float | np.floating) or isinstance(b, float | np.floating):
        fa, fb = float(a), float(b)
        if math.isnan(fa) or math.isnan(fb):
            return math.isnan(fa) and math.isnan(fb)
        return math.isclose(fa, fb, rel_tol=1e-12, abs_tol=1e-12)
    return bool(a == b)


def _differing_field(a: pd.Series, b: pd.Series) -> str | None:
    for field in ("value", "unit", "yoy_reported_pct", "mom_reported_pct", "exporter", "importer", "product"):
        if not _same(a[field], b[field]):
            return field
    return None


def _pick(cols: dict[str, str], *names: str) -> str | None:
    for n in names:
        if n in cols:
            return cols[n]
    return None


def _numbers(raw: pd.Series, name: str, field: str, allow_blank: bool = True) -> pd.Series:
    """Vectorised number parsing with a clear error on the first bad cell."""
    text = raw.astype(str).str.strip()
    blank = text.isin(["", "NA", "NaN", "nan", "N/A"])
    nums = pd.to_numeric(text.where(~blank, None), errors="coerce").astype("float64")
    bad = nums.isna() & ~blank
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise _err(name, pos + 2, field, f"{raw.iloc[pos]!r} is not a number")
    if not allow_blank and blank.any():
        pos = int(np.flatnonzero(blank.to_numpy())[0])
        raise _err(name, pos + 2, field, "is empty")
    neg = nums < 0
    if neg.any():
        pos = int(np.flatnonzero(neg.to_numpy())[0])
        raise _err(name, pos + 2, field, f"{raw.iloc[pos]!r} is negative")
    return nums


def _periods(texts: pd.Series, name: str, field: str) -> tuple[pd.Series, pd.Series]:
    cache: dict[str, tuple[str, str]] = {}
    periods: list[str] = []
    freqs: list[str] = []
    for pos, t in enumerate(texts.astype(str)):
        if t not in cache:
            try:
                cache[t] = parse_period(t)
            except ValueError as exc:
                raise _err(name, pos + 2, field, str(exc)) from exc
        p, f = cache[t]
        periods.append(p)
        freqs.append(f)
    return pd.Series(periods, index=texts.index, dtype=object), pd.Series(freqs, index=texts.index, dtype=object)


def _countries(texts: pd.Series, mapping: dict[int, str] | None = None) -> pd.Series:
    cache: dict[str, str] = {}

    def one(t: str) -> str:
        if t not in cache:
            if mapping is not None and re.fullmatch(r"\d+", t) and int(t) in mapping:
                cache[t] = mapping[int(t)]
            else:
                cache[t] = normalise_country(t)
        return cache[t]

    return texts.astype(str).map(one).astype(object)


def _slug(text: pd.Series) -> pd.Series:
    return text.astype(str).str.lower().str.replace(r"[^a-z0-9.\-]+", "-", regex=True).str.strip("-").astype(object)


def _hs_filter(frame: pd.DataFrame, col: str, hs: Sequence[str] | None) -> pd.DataFrame:
    if not hs:
        return frame
    prefixes = tuple(str(h).replace(".", "").strip() for h in hs)
    return frame[frame[col].astype(str).str.startswith(prefixes)]


def read_comtrade(path: str | os.PathLike[str], *, hs: Sequence[str] | None = None) -> pd.DataFrame:
    """Read a UN Comtrade CSV (Comtrade+ API / bulk layout or the legacy layout).

    Column names are matched ignoring case, spaces and punctuation. Used columns:

    * time: ``period`` (``YYYY`` or ``YYYYMM``), else ``refYear`` / ``Year`` with
      ``refMonth`` (1-12 monthly; 52, 0 or blank annual);
    * reporter and partner: ``reporterISO``/``partnerISO`` (``W00`` is the world), else
      ``reporterCode``/``partnerCode`` (numeric; 0 is the world), else
      ``reporterDesc``/``partnerDesc`` or ``Reporter``/``Partner`` names;
    * flow: ``flowCode`` (``X``, ``M``, ``RX``, ``RM``...; a code containing ``X`` is an
      export) or the legacy ``Trade Flow Code`` (1 import, 2 export, 3 re-export,
      4 re-import);
    * product: ``cmdCode`` / ``Commodity Code``, with ``cmdDesc`` / ``Commodity``;
    * measures: ``netWgt`` / ``Netweight (kg)`` (kg, stored in t; when blank, ``qty``
      if ``qtyUnitAbbr`` is ``kg``) and ``primaryValue`` / ``Trade Value (US$)`` (USD).

    Where ``partner2Code``, ``motCode`` or ``customsCode`` break a flow down, only the
    totals (0, 0 and ``C00``) are kept when the file has them.

    Series ids are ``comtrade_<reporter>_<flow>_<partner>_<cmd>_<t|usd>`` in lower case,
    e.g. ``comtrade_chn_x_usa_850511_t``. For exports the reporter is the exporter; for
    imports the partner is.

    Parameters
    ----------
    path
        The CSV file.
    hs
        Keep only commodity codes starting with one of these prefixes.

    Returns
    -------
    pandas.DataFrame
        The tidy frame (:data:`TIDY_COLUMNS`).

    Raises
    ------
    ObservedError
        When required columns are missing or a cell cannot be parsed (naming the file,
        line and field), or the same (series, period) has two different values.
    """
    p = Path(path).expanduser()
    name = p.name
    raw = _read_text_csv(p)
    cols = {_norm_col(c): c for c in raw.columns}
    c_period = _pick(cols, "period")
    c_year = _pick(cols, "refyear", "year")
    c_month = _pick(cols, "refmonth")
    c_freq = _pick(cols, "freqcode")
    c_rep = _pick(cols, "reporteriso", "reportercode", "reporterdesc", "reporter")
    c_par = _pick(cols, "partneriso", "partnercode", "partnerdesc", "partner")
    c_flow = _pick(cols, "flowcode", "tradeflowcode")
    c_flowdesc = _pick(cols, "flowdesc", "tradeflow")
    c_cmd = _pick(cols, "cmdcode", "commoditycode")
    c_cmddesc = _pick(cols, "cmddesc", "commodity")
    c_wgt = _pick(cols, "netwgt", "netweightkg")
    c_qty = _pick(cols, "qty")
    c_qtyunit = _pick(cols, "qtyunitabbr", "qtyunit")
    c_val = _pick(cols, "primaryvalue", "tradevalueus", "tradevalue")
    missing = [
        label
        for label, col in (
            ("period or refYear", c_period or c_year),
            ("reporterISO or reporterCode", c_rep),
            ("partnerISO or partnerCode", c_par),
            ("flowCode", c_flow or c_flowdesc),
            ("cmdCode", c_cmd),
            ("netWgt or primaryValue", c_wgt or c_val or c_qty),
        )
        if col is None
    ]
    if missing:
        raise ObservedError(f"{name}: not a UN Comtrade CSV: missing column(s) {', '.join(missing)}")
    raw = raw.reset_index(drop=True)
    keep = pd.Series(True, index=raw.index)
    for key, total in (("partner2code", "0"), ("2ndpartnercode", "0"), ("motcode", "0"), ("customscode", "C00")):
        c = cols.get(key)
        if c is not None and (raw[c] == total).any():
            keep &= raw[c].isin([total, ""])
    lines = pd.Series(raw.index + 2, index=raw.index)
    raw = raw[keep]
    lines = lines[keep]
    raw = _hs_filter(raw, str(c_cmd), hs)
    lines = lines[raw.index]
    if raw.empty:
        raise ObservedError(f"{name}: no Comtrade rows left (after the HS filter {list(hs or [])})")

    # time
    if c_period is not None and (raw[c_period] != "").all():
        ptext = raw[c_period]
    else:
        assert c_year is not None
        months = raw[c_month] if c_month is not None else pd.Series("", index=raw.index)
        mnum = pd.to_numeric(months.replace("", "0"), errors="coerce").fillna(0).astype(int)
        monthly_rows = mnum.between(1, 12)
        if c_freq is not None:
            monthly_rows &= raw[c_freq].str.upper() != "A"
        ptext = raw[c_year].where(~monthly_rows, raw[c_year] + "-" + mnum.astype(str).str.zfill(2))
    periods, freqs = _periods(ptext.reset_index(drop=True), name, c_period or str(c_year))
    periods.index = raw.index
    freqs.index = raw.index

    # flow
    if c_flow is not None:
        flow = raw[c_flow].str.upper().replace({"1": "M", "2": "X", "3": "RX", "4": "RM"})
    else:
        assert c_flowdesc is not None
        desc = raw[c_flowdesc].str.lower()
        flow = desc.map(lambda d: "RX" if "re-export" in d else "RM" if "re-import" in d else "X" if "export" in d else "M" if "import" in d else "")
    is_export = flow.str.contains("X")
    is_import = flow.str.contains("M") & ~is_export
    bad = ~(is_export | is_import)
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise _err(name, int(lines.iloc[pos]), c_flow or str(c_flowdesc), f"unknown trade flow {flow.iloc[pos]!r}; expected X, M, RX, RM or 1-4")
    rep = _countries(raw[c_rep])
    par = _countries(raw[c_par])
    exporter = rep.where(is_export, par)
    importer = par.where(is_export, rep)
    cmd = raw[c_cmd].astype(str)
    product = ("HS " + cmd).astype(object)
    if c_cmddesc is not None:
        product = product.where(raw[c_cmddesc] == "", product + ": " + raw[c_cmddesc])
    base = _slug("comtrade_" + rep.astype(str) + "_" + flow.str.lower() + "_" + par.astype(str) + "_" + cmd)
    base = base.str.replace("-", "_")

    def numbers(col: str) -> pd.Series:
        vals = _numbers(raw[col].reset_index(drop=True), name, col)
        vals.index = raw.index
        return vals

    parts: list[pd.DataFrame] = []
    common = {
        "period": periods,
        "freq": freqs,
        "exporter": exporter,
        "importer": importer,
        "product": product,
        "yoy_reported_pct": math.nan,
        "mom_reported_pct": math.nan,
        "source": f"UN Comtrade ({name})",
        "note": "",
        "_line": lines,
    }
    if c_wgt is not None or c_qty is not None:
        kg = numbers(c_wgt) if c_wgt is not None else pd.Series(math.nan, index=raw.index)
        if c_qty is not None and c_qtyunit is not None:
            qty = numbers(c_qty)
            kg = kg.where(kg.notna(), qty.where(raw[c_qtyunit].str.lower() == "kg"))
        part = pd.DataFrame({"series": base + "_t", "value": kg / 1000.0, "unit": "t", **common})
        parts.append(part[part["value"].notna()])
    if c_val is not None:
        usd = numbers(c_val)
        part = pd.DataFrame({"series": base + "_usd", "value": usd, "unit": "USD", **common})
        parts.append(part[part["value"].notna()])
    frame = pd.concat(parts, ignore_index=True)
    return _finalise(frame, p)


def _baci_codes(path: Path) -> dict[int, str]:
    raw = _read_text_csv(path)
    cols = {_norm_col(c): c for c in raw.columns}
    c_code = _pick(cols, "countrycode", "code")
    c_iso = _pick(cols, "countryiso3", "iso3digitalpha", "iso3")
    if c_code is None or c_iso is None:
        raise ObservedError(f"{path.name}: a BACI country-codes file needs columns country_code and country_iso3 (or iso_3digit_alpha)")
    out: dict[int, str] = {}
    for code, iso in zip(raw[c_code], raw[c_iso], strict=True):
        if re.fullmatch(r"\d+", code) and iso:
            out[int(code)] = "WLD" if iso.upper() == "W00" else iso.upper()
    return out


def read_baci(
    path: str | os.PathLike[str],
    *,
    country_codes: str | os.PathLike[str] | None = None,
    hs: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read a CEPII BACI CSV.

    Parameters
    ----------
    path
        A BACI file with columns ``t, i, j, k, v, q``: year, exporter, importer (numeric
        codes), HS6 product, value in thousand USD and quantity in tonnes (``NA`` or
        blank when unknown).
    country_codes
        BACI's ``country_codes_V*.csv`` (``country_code`` with ``country_iso3`` or
        ``iso_3digit_alpha``). When omitted, a ``country_codes*.csv`` beside ``path`` is
        used if there is one, else a built-in table of common codes (unmapped codes
        stay numeric).
    hs
        Keep only products whose HS6 code starts with one of these prefixes.

    Returns
    -------
    pandas.DataFrame
        The tidy frame; series ids ``baci_<exporter>_<importer>_<hs6>_<t|usd>`` in lower
        case, annual periods, values in USD and t.

    Raises
    ------
    ObservedError
        When columns are missing or a cell cannot be parsed (naming the file, line and
        field).
    """
    p = Path(path).expanduser()
    name = p.name
    raw = _read_text_csv(p)
    cols = {_norm_col(c): c for c in raw.columns}
    missing = [c for c in ("t", "i", "j", "k", "v") if c not in cols]
    if missing:
        raise ObservedError(f"{name}: not a BACI CSV: missing column(s) {', '.join(missing)}; BACI has t, i, j, k, v, q")
    codes_path: Path | None = Path(country_codes).expanduser() if country_codes is not None else None
    if codes_path is None:
        siblings = sorted(p.parent.glob("country_codes*.csv"))
        codes_path = siblings[-1] if siblings else None
    mapping = dict(_NUMERIC)
    if codes_path is not None:
        mapping.update(_baci_codes(codes_path))
    raw = raw.reset_index(drop=True)
    lines = pd.Series(raw.index + 2, index=raw.index)
    ct, ci, cj, ck, cv = (cols[c] for c in ("t", "i", "j", "k", "v"))
    cq = cols.get("q")
    bad_k = ~raw[ck].str.fullmatch(r"\d{1,6}")
    if bad_k.any():
        pos = int(np.flatnonzero(bad_k.to_numpy())[0])
        raise _err(name, pos + 2, ck, f"{raw[ck].iloc[pos]!r} is not an HS6 code")
    raw[ck] = raw[ck].str.zfill(6)
    for c in (ci, cj):
        bad_c = ~raw[c].str.fullmatch(r"\d+")
        if bad_c.any():
            pos = int(np.flatnonzero(bad_c.to_numpy())[0])
            raise _err(name, pos + 2, c, f"{raw[c].iloc[pos]!r} is not a numeric country code")
    raw = _hs_filter(raw, ck, hs)
    lines = lines[raw.index]
    if raw.empty:
        raise ObservedError(f"{name}: no BACI rows left (after the HS filter {list(hs or [])})")
    bad_t = ~raw[ct].str.fullmatch(r"\d{4}")
    if bad_t.any():
        pos = int(np.flatnonzero(bad_t.to_numpy())[0])
        raise _err(name, int(lines.iloc[pos]), ct, f"{raw[ct].iloc[pos]!r} is not a year")
    exporter = _countries(raw[ci], mapping)
    importer = _countries(raw[cj], mapping)
    base = ("baci_" + exporter.astype(str) + "_" + importer.astype(str) + "_" + raw[ck]).str.lower().astype(object)

    def numbers(col: str) -> pd.Series:
        vals = _numbers(raw[col].reset_index(drop=True), name, col)
        vals.index = raw.index
        return vals

    common = {
        "period": raw[ct].astype(object),
        "freq": "A",
        "exporter": exporter,
        "importer": importer,
        "product": ("HS " + raw[ck]).astype(object),
        "yoy_reported_pct": math.nan,
        "mom_reported_pct": math.nan,
        "source": f"CEPII BACI ({name})",
        "note": "",
        "_line": lines,
    }
    parts = [pd.DataFrame({"series": base + "_usd", "value": numbers(cv) * 1000.0, "unit": "USD", **common})]
    if cq is not None:
        parts.append(pd.DataFrame({"series": base + "_t", "value": numbers(cq), "unit": "t", **common}))
    frame = pd.concat([part[part["value"].notna()] for part in parts], ignore_index=True)
    return _finalise(frame, p)


def shipped_path(name: str) -> Path:
    """Return the path of a shipped observed file.

    Parameters
    ----------
    name
        A key of :data:`SHIPPED`, e.g. ``"china-exports-2025"``, or ``"series_map"``.

    Returns
    -------
    pathlib.Path
        The file inside the installed package.

    Raises
    ------
    ObservedError
        When the name is not shipped.
    """
    files = {**SHIPPED, "series_map": "series_map.csv"}
    if name not in files:
        raise ObservedError(f"no shipped observed file named {name!r}; shipped: {', '.join(sorted(SHIPPED))}")
    return Path(str(resources.files("supplyshock").joinpath("data", "observed", files[name])))


def _resolve_input(path_or_name: str | os.PathLike[str]) -> Path:
    text = os.fspath(path_or_name)
    if isinstance(path_or_name, str) and text in SHIPPED:
        return shipped_path(text)
    p = Path(text).expanduser()
    if not p.exists():
        raise ObservedError(f"observed file {p} does not exist (shipped names: {', '.join(sorted(SHIPPED))})")
    return p


def read_observed(
    path: str | os.PathLike[str],
    format: str = "auto",
    *,
    country_codes: str | os.PathLike[str] | None = None,
    hs: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read an observed file in any supported format to the tidy frame.

    Parameters
    ----------
    path
        The file, or a shipped name such as ``"china-exports-2025"``.
    format
        ``"auto"`` (guess from the header, see :func:`detect_format`), ``"long"``,
        ``"comtrade"`` or ``"baci"``.
    country_codes
        BACI only: the country-codes file (see :func:`read_baci`).
    hs
        Comtrade and BACI only: keep these HS code prefixes.

    Returns
    -------
    pandas.DataFrame
        The tidy frame (:data:`TIDY_COLUMNS`), sorted by series and period.

    Raises
    ------
    ObservedError
        When the file is missing, of unknown format or malformed.
    """
    p = _resolve_input(path)
    if format not in FORMATS:
        raise ObservedError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    fmt = detect_format(p) if format == "auto" else format
    if fmt == "long":
        return read_long(p)
    if fmt == "comtrade":
        return read_comtrade(p, hs=hs)
    return read_baci(p, country_codes=country_codes, hs=hs)


def load_observed(path_or_name: str | Path = "china-exports-2025", *, format: str = "auto") -> pd.DataFrame:
    """Load observed series as the tidy frame.

    Parameters
    ----------
    path_or_name
        A shipped name (``"china-exports-2025"``, the default: China's magnet and
        rare-earth exports to May 2025), an observed CSV in any supported format, or an
        observed store database (``*.duckdb``), whose current values are returned.
    format
        Format of a CSV file (see :func:`read_observed`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TIDY_COLUMNS`: ``series, period`` ('YYYY-MM', 'YYYY' or
        'YYYY-MM..YYYY-MM'), ``freq`` ('M', 'A' or 'R'), ``exporter, importer`` (ISO3
        where known, 'WLD' for the world), ``product, value`` (float, NaN when only a
        change is reported), ``unit`` ('t' or 'USD'), ``yoy_reported_pct,
        mom_reported_pct, source, note, file`` (name and sha256) and ``loaded``.

    Raises
    ------
    ObservedError
        When the file or name is unknown or malformed.
    """
    p = _resolve_input(path_or_name)
    if p.suffix == ".duckdb" or p.is_dir():
        return ObservedStore(p).frame()
    return read_observed(p, format)


def load_series_map() -> pd.DataFrame:
    """Read the shipped map from observed series ids to the model's codes.

    Returns
    -------
    pandas.DataFrame
        Columns ``series, exporter, importer, product, unit, note, source``; ``product``
        is a product code of the ``rare-earths`` dataset (empty when the series does not
        map onto the model) and ``importer`` is an ISO3 code or ``all``.
    """
    return pd.read_csv(shipped_path("series_map"), dtype=str, keep_default_na=False)


# --------------------------------------------------------------------------- derived values


def _known(df: pd.DataFrame) -> list[str]:
    return sorted({str(s) for s in df["series"]}) if "series" in df.columns else []


def _series_rows(df: pd.DataFrame, series: str) -> pd.DataFrame:
    missing = [c for c in ("series", "period", "freq", "value") if c not in df.columns]
    if missing:
        raise ObservedError(f"observed frame lacks column(s) {', '.join(missing)}; use load_observed or read_observed")
    sub = df[df["series"] == series]
    if sub.empty:
        raise UnknownSeriesError(series, _known(df))
    return sub


def _g(x: float) -> str:
    return f"{x:.6g}"


def implied_values(df: pd.DataFrame) -> pd.DataFrame:
    """Derive values from reported changes where the reference value exists.

    Two derivations, each from observed (not derived) values only, y/y before m/m:

    * backwards: a period with a value and a reported change whose reference period
      (12 months or a year earlier for y/y, the month before for m/m) has no value gets
      ``reference = value / (1 + change/100)``; e.g. China's magnet exports to the
      world in May 2024 = ``1238/(1-0.74)`` and April 2025 = ``1238/(1-0.529)``;
    * forwards: a period with only a reported change whose reference value exists gets
      ``value = reference * (1 + change/100)``.

    Derived values are never used to derive further values; where two derivations give
    the same period, the first (y/y, then the earlier source period) is kept.

    Parameters
    ----------
    df
        The tidy frame.

    Returns
    -------
    pandas.DataFrame
        The tidy frame with two more columns: ``derived`` (bool) and ``basis`` (the
        derivation, e.g. ``"1238/(1-0.74): value of 2025-05 and its reported y/y change
        (-74%)"``; empty for observed rows). Derived rows added for a missing period
        copy the metadata of the row they were derived from.
    """
    out = df.copy()
    if "derived" not in out.columns:
        out["derived"] = False
    if "basis" not in out.columns:
        out["basis"] = ""
    out["derived"] = out["derived"].astype(bool)
    out["basis"] = out["basis"].fillna("").astype(object)
    out = out.reset_index(drop=True)
    new_rows: list[dict[str, Any]] = []
    for _series, grp in out.groupby("series", sort=False):
        index = {(str(r.period), str(r.freq)): i for i, r in zip(grp.index, grp.itertuples(), strict=True)}
        observed = {key: _fv(out.at[i, "value"]) for key, i in index.items() if not out.at[i, "derived"] and not math.isnan(_fv(out.at[i, "value"]))}
        done: set[tuple[str, str]] = set()
        for kind, col, months in (("y/y", "yoy_reported_pct", 12), ("m/m", "mom_reported_pct", 1)):
            if col not in out.columns:
                continue
            for key, i in sorted(index.items(), key=lambda kv: _sort_key(*kv[0])):
                c = _fv(out.at[i, col])
                if math.isnan(c) or c <= -100:
                    continue
                period, freq = key
                ref_period = _shift(period, freq, months)
                if ref_period is None:
                    continue
                ref_key = (ref_period, freq)
                factor = f"(1{'+' if c >= 0 else '-'}{_g(abs(c) / 100)})"
                if key in observed and ref_key not in observed and ref_key not in done:
                    value = observed[key] / (1 + c / 100)
                    basis = f"{_g(observed[key])}/{factor}: value of {period} and its reported {kind} change ({_g(c)}%)"
                    target = ref_key
                elif key not in observed and ref_key in observed and key not in done:
                    value = observed[ref_key] * (1 + c / 100)
                    basis = f"{_g(observed[ref_key])}*{factor}: value of {ref_period} and the reported {kind} change of {period} ({_g(c)}%)"
                    target = key
                else:
                    continue
                done.add(target)
                if target in index:
                    j = index[target]
                    out.at[j, "value"] = value
                    out.at[j, "derived"] = True
                    out.at[j, "basis"] = basis
                else:
                    row = out.loc[i].to_dict()
                    row.update(
                        period=target[0],
                        value=value,
                        yoy_reported_pct=math.nan,
                        mom_reported_pct=math.nan,
                        note="derived",
                        derived=True,
                        basis=basis,
                    )
                    new_rows.append(row)
    if new_rows:
        out = pd.concat([out, pd.DataFrame(new_rows, columns=out.columns)], ignore_index=True)
    out["derived"] = out["derived"].astype(bool)
    return _sorted(out)


def monthly(df: pd.DataFrame, series: str, *, implied: bool = False) -> pd.Series:
    """Return the monthly values of one series.

    Parameters
    ----------
    df
        The tidy frame.
    series
        The series id.
    implied
        Also include values derived from reported changes (:func:`implied_values`).

    Returns
    -------
    pandas.Series
        Float values indexed by a monthly :class:`pandas.PeriodIndex`, sorted, named
        after the series; periods without a value are left out.

    Raises
    ------
    UnknownSeriesError
        When the series is not in ``df``.
    """
    sub = _series_rows(df, series)
    if implied:
        sub = implied_values(sub)
    sub = sub[(sub["freq"] == "M") & sub["value"].notna()]
    idx = pd.PeriodIndex([pd.Period(str(p), freq="M") for p in sub["period"]], freq="M", name="period")
    out = pd.Series(sub["value"].astype("float64").to_numpy(), index=idx, name=series)
    return out.sort_index()


def _since(values: list[float], keys: list[str], pos: int, drop_only: bool) -> tuple[str | None, bool]:
    """Last earlier key whose value is at or below values[pos]; (None, in_record)."""
    v = values[pos]
    if math.isnan(v) or (drop_only and v >= 0):
        return None, False
    earlier = [k for k in range(pos) if not math.isnan(values[k])]
    for k in reversed(earlier):
        if values[k] <= v:
            return keys[k], False
    return None, bool(earlier)


def _window(obs: dict[str, float], end: int) -> float | None:
    """Sum of the three observed months ending at month ordinal ``end``; None if one is missing."""
    got = [obs.get(_ordinal_month(end - d)) for d in range(3)]
    return None if any(g is None for g in got) else float(sum(g for g in got if g is not None))


def _fv(x: Any) -> float:
    """A cell as float (NaN for missing)."""
    return math.nan if x is None or x is pd.NA or x is pd.NaT else float(x)


def series_stats(df: pd.DataFrame, series: str, *, implied: bool = True) -> pd.DataFrame:
    """Derived statistics of one observed series, one row per period.

    Definitions (all changes in percent; frequencies are kept apart, so a series with
    monthly and annual rows is described within each frequency):

    ``yoy_pct``
        ``value / value 12 months (a year) earlier - 1`` when both values are observed
        (``yoy_basis = "computed"``), else the reported y/y change (``"reported"``).
        Ranges (``R``) compare with the same range a year earlier.
    ``mom_pct``
        Monthly rows only: against the month before, computed or reported likewise.
    ``roll3_pct``
        Monthly rows only: the sum of the last three months (this one included) against
        the sum of the three months before them; needs six observed months.
    ``roll3_yoy_pct``
        The same three-month sum against the same three months a year earlier.
    ``lowest_since``
        The last earlier period (same frequency) with a value at or below this one;
        ``lowest_in_record`` is True when there are earlier values and all are higher
        (the lowest since the start of the data). Derived values (when ``implied``)
        take part. Gaps in the data make this a "since at least" statement.
    ``steepest_yoy_drop_since`` / ``steepest_mom_drop_since``
        For a fall (negative change): the last earlier period whose y/y (m/m) change,
        computed or reported, was at least as steep; the ``*_in_record`` flag is True
        when earlier changes exist and none was as steep.

    Computed changes use observed values only, never derived ones, so a change is never
    "computed" from a value that was itself derived from that change.

    Parameters
    ----------
    df
        The tidy frame.
    series
        The series id.
    implied
        Add values derived from reported changes (:func:`implied_values`) as rows
        flagged ``derived``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`STATS_COLUMNS`, sorted by frequency (M, A, R) and period.

    Raises
    ------
    UnknownSeriesError
        When the series is not in ``df``.
    """
    sub = _series_rows(df, series)
    sub = implied_values(sub) if implied else sub.assign(derived=False, basis="")
    for col in ("yoy_reported_pct", "mom_reported_pct"):
        if col not in sub.columns:
            sub[col] = math.nan
    if "unit" not in sub.columns:
        sub["unit"] = ""
    frames: list[pd.DataFrame] = []
    for freq in sorted(sub["freq"].unique(), key=lambda f: _FREQ_ORDER.get(str(f), 9)):
        grp = _sorted(sub[sub["freq"] == freq])
        keys = [str(p) for p in grp["period"]]
        vals = [float(v) for v in grp["value"]]
        derived = [bool(d) for d in grp["derived"]]
        obs = {k: v for k, v, d in zip(keys, vals, derived, strict=True) if not d and not math.isnan(v)}
        n = len(grp)
        yoy = [math.nan] * n
        yoy_basis: list[str] = [""] * n
        mom = [math.nan] * n
        mom_basis: list[str] = [""] * n
        r3 = [math.nan] * n
        r3y = [math.nan] * n
        for pos, key in enumerate(keys):
            cur = obs.get(key)
            for months, target, basis_list, col in ((12, yoy, yoy_basis, "yoy_reported_pct"), (1, mom, mom_basis, "mom_reported_pct")):
                if months == 1 and freq != "M":
                    continue
                ref_key = _shift(key, str(freq), months)
                ref = obs.get(ref_key) if ref_key is not None else None
                reported = _fv(grp[col].iat[pos])
                if cur is not None and ref is not None and ref > 0:
                    target[pos] = (cur / ref - 1) * 100
                    basis_list[pos] = "computed"
                elif not math.isnan(reported):
                    target[pos] = reported
                    basis_list[pos] = "reported"
            if freq == "M":
                o = _month_ordinal(key)

                last3, prev3, year3 = _window(obs, o), _window(obs, o - 3), _window(obs, o - 12)
                if last3 is not None and prev3:
                    r3[pos] = (last3 / prev3 - 1) * 100
                if last3 is not None and year3:
                    r3y[pos] = (last3 / year3 - 1) * 100
        lowest = [_since(vals, keys, pos, drop_only=False) for pos in range(n)] if freq != "R" else [(None, False)] * n
        syoy = [_since(yoy, keys, pos, drop_only=True) for pos in range(n)]
        smom = [_since(mom, keys, pos, drop_only=True) for pos in range(n)]
        frames.append(
            pd.DataFrame(
                {
                    "series": series,
                    "period": keys,
                    "freq": str(freq),
                    "value": vals,
                    "unit": grp["unit"].astype(object).to_numpy(),
                    "derived": derived,
                    "basis": grp["basis"].fillna("").astype(object).to_numpy(),
                    "yoy_pct": yoy,
                    "yoy_basis": yoy_basis,
                    "mom_pct": mom,
                    "mom_basis": mom_basis,
                    "roll3_pct": r3,
                    "roll3_yoy_pct": r3y,
                    "lowest_since": [s for s, _ in lowest],
                    "lowest_in_record": [b for _, b in lowest],
                    "steepest_yoy_drop_since": [s for s, _ in syoy],
                    "steepest_yoy_drop_in_record": [b for _, b in syoy],
                    "steepest_mom_drop_since": [s for s, _ in smom],
                    "steepest_mom_drop_in_record": [b for _, b in smom],
                    "yoy_reported_pct": grp["yoy_reported_pct"].astype("float64").to_numpy(),
                    "mom_reported_pct": grp["mom_reported_pct"].astype("float64").to_numpy(),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    for col in ("lowest_since", "steepest_yoy_drop_since", "steepest_mom_drop_since"):
        out[col] = out[col].astype(object)
    return out[list(STATS_COLUMNS)]


def _start(period: str) -> datetime:
    """First day of a monthly or annual period."""
    return datetime(int(period[:4]), int(period[5:7]) if len(period) >= 7 else 1, 1)


def plot_series(df: pd.DataFrame, series: str, path: str | os.PathLike[str], *, implied: bool = True) -> Path:
    """Plot one series (values, and y/y changes) to a PNG file.

    Parameters
    ----------
    df
        The tidy frame.
    series
        The series id.
    path
        The PNG file to write; missing parent directories are created.
    implied
        Show values derived from reported changes (hollow markers).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    UnknownSeriesError
        When the series is not in ``df``.
    ObservedError
        When the series has no monthly or annual value or change to plot.
    """
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure

    stats = series_stats(df, series, implied=implied)
    groups = [f for f in ("M", "A") if (stats["freq"] == f).any()]
    if not groups:
        raise ObservedError(f"series {series!r} has only period ranges; nothing to plot")
    target = Path(path).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    fig = Figure(figsize=(9, 3.2 * len(groups) + 2.6), layout="constrained")
    axes = fig.subplots(len(groups) + 1, 1, squeeze=False)[:, 0]
    unit = str(stats["unit"].iloc[0])
    for ax, freq in zip(axes, groups, strict=False):
        s = stats[stats["freq"] == freq]
        obs = ~s["derived"].to_numpy(dtype=bool)
        vals = s["value"].to_numpy(dtype=float)
        xs = mdates.date2num([_start(str(p)) for p in s["period"]])
        has = ~np.isnan(vals)
        ax.plot(xs[has], vals[has], color="0.6", lw=1, zorder=1)
        ax.scatter(xs[obs & has], vals[obs & has], color="C0", zorder=2, label="observed")
        if (~obs & has).any():
            ax.scatter(xs[~obs & has], vals[~obs & has], facecolors="none", edgecolors="C1", zorder=2, label="derived from reported change")
        ax.set_ylabel(unit)
        ax.set_title(f"{series} ({'monthly' if freq == 'M' else 'annual'})", loc="left", fontsize=10)
        ax.legend(loc="best", fontsize=8)
        ax.xaxis_date()
        ax.grid(alpha=0.3)
    ax = axes[-1]
    ax.sharex(axes[0])
    s = stats[stats["freq"] == groups[0]]
    x = mdates.date2num([_start(str(p)) for p in s["period"]])
    yoy = s["yoy_pct"].to_numpy(dtype=float)
    has = ~np.isnan(yoy)
    width = 20 if groups[0] == "M" else 200
    colors = ["C3" if v < 0 else "C2" for v in yoy[has]]
    ax.bar(x[has], yoy[has], width=width, color=colors)
    ax.xaxis_date()
    for xi, yi, b in zip(x[has], yoy[has], s["yoy_basis"].to_numpy()[has], strict=True):
        ax.annotate(f"{yi:+.1f}% ({b})", (xi, yi), fontsize=7, ha="center", va="bottom" if yi >= 0 else "top")
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_ylabel("y/y %")
    ax.set_title("year-on-year change (computed from values, or as reported)", loc="left", fontsize=10)
    ax.grid(alpha=0.3)
    fig.savefig(target, dpi=110)
    return target


# --------------------------------------------------------------------------- store


def default_observed_path() -> Path:
    """Return the default observed store file.

    Returns
    -------
    pathlib.Path
        ``observed.duckdb`` in :func:`supplyshock.store.default_home`.
    """
    return default_home() / OBSERVED_FILENAME


_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """
        CREATE TABLE observed_files (
            load_id INTEGER PRIMARY KEY,
            file TEXT NOT NULL,
            name TEXT NOT NULL,
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            format TEXT NOT NULL,
            loaded TIMESTAMP NOT NULL,
            rows INTEGER NOT NULL,
            added INTEGER NOT NULL,
            updated INTEGER NOT NULL,
            unchanged INTEGER NOT NULL
        )
        """,
        """
        CREATE TABLE observed_values (
            series TEXT NOT NULL,
            period TEXT NOT NULL,
            freq TEXT NOT NULL,
            exporter TEXT NOT NULL,
            importer TEXT NOT NULL,
            product TEXT NOT NULL,
            value DOUBLE,
            unit TEXT NOT NULL,
            yoy_reported_pct DOUBLE,
            mom_reported_pct DOUBLE,
            source TEXT NOT NULL,
            note TEXT NOT NULL,
            file TEXT NOT NULL,
            loaded TIMESTAMP NOT NULL,
            revision INTEGER NOT NULL,
            PRIMARY KEY (series, period)
        )
        """,
        """
        CREATE TABLE observed_revisions (
            series TEXT NOT NULL,
            period TEXT NOT NULL,
            revision INTEGER NOT NULL,
            freq TEXT NOT NULL,
            exporter TEXT NOT NULL,
            importer TEXT NOT NULL,
            product TEXT NOT NULL,
            value DOUBLE,
            unit TEXT NOT NULL,
            yoy_reported_pct DOUBLE,
            mom_reported_pct DOUBLE,
            source TEXT NOT NULL,
            note TEXT NOT NULL,
            file TEXT NOT NULL,
            loaded TIMESTAMP NOT NULL,
            load_id INTEGER NOT NULL,
            superseded TIMESTAMP,
            PRIMARY KEY (series, period, revision)
        )
        """,
    ),
}


@dataclass(frozen=True)
class AddSummary:
    """What :meth:`ObservedStore.add_file` did.

    Attributes
    ----------
    file
        The file's name and sha256 (the provenance label stored with its rows).
    format
        The format it was read as.
    rows
        Observations read from the file.
    added, updated, unchanged
        Rows new to the store, rows whose data changed (a new revision), rows already
        stored with the same data.
    series
        The series the file touched.
    """

    file: str
    format: str
    rows: int
    added: int
    updated: int
    unchanged: int
    series: tuple[str, ...]

    def __str__(self) -> str:
        return (
            f"{self.file.split(' sha256:')[0]} ({self.format}): {self.rows} rows in {len(self.series)} series: "
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"
        )


class ObservedStore:
    """The DuckDB store of observed series, with revisions and provenance.

    Tables: ``observed_values`` (the current row per (series, period)),
    ``observed_revisions`` (every version of every row: its file, when it was loaded and
    when it was superseded) and ``observed_files`` (one row per file added, with the
    counts). The schema version is kept in ``observed_schema_version``, so the tables
    can share a file with the run store, but by default they live in their own file.

    A file is added in one transaction: any error leaves the store as it was. A file
    added later is taken as newer: where it gives a (series, period) already stored
    with other data (value, unit, reported changes, exporter, importer, product), its
    row replaces the stored one as a new revision; identical rows stay as they are,
    keeping the provenance of the file that first gave them.

    Parameters
    ----------
    path
        The database file; a directory means ``observed.duckdb`` inside it. Defaults to
        :func:`default_observed_path`.
    lock_timeout
        Seconds to wait while another process holds the file.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, lock_timeout: float = 10.0) -> None:
        p = default_observed_path() if path is None else Path(path).expanduser()
        if p.is_dir():
            p = p / OBSERVED_FILENAME
        self.path: Path = p
        self.lock_timeout = float(lock_timeout)

    def __repr__(self) -> str:
        return f"ObservedStore({str(self.path)!r})"

    # ------------------------------------------------------------------ public API

    def add_file(
        self,
        path: str | os.PathLike[str],
        format: str = "auto",
        *,
        country_codes: str | os.PathLike[str] | None = None,
        hs: Sequence[str] | None = None,
    ) -> AddSummary:
        """Read an observed file and add it to the store in one transaction.

        Parameters
        ----------
        path
            The file (any supported format) or a shipped name.
        format
            See :func:`read_observed`.
        country_codes, hs
            See :func:`read_observed`.

        Returns
        -------
        AddSummary
            Counts of rows added, updated and unchanged.

        Raises
        ------
        ObservedError
            When the file is malformed, gives a (series, period) twice with different
            values, or changes the unit of a stored series. Nothing is written then.
        StoreError
            When the database cannot be read or written.
        """
        p = _resolve_input(path)
        fmt = detect_format(p) if format == "auto" else format
        frame = read_observed(p, fmt, country_codes=country_codes, hs=hs)
        return self.add_frame(frame, path=p, format=fmt)

    def add_frame(self, frame: pd.DataFrame, *, path: str | os.PathLike[str], format: str) -> AddSummary:
        """Add a tidy frame (as read from ``path``) in one transaction.

        Parameters
        ----------
        frame
            The tidy frame (:data:`TIDY_COLUMNS`) with one row per (series, period).
        path
            The file it was read from (recorded in ``observed_files``).
        format
            The format it was read as.

        Returns
        -------
        AddSummary
            Counts of rows added, updated and unchanged.

        Raises
        ------
        ObservedError
            When the frame repeats a (series, period) or changes a stored series' unit.
        StoreError
            When the database cannot be written; nothing is written then.
        """
        missing = [c for c in TIDY_COLUMNS if c not in frame.columns]
        if missing:
            raise ObservedError(f"frame lacks column(s) {', '.join(missing)}")
        new = frame[list(TIDY_COLUMNS)].copy().reset_index(drop=True)
        if new.duplicated(["series", "period"]).any():
            s, per = new[new.duplicated(["series", "period"])].iloc[0][["series", "period"]]
            raise ObservedError(f"frame gives series {s!r} period {per} twice; nothing was written")
        for col in _NUMERIC_FIELDS:
            new[col] = new[col].astype("float64")
        for col in ("series", "period", "freq", "exporter", "importer", "product", "unit", "source", "note", "file"):
            new[col] = new[col].fillna("").astype(str).astype(object)
        new["loaded"] = pd.to_datetime(new["loaded"]).astype("datetime64[us]")
        p = Path(path).expanduser()
        label = str(new["file"].iloc[0]) if len(new) else p.name
        sha = label.split("sha256:")[-1] if "sha256:" in label else ""
        series_list = tuple(sorted({str(s) for s in new["series"]}))
        with self._connect() as con:
            old = self._current(con, series_list)
            # a stored series keeps its unit
            if not old.empty:
                units = old.groupby("series")["unit"].first()
                merged_units = new[["series", "unit"]].drop_duplicates().merge(units.rename("old_unit").reset_index(), on="series")
                clash = merged_units[merged_units["unit"] != merged_units["old_unit"]]
                if not clash.empty:
                    r = clash.iloc[0]
                    raise ObservedError(
                        f"{p.name}: series {r['series']!r} is stored in {r['old_unit']} but the file gives {r['unit']}; "
                        "use a new series id for another unit; nothing was written"
                    )
            merged = new.merge(old, on=["series", "period"], how="left", suffixes=("", "_old"), indicator=True)
            is_new = (merged["_merge"] == "left_only").to_numpy()
            changed = np.zeros(len(merged), dtype=bool)
            for field in _DATA_FIELDS:
                a, b = merged[field], merged[f"{field}_old"]
                if field in _NUMERIC_FIELDS:
                    av, bv = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
                    same = np.isclose(av, bv, rtol=1e-12, atol=1e-12, equal_nan=True)
                else:
                    same = (a.astype(str) == b.astype(str)).to_numpy()
                changed |= ~same
            changed &= ~is_new
            added, updated = int(is_new.sum()), int(changed.sum())
            unchanged = len(merged) - added - updated
            now = _now().to_pydatetime()
            con.begin()
            try:
                got = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM observed_files").fetchall()
                load_id = int(got[0][0]) if got else 1
                con.execute(
                    "INSERT INTO observed_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [load_id, label, p.name, str(p.resolve()), sha, format, now, len(new), added, updated, unchanged],
                )
                write = merged[is_new | changed].copy()
                if len(write):
                    prev = write["revision"].fillna(0).astype(int)
                    write["revision"] = prev + 1
                    write["load_id"] = load_id
                    write["prev_revision"] = prev
                    cols = [*TIDY_COLUMNS, "revision"]
                    view = write[[*cols, "load_id", "prev_revision"]].reset_index(drop=True)
                    con.register("_observed_in", view)
                    try:
                        con.execute(
                            "UPDATE observed_revisions AS r SET superseded = ? FROM _observed_in AS i "
                            "WHERE r.series = i.series AND r.period = i.period AND r.revision = i.prev_revision",
                            [now],
                        )
                        con.execute("DELETE FROM observed_values AS v USING _observed_in AS i WHERE v.series = i.series AND v.period = i.period")
                        names = ", ".join(cols)
                        con.execute(f"INSERT INTO observed_values ({names}) SELECT {names} FROM _observed_in")
                        con.execute(f"INSERT INTO observed_revisions ({names}, load_id, superseded) SELECT {names}, load_id, NULL FROM _observed_in")
                    finally:
                        with contextlib.suppress(duckdb.Error):
                            con.unregister("_observed_in")
                con.commit()
            except BaseException:
                with contextlib.suppress(duckdb.Error):
                    con.rollback()
                raise
        return AddSummary(file=label, format=format, rows=len(new), added=added, updated=updated, unchanged=unchanged, series=series_list)

    def frame(self, series: str | Sequence[str] | None = None) -> pd.DataFrame:
        """Return the current stored values as the tidy frame.

        Parameters
        ----------
        series
            One series id or several; all series when omitted.

        Returns
        -------
        pandas.DataFrame
            Columns :data:`TIDY_COLUMNS` plus ``revision`` (1 for a value never
            revised); empty when the store is empty or does not exist.

        Raises
        ------
        UnknownSeriesError
            When a named series is not stored.
        """
        cols = [*TIDY_COLUMNS, "revision"]
        if not self.path.exists():
            out = pd.DataFrame(columns=cols)
        else:
            with self._connect() as con:
                out = self._current(con, None)
        if series is not None:
            wanted = [series] if isinstance(series, str) else list(series)
            known = set(out["series"].astype(str))
            for s in wanted:
                if s not in known:
                    raise UnknownSeriesError(s, sorted(known))
            out = out[out["series"].isin(wanted)]
        return _sorted(out[cols])

    def series(self) -> pd.DataFrame:
        """List the stored series.

        Returns
        -------
        pandas.DataFrame
            One row per series: ``series, freq`` (the frequencies present, e.g. ``"M,A"``),
            ``periods, first, last, unit, exporter, importer, revised`` (rows with more
            than one revision) and ``file`` (the file of the latest row).
        """
        cur = self.frame()
        cols = ["series", "freq", "periods", "first", "last", "unit", "exporter", "importer", "revised", "file"]
        rows: list[dict[str, Any]] = []
        for s, grp in cur.groupby("series", sort=True):
            g = _sorted(grp)
            rows.append(
                {
                    "series": s,
                    "freq": ",".join(sorted(set(g["freq"]), key=lambda f: _FREQ_ORDER.get(f, 9))),
                    "periods": len(g),
                    "first": str(g["period"].iloc[0]),
                    "last": str(g["period"].iloc[-1]),
                    "unit": str(g["unit"].iloc[0]),
                    "exporter": ",".join(sorted(set(g["exporter"].astype(str)))),
                    "importer": ",".join(sorted(set(g["importer"].astype(str)))),
                    "revised": int((g["revision"] > 1).sum()),
                    "file": str(g.sort_values("loaded")["file"].iloc[-1]).split(" sha256:")[0],
                }
            )
        return pd.DataFrame(rows, columns=cols)

    def revisions(self, series: str | None = None) -> pd.DataFrame:
        """Every stored version of every row.

        Parameters
        ----------
        series
            Only this series.

        Returns
        -------
        pandas.DataFrame
            Columns :data:`TIDY_COLUMNS` plus ``revision, load_id, superseded`` (NaT for
            the current version), sorted by series, period and revision.
        """
        cols = [*TIDY_COLUMNS, "revision", "load_id", "superseded"]
        if not self.path.exists():
            return pd.DataFrame(columns=cols)
        with self._connect() as con:
            if series is None:
                out = con.execute(f"SELECT {', '.join(cols)} FROM observed_revisions ORDER BY series, period, revision").df()
            else:
                out = con.execute(
                    f"SELECT {', '.join(cols)} FROM observed_revisions WHERE series = ? ORDER BY series, period, revision", [series]
                ).df()
        return out

    def files(self) -> pd.DataFrame:
        """The files added, oldest first.

        Returns
        -------
        pandas.DataFrame
            Columns ``load_id, file, name, path, sha256, format, loaded, rows, added,
            updated, unchanged``.
        """
        cols = ["load_id", "file", "name", "path", "sha256", "format", "loaded", "rows", "added", "updated", "unchanged"]
        if not self.path.exists():
            return pd.DataFrame(columns=cols)
        with self._connect() as con:
            return con.execute(f"SELECT {', '.join(cols)} FROM observed_files ORDER BY load_id").df()

    # ------------------------------------------------------------------ internals

    def _current(self, con: duckdb.DuckDBPyConnection, series: Sequence[str] | None) -> pd.DataFrame:
        cols = ", ".join([*TIDY_COLUMNS, "revision"])
        if series is None:
            out = con.execute(f"SELECT {cols} FROM observed_values").df()
        else:
            keys = pd.DataFrame({"series": list(series)}, dtype=object)
            con.register("_observed_keys", keys)
            try:
                out = con.execute(f"SELECT {cols} FROM observed_values WHERE series IN (SELECT series FROM _observed_keys)").df()
            finally:
                with contextlib.suppress(duckdb.Error):
                    con.unregister("_observed_keys")
        for col in ("series", "period", "freq", "exporter", "importer", "product", "unit", "source", "note", "file"):
            out[col] = out[col].astype(object)
        for col in _NUMERIC_FIELDS:
            out[col] = out[col].astype("float64")
        return out

    @contextlib.contextmanager
    def _connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create observed store directory {self.path.parent}: {exc}") from exc
        con = self._open()
        try:
            _migrate(con, self.path)
            yield con
        except duckdb.Error as exc:
            raise StoreError(f"observed store {self.path}: {' '.join(str(exc).split())}; nothing was written") from exc
        finally:
            con.close()

    def _open(self) -> duckdb.DuckDBPyConnection:
        from supplyshock.store import connect_with_retry

        return connect_with_retry(self.path, self.lock_timeout, "observed store")


def _migrate(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = 'observed_schema_version'"
    ).fetchall()
    current = 0
    if row and row[0][0]:
        got = con.execute("SELECT max(version) FROM observed_schema_version").fetchall()
        current = int(got[0][0]) if got and got[0][0] is not None else 0
    if current > OBSERVED_SCHEMA_VERSION:
        raise StoreError(f"observed store {path} has schema version {current}, newer than this supplyshock understands; upgrade supplyshock")
    if current == OBSERVED_SCHEMA_VERSION:
        return
    con.begin()
    try:
        con.execute("CREATE TABLE IF NOT EXISTS observed_schema_version (version INTEGER PRIMARY KEY, applied TIMESTAMP NOT NULL)")
        for version in range(current + 1, OBSERVED_SCHEMA_VERSION + 1):
            for statement in _MIGRATIONS[version]:
                con.execute(statement)
            con.execute("INSERT INTO observed_schema_version VALUES (?, ?)", [version, _now().to_pydatetime()])
        con.commit()
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.rollback()
        raise


def to_model_codes(df: pd.DataFrame) -> pd.DataFrame:
    """Observations with the model's codes: exporter, importer ('all' for the world) and product.

    Series listed in the shipped series map take its codes; other rows keep their
    exporter and importer codes (``WLD`` becomes ``all``) and their product text.
    """
    smap = load_series_map()
    out = df.copy()
    mapped = smap[smap["product"].astype(str).str.len() > 0].set_index("series")
    for col in ("exporter", "importer", "product"):
        codes = out["series"].map(mapped[col]) if len(mapped) else pd.Series(index=out.index, dtype=object)
        out[col] = codes.where(codes.notna(), out[col])
    out["importer"] = out["importer"].replace({"WLD": "all"})
    out["exporter"] = out["exporter"].replace({"WLD": "all"})
    return out
