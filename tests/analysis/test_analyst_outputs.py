"""Names, the written summary, comparisons and tidy downloads: what the analyst-facing outputs are built from."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st

from supplyshock.analysis.compare import RunView, compare_countries, compare_totals, round_sig, scenario_changes, settings_label
from supplyshock.analysis.labels import labels_for, mrio_glossary, short_name
from supplyshock.analysis.narrative import in_sentence, loss_band, money, money_bn, possessive, written_summary
from supplyshock.analysis.tidy import tidy_results


@pytest.fixture(scope="module")
def april() -> tuple[xr.Dataset, xr.Dataset]:
    import supplyshock as ss
    from supplyshock.analysis.economy import economic_impact

    ds = ss.run("cn-2025-april-controls", members=3)
    return ds, economic_impact(ds)


def test_names_for_codes() -> None:
    assert short_name("Other automotive (EPS, pumps)") == "Other automotive"
    assert short_name("Terbium oxide, Tb4O7") == "Terbium oxide"
    assert short_name("LEDs, laser diodes, photodetectors") == "LEDs, laser diodes, photodetectors"
    labels = labels_for("rare-earths")
    assert labels.country("EUR") == "European Union excluding Germany"
    assert labels.market("outside_china") == "outside China"
    assert labels.region("RoW_agg") == "Rest of the world" and labels.mrio_sector("OMF") == "Other manufacturing"
    assert labels.country("XXX") == "XXX", "an unknown code stands for itself"
    from supplyshock.economy import load_default_mrio

    mrio = load_default_mrio()
    glossary = mrio_glossary()
    assert set(mrio.regions) == set(glossary.loc[glossary["kind"] == "region", "code"])
    assert set(mrio.sectors) == set(glossary.loc[glossary["kind"] == "sector", "code"])
    assert (glossary["source"] != "").all() and set(glossary["basis"]) == {"definition"}


def test_words_in_sentences() -> None:
    assert possessive("Japan") == "Japan's" and possessive("United States") == "United States'"
    assert in_sentence("Sintered NdFeB magnets") == "sintered NdFeB magnets"
    assert in_sentence("EV traction motors") == "EV traction motors" and in_sentence("GaAs wafers") == "GaAs wafers"
    assert money(8.517e10) == "USD 85.2 bn" and money(1.33e11) == "USD 133 bn" and money(4.1e6) == "USD 4.10 m"
    assert money_bn(float("nan")) == "-" and money_bn(6.81e8) == "0.681"
    # solver noise and amounts under a million dollars never print as a string of zeros
    assert money_bn(6.14e-3) == "0" and money_bn(4.2e5) == "<0.001" and money_bn(1.2e6) == "0.00120"


@given(st.floats(min_value=-1e15, max_value=1e15, allow_nan=False).filter(lambda x: abs(x) > 1e-12))
def test_round_sig_keeps_six_digits(x: float) -> None:
    r = round_sig(x)
    assert r == pytest.approx(x, rel=5e-6)
    assert float(f"{r:.6g}") == r


def test_written_summary_is_three_sentences_from_the_results(april: tuple[xr.Dataset, xr.Dataset]) -> None:
    from supplyshock.analysis.summary import country_table

    ds, eco = april
    sentences = written_summary(ds, eco)
    assert len(sentences) == 3 and all(s.endswith(".") for s in sentences)
    band = loss_band(eco)
    assert money(band["p50"]) in sentences[0] and money(band["p05"]) in sentences[0] and money(band["p95"]) in sentences[0]
    assert "China's export licensing" in sentences[0] and "4 April 2025" in sentences[0]
    worst = country_table(ds, eco).index[0]
    assert sentences[1].startswith(labels_for(ds).country(worst)), "the worst hit leads the second sentence"
    assert "first to stop" in sentences[1]
    plain = written_summary(ds, None)
    assert "not valued" in plain[0] and " t of " in plain[0]


def test_written_summary_of_a_run_where_nobody_runs_short() -> None:
    import supplyshock as ss

    ds = ss.run("baseline", members=1)
    first, second, third = written_summary(ds, None)
    assert "every country's demand met" in first and "Nobody runs short" in second and third == "Prices stay at their baseline."


def test_comparison_subtracts_the_reference(april: tuple[xr.Dataset, xr.Dataset]) -> None:
    import supplyshock as ss
    from supplyshock.analysis.economy import economic_impact
    from supplyshock.analysis.summary import country_table

    ds, eco = april
    scenario = ss.load_scenario("cn-2025-april-controls")
    later = scenario.model_copy(update={"events": scenario.events[:2]})  # tariffs only: no controls
    ds2 = ss.run(later, members=3)
    eco2 = economic_impact(ds2)
    views = [RunView("a", "april", ds, eco), RunView("b", "tariffs only", ds2, eco2)]
    totals = compare_totals(views, reference=0)
    assert list(totals.index) == ["april", "tariffs only"] and totals["reference"].tolist() == [True, False]
    assert totals.loc["april", "value_added_lost_usd_p50_diff"] == 0
    assert totals.loc["tariffs only", "value_added_lost_usd_p50_diff"] == pytest.approx(loss_band(eco2)["p50"] - loss_band(eco)["p50"], rel=1e-9)
    assert totals.loc["tariffs only", "value_added_lost_usd_p50"] < totals.loc["april", "value_added_lost_usd_p50"]
    countries = compare_countries(views, reference=0)
    ref = country_table(ds, eco)
    other = countries[countries["run"] == "tariffs only"].set_index("country")
    for code in ref.index:
        expected = float(other.loc[code, "value_added_lost_usd_p50"]) - float(ref.loc[code, "value_added_lost_usd_p50"])
        assert float(other.loc[code, "value_added_lost_usd_p50_diff"]) == pytest.approx(expected, rel=1e-9, abs=1e-3)
    changes = scenario_changes(scenario, later)
    assert changes and any("cn-heavy-ree-licence" in c or "more changes" in c for c in changes)
    assert scenario_changes(scenario, scenario) == []


def test_settings_label_names_what_changed() -> None:
    label = settings_label({"approval": 0.1, "delay_days": 120.0, "cover_days": 45, "cover_scale": 0.8, "members": 20})
    assert label == ["approval 10%", "delay 120 d", "stock cover 45 d"]
    assert settings_label({"cover_scale": 0.8}) == ["stock cover x0.8"]
    steps = {"cn-magnet-licence": [{"from": "2025-04-04", "share": 0.03}, {"from": "2025-05-01", "share": 0.25}]}
    assert settings_label({"approval_steps": steps}) == ["cn-magnet-licence approval 3% from 2025-04-04, 25% from 2025-05-01"]


def test_tidy_results_have_several_variables_with_units_and_no_float_noise(april: tuple[xr.Dataset, xr.Dataset]) -> None:
    ds, _ = april
    frame = tidy_results(ds, "sector")
    sub = ds.isel(scenario=0)
    held = int((sub["demand"].max(("member", "time")) > 0).sum())  # pairs with no demand and nothing else on any day are left out
    assert sub.sizes["time"] * held <= len(frame) <= sub.sizes["time"] * sub.sizes["country"] * sub.sizes["sector"]
    assert len(frame) % sub.sizes["time"] == 0
    assert {"date", "country", "country_name", "sector", "sector_name"} <= set(frame.columns)
    wanted = {"shortfall (t/day) p50", "shortfall (t/day) p05", "shortfall (t/day) p95", "demand (t/day) p50", "stopped share (%) p50"}
    assert wanted <= set(frame.columns)
    row = frame[(frame["country"] == "USA") & (frame["sector"] == "ev_traction")].iloc[200]
    t = pd.Timestamp(row["date"])
    expected = float(sub["shortfall"].sel(country="USA", sector="ev_traction", time=t).median("member"))
    assert row["shortfall (t/day) p50"] == pytest.approx(expected, rel=1e-5, abs=1e-9)
    values = frame["demand (t/day) p50"].to_numpy()
    assert all(float(f"{v:.6g}") == v for v in values), "rounded to six significant digits: no float noise in the CSV"
    prices = tidy_results(ds, "market", bands=False)
    assert list(prices.columns[-1:]) == ["price index (x baseline) p50"]
    with pytest.raises(ValueError, match="unknown level"):
        tidy_results(ds, "region")  # type: ignore[arg-type]
    assert np.isfinite(frame.select_dtypes("number").to_numpy()).all()
