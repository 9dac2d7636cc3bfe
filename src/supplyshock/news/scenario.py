"""Write a draft as a scenario: valid YAML with provenance comments, plus the sidecar's data.

Each drafted event becomes one of:

``written``
    An event of the scenario. Fields the article does not give are left out where the
    format has a default (a licence's ``approval`` and ``delay_days``, a control's
    ``coverage``) and flagged TODO; a date given only as a month or a year is written as its
    first day and flagged.
``pending``
    The format needs a number the article does not give (a whitelist's share of demand, a
    quota, a capacity, the days of a stockpile release, an agreement commitment's share):
    the item is written as commented-out YAML with ``TODO`` in place of the number, never an
    invented one.
``lift``
    The event ends a measure: the matching control of the scenario gets an ``end``.
``skipped``
    Its materials or countries are not in the dataset, or the format cannot hold it (a
    tariff on every origin); kept in the sidecar only.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from supplyshock.news.datasets import DatasetView, choose_dataset
from supplyshock.news.errors import NewsError, NoEventError
from supplyshock.news.model import DateValue, Draft, DraftEvent
from supplyshock.news.yamltext import block, comment, scalar
from supplyshock.scenario import Scenario, validate_text

__all__ = ["Rendered", "ScenarioDraft", "event_lines", "lift_matches", "render_events", "scenario_from_draft", "slug"]

_CONTROLS = ("export_ban", "licence", "quota")
MAX_HORIZON = 3650


@dataclass
class Rendered:
    """One drafted event as it goes into the scenario."""

    index: int
    status: str
    data: dict[str, Any]
    todos: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    pending_parts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def day(self) -> dt.date | None:
        """The date that must lie inside the horizon (start, date or decided)."""
        for key in ("start", "date", "decided"):
            if isinstance(self.data.get(key), dt.date):
                return self.data[key]
        return None


@dataclass
class ScenarioDraft:
    """A scenario drafted from an article.

    Attributes
    ----------
    name, dataset : str
    text : str
        The scenario YAML with provenance comments.
    scenario : Scenario
        The validated scenario.
    rendered : list of Rendered
        Each drafted event's fate (written, pending, lift, skipped).
    """

    name: str
    dataset: str
    text: str
    scenario: Scenario
    rendered: list[Rendered]


def slug(text: str) -> str:
    """A lower-case id made of letters, digits and dashes."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "article"


def _day(ev: DraftEvent, published: dt.date, todos: list[str]) -> dt.date:
    if ev.date is not None:
        if ev.date.precision != "day":
            todos.append(f"date: the article gives only {ev.date.precision} {ev.date.value} ('{ev.date.text}'); its first day is used")
        return ev.date.first_day()
    if ev.announced is not None:
        todos.append(f"date: the article gives no effective date; the announcement date {ev.announced.value} is used")
        return ev.announced.first_day()
    todos.append(f"date: the article gives no date; the publication date {published} is used")
    return published


def _source(draft: Draft, ev: DraftEvent) -> str:
    first = ev.evidence.get("type", ev.sentences[0] if ev.sentences else None)
    text = " ".join(draft.sentence_text(first).split())
    return f"{draft.source}, sentence {first}: {text[:160]}" if first is not None else draft.source


def _codes(view: DatasetView, codes: list[str], notes: list[str]) -> list[str]:
    out: list[str] = []
    for c in codes:
        mapped, note = view.countries_for(c)
        if note:
            notes.append(note)
        out += [m for m in mapped if m not in out]
    return out


def _one(view: DatasetView, code: str | None, notes: list[str]) -> str | None:
    if not code:
        return None
    mapped = _codes(view, [code], notes)
    return mapped[0] if len(mapped) == 1 else None


def _control(view: DatasetView, draft: Draft, ev: DraftEvent, r: Rendered) -> None:
    exporter = _one(view, ev.actor, r.notes)
    products = view.products(ev.materials)
    if exporter is None or not products:
        r.status = "skipped"
        r.notes.append("exporter not known to the dataset" if exporter is None else f"no product of {view.name} for {', '.join(ev.materials)}")
        return
    start = _day(ev, draft.published, r.todos)
    r.data.update({"type": ev.type, "exporter": exporter, "products": products})
    dest = "all" if ev.destinations == "all" else [c for c in _codes(view, list(ev.destinations), r.notes) if c != exporter]
    r.data["destinations"] = dest or "all"
    r.data["start"] = start
    if ev.announced is not None and ev.announced.precision == "day" and ev.announced.first_day() < start:
        r.data["announced"] = ev.announced.first_day()
    if ev.type == "licence":
        r.todos.append("approval: the article gives no approval share; the format's default 0.0 applies (only whitelisted buyers ship)")
        r.todos.append("delay_days: the article gives no processing time; the format's default 63 days applies")
        _whitelists(view, ev, r)
    if ev.type == "quota":
        _quota(ev, r)


def _whitelists(view: DatasetView, ev: DraftEvent, r: Rendered) -> None:
    items = []
    for w in ev.whitelist:
        importer = _one(view, w.importer, r.notes) or w.importer
        item: dict[str, Any] = {"importer": importer, "share_of_demand": "TODO", "from": (w.date or DateValue.of(r.data["start"])).first_day()}
        item["label"] = w.label
        items.append(item)
        r.todos.append(f"whitelist {importer}: share_of_demand not given ('{w.label}'); the whitelist is commented out until it is set")
    if items:
        r.pending_parts["whitelist"] = items


def _quota(ev: DraftEvent, r: Rendered) -> None:
    if ev.value is None:
        r.status = "pending"
        r.data["tonnes_per_year"] = "TODO"
        r.todos.append("tonnes_per_year: the article gives no quota amount")
        return
    tonnes = ev.value / 1000.0 if ev.unit == "kg" else ev.value
    r.data["tonnes_per_year"] = tonnes
    r.todos.append(f"tonnes_per_year: {tonnes:,.0f} t is the amount stated; check that it is a full-year figure")


def _tariff(view: DatasetView, draft: Draft, ev: DraftEvent, r: Rendered) -> None:
    importer = _codes(view, [ev.actor], r.notes) if ev.actor else []
    exporter = _one(view, ev.target, r.notes) if ev.target not in (None, "all") else None
    products = view.products(ev.materials)
    if not importer or exporter is None or not products or ev.value is None:
        r.status = "skipped"
        r.notes.append("tariff needs an importer, a single origin, products of the dataset and a rate")
        return
    r.data.update({"type": "tariff", "importer": importer[0] if len(importer) == 1 else importer, "exporter": exporter, "products": products})
    r.data["rate"] = ev.value
    r.data["start"] = _day(ev, draft.published, r.todos)
    if ev.announced is not None and ev.announced.precision == "day" and ev.announced.first_day() < r.data["start"]:
        r.data["announced"] = ev.announced.first_day()


def _agreement(view: DatasetView, draft: Draft, ev: DraftEvent, r: Rendered) -> None:
    parties = _codes(view, ev.parties, r.notes)
    if not parties:
        r.status = "skipped"
        r.notes.append("no party of the agreement is in the dataset")
        return
    r.data.update({"type": "agreement", "date": _day(ev, draft.published, r.todos), "parties": parties})
    r.todos.append("changes: the article does not say which controls or tariffs the agreement changes; add them by event id")
    items = []
    for c in ev.commitments:
        products = view.products(c.materials)
        exporter, importer = _one(view, c.exporter, r.notes), _one(view, c.importer, r.notes)
        if not products or exporter is None or importer is None:
            continue
        items.append(
            {
                "exporter": exporter,
                "importer": importer,
                "product": products[0],
                "min_share_of_baseline": "TODO",
                "by": "TODO",
                "label": c.label[:200],
            }
        )
        r.todos.append(f"commitment {exporter}->{importer} {products[0]}: min_share_of_baseline and by are not given; commented out")
    if items:
        r.pending_parts["commitments"] = items


def _stockpile(view: DatasetView, draft: Draft, ev: DraftEvent, r: Rendered) -> None:
    country = _one(view, ev.actor, r.notes)
    products = view.products(ev.materials)
    if country is None or not products:
        r.status = "skipped"
        r.notes.append(f"no product of {view.name} for {', '.join(ev.materials)}" if country else "country not in the dataset")
        return
    r.status = "pending"
    r.data.update(
        {"type": "stockpile_release", "country": country, "product": products[0], "start": _day(ev, draft.published, r.todos), "days": "TODO"}
    )
    r.todos.append("days: the article does not say over how many days the stock is released")
    if ev.value is not None:
        r.todos.append(f"share_of_stockpile: the article gives {ev.value:,g} {ev.unit}, not a share of the stockpile; the default 1.0 applies")


def _capacity(view: DatasetView, draft: Draft, ev: DraftEvent, r: Rendered) -> None:
    country = _one(view, ev.actor, r.notes)
    products = view.products(ev.materials)
    process = view.process_of(products[-1]) if products else None
    if country is None or process is None:
        r.status = "skipped"
        r.notes.append(f"no process of {view.name} makes {', '.join(ev.materials)}" if country else "country not in the dataset")
        return
    decided = ev.announced or ev.date
    r.data.update({"type": "capacity_change", "country": country, "process": process})
    if ev.value is not None and ev.unit.endswith("/yr"):
        r.data["tonnes_per_year"] = ev.value / 1000.0 if ev.unit.startswith("kg") else ev.value
    else:
        r.status = "pending"
        r.data["tonnes_per_year"] = "TODO"
        r.todos.append("tonnes_per_year: the article gives no capacity")
    holder = DraftEvent(ev.type, date=decided, announced=None)
    r.data["decided"] = _day(holder, draft.published, r.todos)
    if ev.announced is not None and ev.date is not None and ev.date.first_day() > ev.announced.first_day():
        r.data["lead_time_days"] = (ev.date.first_day() - ev.announced.first_day()).days
        r.notes.append(f"lead_time_days derived: first output '{ev.date.text}' ({ev.date.value}) minus the decision {ev.announced.value}")


def _substitution(view: DatasetView, draft: Draft, ev: DraftEvent, r: Rendered) -> None:
    countries = _codes(view, [ev.actor], r.notes) if ev.actor else []
    r.status = "pending"
    r.data.update({"type": "substitution", "countries": countries or "all", "reduction": "TODO", "start": _day(ev, draft.published, r.todos)})
    r.todos.append("reduction: the article gives no share of demand removed")


_BUILDERS = {
    "export_ban": _control,
    "licence": _control,
    "quota": _control,
    "tariff": _tariff,
    "agreement": _agreement,
    "stockpile_release": _stockpile,
    "capacity_change": _capacity,
    "substitution": _substitution,
}


def lift_matches(control: dict[str, Any], kind: str, exporter: str | None, products: set[str], dest: list[str] | str, day: dt.date) -> bool:
    """True when a lift (type, exporter, products, destinations, date) ends this control.

    Same type and exporter (a lift that names none matches any), a shared product, the same destinations (a lift of every
    destination ends any), a start before the lift and no earlier end.
    """
    if control.get("type") != kind or exporter not in (None, control.get("exporter")) or not products & set(control.get("products") or []):
        return False
    cdest = control.get("destinations", "all")
    if dest != "all" and (cdest == "all" or sorted(cdest) != sorted(dest)):
        return False
    start, end = control.get("start"), control.get("end")
    return isinstance(start, dt.date) and start < day and not (isinstance(end, dt.date) and end <= day)


def _apply_lift(ev: DraftEvent, r: Rendered, rendered: list[Rendered], view: DatasetView, published: dt.date) -> None:
    """A lift ends the matching earlier control of the scenario (same type, exporter, a shared product)."""
    products = set(view.products(ev.materials))
    exporter = _one(view, ev.actor, [])
    day = _day(ev, published, r.todos)
    dest: list[str] | str = "all" if ev.destinations == "all" else sorted(_codes(view, list(ev.destinations), []))
    target = next((x for x in reversed(rendered) if lift_matches(x.data, ev.type, exporter, products, dest, day)), None)
    r.status = "lift"
    if target is None:
        r.notes.append(
            f"ends a {ev.type} by {ev.actor} on {', '.join(ev.materials)} from {day}; "
            "no such control in this scenario (merge with --into one that has it)"
        )
        r.data.update({"type": ev.type, "lift": True, "exporter": exporter, "products": sorted(products), "destinations": dest, "date": day})
        return
    target.data["end"] = day
    target.notes.append(f"end {day}: lifted (draft event {r.index + 1}, sentence {ev.evidence.get('type')})")
    r.data.update({"ends": target.data.get("id"), "date": day})


def render_events(draft: Draft, view: DatasetView) -> list[Rendered]:
    """Translate every drafted event to the dataset's codes (see the module docstring)."""
    out: list[Rendered] = []
    counts: dict[str, int] = {}
    for k, ev in enumerate(draft.events):
        r = Rendered(k, "written", {}, notes=list(ev.notes))
        if ev.lift:
            _apply_lift(ev, r, out, view, draft.published)
            out.append(r)
            continue
        _BUILDERS[ev.type](view, draft, ev, r)
        if r.status != "skipped":
            who = "-".join(ev.parties) if ev.type == "agreement" else (ev.actor or "x")
            key = f"{who.lower()}-{ev.type.replace('_', '-')}"
            counts[key] = counts.get(key, 0) + 1
            r.data = {"type": r.data.pop("type"), "id": f"{key}-{counts[key]}", **r.data, "source": _source(draft, ev)}
        out.append(r)
    return out


def _horizon(rendered: list[Rendered], published: dt.date) -> tuple[dt.date, int]:
    days = [r.day for r in rendered if r.status in ("written", "pending") and r.day is not None]
    if not days:
        return published, 365
    start = min(days).replace(day=1)
    last = max(days)
    span = (last - start).days + 365
    if span > MAX_HORIZON:
        for r in rendered:
            if r.day is not None and (r.day - start).days >= MAX_HORIZON - 1 and r.status in ("written", "pending"):
                r.status = "skipped"
                r.notes.append(f"more than {MAX_HORIZON} days after the first event; draft it separately")
    return start, min(span, MAX_HORIZON)


def event_lines(draft: Draft, r: Rendered) -> list[str]:
    ev = draft.events[r.index]
    lines = [""]
    lines += comment(f"[{r.index + 1}] {ev.type}{' (lift)' if ev.lift else ''}: confidence {ev.confidence:.2f}", 2)
    for i in ev.sentences:
        lines += comment(f'sentence {i}: "{draft.sentence_text(i)}"', 2)
    if ev.attributed_to:
        lines += comment(f"reported by {ev.attributed_to}, not stated by the article itself", 2)
    for note in r.notes:
        lines += comment(f"note: {note}", 2)
    for todo in r.todos:
        lines += comment(f"TODO {todo}", 2)
    if r.status == "written":
        lines += block(r.data, 2, "- ")
        for key, items in r.pending_parts.items():
            lines += comment(f"TODO {key}: uncomment once every TODO value is set", 4)
            lines += ["    # " + x for x in block({key: items}, 0)]
    elif r.status == "pending":
        lines += comment("TODO: the event needs values the article does not give; uncomment it once they are set", 2)
        lines += ["  # " + x for x in block(r.data, 0, "- ")]
    else:
        lines += comment(f"not written ({r.status}): " + "; ".join(f"{k}={scalar(v)}" for k, v in r.data.items()), 2)
    return lines


def _header(draft: Draft, view: DatasetView, name: str, rendered: list[Rendered]) -> list[str]:
    n_todo = sum(len(r.todos) for r in rendered)
    lines = comment(
        f"Draft scenario from {draft.source} (published {draft.published}), written by `supplyshock draft` ({draft.backend} backend). "
        f"Every event names the sentence it comes from and a confidence (0-1). {n_todo} TODO(s) mark values the article does not give: "
        f"check them before running. Events, fields, sentences, claims and observations: {name}.provenance.json.",
        0,
    )
    return lines


def scenario_from_draft(draft: Draft, dataset: str | None = None, *, name: str | None = None) -> ScenarioDraft:
    """The scenario YAML of a draft, validated.

    Parameters
    ----------
    draft : Draft
    dataset : str, optional
        Dataset name or folder; by default the embedded dataset its materials fit best.
    name : str, optional
        Scenario name (default: ``draft-<source>``).

    Raises
    ------
    NoEventError
        No drafted event can be written or commented into the scenario.
    NewsError
        The generated scenario does not validate (a bug: the message lists the problems).
    """
    view = choose_dataset(draft, dataset)
    rendered = render_events(draft, view)
    if not any(r.status in ("written", "pending", "lift") for r in rendered):
        raise NoEventError(
            f"{draft.source}: no policy event the {view.name} dataset can hold "
            f"({len(draft.events)} event(s) found, none mapped; {len(draft.observations)} observation(s), "
            f"{len(draft.claims)} claim(s)); nothing was written"
        )
    scen_name = name or f"draft-{slug(re.sub(r'[.](txt|html?|md)$', '', draft.source))}"
    start, horizon = _horizon(rendered, draft.published)
    description = f"Drafted from {draft.source} (published {draft.published}); check every TODO before running."
    lines = _header(draft, view, scen_name, rendered)
    lines += [
        f"name: {scalar(scen_name)}",
        f"description: {scalar(description)}",
        f"dataset: {scalar(view.name)}",
        f"start: {start}",
        f"horizon_days: {horizon}",
    ]
    written = [r for r in rendered if r.status == "written"]
    lines.append("events:" if written else "events: []")
    for r in rendered:
        lines += event_lines(draft, r)
    text = "\n".join(lines) + "\n"
    scenario, problems = validate_text(text, f"{scen_name}.yaml")
    if scenario is None:
        raise NewsError("the drafted scenario does not validate (a bug in supplyshock draft):\n" + "\n".join(f"  {p}" for p in problems))
    return ScenarioDraft(scen_name, view.name, text, scenario, rendered)
