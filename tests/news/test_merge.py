"""``draft --into``: new events are added once, lifts end controls, the file keeps its comments."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from news_helpers import draft

from supplyshock.news import NewsError
from supplyshock.news.merge import merge_draft
from supplyshock.news.output import write_draft
from supplyshock.safeyaml import parse_yaml
from supplyshock.scenario import validate_text

FIRST = (
    "BEIJING, April 5 - China has placed seven medium and heavy rare earths including dysprosium and terbium under export control, "
    "the Commerce Ministry said on Friday. China had also placed dozens of U.S. companies under sanctions that cut off their access to rare earths."
)
SECOND = "BERLIN, May 15 - The sanctions cutting U.S. companies off from rare earths were suspended for 90 days as of Wednesday, the ministry said."
THIRD = "GENEVA, May 12 - The United States and China said on Monday they had agreed to lower tariffs, according to a joint statement."


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    out = tmp_path / "timeline.yaml"
    write_draft(draft(FIRST, dt.date(2025, 4, 5)), out, dataset="rare-earths")
    text = out.read_text()
    out.write_text("# my own note, kept\n" + text)
    return out


def test_merge_adds_new_events_and_keeps_comments(scenario_file: Path) -> None:
    before = parse_yaml(scenario_file.read_text()).data["events"]
    report, text = merge_draft(draft(THIRD, dt.date(2025, 5, 12)), scenario_file)
    after = parse_yaml(scenario_file.read_text()).data["events"]
    assert len(after) == len(before) + 1 and after[-1]["type"] == "agreement"
    assert report.added == ["chn-usa-agreement-1"] and not report.duplicates
    assert scenario_file.read_text().startswith("# my own note, kept\n")
    assert validate_text(text)[0] is not None


def test_merge_twice_adds_nothing(scenario_file: Path) -> None:
    merge_draft(draft(THIRD, dt.date(2025, 5, 12)), scenario_file)
    text = scenario_file.read_text()
    report, _ = merge_draft(draft(THIRD, dt.date(2025, 5, 12)), scenario_file)
    assert report.added == [] and report.duplicates == [("chn-usa-agreement-1", "chn-usa-agreement-1")]
    assert scenario_file.read_text() == text


def test_same_event_within_the_window_is_a_duplicate(scenario_file: Path) -> None:
    again = draft(FIRST.replace("on Friday", "on Saturday"), dt.date(2025, 4, 6))
    report, _ = merge_draft(again, scenario_file, window_days=14)
    assert report.added == [] and len(report.duplicates) >= 1
    report, _ = merge_draft(draft(FIRST, dt.date(2025, 9, 5)), scenario_file, window_days=14, out=scenario_file.with_name("other.yaml"))
    assert report.added


def test_lift_sets_the_end_of_the_control(scenario_file: Path) -> None:
    report, _ = merge_draft(draft(SECOND, dt.date(2025, 5, 15)), scenario_file)
    events = parse_yaml(scenario_file.read_text()).data["events"]
    ban = next(e for e in events if e["type"] == "export_ban")
    assert str(ban["end"]) == "2025-05-14" and any("end 2025-05-14" in c for c in report.changed)


def test_horizon_widens_for_earlier_events(scenario_file: Path) -> None:
    report, _ = merge_draft(
        draft("China will restrict exports of rare earths from Jan. 1, the ministry said on Monday.", dt.date(2024, 12, 2)), scenario_file
    )
    data = parse_yaml(scenario_file.read_text()).data
    assert str(data["start"]) == "2025-01-01" and any(c.startswith("start") for c in report.changed)


def test_sidecar_lists_every_article(scenario_file: Path) -> None:
    merge_draft(draft(THIRD, dt.date(2025, 5, 12)), scenario_file)
    side = json.loads(scenario_file.with_name("timeline.provenance.json").read_text())
    assert len(side["articles"]) == 2


def test_invalid_target_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nstart: 2025-01-01\nevents: [{type: nope}]\n")
    with pytest.raises(NewsError, match="not valid"):
        merge_draft(draft(THIRD, dt.date(2025, 5, 12)), bad)
    assert bad.read_text() == "name: x\nstart: 2025-01-01\nevents: [{type: nope}]\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_builtin_needs_out(tmp_path: Path) -> None:
    with pytest.raises(NewsError, match="--out"):
        merge_draft(draft(THIRD, dt.date(2025, 5, 12)), "baseline")
    report, _ = merge_draft(draft(THIRD, dt.date(2025, 5, 12)), "baseline", out=tmp_path / "b.yaml")
    assert report.added and (tmp_path / "b.yaml").exists()
