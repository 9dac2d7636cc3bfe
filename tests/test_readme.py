"""The README's snippets run: Python blocks execute, YAML blocks validate."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from supplyshock.scenario import validate_text

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_has_two_commands() -> None:
    bash = _blocks("bash")
    assert bash[0].strip() == "pip install -c constraints.txt -e . && supplyshock run cn-2025-april-controls"
    assert bash[1].strip() == 'pip install -c constraints.txt -e ".[test]" && pytest'


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run installs what the README installs and runs the same bare ``pytest``."""
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install -q -c constraints.txt -e ".[test]"' in ci
    assert re.search(r"^pytest$", ci, flags=re.M)
    pins = (README.parent / "constraints.txt").read_text(encoding="utf-8").splitlines()
    assert any(line.startswith("numpy==") for line in pins)


@pytest.mark.parametrize("code", _blocks("python"))
def test_python_snippets_run(code: str) -> None:
    namespace: dict[str, object] = {}
    exec(compile(code, str(README), "exec"), namespace)
    assert "ds" in namespace


@pytest.mark.parametrize("text", _blocks("yaml"))
def test_yaml_snippets_validate(text: str) -> None:
    scenario, problems = validate_text(text, "README.md")
    assert problems == []
    assert scenario is not None and scenario.events
