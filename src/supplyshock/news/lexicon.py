"""The drafter's word lists, read from CSV files in ``supplyshock/data/news/``, and the shared spaCy pipeline.

* ``actors.csv`` — how the press names governments (``phrase, code, case, note``): capitals,
  ministries, leaders, demonyms. ``case`` is ``exact`` for phrases that must match as written
  (``US`` but not the pronoun "us"). Country names come from :mod:`pycountry`.
* ``groups.csv`` — members of groups such as the EU (``group, member, note``).
* ``materials.csv`` — material words and the vocabulary name each stands for
  (``phrase, material, note``); ``*`` marks a generic word ("critical minerals") that takes
  the article's main material, ``-`` goods outside the vocabulary (coal, LNG).
* ``material_products.csv`` — how a material maps to a dataset's products (see
  :mod:`supplyshock.news.materials`).

The pipeline is ``spacy.blank("en")`` with a sentencizer: a tokenizer and rules only, no
model weights.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources
from pathlib import Path

import pycountry
import spacy
from spacy.language import Language

__all__ = ["actor_phrases", "data_path", "group_members", "material_phrases", "material_product_rules", "nlp", "read_rows"]


def data_path(name: str) -> Path:
    """Path of a file in ``supplyshock/data/news/``."""
    return Path(str(resources.files("supplyshock") / "data" / "news" / name))


def read_rows(name: str) -> list[dict[str, str]]:
    """The rows of a CSV file of ``data/news`` (every cell stripped)."""
    with open(data_path(name), encoding="utf-8", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


@cache
def nlp() -> Language:
    """The shared blank English pipeline with a rule-based sentencizer (no downloads)."""
    pipeline = spacy.blank("en")
    pipeline.add_pipe("sentencizer")
    return pipeline


# pycountry names that are ordinary English words or ambiguous in news text
_NAME_STOPLIST = {"Chad", "Jersey", "Georgia", "Guinea", "Turkey", "Niger", "Jordan", "Mali", "Dominica", "Cuba", "Peru", "Oman"}


def _pycountry_names() -> dict[str, str]:
    out: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            name = getattr(c, attr, None)
            if name and "," not in name and name not in _NAME_STOPLIST:
                out[name] = c.alpha_3
    return out


@cache
def actor_phrases() -> tuple[dict[str, str], dict[str, str]]:
    """Phrases naming governments: (case-insensitive phrase -> code, exact phrase -> code)."""
    lower: dict[str, str] = {}
    exact: dict[str, str] = dict(_pycountry_names())
    for row in read_rows("actors.csv"):
        target = exact if row["case"] == "exact" else lower
        target[row["phrase"] if row["case"] == "exact" else row["phrase"].lower()] = row["code"]
    return lower, exact


@cache
def group_members() -> dict[str, frozenset[str]]:
    """Group code (``EU``) -> member ISO3 codes."""
    out: dict[str, set[str]] = {}
    for row in read_rows("groups.csv"):
        out.setdefault(row["group"], set()).add(row["member"])
    return {k: frozenset(v) for k, v in out.items()}


@cache
def material_phrases() -> dict[str, tuple[str, ...]]:
    """Material phrase (lower case) -> vocabulary names (``*`` generic, ``-`` outside the vocabulary)."""
    out: dict[str, tuple[str, ...]] = {}
    for row in read_rows("materials.csv"):
        out[row["phrase"].lower()] = tuple(m.strip() for m in row["material"].split(";") if m.strip())
    return out


@cache
def material_product_rules() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Material -> (regular expression on a product's code and name, stages it is limited to)."""
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for row in read_rows("material_products.csv"):
        stages = tuple(s.strip() for s in row["stages"].split(";") if s.strip())
        out[row["material"]] = (row["pattern"], stages)
    return out
