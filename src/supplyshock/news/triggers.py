"""Words that announce a policy event, found with spaCy's rule-based :class:`~spacy.matcher.Matcher`.

Each pattern names an event type and whether it *lifts* a measure. A trigger is dropped when
it is negated ("issued no ban", "never amounted to an export ban"), hedged ("may", "plans to",
"could"), denied ("rejected reports that ..."), quoted, or inside a sentence about a legal
case (a WTO complaint or ruling is not an event, except that a measure scrapped after one is).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from spacy.matcher import Matcher
from spacy.tokens import Doc

from supplyshock.news.lexicon import nlp

__all__ = ["MEASURE_TYPES", "Trigger", "find_triggers", "quoted_spans"]

_EXPORT = ["export", "exports", "exported", "exporting", "exporters", "exporter", "shipments", "shipment", "deliveries", "cargoes", "shipping"]
_BAN = [
    "ban",
    "bans",
    "banned",
    "banning",
    "halt",
    "halts",
    "halted",
    "halting",
    "stop",
    "stops",
    "stopped",
    "suspend",
    "suspends",
    "suspended",
    "suspending",
    "suspension",
    "prohibit",
    "prohibits",
    "prohibited",
    "prohibiting",
    "barred",
    "block",
    "blocked",
]
_BAN_AFTER = ["halted", "suspended", "stopped", "banned", "prohibited", "blocked", "held"]
_LICENCE = ["licence", "licences", "license", "licenses", "licensing", "permit", "permits", "permission"]
_RESTRICT = [
    "restrict",
    "restricts",
    "restricted",
    "restricting",
    "tighten",
    "tightens",
    "tightened",
    "tightening",
    "curb",
    "curbed",
    "control",
    "controls",
    "controlling",
]
_CONTROL_NOUNS = ["control", "controls", "curbs", "restrictions", "licensing", "licences", "licenses", "permits"]
_LIFT = [
    "abolished",
    "abolish",
    "abolishes",
    "scrapped",
    "scrap",
    "scraps",
    "dropped",
    "drop",
    "drops",
    "removed",
    "lifted",
    "lift",
    "lifts",
    "ended",
    "ends",
]
#: Verbs that end a measure named after them ("will end its ban", "suspending the curbs").
_LIFT_VERBS = ["suspend", "suspends", "suspending", "lift", "lifts", "lifting", "end", "ending"]
#: Lift verbs that are also nouns ("the end of the ban"): not a lift after a determiner.
_LIFT_NOUNS = {"end", "lift"}
_DETERMINERS = {"the", "a", "an", "its", "their", "this", "that", "his", "her"}
#: The type a generic lift takes from the measure word it names ("end its ban"); others take the last control's type.
MEASURE_TYPES = {"ban": "export_ban", "embargo": "export_ban"}
_MEASURES = ["restriction", "restrictions", "sanctions", "measure", "measures", "curbs", "ban", "embargo"]
_LIFT_AFTER = ["suspended", "lifted", "scrapped", "abolished", "removed", "dropped", "ended", "eased"]
_STOCKS = ["stocks", "stockpile", "stockpiles", "reserves", "reserve", "inventories", "inventory"]
_RELEASE = ["auction", "auctions", "auctioned", "auctioning", "sell", "sells", "sold", "selling", "release", "releases", "released", "releasing"]
_PLANT = ["plant", "refinery", "factory", "smelter", "circuit", "mine", "project"]
_BUILD = ["build", "building", "built", "construction", "commissioned", "opened", "open", "loan", "funding", "expand", "expansion", "capacity"]
_START = ["begin", "began", "begun", "start", "started", "starting", "starts"]
_PRODUCE = ["producing", "production", "extracting", "extraction", "making", "output", "produce"]
_ANY = {"OP": "*", "TEXT": {"NOT_IN": [",", ";", ".", ":", "—", "–", "(", ")", "“", "”", '"']}}

# (type, lift, needs a previous event of the type, pattern)
_PATTERNS: list[tuple[str, bool, bool, list[dict[str, Any]]]] = [
    ("export_ban", False, False, [{"LOWER": {"IN": _BAN}}, _ANY, {"LOWER": {"IN": _EXPORT}}]),
    ("export_ban", False, False, [{"LOWER": {"IN": _EXPORT}}, _ANY, {"LOWER": {"IN": _BAN_AFTER}}]),
    (
        "export_ban",
        False,
        False,
        [
            {"LOWER": {"IN": _EXPORT}},
            _ANY,
            {"LOWER": {"IN": ["come", "came"]}},
            {"LOWER": "to"},
            {"LOWER": "a"},
            {"LOWER": {"IN": ["stop", "halt", "standstill"]}},
        ],
    ),
    (
        "export_ban",
        False,
        False,
        [{"LOWER": {"IN": _EXPORT}}, _ANY, {"LOWER": "not"}, {"LOWER": "be", "OP": "?"}, {"LOWER": {"IN": ["permitted", "allowed"]}}],
    ),
    ("export_ban", False, False, [{"LOWER": "export"}, {"LOWER": {"IN": ["ban", "bans", "embargo"]}}]),
    ("export_ban", False, False, [{"LOWER": "embargo"}, {"LOWER": {"IN": ["on", "of", "against"]}}]),
    ("export_ban", False, False, [{"LOWER": "cut"}, {"LOWER": "off"}, _ANY, {"LOWER": "access"}]),
    ("licence", False, False, [{"LOWER": {"IN": _LICENCE}}]),
    ("licence", False, False, [{"LOWER": "export"}, {"LOWER": {"IN": _CONTROL_NOUNS}}]),
    ("licence", False, False, [{"LOWER": {"IN": ["controls", "restrictions", "curbs"]}}, {"LOWER": "on"}, _ANY, {"LOWER": {"IN": _EXPORT}}]),
    ("licence", False, False, [{"LOWER": {"IN": _RESTRICT}}, _ANY, {"LOWER": {"IN": _EXPORT}}]),
    ("licence", False, False, [{"LOWER": {"IN": ["review", "reviews", "scrutiny", "vetting"]}}, _ANY, {"LOWER": {"IN": [*_EXPORT, "shipped"]}}]),
    ("licence", False, False, [{"LOWER": "without"}, {"LOWER": {"IN": ["permission", "a", "licence", "license", "permit"]}}]),
    ("quota", False, False, [{"LOWER": {"IN": ["quota", "quotas"]}}]),
    ("quota", False, False, [{"LOWER": {"IN": ["allowances", "allocations"]}}]),
    ("quota", False, False, [{"LOWER": {"IN": ["cap", "caps", "capped", "capping"]}}, _ANY, {"LOWER": {"IN": _EXPORT}}]),
    ("quota", False, False, [{"LOWER": {"IN": _EXPORT}}, _ANY, {"LOWER": "capped"}]),
    ("quota", False, False, [{"LOWER": {"IN": ["less", "more"]}}, _ANY, {"LOWER": "leave"}, {"LOWER": "the"}, {"LOWER": "country"}]),
    ("quota", True, False, [{"LOWER": {"IN": _LIFT}}, _ANY, {"LOWER": {"IN": ["quota", "quotas"]}}]),
    ("quota", True, False, [{"LOWER": "no"}, {"LOWER": "longer"}, _ANY, {"LOWER": "limit"}]),
    ("?", True, False, [{"LOWER": {"IN": _MEASURES}}, _ANY, {"LOWER": {"IN": _LIFT_AFTER}}]),
    (
        "?",
        True,
        False,
        [{"LOWER": {"IN": [*_LIFT_AFTER, *_LIFT_VERBS]}}, _ANY, {"LOWER": {"IN": _MEASURES}}],
    ),
    ("tariff", False, False, [{"LOWER": {"IN": ["tariff", "tariffs", "duty", "duties", "levy", "levies"]}}]),
    ("agreement", False, False, [{"LOWER": {"IN": ["agreement", "accord", "truce", "pact"]}}]),
    ("agreement", False, False, [{"LOWER": {"IN": ["trade", "a", "the"]}}, {"LOWER": "deal"}]),
    ("agreement", False, False, [{"LOWER": "joint"}, {"LOWER": "statement"}]),
    (
        "agreement",
        False,
        False,
        [{"LOWER": {"IN": ["agreed", "agreeing", "agree"]}}, {"LOWER": "to"}, _ANY, {"LOWER": {"IN": ["tariff", "tariffs", "duties"]}}],
    ),
    ("stockpile_release", False, False, [{"LOWER": {"IN": _RELEASE}}, _ANY, {"LOWER": {"IN": _STOCKS}}]),
    ("stockpile_release", False, False, [{"LOWER": {"IN": _STOCKS}}, _ANY, {"LOWER": {"IN": _RELEASE}}]),
    ("stockpile_release", False, True, [{"LOWER": {"IN": ["offering", "offers", "auctioning", "auction", "auctioned"]}}]),
    ("capacity_change", False, False, [{"LOWER": {"IN": _BUILD}}, _ANY, {"LOWER": {"IN": _PLANT}}]),
    ("capacity_change", False, False, [{"LOWER": {"IN": _PLANT}}, _ANY, {"LOWER": {"IN": _BUILD}}]),
    ("capacity_change", False, False, [{"LOWER": {"IN": _START}}, _ANY, {"LOWER": {"IN": _PRODUCE}}]),
    ("capacity_change", False, False, [{"LOWER": "produced"}, {"LOWER": {"IN": ["its", "the"]}}, {"LOWER": "first"}]),
    ("capacity_change", False, False, [{"LOWER": {"IN": ["produce", "make"]}}, _ANY, {"LOWER": {"IN": ["a", "per"]}}, {"LOWER": "year"}]),
    (
        "substitution",
        False,
        False,
        [{"LOWER": {"IN": ["substitute", "substitutes", "substituting", "substitution", "thrifting", "rare-earth-free"]}}],
    ),
]
#: Longest token distance a pattern with a gap may span.
_MAX_SPAN = 12

_NEGATIONS = {"no", "not", "never", "n't", "nor", "neither"}
_HEDGES = {
    "may",
    "might",
    "could",
    "should",
    "can",
    "plans",
    "plan",
    "planning",
    "planned",
    "considering",
    "consider",
    "threatened",
    "threatens",
    "expected",
    "expects",
    "expect",
    "hope",
    "hopes",
    "hoped",
    "wants",
    "want",
    "unlikely",
    "possible",
    "possibly",
    "proposed",
    "proposes",
    "propose",
    "seek",
    "seeking",
    "if",
    "whether",
    "urged",
    "urge",
    "demand",
    "demanded",
    "lobbied",
    "lobbies",
    "lobbying",
    "pressed",
    "pressing",
    "efforts",
    "effort",
    "attempts",
    "attempt",
}
#: Phrases that make what follows a plan, not a measure ("will develop a policy to ban", "to draw up a ban").
_PLANNING = re.compile(
    r"\bdraw(?:s|ing|n)? up\b|\bdevelop(?:s|ed|ing)?\s+(?:a|the|new)?\s*(?:policy|policies|plan|plans|rules|framework|regulations?)\b"
    r"|\bwork(?:s|ing)? on\b|\b(?:called|calls|calling|pushed|pushing) for\b"
)
_DENIALS = re.compile(r"\b(?:rejected|denied|denies|deny|dismissed|refuted)\b", re.I)
_LEGAL = re.compile(r"\b(?:WTO|World Trade Organization|complaint|appeal|appeals|ruling|ruled|dispute panel|panel|challenged|judges)\b")
_REPORTING = re.compile(r"\b(?:said|says|told|announced|stated|added|clarified)\b", re.I)
_EXISTING = re.compile(r"\b(?:already|existing|operates|operating|in operation|runs|run by|pipeline)\b", re.I)
_LOW_DISTANCE_TYPES = {"capacity_change"}


@dataclass(frozen=True)
class Trigger:
    """A word or phrase announcing an event.

    Attributes
    ----------
    type : str
        Event type; ``?`` for a generic lift ("the restriction was suspended") whose type is
        that of the measure it ends.
    lift : bool
    start, end : int
        Token offsets.
    needs_previous : bool
        Fires only when the article already has an event of the type (e.g. "the court is
        also offering 170 tonnes of tellurium").
    """

    type: str
    lift: bool
    start: int
    end: int
    needs_previous: bool = False


@cache
def _matcher() -> Matcher:
    matcher = Matcher(nlp().vocab)
    for k, (_type, _lift, _prev, pattern) in enumerate(_PATTERNS):
        matcher.add(f"p{k}", [pattern])
    return matcher


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges inside quotation marks (a quote left open runs to the end of the text)."""
    spans: list[tuple[int, int]] = []
    opened: int | None = None
    for m in re.finditer(r"[“”\"]", text):
        ch = m.group(0)
        if opened is None and ch in '“"':
            opened = m.start()
        elif opened is not None and ch in '”"':
            spans.append((opened, m.end()))
            opened = None
        elif opened is None and ch == "”":
            spans.append((0, m.end()))
    if opened is not None:
        spans.append((opened, len(text)))
    return spans


def _window(doc: Doc, start: int, size: int = 5) -> list[str]:
    """Lower-case words before a token, stopping at a clause break."""
    out: list[str] = []
    for tok in reversed(doc[max(0, start - size) : start]):
        if tok.text in {",", ";", "—", "–", ":"}:
            break
        out.append(tok.lower_)
    return out


def _hedged(doc: Doc, start: int) -> bool:
    words = _window(doc, start, 6)
    if "would" in words and not _REPORTING.search(doc[:start].text):
        return True
    text = " ".join(reversed(words))
    if _PLANNING.search(text):
        return True
    return bool(_HEDGES.intersection(words)) or bool(re.search(r"\bexpected to\b|\b(?:had|has|have|need|needs) to be\b", text))


def _blocked(doc: Doc, trig: Trigger, quotes: list[tuple[int, int]]) -> bool:
    """Negated, hedged, denied, quoted, legal, or (for plants) existing capacity."""
    char = doc[trig.start].idx
    if any(a <= char < b for a, b in quotes):
        return True
    if trig.start > 0 and doc[trig.start - 1].lower_ in ("of", "over", "about") and doc[trig.start].lower_ == "export":
        return True
    if doc[trig.start].lower_ in _LIFT_NOUNS and trig.start > 0 and doc[trig.start - 1].lower_ in _DETERMINERS:
        return True
    inside = {t.lower_ for t in doc[trig.start : trig.end]}
    if _NEGATIONS.intersection(_window(doc, trig.start)) or _hedged(doc, trig.start) or (trig.lift and _hedged(doc, trig.end - 1)):
        return True
    if _HEDGES.intersection(inside) or {"may", "might", "could", "would"} & inside:
        return True
    if _DENIALS.search(doc[: trig.start].text):
        return True
    if trig.type in _LOW_DISTANCE_TYPES and _EXISTING.search(doc.text):
        return True
    return bool(_LEGAL.search(doc.text)) and not trig.lift


def find_triggers(doc: Doc) -> list[Trigger]:
    """The unblocked triggers of a sentence, one per (type, lift), leftmost first.

    Parameters
    ----------
    doc : spacy.tokens.Doc
        The sentence.

    Returns
    -------
    list of Trigger
    """
    quotes = quoted_spans(doc.text)
    found: dict[tuple[str, bool], Trigger] = {}
    blocked: list[tuple[int, int]] = []
    for match_id, start, end in sorted(_matcher()(doc), key=lambda t: (t[1], -t[2])):
        kind, lift, needs_prev, _ = _PATTERNS[int(nlp().vocab.strings[match_id][1:])]
        if end - start > _MAX_SPAN or (kind, lift) in found or any(a <= start < b for a, b in blocked):
            continue
        trig = Trigger(kind, lift, start, end, needs_prev)
        if _blocked(doc, trig, quotes):
            blocked.append((start, end))
            continue
        found[(kind, lift)] = trig
    return _resolve_conflicts(doc, list(found.values()))


def _resolve_conflicts(doc: Doc, triggers: list[Trigger]) -> list[Trigger]:
    """A lift of a measure is not also the measure; "without permission" is a licence, not a ban."""
    types = {(t.type, t.lift) for t in triggers}
    out = []
    for t in triggers:
        if not t.lift and any(u.lift and t.type in _lifted_types(doc, u) for u in triggers) and t.type != "tariff":
            continue
        if t.type == "export_ban" and ("licence", False) in types and re.search(r"\bwithout (?:permission|a licen[cs]e|a permit)", doc.text):
            continue
        if t.type == "licence" and not _licence_context(doc):
            continue
        out.append(t)
    return out


def _lifted_types(doc: Doc, t: Trigger) -> set[str]:
    """The types a lift may end: its own, or for a generic lift the measure it names ("end its ban"), else any."""
    if t.type != "?":
        return {t.type}
    named = {MEASURE_TYPES[w.lower_] for w in doc[t.start : t.end] if w.lower_ in MEASURE_TYPES}
    return named or {"?", "export_ban", "licence", "quota"}


def _licence_context(doc: Doc) -> bool:
    """A licence word counts only in a sentence about exports."""
    return bool(re.search(r"\bexport|\bship|\bleave the country|\bdual-use", doc.text, re.I))
