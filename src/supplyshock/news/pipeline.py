"""From an article's text to a :class:`~supplyshock.news.model.Draft` (the rule-based backend)."""

from __future__ import annotations

import datetime as dt

from supplyshock.news.claims import find_claims
from supplyshock.news.events import Parsed, build_events, parse_sentence
from supplyshock.news.model import Draft
from supplyshock.news.observations import find_observations
from supplyshock.news.sentences import split_article
from supplyshock.news.text import check_english

__all__ = ["draft_from_text", "parse_article"]


def parse_article(text: str, published: dt.date) -> tuple[list[Parsed], str | None]:
    """Sentences with their mentions; relative dates count from the last day given before them."""
    seg = split_article(text)
    anchor: dt.date | None = None
    parsed = []
    for s in seg.sentences:
        p = parse_sentence(s, published, anchor)
        days = [d.value.first_day() for d in p.dates if d.value is not None and d.value.precision == "day" and not s.title]
        days = [d for d in days if d <= published]
        if days:
            anchor = days[-1]
        parsed.append(p)
    return parsed, seg.dateline_country


def draft_from_text(text: str, published: dt.date, *, source: str = "<article>") -> Draft:
    """Draft events, observations and claims from the text of one article (rules only, offline).

    Parameters
    ----------
    text : str
        The article as plain text (paragraphs separated by line breaks; the headline first).
    published : datetime.date
        Its publication date: "on Monday", "last month" are resolved from it.
    source : str
        A label for messages and provenance (the file name).

    Returns
    -------
    Draft
        Possibly without events (a market report); the caller decides what to do then.

    Raises
    ------
    ArticleError
        The text is empty or not English.
    """
    check_english(text, source)
    parsed, dateline_country = parse_article(text, published)
    events = build_events(parsed, published, dateline_country)
    observations = find_observations(parsed, published, dateline_country)
    claims = find_claims(parsed, events)
    return Draft(
        source=source,
        published=published,
        sentences=[p.sentence for p in parsed],
        events=events,
        observations=observations,
        claims=claims,
    )
