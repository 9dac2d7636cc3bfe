"""Request and response bodies of the supplyshock REST API (pydantic models).

Every request body forbids unknown keys and bounds every field (lengths, ranges), so a
bad request is answered with a 422 that names the field, before any work is done.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "MAX_MEMBERS",
    "MAX_MEMBER_DAYS",
    "MAX_YAML_CHARS",
    "DatasetInfo",
    "ErrorResponse",
    "Health",
    "JobInfo",
    "KeyParameters",
    "ProblemInfo",
    "RunInfo",
    "RunRequest",
    "RunSummary",
    "ScenarioDetail",
    "ScenarioInfo",
    "SourceRow",
    "ValidateRequest",
    "ValidateResponse",
]

#: Longest scenario text accepted, in characters.
MAX_YAML_CHARS = 100_000
#: Most ensemble members one run may ask for.
MAX_MEMBERS = 50
#: Most members x simulated days one run may ask for (bounds memory and time).
MAX_MEMBER_DAYS = 20_000

_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"

JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def _utf16_length(value: str | None) -> str | None:
    """Check the length in UTF-16 code units, as JSON clients count it (an astral character is two)."""
    if value is not None and len(value.encode("utf-16-le", "surrogatepass")) // 2 > MAX_YAML_CHARS:
        raise ValueError(f"String should have at most {MAX_YAML_CHARS} characters")
    return value


class ProblemInfo(BaseModel):
    """One problem with a request or a scenario."""

    path: str = Field(description="Where: a key path in the scenario or the request, e.g. 'events.0.start'.")
    line: int | None = Field(default=None, description="Line in the scenario text, when known.")
    message: str = Field(description="What is wrong.")
    hint: str = Field(default="", description="How to fix it.")


class ErrorResponse(BaseModel):
    """The body of every error answer (4xx)."""

    detail: str = Field(description="What went wrong, in one sentence.")
    problems: list[ProblemInfo] = Field(default_factory=list, description="Each problem found, when there are several.")


class Health(BaseModel):
    """Liveness and capacity of the server."""

    status: Literal["ok"]
    version: str
    workers: int = Field(description="Jobs that may run at once.")
    queue_size: int = Field(description="Jobs that may wait for a worker; more are refused with 429.")
    running: int
    queued: int


class DatasetInfo(BaseModel):
    """An embedded dataset."""

    name: str
    countries: list[str]
    products: list[str]
    sectors: list[str]
    sources: dict[str, int] = Field(description="Number of figures per basis (reported, derived, assumption, definition).")


class SourceRow(BaseModel):
    """The source of one figure of a dataset."""

    table: str
    key: str
    basis: str
    source: str


class KeyParameters(BaseModel):
    """The scenario settings the dashboard can change, with the scenario's own values.

    ``None`` means the setting does not apply (e.g. no licence event, so no approval share).
    """

    approval: float | None = Field(description="Approval share of licence applications (first licence event; steps: last step).")
    delay_days: float | None = Field(description="Licence processing delay in days.")
    duration_days: int | None = Field(description="Days the export controls last (first control); None = to the end.")
    cover_scale: float = Field(description="Multiplier on the dataset's days of stock cover (1 = as in the dataset).")
    has_controls: bool = Field(description="Whether the scenario has export controls (ban, licence or quota) whose duration can change.")
    has_licence: bool = Field(description="Whether the scenario has a licence event (approval share and delay apply).")


class ScenarioInfo(BaseModel):
    """A built-in scenario."""

    name: str
    description: str
    dataset: str = Field(description="The dataset, or the combined datasets joined by '+'.")
    datasets: list[str] = Field(description="The datasets the scenario combines (one for most scenarios).")
    start: str
    horizon_days: int
    members: int
    events: int
    parameters: KeyParameters


class ScenarioDetail(ScenarioInfo):
    """A built-in scenario with its YAML text."""

    yaml: str


class ValidateRequest(_Body):
    """A scenario to check."""

    yaml: str = Field(max_length=MAX_YAML_CHARS, description="Scenario YAML text (see docs/scenario-format.md).")

    _length = field_validator("yaml")(_utf16_length)


class ValidateResponse(BaseModel):
    """The verdict on a scenario."""

    valid: bool
    problems: list[ProblemInfo]
    name: str | None = None
    start: str | None = None
    horizon_days: int | None = None
    events: int | None = None


class RunRequest(_Body):
    """A run to start: a built-in scenario or scenario text, and the key settings to change."""

    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        json_schema_extra={
            "oneOf": [
                {"required": ["scenario"], "properties": {"scenario": {"type": "string"}}, "not": {"required": ["yaml"]}},
                {"required": ["yaml"], "properties": {"yaml": {"type": "string"}}, "not": {"required": ["scenario"]}},
            ]
        },
    )

    scenario: str | None = Field(default=None, pattern=_NAME_PATTERN, description="Name of a built-in scenario.")
    yaml: str | None = Field(default=None, max_length=MAX_YAML_CHARS, description="Scenario YAML text (instead of a name).")
    members: int | None = Field(default=None, ge=1, le=MAX_MEMBERS, description="Ensemble members (default: the scenario's).")
    approval: float | None = Field(default=None, ge=0.0, le=1.0, description="Approval share for every licence event (replaces steps).")
    delay_days: float | None = Field(default=None, ge=0.0, le=730.0, description="Processing delay of every licence event, in days.")
    duration_days: int | None = Field(default=None, ge=1, le=3650, description="Every export control ends this many days after it starts.")
    cover_scale: float | None = Field(default=None, ge=0.05, le=20.0, description="Multiplier on the days of stock cover (stock days).")

    _length = field_validator("yaml")(_utf16_length)

    @model_validator(mode="after")
    def _one_scenario(self) -> RunRequest:
        if (self.scenario is None) == (self.yaml is None):
            raise ValueError("give exactly one of 'scenario' (a built-in name) or 'yaml' (scenario text)")
        return self


class JobInfo(BaseModel):
    """A run job and its progress."""

    job_id: str
    status: JobStatus
    scenario: str
    days_done: int = Field(description="Simulated days done so far.")
    days: int = Field(description="Days to simulate.")
    progress: float = Field(ge=0.0, le=1.0, description="Share done, 0 to 1.")
    created: str
    started: str | None = None
    finished: str | None = None
    run_id: str | None = Field(default=None, description="The run recorded when the job is done.")
    error: str | None = None
    request: dict[str, Any] = Field(default_factory=dict, description="The settings the job was started with.")


class RunInfo(BaseModel):
    """A recorded run."""

    run_id: str
    scenario_name: str
    dataset: str
    members: int
    start: str
    end: str
    created: str
    status: str


class RunSummary(BaseModel):
    """The figures of a run the dashboard shows (medians over members, bands p5-p95)."""

    run_id: str
    scenario: str
    dataset: str
    members: int
    created: str
    params: dict[str, Any]
    headline: dict[str, Any]
    ranked: list[dict[str, Any]]
    price_peaks: list[dict[str, Any]]
    dates: list[str] = Field(description="Simulated days (empty when series are not asked for).")
    series: dict[str, dict[str, dict[str, list[float | None]]]] = Field(
        description="{chart: {key: {median, p05, p95}}} for shortfall_region, lost_output_region (cumulative), stocks_final (t), prices."
    )
