"""Every documented command path ends in a clear message: missing extras name the install
command, odd scenario paths are named for what they are, hints fit the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from supplyshock.cli import main
from supplyshock.store import RunStore


def _invoke(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, list(args))
    assert "Traceback" not in res.output, res.output
    return res.exit_code, res.output


@pytest.mark.parametrize(
    ("hidden", "args", "extra"),
    [
        ("plotly", ["run", "baseline", "--report"], "report"),
        ("fastapi", ["serve", "--get", "/api/health"], "server"),
        ("ray", ["run", "baseline", "--members", "4", "--chunk-size", "2", "--backend", "ray"], "ray"),
    ],
)
def test_a_missing_extra_names_its_install_command_and_nothing_is_stored(
    hidden: str, args: list[str], extra: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    for name in [hidden, *(m for m in sys.modules if m.startswith(hidden + "."))]:
        monkeypatch.setitem(sys.modules, name, None)  # import raises ImportError, as when the extra is not installed
    for name in [m for m in sys.modules if m.startswith(("supplyshock.report", "supplyshock.server"))]:
        monkeypatch.delitem(sys.modules, name)  # imported by earlier tests: import them afresh, without the extra
    store = tmp_path / "runs.duckdb"
    extra_args = ["--store", str(store), "--out", str(tmp_path / "out")] if args[0] == "run" else ["--data-dir", str(tmp_path / "d")]
    code, out = _invoke(*args, *extra_args)
    assert code == 2, out
    assert f"pip install 'supplyshock[{extra}]'" in out, out
    assert not (tmp_path / "out" / "results.nc").exists() and not (tmp_path / "out" / "ensemble.nc").exists()
    assert not store.exists() or RunStore(store).list_runs().empty, "a run that cannot deliver what was asked is not recorded"


@pytest.mark.parametrize("command", ["run", "validate"])
def test_a_folder_or_a_device_as_scenario_is_named(command: str, tmp_path: Path) -> None:
    code, out = _invoke(command, str(tmp_path))
    assert code == 2 and "is a folder" in out and "no such file" not in out, out
    if Path("/dev/zero").exists():
        code, out = _invoke(command, "/dev/zero")
        assert code == 2 and "not a regular file" in out, out
    code, out = _invoke(command, str(tmp_path / "missing.yaml"))
    assert code == 2 and "no such file" in out


def test_horizon_hint_speaks_of_days_not_shares(tmp_path: Path) -> None:
    path = tmp_path / "long.yaml"
    path.write_text("name: long\nstart: 2025-01-01\nhorizon_days: 100000\n", encoding="utf-8")
    code, out = _invoke("validate", str(path))
    assert code == 2 and "horizon_days" in out and "3650 days" in out and "shares" not in out, out


def test_runs_check_on_an_empty_store_and_bad_store_path(tmp_path: Path) -> None:
    code, out = _invoke("runs", "check", "--store", str(tmp_path / "none.duckdb"))
    assert code == 0 and "0 run(s)" in out
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    code, out = _invoke("runs", "list", "--store", str(blocker / "runs.duckdb"))
    assert code in (0, 2) and "Traceback" not in out
