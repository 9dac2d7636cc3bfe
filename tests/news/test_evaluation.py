"""Regression guard: precision and recall on the labelled set must not fall below the levels reached (minus a margin).

The levels were measured with ``python benchmarks/bench_news.py`` when the drafter was
written (type 1.00/1.00, parties 1.00/1.00, materials 1.00/1.00, dates 0.94/1.00). They are
in-sample figures: the rules were written while reading these reports.
"""

from __future__ import annotations

import datetime as dt
import socket
from pathlib import Path

import pytest

from supplyshock.news import draft_file
from supplyshock.news.evaluate import FIELDS, Score, evaluate, score_article

MARGIN = 0.05
#: (precision, recall) measured on tests/data/news when the drafter was written.
MEASURED = {"type": (1.00, 1.00), "parties": (1.00, 1.00), "materials": (1.00, 1.00), "dates": (0.94, 1.00)}


def test_precision_and_recall_hold(news_dir: Path) -> None:
    totals, _per = evaluate(news_dir, lambda path, published: draft_file(path, published).events)
    for field in FIELDS:
        p, r = MEASURED[field]
        s = totals[field]
        assert s.precision >= p - MARGIN, f"{field} precision {s.precision:.2f} < {p - MARGIN:.2f} ({s})"
        assert s.recall >= r - MARGIN, f"{field} recall {s.recall:.2f} < {r - MARGIN:.2f} ({s})"


def test_scoring_rules() -> None:
    label = {
        "events": [{"type": "licence", "actor": "CHN", "destinations": "all", "materials": ["gallium", "germanium"], "date": dt.date(2023, 8, 1)}],
        "background": [{"type": "quota", "actor": "CHN", "materials": ["rare earths"], "date": "2010"}],
    }
    pred = [
        {"type": "licence", "actor": "CHN", "destinations": "all", "materials": ["gallium"], "date": "2023-08"},
        {"type": "quota", "actor": "CHN", "materials": ["rare earths"], "date": "2010-01-01"},
        {"type": "tariff", "actor": "USA", "target": "CHN", "materials": ["all goods"], "date": None},
    ]
    s = score_article(pred, label)
    assert s["type"] == Score(1, 1, 0)  # the quota matches background: neutral; the tariff is a false positive
    assert s["materials"] == Score(1, 1, 1) and s["dates"] == Score(1, 0, 0) and s["parties"] == Score(1, 2, 0)


def test_nothing_is_downloaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh blank pipeline and the date parser work with the network cut off."""
    import spacy

    from supplyshock.news.dates import parse_full_date

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    assert [s.text for s in nlp("One. Two.").sents] == ["One.", "Two."]
    assert parse_full_date("May 12, 2025") == dt.date(2025, 5, 12)
