"""``licence``: exports need a licence; applications wait for a decision and a share is approved."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from supplyshock.scenario.events.base import CheckContext, EventDescription, FrozenModel
from supplyshock.scenario.events.controls import ExportControl, NonNeg, Share
from supplyshock.scenario.policy import ControlChange, PolicyBuilder

__all__ = ["ApprovalGroup", "ApprovalStep", "LicenceRegime", "Whitelist"]


class ApprovalStep(FrozenModel):
    """Approval share from a date on (a step function of time)."""

    date: dt.date = Field(alias="from", description="First day on which this share applies.")
    share: Share = Field(description="Share of licence applications approved (0-1).")


class Whitelist(FrozenModel):
    """Buyers exempted from (or fast-tracked through) a licence regime."""

    importer: str = Field(description="Country whose named buyers are whitelisted.")
    share_of_demand: Share | None = Field(
        default=None,
        description="Share of that country's licensed orders placed by the whitelisted buyers (usually an assumption; say so "
        "in `label`). Default: the share of the country's end use of the products in `sectors`.",
    )
    sectors: list[str] = Field(
        default_factory=list,
        description="End-use sectors whose buyers are whitelisted (e.g. the automotive sectors for suppliers of named "
        "automakers); sets the default `share_of_demand`.",
    )
    date: dt.date = Field(alias="from", description="First day the whitelist applies (`date` is accepted as a synonym).")
    until: dt.date | None = Field(default=None, description="First day it no longer applies (none: to the end).")
    approval: Share = Field(default=1.0, description="Approval share for whitelisted buyers.")
    delay_days: NonNeg = Field(default=0.0, description="Their processing delay in days (rounded); 0 means they ship on the day they order.")
    label: str = Field(default="", description="Who they are, e.g. 'suppliers of GM, Ford, Stellantis'.")

    @model_validator(mode="after")
    def _share_or_sectors(self) -> Whitelist:
        if self.share_of_demand is None and not self.sectors:
            raise ValueError("give share_of_demand or the sectors whose buyers are whitelisted")
        return self


class ApprovalGroup(FrozenModel):
    """Destinations whose applications are treated apart (their own approval path and delay)."""

    destinations: list[str] = Field(min_length=1, description="Importing countries of the group.")
    approval: Share | list[ApprovalStep] = Field(description="Their approval share, constant or as steps (as the licence's `approval`).")
    delay_days: NonNeg | None = Field(default=None, description="Their review delay in days (default: the licence's).")
    label: str = Field(default="", description="Who they are and the source of their figures.")

    @field_validator("approval")
    @classmethod
    def _sorted(cls, v: float | list[ApprovalStep]) -> float | list[ApprovalStep]:
        return _check_steps(v)


def _check_steps(v: float | list[ApprovalStep]) -> float | list[ApprovalStep]:
    if isinstance(v, list):
        if not v:
            raise ValueError("approval steps must not be empty")
        dates = [s.date for s in v]
        if dates != sorted(dates):
            raise ValueError("approval steps must be in date order")
    return v


def _schedule(approval: float | list[ApprovalStep], pb: PolicyBuilder) -> np.ndarray:
    """Approval share of applications filed each day (steps: 0 before the first)."""
    if isinstance(approval, float | int):
        return np.full(pb.T, float(approval))
    a = np.zeros(pb.T)
    for step in approval:
        a[pb.day(step.date, 0) :] = step.share
    return a


class LicenceRegime(ExportControl):
    """Applications are decided after a delay; only a share is approved."""

    summary: ClassVar[str] = "exports need a licence: orders wait for a decision, and only a share is approved"

    type: Literal["licence"]
    delay_days: NonNeg = Field(
        default=63.0,
        description="Calendar days from application to decision (rounded; 0: decided the day filed, any positive "
        "value at least one day). The value in force on the filing day sets an application's decision day.",
    )
    approval: Share | list[ApprovalStep] = Field(
        default=0.0,
        description="Share of applications approved, by the day they are filed: a constant, or steps "
        "`{from: DATE, share: S}` in date order (each share applies to applications filed from its date on; before "
        "the first step the share is 0). An application learns its fate after the review delay.",
    )
    groups: list[ApprovalGroup] = Field(
        default_factory=list,
        description="Destinations with their own approval path and delay (e.g. the US vs the EU); the rest follow `approval` and `delay_days`.",
    )
    whitelist: list[Whitelist] = Field(default_factory=list, description="Buyers who bypass the normal procedure (see below).")

    @field_validator("approval")
    @classmethod
    def _sorted(cls, v: float | list[ApprovalStep]) -> float | list[ApprovalStep]:
        return _check_steps(v)

    def check(self, ctx: CheckContext) -> None:
        """Shared control checks plus the whitelisted importers and sectors, and the groups' destinations."""
        super().check(ctx)
        for k, w in enumerate(self.whitelist):
            ctx.codes(("whitelist", k, "importer"), w.importer, "country")
            ctx.codes(("whitelist", k, "sectors"), w.sectors, "sector")
        for k, g in enumerate(self.groups):
            ctx.codes(("groups", k, "destinations"), g.destinations, "country")

    def _paths(self, pb: PolicyBuilder, approval: float | list[ApprovalStep], delay: float) -> tuple[np.ndarray, np.ndarray]:
        """Approval and delay by filing day, after the agreements' changes."""
        a = _schedule(approval, pb)
        d = np.full(pb.T, round(delay), dtype=np.int64)
        for ch in sorted(pb.control_changes.get(self.id or "", []), key=ControlChange.order):
            if ch.approval is not None:
                a[ch.day :] = ch.approval
            if ch.delay_days is not None:
                d[ch.day :] = round(ch.delay_days)
        return a, d

    def _whitelist_share(self, w: Whitelist, pb: PolicyBuilder) -> float:
        if w.share_of_demand is not None:
            return float(w.share_of_demand)
        net = pb.net
        c = pb.ci[w.importer]
        prods = [pb.pi[p] for p in self.products]
        in_products = np.isin(net.sector_product, prods)
        total = float(net.demand0[c, in_products].sum())
        chosen = float(sum(net.demand0[c, pb.si[s]] for s in w.sectors if in_products[pb.si[s]]))
        return chosen / total if total > 0 else 0.0

    def compile(self, pb: PolicyBuilder) -> None:
        """Licensed share; approval and delay by filing day (per destination group); whitelists; the end of the regime."""
        t0, t1, mask, cover = self.window(pb)
        pb.licence[t0:t1, mask] = np.maximum(pb.licence[t0:t1, mask], cover[mask])
        pb.licence_over[t1:, mask] = True  # applications still pending when the regime ends lapse
        rest = mask.copy()
        for g in self.groups:
            gmask = mask & np.isin(pb.links.importer, [pb.ci[c] for c in g.destinations])
            rest &= ~gmask
            a, d = self._paths(pb, g.approval, self.delay_days if g.delay_days is None else g.delay_days)
            pb.approval[:, gmask] = np.minimum(pb.approval[:, gmask], a[:, None])
            pb.delay[:, gmask] = np.maximum(pb.delay[:, gmask], d[:, None])
        a, d = self._paths(pb, self.approval, self.delay_days)
        pb.approval[:, rest] = np.minimum(pb.approval[:, rest], a[:, None])
        pb.delay[:, rest] = np.maximum(pb.delay[:, rest], d[:, None])
        for w in self.whitelist:
            wmask = mask & (pb.links.importer == pb.ci[w.importer])
            w0, w1 = pb.day(w.date, 0), pb.day(w.until, pb.T)
            pb.whitelist[w0:w1, wmask] = np.maximum(pb.whitelist[w0:w1, wmask], self._whitelist_share(w, pb))
            pb.whitelist_approval[w0:w1, wmask] = w.approval
            pb.whitelist_delay[w0:w1, wmask] = round(w.delay_days)

    def describe(self, index: int, scenario_start: dt.date) -> EventDescription:
        """Route, approval (as a schedule when stepped), delay, whitelists."""
        bits = [self._route()]
        steps: list[tuple[str, float]] = []
        if isinstance(self.approval, list):
            steps = [(s.date.isoformat(), float(s.share)) for s in self.approval]
            bits.append("approval " + ", ".join(f"{share:.0%} from {day}" for day, share in steps))
        else:
            bits.append(f"approval {float(self.approval):.0%}")
        bits.append(f"delay {self.delay_days:g} days")
        if self.whitelist:
            bits.append(f"{len(self.whitelist)} whitelist(s)")
        return self._description(index, "; ".join(bits), steps)

    def settings(self) -> dict[str, Any]:
        """The values the dashboard shows: approval steps (or constant) and delay."""
        return {
            "approval": [(s.date.isoformat(), s.share) for s in self.approval] if isinstance(self.approval, list) else float(self.approval),
            "delay_days": self.delay_days,
        }
