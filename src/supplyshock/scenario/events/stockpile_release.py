"""``stockpile_release``: a strategic stockpile is released into the market."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from supplyshock.scenario.events.base import CheckContext, EventDescription, EventModel
from supplyshock.scenario.events.controls import Share
from supplyshock.scenario.policy import PolicyBuilder

__all__ = ["StockpileRelease"]


class StockpileRelease(EventModel):
    """Release of a share of the initial strategic stockpile, spread evenly over days."""

    summary: ClassVar[str] = "a strategic stockpile is released into the market"

    type: Literal["stockpile_release"]
    country: str = Field(description="Holder of the stockpile.")
    product: str = Field(description="Product released.")
    start: dt.date = Field(description="First day of the release; must lie inside the horizon.")
    days: Annotated[int, Field(ge=1)] = Field(description="The release is spread evenly over this many days.")
    share_of_stockpile: Share = Field(default=1.0, description="Share of the *initial* stockpile released in total.")

    def check(self, ctx: CheckContext) -> None:
        """Country and product known; start inside the horizon."""
        ctx.codes(("country",), self.country, "country")
        ctx.codes(("product",), self.product, "product")
        ctx.in_horizon(("start",), self.start, "start")

    def compile(self, pb: PolicyBuilder) -> None:
        """Share of the initial stockpile released each day."""
        t0 = pb.day(self.start, 0)
        t1 = min(pb.T, t0 + self.days)
        pb.release[t0:t1, pb.ci[self.country], pb.pi[self.product]] += self.share_of_stockpile / self.days

    def describe(self, index: int, scenario_start: dt.date) -> EventDescription:
        """Who releases what, over which days."""
        end = (self.start + dt.timedelta(days=self.days)).isoformat()
        details = f"{self.country} releases {self.share_of_stockpile:.0%} of its {self.product} stockpile"
        return EventDescription(self.kind, self.label(index), self.start.isoformat(), end, details, " ".join(self.source.split()))
