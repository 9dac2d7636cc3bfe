"""Results are immutable: a folder is never written twice, the store is opened first, a
failed store leaves no orphan folder, every record carries its file's checksum and owner."""

from __future__ import annotations

import getpass
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import xarray as xr
from click.testing import CliRunner
from reliability_helpers import UNCERTAIN_YAML

from supplyshock import load_scenario
from supplyshock.analysis.pipeline import CLAIM_FILE, RunRequest, execute
from supplyshock.cli import main
from supplyshock.errors import StoreError
from supplyshock.store import RunStore
from supplyshock.store.results import file_sha256


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "unc.yaml"
    path.write_text(UNCERTAIN_YAML, encoding="utf-8")
    return path


def _run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["run", *args])
    assert "Traceback" not in res.output, res.output
    return res.exit_code, res.output


def test_reusing_out_is_refused_and_the_first_run_keeps_its_results(scenario_file: Path, tmp_path: Path) -> None:
    """The report's case: a second run into the first run's --out used to overwrite its
    results.nc, so `runs export <first id>` gave the second scenario's data."""
    out, store_path = tmp_path / "out", tmp_path / "runs.duckdb"
    code, text = _run(str(scenario_file), "--members", "1", "--out", str(out), "--store", str(store_path), "--json")
    assert code == 0, text
    first = json.loads(text[text.index("{") :])["run_id"]
    before = file_sha256(out / "results.nc")
    code, text = _run("baseline", "--out", str(out), "--store", str(store_path))
    assert code == 2 and "already holds the results of another run" in text and "--out" in text
    assert file_sha256(out / "results.nc") == before
    store = RunStore(store_path)
    assert len(store.list_runs()) == 1
    args = ["runs", "export", first, "--out", str(tmp_path / "exp"), "--store", str(store_path), "--variable", "shortfall"]
    export = CliRunner().invoke(main, args)
    assert export.exit_code == 0, export.output
    assert json.loads((tmp_path / "exp" / "manifest.json").read_text())["scenario_name"] == "unc-reliability"


def test_a_folder_being_written_is_refused(scenario_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        claim = {"run_id": "other", "pid": alive.pid, "host": socket.gethostname(), "started": "now"}
        (out / CLAIM_FILE).write_text(json.dumps(claim), encoding="utf-8")
        with pytest.raises(StoreError, match="being written by run other"):
            execute(RunRequest(scenario=load_scenario(scenario_file), out_dir=out, economy=False))
        assert json.loads((out / CLAIM_FILE).read_text())["run_id"] == "other", "the other run's claim stays"
    finally:
        alive.kill()
        alive.wait()


def test_the_store_is_opened_before_anything_runs(scenario_file: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    out = tmp_path / "out"
    code, text = _run(str(scenario_file), "--members", "1", "--out", str(out), "--store", str(blocker / "runs.duckdb"))
    assert code == 2 and "run store" in text, text
    assert not out.exists(), "no results are written before the store opens"
    code, text = _run(str(scenario_file), "--members", "1", "--out", str(out), "--store", str(tmp_path))
    assert code == 0, text  # a folder means runs.duckdb inside it


def test_a_failed_record_leaves_no_orphan_folder(scenario_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> str:
        raise StoreError("the store refused the record (test)")

    monkeypatch.setattr(RunStore, "record_run", refuse)
    out = tmp_path / "nested" / "out"
    with pytest.raises(StoreError, match="refused the record"):
        execute(RunRequest(scenario=load_scenario(scenario_file), out_dir=out, store=RunStore(tmp_path / "runs.duckdb"), economy=False))
    assert not out.exists()
    existing = tmp_path / "existing"
    existing.mkdir()
    (existing / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(StoreError):
        execute(RunRequest(scenario=load_scenario(scenario_file), out_dir=existing, store=RunStore(tmp_path / "runs.duckdb"), economy=False))
    assert sorted(p.name for p in existing.iterdir()) == ["notes.txt"], "a folder the run did not make keeps what it held, and only that"


def test_a_record_carries_checksum_owner_and_origin(scenario_file: Path, tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.duckdb")
    outcome = execute(RunRequest(scenario=load_scenario(scenario_file), out_dir=tmp_path / "out", store=store, economy=False))
    record = store.get_run(outcome.run_id)
    assert record["results_sha256"] == file_sha256(outcome.results_path)
    assert record["owner"] == f"{getpass.getuser()}@{socket.gethostname()}"
    assert f"pid {os.getpid()}" in record["origin"]
    assert store.list_runs()["owner"].tolist() == [record["owner"]]


def test_default_store_is_per_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from supplyshock.store import default_store_path

    monkeypatch.delenv("SUPPLYSHOCK_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "alice"))
    assert default_store_path() == tmp_path / "alice" / ".local" / "share" / "supplyshock" / "runs.duckdb"


def test_runs_check_finds_and_repairs_every_kind_of_problem(scenario_file: Path, tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.duckdb")
    sc = load_scenario(scenario_file)
    ok, gone, swapped, older = (
        execute(RunRequest(scenario=sc, out_dir=tmp_path / name, store=store, economy=False)) for name in ("ok", "gone", "swapped", "older")
    )
    gone.results_path.unlink()
    other = execute(RunRequest(scenario=load_scenario("baseline"), out_dir=tmp_path / "other", store=None, economy=False))
    swapped.results_path.write_bytes(other.results_path.read_bytes())
    import duckdb

    con = duckdb.connect(str(store.path))
    con.execute("UPDATE runs SET results_sha256 = NULL WHERE run_id = ?", [older.run_id])  # as recorded before schema 6
    con.close()
    (ok.folder / ".results.nc.x1.tmp").write_bytes(b"half")
    found = store.check()
    problems = dict(zip(found["run_id"], found["problem"], strict=False))
    assert "missing" in problems[gone.run_id] and "changed" in problems[swapped.run_id]
    assert older.run_id not in problems, "an older row whose file is its own passes (checked by its attributes)"
    assert "cut short" in problems[ok.run_id]
    with pytest.raises(StoreError, match="has changed since the run was recorded"):
        store.load_results(swapped.run_id)
    store.check(repair=True)
    assert store.check().empty, "consistent after the repair"
    runs = store.list_runs().set_index("run_id")
    assert gone.run_id not in runs.index and runs.loc[swapped.run_id, "status"] == "changed"
    assert store.get_run(older.run_id)["results_sha256"] == file_sha256(older.results_path)
    assert not (ok.folder / ".results.nc.x1.tmp").exists()
    with xr.open_dataset(ok.results_path, engine="h5netcdf") as ds:
        assert ds.attrs["scenario_name"] == "unc-reliability"


def test_chunked_ensemble_is_a_full_run(scenario_file: Path, tmp_path: Path) -> None:
    """Run id, store record, economy and report, like any run."""
    pytest.importorskip("plotly")
    store_path = tmp_path / "runs.duckdb"
    out = tmp_path / "ens"
    code, text = _run(str(scenario_file), "--members", "12", "--chunk-size", "4", "--out", str(out), "--store", str(store_path), "--report")
    assert code == 0, text
    assert (out / "ensemble.nc").exists() and (out / "report.html").exists() and (out / "daily-sample.nc").exists()
    runs = RunStore(store_path).list_runs()
    assert len(runs) == 1 and runs["members"].iloc[0] == 12
    assert "members 0-" in text and "of 12" in text
    if (out / "economy.nc").exists():
        with xr.open_dataset(out / "economy.nc", engine="h5netcdf") as eco:
            assert eco.sizes["member"] == 12 and eco.sizes["time"] == 1
    code, text = _run(str(scenario_file), "--members", "12", "--chunk-size", "4", "--out", str(tmp_path / "ens2"), "--no-store")
    assert code == 0 and "run id" not in text
