"""Build events from the triggers of each sentence, then merge what several sentences say of one event.

For each trigger (:mod:`supplyshock.news.triggers`) of a sentence the builder reads, in the
same sentence: the actor (the acting government: subject of the sentence, or the plant's
location), destinations or the taxed origin, the materials nearest the trigger, the dates
(effect, announcement) and the number the event states (a tariff rate per clause, a quota,
a capacity, a quantity released). What a sentence leaves out is taken from the article
(the previous event's actor, the dateline's country, the article's main material) and
noted, with a lower confidence. Events that describe the same measure are merged
(:func:`merge_into`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

from spacy.tokens import Doc

from supplyshock.news.dates import DateMention, find_dates
from supplyshock.news.fields import Number, actor_role, percentages, quantities
from supplyshock.news.lexicon import nlp
from supplyshock.news.materials import ancestors, prune_generic, related
from supplyshock.news.mentions import Mention, actor_mentions, material_mentions
from supplyshock.news.model import DateValue, DraftEvent, Sentence, WhitelistDraft
from supplyshock.news.triggers import MEASURE_TYPES, Trigger, find_triggers, quoted_spans

__all__ = ["Parsed", "build_events", "parse_sentence"]

CONTROLS = ("export_ban", "licence", "quota")
_SPLIT_BY_MATERIAL = {"stockpile_release", "capacity_change"}
_MEDIA = re.compile(
    r"\b(?P<who>Reuters|Bloomberg|the New York Times|Nikkei|traders?|officials at [^,]+|sources|state media|[A-Z][a-z]+ [A-Z][a-z]+ News)\b"
    r"[^.]{0,40}\b(?:reported|said|say|says)\b|\baccording to (?P<who2>sources|traders|[A-Z][\w ]+)",
)
_WHITELIST = re.compile(
    r"\b(?:granted|issued|gave|grant|approved)\s+(?:\w+\s+){0,3}?(?:export\s+)?licen[cs]es?\s+to\s+(?P<who>[^,.;]+)",
    re.I,
)
_WINDOW = 4
#: Note on an event whose goods are all outside the material vocabulary (kept with ``materials: []``).
OUTSIDE = "materials: goods outside the vocabulary ("


def outside_goods(ev: DraftEvent) -> bool:
    """True for an event on goods outside the material vocabulary (bauxite, manganese, uranium)."""
    return any(n.startswith(OUTSIDE) for n in ev.notes)


@dataclass
class Parsed:
    """A sentence with what it names."""

    sentence: Sentence
    doc: Doc
    actors: list[tuple[Mention, str]]
    materials: list[Mention]
    dates: list[DateMention]
    quotes: list[tuple[int, int]]

    def in_quote(self, char: int) -> bool:
        """True when a character offset lies inside quotation marks."""
        return any(a <= char < b for a, b in self.quotes)


def parse_sentence(sentence: Sentence, published: dt.date, anchor: dt.date | None = None) -> Parsed:
    """Tokenize a sentence and find its governments (with roles), materials and dates."""
    doc = nlp().make_doc(sentence.text)
    actors = [(m, actor_role(doc, m)) for m in actor_mentions(doc)]
    actors = [(m, r) for m, r in actors if r != "name"]
    materials = [m for m in material_mentions(doc) if not _in_name(doc, m) and not _industry(doc, m)]
    return Parsed(sentence, doc, actors, materials, find_dates(sentence.text, published, anchor), quoted_spans(sentence.text))


_INDUSTRY = {"makers", "maker", "producers", "manufacturers", "users", "buyers", "customers", "miners", "companies", "traders", "industry"}


def _industry(doc: Doc, m: Mention) -> bool:
    """A material word naming an industry ("magnet makers", "lithium miners"), not goods."""
    return m.end < len(doc) and doc[m.end].lower_ in _INDUSTRY


def _in_name(doc: Doc, m: Mention) -> bool:
    """A material word inside a company name ("Lynas Rare Earths", "China Molybdenum", "US Antimony")."""
    words = [t.text for t in doc[m.start : m.end] if t.is_alpha]
    if not words or not all(w[:1].isupper() for w in words) or m.start == 0:
        return False
    prev = doc[m.start - 1].text
    return prev[:1].isupper() and prev not in ("The", "A", "An")


@dataclass
class _Context:
    """What the article has said so far."""

    published: dt.date
    dateline_country: str | None
    main_material: str | None
    events: list[DraftEvent] = field(default_factory=list)
    last_actor: str | None = None
    last_subject: str | None = None
    pending: DraftEvent | None = None

    def last_of(self, kinds: tuple[str, ...]) -> DraftEvent | None:
        return next((e for e in reversed(self.events) if e.type in kinds and not e.lift), None)


# --------------------------------------------------------------------------- fields


def _subjects(p: Parsed, before: int | None = None) -> list[str]:
    ms = [m for m, r in p.actors if r == "subject" and not p.in_quote(p.doc[m.start].idx)]
    if before is not None:
        first = [m for m in ms if m.start < before]
        ms = first or ms
    return [m.codes[0] for m in ms]


def _actor(p: Parsed, trig: Trigger, kind: str, ctx: _Context, ev: DraftEvent) -> None:
    if kind == "capacity_change":
        loc = [m.codes[0] for m, r in p.actors if r == "location"]
        if loc:
            ev.actor = loc[-1]
            ev.evidence["actor"] = p.sentence.index
            return
    if kind == "substitution":
        anyone = [m.codes[0] for m, _r in p.actors]
        if anyone:
            ev.actor = anyone[0]
            ev.evidence["actor"] = p.sentence.index
            return
    if kind == "capacity_change":
        last = ctx.last_of(("capacity_change",))
        if last is not None and last.actor and p.sentence.index - last.sentences[-1] <= _WINDOW:
            ev.actor = last.actor
            return
    subjects = _subjects(p, trig.start)
    if subjects:
        ev.actor = subjects[0]
        ev.evidence["actor"] = p.sentence.index
        return
    place_bound = kind in ("capacity_change", "stockpile_release", "substitution")
    ev.actor = ctx.last_actor or (ctx.dateline_country if place_bound else None)
    if ev.actor:
        ev.notes.append(f"actor {ev.actor} taken from the {'previous sentences' if ctx.last_actor else 'dateline'}")
        ev.confidence -= 0.1


def _destinations(p: Parsed, actor: str | None) -> list[str]:
    codes = [m.codes[0] for m, r in p.actors if r == "dest" and m.codes[0] != actor]
    return list(dict.fromkeys(codes))


def _nearest(trigs: list[Trigger], start: int, end: int) -> Trigger:
    def gap(t: Trigger) -> int:
        return 0 if start < t.end and t.start < end else min(abs(start - t.end), abs(t.start - end))

    return min(trigs, key=gap)


def _mentions_for(p: Parsed, trig: Trigger, trigs: list[Trigger]) -> list[Mention]:
    mine = [m for m in p.materials if _nearest(trigs, m.start, m.end) is trig and not p.in_quote(p.doc[m.start].idx)]
    return mine


def _materials(mentions: list[Mention], ctx: _Context, ev: DraftEvent, sentence: int, text: str = "") -> None:
    names = [c for m in mentions for c in m.codes if c not in ("*", "-")]
    if (
        re.search(r"\b(?:technolog(?:y|ies)\s+(?:used\s+)?(?:to|for|of)\b|(?:processing|extraction|separation) technolog)", text, re.I)
        and ev.type in CONTROLS
    ):
        names = ["rare earth technology" if n in ("rare earths", "rare earth magnets") else n for n in names]
    if names:
        ev.materials = prune_generic(list(dict.fromkeys(names)))
        ev.evidence["materials"] = sentence
    elif any("-" in m.codes for m in mentions):
        goods = ", ".join(dict.fromkeys(m.text.lower() for m in mentions if "-" in m.codes))
        ev.materials = []
        ev.evidence["materials"] = sentence
        ev.notes.append(f"{OUTSIDE}{goods}); no dataset holds them")
    elif any("*" in m.codes for m in mentions):
        _generic_materials(mentions[0].text, ctx, ev, sentence)


def _generic_materials(word: str, ctx: _Context, ev: DraftEvent, sentence: int) -> None:
    """ "The materials", "critical minerals": those of the previous event of the type, else the article's main material."""
    last = ctx.last_of((ev.type,))
    if last is not None and last.materials:
        ev.materials = list(last.materials)
        ev.evidence["materials"] = sentence
        ev.notes.append(f"materials: '{word}' taken as those of the previous {ev.type}")
    elif ctx.main_material:
        ev.materials = [ctx.main_material]
        ev.notes.append(f"materials: the sentence names no material ('{word}'); the article's main material, {ctx.main_material}, is assumed")
        ev.confidence -= 0.15


_COMPARISON_DATE = re.compile(r"\b(?:against|from|than|compared with|versus)\s+[\d.,]+\s*(?:tonnes|tons|t|kg)\s+(?:in\s+)?$", re.I)


def _date_fields(p: Parsed, kind: str) -> tuple[DateValue | None, DateValue | None]:
    ds = [
        d
        for d in p.dates
        if d.value is not None
        and not p.in_quote(d.start)
        and not re.search(r"No\.\s*\d+\s+of\s*$", p.sentence.text[: d.start + 3])
        and not re.search(r"\b(?:until|till|through)\s+$", p.sentence.text[: d.start])
        and not d.text.lower().startswith("until")
        and not (kind == "quota" and _COMPARISON_DATE.search(p.sentence.text[: d.start]))
    ]
    effect = next((d.value for d in ds if d.cue == "effect" and not d.immediate), None)
    immediate = next((d for d in ds if d.immediate), None)
    announce = next((d.value for d in ds if d.cue == "announce"), None)
    plain = next((d.value for d in ds if d.cue == "plain" and not d.immediate), None)
    if kind == "agreement":
        return plain or announce or effect, None
    if immediate is not None:
        day = announce or plain or immediate.value
        return (DateValue(day.value, immediate.text) if day else None), announce or plain
    date = effect or plain
    if kind == "quota" and date is not None and date.precision == "year":
        date = DateValue(f"{date.value}-01-01", date.text)
    return date, announce


def _dates(p: Parsed, kind: str, ev: DraftEvent) -> None:
    date, announced = _date_fields(p, kind)
    if date is not None:
        ev.date = date
        ev.evidence["date"] = p.sentence.index
    if announced is not None and (date is None or announced.value != date.value or kind in CONTROLS):
        ev.announced = announced
        ev.evidence["announced"] = p.sentence.index


def _attribution(p: Parsed, ev: DraftEvent) -> None:
    m = _MEDIA.search(p.sentence.text)
    if m:
        ev.attributed_to = (m.group("who") or m.group("who2") or "").strip()
        ev.confidence -= 0.15


# --------------------------------------------------------------------------- per type


def _new(kind: str, trig: Trigger, p: Parsed) -> DraftEvent:
    ev = DraftEvent(type=kind, lift=trig.lift, sentences=[p.sentence.index], confidence=0.75)
    ev.evidence["type"] = p.sentence.index
    if p.sentence.title:
        ev.confidence -= 0.05
    return ev


def _control(p: Parsed, trig: Trigger, kind: str, trigs: list[Trigger], ctx: _Context) -> list[DraftEvent]:
    if kind == "quota":
        split = _quotas_by_material(p, trig, ctx)
        if split:
            return split
    ev = _new(kind, trig, p)
    _actor(p, trig, kind, ctx, ev)
    dest = _destinations(p, ev.actor)
    if dest:
        ev.destinations = dest
        ev.evidence["destinations"] = p.sentence.index
    mentions = _mentions_for(p, trig, trigs)
    if not mentions and sum(t.type in (*CONTROLS, "?") for t in trigs) > 1:
        # "will end its ban on cobalt exports and cap shipments with quotas": the goods named once serve both
        mentions = [m for m in p.materials if not p.in_quote(p.doc[m.start].idx)]
    _materials(mentions, ctx, ev, p.sentence.index, p.sentence.text)
    _dates(p, kind, ev)
    if kind == "quota":
        q = next((n for n in quantities(p.doc) if n.unit in ("t", "kg") and not _after(p.doc, n, ("against", "than", "below", "from"))), None)
        if q is not None:
            ev.value, ev.unit = q.value, q.unit
            ev.evidence["value"] = p.sentence.index
    return [ev]


_COMPARED = ("against", "than", "below", "from", "versus", "with")


def _amounts_by_material(p: Parsed) -> list[tuple[Mention, Number]]:
    """(material, tonnes) pairs of a sentence that gives several materials each its own amount.

    "The tungsten quota is 15,400 tonnes, compared with 15,700 tonnes, and the antimony limit
    falls to 59,400 tonnes" gives tungsten 15,400 t and antimony 59,400 t: each material takes
    the first tonnage after it and before the next material, that is not a comparison.
    """
    mats = [m for m in p.materials if "*" not in m.codes and not p.in_quote(p.doc[m.start].idx)]
    qs = [q for q in quantities(p.doc) if q.unit in ("t", "kg")]
    pairs = []
    for k, m in enumerate(mats):
        stop = mats[k + 1].start if k + 1 < len(mats) else len(p.doc)
        q = next((q for q in qs if m.end <= q.start < min(stop, m.end + 12) and not _after(p.doc, q, _COMPARED)), None)
        if q is not None:
            pairs.append((m, q))
    return pairs if len({m.codes for m, _q in pairs}) >= 2 else []


def _quotas_by_material(p: Parsed, trig: Trigger, ctx: _Context) -> list[DraftEvent]:
    out = []
    for m, q in _amounts_by_material(p):
        ev = _new("quota", trig, p)
        _actor(p, trig, "quota", ctx, ev)
        _materials([m], ctx, ev, p.sentence.index)
        _dates(p, "quota", ev)
        ev.value, ev.unit = q.value, q.unit
        ev.evidence["value"] = p.sentence.index
        out.append(ev)
    return out


def _drop_summarised_quotas(events: list[DraftEvent]) -> None:
    """A quota without amount whose materials all have quotas with amounts is their summary ("lower quotas for tin, tungsten ...")."""
    valued = [e for e in events if e.type == "quota" and not e.lift and e.value is not None]
    for e in [e for e in events if e.type == "quota" and not e.lift and e.value is None and e.materials]:
        mine = [v for v in valued if v.actor == e.actor and _same_dates(v.date, e.date) and set(v.materials) <= set(e.materials)]
        if set(e.materials) <= {m for v in mine for m in v.materials}:
            for v in mine:
                v.sentences = sorted(set(v.sentences) | set(e.sentences))
                v.announced = v.announced or e.announced
                if v.date is None and e.date is not None:
                    v.date = e.date
                    v.notes.append(f"date {e.date.value} of the quotas the article lists first")
            events.remove(e)


def _after(doc: Doc, n: Number, words: tuple[str, ...]) -> bool:
    return n.start > 0 and doc[n.start - 1].lower_ in words


def _rates(doc: Doc) -> list[Number]:
    """Tariff rates: not "from 145%" when a "to 30%" is given, not "not 125%", not changes or shares."""
    pcts = percentages(doc)
    has_to = any(_after(doc, n, ("to",)) for n in pcts)
    cut = re.search(r"\b(?:made up of|comprising|consisting of|combines|including)\b", doc.text)
    out = []
    for n in pcts:
        nxt = doc[n.end].lower_ if n.end < len(doc) else ""
        if (has_to and _after(doc, n, ("from",))) or _after(doc, n, ("not", "by", "about", "almost")):
            continue
        if nxt in ("less", "more", "higher", "lower", "below", "above", "of", "stake", "share", "year", "drop", "fall", "rise", "increase"):
            continue
        if cut and doc[n.start].idx > cut.start():
            continue
        out.append(n)
    return out


_TARIFF_WORDS = {"tariff", "tariffs", "duty", "duties", "levy", "levies"}


def _origins(p: Parsed) -> set[int]:
    """Starts of country words that name where goods come from: "from China", "Chinese graphite" (a material follows)."""
    starts = {m.start for m, r in p.actors if r in ("source", "dest")}
    mats = {m.start for m in p.materials}
    starts |= {m.start for m, r in p.actors if r == "subject" and m.end in mats}
    return starts


def _importer(ctx: _Context, target: str | None) -> str | None:
    """Who imposes a tariff the sentence reports without naming them: the last actor, subject or dateline that is not the origin."""
    return next((c for c in (ctx.last_actor, ctx.last_subject, ctx.dateline_country) if c and c != target), None)


def _tariffs(p: Parsed, trig: Trigger, ctx: _Context) -> list[DraftEvent]:
    rates = _rates(p.doc)
    bounds = [n.start for n in percentages(p.doc)] + [len(p.doc)]
    origins = _origins(p)
    out = []
    for n in rates:
        prev_end = max([b.end for b in percentages(p.doc) if b.end <= n.start] or [0])
        nxt = min(b for b in bounds if b > n.start)
        ev = _new("tariff", trig, p)
        left = [m for m, r in p.actors if r == "subject" and prev_end <= m.start < n.start and m.start not in origins]
        anywhere = [m.codes[0] for m, r in p.actors if r == "subject" and m.start not in origins and not p.in_quote(p.doc[m.start].idx)]
        src = [m.codes[0] for m, _r in p.actors if m.start in origins and prev_end <= m.start < nxt]
        ev.actor = left[-1].codes[0] if left else (anywhere[0] if anywhere else None)
        ev.evidence["actor"] = p.sentence.index
        src = [c for c in src if c != ev.actor]
        ev.target = src[0] if src else None
        if ev.actor is None:
            ev.actor = _importer(ctx, ev.target)
            if ev.actor:
                del ev.evidence["actor"]
                ev.notes.append(f"actor {ev.actor}: the sentence names only the goods' origin; the importer is taken from the article")
                ev.confidence -= 0.1
        ev.evidence["target"] = p.sentence.index
        ev.value, ev.unit = round(n.value / 100.0, 6), "rate"
        ev.evidence["value"] = p.sentence.index
        after = [m for m in p.materials if n.end <= m.start < nxt]
        # "the duty on natural graphite ... will rise to 25%": the goods between the tariff word and the rate
        word = next((t.i for t in p.doc[prev_end : n.start] if t.lower_ in _TARIFF_WORDS), None)
        before = [m for m in p.materials if word is not None and word < m.start < n.start]
        specific = [m for m in after + before if "*" not in m.codes]
        ev.materials = _tariff_materials([m for m in after if m in specific] or [m for m in before if m in specific] or after or before)
        ev.evidence["materials"] = p.sentence.index
        _dates(_clause(p, rates, n), "tariff", ev)
        out.append(ev)
    return out


def _clause(p: Parsed, rates: list[Number], n: Number) -> Parsed:
    """The sentence with only the dates that belong to rate ``n``.

    A date goes to the nearest rate; an announcement date, or a date after the last of rates
    joined by "and" ("a 15% tariff on coal and a 10% duty on oil from Feb. 10"), to every rate.
    """
    if len(rates) < 2:
        return p
    chars = {id(r): (p.doc[r.start].idx, p.doc[r.end - 1].idx) for r in rates}
    last = max(chars[id(r)][1] for r in rates)
    joined = " and " in p.sentence.text[chars[id(rates[0])][1] : chars[id(rates[-1])][0]]

    def owner(d: DateMention) -> bool:
        if d.cue == "announce" or (joined and d.start > last):
            return True
        return min(rates, key=lambda r: min(abs(d.start - chars[id(r)][1]), abs(d.start - chars[id(r)][0]))) is n

    return Parsed(p.sentence, p.doc, p.actors, p.materials, [d for d in p.dates if owner(d)], p.quotes)


def _tariff_materials(mentions: list[Mention]) -> list[str]:
    names = [c for m in mentions for c in m.codes if c not in ("*", "-")]
    if names:
        return list(dict.fromkeys(names))
    return [] if any("-" in m.codes for m in mentions) else ["all goods"]


def _agreement(p: Parsed, trig: Trigger, ctx: _Context, previous: list[Parsed]) -> list[DraftEvent]:
    if re.search(r"\b(?:offtake|supply|purchase|loan|contract|indefinite-quantity|acquisition)\s+(?:agreement|deal)", p.sentence.text, re.I):
        return []
    parties = list(dict.fromkeys(m.codes[0] for m, r in p.actors if r != "location"))
    for before in reversed(previous[-2:]):
        if len(parties) >= 2:
            break
        parties = list(dict.fromkeys(parties + [m.codes[0] for m, r in before.actors if r != "location"]))
    if len(parties) < 2:
        return []
    ev = _new("agreement", trig, p)
    ev.parties = sorted(parties)
    ev.evidence["parties"] = p.sentence.index
    _dates(p, "agreement", ev)
    return [ev]


def _split(p: Parsed, trig: Trigger, kind: str, trigs: list[Trigger], ctx: _Context) -> list[DraftEvent]:
    """Stockpile releases and capacity changes: one event per material mention (a release names one product)."""
    mentions = [m for m in _mentions_for(p, trig, trigs) if not set(m.codes) & {"-"}]
    specific = [m for m in mentions if "*" not in m.codes]
    groups: list[list[Mention]] = []
    for mention in specific:
        home = next((g for g in groups if related(list(g[0].codes), list(mention.codes))), None)
        if home is None:
            groups.append([mention])
        else:
            home.append(mention)
    if not groups and mentions:
        groups = [mentions[:1]]
    out = []
    for group in groups or [[]]:
        m: Mention | None = group[0] if group else None
        ev = _new(kind, trig, p)
        _actor(p, trig, kind, ctx, ev)
        _materials(group, ctx, ev, p.sentence.index)
        _dates(p, kind, ev)
        q = _quantity_near(p.doc, m, kind)
        if q is not None:
            ev.value, ev.unit = q.value, q.unit
            ev.evidence["value"] = p.sentence.index
        out.append(ev)
    return out


def _quantity_near(doc: Doc, m: Mention | None, kind: str) -> Number | None:
    qs = quantities(doc)
    if kind == "capacity_change":
        qs = [q for q in qs if q.unit.endswith("/yr")]
    else:
        qs = [q for q in qs if not q.unit.endswith("/yr") and (m is None or 0 <= m.start - q.end <= 4)]
    if not qs:
        return None
    if m is None:
        return qs[0]
    return min(qs, key=lambda q: abs(q.start - m.start))


def _whitelist(p: Parsed, ctx: _Context) -> list[DraftEvent]:
    m = _WHITELIST.search(p.sentence.text)
    if not m:
        return []
    who = m.group("who").strip()
    buyers = [mm.codes[0] for mm, _r in p.actors if p.doc[mm.start].idx >= m.start("who")]
    if not buyers or not re.search(r"supplier|compan|firm|buyer|automaker|carmaker|customer|manufacturer", who, re.I):
        return []
    trig = Trigger("licence", False, 0, 1)
    ev = _new("licence", trig, p)
    _actor(p, Trigger("licence", False, len(p.doc), len(p.doc)), "licence", ctx, ev)
    ev.destinations = [buyers[0]]
    ev.evidence["destinations"] = p.sentence.index
    _dates(p, "licence", ev)
    ev.whitelist.append(WhitelistDraft(buyers[0], who, p.sentence.index, ev.date))
    ev.evidence["whitelist"] = p.sentence.index
    _materials([mm for mm in p.materials if not p.in_quote(p.doc[mm.start].idx)] or [Mention(0, 0, "licences", ("*",))], ctx, ev, p.sentence.index)
    return [ev]


_ATTRIBUTION_BEFORE = re.compile(r",\s*(?:the\s+|a\s+)?[\w .'-]{0,60}\b(?:said|announced|stated)\s+(?:on\s+)?$", re.I)


def _for_trigger(p: Parsed, trig: Trigger, trigs: list[Trigger]) -> Parsed:
    """With several triggers, a date belongs to the nearest one (a closing "X said on Friday" to all)."""
    if len(trigs) < 2:
        return p
    char = {id(t): p.doc[t.start].idx for t in trigs}

    def mine(d: DateMention) -> bool:
        if _ATTRIBUTION_BEFORE.search(p.sentence.text[: d.start]):
            return True
        return min(trigs, key=lambda t: abs(char[id(t)] - d.start)) is trig

    return Parsed(p.sentence, p.doc, p.actors, p.materials, [d for d in p.dates if mine(d)], p.quotes)


def _events_of(p: Parsed, ctx: _Context, previous: list[Parsed]) -> list[DraftEvent]:
    trigs = find_triggers(p.doc)
    white = _whitelist(p, ctx)
    out: list[DraftEvent] = list(white)
    for trig in trigs:
        kind = trig.type
        if kind == "?":
            named = [MEASURE_TYPES[t.lower_] for t in p.doc[trig.start : trig.end] if t.lower_ in MEASURE_TYPES]
            last = ctx.last_of(CONTROLS)
            kind = named[0] if named else (last.type if last else "export_ban")
        if (trig.needs_previous and not ctx.last_of((kind,))) or (white and kind == "licence"):
            continue
        q = _for_trigger(p, trig, trigs)
        if kind in CONTROLS:
            new = _control(q, trig, kind, trigs, ctx)
        elif kind == "tariff":
            new = _tariffs(q, trig, ctx)
        elif kind == "agreement":
            new = _agreement(q, trig, ctx, previous)
        else:
            new = _split(q, trig, kind, trigs, ctx)
        if trig.needs_previous:
            _continue(new, ctx.last_of((kind,)))
        out += new
    _share_replacement_date(out)
    for ev in out:
        _attribution(p, ev)
    return out


def _share_replacement_date(events: list[DraftEvent]) -> None:
    """A control lifted and one set in the same sentence ("end its ban on May 1 and cap shipments with quotas") share the date."""
    lifts = [e for e in events if e.lift and e.type in CONTROLS]
    new = [e for e in events if not e.lift and e.type in CONTROLS]
    if len(lifts) != 1 or len(new) != 1:
        return
    a, b = lifts[0], new[0]
    for undated, dated in ((a, b), (b, a)):
        if undated.date is None and dated.date is not None:
            undated.date = dated.date
            undated.evidence["date"] = dated.evidence.get("date", dated.sentences[0])
            undated.notes.append(f"date {dated.date.value}: the measure it replaces or is replaced by in the same sentence")


def _continue(events: list[DraftEvent], last: DraftEvent | None) -> None:
    """Events that continue a list ("the court is also offering ...") share the first one's date and actor."""
    for ev in events:
        if last is not None and ev.date is None:
            ev.date = last.date
            if "date" in last.evidence:
                ev.evidence["date"] = last.evidence["date"]
        if last is not None and last.actor:
            ev.actor = last.actor


_COVERS = re.compile(
    r"\b(?:measures?|controls?|rules|restrictions|curbs|ban|licensing|prohibition|suspension|embargo|quotas?)\b[^.]{0,40}?"
    r"\b(?:cover|covers|covered|apply to|applies to|include|includes|targets|affects|hits|falls (?:hardest |most )?on|extends to)\b",
    re.I,
)


def _elaborate(p: Parsed, ctx: _Context) -> None:
    """ "The measures cover ... permanent magnets containing them": materials added to the last control."""
    if not _COVERS.search(p.sentence.text):
        return
    last = next((e for e in reversed(ctx.events) if e.type in CONTROLS), None)
    names = [c for m in p.materials for c in m.codes if c not in ("*", "-")]
    pending = ctx.pending
    if pending is not None and p.sentence.index - pending.sentences[-1] == 1 and names:
        # "Peru has prohibited exports of several minerals. The prohibition covers cobalt and graphite."
        pending.evidence["materials"] = p.sentence.index
        ctx.events.append(pending)
        ctx.pending = None
        last = pending
    if last is None or not names:
        return
    last.materials = prune_generic(list(dict.fromkeys(last.materials + names)))
    last.sentences = sorted(set(last.sentences) | {p.sentence.index})


# --------------------------------------------------------------------------- merging


def _same_dates(a: DateValue | None, b: DateValue | None) -> bool:
    return a is None or b is None or a.value.startswith(b.value) or b.value.startswith(a.value)


def _compatible(a: DraftEvent, b: DraftEvent) -> bool:
    """True when ``b`` (a later sentence) can describe the same measure as ``a``."""
    if a.type != b.type or a.lift != b.lift:
        return False
    if a.actor and b.actor and a.actor != b.actor:
        return False
    if a.type in _SPLIT_BY_MATERIAL and abs(b.sentences[0] - a.sentences[-1]) > _WINDOW:
        return False
    if a.type == "agreement":
        return bool(set(a.parties) & set(b.parties)) and _same_dates(a.date, b.date)
    if a.type == "tariff":
        return (a.target == b.target or None in (a.target, b.target)) and (a.value == b.value or None in (a.value, b.value))
    if a.destinations != "all" and b.destinations != "all" and not set(a.destinations) & set(b.destinations):
        return False
    if a.materials and b.materials and not related(a.materials, b.materials):
        return False
    if (outside_goods(a) and not a.materials and b.materials) or (outside_goods(b) and not b.materials and a.materials):
        return False
    several = len(set(a.materials) | set(b.materials)) > 1
    if a.type == "quota" and (a.value is None) != (b.value is None) and len(a.materials) != len(b.materials) and several:
        # a quota for several materials and one with its own amount for some of them are kept apart (one quota per amount)
        return False
    return _same_dates(a.date, b.date) and (a.value is None or b.value is None or a.value == b.value or a.type != "quota")


def merge_into(a: DraftEvent, b: DraftEvent) -> None:
    """Complete ``a`` with what ``b`` adds (fields ``a`` lacks, materials, sentences)."""
    for name in ("actor", "target", "date", "announced", "value"):
        if getattr(a, name) is None and getattr(b, name) is not None:
            setattr(a, name, getattr(b, name))
            if name in b.evidence:
                a.evidence[name] = b.evidence[name]
    if a.unit == "" and b.unit:
        a.unit = b.unit
    if a.destinations == "all" and b.destinations != "all":
        a.destinations = b.destinations
        a.evidence["destinations"] = b.evidence.get("destinations", b.sentences[0])
    if b.materials and "materials" in b.evidence and (not a.materials or "assumed" in " ".join(a.notes)):
        a.materials = b.materials if not a.materials else a.materials
    if b.materials and a.type in CONTROLS:
        a.materials = prune_generic(list(dict.fromkeys(a.materials + b.materials)))
    a.parties = sorted(set(a.parties) | set(b.parties)) if a.type == "agreement" else a.parties
    a.whitelist += b.whitelist
    a.sentences = sorted(set(a.sentences) | set(b.sentences))
    a.confidence = min(0.95, max(a.confidence, b.confidence) + 0.05)
    a.notes += [n for n in b.notes if n not in a.notes]
    a.attributed_to = a.attributed_to or b.attributed_to


def _add(ctx: _Context, ev: DraftEvent) -> None:
    if ev.type not in ("tariff", "agreement") and not ev.materials and not ev.lift and not outside_goods(ev):
        target = next((e for e in reversed(ctx.events) if _compatible(e, ev) and ev.sentences[0] - e.sentences[-1] <= 2), None)
        if target is not None:
            merge_into(target, ev)
        elif ev.type in CONTROLS:
            ctx.pending = ev  # kept only if the next sentence says what it covers (_elaborate)
        return
    if ev.lift:
        _complete_lift(ctx, ev)
    target = next((e for e in reversed(ctx.events) if _compatible(e, ev)), None)
    if target is not None:
        merge_into(target, ev)
        return
    ctx.events.append(ev)


def _complete_lift(ctx: _Context, ev: DraftEvent) -> None:
    """A lift names the measure it ends: take that measure's materials and destinations."""
    ended = ctx.last_of((ev.type,))
    if ended is None:
        return
    if not ev.materials:
        ev.materials = list(ended.materials)
        ev.notes.append("materials taken from the measure it lifts")
    if ev.destinations == "all" and ended.destinations != "all":
        ev.destinations = list(ended.destinations)
    ev.actor = ev.actor or ended.actor


def main_material(parsed: list[Parsed]) -> str | None:
    """The material the article names most often (generic and outside-vocabulary words aside)."""
    names = [c for p in parsed for m in p.materials for c in m.codes if c not in ("*", "-", "all goods", "rare earth technology")]
    counts = Counter(g for c in names for g in [c, *ancestors(c)])
    return counts.most_common(1)[0][0] if counts else None


_EFFECT_ONLY = re.compile(r"\b(?:took effect|take effect|takes effect|came into force|come into force|in force since|been in force)\b", re.I)


def _borrow_date(ev: DraftEvent, previous: Parsed | None, p: Parsed, ctx: _Context) -> None:
    """An undated event takes the date of the sentence just before it in the same paragraph.

    A sentence saying the ministry "also" did something takes the date of the last event.
    """
    if ev.date or ev.announced:
        return
    if re.search(r"\balso\b", p.sentence.text) and ctx.events and ctx.events[-1].date is not None:
        ev.date = ctx.events[-1].date
        ev.notes.append(f"date {ev.date.value} of the measure the sentence adds to ('also')")
        ev.confidence -= 0.1
        return
    if previous is None or previous.sentence.paragraph != p.sentence.paragraph or previous.sentence.title:
        return
    date, _ann = _date_fields(previous, ev.type)
    if date is not None:
        ev.date = date
        ev.evidence["date"] = previous.sentence.index
        ev.notes.append(f"date {date.value} taken from the sentence before ('{date.text}')")
        ev.confidence -= 0.1


def _date_only(p: Parsed, ctx: _Context) -> None:
    """Sentences that only date measures already named.

    "The controls took effect the same day" dates the last undated control; "The U.S. tariffs
    on China have been in force since Wednesday, and China's levies on U.S. goods since
    Thursday" dates the tariffs of each pair, clause by clause.
    """
    if not _EFFECT_ONLY.search(p.sentence.text):
        return
    clauses = [0] + [m.end() for m in re.finditer(r",\s*and\s|;\s", p.sentence.text)] + [len(p.sentence.text) + 1]
    for a, b in itertools.pairwise(clauses):
        dates = [d.value for d in p.dates if a <= d.start < b and d.value is not None and d.cue in ("effect", "plain")]
        dates += [
            DateValue(ctx.events[-1].announced.value, d.text)
            for d in p.dates
            if a <= d.start < b and d.immediate and ctx.events and ctx.events[-1].announced
        ]
        if not dates:
            continue
        who = [(m.codes[0], r) for m, r in p.actors if a <= p.doc[m.start].idx < b]
        subject = next((c for c, r in who if r == "subject"), None)
        source = next((c for c, r in who if r == "source" and c != subject), None)
        target = (
            next(
                (
                    e
                    for e in ctx.events
                    if e.date is None
                    and (e.type == "tariff") == (subject is not None and source is not None)
                    and (subject is None or (e.actor, e.target) == (subject, source))
                ),
                None,
            )
            if subject and source
            else next((e for e in reversed(ctx.events) if e.date is None and e.type in CONTROLS), None)
        )
        if target is not None:
            target.date = dates[0]
            target.evidence["date"] = p.sentence.index
            target.sentences = sorted(set(target.sentences) | {p.sentence.index})


def build_events(parsed: list[Parsed], published: dt.date, dateline_country: str | None) -> list[DraftEvent]:
    """The events of an article, merged, in the order they were first mentioned.

    Parameters
    ----------
    parsed : list of Parsed
        The article's sentences (:func:`parse_sentence`).
    published : datetime.date
    dateline_country : str or None

    Returns
    -------
    list of DraftEvent
    """
    ctx = _Context(published, dateline_country, main_material(parsed))
    previous: Parsed | None = None
    for k, p in enumerate(parsed):
        found = _events_of(p, ctx, parsed[max(0, k - 2) : k])
        for ev in found:
            _borrow_date(ev, previous, p, ctx)
            _add(ctx, ev)
            if ev.actor and ev.type != "agreement":
                ctx.last_actor = ev.actor
        subjects = _subjects(p)
        if subjects:
            ctx.last_subject = subjects[0]
        if not found:
            _elaborate(p, ctx)
            _date_only(p, ctx)
        previous = p
    for ev in ctx.events:
        ev.confidence = round(max(0.1, min(0.95, ev.confidence + (0.05 if ev.date else -0.1))), 2)
    _drop_summarised_quotas(ctx.events)
    return [e for e in ctx.events if e.materials or e.type in ("tariff", "agreement") or outside_goods(e)]
