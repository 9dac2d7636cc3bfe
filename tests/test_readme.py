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
    assert bash[0].strip() == "pip install -e . && supplyshock run cn-2025-april-controls"
    assert bash[1].strip() == 'pip install -e ".[test]" && pytest'


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
