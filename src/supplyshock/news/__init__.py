"""Draft a scenario from a news report: events, observations and claims, each with its source sentence.

Offline and deterministic by default (rules on spaCy's blank English tokenizer, dateparser
and pycountry; nothing is downloaded). See ``docs/news.md``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from supplyshock.news.errors import ArticleError, LLMError, NewsError, NoEventError
from supplyshock.news.model import Claim, DateValue, Draft, DraftEvent, Observation, Sentence
from supplyshock.news.pipeline import draft_from_text as _rules_draft
from supplyshock.news.text import Article, read_article, read_articles, text_from_source

__all__ = [
    "Article",
    "ArticleError",
    "Claim",
    "DateValue",
    "Draft",
    "DraftEvent",
    "LLMError",
    "NewsError",
    "NoEventError",
    "Observation",
    "Sentence",
    "draft_file",
    "draft_from_text",
    "draft_path",
    "preview",
    "read_article",
    "read_articles",
]


def draft_from_text(text: str, date: dt.date, dataset: str | None = None, *, source: str = "<article>") -> Draft:
    """Draft from pasted text (plain or HTML); the call a server makes.

    Parameters
    ----------
    text : str
        The article.
    date : datetime.date
        Its publication date.
    dataset : str, optional
        The dataset the caller means to write the scenario for (noted on the draft; pass it
        again to :func:`~supplyshock.news.scenario.scenario_from_draft`).
    source : str

    Returns
    -------
    Draft
        ``draft.to_dict()`` is its JSON form.
    """
    article = text_from_source(text, source)
    draft = _rules_draft(article.text, date, source=source)
    if dataset:
        draft.notes.append(f"dataset: {dataset}")
    return draft


def draft_file(path: str | Path, date: dt.date | None = None) -> Draft:
    """Draft from one article file; ``date`` defaults to a date found in the file.

    Raises
    ------
    ArticleError
        Unreadable input, or no publication date given or found.
    """
    article = read_article(path)
    published = date or article.published
    if published is None:
        raise ArticleError(f"{Path(path).name}: no publication date found in the file; pass --date YYYY-MM-DD; nothing was written")
    return _rules_draft(article.text, published, source=article.label)


def draft_path(path: str | Path, date: dt.date | None = None, *, llm: bool = False) -> list[Draft]:
    """Draft every article of a file or folder (read and checked before anything is drafted).

    Parameters
    ----------
    path : str or Path
        An article file, or a folder of ``.txt``/``.html``/``.htm``/``.md`` files.
    date : datetime.date, optional
        Publication date; default: the date each file gives (HTML metadata), else an error.
    llm : bool
        Use the language-model backend (:mod:`supplyshock.news.llm`) instead of the rules.

    Raises
    ------
    ArticleError
        An unreadable, empty, oversized or non-English file, or no publication date.
    LLMError
        The language-model backend is not configured or fails.
    """
    articles = read_articles(path)
    for a in articles:
        if (date or a.published) is None:
            raise ArticleError(f"{a.label}: no publication date found in the file; pass --date YYYY-MM-DD; nothing was written")
    if llm:
        from supplyshock.news.llm import draft_with_llm

        return [draft_with_llm(a.text, date or a.published, source=a.label) for a in articles]  # type: ignore[arg-type]
    return [_rules_draft(a.text, date or a.published, source=a.label) for a in articles]  # type: ignore[arg-type]


def preview(text: str, date: dt.date, dataset: str | None = None, *, source: str = "<article>") -> dict[str, Any]:
    """Everything a page needs to show a draft, as JSON-ready data (what a server route returns).

    Parameters
    ----------
    text : str
        The pasted article (plain text or HTML).
    date : datetime.date
        Its publication date.
    dataset : str, optional
    source : str

    Returns
    -------
    dict
        ``draft`` (:meth:`Draft.to_dict`: sentences, events with each field's sentence,
        claims, observations) and ``scenario`` (``name``, ``dataset``, ``yaml``, and per
        drafted event its ``status``, ``id``, ``todos`` and ``notes``), or ``scenario: None``
        and ``message`` when no event can be written.

    Raises
    ------
    ArticleError
        Empty or non-English text.
    """
    from supplyshock.news.scenario import scenario_from_draft

    d = draft_from_text(text, date, source=source)
    out: dict[str, Any] = {"draft": d.to_dict(), "scenario": None, "message": ""}
    try:
        sd = scenario_from_draft(d, dataset)
    except NewsError as exc:
        out["message"] = str(exc)
        return out
    out["scenario"] = {
        "name": sd.name,
        "dataset": sd.dataset,
        "yaml": sd.text,
        "events": [{"index": r.index, "status": r.status, "id": r.data.get("id"), "todos": r.todos, "notes": r.notes} for r in sd.rendered],
    }
    return out
