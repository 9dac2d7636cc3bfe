"""``substitution``: end-use demand falls by a share (substitution, thrifting), ramping in."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from supplyshock.scenario.events.base import CheckContext, EventDescription, EventModel, codes_text
from supplyshock.scenario.events.controls import Codes, NonNeg, Share
from supplyshock.scenario.policy import PolicyBuilder

__all__ = ["Substitution"]


class Substitution(EventModel):
    """Substitution and thrifting: demand of sectors falls by a share, ramping in."""

    summary: ClassVar[str] = "end-use demand falls by a share (substitution, thrifting), ramping in"

    type: Literal["substitution"]
    countries: Codes = Field(default="all", description="Countries where demand falls (codes), or `all`.")
    sectors: Codes = Field(default="all", description="End-use sectors affected (codes), or `all`.")
    reduction: Share = Field(description="Share of demand removed when fully ramped in.")
    start: dt.date = Field(description="First day of the ramp; must lie inside the horizon.")
    ramp_days: NonNeg = Field(default=365.0, description="Days to reach the full reduction.")

    def check(self, ctx: CheckContext) -> None:
        """Countries and sectors known; start inside the horizon."""
        ctx.codes(("countries",), self.countries, "country")
        ctx.codes(("sectors",), self.sectors, "sector")
        ctx.in_horizon(("start",), self.start, "start")

    def compile(self, pb: PolicyBuilder) -> None:
        """Share of demand removed per day (combined multiplicatively with other substitutions)."""
        t0 = pb.day(self.start, 0)
        ramp = max(1.0, self.ramp_days)
        days = np.arange(pb.T)
        frac = np.clip((days - t0 + 1) / ramp, 0.0, 1.0) * (days >= t0)
        cs = range(len(pb.ci)) if self.countries == "all" else [pb.ci[c] for c in self.countries]
        ss = range(len(pb.si)) if self.sectors == "all" else [pb.si[s] for s in self.sectors]
        for c in cs:
            for s in ss:
                pb.substitution[:, c, s] = 1 - (1 - pb.substitution[:, c, s]) * (1 - self.reduction * frac)

    def describe(self, index: int, scenario_start: dt.date) -> EventDescription:
        """Which sectors, where, by how much."""
        details = f"{codes_text(self.sectors)} in {codes_text(self.countries)}: -{self.reduction:.0%}"
        return EventDescription(self.kind, self.label(index), self.start.isoformat(), None, details, " ".join(self.source.split()))
