"""The numbers behind the report: bands, Sankey flows, ranking, events, assumptions."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from supplyshock.report.data import (
    assumptions,
    band_series,
    baseline_dataset,
    clean_number,
    headline,
    price_series,
    ranked_shortfalls,
    sankey_flows,
    scenario_dict,
    scenario_events,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 0.0), (1234567.89, 1234570.0), (0.000123456789, 0.000123457), (-2.5, -2.5), (float("nan"), None), (float("inf"), None)],
)
def test_clean_number_keeps_six_significant_digits(value: float, expected: float | None) -> None:
    got = clean_number(value)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected, rel=1e-12)


def test_band_series_orders_bands_and_sums_over_other_dims(april_ds: xr.Dataset) -> None:
    series = band_series(april_ds, "shortfall", "country")
    assert series, "the April controls make someone run short"
    for entry in series.values():
        lo, mid, hi = (np.array(entry[k], dtype=float) for k in ("p05", "median", "p95"))
        assert np.all(lo <= mid + 1e-9) and np.all(mid <= hi + 1e-9)
    # the median of one member's regional sum is that sum itself
    one = april_ds.isel(member=[0])
    single = band_series(one, "shortfall", "country")
    key = next(iter(single))
    expected = one["shortfall"].isel(scenario=0, member=0).sel(country=key).sum("sector").values
    np.testing.assert_allclose(np.array(single[key]["median"], dtype=float), expected, rtol=1e-5)
    assert "p05" not in single[key]
    totals = [np.nansum(np.abs(np.array(v["median"], dtype=float))) for v in single.values()]
    assert totals == sorted(totals, reverse=True)


def test_cumulative_band_is_non_decreasing(april_ds: xr.Dataset) -> None:
    series = band_series(april_ds, "lost_output", "sector", cumulative=True)
    for entry in series.values():
        assert np.all(np.diff(np.array(entry["median"], dtype=float)) >= -1e-6)


def test_price_series_has_every_market_and_product(april_ds: xr.Dataset) -> None:
    series = price_series(april_ds)
    assert len(series) == april_ds.sizes["market"] * april_ds.sizes["product"]
    assert series["china/ndfeb_magnet"]["median"][0] == pytest.approx(1.0, abs=0.05)


def test_ranked_shortfalls_match_summarise_and_are_earliest_first(april_ds: xr.Dataset) -> None:
    import supplyshock as ss

    rows = ranked_shortfalls(april_ds, {"JPN": "Japan"})
    table = ss.summarise(april_ds)
    short = table[table["cumulative_shortfall_t"] > 0]
    assert len(rows) == len(short)
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    days = [r["days_to_first_shortfall"] for r in rows]
    assert days == sorted(days)
    first = rows[0]
    assert first["lost_output_usd"] == pytest.approx(float(table.loc[(first["country"], first["sector"]), "lost_output_usd"]), rel=1e-5)
    assert any(r["country_name"] == "Japan" for r in rows if r["country"] == "JPN")
    head = headline(april_ds, rows)
    assert head["region_sectors_short"] == len(rows)
    assert head["members"] == 3
    assert head["lost_output_usd"] == pytest.approx(float(short["lost_output_usd"].sum()), rel=1e-4)


def test_scenario_events_read_the_timeline(april_ds: xr.Dataset) -> None:
    events = scenario_events(scenario_dict(april_ds))
    kinds = [e.kind for e in events]
    assert kinds == ["tariff", "tariff", "licence", "licence", "agreement", "agreement"]
    licence = events[2]
    assert licence.label == "cn-heavy-ree-licence"
    assert licence.start == "2025-04-04" and licence.end is None
    assert [share for _, share in licence.steps] == [0.028, 0.25, 0.6]
    assert "delay 63 days" in licence.details
    assert events[4].start == events[4].end == "2025-05-14"


def test_scenario_events_of_empty_or_broken_scenarios() -> None:
    assert scenario_events({}) == []
    assert scenario_events({"events": ["not a mapping"]}) == []
    ds = xr.Dataset(attrs={"scenario_yaml": "{not json: [unclosed"})
    assert scenario_dict(ds) == {}


def test_assumptions_list_dataset_and_scenario_assumptions(april_ds: xr.Dataset) -> None:
    rows = assumptions(april_ds)
    assert rows and all(r["basis"] == "assumption" for r in rows)
    tables = {r["table"] for r in rows}
    assert "scenario" in tables  # the magnet licence's coverage is stated as an ASSUMPTION
    assert any(r["key"] == "cn-magnet-licence" and "coverage 0.9" in r["source"] for r in rows)
    import supplyshock as ss

    n_dataset = int((ss.load_network("rare-earths").sources()["basis"] == "assumption").sum())
    assert sum(r["table"] != "scenario" for r in rows) == n_dataset


def test_sankey_flows_conserve_what_reaches_sectors(embargo_ds: xr.Dataset) -> None:
    flows = sankey_flows(embargo_ds)
    n = len(flows["labels"])
    assert len(flows["x"]) == len(flows["y"]) == len(flows["stages"]) == n
    assert all(0 < v < 1 for v in flows["x"] + flows["y"])
    assert max(flows["source"] + flows["target"]) < n
    assert all(v is not None and v > 0 for v in flows["value"])
    into_sectors = sum(v for s, t, v in zip(flows["source"], flows["target"], flows["value"], strict=True) if flows["stages"][t] == "sector")
    delivered = float(embargo_ds["delivered"].isel(scenario=0).median("member").sum())
    assert into_sectors == pytest.approx(delivered, rel=1e-4)
    stages = list(dict.fromkeys(flows["stages"]))
    assert stages[0] == "mining" and stages[-1] == "sector"


def test_embargo_cuts_flows_to_sectors_against_the_baseline(embargo_ds: xr.Dataset) -> None:
    base = baseline_dataset(embargo_ds)
    assert base is not None
    assert base.sizes["member"] == 1 and base.sizes["time"] == embargo_ds.sizes["time"]
    assert base.attrs["scenario_name"] == embargo_ds.attrs["scenario_name"]
    shocked = sankey_flows(embargo_ds)["total_t"]
    baseline = sankey_flows(base)["total_t"]
    assert shocked["use→sector"] < baseline["use→sector"]
    assert float(base["shortfall"].sum()) == pytest.approx(0.0, abs=1e-6)


def test_baseline_dataset_needs_a_readable_embedded_scenario() -> None:
    assert baseline_dataset(xr.Dataset(attrs={})) is None
    assert baseline_dataset(xr.Dataset(attrs={"scenario_yaml": '{"name": "x", "start": "2025-01-01", "dataset": "/elsewhere"}'})) is None
