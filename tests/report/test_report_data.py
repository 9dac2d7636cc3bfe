"""The numbers behind the report: bands, Sankey flows, ranking, events, assumptions, headline flows."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from supplyshock.report import ReportError
from supplyshock.report.data import (
    assumptions,
    band_series,
    clean_number,
    headline_flow_tables,
    hurt_table,
    price_series,
    results_scenario,
    timeline_events,
)
from supplyshock.report.sankey import baseline_days, has_baseline_flows, sankey_flows


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
    series = band_series(april_ds, "output_at_risk", "sector", cumulative=True)
    for entry in series.values():
        assert np.all(np.diff(np.array(entry["median"], dtype=float)) >= -1e-6)


def test_price_series_has_every_market_and_product(april_ds: xr.Dataset) -> None:
    series = price_series(april_ds)
    assert len(series) == april_ds.sizes["market"] * april_ds.sizes["product"]
    assert series["china/ndfeb_magnet"]["median"][0] == pytest.approx(1.0, abs=0.05)


def test_hurt_table_is_one_row_per_country_worst_loss_first(april_ds: xr.Dataset) -> None:
    from supplyshock.analysis.economy import economic_impact
    from supplyshock.analysis.labels import labels_for
    from supplyshock.analysis.summary import country_table, summarise
    from supplyshock.report.style import Style

    eco = economic_impact(april_ds)
    labels = labels_for(april_ds)
    style = Style.for_countries(labels.country_order)
    table = hurt_table(april_ds, eco, labels, style)
    countries = country_table(april_ds, eco)
    assert [r["key"] for r in table["rows"]] == list(countries.index), "the country table's order: worst loss first"
    assert table["sort"] == "va"
    losses = [r["cells"]["va"]["p50"] for r in table["rows"]]
    assert losses == sorted(losses, reverse=True)
    for row in table["rows"]:
        va = row["cells"]["va"]
        assert va["p05"] <= va["p50"] <= va["p95"]
        assert row["cells"]["name"] == labels.country(row["key"]) and row["colour"] == style.colour(row["key"])
        assert va["p50"] == pytest.approx(float(countries.loc[row["key"], "value_added_lost_usd_p50"]) / 1e9, rel=1e-5)
    # every sector that runs short sits under its country, and only those
    short = summarise(april_ds)
    short = short[short["cumulative_shortfall_t"] > 0]
    nested = {(r["key"], s["key"]) for r in table["rows"] for s in r["sectors"]}
    assert nested == set(short.index)
    assert {c["key"] for c in table["columns"]} >= {"name", "first_stop", "days_short", "peak_pct", "va"}
    # tonnes of different materials never share a column
    tonne_columns = [c for c in table["columns"] if c.get("unit") == "t"]
    assert 1 <= len(tonne_columns) <= 2 and len({c["label"] for c in tonne_columns}) == len(tonne_columns)
    # without an economy the table is still one row per country, sorted by tonnes
    plain = hurt_table(april_ds, None, labels, style)
    assert "va" not in {c["key"] for c in plain["columns"]} and plain["sort"].startswith("shortfall_t")


def test_timeline_events_are_the_events_own_descriptions(april_ds: xr.Dataset) -> None:
    scenario = results_scenario(april_ds)
    assert scenario is not None and scenario.name == "cn-2025-april-controls"
    events = timeline_events(scenario)
    kinds = [e.kind for e in events]
    assert kinds == ["tariff", "tariff", "licence", "licence", "agreement", "agreement"]
    licence = events[2]
    assert licence.label == "cn-heavy-ree-licence"
    assert licence.start == "2025-04-04" and licence.end is None
    steps = scenario.events[2].approval
    assert isinstance(steps, list) and len(steps) >= 2
    assert licence.steps == [(s.date.isoformat(), s.share) for s in steps]
    assert "delay 63 days" in licence.details
    assert events[4].start == events[4].end == "2025-05-14"
    assert events == [ev.describe(i, scenario.start) for i, ev in enumerate(scenario.events)]


def test_timeline_of_missing_or_unreadable_scenarios() -> None:
    assert timeline_events(None) == []
    assert results_scenario(xr.Dataset()) is None
    with pytest.raises(ReportError, match="cannot read"):
        results_scenario(xr.Dataset(attrs={"scenario_json": "{not json: [unclosed"}))
    bad_event = '{"name": "x", "start": "2025-01-01", "events": ["not a mapping"]}'
    with pytest.raises(ReportError, match="events"):
        results_scenario(xr.Dataset(attrs={"scenario_json": bad_event}))
    # results saved before the attribute was renamed hold the same JSON as scenario_yaml
    legacy = results_scenario(xr.Dataset(attrs={"scenario_yaml": '{"name": "old", "start": "2025-01-01"}'}))
    assert legacy is not None and legacy.name == "old"


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
    shocked = sankey_flows(embargo_ds)["total_t"]
    baseline = sankey_flows(embargo_ds, baseline=True)["total_t"]
    assert shocked["use→sector"] < baseline["use→sector"]
    # in the baseline nobody runs short: every tonne of final use reaches a sector
    assert baseline["use→sector"] == pytest.approx(float(embargo_ds["baseline_final_use"].sum()) * baseline_days(embargo_ds), rel=1e-5)


def test_baseline_flows_are_those_of_the_scenario_without_events(embargo_ds: xr.Dataset) -> None:
    """The baseline diagram read from the Dataset equals the diagram of a run without events."""
    import supplyshock as ss

    scenario = results_scenario(embargo_ds)
    assert scenario is not None
    without = ss.run(scenario.model_copy(update={"events": []}), members=1)
    from_dataset = sankey_flows(embargo_ds, baseline=True)
    rerun = sankey_flows(without)
    assert from_dataset["labels"] == rerun["labels"]
    assert (from_dataset["source"], from_dataset["target"]) == (rerun["source"], rerun["target"])
    assert from_dataset["value"] == pytest.approx(rerun["value"], rel=1e-5)


def test_results_without_baseline_flows_have_no_baseline_diagram(embargo_ds: xr.Dataset) -> None:
    old = embargo_ds.drop_vars(["baseline_process_use", "baseline_final_use", "link_baseline_t"])
    assert has_baseline_flows(embargo_ds) and not has_baseline_flows(old)
    with pytest.raises(ReportError, match="baseline flows"):
        sankey_flows(old, baseline=True)
    assert sankey_flows(old)["total_t"] == sankey_flows(embargo_ds)["total_t"]


def test_headline_flow_tables_are_the_monthly_headline_flows(april_ds: xr.Dataset) -> None:
    from supplyshock.analysis.summary import headline_monthly

    (table,) = headline_flow_tables(april_ds)
    assert table["id"] == "china_magnet_exports" and table["label"] == "China's magnet exports"
    assert table["columns"] == ["total", "USA", "baseline", "change_pct"]
    monthly = headline_monthly(april_ds, "china_magnet_exports")
    assert [r["month"] for r in table["rows"]] == [str(m) for m in monthly.index] and len(table["rows"]) == 12
    assert [r["values"][0] for r in table["rows"]] == pytest.approx(list(monthly["total"]), rel=1e-5)
    assert min(r["values"][3] for r in table["rows"]) < -10, "the controls cut China's magnet exports"


def test_toy_network_report_data(toy_ds: xr.Dataset) -> None:
    """The report's numbers on the toy two-country network: its own markets, flows and headline."""
    assert set(price_series(toy_ds)) == {"inside/ore", "inside/metal", "outside/ore", "outside/metal"}
    from supplyshock.analysis.labels import labels_for
    from supplyshock.report.style import Style

    labels = labels_for(toy_ds)
    table = hurt_table(toy_ds, None, labels, Style.for_countries(labels.country_order))
    short = [(r["key"], s["key"]) for r in table["rows"] for s in r["sectors"]]
    assert short == [("BBB", "industry")]
    (table,) = headline_flow_tables(toy_ds)
    assert table["columns"] == ["total", "BBB", "baseline", "change_pct"]
    assert table["rows"][1]["values"][0] == 0.0, "no metal leaves AAA in February: the ban"
    base = sankey_flows(toy_ds, baseline=True)
    assert base["columns"] == ["ore", "metal", "use", "sector"]
    # AAA makes 30 t/yr of metal and exports 10 t/yr: over 120 days BBB gets 10 * 120 / 365 t by trade
    link = base["labels"].index("metal: AAA"), base["labels"].index("use: BBB")
    value = dict(zip(zip(base["source"], base["target"], strict=True), base["value"], strict=True))[link]
    assert value == pytest.approx(10 * 120 / 365, rel=1e-5)
    assert sankey_flows(toy_ds)["total_t"]["use→sector"] < base["total_t"]["use→sector"]
