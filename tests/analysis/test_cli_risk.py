"""The ``risk`` command group (registered on the main CLI by the lead; tested on its own here)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from supplyshock.cli.risk import WIDTH, risk
from supplyshock.network import list_datasets


def _widest(text: str) -> int:
    return max(len(line.rstrip()) for line in text.splitlines())


def _rows(text: str, first: str) -> list[list[str]]:
    """The body cells of the first table whose header row starts with ``first``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("┃") and line.strip("┃ ").startswith(first))
    body = []
    for line in lines[start + 2 :]:
        if not line.startswith("│"):
            break
        cells = [c.strip() for c in line.strip("│").split("│")]
        if cells[0]:  # a row whose first cell is empty continues the one above (wrapped text)
            body.append(cells)
    return body


def test_indicators_json_ranks_every_dataset(tmp_path: Path) -> None:
    out = tmp_path / "risk.csv"
    res = CliRunner().invoke(risk, ["indicators", "--json", "--out", str(out), "--no-store"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.output)
    assert payload["datasets"] == list_datasets()
    rows = payload["eu_supply_risk"]
    assert {r["dataset"] for r in rows} == set(list_datasets())
    sr = [r["sr"] for r in rows]
    known = [x for x in sr if x is not None]
    assert sr[: len(known)] == sorted(known, reverse=True) and all(x is None for x in sr[len(known) :])
    top = rows[0]
    # a heavy rare earth separated only in China leads (EU 2023 published 5.6 for Dy, Er, Eu, Ho, Lu, Tm, Yb)
    assert top["dataset"] == "rare-earths" and top["product"].endswith("_oxide") and round(top["sr"], 1) >= 5.6
    dy = next(r for r in rows if (r["product"], r["material"]) == ("dy_oxide", "Dysprosium"))
    assert round(dy["sr"], 1) == 5.6 == dy["sr_published"]
    # null, never an empty string or a zero, where a figure is missing; the reason is named
    assert all(r["missing"] for r in rows if r["sr"] is None)
    assert all(v != "" for r in rows for v in r.values())
    assert set(payload["eu_bloc"].values()) == {"DEU+EUR"}
    assert {r["dataset"] for r in payload["import_reliance"]} <= set(list_datasets())
    assert "DP (disruption potential)" in payload["usgs_2021"]["error"]
    assert set(payload["legend"]) >= {"hhi", "ir_eu", "sr", "sr_published"}
    tidy = pd.read_csv(out)
    assert {"dataset", "indicator", "value", "note"} <= set(tidy.columns) and set(tidy["dataset"]) == set(list_datasets())


def test_indicators_table_fits_100_columns_and_json_has_what_it_shows() -> None:
    res = CliRunner().invoke(risk, ["indicators", "--sort", "hhi", "--no-store"])
    assert res.exit_code == 0, res.output
    assert _widest(res.output) <= WIDTH == 100
    assert "ranked by hhi" in res.output and "USGS 2021" in res.output and "EV (economic vulnerability)" in res.output
    shown = _rows(res.output, "product")
    payload = json.loads(CliRunner().invoke(risk, ["indicators", "--sort", "hhi", "--json", "--no-store"]).output)
    rows = payload["eu_supply_risk"]
    assert len(shown) == len(rows)
    for cells, r in zip(shown, rows, strict=True):
        product, element, _, hhi, top, ir, hw, sr, pub = cells
        assert product == r["product"] and element == (r["material"] or "-")
        assert hhi == f"{r['hhi']:.2f}" and top == (f"{r['top_country']} {r['top_share']:.0%}" if r["top_country"] else "-")
        for cell, value, spec in ((ir, r["ir_eu"], ".0%"), (hw, r["hhi_wgi_gs"], ".1f"), (sr, r["sr"], ".2f"), (pub, r["sr_published"], ".1f")):
            assert cell == ("-" if value is None else format(value, spec))
    ir_shown = _rows(res.output, "dataset")
    assert len(ir_shown) == 25 and len(payload["import_reliance"]) >= 25
    assert [c[:3] for c in ir_shown] == [[r["dataset"], r["country"], r["product"]] for r in payload["import_reliance"][:25]]


def test_indicators_of_one_dataset() -> None:
    res = CliRunner().invoke(risk, ["indicators", "--dataset", "gallium", "--json", "--no-store"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.output)
    assert payload["datasets"] == ["gallium"]
    assert {r["product"] for r in payload["eu_supply_risk"]} == {"ga_primary", "ga_refined", "ga_wafer"}


def test_tts_json_with_ttr() -> None:
    # losing a Chinese stage (the ionic-clay separators that make the heavy elements, or the magnet
    # plants) is survived only on the market's and the users' stocks: shorter than a 120-day recovery
    res = CliRunner().invoke(risk, ["tts", "--kind", "facility", "--ttr", "120", "--json", "--top", "3", "--no-store"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.output)
    nodes = payload["nodes"]
    assert nodes[0]["node"] in ("CHN/separation_ionic", "CHN/magnet") and nodes[0]["vulnerable"] is True
    assert all(n["kind"] == "facility" for n in nodes)
    # infinite TTS is written as null in JSON
    assert any(n["tts_days"] is None for n in nodes) and "infinite" in payload["tts_days_null"]
    finite = [n["tts_days"] for n in nodes if n["tts_days"] is not None]
    assert finite == sorted(finite) and all(math.isfinite(x) for x in finite)
    # labelled as an optimistic bound, with the engine's first shortfall for the nodes listed
    assert "optimistic bound" in payload["tts_note"] and "perfect reallocation" in payload["tts_note"]
    ran = [n for n in nodes if n["engine_run"]]
    assert [n["node"] for n in ran] == [n["node"] for n in nodes[:3]]
    assert all(n["engine_first_shortfall_days"] is None and n["engine_first_short"] is None for n in nodes[3:])
    for n in ran:
        if n["tts_days"] is not None and n["engine_first_shortfall_days"] is not None:
            assert n["engine_first_shortfall_days"] <= n["tts_days"] + 1.0


def test_tts_end_use_restriction_option() -> None:
    """CHN -> USA magnets: finite under the end-use restriction, absorbed by swaps without it."""

    def usa(args: list[str]) -> dict[str, object]:
        res = CliRunner().invoke(risk, ["tts", "--kind", "link", "--engine", "none", "--json", "--no-store", *args])
        assert res.exit_code == 0, res.output
        payload = json.loads(res.output)
        return next(n for n in payload["nodes"] if n["node"] == "CHN>USA/ndfeb_magnet") | {"restricted": payload["end_use_restriction"]}

    held, free = usa([]), usa(["--no-end-use-restriction"])
    assert held["restricted"] is True and free["restricted"] is False
    assert isinstance(held["tts_days"], float) and 30 < held["tts_days"] < 365
    assert free["tts_days"] is None  # inf
    assert held["engine_run"] is False and held["engine_first_shortfall_days"] is None


def test_tts_table_shows_bound_beside_engine() -> None:
    res = CliRunner().invoke(risk, ["tts", "--top", "4", "--ttr", "90", "--no-store"])
    assert res.exit_code == 0, res.output
    assert _widest(res.output) <= WIDTH
    assert "optimistic bound" in res.output and "perfect reallocation" in res.output
    assert "run for the first 4 nodes by TTS" in res.output
    shown = _rows(res.output, "node")
    assert len(shown) == 4
    for cells in shown:
        tts_days, engine_day = cells[2], cells[3]
        assert engine_day != "-" and float(engine_day.replace(",", "")) <= float(tts_days.replace(",", "")) + 1.0


def test_tts_bad_dataset_is_one_line_error(tmp_path: Path) -> None:
    res = CliRunner().invoke(risk, ["tts", "--dataset", str(tmp_path / "nowhere")])
    assert res.exit_code == 2
    assert "Error:" in res.output and "not an embedded dataset" in res.output


def test_results_are_recorded_in_the_store(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from supplyshock.cli import main
    from supplyshock.store import RunStore

    store = tmp_path / "runs.duckdb"
    res = CliRunner().invoke(main, ["risk", "indicators", "--store", str(store)])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(main, ["risk", "tts", "--ttr", "90", "--top", "2", "--store", str(store), "--json"])
    assert res.exit_code == 0, res.output
    rs = RunStore(store)
    listed = rs.list_analyses()
    assert set(listed["kind"]) == {"risk-indicators", "time-to-survive"}
    tts_id = listed.loc[listed["kind"] == "time-to-survive", "result_id"].iloc[0]
    table = rs.get_analysis(tts_id)
    assert {"tts_days", "vulnerable", "engine_first_shortfall_days"} <= set(table.columns) and len(table) > 10
