"""Split an article into sentences: headline, dateline, paragraphs, then spaCy's rule-based sentencizer."""

from __future__ import annotations

import re
from dataclasses import dataclass

from supplyshock.news.lexicon import nlp
from supplyshock.news.mentions import resolve_actor_text
from supplyshock.news.model import Sentence

__all__ = ["Segmented", "split_article"]

_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z .'’-]{2,40}(?:,\s*[A-Z][A-Za-z .'-]{1,30})?),\s*"
    r"(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}(?:,\s*\d{4})?|\d{1,2}\s+[A-Z][a-z]+(?:\s+\d{4})?)"
    r"\s*(?:\([^)]*\)\s*)?[-–—]+\s*"
)


@dataclass(frozen=True)
class Segmented:
    """An article split into sentences.

    Attributes
    ----------
    sentences : list of Sentence
    dateline : str
        The place of the dateline ("BEIJING", "NARVA, Estonia"), '' when there is none.
    dateline_country : str or None
        Its country code when known.
    """

    sentences: list[Sentence]
    dateline: str = ""
    dateline_country: str | None = None


def _is_title(paragraph: str, k: int) -> bool:
    return k == 0 and len(paragraph) < 200 and "\n" not in paragraph and not paragraph.rstrip().endswith((".", "”", '"'))


def _dateline_country(place: str) -> str | None:
    for part in reversed([p.strip() for p in place.split(",")]):
        code = resolve_actor_text(part.title())
        if code:
            return code
    return None


_ABBREVIATION_END = re.compile(r"\b(?:No|Nos|Corp|Inc|Ltd|Co|Art|Gov|Sen|Rep|St|Mt|Dr|Mr|Mrs|Ms|Prof|Gen|Jr|Sr|vs|approx)\.$")


def _join_abbreviations(parts: list[str]) -> list[str]:
    """Undo splits after abbreviations the sentencizer takes for a full stop ("Announcement No. 18")."""
    out: list[str] = []
    for part in parts:
        if out and _ABBREVIATION_END.search(out[-1]):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return out


def split_article(text: str) -> Segmented:
    """Sentences of an article (paragraphs are separated by blank lines or line breaks).

    The first paragraph is the headline when it is short and has no final full stop. A
    dateline ("BEIJING, Aug. 15 - ") is removed from the sentence and kept apart.
    """
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n|\n", text) if p.strip()]
    out: list[Sentence] = []
    dateline = ""
    for k, para in enumerate(paragraphs):
        if _is_title(para, k):
            out.append(Sentence(len(out), para, k, True))
            continue
        m = _DATELINE.match(para)
        if m and not dateline:
            dateline = m.group("place").strip()
            para = para[m.end() :]
        for txt in _join_abbreviations([s.text.strip() for s in nlp()(para).sents if s.text.strip()]):
            out.append(Sentence(len(out), txt, k, False))
    return Segmented(out, dateline, _dateline_country(dateline) if dateline else None)
