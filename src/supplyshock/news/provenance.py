"""The sidecar file ``<name>.provenance.json``: every event, field, sentence, confidence, TODO, claim and observation."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from supplyshock.news.model import Draft, DraftEvent
from supplyshock.news.scenario import Rendered

__all__ = ["FORMAT", "article_record", "sidecar"]

#: Identifies the sidecar's layout.
FORMAT = "supplyshock-draft-provenance/1"

_FIELDS = ("actor", "parties", "target", "destinations", "materials", "date", "announced", "value", "whitelist")


def _jsonable(v: Any) -> Any:
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    return v


def _fields(draft: Draft, ev: DraftEvent) -> dict[str, Any]:
    out: dict[str, Any] = {}
    label = ev.label()
    for name in _FIELDS:
        value = asdict(ev)[name] if name == "whitelist" else label.get(name, getattr(ev, name, None))
        if value in (None, [], "") and name not in ("date", "value"):
            continue
        sentence = ev.evidence.get(name)
        out[name] = {
            "value": _jsonable(value),
            "sentence": sentence,
            "text": draft.sentence_text(sentence) if sentence is not None else None,
            "inferred": sentence is None and value not in (None, []),
        }
    return out


def _event(draft: Draft, ev: DraftEvent, r: Rendered | None) -> dict[str, Any]:
    return {
        "id": r.data.get("id") if r else None,
        "status": r.status if r else "not rendered",
        "type": ev.type,
        "lift": ev.lift,
        "confidence": ev.confidence,
        "sentences": ev.sentences,
        "attributed_to": ev.attributed_to or None,
        "fields": _fields(draft, ev),
        "scenario": _jsonable({k: v for k, v in r.data.items() if k != "source"}) if r else None,
        "pending": _jsonable(r.pending_parts) if r else {},
        "todos": r.todos if r else [],
        "notes": r.notes if r else ev.notes,
        "commitments": [asdict(c) for c in ev.commitments],
    }


def article_record(draft: Draft, rendered: list[Rendered], left_out: dict[int, str]) -> dict[str, Any]:
    """One article's part of the sidecar."""
    by_index = {r.index: r for r in rendered}
    observations = []
    for k, o in enumerate(draft.observations):
        rec = asdict(o)
        rec["observed_csv"] = k not in left_out
        if k in left_out:
            rec["left_out"] = left_out[k]
        observations.append(rec)
    return {
        "source": draft.source,
        "published": draft.published.isoformat(),
        "backend": draft.backend,
        "sentences": [asdict(s) for s in draft.sentences],
        "events": [_event(draft, ev, by_index.get(k)) for k, ev in enumerate(draft.events)],
        "claims": [asdict(c) for c in draft.claims],
        "observations": observations,
        "notes": draft.notes,
    }


def sidecar(name: str, dataset: str, articles: list[dict[str, Any]]) -> dict[str, Any]:
    """The whole sidecar: the scenario's name and dataset, the TODO list and each article's record."""
    todos = [f"{e['id'] or e['type']}: {t}" for a in articles for e in a["events"] for t in e["todos"]]
    return {"format": FORMAT, "scenario": name, "dataset": dataset, "todos": todos, "articles": articles}
