"""Drafts written as scenarios: valid, with provenance comments, TODOs instead of invented numbers, a sidecar and an observed CSV."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from news_helpers import draft

from supplyshock.cli import main
from supplyshock.news import NewsError
from supplyshock.news.output import write_draft
from supplyshock.news.scenario import scenario_from_draft
from supplyshock.observed import read_long
from supplyshock.safeyaml import parse_yaml
from supplyshock.scenario import validate_text

TEXT = (
    "China curbs gallium exports\n\n"
    "BEIJING, July 4 - China will require exporters of gallium and germanium to obtain licences starting Aug. 1, "
    "the Ministry of Commerce said on Monday.\n\n"
    "China's gallium exports fell 20% year-on-year in June, customs data showed."
)


def test_scenario_validates_and_names_its_sources() -> None:
    sd = scenario_from_draft(draft(TEXT, dt.date(2023, 7, 4)))
    scenario, problems = validate_text(sd.text)
    assert scenario is not None, problems
    assert sd.dataset == "gallium" or sd.dataset == "germanium"
    [ev] = scenario.events
    assert ev.kind == "licence" and str(ev.start) == "2023-08-01" and str(ev.announced) == "2023-07-03"
    assert "sentence 1" in ev.source
    assert '# sentence 1: "China will require exporters' in sd.text


def test_todo_fields_are_absent_or_commented_never_invented() -> None:
    sd = scenario_from_draft(draft(TEXT, dt.date(2023, 7, 4)))
    data = parse_yaml(sd.text).data
    [ev] = data["events"]
    assert "approval" not in ev and "delay_days" not in ev and "coverage" not in ev
    assert "# TODO approval" in sd.text and "# TODO delay_days" in sd.text


def test_whitelist_share_is_a_commented_todo() -> None:
    d = draft(
        "Reuters reported that China had granted temporary export licences to suppliers serving the top three US automakers, easing rare earth curbs."
    )
    sd = scenario_from_draft(d, "rare-earths")
    [ev] = parse_yaml(sd.text).data["events"]
    assert "whitelist" not in ev
    assert "#     share_of_demand: TODO" in sd.text and "# TODO whitelist USA" in sd.text


def test_quota_without_an_amount_is_pending() -> None:
    d = draft(
        "BEIJING, Dec. 27 - China will cut its rare-earth export quotas for 2012, the Commerce Ministry said on Tuesday.", dt.date(2011, 12, 27)
    )
    sd = scenario_from_draft(d, "rare-earths")
    assert parse_yaml(sd.text).data["events"] == []
    assert "#   tonnes_per_year: TODO" in sd.text
    assert [r.status for r in sd.rendered] == ["pending"]


def test_lift_ends_the_control_it_lifts() -> None:
    d = draft(
        "China had placed dozens of U.S. companies under sanctions that cut off their access to rare earths on April 4. "
        "That special restriction was suspended for 90 days as of Wednesday.",
        dt.date(2025, 5, 15),
    )
    sd = scenario_from_draft(d, "rare-earths")
    [ev] = parse_yaml(sd.text).data["events"]
    assert ev["destinations"] == ["USA"] and str(ev["end"]) == "2025-05-14"


def test_materials_outside_every_dataset_are_refused() -> None:
    d = draft("JAKARTA, Sept. 2 - Indonesia will stop exports of nickel ore from Jan. 1, a ministry official said on Monday.", dt.date(2019, 9, 2))
    with pytest.raises(NewsError, match="no policy event"):
        scenario_from_draft(d)


def test_written_files(tmp_path: Path) -> None:
    out = tmp_path / "ga.yaml"
    w = write_draft(draft(TEXT, dt.date(2023, 7, 4)), out)
    assert w.scenario == out and w.provenance == tmp_path / "ga.provenance.json" and w.observed == tmp_path / "ga.observed.csv"
    side = json.loads(w.provenance.read_text())
    [article] = side["articles"]
    ev = article["events"][0]
    assert ev["status"] == "written" and ev["fields"]["date"]["value"] == "2023-08-01" and ev["fields"]["date"]["sentence"] == 1
    assert any("approval" in t for t in side["todos"])
    assert article["observations"][0]["observed_csv"] is True
    frame = read_long(w.observed)
    assert frame["yoy_reported_pct"].tolist() == [-20.0] and frame["period"].tolist() == ["2023-06"]
    with pytest.raises(NewsError, match="already exist"):
        write_draft(draft(TEXT, dt.date(2023, 7, 4)), out)


def test_observed_add_accepts_the_csv(tmp_path: Path) -> None:
    w = write_draft(draft(TEXT, dt.date(2023, 7, 4)), tmp_path / "ga.yaml")
    assert w.observed is not None
    res = CliRunner().invoke(main, ["observed", "add", str(w.observed), "--store", str(tmp_path / "obs.duckdb")])
    assert res.exit_code == 0, res.output
