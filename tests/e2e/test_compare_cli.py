"""``supplyshock compare``: recorded runs side by side, named after what changed, with a report, a tidy CSV and a workbook."""

from __future__ import annotations

import json
import re
from typing import Any

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from supplyshock.cli import main
from supplyshock.scenario import builtin_scenarios


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The April controls and the same with every licence approving 10%, three members each, in one store."""
    root = tmp_path_factory.mktemp("compare")
    spec = yaml.safe_load(builtin_scenarios()["cn-2025-april-controls"].read_text(encoding="utf-8"))
    for ev in spec["events"]:
        if ev["type"] == "licence":
            ev["approval"] = 0.1
            ev.pop("groups", None)
    low = root / "low.yaml"
    low.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    store = root / "runs.duckdb"
    runner = CliRunner(env={"COLUMNS": "100"})
    ids = []
    for i, scenario in enumerate(("cn-2025-april-controls", str(low))):
        result = runner.invoke(main, ["run", scenario, "--members", "3", "--store", str(store), "--out", str(root / f"o{i}"), "--json"])
        assert result.exit_code == 0, result.output
        ids.append(json.loads(result.stdout)["run_id"])
    return {"root": root, "store": store, "ids": ids, "runner": runner}


def test_compare_prints_runs_named_after_what_changed_and_the_differences(two_runs: dict[str, Any]) -> None:
    root, ids, runner = two_runs["root"], two_runs["ids"], two_runs["runner"]
    out = root / "cmp.html"
    csv, xlsx = root / "cmp.csv", root / "cmp.xlsx"
    args = ["compare", ids[0][:15], ids[1], "--store", str(two_runs["store"]), "--out", str(out), "--csv", str(csv), "--xlsx", str(xlsx)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 100 and "…" not in text
    flat = " ".join(text.split())
    assert "Comparing 2 runs against cn-2025-april-controls (reference)" in flat
    assert re.search(r"\+\d", flat), "the difference against the reference is shown with its sign"
    html = out.read_text(encoding="utf-8")
    assert "Comparison of 2 runs" in html and 'id="fig-difference"' in html and 'id="country-table"' in html
    tidy = pd.read_csv(csv)
    assert {"run", "country", "metric", "unit", "value", "reference_value", "difference"} <= set(tidy.columns)
    ref = tidy[(tidy["reference"]) & (tidy["metric"] == "value_added_lost_usd_p50") & tidy["country"].isna()]
    other = tidy[(~tidy["reference"]) & (tidy["metric"] == "value_added_lost_usd_p50") & tidy["country"].isna()]
    assert len(ref) == len(other) == 1
    assert other["difference"].iloc[0] == pytest.approx(other["value"].iloc[0] - ref["value"].iloc[0], rel=1e-5)
    assert other["unit"].iloc[0] == "USD"
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert set(sheets) == {"runs", "countries", "tidy"} and len(sheets["runs"]) == 2


def test_compare_json_and_reference_choice(two_runs: dict[str, Any]) -> None:
    ids, runner = two_runs["ids"], two_runs["runner"]
    result = runner.invoke(main, ["compare", *ids, "--reference", ids[1], "--store", str(two_runs["store"]), "--no-report", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["reference"] == ids[1] and payload["report"] is None
    runs = {r["run_id"]: r for r in payload["runs"]}
    assert runs[ids[1]]["reference"] is True and runs[ids[1]]["value_added_lost_usd_p50_diff"] == 0
    assert runs[ids[0]]["value_added_lost_usd_p50_diff"] == pytest.approx(
        runs[ids[0]]["value_added_lost_usd_p50"] - runs[ids[1]]["value_added_lost_usd_p50"], rel=1e-6
    )
    assert payload["countries"] and all("country_name" in c for c in payload["countries"])
    # both runs share the scenario name: the other is named after what differs from the reference
    assert runs[ids[1]]["run"] == "cn-2025-april-controls"
    assert runs[ids[0]]["run"].startswith("cn-2025-april-controls, cn-heavy-ree-licence approval 25% from 2025-04-04")


def test_compare_refuses_fewer_than_two_runs_and_unknown_ids(two_runs: dict[str, Any]) -> None:
    runner, store = two_runs["runner"], str(two_runs["store"])
    one = runner.invoke(main, ["compare", two_runs["ids"][0], "--store", store])
    assert one.exit_code == 2 and "two runs or more" in one.output
    unknown = runner.invoke(main, ["compare", two_runs["ids"][0], "nosuchrun", "--store", store])
    assert unknown.exit_code == 2 and "Traceback" not in unknown.output
    twice = runner.invoke(main, ["compare", two_runs["ids"][0], two_runs["ids"][0], "--store", store])
    assert twice.exit_code == 2 and "twice" in twice.output
