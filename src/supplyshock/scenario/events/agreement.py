"""``agreement``: changes earlier controls or tariffs from a date; records commitments."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from pydantic import Field

from supplyshock.scenario.events.base import CheckContext, EventDescription, EventModel, FrozenModel, codes_text
from supplyshock.scenario.events.controls import NonNeg, Share
from supplyshock.scenario.policy import ControlChange, PolicyBuilder

__all__ = ["Agreement", "AgreementChange", "Commitment", "TariffChange"]


class Commitment(FrozenModel):
    """A promise stated in an agreement, checked against results or observations."""

    exporter: str = Field(description="Exporting country that promises.")
    importer: str | Literal["all"] = Field(default="all", description="Importing country, or `all`.")
    product: str = Field(description="Product.")
    min_share_of_baseline: Share = Field(description="Monthly exports at least this share of the baseline.")
    by: dt.date = Field(description="Date from which it is due (not checked against the horizon).")
    label: str = Field(default="", description="What was promised, in words.")


class AgreementChange(FrozenModel):
    """A change an agreement makes to an earlier control."""

    event: str = Field(description="`id` of an `export_ban`, `licence` or `quota` in the same file.")
    approval: Share | None = Field(
        default=None,
        description="Licences only: new approval share for applications filed from the agreement's date on (replaces "
        "the licence's own steps from that date, including later ones; its destination groups too).",
    )
    delay_days: NonNeg | None = Field(
        default=None, description="Licences only: new delay for applications filed from the date on (pending ones keep theirs)."
    )
    lift: bool = Field(default=False, description="End the control on the date (if earlier than its `end`).")


class TariffChange(FrozenModel):
    """A new rate of an earlier tariff from the agreement's date."""

    event: str = Field(description="`id` of a `tariff` in the same file.")
    rate: NonNeg = Field(description="New ad-valorem rate (0.30 = 30%).")


class Agreement(EventModel):
    """A bilateral agreement: changes controls and tariffs from a date and states commitments."""

    summary: ClassVar[str] = "changes earlier controls or tariffs from a date; records commitments"
    compile_order: ClassVar[int] = 0

    type: Literal["agreement"]
    date: dt.date = Field(description="Day from which the changes apply; must lie inside the horizon.")
    parties: list[str] = Field(min_length=1, description="Signatories (codes; checked against the dataset).")
    changes: list[AgreementChange] = Field(default_factory=list, description="Changes to controls (see below).")
    tariff_changes: list[TariffChange] = Field(default_factory=list, description="New rates of tariffs from `date`.")
    commitments: list[Commitment] = Field(default_factory=list, description="Promises (see below).")

    def check(self, ctx: CheckContext) -> None:
        """Date in the horizon; parties known; changes name existing controls and tariffs."""
        from supplyshock.scenario.events.tariff import Tariff

        ctx.in_horizon(("date",), self.date)
        ctx.codes(("parties",), self.parties, "country")
        for k, ch in enumerate(self.changes):
            target = ctx.events_by_id.get(ch.event)
            if target is None or not target.controls_exports:
                ctx.add(("changes", k, "event"), f"no control with id {ch.event!r}", "give the control an 'id' and refer to it here")
        for k, tc in enumerate(self.tariff_changes):
            if not isinstance(ctx.events_by_id.get(tc.event), Tariff):
                ctx.add(("tariff_changes", k, "event"), f"no tariff with id {tc.event!r}", "give the tariff an 'id' and refer to it here")
        for k, cm in enumerate(self.commitments):
            ctx.codes(("commitments", k, "exporter"), cm.exporter, "country")
            ctx.codes(("commitments", k, "importer"), cm.importer, "country")
            ctx.codes(("commitments", k, "product"), cm.product, "product")

    def compile(self, pb: PolicyBuilder) -> None:
        """Register the changes; the controls and tariffs apply them when they compile."""
        day = pb.day(self.date, 0)
        for ch in self.changes:
            pb.control_changes.setdefault(ch.event, []).append(ControlChange(day, ch.approval, ch.delay_days, ch.lift))
        for tc in self.tariff_changes:
            pb.tariff_changes.setdefault(tc.event, []).append((day, float(tc.rate)))

    def describe(self, index: int, scenario_start: dt.date) -> EventDescription:
        """Parties, changes and tariff changes (a one-day event)."""
        bits = ["parties " + codes_text(self.parties)]
        for ch in self.changes:
            what = "lift" if ch.lift else ", ".join(f"{k} {getattr(ch, k)}" for k in ("approval", "delay_days") if getattr(ch, k) is not None)
            bits.append(f"{ch.event}: {what}")
        bits += [f"{tc.event} → {tc.rate}" for tc in self.tariff_changes]
        day = self.date.isoformat()
        return EventDescription(self.kind, self.label(index), day, day, "; ".join(bits), " ".join(self.source.split()))
