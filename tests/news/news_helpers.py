"""Helpers of the news tests."""

from __future__ import annotations

import datetime as dt

from supplyshock.news import Draft, DraftEvent
from supplyshock.news.pipeline import draft_from_text


def draft(text: str, published: dt.date = dt.date(2025, 6, 9)) -> Draft:
    """Draft a short text with the rules."""
    return draft_from_text(text, published, source="test.txt")


def only(d: Draft, kind: str) -> DraftEvent:
    """The one event of a type (fails when there are none or several)."""
    found = [e for e in d.events if e.type == kind]
    assert len(found) == 1, [e.label() for e in d.events]
    return found[0]
