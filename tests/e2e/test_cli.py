"""The ``supplyshock`` command line, end to end (click's CliRunner and one subprocess)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import xarray as xr
from click.testing import CliRunner

from supplyshock.cli import main
from supplyshock.scenario import builtin_scenarios
from supplyshock.schema import BASES

BUILTINS = sorted(builtin_scenarios())
RUN_ID = re.compile(r"\b\d{8}-\d{6}-[0-9a-f]{6}\b")


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # a stray default output folder would land here, not in the repo
    return CliRunner(env={"COLUMNS": "200"})


def _err(result) -> str:
    try:
        return result.stderr
    except ValueError:  # older click without separate stderr
        return result.output


def _out(result) -> str:
    return result.stdout if hasattr(result, "stdout") else result.output


@pytest.mark.parametrize("name", BUILTINS)
def test_run_builtin(runner: CliRunner, tmp_path: Path, name: str) -> None:
    out, store = tmp_path / "out", tmp_path / "runs.duckdb"
    result = runner.invoke(main, ["run", name, "--members", "1", "--out", str(out), "--store", str(store)])
    assert result.exit_code == 0, _err(result) + repr(result.exception)
    text = _out(result)
    assert "Who is hurt" in text or "Who runs short" in text or "No country or sector runs short" in text
    assert re.search(r"China's [\w ,/-]+ exports by month", text), text[:800]
    assert "run id" in text
    ids = RUN_ID.findall(text)
    assert ids, text[-500:]
    assert (out / "results.nc").is_file()
    assert store.is_file()
    from supplyshock.store import RunStore

    recorded = RunStore(store).list_runs()
    assert list(recorded["run_id"]) == [ids[-1]]
    assert list(recorded["scenario_name"]) == [name]
    with xr.open_dataset(out / "results.nc", engine="h5netcdf") as ds:
        assert ds.attrs["scenario_name"] == name
        assert ds.sizes["member"] == 1
        assert {"trade", "shortfall", "inventory"} <= set(ds.data_vars)
    assert "Traceback" not in text + _err(result)
    if name == "baseline":
        assert "No country or sector runs short" in text
    if name == "cn-magnet-embargo-12m":
        assert "Who is hurt, by country" in text and "Who runs short, by sector" in text


def test_run_json(runner: CliRunner, tmp_path: Path) -> None:
    out, store = tmp_path / "o", tmp_path / "runs.duckdb"
    result = runner.invoke(main, ["run", "cn-magnet-embargo-12m", "--members", "1", "--out", str(out), "--store", str(store), "--json"])
    assert result.exit_code == 0, _err(result)
    payload = json.loads(_out(result))
    assert RUN_ID.fullmatch(payload["run_id"])
    assert Path(payload["results"]) == out / "results.nc"
    assert payload["summary"], "summary must list region-sectors"
    first = payload["summary"][0]
    assert {"country", "sector", "days_to_first_shortfall", "cumulative_shortfall_t", "output_at_risk_usd"} <= set(first)
    assert first["cumulative_shortfall_t"] > 0
    head = payload["headlines"][0]
    assert head["label"] == "China's magnet exports"
    months = head["months"]
    assert len(months) == 12
    assert all(v["total"] == 0 for v in months.values())
    assert payload["price_peaks"]


def test_chunked_run_is_a_recorded_run(runner: CliRunner, tmp_path: Path) -> None:
    out, store = tmp_path / "o", tmp_path / "runs.duckdb"
    args = ["run", "cn-magnet-embargo-12m", "--members", "4", "--chunk-size", "2", "--out", str(out), "--store", str(store)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, _err(result)
    text = _out(result)
    assert "Ensemble of 4 members" in text and "China's magnet exports by month" in text and "output at risk" in text
    assert "Headline: value added lost" in text or "Value added lost: not computed for ensembles run in chunks" in text
    ids = RUN_ID.findall(text)
    assert (out / "ensemble.nc").is_file()
    from supplyshock.store import RunStore

    recorded = RunStore(store).list_runs()
    assert list(recorded["run_id"]) == [ids[-1]]
    again = runner.invoke(main, [*args[:-4], "--out", str(tmp_path / "o2"), "--no-store", "--json"])
    assert again.exit_code == 0, _err(again)
    payload = json.loads(_out(again))
    assert payload["chunked"] is True and payload["recorded"] is False and payload["members"] == 4
    assert payload["price_peaks"] is None and payload["bands"]
    assert all(row["first_shortfall_date"] is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["first_shortfall_date"]) for row in payload["summary"])


def test_run_no_store(runner: CliRunner, tmp_path: Path) -> None:
    out, store = tmp_path / "o", tmp_path / "runs.duckdb"
    result = runner.invoke(main, ["run", "baseline", "--out", str(out), "--store", str(store), "--no-store"])
    assert result.exit_code == 0, _err(result)
    assert (out / "results.nc").is_file()
    assert not store.exists()


@pytest.mark.parametrize("name", BUILTINS)
def test_validate_builtin(runner: CliRunner, name: str) -> None:
    result = runner.invoke(main, ["validate", name])
    assert result.exit_code == 0, _err(result)
    assert "valid" in _out(result)


def test_validate_builtin_file(runner: CliRunner) -> None:
    path = builtin_scenarios()["cn-2025-april-controls"]
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 0
    assert "valid (6 events" in _out(result)


def test_validate_bad_file(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\nstart: 2025-01-01\nhorizon_days: 60\nevents:\n"
        "  - type: export_ban\n    exporter: ATL\n    products: [ndfeb_magnet]\n    start: 2025-01-10\n"
    )
    result = runner.invoke(main, ["validate", str(bad)])
    assert result.exit_code == 2
    err = _err(result)
    assert f"{bad}:6:" in err
    assert "events[0].exporter" in err and "ATL" in err
    assert "Traceback" not in err + _out(result)
    assert "1 problem(s)" in err


def test_validate_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "no such file" in _err(result)
    assert "Traceback" not in _err(result)


def test_scenarios_lists_builtins(runner: CliRunner) -> None:
    result = runner.invoke(main, ["scenarios"])
    assert result.exit_code == 0
    for name in BUILTINS:
        assert name in _out(result)


def test_data_show(runner: CliRunner) -> None:
    result = runner.invoke(main, ["data", "show"])
    assert result.exit_code == 0, _err(result)
    text = _out(result)
    assert "12 countries, 26 products, 17 processes, 31 end-use sectors, 142 trade links" in text
    assert "249,720" in text  # China's hard-rock (bastnaesite) mine output


def test_data_show_table(runner: CliRunner) -> None:
    result = runner.invoke(main, ["data", "show", "--table", "trade"])
    assert result.exit_code == 0, _err(result)
    assert "ndfeb_magnet" in _out(result)


def test_data_sources(runner: CliRunner, network) -> None:
    result = runner.invoke(main, ["data", "sources"])
    assert result.exit_code == 0, _err(result)
    lines = _out(result).strip().splitlines()
    count = re.fullmatch(r"(\d+) figures: (.*)", lines[-1])
    assert count, lines[-1]
    n = int(count.group(1))
    assert n == len(network.sources()) == len(lines) - 1
    parts = dict(reversed(p.split(" ", 1)) for p in count.group(2).split(", "))
    assert sum(int(v) for v in parts.values()) == n
    assert set(parts) <= set(BASES)


def test_data_sources_filtered(runner: CliRunner) -> None:
    result = runner.invoke(main, ["data", "sources", "--basis", "reported", "--table", "facilities"])
    assert result.exit_code == 0
    lines = _out(result).strip().splitlines()
    assert all(line.startswith("facilities:") and "[reported]" in line for line in lines[:-1])
    assert re.fullmatch(rf"{len(lines) - 1} figures: {len(lines) - 1} reported", lines[-1])


def test_data_check(runner: CliRunner) -> None:
    result = runner.invoke(main, ["data", "check"])
    assert result.exit_code == 0, _err(result)
    assert "balanced" in _out(result)


def test_data_check_unbalanced_folder(runner: CliRunner, tmp_path: Path) -> None:
    import shutil
    from importlib import resources

    import pandas as pd

    src = Path(str(resources.files("supplyshock") / "data" / "rare_earths"))
    folder = tmp_path / "d"
    shutil.copytree(src, folder)
    trade = pd.read_csv(folder / "trade.csv", dtype=str, keep_default_na=False)
    trade.loc[(trade.exporter == "CHN") & (trade.importer == "USA"), "flow_t"] = "9000"
    trade.to_csv(folder / "trade.csv", index=False)
    result = runner.invoke(main, ["data", "check", "--dataset", str(folder)])
    assert result.exit_code == 2
    assert "does not balance" in _err(result)
    assert "Traceback" not in _err(result) + _out(result)


COMMANDS = [[], ["run"], ["validate"], ["scenarios"], ["data"], ["data", "show"], ["data", "sources"], ["data", "check"], ["runs"]]


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: " ".join(c) or "main")
def test_help(runner: CliRunner, cmd: list[str]) -> None:
    result = runner.invoke(main, [*cmd, "--help"])
    assert result.exit_code == 0, _err(result)
    assert "Usage:" in _out(result)


def test_runs_subcommands_have_help(runner: CliRunner) -> None:
    result = runner.invoke(main, ["runs", "--help"])
    names = re.findall(r"^\s{2}(\w+)\s", _out(result).split("Commands:")[-1], flags=re.M)
    assert {"list", "show", "export", "delete"} <= set(names)
    for sub in names:
        r = runner.invoke(main, ["runs", sub, "--help"])
        assert r.exit_code == 0, sub
        assert "Usage:" in _out(r)


def test_python_m_help() -> None:
    proc = subprocess.run([sys.executable, "-m", "supplyshock", "--help"], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "Usage: supplyshock" in proc.stdout
    for cmd in ("run", "validate", "scenarios", "data", "runs"):
        assert cmd in proc.stdout
