"""``capacity_change``: production capacity added or removed after a lead time, ramping up."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from supplyshock.scenario.events.base import CheckContext, EventDescription, EventModel
from supplyshock.scenario.events.controls import NonNeg
from supplyshock.scenario.policy import PolicyBuilder

__all__ = ["CapacityChange"]


class CapacityChange(EventModel):
    """New (or retired) capacity after a lead time, ramping up linearly."""

    summary: ClassVar[str] = "production capacity is added or removed after a lead time"

    type: Literal["capacity_change"]
    country: str = Field(description="Country of the facility.")
    process: str = Field(description="Process (a code of the dataset's recipes, e.g. `magnet`).")
    tonnes_per_year: float = Field(description="Capacity added (negative: removed), t/yr of the process's activity.")
    decided: dt.date = Field(description="Decision date; must lie inside the horizon.")
    lead_time_days: NonNeg = Field(default=0.0, description="Days from the decision to first output.")
    ramp_days: NonNeg = Field(default=0.0, description="Days from first output to full capacity.")

    def check(self, ctx: CheckContext) -> None:
        """Country and process known; decision inside the horizon."""
        ctx.codes(("country",), self.country, "country")
        ctx.codes(("process",), self.process, "process")
        ctx.in_horizon(("decided",), self.decided, "decided")

    def compile(self, pb: PolicyBuilder) -> None:
        """Capacity added per day: zero before first output, then a linear ramp."""
        first = pb.day(self.decided, 0) + round(self.lead_time_days)
        ramp = max(1, round(self.ramp_days))
        days = np.arange(pb.T)
        frac = np.clip((days - first + 1) / ramp, 0.0, 1.0) * (days >= first)
        pb.capacity_add[:, pb.ci[self.country], pb.ji[self.process]] += self.tonnes_per_year * frac

    def describe(self, index: int, scenario_start: dt.date) -> EventDescription:
        """From first output to full capacity."""
        start = self.decided + dt.timedelta(days=self.lead_time_days)
        end = start + dt.timedelta(days=self.ramp_days or 1.0)
        details = f"{self.country} {self.process} {self.tonnes_per_year:+,.0f} t/yr"
        return EventDescription(self.kind, self.label(index), start.isoformat(), end.isoformat(), details, " ".join(self.source.split()))
