"""``tariff``: an import duty that shifts buyers between their baseline suppliers."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from supplyshock.scenario.events.base import CheckContext, EventDescription, EventModel, codes_text
from supplyshock.scenario.events.controls import NonNeg
from supplyshock.scenario.policy import PolicyBuilder

__all__ = ["Tariff"]


class Tariff(EventModel):
    """An ad-valorem tariff: a price wedge on the links that shifts sourcing and defers purchases."""

    summary: ClassVar[str] = "an import duty that shifts buyers between their baseline suppliers"

    type: Literal["tariff"]
    importer: str | list[str] = Field(description="Country or countries imposing the duty.")
    exporter: str = Field(description="Country whose goods are taxed.")
    products: list[str] = Field(min_length=1, description="Products taxed (at least one).")
    rate: NonNeg = Field(description="Ad-valorem rate as a fraction: 1.45 means 145%.")
    start: dt.date = Field(description="First day of the duty; must lie inside the horizon.")
    end: dt.date | None = Field(default=None, description="First day without it (none: to the end).")
    announced: dt.date | None = Field(default=None, description="Announcement; importers front-load between it and `start` as for controls.")

    def check(self, ctx: CheckContext) -> None:
        """Countries and products known; start inside the horizon."""
        ctx.codes(("exporter",), self.exporter, "country")
        ctx.codes(("importer",), self.importer, "country")
        ctx.codes(("products",), self.products, "product")
        ctx.in_horizon(("start",), self.start, "start")

    def compile(self, pb: PolicyBuilder) -> None:
        """Rate per day on the taxed links (changed by agreements from their date)."""
        t0, t1 = pb.day(self.start, 0), pb.day(self.end, pb.T)
        importers = [self.importer] if isinstance(self.importer, str) else self.importer
        mask = pb.link_mask(self.exporter, importers, self.products)
        rate = np.zeros(pb.T)
        rate[t0:t1] = self.rate
        for day, new_rate in sorted(pb.tariff_changes.get(self.id or "", [])):
            rate[max(day, t0) : t1] = new_rate
        pb.tariff[:, mask] += rate[:, None]
        pb.front_load(mask, self.announced, t0)

    def describe(self, index: int, scenario_start: dt.date) -> EventDescription:
        """Who taxes whom, on what, at what rate."""
        return EventDescription(
            kind=self.kind,
            label=self.label(index),
            start=self.start.isoformat(),
            end=self.end.isoformat() if self.end else None,
            details=f"{codes_text(self.importer)} on {self.exporter}: {codes_text(self.products)} at {self.rate:.0%}",
            source=" ".join(self.source.split()),
        )
