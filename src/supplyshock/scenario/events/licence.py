"""``licence``: exports need a licence; applications wait for a decision and a share is approved."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field, field_validator

from supplyshock.scenario.events.base import CheckContext, EventDescription, FrozenModel
from supplyshock.scenario.events.controls import ExportControl, NonNeg, Share
from supplyshock.scenario.policy import ControlChange, PolicyBuilder

__all__ = ["ApprovalStep", "LicenceRegime", "Whitelist"]


class ApprovalStep(FrozenModel):
    """Approval share from a date on (a step function of time)."""

    date: dt.date = Field(alias="from", description="First day on which this share applies.")
    share: Share = Field(description="Share of licence applications approved (0-1).")


class Whitelist(FrozenModel):
    """Buyers exempted from (or fast-tracked through) a licence regime."""

    importer: str = Field(description="Country whose named buyers are whitelisted.")
    share_of_demand: Share = Field(
        description="Share of that country's licensed orders placed by the whitelisted buyers (usually an assumption; say so in `label`)."
    )
    date: dt.date = Field(alias="from", description="First day the whitelist applies (`date` is accepted as a synonym).")
    until: dt.date | None = Field(default=None, description="First day it no longer applies (none: to the end).")
    approval: Share = Field(default=1.0, description="Approval share for whitelisted buyers.")
    delay_days: NonNeg = Field(default=0.0, description="Their processing delay in days (rounded); 0 means they ship on the day they order.")
    label: str = Field(default="", description="Who they are, e.g. 'suppliers of GM, Ford, Stellantis'.")


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
        description="Share of decided applications approved: a constant, or steps `{from: DATE, share: S}` in date "
        "order (each share applies to decisions from its date on; before the first step the share is 0).",
    )
    whitelist: list[Whitelist] = Field(default_factory=list, description="Buyers who bypass the normal procedure (see below).")

    @field_validator("approval")
    @classmethod
    def _sorted(cls, v: float | list[ApprovalStep]) -> float | list[ApprovalStep]:
        if isinstance(v, list):
            if not v:
                raise ValueError("approval steps must not be empty")
            dates = [s.date for s in v]
            if dates != sorted(dates):
                raise ValueError("approval steps must be in date order")
        return v

    def check(self, ctx: CheckContext) -> None:
        """Shared control checks plus the whitelisted importers."""
        super().check(ctx)
        for k, w in enumerate(self.whitelist):
            ctx.codes(("whitelist", k, "importer"), w.importer, "country")

    def approval_schedule(self, pb: PolicyBuilder) -> np.ndarray:
        """Approval share of decisions taken each day (before agreements change it)."""
        if isinstance(self.approval, float | int):
            return np.full(pb.T, float(self.approval))
        a = np.zeros(pb.T)
        for step in self.approval:
            a[pb.day(step.date, 0) :] = step.share
        return a

    def compile(self, pb: PolicyBuilder) -> None:
        """Licensed share, approval and delay per day; whitelists; all pending approved after the end."""
        t0, t1, mask = self.window(pb)
        pb.licence[t0:t1, mask] = np.maximum(pb.licence[t0:t1, mask], self.coverage)
        a = self.approval_schedule(pb)
        d = np.full(pb.T, round(self.delay_days), dtype=np.int64)
        for ch in sorted(pb.control_changes.get(self.id or "", []), key=ControlChange.order):
            if ch.approval is not None:
                a[ch.day :] = ch.approval
            if ch.delay_days is not None:
                d[ch.day :] = round(ch.delay_days)
        a[t1:] = 1.0  # decisions after the control ends approve everything still pending
        pb.approval[:, mask] = np.minimum(pb.approval[:, mask], a[:, None])
        pb.delay[:, mask] = np.maximum(pb.delay[:, mask], d[:, None])
        for w in self.whitelist:
            wmask = mask & (pb.links.importer == pb.ci[w.importer])
            w0, w1 = pb.day(w.date, 0), pb.day(w.until, pb.T)
            pb.whitelist[w0:w1, wmask] = np.maximum(pb.whitelist[w0:w1, wmask], w.share_of_demand)
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
