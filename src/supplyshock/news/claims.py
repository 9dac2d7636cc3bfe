"""Statements attributed to someone: accusations, denials, justifications, threats, forecasts, reports.

A sentence is a claim when it names a speaker (``X said``, ``said X``, ``according to X``,
``X has accused``, a quotation) and it is not simply the report of a measure by its author
("the ministry said exports will need a licence" is an event). A sentence that states a
measure is still a claim when it justifies, denies, accuses, threatens or forecasts.
Commitments ("had agreed to resume rare earth shipments", "failing to uphold its
commitments") are also attached to the agreement between the two sides when the draft has
one.
"""

from __future__ import annotations

import re

from supplyshock.news.events import Parsed
from supplyshock.news.mentions import resolve_actor_text
from supplyshock.news.model import Claim, CommitmentDraft, DraftEvent
from supplyshock.news.triggers import find_triggers

__all__ = ["find_claims"]

_VERBS = (
    r"said|says|say|told|warned|warn|warns|argued|argue|accused|accuses|denied|denies|rejected|claimed|added|noted|reported|"
    r"expects|expected|forecast|forecasts|projects|urged|described|criticised|criticized|promised|pledged|threatened|complained|"
    r"announced|explained|clarified|believes|insisted|called"
)
_SPEAKER_ANY = re.compile(
    r"(?P<who>[A-Z][\w.’'-]*(?:\s(?:of\s|the\s)?[A-Z][\w.’'-]*)*)\s+(?:has\s+|have\s+|had\s+|also\s+|later\s+)?"
    r"(?:accused|warned|denied|rejected|argued|urged|threatened|criticised|criticized|complained|pledged|promised|insisted|announced|described)\b"
)
_SPEAKER_FIRST = re.compile(
    rf"^(?:[A-Z][^,]{{0,40}},\s*)?(?P<who>(?:[A-Z][\w.&'’-]*\s?|of\s|the\s|at\s|and\s|\d+\s|[a-z]+\s(?=[A-Z])){{1,12}}|[a-z][a-z ]{{2,30}}?)"
    rf"\s+(?:has\s+|have\s+|had\s+|also\s+|later\s+|meanwhile,\s+)?(?:{_VERBS})\b"
)
_SPEAKER_AFTER = re.compile(r"[,”\"]\s*(?:said|says|added|told reporters|told)\s+(?P<who>(?:the\s|a\s)?[^,.;“”\"]{3,80})")
_SPEAKER_TAIL = re.compile(rf",\s*(?P<who>(?:the\s|a\s|an\s)?[^,.;“”\"]{{3,80}}?)\s+(?:{_VERBS})(?:\s+on\s+\w+)?\.?$")
_ACCORDING = re.compile(r"\baccording to (?:a |an |the )?(?P<who>[^,.;]{3,60})", re.I)
_GROUPS = re.compile(
    r"\b(traders?|analysts?|economists?|market participants|market sources|sources|officials?|experts?|producers?|spokes(?:man|woman|person))\b", re.I
)
_KINDS = [
    ("denial", re.compile(r"\b(?:denied|denies|rejected|dismissed|no ban|never)\b", re.I)),
    ("accusation", re.compile(r"\b(?:accus\w*|violat\w*|bullying|coercion|unfair|responsib\w*|failing to|broke|breaking)\b", re.I)),
    ("threat", re.compile(r"\b(?:threat\w*|warn\w*|fight to the end|countermeasures|take action)\b", re.I)),
    (
        "justification",
        re.compile(
            r"\b(?:national security|safeguard|to protect|needed to|non-proliferation|conserve|common international practice|because)\b", re.I
        ),
    ),
    ("forecast", re.compile(r"\b(?:expect\w*|forecast\w*|project\w*|could|may|might|will likely|unlikely|possible|plans?|considering)\b")),
    ("commitment", re.compile(r"\b(?:commitment\w*|committed|pledg\w*|promis\w*|agreed to resume)\b", re.I)),
]
_COMMIT = re.compile(r"\b(?:commitments?|committed|pledged|promised|agreed to resume)\b", re.I)


def _speaker(text: str) -> str | None:
    for rx in (_ACCORDING, _SPEAKER_AFTER, _SPEAKER_TAIL, _SPEAKER_FIRST, _SPEAKER_ANY):
        m = rx.search(text)
        if m:
            who = " ".join(m.group("who").split())
            if not re.search(r"[A-Z]", who) and not _GROUPS.search(who):
                continue
            if (
                who
                and not who.lower().startswith(("it ", "they", "he ", "she ", "this", "that", "which"))
                and who.lower() not in ("it", "he", "she", "they")
            ):
                return who
    return None


def _code(who: str) -> str:
    """A government's code for a speaker that names one; otherwise a short name."""
    code = resolve_actor_text(who)
    if code:
        return code
    group = _GROUPS.search(who)
    if group:
        return group.group(1).lower()
    words = re.findall(r"[A-Z][\w&.'’-]+(?:\s[A-Z][\w&.'’-]+)*", who)
    return words[-1] if words else who[:60]


def _kind(text: str) -> str:
    return next((k for k, rx in _KINDS if rx.search(text)), "statement")


def _about(p: Parsed, by: str) -> str:
    others = [m.codes[0] for m, _r in p.actors if m.codes[0] != by]
    if others:
        return others[0]
    own = [m.codes[0] for m, _r in p.actors]
    return own[0] if own else by


def _is_claim(p: Parsed, events_here: bool, kind: str) -> bool:
    if p.quotes:
        return True
    if not events_here:
        return True
    return kind in ("denial", "accusation", "threat", "justification", "forecast", "commitment")


def find_claims(parsed: list[Parsed], events: list[DraftEvent]) -> list[Claim]:
    """The claims of an article (commitments are also attached to the matching agreement).

    Parameters
    ----------
    parsed : list of Parsed
    events : list of DraftEvent
        The article's events: sentences that gave an event are claims only when they
        justify, deny, accuse, threaten or forecast.

    Returns
    -------
    list of Claim
    """
    with_events = {i for e in events for i in e.sentences}
    out: list[Claim] = []
    last_quote: Claim | None = None
    for p in parsed:
        text = p.sentence.text
        if p.sentence.title:
            continue
        who = _speaker(text)
        if who is None and p.quotes and last_quote is not None:
            who = last_quote.by
        kind = _kind(text)
        if who is None or not _is_claim(p, p.sentence.index in with_events or bool(find_triggers(p.doc)), kind):
            last_quote = None
            continue
        by = _code(who)
        claim = Claim(by=by, about=_about(p, by), kind=kind, summary=text, sentence=p.sentence.index, confidence=0.6 if by.isupper() else 0.5)
        out.append(claim)
        last_quote = claim if p.quotes else None
        _commitment(p, claim, events)
    return out


def _commitment(p: Parsed, claim: Claim, events: list[DraftEvent]) -> None:
    """Attach a promise of exports to the agreement between the two sides, if the draft has one."""
    if not _COMMIT.search(p.sentence.text):
        return
    agreement = next((e for e in events if e.type == "agreement"), None)
    countries = [m.codes[0] for m, _r in p.actors]
    if agreement is None or len(set(agreement.parties)) < 2:
        return
    exporters = [e.actor for e in events if e.type in ("export_ban", "licence", "quota") and e.actor in agreement.parties]
    exporter = next((c for c in countries if c in exporters), exporters[0] if exporters else None)
    importer = next((c for c in agreement.parties if c != exporter), None)
    materials = [c for m in p.materials for c in m.codes if c not in ("*", "-")]
    if exporter is None or importer is None or not materials:
        return
    if any(c.exporter == exporter and c.importer == importer and c.materials == materials for c in agreement.commitments):
        return
    agreement.commitments.append(CommitmentDraft(exporter, importer, materials, p.sentence.text, p.sentence.index))
    agreement.sentences = sorted(set(agreement.sentences) | {p.sentence.index})
