"""Typed scenario events and run settings.

A scenario is a timeline of policy events on a dataset plus run settings. Every field is
documented in ``docs/scenario-format.md``; unknown keys are errors.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from supplyshock.scenario.uncertainty import Correlation, Uncertain

__all__ = [
    "EVENT_TYPES",
    "Agreement",
    "ApprovalStep",
    "CapacityChange",
    "Commitment",
    "Event",
    "ExportBan",
    "LicenceRegime",
    "Override",
    "Quota",
    "Scenario",
    "StockpileRelease",
    "Substitution",
    "Tariff",
    "Whitelist",
]

Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0)]
Codes = list[str] | Literal["all"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ApprovalStep(_Model):
    """Approval share from a date on (a step function of time)."""

    date: dt.date = Field(alias="from", description="First day on which this share applies.")
    share: Share = Field(description="Share of licence applications approved (0-1).")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Whitelist(_Model):
    """Buyers exempted from (or fast-tracked through) a licence regime."""

    importer: str = Field(description="Importing country whose named buyers are whitelisted.")
    share_of_demand: Share = Field(description="Share of that importer's orders placed by the whitelisted buyers (assumption to state).")
    date: dt.date = Field(alias="from", description="Date from which the whitelist applies.")
    until: dt.date | None = Field(default=None, description="Last day (exclusive); none = to the end.")
    approval: Share = Field(default=1.0, description="Approval share for whitelisted buyers.")
    delay_days: NonNeg = Field(default=0.0, description="Processing delay for whitelisted buyers (days).")
    label: str = Field(default="", description="Who they are, e.g. 'suppliers of GM, Ford, Stellantis'.")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class _Control(_Model):
    id: str | None = Field(default=None, description="Name other events (agreements) refer to.")
    exporter: str = Field(description="Restricting country.")
    products: list[str] = Field(min_length=1, description="Controlled products.")
    destinations: Codes = Field(default="all", description="Importers affected, or 'all'.")
    start: dt.date = Field(description="First day the control applies.")
    end: dt.date | None = Field(default=None, description="Last day (exclusive); none = to the end.")
    coverage: Share = Field(
        default=1.0,
        description="Share of the product's flow the control covers (e.g. magnets containing Dy/Tb).",
    )
    announced: dt.date | None = Field(default=None, description="Announcement date; buyers stockpile between it and start.")
    source: str = Field(default="", description="Where the event comes from.")

    @model_validator(mode="after")
    def _dates(self) -> _Control:
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        if self.announced is not None and self.announced > self.start:
            raise ValueError(f"announced {self.announced} must not be after start {self.start}")
        return self


class ExportBan(_Control):
    """No exports of the products to the destinations (for the covered share)."""

    type: Literal["export_ban"]


class LicenceRegime(_Control):
    """Exports need a licence: applications are decided after a delay; a share is approved."""

    type: Literal["licence"]
    delay_days: NonNeg = Field(default=63.0, description="Processing delay in calendar days.")
    approval: Share | list[ApprovalStep] = Field(default=0.0, description="Approval share, constant or as steps over time.")
    whitelist: list[Whitelist] = Field(default_factory=list, description="Exempt or fast-tracked buyers.")

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


class Quota(_Control):
    """A cap on exports of the products over the control period."""

    type: Literal["quota"]
    tonnes_per_year: NonNeg | None = Field(default=None, description="Quota in t per year.")
    share_of_baseline: Share | None = Field(default=None, description="Quota as a share of baseline exports to the destinations.")

    @model_validator(mode="after")
    def _one(self) -> Quota:
        if (self.tonnes_per_year is None) == (self.share_of_baseline is None):
            raise ValueError("give exactly one of tonnes_per_year or share_of_baseline")
        return self


class Tariff(_Model):
    """An ad-valorem tariff: a price wedge on the links that shifts sourcing."""

    type: Literal["tariff"]
    id: str | None = None
    importer: str | list[str] = Field(description="Country or countries imposing the tariff.")
    exporter: str = Field(description="Country whose goods are taxed.")
    products: list[str] = Field(min_length=1)
    rate: NonNeg = Field(description="Ad-valorem rate (1.45 = 145%).")
    start: dt.date
    end: dt.date | None = None
    announced: dt.date | None = Field(default=None, description="Announcement; buyers front-load before start.")
    source: str = ""


class Commitment(_Model):
    """A promise stated in an agreement, checked against results or observations."""

    exporter: str
    importer: str | Literal["all"] = "all"
    product: str
    min_share_of_baseline: Share = Field(description="Monthly exports at least this share of baseline.")
    by: dt.date = Field(description="Date from which the commitment is due.")
    label: str = ""


class AgreementChange(_Model):
    """A change an agreement makes to an earlier control."""

    event: str = Field(description="id of the control changed.")
    approval: Share | None = Field(default=None, description="New approval share from the agreement date.")
    delay_days: NonNeg | None = Field(default=None, description="New processing delay.")
    lift: bool = Field(default=False, description="End the control on the agreement date.")


class Agreement(_Model):
    """A bilateral agreement: changes controls from a date and states commitments."""

    type: Literal["agreement"]
    id: str | None = None
    date: dt.date
    parties: list[str] = Field(min_length=1)
    changes: list[AgreementChange] = Field(default_factory=list)
    commitments: list[Commitment] = Field(default_factory=list)
    tariff_changes: list[dict[str, Any]] = Field(default_factory=list, description="[{event: tariff id, rate: new rate}] from the date.")
    source: str = ""


class StockpileRelease(_Model):
    """Release of a strategic stockpile into the commercial market."""

    type: Literal["stockpile_release"]
    id: str | None = None
    country: str
    product: str
    start: dt.date
    days: Annotated[int, Field(ge=1)] = Field(description="Release spread evenly over this many days.")
    share_of_stockpile: Share = Field(default=1.0, description="Share of the stockpile released.")
    source: str = ""


class CapacityChange(_Model):
    """New (or retired) capacity after a lead time, ramping up linearly."""

    type: Literal["capacity_change"]
    id: str | None = None
    country: str
    process: str
    tonnes_per_year: float = Field(description="Capacity added (negative: removed), t/yr of activity.")
    decided: dt.date = Field(description="Decision date.")
    lead_time_days: NonNeg = Field(default=0.0, description="Days from decision to first output.")
    ramp_days: NonNeg = Field(default=0.0, description="Days from first output to full capacity.")
    source: str = ""


class Substitution(_Model):
    """Substitution and thrifting: demand of sectors falls by a share, ramping in."""

    type: Literal["substitution"]
    id: str | None = None
    countries: Codes = "all"
    sectors: Codes = "all"
    reduction: Share = Field(description="Share of demand removed when fully ramped in.")
    start: dt.date
    ramp_days: NonNeg = Field(default=365.0)
    source: str = ""


Event = Annotated[
    ExportBan | LicenceRegime | Quota | Tariff | Agreement | StockpileRelease | CapacityChange | Substitution,
    Field(discriminator="type"),
]
EVENT_TYPES = {
    "export_ban": ExportBan,
    "licence": LicenceRegime,
    "quota": Quota,
    "tariff": Tariff,
    "agreement": Agreement,
    "stockpile_release": StockpileRelease,
    "capacity_change": CapacityChange,
    "substitution": Substitution,
}


class Override(_Model):
    """Replace dataset values: rows of ``table`` matching ``match`` get ``set``."""

    table: str
    match: dict[str, str | int | float] = Field(default_factory=dict)
    set: dict[str, str | int | float]


class Scenario(_Model):
    """A scenario: dataset, horizon, events, overrides.

    Examples
    --------
    >>> s = Scenario.model_validate({"name": "x", "start": "2025-01-01", "horizon_days": 30})
    >>> s.end.isoformat()
    '2025-01-31'
    """

    name: str = Field(min_length=1)
    description: str = ""
    dataset: str = "rare-earths"
    start: dt.date = Field(description="First simulated day.")
    horizon_days: Annotated[int, Field(ge=1, le=3650)] = 365
    seed: Annotated[int, Field(ge=0)] = 0
    members: Annotated[int, Field(ge=1, le=100_000)] = 1
    allocation: Literal["pro_rata", "domestic_first"] = "pro_rata"
    events: list[Event] = Field(default_factory=list)
    parameters: dict[str, float] = Field(default_factory=dict, description="Dataset parameters to override.")
    overrides: list[Override] = Field(default_factory=list)
    uncertain: list[Uncertain] = Field(default_factory=list, description="Uncertain engine parameters.")
    correlation: list[Correlation] = Field(default_factory=list, description="Rank correlations between them.")
    sampler: Literal["lhs", "sobol", "random"] = "lhs"

    @property
    def end(self) -> dt.date:
        """First day after the horizon."""
        return self.start + dt.timedelta(days=self.horizon_days)

    @model_validator(mode="after")
    def _ids_unique(self) -> Scenario:
        names = [u.name for u in self.uncertain]
        if len(set(names)) != len(names):
            raise ValueError("each uncertain parameter may be declared once")
        for c in self.correlation:
            for nm in (c.a, c.b):
                if nm not in names:
                    raise ValueError(f"correlation names {nm!r}, which is not declared in 'uncertain'")
            if c.a == c.b:
                raise ValueError(f"correlation of {c.a!r} with itself")
        return self
