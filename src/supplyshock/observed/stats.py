"""What observed series show: values implied by reported changes, y/y, m/m, rolling changes, records.

* :func:`implied_values` derives values from reported y/y and m/m changes;
* :func:`monthly` gives one series as a pandas Series on a monthly PeriodIndex;
* :func:`series_stats` gives, per period, the y/y and m/m changes (computed or as
  reported), rolling three-month changes, "lowest since" and "steepest drop since".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from supplyshock.observed.periods import FREQ_ORDER, month_ordinal, ordinal_month, period_sort_key, shift_period, sort_frame
from supplyshock.observed.tidy import ObservedError, UnknownSeriesError

__all__ = ["STATS_COLUMNS", "implied_values", "monthly", "series_stats"]

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
# (kind, column of the reported change, months back to the reference period), y/y first
_CHANGES: tuple[tuple[str, str, int], ...] = (("y/y", "yoy_reported_pct", 12), ("m/m", "mom_reported_pct", 1))


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


def _short(x: float) -> str:
    """A number in at most six significant digits, as in the basis texts."""
    return f"{x:.6g}"


def _as_float(x: Any) -> float:
    """A cell as float (NaN for missing)."""
    return math.nan if x is None or x is pd.NA or x is pd.NaT else float(x)


# --------------------------------------------------------------------------- implied values


def _derivation(
    key: tuple[str, str], change: float, kind: str, months: int, observed: dict[tuple[str, str], float], done: set[tuple[str, str]]
) -> tuple[tuple[str, str], float, str] | None:
    """What a reported change of period ``key`` lets us derive: (target period, value, basis), or None."""
    period, freq = key
    ref_period = shift_period(period, freq, months)
    if ref_period is None:
        return None
    ref_key = (ref_period, freq)
    factor = f"(1{'+' if change >= 0 else '-'}{_short(abs(change) / 100)})"
    if key in observed and ref_key not in observed and ref_key not in done:
        value = observed[key] / (1 + change / 100)
        return ref_key, value, f"{_short(observed[key])}/{factor}: value of {period} and its reported {kind} change ({_short(change)}%)"
    if key not in observed and ref_key in observed and key not in done:
        value = observed[ref_key] * (1 + change / 100)
        basis = f"{_short(observed[ref_key])}*{factor}: value of {ref_period} and the reported {kind} change of {period} ({_short(change)}%)"
        return key, value, basis
    return None


def _derive_series(out: pd.DataFrame, grp: pd.DataFrame) -> list[dict[str, Any]]:
    """Derive the values of one series in place in ``out``; return the rows of periods it lacks."""
    index = {(str(r.period), str(r.freq)): i for i, r in zip(grp.index, grp.itertuples(), strict=True)}
    values = {key: _as_float(out.at[i, "value"]) for key, i in index.items() if not out.at[i, "derived"]}
    observed = {key: v for key, v in values.items() if not math.isnan(v)}
    done: set[tuple[str, str]] = set()
    new_rows: list[dict[str, Any]] = []
    for kind, col, months in _CHANGES:
        if col not in out.columns:
            continue
        for key, i in sorted(index.items(), key=lambda kv: period_sort_key(*kv[0])):
            change = _as_float(out.at[i, col])
            if math.isnan(change) or change <= -100:
                continue
            found = _derivation(key, change, kind, months, observed, done)
            if found is None:
                continue
            target, value, basis = found
            done.add(target)
            if target in index:
                j = index[target]
                out.at[j, "value"] = value
                out.at[j, "derived"] = True
                out.at[j, "basis"] = basis
            else:
                row = out.loc[i].to_dict()
                row.update(period=target[0], value=value, yoy_reported_pct=math.nan, mom_reported_pct=math.nan)
                row.update(note="derived", derived=True, basis=basis)
                new_rows.append(row)
    return new_rows


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
        new_rows.extend(_derive_series(out, grp))
    if new_rows:
        out = pd.concat([out, pd.DataFrame(new_rows, columns=out.columns)], ignore_index=True)
    out["derived"] = out["derived"].astype(bool)
    return sort_frame(out)


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


# --------------------------------------------------------------------------- statistics


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
    got = [obs.get(ordinal_month(end - d)) for d in range(3)]
    return None if any(g is None for g in got) else float(sum(g for g in got if g is not None))


@dataclass
class _Changes:
    """The changes of the periods of one frequency of one series, in period order."""

    yoy: list[float]
    yoy_basis: list[str]
    mom: list[float]
    mom_basis: list[str]
    roll3: list[float]
    roll3_yoy: list[float]

    @classmethod
    def empty(cls, n: int) -> _Changes:
        """No change known for any of ``n`` periods."""
        return cls([math.nan] * n, [""] * n, [math.nan] * n, [""] * n, [math.nan] * n, [math.nan] * n)


def _changes(grp: pd.DataFrame, keys: list[str], obs: dict[str, float], freq: str) -> _Changes:
    """y/y and m/m changes (computed from observed values, else as reported) and rolling changes."""
    ch = _Changes.empty(len(keys))
    for pos, key in enumerate(keys):
        cur = obs.get(key)
        for months, target, basis_list, col in ((12, ch.yoy, ch.yoy_basis, "yoy_reported_pct"), (1, ch.mom, ch.mom_basis, "mom_reported_pct")):
            if months == 1 and freq != "M":
                continue
            ref_key = shift_period(key, freq, months)
            ref = obs.get(ref_key) if ref_key is not None else None
            reported = _as_float(grp[col].iat[pos])
            if cur is not None and ref is not None and ref > 0:
                target[pos] = (cur / ref - 1) * 100
                basis_list[pos] = "computed"
            elif not math.isnan(reported):
                target[pos] = reported
                basis_list[pos] = "reported"
        if freq == "M":
            o = month_ordinal(key)
            last3, prev3, year3 = _window(obs, o), _window(obs, o - 3), _window(obs, o - 12)
            if last3 is not None and prev3:
                ch.roll3[pos] = (last3 / prev3 - 1) * 100
            if last3 is not None and year3:
                ch.roll3_yoy[pos] = (last3 / year3 - 1) * 100
    return ch


def _frequency_stats(series: str, grp: pd.DataFrame, freq: str) -> pd.DataFrame:
    """The rows of :func:`series_stats` for the periods of one frequency."""
    keys = [str(p) for p in grp["period"]]
    vals = [float(v) for v in grp["value"]]
    derived = [bool(d) for d in grp["derived"]]
    obs = {k: v for k, v, d in zip(keys, vals, derived, strict=True) if not d and not math.isnan(v)}
    n = len(grp)
    ch = _changes(grp, keys, obs, freq)
    lowest = [_since(vals, keys, pos, drop_only=False) for pos in range(n)] if freq != "R" else [(None, False)] * n
    syoy = [_since(ch.yoy, keys, pos, drop_only=True) for pos in range(n)]
    smom = [_since(ch.mom, keys, pos, drop_only=True) for pos in range(n)]
    return pd.DataFrame(
        {
            "series": series,
            "period": keys,
            "freq": freq,
            "value": vals,
            "unit": grp["unit"].astype(object).to_numpy(),
            "derived": derived,
            "basis": grp["basis"].fillna("").astype(object).to_numpy(),
            "yoy_pct": ch.yoy,
            "yoy_basis": ch.yoy_basis,
            "mom_pct": ch.mom,
            "mom_basis": ch.mom_basis,
            "roll3_pct": ch.roll3,
            "roll3_yoy_pct": ch.roll3_yoy,
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
    freqs = sorted(sub["freq"].unique(), key=lambda f: FREQ_ORDER.get(str(f), 9))
    frames = [_frequency_stats(series, sort_frame(sub[sub["freq"] == freq]), str(freq)) for freq in freqs]
    out = pd.concat(frames, ignore_index=True)
    for col in ("lowest_since", "steepest_yoy_drop_since", "steepest_mom_drop_since"):
        out[col] = out[col].astype(object)
    return out[list(STATS_COLUMNS)]
