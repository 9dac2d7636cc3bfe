"""Periods of observed series: months, years and cumulative ranges of months.

A period is written ``YYYY-MM`` (a month, frequency ``M``), ``YYYY`` (a year, ``A``) or
``YYYY-MM..YYYY-MM`` (a cumulative range of months such as year to date, ``R``).
Months are counted as ordinals (``year * 12 + month - 1``) to shift and sort them.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = [
    "FREQ_ORDER",
    "month_ordinal",
    "ordinal_month",
    "parse_period",
    "period_sort_key",
    "shift_period",
    "sort_frame",
]

#: Order of the frequencies: months, then years, then ranges.
FREQ_ORDER: dict[str, int] = {"M": 0, "A": 1, "R": 2}

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


def month_ordinal(period: str) -> int:
    """Return the ordinal of a month ``YYYY-MM``: ``year * 12 + month - 1``.

    Parameters
    ----------
    period
        A normalised month (or the start of any text that begins with one).

    Returns
    -------
    int
        The month's ordinal.
    """
    return int(period[:4]) * 12 + int(period[5:7]) - 1


def ordinal_month(ordinal: int) -> str:
    """Return the month ``YYYY-MM`` of an ordinal (the inverse of :func:`month_ordinal`).

    Parameters
    ----------
    ordinal
        A month ordinal.

    Returns
    -------
    str
        The month.
    """
    return f"{ordinal // 12:04d}-{ordinal % 12 + 1:02d}"


def shift_period(period: str, freq: str, months: int) -> str | None:
    """Return the period ``months`` earlier (negative: later) of the same kind.

    Parameters
    ----------
    period
        A normalised period.
    freq
        Its frequency, ``"M"``, ``"A"`` or ``"R"``.
    months
        How many months to go back.

    Returns
    -------
    str or None
        The shifted period; None when the shift does not fit the kind (a year or a range
        shifted by other than whole years).
    """
    if freq == "M":
        return ordinal_month(month_ordinal(period) - months)
    if freq == "A":
        return str(int(period) - months // 12) if months % 12 == 0 else None
    if freq == "R" and months % 12 == 0:
        a, b = period.split("..")
        return f"{ordinal_month(month_ordinal(a) - months)}..{ordinal_month(month_ordinal(b) - months)}"
    return None


def period_sort_key(period: str, freq: str) -> tuple[int, int, int]:
    """Return the sort key of a period: frequency, then end month, then start month.

    Parameters
    ----------
    period
        A normalised period.
    freq
        Its frequency.

    Returns
    -------
    tuple of int
        The key.
    """
    if freq == "M":
        return (FREQ_ORDER["M"], month_ordinal(period), 0)
    if freq == "A":
        return (FREQ_ORDER["A"], int(period), 0)
    a, b = period.split("..")
    return (FREQ_ORDER.get(freq, 9), month_ordinal(b), month_ordinal(a))


def sort_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Sort observed rows by series, frequency (M, A, R), end month and start month.

    Parameters
    ----------
    frame
        Rows with ``series``, ``period`` and ``freq`` columns.

    Returns
    -------
    pandas.DataFrame
        The rows sorted (stably), with a fresh index.
    """
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
            "f": freq.map(lambda f: FREQ_ORDER.get(f, 9)).to_numpy(),
            "e": (year_end * 12 + month_end - 1).to_numpy(),
            "b": (year_start * 12 + month_start - 1).to_numpy(),
        }
    )
    order = keys.sort_values(["s", "f", "e", "b"], kind="stable").index.to_numpy()
    return frame.iloc[order].reset_index(drop=True)
