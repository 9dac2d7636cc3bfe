"""The summary of a run the dashboard draws: headline, who runs short when, price peaks, daily series.

Every number comes from the same functions as the report's
(:mod:`supplyshock.report.data`) and the command line's
(:func:`~supplyshock.analysis.summary.price_peaks`, with its own threshold of a rise
worth showing).
"""

from __future__ import annotations

import json
from typing import Any

import xarray as xr

from supplyshock.analysis.summary import price_peaks
from supplyshock.report.data import band_series, country_names, dates_iso, headline, price_series, ranked_shortfalls

__all__ = ["run_summary"]


def _series(ds: xr.Dataset) -> dict[str, Any]:
    """The dashboard's charts: shortfall and lost output by region, stocks and prices of the last-stage product."""
    final = str(ds["product"].values[-1])
    return {
        "shortfall_region": band_series(ds, "shortfall", "country"),
        "output_at_risk_region": band_series(ds, "output_at_risk", "country", cumulative=True),
        "stocks_final": band_series(ds, "inventory", "country", select={"product": final}),
        "prices": {k: v for k, v in price_series(ds).items() if k.endswith("/" + final)},
    }


def run_summary(ds: xr.Dataset, run_id: str, params: dict[str, Any], *, series: bool) -> dict[str, Any]:
    """The summary of a run (fields of :class:`~supplyshock.server.models.RunSummary`).

    Parameters
    ----------
    ds
        The run's results.
    run_id
        Its id.
    params
        The parameters recorded with it (the request's settings, the job id).
    series
        Include the daily series of the charts (and their dates).

    Returns
    -------
    dict
    """
    names = country_names(str(ds.attrs.get("dataset", "")))
    ranked = ranked_shortfalls(ds, names)
    peaks = price_peaks(ds).reset_index()
    return {
        "run_id": run_id,
        "scenario": str(ds.attrs.get("scenario_name", "")),
        "dataset": str(ds.attrs.get("dataset", "")),
        "members": int(ds.sizes["member"]),
        "created": str(ds.attrs.get("created", "")),
        "params": params,
        "headline": headline(ds, ranked),
        "ranked": ranked,
        "price_peaks": json.loads(peaks.to_json(orient="records")),
        "dates": dates_iso(ds) if series else [],
        "series": _series(ds) if series else {},
    }
