"""Where supplyshock keeps what it has run: the run store and the results files.

Modules
-------
:mod:`~supplyshock.store.home`
    The supplyshock home directory (``$SUPPLYSHOCK_HOME``), where the stores live.
:mod:`~supplyshock.store.duck`
    The one DuckDB helper of the run store and the observed store: open with retry on a
    lock held by another process, schema migration by version, transactions, frame
    inserts.
:mod:`~supplyshock.store.runs`
    :class:`RunStore`, the DuckDB record of every run (tables, migrations, queries).
:mod:`~supplyshock.store.records`
    What a run record is made of, checked before anything is written.
:mod:`~supplyshock.store.results`
    Results as netCDF files (:func:`save_results`, :func:`open_results`), member
    quantile series and tidy CSV/parquet exports.

Examples
--------
>>> from supplyshock.store import RunStore, new_run_id, save_results
>>> store = RunStore()  # doctest: +SKIP
>>> store.record_run(ds, results_path=save_results(ds, store.results_dir / "run.nc"))  # doctest: +SKIP
"""

from supplyshock.store.duck import connect_with_retry
from supplyshock.store.home import HOME_ENV, default_home
from supplyshock.store.records import DEFAULT_STATISTIC, LOSS_METRICS, REQUIRED_ATTRS, SUMMARY_METRICS
from supplyshock.store.results import EXPORT_FORMATS, ExportFormat, member_quantile_series, open_results, save_results
from supplyshock.store.runs import SCHEMA_VERSION, STORE_FILENAME, RunStore, default_store_path, new_run_id

__all__ = [
    "DEFAULT_STATISTIC",
    "EXPORT_FORMATS",
    "HOME_ENV",
    "LOSS_METRICS",
    "REQUIRED_ATTRS",
    "SCHEMA_VERSION",
    "STORE_FILENAME",
    "SUMMARY_METRICS",
    "ExportFormat",
    "RunStore",
    "connect_with_retry",
    "default_home",
    "default_store_path",
    "member_quantile_series",
    "new_run_id",
    "open_results",
    "save_results",
]
