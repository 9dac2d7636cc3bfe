"""The scenario: a dataset, a horizon, a timeline of events, overrides and uncertainty.

Every field is documented in ``docs/scenario-format.md`` (its tables are generated from
these models); unknown keys are errors. The event types live in
:mod:`supplyshock.scenario.events`, one module each.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, model_validator

from supplyshock.network.model import DEFAULT_DATASET
from supplyshock.scenario.events import Event
from supplyshock.scenario.events.base import FrozenModel
from supplyshock.scenario.uncertainty import Correlation, Uncertain

__all__ = ["Override", "Scenario"]


class Override(FrozenModel):
    """Replace dataset values: rows of ``table`` matching ``match`` get ``set``."""

    table: str = Field(description="One of the dataset tables (see docs/data.md).")
    match: dict[str, str | int | float] = Field(
        default_factory=dict, description="Rows whose columns equal all the given values (at least one row must match)."
    )
    set: dict[str, str | int | float] = Field(description="New values for those rows (any column but `source`).")


class Scenario(FrozenModel):
    """A scenario: dataset, horizon, events, overrides.

    Examples
    --------
    >>> s = Scenario.model_validate({"name": "x", "start": "2025-01-01", "horizon_days": 30})
    >>> s.end.isoformat()
    '2025-01-31'
    """

    name: str = Field(min_length=1, description="Name of the scenario; labels the results.")
    description: str = Field(default="", description="Free text.")
    dataset: str | list[str] = Field(
        default=DEFAULT_DATASET,
        description="Dataset to run on: an embedded name or a folder path (resolved from the working directory), "
        "or a list of them combined into one network (products and sectors must be distinct).",
    )
    start: dt.date = Field(description="First simulated day.")
    horizon_days: Annotated[int, Field(ge=1, le=3650)] = Field(default=365, description="Number of simulated days (1 to 3650).")
    seed: Annotated[int, Field(ge=0)] = Field(
        default=0, description="Seed of the draws of `uncertain` parameters; the same seed gives the same members."
    )
    members: Annotated[int, Field(ge=1, le=100_000)] = Field(
        default=1, description="Ensemble size; members differ only through `uncertain` parameters. `run --members N` overrides it."
    )
    allocation: Literal["pro_rata", "domestic_first"] = Field(
        default="pro_rata",
        description="How a country's stock is shared between its own end-use demand and its approved export orders.",
    )
    events: list[Event] = Field(default_factory=list, description="The policy timeline (any order).")
    parameters: dict[str, float] = Field(
        default_factory=dict, description="Parameter values for this run (names from the parameter table, or the dataset's own)."
    )
    overrides: list[Override] = Field(default_factory=list, description="Change any dataset value for this run.")
    uncertain: list[Uncertain] = Field(default_factory=list, description="Parameters drawn per ensemble member.")
    correlation: list[Correlation] = Field(default_factory=list, description="Rank correlations between uncertain parameters.")
    sampler: Literal["lhs", "sobol", "random"] = Field(default="lhs", description="How the members' draws are spread.")

    @property
    def dataset_name(self) -> str:
        """The dataset as one label (several combined datasets joined by '+')."""
        return "+".join(self.dataset) if isinstance(self.dataset, list) else self.dataset

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
