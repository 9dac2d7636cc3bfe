"""Observed files shipped with supplyshock, and the map from their series to the model's codes.

The files live in the package's ``data/observed/`` folder (see its README):
``china_exports_monthly_2025.csv``, addressable by the name ``"china-exports-2025"``,
and ``series_map.csv``.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import pandas as pd

from supplyshock.observed.tidy import ObservedError

__all__ = ["SHIPPED", "load_series_map", "observed_data_file", "resolve_input", "shipped_path", "to_model_codes"]

#: Shipped observed files, addressable by name in :func:`~supplyshock.observed.load_observed`.
SHIPPED: dict[str, str] = {"china-exports-2025": "china_exports_monthly_2025.csv", "cn-2025-calibration": "cn_2025_calibration.csv"}
_SERIES_MAP = "series_map.csv"


def observed_data_file(*parts: str) -> Path:
    """Return the path of a file in the package's ``data/observed`` folder.

    Parameters
    ----------
    *parts
        The path inside that folder, e.g. ``"units.csv"``.

    Returns
    -------
    pathlib.Path
        The file inside the installed package.
    """
    return Path(str(resources.files("supplyshock").joinpath("data", "observed", *parts)))


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
    files = {**SHIPPED, "series_map": _SERIES_MAP}
    if name not in files:
        raise ObservedError(f"no shipped observed file named {name!r}; shipped: {', '.join(sorted(SHIPPED))}")
    return observed_data_file(files[name])


def resolve_input(path_or_name: str | os.PathLike[str]) -> Path:
    """Return the file that a path or a shipped name stands for.

    Parameters
    ----------
    path_or_name
        A key of :data:`SHIPPED` or a path.

    Returns
    -------
    pathlib.Path
        The shipped file, or the path with ``~`` expanded.

    Raises
    ------
    ObservedError
        When the path does not exist.
    """
    text = os.fspath(path_or_name)
    if isinstance(path_or_name, str) and text in SHIPPED:
        return shipped_path(text)
    p = Path(text).expanduser()
    if not p.exists():
        raise ObservedError(f"observed file {p} does not exist (shipped names: {', '.join(sorted(SHIPPED))})")
    return p


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


def to_model_codes(df: pd.DataFrame) -> pd.DataFrame:
    """Give observations the model's codes: exporter, importer (``all`` for the world) and product.

    Series listed in the shipped series map (:func:`load_series_map`) with a product take
    its codes; other rows keep their exporter and importer codes and their product text.
    ``WLD`` becomes ``all`` either way.

    Parameters
    ----------
    df
        The tidy frame.

    Returns
    -------
    pandas.DataFrame
        A copy with ``exporter``, ``importer`` and ``product`` replaced.
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
