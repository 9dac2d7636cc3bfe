"""Fields, checks and compilation shared by the three export controls (ban, licence, quota)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from supplyshock.scenario.events.base import CheckContext, EventDescription, EventModel, codes_text
from supplyshock.scenario.policy import ControlChange, PolicyBuilder

__all__ = ["Codes", "ExportControl", "NonNeg", "Share"]

Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0)]
Codes = list[str] | Literal["all"]


class ExportControl(EventModel):
    """Shared fields of ``export_ban``, ``licence`` and ``quota``."""

    controls_exports: ClassVar[bool] = True

    exporter: str = Field(description="The restricting country (code).")
    products: list[str] = Field(min_length=1, description="Products under control (at least one).")
    destinations: Codes = Field(default="all", description="Importers affected (codes), or `all`.")
    start: dt.date = Field(description="First day the control applies; must lie inside the horizon.")
    end: dt.date | None = Field(default=None, description="First day the control no longer applies (none: to the end of the run).")
    coverage: Share = Field(
        default=1.0,
        description="Share of each affected flow the control covers (e.g. the share of magnet exports containing Dy/Tb); "
        "the rest is not controlled. Ignored by `quota`.",
    )
    announced: dt.date | None = Field(
        default=None,
        description="Announcement date (not after `start`); between it and `start` importers front-load (seek `front_loading_days` of extra cover).",
    )
    no_reexport: bool = Field(
        default=False,
        description="Importers may not re-export the controlled products (end-user declarations): the share of their "
        "stock and output that originates in the exporter (imported, or made from controlled inputs) is not offered to "
        "other buyers while the control applies. Their contracted (baseline) exports continue.",
    )

    extraterritorial: bool = Field(
        default=False,
        description="The control also applies to other countries' exports of the listed products (e.g. motors "
        "and parts) that contain material originating in the exporter, in proportion to that origin share "
        "(baseline flows: imports carry their supplier's share; a part made with a controlled input is "
        "controlled). Models rules on foreign products containing the exporter's material, such as China's "
        "0.1% rule of October 2025. List the whole chain in `products` (material and the parts made from it).",
    )

    @model_validator(mode="after")
    def _dates(self) -> ExportControl:
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        if self.announced is not None and self.announced > self.start:
            raise ValueError(f"announced {self.announced} must not be after start {self.start}")
        return self

    def check(self, ctx: CheckContext) -> None:
        """Exporter, products and destinations known; start inside the horizon."""
        ctx.codes(("exporter",), self.exporter, "country")
        ctx.codes(("products",), self.products, "product")
        ctx.codes(("destinations",), self.destinations, "country")
        ctx.in_horizon(("start",), self.start, "start")

    def window(self, pb: PolicyBuilder) -> tuple[int, int, np.ndarray, np.ndarray]:
        """First day, first day after (earlier if an agreement lifts it), the links covered and their coverage.

        Coverage is ``coverage`` on the exporter's own links; with ``extraterritorial`` also
        ``coverage`` x origin share on other countries' links carrying the products.
        """
        t0 = pb.day(self.start, 0)
        t1 = pb.day(self.end, pb.T)
        for ch in sorted(pb.control_changes.get(self.id or "", []), key=ControlChange.order):
            if ch.lift:
                t1 = min(t1, ch.day)
        mask = pb.link_mask(self.exporter, self.destinations, self.products)
        cover = np.where(mask, self.coverage, 0.0)
        if self.no_reexport or self.extraterritorial:
            origin = pb.origin_share(self.exporter, self.products)
            if self.no_reexport:
                pb.reexport_block[t0:t1] = np.maximum(pb.reexport_block[t0:t1], origin[None] * self.coverage)
            if self.extraterritorial:
                lk = pb.links
                third = pb.foreign_link_mask(self.exporter, self.destinations, self.products)
                cover = np.where(third, self.coverage * origin[lk.exporter, lk.product], cover)
                mask = mask | (third & (cover > 0))
        pb.front_load(mask, self.announced, t0)
        return t0, t1, mask, cover

    def _route(self) -> str:
        bits = [f"{self.exporter} → {codes_text(self.destinations)}: {codes_text(self.products)}"]
        if self.coverage != 1.0:
            bits.append(f"coverage {self.coverage:.0%}")
        if self.extraterritorial:
            bits.append(f"also other countries' exports containing {self.exporter}-origin material")
        return "; ".join(bits)

    def _description(self, index: int, details: str, steps: list[tuple[str, float]] | None = None) -> EventDescription:
        return EventDescription(
            kind=self.kind,
            label=self.label(index),
            start=self.start.isoformat(),
            end=self.end.isoformat() if self.end else None,
            details=details,
            source=" ".join(self.source.split()),
            steps=steps or [],
        )
