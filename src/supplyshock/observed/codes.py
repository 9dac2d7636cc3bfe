"""Code tables of the observed readers: country names and numeric codes, units.

The tables are data, not code: CSV files in the package's ``data/observed/`` folder
(shipped as package data), read once, when first needed.

``country_names.csv``
    ``name`` (lower case, as matched) -> ``iso3``: names and aliases such as
    ``united states``, ``korea, rep.``, ``world`` (``WLD``).
``country_numeric_codes.csv``
    ``code`` -> ``iso3`` with a ``note``: UN M49 codes and the variants that UN Comtrade
    and CEPII BACI use (842 USA, 251 France, 381 Italy, 699 India, 757 Switzerland, 579
    Norway, 711 South Africa); 0 is Comtrade's World.
``units.csv``
    ``unit`` (lower case, single spaces, as matched) -> ``stored_unit`` and ``factor``:
    multiply a value by ``factor`` to get it in the stored unit (``t``, ``USD`` or
    ``USD/kg``).
"""

from __future__ import annotations

import csv
import functools
import re

from supplyshock.observed.shipped import observed_data_file

__all__ = ["country_names", "normalise_country", "normalise_unit", "numeric_country_codes", "units"]

# the units named in the message for an unknown unit (the table has more spellings)
_UNITS_HINT = "t, tonnes, kg, kt, USD, USD thousand, USD million, USD billion, USD/kg, USD/t, index"


def _rows(name: str) -> list[dict[str, str]]:
    with open(observed_data_file(name), encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@functools.cache
def country_names() -> dict[str, str]:
    """Return the table of country names.

    Returns
    -------
    dict
        Lower-case name or alias -> ISO3 code (``"WLD"`` for the world).
    """
    return {row["name"]: row["iso3"] for row in _rows("country_names.csv")}


@functools.cache
def numeric_country_codes() -> dict[int, str]:
    """Return the table of numeric country codes (UN M49, UN Comtrade, CEPII BACI).

    Returns
    -------
    dict
        Numeric code -> ISO3 code (0 -> ``"WLD"``).
    """
    return {int(row["code"]): row["iso3"] for row in _rows("country_numeric_codes.csv")}


@functools.cache
def units() -> dict[str, tuple[str, float]]:
    """Return the table of units.

    Returns
    -------
    dict
        Unit as written (lower case, single spaces) -> (stored unit, factor).
    """
    return {row["unit"]: (row["stored_unit"], float(row["factor"])) for row in _rows("units.csv")}


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
    table = units()
    if key not in table:
        raise ValueError(f"unknown unit {text!r}; known units: {_UNITS_HINT}")
    return table[key]


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
    names = country_names()
    if key in names:
        return names[key]
    if re.fullmatch(r"[A-Z]{3}", raw):
        return raw
    if re.fullmatch(r"\d{1,3}", raw):
        return numeric_country_codes().get(int(raw), raw)
    return raw
