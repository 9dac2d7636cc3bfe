"""Readers of observed trade files: the GACC long format, UN Comtrade CSV and CEPII BACI CSV.

Every reader returns the tidy frame (:data:`~supplyshock.observed.tidy.TIDY_COLUMNS`);
:func:`read_observed` picks the reader from the file's header (:func:`detect_format`).
A cell that cannot be parsed raises :class:`~supplyshock.observed.tidy.ObservedError`
naming the file, the line and the field.
"""

from __future__ import annotations

import io
import math
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from supplyshock.observed.codes import normalise_country, normalise_unit, numeric_country_codes
from supplyshock.observed.periods import parse_period
from supplyshock.observed.shipped import resolve_input
from supplyshock.observed.tidy import SERIES_RE, Bound, ObservedError, finalise

__all__ = ["FORMATS", "MAX_OBSERVED_BYTES", "Format", "detect_format", "read_baci", "read_comtrade", "read_long", "read_observed"]

Format = Literal["auto", "long", "comtrade", "baci"]
#: Accepted values of ``format``.
FORMATS: tuple[str, ...] = ("auto", "long", "comtrade", "baci")

_BLANKS = ["", "NA", "NaN", "nan", "N/A"]
#: Largest observed file read (bytes). Reading takes about 40 times the file in memory
#: (measured: 2.2 GB for 50 MB); a monthly series of a few products is kilobytes, and a
#: bulk download (a whole year of BACI) must be filtered to the products it is about first.
MAX_OBSERVED_BYTES = 25_000_000


# --------------------------------------------------------------------------- cells


def _check_file(path: Path) -> None:
    """Refuse what is not a readable, non-empty regular file, with a message saying which."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ObservedError(f"observed file {path} does not exist") from None
    except OSError as exc:
        raise ObservedError(f"observed file {path} cannot be read ({exc.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise ObservedError(f"{path} is a folder; give an observed CSV file")
    if not stat.S_ISREG(st.st_mode):
        raise ObservedError(f"{path} is not a regular file (a device or a pipe); give an observed CSV file")
    if st.st_size == 0:
        raise ObservedError(f"{path.name} is empty (0 bytes); an observed file is a CSV with a header row and at least one row of values")
    if st.st_size > MAX_OBSERVED_BYTES:
        raise ObservedError(
            f"{path.name} is {st.st_size / 1e6:,.0f} MB, more than the {MAX_OBSERVED_BYTES / 1e6:,.0f} MB an observed file may have"
            " (reading takes about 40 times its size in memory): keep only the products and partners you need"
            " (e.g. the HS codes of the dataset) and add the parts one by one; nothing was read"
        )
    with open(path, "rb") as fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf").strip()
    if not head:
        raise ObservedError(f"{path.name} holds only blank lines; an observed file is a CSV with a header row and at least one row of values")


def _read_text_csv(path: Path) -> pd.DataFrame:
    """Read a CSV with every cell as text ('' for blanks)."""
    _check_file(path)
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


def _pick(cols: dict[str, str], *names: str) -> str | None:
    for n in names:
        if n in cols:
            return cols[n]
    return None


def _first_bad(mask: pd.Series) -> int | None:
    """Position of the first True in a boolean Series, None when there is none."""
    return int(np.flatnonzero(mask.to_numpy())[0]) if mask.any() else None


def _numbers(raw: pd.Series, name: str, field: str, allow_blank: bool = True) -> pd.Series:
    """Vectorised number parsing with a clear error on the first bad cell."""
    text = raw.astype(str).str.strip()
    blank = text.isin(_BLANKS)
    nums = pd.to_numeric(text.where(~blank, None), errors="coerce").astype("float64")
    pos = _first_bad(nums.isna() & ~blank)
    if pos is not None:
        raise _err(name, pos + 2, field, f"{raw.iloc[pos]!r} is not a number")
    pos = None if allow_blank else _first_bad(blank)
    if pos is not None:
        raise _err(name, pos + 2, field, "is empty")
    pos = _first_bad(nums < 0)
    if pos is not None:
        raise _err(name, pos + 2, field, f"{raw.iloc[pos]!r} is negative")
    return nums


def _numbers_of(raw: pd.DataFrame, col: str, name: str) -> pd.Series:
    """Numbers of one column, indexed like ``raw`` (lines counted from its first row)."""
    vals = _numbers(raw[col].reset_index(drop=True), name, col)
    vals.index = raw.index
    return vals


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


# --------------------------------------------------------------------------- format


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
    _check_file(p)
    with open(p, encoding="utf-8-sig", errors="replace") as fh:
        header = next((line for line in fh if line.strip()), "")
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


# --------------------------------------------------------------------------- long


def _long_row(rec: dict[Any, Any], line: int, name: str, yoy_col: str | None, mom_col: str | None) -> dict[str, Any]:
    """Parse one row of a long-format file."""
    series = str(rec["series"])
    if not SERIES_RE.match(series):
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
    return {
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


def read_long(path: str | os.PathLike[str], *, bounds: Sequence[Bound] | None = None) -> pd.DataFrame:
    """Read an observed file in the long format.

    Parameters
    ----------
    path
        A CSV with columns ``period, series, value, unit`` and optionally ``exporter,
        importer, product, yoy_change_pct, mom_change_pct, source, note``
        (``yoy_reported_pct``/``mom_reported_pct`` are accepted as column names too).
    bounds
        Plausibility bounds checked before the shipped ones (see
        :func:`~supplyshock.observed.tidy.check_bounds`).

    Returns
    -------
    pandas.DataFrame
        The tidy frame (:data:`~supplyshock.observed.tidy.TIDY_COLUMNS`).

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
    rows = [_long_row(rec, pos + 2, name, yoy_col, mom_col) for pos, rec in enumerate(raw.to_dict("records"))]
    return finalise(pd.DataFrame(rows), p, bounds)


# --------------------------------------------------------------------------- UN Comtrade


@dataclass(frozen=True)
class _ComtradeColumns:
    """The columns of a Comtrade file that the reader uses (None when absent)."""

    period: str | None
    year: str | None
    month: str | None
    freq: str | None
    reporter: str | None
    partner: str | None
    flow: str | None
    flow_desc: str | None
    cmd: str | None
    cmd_desc: str | None
    weight: str | None
    qty: str | None
    qty_unit: str | None
    value: str | None

    @classmethod
    def find(cls, cols: dict[str, str], name: str) -> _ComtradeColumns:
        """Find the columns among ``cols`` (normalised name -> name); refuse a file without the needed ones."""
        found = cls(
            period=_pick(cols, "period"),
            year=_pick(cols, "refyear", "year"),
            month=_pick(cols, "refmonth"),
            freq=_pick(cols, "freqcode"),
            reporter=_pick(cols, "reporteriso", "reportercode", "reporterdesc", "reporter"),
            partner=_pick(cols, "partneriso", "partnercode", "partnerdesc", "partner"),
            flow=_pick(cols, "flowcode", "tradeflowcode"),
            flow_desc=_pick(cols, "flowdesc", "tradeflow"),
            cmd=_pick(cols, "cmdcode", "commoditycode"),
            cmd_desc=_pick(cols, "cmddesc", "commodity"),
            weight=_pick(cols, "netwgt", "netweightkg"),
            qty=_pick(cols, "qty"),
            qty_unit=_pick(cols, "qtyunitabbr", "qtyunit"),
            value=_pick(cols, "primaryvalue", "tradevalueus", "tradevalue"),
        )
        needed = (
            ("period or refYear", found.period or found.year),
            ("reporterISO or reporterCode", found.reporter),
            ("partnerISO or partnerCode", found.partner),
            ("flowCode", found.flow or found.flow_desc),
            ("cmdCode", found.cmd),
            ("netWgt or primaryValue", found.weight or found.value or found.qty),
        )
        missing = [label for label, col in needed if col is None]
        if missing:
            raise ObservedError(f"{name}: not a UN Comtrade CSV: missing column(s) {', '.join(missing)}")
        return found


def _comtrade_rows(raw: pd.DataFrame, cols: dict[str, str], cmd: str, hs: Sequence[str] | None, name: str) -> tuple[pd.DataFrame, pd.Series]:
    """Keep the totals where the file breaks flows down, and the HS codes asked for; return the rows and their lines."""
    raw = raw.reset_index(drop=True)
    keep = pd.Series(True, index=raw.index)
    for key, total in (("partner2code", "0"), ("2ndpartnercode", "0"), ("motcode", "0"), ("customscode", "C00")):
        c = cols.get(key)
        if c is not None and (raw[c] == total).any():
            keep &= raw[c].isin([total, ""])
    lines = pd.Series(raw.index + 2, index=raw.index)
    raw = raw[keep]
    lines = lines[keep]
    raw = _hs_filter(raw, cmd, hs)
    lines = lines[raw.index]
    if raw.empty:
        raise ObservedError(f"{name}: no Comtrade rows left (after the HS filter {list(hs or [])})")
    return raw, lines


def _comtrade_periods(raw: pd.DataFrame, c: _ComtradeColumns, name: str) -> tuple[pd.Series, pd.Series]:
    """Periods and frequencies: ``period`` when every row has one, else year and month."""
    if c.period is not None and (raw[c.period] != "").all():
        ptext = raw[c.period]
    else:
        assert c.year is not None
        months = raw[c.month] if c.month is not None else pd.Series("", index=raw.index)
        mnum = pd.to_numeric(months.replace("", "0"), errors="coerce").fillna(0).astype(int)
        monthly_rows = mnum.between(1, 12)
        if c.freq is not None:
            monthly_rows &= raw[c.freq].str.upper() != "A"
        ptext = raw[c.year].where(~monthly_rows, raw[c.year] + "-" + mnum.astype(str).str.zfill(2))
    periods, freqs = _periods(ptext.reset_index(drop=True), name, c.period or str(c.year))
    periods.index = raw.index
    freqs.index = raw.index
    return periods, freqs


def _flow_of_description(desc: str) -> str:
    if "re-export" in desc:
        return "RX"
    if "re-import" in desc:
        return "RM"
    if "export" in desc:
        return "X"
    return "M" if "import" in desc else ""


def _comtrade_flows(raw: pd.DataFrame, c: _ComtradeColumns, lines: pd.Series, name: str) -> tuple[pd.Series, pd.Series]:
    """Flow codes (X, M, RX, RM...) and whether each row is an export."""
    if c.flow is not None:
        flow = raw[c.flow].str.upper().replace({"1": "M", "2": "X", "3": "RX", "4": "RM"})
    else:
        assert c.flow_desc is not None
        flow = raw[c.flow_desc].str.lower().map(_flow_of_description)
    is_export = flow.str.contains("X")
    is_import = flow.str.contains("M") & ~is_export
    pos = _first_bad(~(is_export | is_import))
    if pos is not None:
        raise _err(name, int(lines.iloc[pos]), c.flow or str(c.flow_desc), f"unknown trade flow {flow.iloc[pos]!r}; expected X, M, RX, RM or 1-4")
    return flow, is_export


def _comtrade_measures(raw: pd.DataFrame, c: _ComtradeColumns, name: str, base: pd.Series, common: dict[str, Any]) -> list[pd.DataFrame]:
    """The tonnes and USD series of the rows (rows without the measure are left out)."""
    parts: list[pd.DataFrame] = []
    if c.weight is not None or c.qty is not None:
        kg = _numbers_of(raw, c.weight, name) if c.weight is not None else pd.Series(math.nan, index=raw.index)
        if c.qty is not None and c.qty_unit is not None:
            qty = _numbers_of(raw, c.qty, name)
            kg = kg.where(kg.notna(), qty.where(raw[c.qty_unit].str.lower() == "kg"))
        part = pd.DataFrame({"series": base + "_t", "value": kg / 1000.0, "unit": "t", **common})
        parts.append(part[part["value"].notna()])
    if c.value is not None:
        usd = _numbers_of(raw, c.value, name)
        part = pd.DataFrame({"series": base + "_usd", "value": usd, "unit": "USD", **common})
        parts.append(part[part["value"].notna()])
    return parts


def read_comtrade(path: str | os.PathLike[str], *, hs: Sequence[str] | None = None, bounds: Sequence[Bound] | None = None) -> pd.DataFrame:
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
    bounds
        Plausibility bounds checked before the shipped ones (see
        :func:`~supplyshock.observed.tidy.check_bounds`).

    Returns
    -------
    pandas.DataFrame
        The tidy frame (:data:`~supplyshock.observed.tidy.TIDY_COLUMNS`).

    Raises
    ------
    ObservedError
        When required columns are missing or a cell cannot be parsed (naming the file,
        line and field), or the same (series, period) has two different values.
    """
    p = Path(path).expanduser()
    name = p.name
    raw = _read_text_csv(p)
    cols = {_norm_col(col): col for col in raw.columns}
    c = _ComtradeColumns.find(cols, name)
    cmd_col, reporter_col, partner_col = str(c.cmd), str(c.reporter), str(c.partner)
    raw, lines = _comtrade_rows(raw, cols, cmd_col, hs, name)
    periods, freqs = _comtrade_periods(raw, c, name)
    flow, is_export = _comtrade_flows(raw, c, lines, name)
    rep = _countries(raw[reporter_col])
    par = _countries(raw[partner_col])
    cmd = raw[cmd_col].astype(str)
    product = ("HS " + cmd).astype(object)
    if c.cmd_desc is not None:
        product = product.where(raw[c.cmd_desc] == "", product + ": " + raw[c.cmd_desc])
    base = _slug("comtrade_" + rep.astype(str) + "_" + flow.str.lower() + "_" + par.astype(str) + "_" + cmd)
    common = {
        "period": periods,
        "freq": freqs,
        "exporter": rep.where(is_export, par),
        "importer": par.where(is_export, rep),
        "product": product,
        "yoy_reported_pct": math.nan,
        "mom_reported_pct": math.nan,
        "source": f"UN Comtrade ({name})",
        "note": "",
        "_line": lines,
    }
    parts = _comtrade_measures(raw, c, name, base.str.replace("-", "_"), common)
    return finalise(pd.concat(parts, ignore_index=True), p, bounds)


# --------------------------------------------------------------------------- CEPII BACI


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


def _baci_mapping(path: Path, country_codes: str | os.PathLike[str] | None) -> dict[int, str]:
    """Numeric code -> ISO3: the built-in table, updated from BACI's country-codes file."""
    codes_path: Path | None = Path(country_codes).expanduser() if country_codes is not None else None
    if codes_path is None:
        siblings = sorted(path.parent.glob("country_codes*.csv"))
        codes_path = siblings[-1] if siblings else None
    mapping = dict(numeric_country_codes())
    if codes_path is not None:
        mapping.update(_baci_codes(codes_path))
    return mapping


def _check_cells(raw: pd.DataFrame, col: str, pattern: str, what: str, name: str, lines: pd.Series | None = None) -> None:
    """Refuse the first cell of ``col`` that does not match ``pattern`` (a regular expression)."""
    pos = _first_bad(~raw[col].str.fullmatch(pattern))
    if pos is not None:
        line = pos + 2 if lines is None else int(lines.iloc[pos])
        raise _err(name, line, col, f"{raw[col].iloc[pos]!r} is not {what}")


def read_baci(
    path: str | os.PathLike[str],
    *,
    country_codes: str | os.PathLike[str] | None = None,
    hs: Sequence[str] | None = None,
    bounds: Sequence[Bound] | None = None,
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
    bounds
        Plausibility bounds checked before the shipped ones (see
        :func:`~supplyshock.observed.tidy.check_bounds`).

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
    mapping = _baci_mapping(p, country_codes)
    raw = raw.reset_index(drop=True)
    lines = pd.Series(raw.index + 2, index=raw.index)
    ct, ci, cj, ck, cv = (cols[c] for c in ("t", "i", "j", "k", "v"))
    cq = cols.get("q")
    _check_cells(raw, ck, r"\d{1,6}", "an HS6 code", name)
    raw[ck] = raw[ck].str.zfill(6)
    for c in (ci, cj):
        _check_cells(raw, c, r"\d+", "a numeric country code", name)
    raw = _hs_filter(raw, ck, hs)
    lines = lines[raw.index]
    if raw.empty:
        raise ObservedError(f"{name}: no BACI rows left (after the HS filter {list(hs or [])})")
    _check_cells(raw, ct, r"\d{4}", "a year", name, lines)
    exporter = _countries(raw[ci], mapping)
    importer = _countries(raw[cj], mapping)
    base = ("baci_" + exporter.astype(str) + "_" + importer.astype(str) + "_" + raw[ck]).str.lower().astype(object)
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
    parts = [pd.DataFrame({"series": base + "_usd", "value": _numbers_of(raw, cv, name) * 1000.0, "unit": "USD", **common})]
    if cq is not None:
        parts.append(pd.DataFrame({"series": base + "_t", "value": _numbers_of(raw, cq, name), "unit": "t", **common}))
    frame = pd.concat([part[part["value"].notna()] for part in parts], ignore_index=True)
    return finalise(frame, p, bounds)


# --------------------------------------------------------------------------- any format


def read_observed(
    path: str | os.PathLike[str],
    format: str = "auto",
    *,
    country_codes: str | os.PathLike[str] | None = None,
    hs: Sequence[str] | None = None,
    bounds: Sequence[Bound] | None = None,
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
    bounds
        Plausibility bounds checked before the shipped ones (see
        :func:`~supplyshock.observed.tidy.check_bounds`).

    Returns
    -------
    pandas.DataFrame
        The tidy frame (:data:`~supplyshock.observed.tidy.TIDY_COLUMNS`), sorted by
        series and period.

    Raises
    ------
    ObservedError
        When the file is missing, of unknown format or malformed.
    """
    p = resolve_input(path)
    if format not in FORMATS:
        raise ObservedError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    fmt = detect_format(p) if format == "auto" else format
    if fmt == "long":
        return read_long(p, bounds=bounds)
    if fmt == "comtrade":
        return read_comtrade(p, hs=hs, bounds=bounds)
    return read_baci(p, country_codes=country_codes, hs=hs, bounds=bounds)
