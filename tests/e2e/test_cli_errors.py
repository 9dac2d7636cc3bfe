"""The one error format of the command line: user errors, bugs, missing extras."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from supplyshock.cli import main
from supplyshock.cli.output import BUG, USER_ERROR, Command, Group, command, missing_extra, one_line
from supplyshock.errors import InvariantError, ScenarioError


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # bug reports land here
    return CliRunner(env={"COLUMNS": "200"})


def _lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip()]


def test_every_command_reports_errors_the_same_way() -> None:
    def walk(cmd: click.Command, path: str) -> None:
        assert isinstance(cmd, Group if isinstance(cmd, click.Group) else Command), path
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(main, "supplyshock")


def test_user_error_is_one_line_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "two.yaml"
    bad.write_text(
        "name: bad\nstart: 2025-01-01\nhorizon_days: 60\nevents:\n"
        "  - type: export_ban\n    exporter: ATL\n    products: [magnets]\n    start: 2025-01-10\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["run", str(bad), "--no-store", "--out", str(tmp_path / "o")])
    assert result.exit_code == USER_ERROR == 2
    lines = _lines(result.stderr)
    assert len(lines) == 1, lines
    assert lines[0].startswith("Error: ") and "2 problems" in lines[0] and "ATL" in lines[0] and "magnets" in lines[0]
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_one_line_joins_a_list_of_problems() -> None:
    assert one_line("f.yaml: 2 problems:\n  f.yaml:3: a\n  f.yaml:4: b\n") == "f.yaml: 2 problems: f.yaml:3: a; f.yaml:4: b"
    assert one_line("  spread   over\n\n lines ") == "spread over; lines"
    assert one_line("") == ""


def test_invariant_error_is_reported_as_a_bug(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import supplyshock.analysis.pipeline as pipeline

    def broken(*args: object, **kwargs: object) -> None:
        raise InvariantError("mass balance violated on day 3:\n  CHN ndfeb_magnet off by 12 t")

    monkeypatch.setattr(pipeline, "execute", broken)
    result = runner.invoke(main, ["run", "baseline", "--no-store", "--out", str(tmp_path / "o")])
    assert result.exit_code == BUG == 70
    err = result.stderr
    assert not err.startswith("Error: ")
    assert "internal error" in err and "bug in supplyshock" in err
    assert "InvariantError: mass balance violated on day 3: CHN ndfeb_magnet off by 12 t" in err
    assert "supplyshock run baseline --no-store --out" in err
    assert "supplyshock --version" in err
    found = re.search(r"traceback, written to (\S+)", err)
    assert found, err
    report = Path(found.group(1))
    assert report.parent == tmp_path and report.is_file()
    text = report.read_text(encoding="utf-8")
    assert "Traceback" in text and "InvariantError" in text and "supplyshock run baseline" in text
    assert "Traceback" not in result.output.replace(str(report), "")


def test_invariant_error_in_a_group_invoked_alone(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from supplyshock.cli.runs import runs
    from supplyshock.store import RunStore

    def broken(self: RunStore) -> None:
        raise InvariantError("run table out of order")

    monkeypatch.setattr(RunStore, "list_runs", broken)
    result = runner.invoke(runs, ["list", "--store", str(tmp_path / "r.duckdb")])
    assert result.exit_code == BUG
    assert "run table out of order" in result.stderr and "internal error" in result.stderr


def test_user_error_in_a_command_invoked_alone(runner: CliRunner) -> None:
    @command()
    def failing() -> None:
        raise ScenarioError("first line\nsecond line")

    result = runner.invoke(failing, [])
    assert result.exit_code == USER_ERROR
    assert result.stderr == "Error: first line; second line\n"


@pytest.mark.parametrize(
    ("module", "extra"), [("plotly", "report"), ("jinja2", "report"), ("fastapi", "server"), ("uvicorn", "server"), ("ray", "ray")]
)
def test_missing_extra_names_the_install_command(runner: CliRunner, monkeypatch: pytest.MonkeyPatch, module: str, extra: str) -> None:
    @command()
    def needs() -> None:
        __import__(module)

    monkeypatch.setitem(sys.modules, module, None)  # importing it now fails as if not installed
    result = runner.invoke(needs, [])
    assert result.exit_code == USER_ERROR
    assert _lines(result.stderr) == [f"Error: this command needs the optional package {module}; install it with: pip install 'supplyshock[{extra}]'"]


@pytest.mark.parametrize("module", ["uvicorn", "plotly"])
def test_missing_server_extra_on_serve(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str) -> None:
    """serve names its own extra, which installs everything it needs, even for a package of the report's."""
    for name in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
        monkeypatch.delitem(sys.modules, name)
    for name in [m for m in sys.modules if m.startswith("supplyshock.server") or m.startswith("supplyshock.report")]:
        monkeypatch.delitem(sys.modules, name)  # imported afresh, so the missing package is looked up
    monkeypatch.setitem(sys.modules, module, None)
    result = runner.invoke(main, ["serve", "--data-dir", str(tmp_path / "d")])
    assert result.exit_code == USER_ERROR
    assert "pip install 'supplyshock[server]'" in _lines(result.stderr)[-1]
    assert "Traceback" not in result.output


def test_other_import_errors_are_not_hidden() -> None:
    assert missing_extra(ModuleNotFoundError("x", name="numpy")) is None
    assert missing_extra(ModuleNotFoundError("x", name="plotly.graph_objects")) == "report"

    @command()
    def needs() -> None:
        raise ModuleNotFoundError("No module named 'nonexistent_dependency'", name="nonexistent_dependency")

    result: Result = CliRunner().invoke(needs, [])
    # not hidden behind an install hint: reported as the bug it is, with its name
    assert result.exit_code == BUG
    assert "nonexistent_dependency" in result.stderr and "internal error" in result.stderr


def test_chunked_run_reports_the_daily_results_of_its_first_members(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "o"
    result = runner.invoke(main, ["run", "baseline", "--members", "4", "--chunk-size", "2", "--report", "--no-store", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Report: " in result.stdout and (out / "report.html").is_file()
    assert (out / "daily-sample.nc").is_file(), "the report's daily results are kept beside the ensemble's metrics"


@pytest.mark.parametrize(
    ("raised", "status", "expected"),
    [
        (ValueError("cannot reshape array of size 3 into shape (2,)"), BUG, "internal error"),
        (KeyError("ndfeb_magnet"), BUG, "internal error"),
        (MemoryError(), USER_ERROR, "Error: out of memory: run fewer members"),
        (PermissionError(13, "Permission denied", "/srv/results/r.nc"), USER_ERROR, "Error: Permission denied: /srv/results/r.nc"),
    ],
)
def test_an_unexpected_exception_never_ends_in_a_bare_traceback(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raised: BaseException, status: int, expected: str
) -> None:
    import supplyshock.analysis.pipeline as pipeline

    def broken(*args: object, **kwargs: object) -> None:
        raise raised

    monkeypatch.setattr(pipeline, "execute", broken)
    result = runner.invoke(main, ["run", "baseline", "--no-store", "--out", str(tmp_path / "o")])
    assert result.exit_code == status, result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert isinstance(result.exception, SystemExit)
