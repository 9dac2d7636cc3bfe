"""``quota``: a cap on the tonnes exported per year."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from supplyshock.scenario.events.base import EventDescription
from supplyshock.scenario.events.controls import ExportControl, NonNeg, Share
from supplyshock.scenario.policy import PolicyBuilder

__all__ = ["Quota"]


class Quota(ExportControl):
    """An allowance accrues daily; export claims on the affected links are scaled to it."""

    summary: ClassVar[str] = "a cap on the tonnes exported per year"

    type: Literal["quota"]
    tonnes_per_year: NonNeg | None = Field(default=None, description="The quota in t/yr.")
    share_of_baseline: Share | None = Field(
        default=None,
        description="The quota as a share of the baseline annual flow on the affected links (all listed products and destinations summed).",
    )

    @model_validator(mode="after")
    def _one(self) -> Quota:
        if (self.tonnes_per_year is None) == (self.share_of_baseline is None):
            raise ValueError("give exactly one of tonnes_per_year or share_of_baseline")
        if self.extraterritorial:
            raise ValueError("a quota caps the exporter's own exports; extraterritorial applies to export_ban and licence only")
        return self

    def compile(self, pb: PolicyBuilder) -> None:
        """Daily allowance from start to end on the affected links."""
        t0, t1, mask, _ = self.window(pb)
        base = pb.links.flow0[mask].sum()
        per_year = self.tonnes_per_year if self.tonnes_per_year is not None else (self.share_of_baseline or 0.0) * base
        daily = np.zeros(pb.T)
        daily[t0:t1] = per_year / 365.0
        active = np.zeros(pb.T, bool)
        active[t0:t1] = True
        pb.add_quota(mask, daily, active)

    def describe(self, index: int, scenario_start: dt.date) -> EventDescription:
        """Route and the quota."""
        if self.share_of_baseline is not None:
            what = f"quota {self.share_of_baseline:.0%} of baseline"
        else:
            what = f"quota {self.tonnes_per_year or 0:,.0f} t/yr"
        return self._description(index, f"{self._route()}; {what}")
