"""Results files: a run's full results as one netCDF file, and tidy exports of them.

* :func:`save_results` / :func:`open_results`: write (atomically, compressed) and read a
  results dataset;
* :func:`member_quantile_series`: member quantiles of daily series, in the layout of the
  run store's ``run_series`` table;
* :func:`export_results`: one tidy long-form file per variable (``<variable>.csv`` or
  ``<variable>.parquet``) and a ``manifest.json``, all renamed into place together once
  every one of them has been written (see :class:`supplyshock.atomic.StagedFiles`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from supplyshock.atomic import StagedFiles, atomic_write_bytes
from supplyshock.errors import StoreError
from supplyshock.store.records import SERIES_COLUMNS, json_default

__all__ = [
    "EXPORT_FORMATS",
    "ExportFormat",
    "export_results",
    "file_sha256",
    "member_quantile_series",
    "open_results",
    "save_results",
]

ExportFormat = Literal["csv", "parquet"]
#: Formats of :func:`export_results`.
EXPORT_FORMATS: tuple[str, ...] = ("csv", "parquet")


def save_results(ds: xr.Dataset, path: str | os.PathLike[str], *, complevel: int = 4) -> Path:
    """Write a results dataset to a netCDF file atomically.

    The dataset is encoded with the h5netcdf engine, numeric variables zlib-compressed, as
    a file image in memory (so that HDF5 never writes to a disk that may fill up: a failed
    HDF5 write can crash the process), then written with plain file writes to a temporary
    file in the target directory that is renamed over ``path``: readers see either the old
    file or the complete new one, never a half-written file, and a full disk is an error.

    Parameters
    ----------
    ds
        The results dataset.
    path
        Where to write it; missing parent directories are created.
    complevel
        zlib compression level, 1 (fast) to 9 (small).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    StoreError
        When the dataset cannot be written; ``path`` is then left as it was.
    """
    target = Path(path).expanduser()
    if not 1 <= complevel <= 9:
        raise StoreError(f"complevel must be between 1 and 9, got {complevel}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create directory {target.parent}: {exc}") from exc
    clean = ds.drop_encoding()
    encoding: dict[str, dict[str, Any]] = {
        str(name): {"zlib": True, "complevel": complevel} for name, var in clean.data_vars.items() if var.dtype.kind in "biuf"
    }
    try:
        image = clean.to_netcdf(engine="h5netcdf", encoding=encoding)  # the whole file, built in memory
    except Exception as exc:
        raise StoreError(f"cannot write results to {target}: {_short_reason(exc)}") from None
    try:
        atomic_write_bytes(target, bytes(image))
    except OSError as exc:
        raise StoreError(f"cannot write results to {target}: {exc.strerror or exc}; nothing was written (is the disk full?)") from None
    return target


def _short_reason(exc: BaseException) -> str:
    """The reason of a failed write in a few words (HDF5's messages run over lines)."""
    return " ".join(str(exc).split())[:300]


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The hex sha256 of a file, read in blocks (the checksum recorded with each run).

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    str
        64 hex digits.
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def open_results(path: str | os.PathLike[str]) -> xr.Dataset:
    """Read a results dataset written by :func:`save_results`.

    Parameters
    ----------
    path
        The netCDF file.

    Returns
    -------
    xarray.Dataset
        The dataset, loaded into memory (the file is closed again).

    Raises
    ------
    StoreError
        When the file is missing or is not a readable netCDF file.
    """
    source = Path(path).expanduser()
    if not source.is_file():
        raise StoreError(f"results file {source} does not exist")
    try:
        with xr.open_dataset(source, engine="h5netcdf") as ds:
            return ds.load()
    except Exception as exc:
        raise StoreError(f"cannot read results file {source}: {exc}") from exc


def _quantile_label(q: float) -> str:
    pct = q * 100
    return f"p{round(pct):02d}" if abs(pct - round(pct)) < 1e-9 else f"p{pct:g}"


def member_quantile_series(
    ds: xr.Dataset,
    variables: Sequence[str] = ("shortfall",),
    quantiles: Sequence[float] = (0.05, 0.5, 0.95),
) -> pd.DataFrame:
    """Compute member quantiles of daily series, in the layout of ``run_series``.

    Parameters
    ----------
    ds
        A results dataset.
    variables
        Variables on ``(scenario, member, time, country, <item>)`` to summarise, where
        ``<item>`` is ``product`` or ``sector``.
    quantiles
        Quantiles over members, each in [0, 1].

    Returns
    -------
    pandas.DataFrame
        Columns ``variable, time, country, item, statistic, value``; ``statistic`` is
        ``p05``, ``p50``, ``p95``... (the quantile in percent, two digits; ``p100`` for 1).

    Raises
    ------
    StoreError
        When a variable is missing or has another layout, or a quantile is out of range.
    """
    frames: list[pd.DataFrame] = []
    qs = [float(q) for q in quantiles]
    if not qs or any(not 0.0 <= q <= 1.0 for q in qs):
        raise StoreError(f"quantiles must be a non-empty list of numbers in [0, 1], got {qs}")
    labels = {q: _quantile_label(q) for q in qs}
    for name in variables:
        if name not in ds.data_vars:
            raise StoreError(f"results have no variable {name!r}")
        da = ds[name]
        dims = tuple(str(d) for d in da.dims)
        if len(dims) != 5 or dims[:4] != ("scenario", "member", "time", "country"):
            raise StoreError(
                f"variable {name!r} has dimensions {dims}; member_quantile_series needs (scenario, member, time, country, product|sector)"
            )
        item_dim = dims[4]
        q = da.quantile(qs, dim="member").isel(scenario=0, drop=True)
        frame = q.to_dataframe(name="value").reset_index()
        frame = frame.rename(columns={item_dim: "item"})
        frame["statistic"] = frame["quantile"].map(labels)
        frame["variable"] = name
        frames.append(frame[list(SERIES_COLUMNS)])
    if not frames:
        return pd.DataFrame(columns=list(SERIES_COLUMNS))
    return pd.concat(frames, ignore_index=True)


#: Rows of a long table made at once when writing it in blocks.
BLOCK_ROWS = 100_000


def long_blocks(da: xr.DataArray, name: str, rows: int = BLOCK_ROWS) -> Iterator[pd.DataFrame]:
    """A variable in long form (dims, non-index coords, then the values), block by block.

    Blocks follow the variable's leading dimensions in order (e.g. scenario, member, then
    days), so joined they are exactly ``da.to_dataframe()`` with its index reset; no block
    holds more than about ``rows`` rows, whatever the variable's size.

    Parameters
    ----------
    da
        The variable (it may be lazily loaded from a file: only each block is read).
    name
        The value column's name.
    rows
        About how many rows one block holds.

    Yields
    ------
    pandas.DataFrame
    """
    dims = [str(d) for d in da.dims]
    sizes = [int(da.sizes[d]) for d in dims]

    def long(part: xr.DataArray) -> pd.DataFrame:
        frame = part.to_dataframe(name=name).reset_index()
        coords = [str(c) for c in frame.columns if str(c) not in dims and str(c) != name]
        return frame[[*dims, *coords, name]]

    if not dims or int(np.prod(sizes, dtype=np.int64)) <= rows:
        yield long(da)
        return
    # the first dimension after which a slice of the remaining ones fits in ``rows``
    k = next(i for i in range(len(dims)) if int(np.prod(sizes[i + 1 :], dtype=np.int64)) <= rows)
    step = max(1, rows // max(int(np.prod(sizes[k + 1 :], dtype=np.int64)), 1))
    for outer in np.ndindex(*sizes[:k]):
        for first in range(0, sizes[k], step):
            where = {dims[j]: slice(outer[j], outer[j] + 1) for j in range(k)}
            where[dims[k]] = slice(first, first + step)
            yield long(da.isel(where))


def _write_blocks(da: xr.DataArray, name: str, path: Path, fmt: str) -> tuple[list[str], int]:
    """Write a variable's long table block by block (bounded memory); its columns and row count."""
    columns: list[str] = []
    count = 0
    if fmt == "csv":
        with open(path, "w", encoding="utf-8", newline="") as fh:
            for frame in long_blocks(da, name):
                frame.to_csv(fh, index=False, header=not count)
                columns, count = [str(c) for c in frame.columns], count + len(frame)
        return columns, count
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer: pq.ParquetWriter | None = None
    try:
        for frame in long_blocks(da, name):
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(str(path), table.schema)
            writer.write_table(table.cast(writer.schema))
            columns, count = [str(c) for c in frame.columns], count + len(frame)
    finally:
        if writer is not None:
            writer.close()
    return columns, count


def export_results(ds: xr.Dataset, names: Sequence[str], fmt: str, out: Path, *, run_id: str) -> list[Path]:
    """Write variables of a results dataset as tidy long-form files, all or none.

    Parameters
    ----------
    ds
        The results dataset.
    names
        The variables to write, each one of ``ds.data_vars``.
    fmt
        One of :data:`EXPORT_FORMATS`.
    out
        An existing directory; ``<variable>.<fmt>`` files and ``manifest.json`` in it
        are replaced.
    run_id
        The run's id, for the manifest.

    Returns
    -------
    list of pathlib.Path
        The files written, data files first and ``manifest.json`` last.

    Raises
    ------
    Exception
        Whatever writing raises; no file in ``out`` is then created or changed.
    """
    manifest: dict[str, Any] = {
        "run_id": run_id,
        "scenario_name": ds.attrs.get("scenario_name"),
        "dataset": ds.attrs.get("dataset"),
        "supplyshock_version": ds.attrs.get("supplyshock_version"),
        "format": fmt,
        "layout": "one long-form file per variable; value column named after it",
        "exported": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": {},
    }
    with StagedFiles() as staged:
        for name in names:
            shape: dict[str, Any] = {}

            def write(tmp: Path, name: str = name, shape: dict[str, Any] = shape) -> None:
                shape["columns"], shape["rows"] = _write_blocks(ds[name], name, tmp, fmt)

            target = staged.add(out / f"{name}.{fmt}", write)
            manifest["files"][name] = {
                "file": target.name,
                "units": str(ds[name].attrs.get("units", "")),
                "dims": [str(d) for d in ds[name].dims],
                "columns": shape["columns"],
                "rows": shape["rows"],
            }
        text = json.dumps(manifest, indent=2, default=json_default) + "\n"
        staged.add(out / "manifest.json", lambda tmp: tmp.write_text(text, encoding="utf-8"))
        return staged.commit()
