"""Find the results a report is made from: a run id in the run store, or a netCDF file."""

from __future__ import annotations

import os
from pathlib import Path

import xarray as xr

from supplyshock.report.html import write_report
from supplyshock.store import RunStore, open_results

__all__ = ["load_results", "report_for_run"]


def load_results(run_or_path: str, *, store: RunStore | None = None) -> tuple[xr.Dataset, str | None]:
    """Load the results named by a run id (or unique prefix) or a results file path.

    Parameters
    ----------
    run_or_path
        An existing netCDF file written by :func:`supplyshock.store.save_results`, else
        a run id (or a unique prefix of one) recorded in the run store.
    store
        The run store to look run ids up in; defaults to :class:`RunStore` ``()``.

    Returns
    -------
    tuple
        The dataset and the full run id (None when a file was given).

    Raises
    ------
    supplyshock.errors.StoreError
        When the argument is neither a readable results file nor a known run id.
    """
    path = Path(run_or_path).expanduser()
    if path.is_file():
        return open_results(path), None
    runs = store if store is not None else RunStore()
    run_id = runs.resolve(run_or_path)
    return runs.load_results(run_id), run_id


def report_for_run(
    ds: xr.Dataset,
    out: str | os.PathLike[str],
    *,
    run_id: str | None = None,
    baseline: bool = True,
    economy: xr.Dataset | None = None,
) -> Path:
    """Write the HTML report of a finished run (the hook for ``supplyshock run --report``).

    Parameters
    ----------
    ds
        The run's results.
    out
        The HTML file to write, or an existing directory (``report.html`` inside it).
    run_id
        The run's id, shown in the report.
    baseline
        Draw the flows against the baseline (from the Dataset's baseline flows).
    economy
        The run's economy, when it was valued (computed again otherwise).

    Returns
    -------
    pathlib.Path
        The report file.
    """
    target = Path(out).expanduser()
    if target.is_dir():
        target = target / "report.html"
    return write_report(ds, target, run_id=run_id, baseline=baseline, economy=economy)
