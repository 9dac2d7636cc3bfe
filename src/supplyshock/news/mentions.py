"""Find what a sentence names: governments, materials and numbers, as token spans.

Matching is done with spaCy's :class:`~spacy.matcher.PhraseMatcher` on the blank English
tokenizer, from the tables of :mod:`supplyshock.news.lexicon`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from supplyshock.news.lexicon import actor_phrases, material_phrases, nlp

__all__ = ["Mention", "actor_mentions", "material_mentions", "resolve_actor_text"]


@dataclass(frozen=True)
class Mention:
    """A phrase found in a sentence.

    Attributes
    ----------
    start, end : int
        Token offsets in the sentence's Doc.
    text : str
    codes : tuple of str
        Country codes (actors) or vocabulary names (materials).
    """

    start: int
    end: int
    text: str
    codes: tuple[str, ...]


def _variants(phrase: str) -> list[Doc]:
    """Pattern docs of a phrase as written, upper case and title case (the tokenizer splits them differently)."""
    forms = dict.fromkeys([phrase, phrase.upper(), phrase.title(), phrase[:1].upper() + phrase[1:]])
    return [nlp().make_doc(f) for f in forms]


@cache
def _actor_matchers() -> tuple[PhraseMatcher, PhraseMatcher]:
    lower, exact = actor_phrases()
    vocab = nlp().vocab
    m_lower = PhraseMatcher(vocab, attr="LOWER")
    m_exact = PhraseMatcher(vocab, attr="ORTH")
    for phrase in lower:
        m_lower.add(phrase, _variants(phrase))
    for phrase in exact:
        m_exact.add(phrase, [nlp().make_doc(phrase)])
    return m_lower, m_exact


@cache
def _material_matcher() -> PhraseMatcher:
    matcher = PhraseMatcher(nlp().vocab, attr="LOWER")
    for phrase in material_phrases():
        matcher.add(phrase, _variants(phrase))
    return matcher


def _spans(doc: Doc, matchers: list[PhraseMatcher]) -> list[Span]:
    spans: list[Span] = []
    for matcher in matchers:
        for match_id, start, end in matcher(doc):
            spans.append(Span(doc, start, end, label=match_id))
    return filter_spans(spans)


def actor_mentions(doc: Doc) -> list[Mention]:
    """Governments named in a sentence, resolved to ISO3 (or ``EU``)."""
    lower, exact = actor_phrases()
    out = []
    for span in _spans(doc, list(_actor_matchers())):
        key = nlp().vocab.strings[span.label]
        code = exact.get(key) or lower.get(key)
        if code:
            out.append(Mention(span.start, span.end, span.text, (code,)))
    return out


def material_mentions(doc: Doc) -> list[Mention]:
    """Materials named in a sentence, as vocabulary names (``*`` generic, ``-`` outside)."""
    phrases = material_phrases()
    return [Mention(s.start, s.end, s.text, phrases[nlp().vocab.strings[s.label]]) for s in _spans(doc, [_material_matcher()])]


def resolve_actor_text(text: str) -> str | None:
    """The code of a government named by a short text ("Beijing", "U.S.", "Japan"), or None.

    Accepts an ISO3 code as is.
    """
    stripped = text.strip()
    if re.fullmatch(r"[A-Z]{3}|EU|WLD", stripped):
        return stripped
    found = actor_mentions(nlp().make_doc(stripped))
    return found[0].codes[0] if found else None
