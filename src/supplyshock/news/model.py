"""What a draft is made of: sentences, dates, events, observations and claims, each with its provenance.

Every extracted item names the sentence(s) it comes from (an index into
:attr:`Draft.sentences`) and a confidence between 0 and 1. A :class:`Draft` turns into plain
JSON (:meth:`Draft.to_dict`) and back (:meth:`Draft.from_dict`), so a server can send it to a
browser and receive an edited one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = ["Claim", "CommitmentDraft", "DateValue", "Draft", "DraftEvent", "Observation", "Sentence", "WhitelistDraft"]

Precision = Literal["day", "month", "year"]


@dataclass(frozen=True)
class Sentence:
    """One sentence of the article.

    Attributes
    ----------
    index : int
        Position in the article (0-based; the headline, when there is one, is 0).
    text : str
        The sentence as printed (the dateline removed).
    paragraph : int
        Paragraph number (0-based).
    title : bool
        True for the headline.
    """

    index: int
    text: str
    paragraph: int = 0
    title: bool = False


@dataclass(frozen=True)
class DateValue:
    """A date as precise as the article gives it.

    Attributes
    ----------
    value : str
        ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``.
    text : str
        The words it was read from ("on Monday", "last month").
    """

    value: str
    text: str = ""

    @property
    def precision(self) -> Precision:
        """``day``, ``month`` or ``year``."""
        return {10: "day", 7: "month"}.get(len(self.value), "year")  # type: ignore[return-value]

    def first_day(self) -> dt.date:
        """The first day the value covers (the 1st of a month, 1 January of a year)."""
        parts = [int(p) for p in self.value.split("-")] + [1, 1]
        return dt.date(parts[0], parts[1], parts[2])

    @classmethod
    def of(cls, day: dt.date, text: str = "") -> DateValue:
        """A day."""
        return cls(day.isoformat(), text)


@dataclass
class WhitelistDraft:
    """Buyers in one country that a licence regime lets through (e.g. named suppliers)."""

    importer: str
    label: str
    sentence: int
    date: DateValue | None = None


@dataclass
class CommitmentDraft:
    """A promise of exports (who to whom, of what), attached to an agreement."""

    exporter: str
    importer: str
    materials: list[str]
    label: str
    sentence: int


@dataclass
class DraftEvent:
    """A policy event read from the article.

    Attributes
    ----------
    type : str
        One of the scenario event types (``export_ban``, ``licence``, ``quota``, ``tariff``,
        ``agreement``, ``stockpile_release``, ``capacity_change``, ``substitution``).
    actor : str or None
        Who acts (ISO3 or ``EU``): the exporter of a control, the importer imposing a tariff,
        the holder of a stockpile, the country of a plant.
    parties : list of str
        Agreements only.
    target : str or None
        Tariffs only: whose goods are taxed (``all`` for every origin).
    destinations : list of str or "all"
        Controls: the importers affected.
    materials : list of str
        Names from the material vocabulary (``data/news/materials.csv``).
    date, announced : DateValue or None
        When it takes effect; when it was announced.
    value, unit : float or None, str
        The number the article states (tariff rate as a fraction, tonnes, t/yr).
    lift : bool
        The event ends a measure of this type.
    evidence : dict
        Field name -> index of the sentence it was read from.
    sentences : list of int
        Every sentence that contributed.
    confidence : float
        0-1.
    notes : list of str
        How fields were filled when the sentence did not give them (inherited, assumed).
    attributed_to : str
        Who reported it when the article does not state it as fact ("Reuters reported").
    """

    type: str
    actor: str | None = None
    parties: list[str] = field(default_factory=list)
    target: str | None = None
    destinations: list[str] | Literal["all"] = "all"
    materials: list[str] = field(default_factory=list)
    date: DateValue | None = None
    announced: DateValue | None = None
    value: float | None = None
    unit: str = ""
    lift: bool = False
    whitelist: list[WhitelistDraft] = field(default_factory=list)
    commitments: list[CommitmentDraft] = field(default_factory=list)
    evidence: dict[str, int] = field(default_factory=dict)
    sentences: list[int] = field(default_factory=list)
    confidence: float = 0.5
    notes: list[str] = field(default_factory=list)
    attributed_to: str = ""

    def label(self) -> dict[str, Any]:
        """The event in the evaluation set's label schema (``tests/data/news/README.md``)."""
        out: dict[str, Any] = {"type": self.type, "materials": list(self.materials)}
        if self.type == "agreement":
            out["parties"] = sorted(self.parties)
        else:
            out["actor"] = self.actor
        if self.type == "tariff":
            out["target"] = self.target
        if self.type in ("export_ban", "licence", "quota"):
            out["destinations"] = self.destinations if self.destinations == "all" else list(self.destinations)
        out["date"] = self.date.value if self.date else None
        out["announced"] = self.announced.value if self.announced else None
        out["value"] = self.value
        if self.lift:
            out["lift"] = True
        return out


@dataclass
class Observation:
    """A reported figure: a level or a change of exports, imports, production or a price.

    Attributes
    ----------
    subject : str
        ``exports``, ``imports``, ``production`` or ``price``.
    reporter, partner : str
        ISO3, ``EU`` or ``WLD``.
    materials : list of str
    period : str or None
        ``YYYY-MM``, ``YYYY`` or ``YYYY-MM..YYYY-MM``; None when the article gives none.
    value : float, list of two floats, or None
        A level (a price range is two numbers).
    unit : str
    change_pct : float or None
        A reported change in percent (negative for a fall).
    comparison : str
        ``yoy``, ``mom`` or ``level``.
    sentence : int
    confidence : float
    """

    subject: str
    reporter: str
    partner: str
    materials: list[str]
    period: str | None
    value: float | list[float] | None
    unit: str
    change_pct: float | None
    comparison: str
    sentence: int
    confidence: float = 0.6
    text: str = ""


@dataclass
class Claim:
    """A statement attributed to someone, kept apart from facts.

    Attributes
    ----------
    by : str
        ISO3/``EU`` for governments, else the speaker as the article names them.
    about : str
        The country the statement is about.
    kind : str
        ``accusation``, ``denial``, ``justification``, ``threat``, ``forecast``,
        ``commitment``, ``report`` or ``statement``.
    summary : str
        The sentence (claims are not paraphrased).
    sentence : int
    confidence : float
    """

    by: str
    about: str
    kind: str
    summary: str
    sentence: int
    confidence: float = 0.5


@dataclass
class Draft:
    """Everything read from one article (or a folder of them).

    Attributes
    ----------
    source : str
        The article's file name or label.
    published : datetime.date
        Its publication date (all relative dates are resolved from it).
    sentences : list of Sentence
    events, observations, claims : lists
    backend : str
        ``rules`` (default) or ``llm``.
    notes : list of str
        What the drafter could not do (e.g. an LLM item dropped because it failed checks).
    """

    source: str
    published: dt.date
    sentences: list[Sentence] = field(default_factory=list)
    events: list[DraftEvent] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    backend: str = "rules"
    notes: list[str] = field(default_factory=list)

    def sentence_text(self, index: int | None) -> str:
        """The text of a sentence ('' for None or an index out of range)."""
        if index is None or not 0 <= index < len(self.sentences):
            return ""
        return self.sentences[index].text

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable data (dates as ISO text)."""
        data = asdict(self)
        data["published"] = self.published.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Draft:
        """Rebuild a draft from :meth:`to_dict` output."""
        events = [_event_from_dict(e) for e in data.get("events", [])]
        return cls(
            source=str(data.get("source", "")),
            published=dt.date.fromisoformat(str(data["published"])),
            sentences=[Sentence(**s) for s in data.get("sentences", [])],
            events=events,
            observations=[Observation(**o) for o in data.get("observations", [])],
            claims=[Claim(**c) for c in data.get("claims", [])],
            backend=str(data.get("backend", "rules")),
            notes=[str(n) for n in data.get("notes", [])],
        )


def _date_or_none(value: Any) -> DateValue | None:
    if not value:
        return None
    if isinstance(value, dict):
        return DateValue(str(value["value"]), str(value.get("text", "")))
    return DateValue(str(value))


def _event_from_dict(data: dict[str, Any]) -> DraftEvent:
    data = dict(data)
    data["date"] = _date_or_none(data.get("date"))
    data["announced"] = _date_or_none(data.get("announced"))
    whitelist = []
    for w in data.get("whitelist", []):
        w = dict(w)
        w["date"] = _date_or_none(w.get("date"))
        whitelist.append(WhitelistDraft(**w))
    data["whitelist"] = whitelist
    data["commitments"] = [CommitmentDraft(**c) for c in data.get("commitments", [])]
    return DraftEvent(**data)
