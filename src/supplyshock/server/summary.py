"""What the dashboard draws of a run, and the older summary of ``/api/runs/{id}/summary``.

:func:`run_overview` is the dashboard's view of a run (``/api/runs/{id}/overview``): its
name, the period simulated, three sentences written from the results, the headline loss
with its band, who is hurt (one row per country, sectors beneath), the charts (the
report's own figures: one colour per country, names, units, bands, empty states) and the
prices left out as model failures. :func:`run_summary` keeps the fields of the first
API version (headline counts, ranked country-sectors, price peaks, daily series).

Every number comes from :mod:`supplyshock.analysis` (one definition of each metric) and
the report's builders (:mod:`supplyshock.report`).
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import xarray as xr

from supplyshock.analysis.summary import price_peaks, summarise
from supplyshock.report.data import band_series, clean_number, dates_iso, price_series

__all__ = ["run_overview", "run_summary"]


def _series(ds: xr.Dataset) -> dict[str, Any]:
    """Daily series: shortfall and output at risk by country, stocks and prices of the last-stage product."""
    final = str(ds["product"].values[-1])
    return {
        "shortfall_region": band_series(ds, "shortfall", "country"),
        "output_at_risk_region": band_series(ds, "output_at_risk", "country", cumulative=True),
        "stocks_final": band_series(ds, "inventory", "country", select={"product": final}),
        "prices": {k: v for k, v in price_series(ds).items() if k.endswith("/" + final)},
    }


def _ranked(ds: xr.Dataset, names: dict[str, str]) -> list[dict[str, Any]]:
    """Every country-sector that runs short, largest output at risk first (the run summary's order)."""
    table = summarise(ds).reset_index()
    table = table[(table["cumulative_shortfall_t"] > 0) & table["days_to_first_shortfall"].notna()]
    rows: list[dict[str, Any]] = []
    for rank, rec in enumerate(table.to_dict("records"), start=1):
        code = str(rec["country"])
        rows.append(
            {
                "rank": rank,
                "country": code,
                "country_name": names.get(code, code),
                "sector": str(rec["sector"]),
                "first_shortfall_date": str(rec["first_shortfall_date"]),
                "days_to_first_shortfall": int(rec["days_to_first_shortfall"]),
                "peak_shortfall_pct": clean_number(rec["peak_shortfall_pct"]),
                "cumulative_shortfall_t": clean_number(rec["cumulative_shortfall_t"]),
                "output_at_risk_usd": clean_number(rec["output_at_risk_usd"]),
            }
        )
    return rows


def _headline(ds: xr.Dataset, ranked: list[dict[str, Any]]) -> dict[str, Any]:
    first = min(ranked, key=lambda r: r["days_to_first_shortfall"]) if ranked else None
    return {
        "region_sectors_short": len(ranked),
        "first_short": dict(first) if first else None,
        "peak_shortfall_pct": clean_number(max((r["peak_shortfall_pct"] or 0.0 for r in ranked), default=0.0)),
        "output_at_risk_usd": clean_number(sum(r["output_at_risk_usd"] or 0.0 for r in ranked)),
        "members": int(ds.sizes["member"]),
        "days": int(ds.sizes["time"]),
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
        Include the daily series (and their dates).

    Returns
    -------
    dict
    """
    from supplyshock.analysis.labels import labels_for

    names = labels_for(ds).countries
    ranked = _ranked(ds, names)
    peaks = price_peaks(ds).reset_index()
    return {
        "run_id": run_id,
        "scenario": str(ds.attrs.get("scenario_name", "")),
        "dataset": str(ds.attrs.get("dataset", "")),
        "members": int(ds.sizes["member"]),
        "created": str(ds.attrs.get("created", "")),
        "params": params,
        "headline": _headline(ds, ranked),
        "ranked": ranked,
        "price_peaks": json.loads(peaks.to_json(orient="records")),
        "dates": dates_iso(ds) if series else [],
        "series": _series(ds) if series else {},
    }


def run_overview(ds: xr.Dataset, eco: xr.Dataset | None, run_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """The dashboard's view of a run (fields of :class:`~supplyshock.server.models.RunOverview`).

    Parameters
    ----------
    ds
        The run's results (daily).
    eco
        Its economy (from its run folder), None when the run was not valued.
    run_id
        Its id.
    params
        The settings recorded with it.

    Returns
    -------
    dict
    """
    from supplyshock.analysis.compare import run_name
    from supplyshock.analysis.labels import labels_for, period_text
    from supplyshock.analysis.metrics import member_totals
    from supplyshock.analysis.narrative import loss_band, tonnes_text, written_summary
    from supplyshock.analysis.summary import country_table
    from supplyshock.report.data import hurt_table, results_scenario, timeline_events
    from supplyshock.report.figures import build_figures
    from supplyshock.report.sankey import has_baseline_flows
    from supplyshock.report.style import Style

    labels = labels_for(ds)
    style = Style.for_countries(labels.country_order or [str(c) for c in ds["country"].values])
    countries = country_table(ds, eco)
    sectors = summarise(ds)
    figures, failures = build_figures(
        ds,
        events=timeline_events(results_scenario(ds)),
        baseline=has_baseline_flows(ds),
        labels=labels,
        style=style,
        countries=countries,
        economy=eco,
    )
    times = pd.DatetimeIndex(ds["time"].values)
    short = sectors[sectors["cumulative_shortfall_t"] > 0]
    loss: dict[str, Any] | None = None
    if eco is not None:
        loss = {
            "value_added_lost_usd": loss_band(eco),
            "output_lost_usd": loss_band(eco, "output_lost_usd"),
            "price_year": int(eco.attrs.get("price_year", 0) or 0) or None,
            "currency": str(eco.attrs.get("currency", "USD")),
        }
    scenario = str(ds.attrs.get("scenario_name", ""))
    return {
        "run_id": run_id,
        "name": run_name(scenario, params),
        "scenario": scenario,
        "dataset": str(ds.attrs.get("dataset", "")),
        "members": int(ds.sizes["member"]),
        "created": str(ds.attrs.get("created", "")),
        "params": params,
        "period": {"start": times[0].date().isoformat(), "end": times[-1].date().isoformat(), "days": len(times), "text": period_text(ds)},
        "sentences": written_summary(ds, eco, countries=countries, sectors=sectors, labels=labels),
        "loss": loss,
        "countries_short": int((countries["sectors_short"] > 0).sum()),
        "countries": len(countries),
        "tonnes_short": tonnes_text(ds, short, labels) if len(short) else "none",
        "table": hurt_table(ds, eco, labels, style, countries=countries, sectors=sectors),
        "figures": figures,
        "model_failures": failures,
        "colours": style.colours(),
        "names": labels.countries,
        "output_at_risk_usd": clean_number(float(member_totals(ds)["total_output_at_risk_usd"].median())),
    }
