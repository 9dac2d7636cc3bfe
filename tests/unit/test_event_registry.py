"""Every registered event type is documented, compiled and described (walks the registry)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from supplyshock.network import build_links
from supplyshock.scenario import Scenario, compile_policy
from supplyshock.scenario.events import EVENT_CLASSES, EVENT_TYPES, EventDescription, EventModel
from supplyshock.testing import toy_network

DOCS = Path(__file__).resolve().parents[2] / "docs" / "scenario-format.md"
NET = toy_network()
START = "2025-01-01"
LICENCE = {"type": "licence", "id": "lic", "exporter": "AAA", "products": ["metal"], "start": "2025-01-10", "approval": 0.2}

#: One minimal event per type on the toy network; an agreement needs something to change.
EXAMPLES: dict[str, list[dict[str, Any]]] = {
    "export_ban": [{"type": "export_ban", "exporter": "AAA", "products": ["metal"], "start": "2025-01-10"}],
    "licence": [LICENCE],
    "quota": [{"type": "quota", "exporter": "AAA", "products": ["ore"], "start": START, "share_of_baseline": 0.5}],
    "tariff": [{"type": "tariff", "importer": "BBB", "exporter": "AAA", "products": ["metal"], "rate": 0.5, "start": "2025-01-10"}],
    "agreement": [LICENCE, {"type": "agreement", "date": "2025-02-01", "parties": ["AAA", "BBB"], "changes": [{"event": "lic", "lift": True}]}],
    "stockpile_release": [{"type": "stockpile_release", "country": "BBB", "product": "metal", "start": "2025-01-10", "days": 10}],
    "capacity_change": [{"type": "capacity_change", "country": "BBB", "process": "refine", "tonnes_per_year": 10, "decided": START}],
    "substitution": [{"type": "substitution", "reduction": 0.1, "start": "2025-01-10", "ramp_days": 30}],
}


def _policy(events: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    sc = Scenario.model_validate({"name": "x", "dataset": "toy", "start": START, "horizon_days": 60, "events": events})
    pol = compile_policy(NET, sc, build_links(NET))
    return {k: np.asarray(v) for k, v in vars(pol).items()}


def test_registry_is_complete() -> None:
    assert set(EVENT_TYPES) == set(EXAMPLES), "give every registered type an example here"
    assert len(EVENT_CLASSES) == len(EVENT_TYPES)


@pytest.mark.parametrize("kind", sorted(EVENT_TYPES))
def test_type_lives_in_its_own_module(kind: str) -> None:
    cls = EVENT_TYPES[kind]
    assert cls.__module__ == f"supplyshock.scenario.events.{kind}"
    assert cls.summary, "a one-line summary for the docs"
    for method in ("check", "compile", "describe"):
        assert getattr(cls, method) is not getattr(EventModel, method), f"{kind} must implement {method}"


@pytest.mark.parametrize("kind", sorted(EVENT_TYPES))
def test_type_is_documented(kind: str) -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert re.search(rf"^### {kind}$", text, flags=re.M), f"docs/scenario-format.md needs a '### {kind}' section"
    assert f"<!-- generated: event.{kind} -->" in text
    assert f"| `{kind}` |" in text  # the event table


@pytest.mark.parametrize("kind", sorted(EVENT_TYPES))
def test_type_compiles_into_the_policy(kind: str) -> None:
    events = EXAMPLES[kind]
    base = _policy([e for e in events if e["type"] != kind])
    with_event = _policy(events)
    changed = [k for k in base if k != "dates" and not np.array_equal(base[k], with_event[k])]
    assert changed, f"{kind} changed no policy array"


@pytest.mark.parametrize("kind", sorted(EVENT_TYPES))
def test_type_is_described(kind: str) -> None:
    sc = Scenario.model_validate({"name": "x", "dataset": "toy", "start": START, "horizon_days": 60, "events": EXAMPLES[kind]})
    ev = next(e for e in sc.events if e.kind == kind)
    d = ev.describe(0, dt.date(2025, 1, 1))
    assert isinstance(d, EventDescription)
    assert d.kind == kind and d.details and d.start
