"""``export_ban``: no exports of some products from one country (to some or all destinations)."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

import numpy as np

from supplyshock.scenario.events.base import EventDescription
from supplyshock.scenario.events.controls import ExportControl
from supplyshock.scenario.policy import PolicyBuilder

__all__ = ["ExportBan"]


class ExportBan(ExportControl):
    """The covered share of every order on an affected link is refused on the day it is placed."""

    summary: ClassVar[str] = "no exports of some products from one country (to some or all destinations)"

    type: Literal["export_ban"]

    def compile(self, pb: PolicyBuilder) -> None:
        """Banned share on the covered links from start to end."""
        t0, t1, mask, cover = self.window(pb)
        pb.ban[t0:t1, mask] = np.maximum(pb.ban[t0:t1, mask], cover[mask])

    def describe(self, index: int, scenario_start: dt.date) -> EventDescription:
        """Route and coverage."""
        return self._description(index, self._route())
