"""Read an event's fields from a sentence: who acts, on whom, which materials, which numbers.

A government mention gets a *role* from the words around it: ``subject`` (acts), ``dest``
("exports *to* Japan", "*bound for*", "U.S. *companies*"), ``source`` ("imports *from*
China", "tariffs *on* China", "*U.S.* goods"), ``location`` ("a plant *in* Malaysia") or
``name`` (part of a company's name such as "China Molybdenum", ignored).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Doc

from supplyshock.news.mentions import Mention

__all__ = ["Number", "actor_role", "numbers", "percentages", "quantities"]

_BUYERS = {
    "companies",
    "firms",
    "buyers",
    "customers",
    "automakers",
    "carmakers",
    "suppliers",
    "entities",
    "defence",
    "defense",
    "chip",
    "chipmakers",
    "manufacturers",
}
_GOODS = {"goods", "products", "imports", "crude", "coal", "lng", "farm", "oil", "items", "-origin"}
_EXPORTS = {"exports", "export", "shipments", "exporters"}
_TITLES = {
    "President",
    "Premier",
    "Vice",
    "Commerce",
    "Ministry",
    "Finance",
    "Foreign",
    "Trade",
    "Treasury",
    "Customs",
    "State",
    "Government",
    "President-elect",
    "Defense",
    "Defence",
    "Department",
    "Energy",
    "Mines",
    "Prime",
    "Minister",
    "Secretary",
    "Representative",
    "Geological",
    "Commission",
    "Council",
    "Tariff",
    "General",
    "Administration",
    "National",
    "Union",
    "Republic",
    "Central",
    "Bank",
}
_UNITS = {"tonnes": "t", "tonne": "t", "tons": "t", "ton": "t", "t": "t", "kg": "kg", "kilograms": "kg", "kilogrammes": "kg"}
_SCALE = {"million": 1e6, "billion": 1e9, "thousand": 1e3, "mln": 1e6, "bn": 1e9}


@dataclass(frozen=True)
class Number:
    """A number of the sentence.

    Attributes
    ----------
    start, end : int
        Token offsets of the number and its unit.
    value : float
    unit : str
        ``%``, ``t``, ``kg``, ``t/yr`` or '' (a bare number).
    """

    start: int
    end: int
    value: float
    unit: str


def actor_role(doc: Doc, m: Mention) -> str:
    """The role of a government mention in its sentence (see the module docstring)."""
    prev = doc[m.start - 1].lower_ if m.start > 0 else ""
    prev2 = doc[m.start - 2].lower_ if m.start > 1 else ""
    if prev in ("the",) and m.start > 1:
        prev, prev2 = prev2, doc[m.start - 3].lower_ if m.start > 2 else ""
    nxt = doc[m.end].text if m.end < len(doc) else ""
    if nxt in ("'s", "’s") and m.end + 1 < len(doc):
        nxt = doc[m.end + 1].text
    if _is_name(doc, m, nxt):
        return "name"
    if nxt.lower() in _BUYERS:
        return "dest"
    if prev in ("to", "into", "towards", "toward") or (prev == "for" and prev2 == "bound"):
        return "dest"
    if prev == "of" and prev2 in ("imports", "purchases", "shipments", "goods", "products"):
        return "source"
    if prev in ("from", "on", "against") or nxt.lower() in _GOODS or m.text.lower().endswith("-origin"):
        return "source"
    if prev in ("in", "at") and nxt.lower() not in _EXPORTS:
        return "location"
    return "subject"


def _is_name(doc: Doc, m: Mention, nxt: str) -> bool:
    """A country word starting a company or newspaper name ("China Molybdenum", "US Antimony")."""
    if not nxt or not nxt[:1].isupper() or nxt in _TITLES or nxt.isupper():
        return False
    if m.end < len(doc) and doc[m.end].text in ("'s", "’s"):
        return False
    return nxt.lower() not in {"and", "or"}


def _parse(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def numbers(doc: Doc) -> list[Number]:
    """Every number with what follows it: percentages, tonnages (per year or not), bare numbers."""
    out: list[Number] = []
    for tok in doc:
        value = _parse(tok.text) if re.fullmatch(r"\d[\d,]*(?:\.\d+)?", tok.text) else None
        if value is None:
            continue
        i = tok.i + 1
        if i < len(doc) and doc[i].lower_ in _SCALE:
            value *= _SCALE[doc[i].lower_]
            i += 1
        unit, i = _unit(doc, i)
        out.append(Number(tok.i, i, value, unit))
    return out


def _unit(doc: Doc, i: int) -> tuple[str, int]:
    if (i < len(doc) and doc[i].text in ("%",)) or (i < len(doc) and doc[i].lower_ in ("percent", "pct")):
        return "%", i + 1
    if i + 1 < len(doc) and doc[i].lower_ == "per" and doc[i + 1].lower_ == "cent":
        return "%", i + 2
    j = i + 1 if i < len(doc) and doc[i].lower_ == "metric" else i
    if j < len(doc) and doc[j].lower_ in _UNITS:
        unit = _UNITS[doc[j].lower_]
        tail = doc[j + 1 : j + 8].text.lower()
        if re.match(r"^(?:/ ?yr|per year|a year)|^(?:of|\w+)(?: [\w-]+){0,4} (?:a|per) year", tail):
            return unit + "/yr", j + 1
        return unit, j + 1
    return "", i


def percentages(doc: Doc) -> list[Number]:
    """The percentages of a sentence."""
    return [n for n in numbers(doc) if n.unit == "%"]


def quantities(doc: Doc) -> list[Number]:
    """The tonnages of a sentence (t, kg, t/yr, kg/yr)."""
    return [n for n in numbers(doc) if n.unit and n.unit != "%"]
