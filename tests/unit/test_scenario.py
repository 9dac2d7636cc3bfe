"""Scenario files: built-ins validate, YAML round trip, problems with correct lines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

import supplyshock as ss
from supplyshock.errors import ScenarioError
from supplyshock.scenario import Problem, Scenario, builtin_scenarios, validate_file, validate_text

BUILTINS = sorted(builtin_scenarios())

HEAD = "name: t\nstart: 2025-01-01\nhorizon_days: 60\nevents:\n"  # events start on line 5


def _problems(text: str) -> list[Problem]:
    scenario, problems = validate_text(text, "s.yaml")
    assert scenario is None, "expected the scenario to be rejected"
    assert problems, "a rejected scenario must come with problems"
    for p in problems:
        assert p.file == "s.yaml"
    return problems


def _only(text: str) -> Problem:
    problems = _problems(text)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


# ---------------------------------------------------------------------- built-ins
def test_builtins_present() -> None:
    assert {"baseline", "cn-2010-quota-cut", "cn-2025-april-controls", "cn-magnet-embargo-12m"} <= set(BUILTINS)


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_validates(name: str) -> None:
    scenario, problems = validate_file(name)
    assert problems == []
    assert isinstance(scenario, Scenario)
    assert scenario.name == name
    assert ss.load_scenario(name) == scenario
    # and by path
    assert ss.load_scenario(builtin_scenarios()[name]) == scenario


@pytest.mark.parametrize("name", BUILTINS)
def test_yaml_round_trip(name: str, tmp_path: Path) -> None:
    sc = ss.load_scenario(name)
    text = yaml.safe_dump(sc.model_dump(mode="json", by_alias=True, exclude_none=True), sort_keys=False)
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    again = ss.load_scenario(path)
    assert again == sc
    assert again.model_dump() == sc.model_dump()


def test_model_validate_defaults() -> None:
    sc = Scenario.model_validate({"name": "x", "start": "2025-01-01", "horizon_days": 30})
    assert sc.end == dt.date(2025, 1, 31)
    assert sc.events == [] and sc.members == 1 and sc.dataset == "rare-earths"


def test_no_such_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such file"):
        ss.load_scenario(tmp_path / "nope.yaml")


# ---------------------------------------------------------------------- line numbers
def test_unknown_key_line() -> None:
    text = HEAD + (
        "  - type: export_ban\n"  # 5
        "    exporter: CHN\n"  # 6
        "    products: [ndfeb_magnet]\n"  # 7
        "    start: 2025-01-10\n"  # 8
        "    colour: red\n"  # 9
    )
    p = _only(text)
    assert p.line == 9
    assert p.path == "events[0].colour"
    assert "unknown key" in p.message
    assert "s.yaml:9" in str(p)


def test_unknown_top_level_key_line() -> None:
    p = _only("name: t\nstart: 2025-01-01\nhorizon: 60\n")
    assert (p.line, p.path) == (3, "horizon")


def test_share_above_one_line() -> None:
    text = HEAD + (
        "  - type: licence\n    exporter: CHN\n    products: [ndfeb_magnet]\n    start: 2025-01-10\n    approval: 1.5\n"  # 9
    )
    problems = _problems(text)
    assert all(p.line == 9 for p in problems)
    assert any("less than or equal to 1" in p.message for p in problems)
    assert all(p.path.startswith("events[0].approval") for p in problems)


def test_share_above_one_is_one_problem() -> None:
    text = HEAD + ("  - type: licence\n    exporter: CHN\n    products: [ndfeb_magnet]\n    start: 2025-01-10\n    approval: 1.5\n")
    p = _only(text)
    assert p.path == "events[0].approval"


def test_coverage_above_one_line() -> None:
    text = HEAD + (
        "  - type: export_ban\n"
        "    exporter: CHN\n"
        "    products: [ndfeb_magnet]\n"
        "    coverage: 1.2\n"  # 8
        "    start: 2025-01-10\n"
    )
    p = _only(text)
    assert (p.line, p.path) == (8, "events[0].coverage")
    assert "shares lie between 0 and 1" in p.hint


def test_negative_delay_line() -> None:
    text = HEAD + (
        "  - type: licence\n"
        "    exporter: CHN\n"
        "    products: [ndfeb_magnet]\n"
        "    delay_days: -5\n"  # 8
        "    start: 2025-01-10\n"
    )
    p = _only(text)
    assert (p.line, p.path) == (8, "events[0].delay_days")
    assert "greater than or equal to 0" in p.message


def test_unknown_country_line() -> None:
    text = HEAD + (
        "  - type: export_ban\n"
        "    exporter: CHN\n"
        "    products: [ndfeb_magnet]\n"
        "    destinations:\n"  # 8
        "      - USA\n"  # 9
        "      - ATL\n"  # 10
        "    start: 2025-01-10\n"
    )
    p = _only(text)
    assert p.line == 10
    assert p.path == "events[0].destinations[1]"
    assert "unknown country 'ATL'" in p.message
    assert "USA" in p.hint


def test_unknown_exporter_line() -> None:
    text = HEAD + "  - type: export_ban\n    exporter: XXX\n    products: [ndfeb_magnet]\n    start: 2025-01-10\n"
    p = _only(text)
    assert (p.line, p.path) == (6, "events[0].exporter")


def test_unknown_product_line() -> None:
    text = HEAD + (
        "  - type: quota\n"
        "    exporter: CHN\n"
        "    products:\n"  # 7
        "      - ndfeb_magnet\n"  # 8
        "      - unobtainium\n"  # 9
        "    start: 2025-01-10\n"
        "    share_of_baseline: 0.5\n"
    )
    p = _only(text)
    assert (p.line, p.path) == (9, "events[0].products[1]")
    assert "unknown product 'unobtainium'" in p.message


def test_start_outside_horizon_line() -> None:
    text = HEAD + (
        "  - type: export_ban\n    exporter: CHN\n    products: [ndfeb_magnet]\n    start: 2025-06-10\n"  # 8
    )
    p = _only(text)
    assert (p.line, p.path) == (8, "events[0].start")
    assert "outside the horizon" in p.message


def test_start_before_horizon_line() -> None:
    text = HEAD + "  - type: stockpile_release\n    country: JPN\n    product: ndpr_oxide\n    start: 2024-12-31\n    days: 5\n"
    p = _only(text)
    assert (p.line, p.path) == (8, "events[0].start")


def test_agreement_unknown_control_line() -> None:
    text = HEAD + (
        "  - type: export_ban\n"  # 5
        "    id: ban1\n"
        "    exporter: CHN\n"
        "    products: [ndfeb_magnet]\n"
        "    start: 2025-01-10\n"
        "  - type: agreement\n"  # 10
        "    date: 2025-02-01\n"
        "    parties: [USA, CHN]\n"
        "    changes:\n"  # 13
        "      - event: ban2\n"  # 14
        "        lift: true\n"
    )
    p = _only(text)
    assert (p.line, p.path) == (14, "events[1].changes[0].event")
    assert "ban2" in p.message
    # naming the existing control is fine
    sc, problems = validate_text(text.replace("event: ban2", "event: ban1"), "s.yaml")
    assert problems == [] and sc is not None


def test_malformed_yaml_tab() -> None:
    text = "name: t\nstart: 2025-01-01\nevents:\n\t- type: export_ban\n"
    p = _only(text)
    assert p.line == 4
    assert "not valid YAML" in p.message


def test_malformed_yaml_indent() -> None:
    text = "name: t\nstart: 2025-01-01\n  horizon_days: 60\nevents: []\n"
    p = _only(text)
    assert p.line == 3
    assert "not valid YAML" in p.message


def test_not_a_mapping() -> None:
    p = _only("- just\n- a list\n")
    assert "mapping" in p.message


def test_duplicate_event_ids_rejected() -> None:
    text = HEAD + (
        "  - type: export_ban\n"
        "    id: a\n"
        "    exporter: CHN\n"
        "    products: [ndfeb_magnet]\n"
        "    start: 2025-01-10\n"
        "  - type: export_ban\n"  # 10
        "    id: a\n"  # 11
        "    exporter: CHN\n"
        "    products: [dy_oxide]\n"
        "    start: 2025-01-10\n"
    )
    p = _only(text)
    assert "used twice" in p.message and "a" in p.message


def test_duplicate_event_ids_line() -> None:
    text = HEAD + (
        "  - type: export_ban\n"
        "    id: a\n"
        "    exporter: CHN\n"
        "    products: [ndfeb_magnet]\n"
        "    start: 2025-01-10\n"
        "  - type: export_ban\n"  # 10
        "    id: a\n"  # 11
        "    exporter: CHN\n"
        "    products: [dy_oxide]\n"
        "    start: 2025-01-10\n"
    )
    p = _only(text)
    assert p.line in (10, 11)


def test_end_before_start() -> None:
    text = HEAD + (
        "  - type: export_ban\n"  # 5
        "    exporter: CHN\n"
        "    products: [ndfeb_magnet]\n"
        "    start: 2025-01-10\n"
        "    end: 2025-01-05\n"
    )
    p = _only(text)
    assert "after start" in p.message
    assert p.line == 5


def test_unknown_event_type() -> None:
    p = _only(HEAD + "  - type: embargo\n    exporter: CHN\n")
    assert p.line == 5
    assert "export_ban" in p.hint


UNKNOWN_PARAM = "name: t\nstart: 2025-01-01\nhorizon_days: 60\nparameters:\n  warp_speed: 9\n"


def test_unknown_parameter() -> None:
    problems = _problems(UNKNOWN_PARAM)
    assert any((p.line, p.path) == (5, "parameters.warp_speed") for p in problems), [str(p) for p in problems]


def test_unknown_parameter_reported_once() -> None:
    p = _only(UNKNOWN_PARAM)
    assert (p.line, p.path) == (5, "parameters.warp_speed")


# ---------------------------------------------------------------------- all at once
def test_three_parse_problems_reported_at_once() -> None:
    text = HEAD + (
        "  - type: licence\n"
        "    exporter: CHN\n"
        "    products: [ndfeb_magnet]\n"
        "    start: 2025-01-10\n"
        "    coverage: 1.5\n"  # 9
        "    delay_days: -1\n"  # 10
        "    colour: red\n"  # 11
    )
    problems = _problems(text)
    assert len(problems) == 3, [str(p) for p in problems]
    assert sorted(p.line for p in problems) == [9, 10, 11]


def test_three_reference_problems_reported_at_once() -> None:
    text = HEAD + (
        "  - type: export_ban\n"
        "    exporter: XXX\n"  # 6
        "    products: [unobtainium]\n"  # 7
        "    start: 2026-01-10\n"  # 8
    )
    problems = _problems(text)
    assert len(problems) == 3, [str(p) for p in problems]
    assert sorted(p.line for p in problems) == [6, 7, 8]


def test_load_scenario_lists_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(HEAD + "  - type: export_ban\n    exporter: XXX\n    products: [unobtainium]\n    start: 2026-01-10\n")
    with pytest.raises(ScenarioError) as exc:
        ss.load_scenario(path)
    msg = str(exc.value)
    assert "3 problems" in msg
    for line in (6, 7, 8):
        assert f"{path}:{line}:" in msg


def test_negative_capacity_override_rejected() -> None:
    text = (
        "name: t\nstart: 2025-01-01\nhorizon_days: 60\n"
        "overrides:\n"  # 4
        "  - table: facilities\n"
        "    match: {country: CHN, process: mining_bastnaesite}\n"
        "    set: {capacity_t: -1}\n"
    )
    p = _only(text)
    assert p.line == 4
    assert "capacity_t" in p.message and "negative" in p.message
