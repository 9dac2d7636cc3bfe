"""``supplyshock draft`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from supplyshock.cli import main

ARTICLE = (
    "China to require licences for gallium exports\n\n"
    "BEIJING, July 4 - China will require exporters of gallium and germanium to obtain licences starting Aug. 1, "
    "the Ministry of Commerce said on Monday.\n\n"
    "China's gallium exports fell 20% year-on-year in June, customs data showed."
)


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "ga.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def test_draft_writes_scenario_sidecar_and_csv(article: Path, tmp_path: Path) -> None:
    out = tmp_path / "ga.yaml"
    res = CliRunner().invoke(main, ["draft", str(article), "--date", "2023-07-04", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "licence" in res.output and "wrote" in res.output and "TODO" in res.output
    assert out.exists() and (tmp_path / "ga.provenance.json").exists() and (tmp_path / "ga.observed.csv").exists()
    res = CliRunner().invoke(main, ["validate", str(out)])
    assert res.exit_code == 0 and "valid" in res.output


def test_default_output_name_and_json(article: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["draft", str(article), "--date", "2023-07-04", "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.output)
    assert payload[0]["draft"]["events"][0]["type"] == "licence" and (tmp_path / "ga.yaml").exists()


def test_into_reports_what_changed(article: Path, tmp_path: Path) -> None:
    out = tmp_path / "timeline.yaml"
    assert CliRunner().invoke(main, ["draft", str(article), "--date", "2023-07-04", "--out", str(out)]).exit_code == 0
    other = tmp_path / "gr.txt"
    other.write_text(
        "BEIJING, Oct. 20 - China will require export permits for graphite from Dec. 1, the Commerce Ministry said on Friday.", encoding="utf-8"
    )
    res = CliRunner().invoke(main, ["draft", str(other), "--date", "2023-10-20", "--into", str(out), "--dataset", "gallium"])
    assert res.exit_code == 0, res.output
    assert "not added" in res.output or "added" in res.output
    res = CliRunner().invoke(main, ["draft", str(article), "--date", "2023-07-04", "--into", str(out)])
    assert "duplicate of" in res.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("Der Minister hat heute angekündigt, dass die Ausfuhren künftig genehmigungspflichtig sind und bleiben.", "English"),
        ("Antimony prices in Europe climbed to record highs this week, traders said, as supply stayed tight.", "no policy event"),
    ],
)
def test_bad_input_one_line_exit_2_nothing_written(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(content, encoding="utf-8")
    res = CliRunner().invoke(main, ["draft", str(path), "--date", "2025-01-01", "--out", str(tmp_path / "x.yaml")])
    assert res.exit_code == 2 and "Error:" in res.output and message in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.txt"]


def test_missing_date_is_asked_for(article: Path) -> None:
    res = CliRunner().invoke(main, ["draft", str(article)])
    assert res.exit_code == 2 and "--date" in res.output


def test_llm_not_configured(article: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUPPLYSHOCK_LLM_BASE_URL", raising=False)
    res = CliRunner().invoke(main, ["draft", str(article), "--date", "2023-07-04", "--llm"])
    assert res.exit_code == 2 and "SUPPLYSHOCK_LLM_BASE_URL" in res.output
