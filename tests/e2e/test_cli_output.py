"""What ``supplyshock run`` prints: tables that fit 100 columns, one headline total, hints when rows are cut, complete JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from supplyshock.cli import main


@pytest.fixture(scope="module")
def april(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The April 2025 controls, five members, printed at 100 columns and as JSON (one run each)."""
    root = tmp_path_factory.mktemp("april")
    runner = CliRunner(env={"COLUMNS": "100"})
    args = ["run", "cn-2025-april-controls", "--members", "5", "--no-store", "--top", "4"]
    text = runner.invoke(main, [*args, "--out", str(root / "t")])
    assert text.exit_code == 0, text.output
    js = runner.invoke(main, [*args, "--out", str(root / "j"), "--json"])
    assert js.exit_code == 0, js.output
    return {"text": text.stdout, "json": json.loads(js.stdout)}


def test_every_line_fits_100_columns_and_nothing_is_cut(april: dict[str, Any]) -> None:
    lines = april["text"].splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 100
    assert "…" not in april["text"], "no cell or header is cut with an ellipsis"


def test_one_headline_total_first_then_three_sentences(april: dict[str, Any]) -> None:
    from supplyshock.analysis.narrative import money_bn

    text = april["text"]
    head = april["json"]["headline"]
    lines = text.splitlines()
    assert lines[0].startswith("cn-2025-april-controls: simulated 1 Jan 2025 to 31 Dec 2025 (365 days), 5 members")
    flat = " ".join(text.split())
    assert flat.count("Headline:") == 1
    assert f"Headline: value added lost USD {money_bn(head['p50'])} bn (p5-p95 {money_bn(head['p05'])} to {money_bn(head['p95'])} bn)" in flat
    assert flat.index("Headline:") < flat.index("In short:") < flat.index("Who is hurt, by country")
    assert flat.index("Who is hurt") < flat.index("output at risk"), "output at risk is a detail, at the end"
    sentences = april["json"]["summary_text"]
    assert len(sentences) == 3 and all(s.endswith(".") for s in sentences)
    assert " ".join(sentences) in flat


def test_country_table_sorted_by_loss_with_names_and_a_top_hint(april: dict[str, Any]) -> None:
    countries = april["json"]["countries"]
    losses = [c["value_added_lost_usd_p50"] for c in countries]
    assert losses == sorted(losses, reverse=True)
    flat = " ".join(april["text"].split())
    table = flat.split("Who is hurt, by country")[1].split("Who runs short, by sector")[0]
    shown = [c["country_name"] for c in countries[:4]]
    positions = [table.index(name.split()[0]) for name in shown]
    assert positions == sorted(positions), "worst loss first"
    assert f"{len(countries) - 4} more countries not shown: --top {len(countries)} shows all" in table
    assert re.search(r"\b(EUR|ROW|RoW_agg|EU_other)\b", table) is None, "names, not codes"


def test_json_is_complete_with_null_for_missing(april: dict[str, Any]) -> None:
    payload = april["json"]
    assert payload["period"] == {"start": "2025-01-01", "end": "2025-12-31", "days": 365}
    assert len(payload["countries"]) >= 8, "every country, not only the rows --top shows"
    assert len(payload["summary"]) > 4
    text = json.dumps(payload)
    assert '""' not in text.replace('"material": ""', ""), "missing values are null, never empty strings"
    china = next(c for c in payload["countries"] if c["country"] == "CHN")
    assert china["first_stoppage_date"] is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", china["first_stoppage_date"])
    head = payload["headlines"][0]
    assert head["columns"]["USA"] == "to United States"
    assert all("USA" in month for month in head["months"].values()), "the 'to USA' figures the table shows"
    assert payload["headline"]["metric"] == "value_added_lost_usd" and payload["losses"]["by_country"]
    assert {"market_name", "product_name", "ceiling"} <= set(payload["price_peaks"][0])
    assert {"region_name", "sector_name"} <= set(payload["losses"]["by_region_sector_usd"][0])


def test_a_narrow_terminal_wraps_rather_than_cuts(tmp_path: Path) -> None:
    result = CliRunner(env={"COLUMNS": "100"}).invoke(
        main, ["run", "cn-magnet-embargo-12m", "--members", "1", "--no-store", "--out", str(tmp_path / "o"), "--top", "30"]
    )
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
    assert max(len(line.rstrip()) for line in result.stdout.splitlines()) <= 100
    assert "Glossary (WIOD 2013 regions and sectors)" in result.stdout
