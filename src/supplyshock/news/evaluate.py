"""Score drafts against the labelled evaluation set (``tests/data/news/labels.yaml``).

Matching rules
--------------
Per article, each predicted event is matched to at most one labelled item of the same
``type`` and ``lift`` flag, greedily in order of a similarity score (shared parties +
shared materials + equal date); a pair needs at least one shared party or material, or
both material lists empty. Gold ``events`` are matched one to one; ``background`` items
(earlier measures the report mentions as context) may absorb any number of predictions and
are **neutral**: a prediction matched to one counts neither as a hit nor as a false alarm.

* **type**: a prediction matched to a gold event is a true positive; one matched to nothing
  is a false positive; a gold event left unmatched is a false negative.
* **parties**, **materials** and **dates** are scored as sets over the same pairs: the
  parties of an event are its actor, its parties (agreements), its tariff target and its
  destinations when they are a list; its materials are vocabulary names; its date is the
  effect date (or the agreement's date) when not null. For a matched pair the intersection
  counts as true positives, the rest of each side as false positives (predicted) or false
  negatives (gold); an unmatched prediction contributes all its elements as false positives,
  an unmatched gold event all of its as false negatives. Two dates match when one is a
  prefix of the other ("2025-05" matches "2025-05-12"; "2010" matches "2010-01-01").

Precision = TP / (TP + FP), recall = TP / (TP + FN), summed over all articles (micro
average).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supplyshock.news.errors import NewsError
from supplyshock.news.model import DraftEvent
from supplyshock.safeyaml import load_yaml_file

__all__ = ["FIELDS", "Score", "evaluate", "load_labels", "score_article"]

#: The scored fields, in print order.
FIELDS = ("type", "parties", "materials", "dates")


@dataclass
class Score:
    """True positives, false positives and false negatives of one field."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        """TP / (TP + FP) (1.0 when nothing was predicted)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """TP / (TP + FN) (1.0 when nothing was to be found)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add(self, other: Score) -> None:
        """Add another score's counts to this one."""
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn


@dataclass
class _Item:
    type: str
    lift: bool
    parties: set[str]
    materials: set[str]
    date: str | None
    background: bool = False
    used: bool = field(default=False)


def _text(v: Any) -> str | None:
    if v is None:
        return None
    return v.isoformat() if isinstance(v, dt.date) else str(v)


def _item(d: dict[str, Any], background: bool = False) -> _Item:
    parties = {str(p) for p in d.get("parties") or []}
    for key in ("actor", "target"):
        if d.get(key) and d.get(key) != "all":
            parties.add(str(d[key]))
    dest = d.get("destinations")
    if isinstance(dest, list):
        parties |= {str(x) for x in dest}
    return _Item(str(d["type"]), bool(d.get("lift")), parties, {str(m) for m in d.get("materials") or []}, _text(d.get("date")), background)


def _dates_match(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and (a.startswith(b) or b.startswith(a))


def _similarity(p: _Item, g: _Item) -> float:
    if p.type != g.type or p.lift != g.lift:
        return -1.0
    shared = len(p.parties & g.parties) + len(p.materials & g.materials)
    if shared == 0 and (p.materials or g.materials):
        return -1.0
    return shared + (1.0 if _dates_match(p.date, g.date) else 0.0) + (0.5 if g.background else 0.6)


def _set_score(pred: set[str], gold: set[str], same: Callable[[str, str], bool] = str.__eq__) -> Score:
    tp = sum(1 for x in pred if any(same(x, y) for y in gold))
    return Score(tp, len(pred) - tp, len(gold) - sum(1 for y in gold if any(same(x, y) for x in pred)))


def _field_sets(item: _Item) -> dict[str, set[str]]:
    return {"parties": item.parties, "materials": item.materials, "dates": {item.date} if item.date else set()}


def _match(preds: list[_Item], gold: list[_Item]) -> list[tuple[_Item, _Item | None]]:
    pairs = sorted(((_similarity(p, g), i, j) for i, p in enumerate(preds) for j, g in enumerate(gold)), reverse=True)
    out: dict[int, _Item] = {}
    for sim, i, j in pairs:
        if sim < 0 or i in out or (gold[j].used and not gold[j].background):
            continue
        out[i] = gold[j]
        gold[j].used = True
    return [(p, out.get(i)) for i, p in enumerate(preds)]


def score_article(predicted: Iterable[DraftEvent | dict[str, Any]], label: dict[str, Any]) -> dict[str, Score]:
    """Score the events drafted from one article against its label.

    Parameters
    ----------
    predicted : iterable of DraftEvent or dict
        Drafted events (or dicts in the label schema).
    label : dict
        One item of ``labels.yaml``.

    Returns
    -------
    dict
        Field name -> :class:`Score`.
    """
    preds = [_item(p.label() if isinstance(p, DraftEvent) else p) for p in predicted]
    gold = [_item(e) for e in label.get("events") or []] + [_item(e, True) for e in label.get("background") or []]
    scores = {f: Score() for f in FIELDS}
    for p, g in _match(preds, gold):
        if g is not None and g.background:
            continue
        scores["type"].add(Score(1, 0, 0) if g is not None else Score(0, 1, 0))
        for name, values in _field_sets(p).items():
            scores[name].add(_set_score(values, _field_sets(g)[name] if g else set(), _dates_match if name == "dates" else str.__eq__))
    for g in gold:
        if not g.background and not g.used:
            scores["type"].add(Score(0, 0, 1))
            for name, values in _field_sets(g).items():
                scores[name].add(Score(0, 0, len(values)))
    return scores


def load_labels(folder: str | Path) -> list[dict[str, Any]]:
    """The items of ``labels.yaml`` in a folder of the evaluation set."""
    data = load_yaml_file(Path(folder) / "labels.yaml", what="labels", error=NewsError)
    if not isinstance(data, list):
        raise NewsError(f"{folder}/labels.yaml: expected a list of reports")
    return data


def evaluate(folder: str | Path, draft: Callable[[Path, dt.date], Iterable[DraftEvent]]) -> tuple[dict[str, Score], dict[str, dict[str, Score]]]:
    """Score a drafter over the whole evaluation set.

    Parameters
    ----------
    folder : str or Path
        ``tests/data/news``.
    draft : callable
        ``draft(path, published) -> events``.

    Returns
    -------
    tuple
        Totals per field, and the scores of each report (by id).
    """
    totals = {f: Score() for f in FIELDS}
    per: dict[str, dict[str, Score]] = {}
    for label in load_labels(folder):
        published = label["published"] if isinstance(label["published"], dt.date) else dt.date.fromisoformat(str(label["published"]))
        scores = score_article(draft(Path(folder) / str(label["file"]), published), label)
        per[str(label["id"])] = scores
        for f in FIELDS:
            totals[f].add(scores[f])
    return totals, per
