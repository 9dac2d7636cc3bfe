"""Reported figures: a level or a change of exports, imports, production or a price.

A number becomes an observation when the sentence says what it measures (exports,
imports, output or supply, a price) and, for a change, against what ("year-on-year", "from
a year earlier", "over the month", "from October"). Vague amounts ("more than doubled"),
changes with no comparison, numbers of a policy event (a quota, a tariff rate) and forecasts
(hedged sentences, quotes) are not observations.
"""

from __future__ import annotations

import datetime as dt
import re

from spacy.tokens import Doc

from supplyshock.news.dates import DateMention
from supplyshock.news.events import Parsed
from supplyshock.news.fields import Number, numbers
from supplyshock.news.model import Observation
from supplyshock.news.triggers import find_triggers

__all__ = ["find_observations"]

_SUBJECTS = [
    ("exports", re.compile(r"\b(?:exports?|exported|shipments|shipped)\b", re.I)),
    ("imports", re.compile(r"\b(?:imports?|imported)\b", re.I)),
    (
        "production",
        re.compile(r"\b(?:output|production|produced|produces|produce|supply|supplies|supplied|accounts? for|accounted for|mined|delivered)\b", re.I),
    ),
    ("price", re.compile(r"\b(?:prices?|assessed|traded|spot|cost)\b", re.I)),
]
_DOWN = {
    "fell",
    "fall",
    "falls",
    "dropped",
    "drop",
    "plunged",
    "plunge",
    "slumped",
    "declined",
    "down",
    "decreased",
    "shrank",
    "slid",
    "tumbled",
    "lower",
    "below",
    "sank",
}
_UP = {"rose", "rise", "rises", "climbed", "jumped", "surged", "up", "increased", "gained", "higher", "grew", "soared", "above"}
_YOY = re.compile(
    r"year-on-year|year on year|from a year (?:earlier|ago|before)|than a year (?:earlier|ago)|y/y|on the year|a year earlier"
    r"|from the same (?:month|period) (?:last|a) year",
    re.I,
)
_MOM = re.compile(
    r"month-on-month|over the month|from the previous month|m/m|a month earlier"
    r"|from (?:January|February|March|April|May|June|July|August|September|October|November|December)\b",
    re.I,
)
_CURRENCY = re.compile(r"(?P<cur>US\$|A\$|\$|€|£)\s?$|(?P<cur2>yuan|euros?|dollars)\b", re.I)
_PRICE_UNIT = re.compile(r"^\s*(?:-\s*[\d.,]+\s*)?(?:(?:a|per)\s+|/\s*)(?P<u>tonne|ton|t|kg|lb|pound)\b", re.I)
_SHARE = re.compile(r"^\s*(?:of (?:the )?(?P<of>world|global|world's|global)[\w\s'’-]{0,30}|of (?:its|their) )", re.I)
_RANGE = re.compile(r"first (?P<n>two|three|four|five|six|seven|eight|nine|ten|eleven) months", re.I)
_QUARTER = re.compile(r"quarter to (?P<m>March|June|September|December)|(?P<m2>March|June|September|December)[- ]quarter", re.I)
_WORDNUM = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11}
_MONTHS = {"march": 3, "june": 6, "september": 9, "december": 12}


def _subject(text_before: str, is_price: bool) -> str | None:
    if is_price:
        return "price"
    best: tuple[int, str] | None = None
    for name, rx in _SUBJECTS:
        for m in rx.finditer(text_before):
            if best is None or m.start() > best[0]:
                best = (m.start(), name)
    return best[1] if best else None


def _period(p: Parsed, n: Number, published: dt.date) -> str | None:
    text = p.sentence.text
    m = _RANGE.search(text)
    year = next((d.value.value[:4] for d in p.dates if d.value is not None), str(published.year))
    if m:
        return f"{year}-01..{year}-{_WORDNUM[m.group('n').lower()]:02d}"
    q = _QUARTER.search(text)
    if q:
        end = _MONTHS[(q.group("m") or q.group("m2")).lower()]
        qyear = published.year if end <= published.month else published.year - 1
        return f"{qyear}-{end - 2:02d}..{qyear}-{end:02d}"
    char = p.doc[n.start].idx
    dated = [d for d in p.dates if d.value is not None and not d.immediate]
    bases = [d for d in dated if d.text.lower().startswith("from ") and d.value is not None and d.value.precision == "month"]
    dated = [d for d in dated if d not in bases]
    if not dated:
        if bases and bases[0].value is not None:
            year_, month_ = (int(x) for x in bases[0].value.value.split("-"))
            return f"{year_ + month_ // 12:04d}-{month_ % 12 + 1:02d}"
        return None
    near: DateMention = min(dated, key=lambda d: (abs(d.start - char), d.start < char))
    assert near.value is not None
    return near.value.value[:7]


def _change(doc: Doc, n: Number, text: str) -> tuple[float, str] | None:
    around = {t.lower_ for t in doc[max(0, n.start - 6) : min(len(doc), n.end + 3)]}
    sign = -1.0 if around & _DOWN else (1.0 if around & _UP else 0.0)
    if not sign:
        return None
    tail = doc[n.start : min(len(doc), n.end + 12)].text
    if _YOY.search(tail) or _YOY.search(doc[max(0, n.start - 8) : n.start].text):
        return sign * n.value, "yoy"
    if _MOM.search(tail):
        return sign * n.value, "mom"
    return None


def _parties(p: Parsed, subject: str, dateline: str | None) -> tuple[str, str]:
    subj = [m.codes[0] for m, r in p.actors if r in ("subject", "name")]
    dest = [m.codes[0] for m, r in p.actors if r == "dest"]
    src = [m.codes[0] for m, r in p.actors if r == "source"]
    loc = [m.codes[0] for m, r in p.actors if r == "location"]
    if subject == "price":
        cny = "yuan" in p.sentence.text.lower()
        return (loc or (["CHN"] if cny else []) or ["WLD"])[0], "WLD"
    if subject == "imports":
        return (subj or [dateline or "WLD"])[0], (src or ["WLD"])[0]
    if subject == "exports":
        return (subj or [dateline or "WLD"])[0], (dest or ["WLD"])[0]
    return (subj or loc or ["WLD"])[0], "WLD"


def _materials(p: Parsed, n: Number, subject: str, main: str | None) -> list[str]:
    named = [m for m in p.materials if not set(m.codes) & {"*", "-"}]
    if len({m.codes for m in named}) > 1:
        near = min(named, key=lambda m: abs(m.start - n.start))
        return list(near.codes)
    if named:
        return list(named[0].codes)
    if subject in ("exports", "imports") and n.unit == "%" and not any("*" in m.codes for m in p.materials):
        return ["all goods"]
    return [main] if main else []


def _price_unit(p: Parsed, n: Number) -> str | None:
    before = p.doc[max(0, n.start - 2) : n.start].text
    after = p.doc[n.end : min(len(p.doc), n.end + 6)].text
    cur = _CURRENCY.search(before) or _CURRENCY.search(after[:12])
    unit = _PRICE_UNIT.search(after) or _PRICE_UNIT.search(re.sub(r"^\s*(?:yuan|euros?|dollars)", "", after))
    if not cur or not unit:
        return None
    c = (cur.group("cur") or cur.group("cur2") or "").lower()
    code = {"us$": "USD", "$": "USD", "a$": "AUD", "€": "EUR", "euro": "EUR", "euros": "EUR", "£": "GBP", "yuan": "CNY", "dollars": "USD"}.get(
        c, "USD"
    )
    u = {"tonne": "t", "ton": "t", "pound": "lb"}.get(unit.group("u").lower(), unit.group("u").lower())
    return f"{code}/{u}"


def _one(p: Parsed, n: Number, published: dt.date, dateline: str | None, main: str | None, carry: Observation | None) -> Observation | None:
    """The observation a number gives, if any (``carry``: the paragraph's previous one, for its subject and period)."""
    text_before = p.doc[: n.start].text
    price_unit = _price_unit(p, n) if not n.unit else None
    subject = _subject(text_before + " " + p.doc[n.end : n.end + 4].text, price_unit is not None) or (carry.subject if carry else None)
    if subject is None:
        return None
    reporter, partner = _parties(p, subject, dateline)
    period = _period(p, n, published) or (carry.period if carry else None)
    materials = _materials(p, n, subject, main)

    def make(value: float | None, unit: str, change: float | None, comparison: str) -> Observation:
        return Observation(subject, reporter, partner, materials, period, value, unit, change, comparison, p.sentence.index, text=p.sentence.text)

    if n.unit == "%":
        change = _change(p.doc, n, p.sentence.text)
        if change is not None:
            return make(None, "", change[0], change[1])
        share = _SHARE.search(p.doc[n.end :].text)
        if share and subject == "production":
            return make(n.value, f"% of world {subject}", None, "level")
        return None
    if n.value >= 1e5 and not n.unit and not price_unit:
        return None
    if n.unit in ("t", "kg") or price_unit:
        return make(n.value, price_unit or n.unit, None, "level")
    return None


def _skip_sentence(p: Parsed) -> bool:
    kinds = {t.type for t in find_triggers(p.doc)}
    hedged = re.search(r"\b(?:forecast|expects?|expected|projects?|could|may|might|would|plans?)\b", p.sentence.text.replace("May", "MAY"))
    return bool(kinds & {"quota", "tariff", "capacity_change", "stockpile_release"}) or bool(hedged) or bool(p.quotes)


def find_observations(parsed: list[Parsed], published: dt.date, dateline_country: str | None) -> list[Observation]:
    """The observations of an article, in text order.

    Parameters
    ----------
    parsed : list of Parsed
    published : datetime.date
    dateline_country : str or None
        The reporter of exports and imports when the sentence names none.

    Returns
    -------
    list of Observation
    """
    from supplyshock.news.events import main_material

    main = main_material(parsed)
    out: list[Observation] = []
    previous: tuple[int, Observation] | None = None
    for p in parsed:
        if p.sentence.title or _skip_sentence(p):
            continue
        carry = previous[1] if previous and previous[0] == p.sentence.paragraph else None
        for n in numbers(p.doc):
            if re.fullmatch(r"(?:19|20)\d\d", p.doc[n.start].text) and not n.unit:
                continue
            obs = _one(p, n, published, dateline_country, main, carry)
            if obs is not None:
                out.append(obs)
                previous = (p.sentence.paragraph, obs)
    return out
