"""What every event type has: a typed model, reference checks, compilation, description.

An event type is one module of :mod:`supplyshock.scenario.events` holding a subclass of
:class:`EventModel` that

- declares its fields (pydantic; each field's ``description`` is its documentation,
  rendered into ``docs/scenario-format.md``);
- checks its references against the dataset and the horizon (:meth:`EventModel.check`);
- writes itself into the daily policy arrays (:meth:`EventModel.compile`);
- describes itself for the report, the dashboard and the API (:meth:`EventModel.describe`).

Adding an event type is that module plus one line in the registry
(:data:`supplyshock.scenario.events.EVENT_CLASSES`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from supplyshock.scenario.policy import PolicyBuilder

__all__ = ["CheckContext", "EventDescription", "EventModel", "FrozenModel", "codes_text"]


class FrozenModel(BaseModel):
    """Base of every scenario model: immutable, unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


@dataclass(frozen=True)
class EventDescription:
    """One event as the report's timeline and the API show it.

    Attributes
    ----------
    kind : str
        The event type (``licence``, ``export_ban``, ...).
    label : str
        The event's id, else its type and position.
    start, end : str or None
        First day and first day after it (ISO dates); ``end`` None means open to the end
        of the horizon; a one-day event has ``end == start``.
    details : str
        One line with its settings (products, approval, delay ...).
    source : str
        Where the event comes from.
    steps : list of (date, share)
        A schedule (e.g. licence approval steps), empty when the event has none.
    """

    kind: str
    label: str
    start: str
    end: str | None
    details: str
    source: str = ""
    steps: list[tuple[str, float]] = field(default_factory=list)


def codes_text(value: str | Iterable[str]) -> str:
    """Codes joined for display (``all`` stays ``all``)."""
    if isinstance(value, str):
        return value
    return ", ".join(str(v) for v in value)


@dataclass
class CheckContext:
    """What an event's reference checks need: the dataset's codes, the horizon, other events.

    Problems are reported through ``add(key_path, message, hint)``; key paths are relative
    to the event (``("exporter",)``, ``("whitelist", 0, "importer")``).
    """

    countries: set[str]
    products: set[str]
    processes: set[str]
    sectors: set[str]
    start: dt.date
    end: dt.date
    events_by_id: dict[str, EventModel]
    report: Callable[[tuple[Any, ...], str, str], None]

    def add(self, loc: tuple[Any, ...], message: str, hint: str = "") -> None:
        """Report one problem at ``loc`` (relative to the event)."""
        self.report(loc, message, hint)

    def codes(self, loc: tuple[Any, ...], values: str | list[str], kind: str) -> None:
        """Check codes of a kind (``country``, ``product``, ``process``, ``sector``); ``all`` passes."""
        if values == "all":
            return
        known = {"country": self.countries, "product": self.products, "process": self.processes, "sector": self.sectors}[kind]
        plural = {"country": "countries", "process": "processes"}.get(kind, kind + "s")
        items = [values] if isinstance(values, str) else values
        for i, v in enumerate(items):
            if v not in known:
                where = loc if isinstance(values, str) else (*loc, i)
                self.add(where, f"unknown {kind} {v!r}", f"known {plural}: {', '.join(sorted(known))}")

    def in_horizon(self, loc: tuple[Any, ...], d: dt.date | None, what: str = "date") -> None:
        """Check that a date lies inside the simulated period."""
        if d is not None and not (self.start <= d < self.end):
            self.add(
                loc,
                f"{what} {d} is outside the horizon {self.start} .. {self.end - dt.timedelta(days=1)}",
                "move the date inside the horizon or change start/horizon_days",
            )


class EventModel(FrozenModel):
    """Base of every event type.

    Class attributes
    ----------------
    summary : str
        What the type models, in one line (the docs' event table).
    controls_exports : bool
        True for export controls (they have an exporter, products, a start and an end).
    compile_order : int
        Events compile in increasing order (agreements first: they change other events).
    """

    summary: ClassVar[str] = ""
    controls_exports: ClassVar[bool] = False
    compile_order: ClassVar[int] = 1

    id: str | None = Field(default=None, description="Name other events (agreements) refer to.")
    source: str = Field(default="", description="Where the event comes from (provenance).")

    @property
    def kind(self) -> str:
        """The event type (the value of ``type``)."""
        return str(getattr(self, "type", type(self).__name__))

    def label(self, index: int) -> str:
        """The event's id, else its type and 1-based position."""
        return self.id or f"{self.kind} {index + 1}"

    def check(self, ctx: CheckContext) -> None:
        """Check codes and dates against the dataset and the horizon (report via ``ctx``)."""
        raise NotImplementedError

    def compile(self, pb: PolicyBuilder) -> None:
        """Write the event into the daily policy arrays."""
        raise NotImplementedError

    def describe(self, index: int, scenario_start: dt.date) -> EventDescription:
        """The event for the timeline (report, dashboard, API)."""
        raise NotImplementedError
