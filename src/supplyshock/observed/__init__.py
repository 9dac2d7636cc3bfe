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
:func:`read_observed` refuses a value outside the plausibility bound of its series
(``data/observed/bounds.csv``, and the user's own bounds, :func:`read_bounds`).
:func:`series_stats` derives y/y, m/m, rolling three-month changes, "lowest since" and
"steepest drop since"; :func:`implied_values` derives values from reported changes.

Modules
-------
:mod:`~supplyshock.observed.periods`
    Period parsing, shifting and sorting.
:mod:`~supplyshock.observed.codes`
    Country names and codes, units: tables read from CSV files in ``data/observed/``.
:mod:`~supplyshock.observed.tidy`
    The tidy frame's columns, errors and checks.
:mod:`~supplyshock.observed.shipped`
    The shipped observed files and the map from their series to the model's codes.
:mod:`~supplyshock.observed.readers`
    The long format, UN Comtrade and CEPII BACI readers.
:mod:`~supplyshock.observed.store`
    :class:`ObservedStore`, on the DuckDB helper :mod:`supplyshock.store.duck`.
:mod:`~supplyshock.observed.stats`
    Implied values and statistics.
:mod:`~supplyshock.observed.plots`
    :func:`plot_series`.
"""

from supplyshock.observed.codes import normalise_country, normalise_unit
from supplyshock.observed.periods import parse_period
from supplyshock.observed.plots import plot_series
from supplyshock.observed.readers import FORMATS, detect_format, read_baci, read_comtrade, read_long, read_observed
from supplyshock.observed.shipped import SHIPPED, load_series_map, shipped_path, to_model_codes
from supplyshock.observed.stats import STATS_COLUMNS, implied_values, monthly, series_stats
from supplyshock.observed.store import OBSERVED_FILENAME, OBSERVED_SCHEMA_VERSION, AddSummary, ObservedStore, default_observed_path, load_observed
from supplyshock.observed.tidy import TIDY_COLUMNS, Bound, ObservedError, UnknownSeriesError, default_bounds, read_bounds

__all__ = [
    "FORMATS",
    "OBSERVED_FILENAME",
    "OBSERVED_SCHEMA_VERSION",
    "SHIPPED",
    "STATS_COLUMNS",
    "TIDY_COLUMNS",
    "AddSummary",
    "Bound",
    "ObservedError",
    "ObservedStore",
    "UnknownSeriesError",
    "default_bounds",
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
    "read_bounds",
    "read_comtrade",
    "read_long",
    "read_observed",
    "series_stats",
    "shipped_path",
    "to_model_codes",
]
