"""Bad scenario files on ``supplyshock run``: exit 2, a clear message, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from supplyshock.cli import main

HEAD = "name: bad\nstart: 2025-01-01\nhorizon_days: 60\n"

# name -> (file text, line the message must name, words naming the field)
CASES: dict[str, tuple[str, int, list[str]]] = {
    "malformed-yaml": (
        HEAD + "events:\n  - type: export_ban\n   exporter: CHN\n",
        6,
        ["not valid YAML"],
    ),
    "tab-yaml": (
        HEAD + "events:\n\t- type: export_ban\n",
        5,
        ["not valid YAML"],
    ),
    "unknown-country": (
        HEAD + "events:\n  - type: export_ban\n    exporter: CHN\n    products: [ndfeb_magnet]\n"
        "    destinations: [USA, ATL]\n    start: 2025-01-10\n",
        8,
        ["events[0].destinations[1]", "ATL"],
    ),
    "unknown-product": (
        HEAD + "events:\n  - type: export_ban\n    exporter: CHN\n    products: [magnets]\n    start: 2025-01-10\n",
        7,
        ["events[0].products[0]", "magnets"],
    ),
    "negative-capacity": (
        HEAD + "overrides:\n  - table: facilities\n    match: {country: CHN, process: mining_bastnaesite}\n    set: {capacity_t: -1}\n",
        4,
        ["capacity_t", "negative"],
    ),
    "date-outside-horizon": (
        HEAD + "events:\n  - type: export_ban\n    exporter: CHN\n    products: [ndfeb_magnet]\n    start: 2025-05-01\n",
        8,
        ["events[0].start", "outside the horizon"],
    ),
    "share-above-one": (
        HEAD + "events:\n  - type: export_ban\n    exporter: CHN\n    products: [ndfeb_magnet]\n    start: 2025-01-10\n    coverage: 1.5\n",
        9,
        ["events[0].coverage", "less than or equal to 1"],
    ),
    "approval-above-one": (
        HEAD + "events:\n  - type: licence\n    exporter: CHN\n    products: [ndfeb_magnet]\n    start: 2025-01-10\n    approval: 1.5\n",
        9,
        ["events[0].approval", "less than or equal to 1"],
    ),
}


def _err(result) -> str:
    try:
        return result.stderr
    except ValueError:
        return result.output


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_scenario_run_writes_nothing(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text, line, words = CASES[case]
    path = tmp_path / f"{case}.yaml"
    path.write_text(text, encoding="utf-8")
    out, store = tmp_path / "out", tmp_path / "runs.duckdb"
    result = CliRunner(env={"COLUMNS": "200"}).invoke(main, ["run", str(path), "--out", str(out), "--store", str(store)])

    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    err = _err(result)
    assert "Traceback" not in err + result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    # one line names the file with the line number and the field
    lines = [ln for ln in err.splitlines() if f"{path}:{line}" in ln]
    assert lines, err
    assert any(all(w in ln for w in words) for ln in lines), err
    # nothing was written
    assert not out.exists()
    assert not store.exists()
    assert not (tmp_path / "supplyshock-out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_missing_scenario_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out, store = tmp_path / "out", tmp_path / "runs.duckdb"
    result = CliRunner().invoke(main, ["run", "no-such-scenario", "--out", str(out), "--store", str(store)])
    assert result.exit_code == 2
    err = _err(result)
    assert "no-such-scenario" in err and "built-in" in err
    assert len([ln for ln in err.splitlines() if ln.strip()]) == 1
    assert not out.exists() and not store.exists()


def test_bad_member_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", "baseline", "--members", "0", "--out", str(out)])
    assert result.exit_code == 2
    assert "--members" in _err(result)
    assert not out.exists()


def test_single_problem_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text, line, words = CASES["unknown-product"]
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner(env={"COLUMNS": "200"}).invoke(main, ["run", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    lines = [ln for ln in _err(result).splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    assert f"{path}:{line}" in lines[0] and all(w in lines[0] for w in words)
