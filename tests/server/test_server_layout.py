"""The server's layout: routers per resource, no command-line import, shipped templates, its own entry point."""

from __future__ import annotations

import ast
import fnmatch
import tomllib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import supplyshock
from supplyshock.errors import ConsistencyError
from supplyshock.server.scenarios import SettingError, apply_settings, key_parameters

PACKAGE = Path(supplyshock.__file__).parent
ROOT = PACKAGE.parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


@pytest.mark.parametrize("package", ["server", "report"])
def test_server_and_report_never_import_the_command_line(package: str) -> None:
    for path in (PACKAGE / package).rglob("*.py"):
        bad = {m for m in _imports(path) if m == "supplyshock.cli" or m.startswith(("supplyshock.cli.", "supplyshock.cli_"))}
        assert not bad, f"{path.relative_to(PACKAGE)} imports {bad}"


def test_report_never_imports_the_engine() -> None:
    for path in (PACKAGE / "report").rglob("*.py"):
        assert not {m for m in _imports(path) if m.startswith("supplyshock.engine")}, path.name


def test_templates_and_static_files_are_shipped() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]["supplyshock"]
    files = [p for d in ("server/templates", "server/static", "report/templates") for p in (PACKAGE / d).iterdir() if p.is_file()]
    assert len(files) >= 6
    for path in files:
        rel = path.relative_to(PACKAGE).as_posix()
        assert any(fnmatch.fnmatch(rel, pat) for pat in patterns), f"{rel} is not in [tool.setuptools.package-data]"


def test_every_route_lives_in_a_router_module(client: TestClient) -> None:
    from fastapi.routing import APIRoute

    from supplyshock.server.routes import ROUTERS

    modules = {r.endpoint.__module__ for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)}
    names = ("health", "scenarios", "runs", "analyst", "reports", "dashboard", "apidocs", "draft")
    assert modules == {f"supplyshock.server.routes.{m}" for m in names}
    assert not [r for r in client.app.router.routes if isinstance(r, APIRoute)], "no route is declared on the app itself"  # type: ignore[attr-defined]
    paths = {r.path for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)}
    assert set(client.get("/openapi.json").json()["paths"]) <= paths


def test_wrong_method_names_every_allowed_one(client: TestClient) -> None:
    answer = client.delete("/api/runs")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, POST" and "allowed: GET, POST" in answer.json()["detail"]


def test_dashboard_files_are_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and 'data-default-scenario="cn-2025-april-controls"' in page.text
    for name, media in (("dashboard.js", "text/javascript"), ("dashboard.css", "text/css"), ("plotly.min.js", "text/javascript")):
        answer = client.get(f"/static/{name}")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(media), name
        assert f"/static/{name}" in page.text
    missing = client.get("/static/app.py")
    assert missing.status_code == 404 and missing.json()["detail"]


def test_a_setting_that_does_not_apply_is_a_consistency_error() -> None:
    import supplyshock as ss

    baseline = ss.load_scenario("baseline")
    assert issubclass(SettingError, ConsistencyError)
    with pytest.raises(ConsistencyError, match="no licence event"):
        apply_settings(baseline, delay_days=10)
    april = ss.load_scenario("cn-2025-april-controls")
    changed = apply_settings(april, approval=0.3, delay_days=20, duration_days=100)
    params = key_parameters(changed)
    assert {k: params[k] for k in ("approval", "delay_days", "duration_days", "cover_scale", "has_controls", "has_licence")} == {
        "approval": 0.3,
        "delay_days": 20.0,
        "duration_days": 100,
        "cover_scale": 1.0,
        "has_controls": True,
        "has_licence": True,
    }
    assert changed.name == "cn-2025-april-controls, approval 30%, delay 20 d, controls 100 d", "a changed scenario is named after its changes"
    assert key_parameters(april)["approval"] == 0.6, "the original is unchanged"


def test_module_entry_point_answers_one_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from supplyshock.server.__main__ import main

    assert main(["--data-dir", str(tmp_path / "d"), "--get", "/api/health"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "ok"
    assert main(["--data-dir", str(tmp_path / "d"), "--get", "/api/scenarios/nope"]) == 1
    assert "no built-in scenario" in capsys.readouterr().out
    with pytest.raises(SystemExit) as stop:
        main(["--get", "api/health"])
    assert stop.value.code == 2
