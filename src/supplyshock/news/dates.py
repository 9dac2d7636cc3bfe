"""Dates in news text, resolved against the publication date.

Conventions (those of the evaluation set, ``tests/data/news/README.md``):

* "on Monday" is the last Monday on or before publication; in a sentence about the future
  ("will auction ... on Sunday") it is the next one.
* "from Jan. 1" in a sentence about the future is the next 1 January; a day and month in a
  sentence about the past is the last one; otherwise the nearer of the two.
* "last month", "in April", "in 2027" keep their precision (``YYYY-MM``, ``YYYY``): no day
  is invented. "for 2012" and "the first half of 2011" name a period and give its first day.
* "earlier this week" is the Monday of the publication week; "four days earlier" and "the
  same day" count from the last date the text gave (the anchor), else from publication.

Full dates ("May 12, 2025", "3 December 2024") are read with :mod:`dateparser` (English only,
nothing downloaded); the relative phrases by the rules above.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

import dateparser

from supplyshock.news.model import DateValue

__all__ = ["DateMention", "find_dates", "month_number", "parse_full_date"]

Cue = Literal["effect", "announce", "plain"]

_MONTH_NAMES = "January|February|March|April|May|June|July|August|September|October|November|December"
_MONTH = (
    r"(?:Jan(?:uary|\.)|Feb(?:ruary|\.)|March|Mar\.|April|Apr\.|May|June|Jun\.|July|Jul\.|Aug(?:ust|\.)|Sept?(?:ember|\.)"
    r"|Oct(?:ober|\.)|Nov(?:ember|\.)|Dec(?:ember|\.))"
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}

_PATTERNS: list[tuple[str, str]] = [
    (
        "immediate",
        r"\b(?:with immediate effect|took effect immediately|takes? effect immediately|effective immediately|immediately|(?:on )?the same day)\b",
    ),
    ("md", rf"\b(?P<m>{_MONTH})\s(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s(?P<y>\d{{4}})\b)?(?![\d%])"),
    ("dm", rf"\b(?P<d>\d{{1,2}})\s(?P<m>{_MONTH})(?:,?\s(?P<y>\d{{4}}))?\b"),
    ("my", rf"\b(?P<m>{_MONTH})\s(?P<y>\d{{4}})\b"),
    ("mly", rf"\b(?:in\s)?(?P<m>{_MONTH_NAMES}) (?:of )?last year\b"),
    ("half", r"\b(?:the\s)?(?P<h>first|second) half of (?P<y>\d{4}|this year|next year|the year)\b"),
    ("rel", r"\b(?P<w>earlier this|later this|late last|early last|late this|early this|last|this|next) (?P<u>week|month|year)\b"),
    (
        "ago",
        r"\b(?P<n>a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d+) (?P<u>day|days|week|weeks|month|months)"
        r" (?P<dir>earlier|later|ago|before|after)\b",
    ),
    ("wd", r"\b(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"),
    ("mon", rf"\b(?P<pre>(?:last|next|early|late|mid-?|since|in|from|by|until|of|through|to)\s)?(?P<m>{_MONTH_NAMES})\b(?!\s\d)"),
    ("year", r"(?<![\d,.$€£-])\b(?P<pre>(?:for|in|of|since|by|until|from)\s)?(?P<y>(?:19[5-9]|20[0-4])\d)\b(?![\d%,.]\d)"),
]
_COMPILED = [(name, re.compile(pat)) for name, pat in _PATTERNS]

_EFFECT_BEFORE = re.compile(
    r"(?:\bfrom|\bstarting(?: on| from)?|\bstart(?:s|ed|ing)? on|\bas of|\beffective(?: from)?|\bbeginning(?: on)?|\bbegin(?:s|ning)? on"
    r"|\btook effect(?: on)?|\btakes? effect(?: on)?|\bin force (?:since|from)|\bsince|\bwith effect from|\bfor"
    r"|\bwas suspended on|\bwere suspended on)\s+(?:the\s+)?$",
    re.I,
)
_ANNOUNCE_BEFORE = re.compile(
    r"\b(?:said|says|say|announced|announces|told reporters|told|stated|showed|show|reported|reports|clarified|seen|added|confirmed"
    r"|declared|unveiled|published)"
    r"(?:\s+\w+){0,2}\s+(?:on\s+|late\s+|in\s+)?$",
    re.I,
)
_ANNOUNCE_AFTER = re.compile(r"^\s*(?:announced|said|unveiled|declared)\b", re.I)
_PAST_BEFORE = re.compile(
    r"\b(?:since|imposed|introduced|took effect|had|was|were|began|started|last|earlier|ago|in force since|fell|rose|dropped|plunged"
    r"|climbed|jumped|surged|declined|showed|came|totalled|reached|slid|compared)\b[^,;]{0,40}$",
    re.I,
)
_FUTURE = re.compile(
    r"\b(?:will|shall|is to|are to|due to|set to|to be|starting|from next|next|would"
    r"|to (?:ban|halt|stop|require|impose|raise|cut|restrict|control|put|lift|suspend|auction|begin|start))\b",
    re.I,
)


@dataclass(frozen=True)
class DateMention:
    """A date phrase of a sentence.

    Attributes
    ----------
    start, end : int
        Character offsets in the sentence.
    text : str
    value : DateValue or None
        None when the phrase cannot be resolved (e.g. "a day after" with nothing to count from).
    cue : str
        ``effect`` (from, starting, as of, took effect), ``announce`` (said on, announced on)
        or ``plain``.
    immediate : bool
        "with immediate effect", "the same day": the effect date is the announcement date.
    """

    start: int
    end: int
    text: str
    value: DateValue | None
    cue: Cue
    immediate: bool = False


def month_number(text: str) -> int:
    """1-12 for a month name or abbreviation ("Sept.", "August")."""
    key = text.strip(". ").lower()[:3]
    return ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"].index(key) + 1


def parse_full_date(text: str) -> dt.date | None:
    """A full date ("May 12, 2025", "3 December 2024", "2025-06-09") read with dateparser, or None."""
    parsed = dateparser.parse(text, languages=["en"], settings={"STRICT_PARSING": True, "REQUIRE_PARTS": ["day", "month", "year"]})
    return parsed.date() if parsed else None


def _month_value(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    k = year * 12 + month - 1 + delta
    return k // 12, k % 12 + 1


def _day_candidates(published: dt.date, month: int, day: int) -> tuple[dt.date | None, dt.date | None]:
    """The last (month, day) on or before publication and the next on or after it."""

    def make(y: int) -> dt.date | None:
        last = calendar.monthrange(y, month)[1]
        return dt.date(y, month, day) if day <= last else None

    this_year = make(published.year)
    if this_year is None:
        return None, None
    if this_year <= published:
        return this_year, this_year if this_year == published else make(published.year + 1)
    return make(published.year - 1), this_year


def _direction(sentence: str, start: int, end: int, cue: Cue) -> Literal["past", "future", "near"]:
    before = sentence[:start] + re.sub(r"^((?:from|starting|since|until)\s)?.*$", r"\1", sentence[start:end], flags=re.I | re.S)
    if cue == "announce" or _PAST_BEFORE.search(before[-60:]):
        return "past"
    if _FUTURE.search(before) and cue == "effect":
        return "future"
    if cue == "effect" and re.search(r"\b(?:from|starting|beginning|as of|effective)\s+(?:the\s+)?$", before, re.I):
        return "future"
    if re.search(r"\b(?:will|shall)\b", before):
        return "future"
    return "near"


def _resolve_md(published: dt.date, month: int, day: int, year: str | None, way: str) -> dt.date | None:
    if year:
        return parse_full_date(f"{calendar.month_name[month]} {day}, {year}")
    prev, nxt = _day_candidates(published, month, day)
    if way == "past":
        return prev
    if way == "future":
        return nxt
    if prev is None or nxt is None:
        return prev or nxt
    return prev if (published - prev) <= (nxt - published) else nxt


def _resolve_weekday(published: dt.date, name: str, way: str) -> dt.date:
    target = _WEEKDAYS.index(name.lower())
    if way == "future":
        return published + dt.timedelta(days=(target - published.weekday() - 1) % 7 + 1)
    return published - dt.timedelta(days=(published.weekday() - target) % 7)


def _resolve_month(published: dt.date, month: int, pre: str, way: str) -> str:
    pre = pre.strip().lower()
    if pre == "next" or (way == "future" and pre not in ("last", "since")):
        year = published.year if month >= published.month else published.year + 1
        if pre == "next" and month <= published.month:
            year = published.year + 1
        return _month_value(year, month)
    if pre == "last":
        return _month_value(published.year if month < published.month else published.year - 1, month)
    return _month_value(published.year if month <= published.month else published.year - 1, month)


def _resolve_rel(published: dt.date, which: str, unit: str) -> DateValue:
    which = which.lower()
    step = -1 if "last" in which else (1 if which == "next" else 0)
    if unit == "year":
        return DateValue(f"{published.year + step:04d}")
    if unit == "month":
        y, m = _shift_month(published.year, published.month, step)
        return DateValue(_month_value(y, m))
    monday = published - dt.timedelta(days=published.weekday())
    if step == 0:
        return DateValue.of(monday)
    back = published + dt.timedelta(days=7 * step)
    return DateValue(_month_value(back.year, back.month))


def _resolve_ago(anchor: dt.date, published: dt.date, n: str, unit: str, way: str) -> DateValue | None:
    count = _NUMBERS.get(n.lower()) or (int(n) if n.isdigit() else 0)
    if way == "after" or not count:
        return None
    base = published if way == "ago" else anchor
    sign = 1 if way == "later" else -1
    if unit.startswith("day"):
        return DateValue.of(base + dt.timedelta(days=sign * count))
    if unit.startswith("week"):
        return DateValue.of(base + dt.timedelta(days=7 * sign * count))
    y, m = _shift_month(base.year, base.month, sign * count)
    return DateValue(_month_value(y, m))


def _resolve_year(published: dt.date, year: str, pre: str) -> DateValue:
    if pre.strip().lower() == "for":
        return DateValue(f"{year}-01-01")
    return DateValue(year)


def _half(published: dt.date, half: str, year: str) -> DateValue:
    y = {"this year": published.year, "the year": published.year, "next year": published.year + 1}.get(year.lower())
    return DateValue(f"{y or int(year):04d}-{'01' if half.lower() == 'first' else '07'}-01")


def _value(kind: str, m: re.Match[str], sentence: str, published: dt.date, anchor: dt.date, cue: Cue) -> DateValue | None:
    g = {k: v for k, v in m.groupdict().items() if v is not None}
    way = _direction(sentence, m.start(), m.end(), cue)
    day: dt.date | None
    if kind == "immediate":
        return DateValue.of(anchor)
    if kind in ("md", "dm"):
        day = _resolve_md(published, month_number(g["m"]), int(g["d"]), g.get("y"), way)
        return DateValue.of(day) if day else None
    if kind == "my":
        return DateValue(_month_value(int(g["y"]), month_number(g["m"])))
    if kind == "mly":
        return DateValue(_month_value(published.year - 1, month_number(g["m"])))
    if kind == "half":
        return _half(published, g["h"], g["y"])
    if kind == "rel":
        return _resolve_rel(published, g["w"], g["u"])
    if kind == "ago":
        return _resolve_ago(anchor, published, g["n"], g["u"], g["dir"].lower())
    if kind == "wd":
        return DateValue.of(_resolve_weekday(published, g["wd"], way))
    if kind == "mon":
        return DateValue(_resolve_month(published, month_number(g["m"]), g.get("pre", ""), way))
    return _resolve_year(published, g["y"], g.get("pre", ""))


def _cue(sentence: str, start: int, end: int) -> Cue:
    before = sentence[:start]
    if _ANNOUNCE_BEFORE.search(before[-50:]) or _ANNOUNCE_AFTER.search(sentence[end:]):
        return "announce"
    if _EFFECT_BEFORE.search(before[-40:]):
        return "effect"
    return "plain"


def _skip(kind: str, m: re.Match[str], sentence: str) -> bool:
    """Words that look like dates but are not: a sentence-initial "May", a count of tonnes."""
    if kind == "mon" and m.start("m") == 0 and m.group("m") == "May":
        return True
    return kind == "year" and bool(re.match(r"\s*(?:tonnes|t\b|kg|companies|firms|metric)", sentence[m.end() :]))


def _scan(sentence: str) -> list[tuple[str, re.Match[str]]]:
    """Every pattern's matches, leftmost-longest, without overlaps (earlier patterns win ties)."""
    found = [(m.start(), -(m.end() - m.start()), k, name, m) for k, (name, rx) in enumerate(_COMPILED) for m in rx.finditer(sentence)]
    out: list[tuple[str, re.Match[str]]] = []
    end = -1
    for start, _neg, _k, name, m in sorted(found, key=lambda t: (t[0], t[1], t[2])):
        if start >= end and not _skip(name, m, sentence):
            out.append((name, m))
            end = m.end()
    return out


def find_dates(sentence: str, published: dt.date, anchor: dt.date | None = None) -> list[DateMention]:
    """The date phrases of a sentence, resolved.

    Parameters
    ----------
    sentence : str
    published : datetime.date
        The article's publication date.
    anchor : datetime.date, optional
        The last day the text gave before this sentence ("the same day", "four days
        earlier" count from it); publication by default.

    Returns
    -------
    list of DateMention
        In text order.
    """
    anchor = anchor or published
    out: list[DateMention] = []
    for kind, m in _scan(sentence):
        cue = _cue(sentence, m.start(), m.end())
        if re.match(r"(?:from|since|for|starting|until)\s", m.group(0), re.I):
            cue = "effect"
        value = _value(kind, m, sentence, published, anchor, cue)
        immediate = kind == "immediate"
        if value is not None and value.precision == "day":
            anchor = value.first_day()
        out.append(DateMention(m.start(), m.end(), m.group(0), DateValue(value.value, m.group(0)) if value else None, cue, immediate))
    return out
