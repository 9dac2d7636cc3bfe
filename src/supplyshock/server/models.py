"""Request and response bodies of the supplyshock REST API (pydantic models).

Every request body forbids unknown keys and bounds every field (lengths, ranges), so a
bad request is answered with a 422 that names the field, before any work is done.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "MAX_ARTICLE_CHARS",
    "MAX_MEMBERS",
    "MAX_MEMBER_DAYS",
    "MAX_YAML_CHARS",
    "ApplyRequest",
    "ApplyResponse",
    "CompareResult",
    "DatasetInfo",
    "DraftClaim",
    "DraftDate",
    "DraftEventInfo",
    "DraftObservation",
    "DraftRequest",
    "DraftResponse",
    "DraftScenario",
    "DraftSentence",
    "ErrorResponse",
    "Health",
    "HistoryEntry",
    "JobInfo",
    "KeyParameters",
    "ProblemInfo",
    "RunInfo",
    "RunOverview",
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
    cover_days: float | None = Field(
        default=None, description="End users' days of stock cover in the dataset, weighted by demand: what cover_scale 1 means (None: no cohorts)."
    )
    schedules: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Each licence's approval schedule, step by step: event, label, start, delay_days, approval (steps or a constant), "
        "groups (destinations, label, approval) and changes (agreements that set the approval later).",
    )


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


#: Longest article accepted by ``POST /api/draft``, in characters (the scenario text's limit;
#: a news report is a few thousand characters, a web page with its markup some tens of thousands).
MAX_ARTICLE_CHARS = MAX_YAML_CHARS


class DraftRequest(_Body):
    """An article to draft a scenario from."""

    text: str = Field(
        max_length=MAX_ARTICLE_CHARS,
        description="The article: plain text, or an HTML page (its <article> is read; scripts, navigation and banners are dropped).",
    )
    date: dt.date = Field(
        ge=dt.date(1990, 1, 1),
        le=dt.date(2100, 12, 31),
        description="Publication date (YYYY-MM-DD): 'on Monday', 'last month', 'from Jan. 1' are resolved from it.",
    )
    dataset: str | None = Field(
        default=None, pattern=_NAME_PATTERN, description="Dataset to write the scenario for (default: the one the article's materials fit best)."
    )

    _length = field_validator("text")(_utf16_length)


class DraftSentence(BaseModel):
    """One sentence of the article as the drafter read it (the dateline removed)."""

    index: int
    text: str
    paragraph: int = Field(description="Paragraph number (0-based).")
    title: bool = Field(description="True for the headline.")


class DraftDate(BaseModel):
    """A date as precise as the article gives it."""

    value: str = Field(description="YYYY-MM-DD, YYYY-MM or YYYY.")
    text: str = Field(description="The words it was read from ('on Monday', 'from Dec. 1').")


class DraftEventInfo(BaseModel):
    """A policy event read from the article, each field with the sentence it came from, and what became of it in the scenario."""

    index: int = Field(description="Position among the drafted events.")
    type: str = Field(
        description="Scenario event type: export_ban, licence, quota, tariff, agreement, stockpile_release, capacity_change, substitution."
    )
    actor: str | None = Field(description="Who acts (ISO3 or EU): the exporter, the importer imposing a tariff, the country of a plant.")
    parties: list[str] = Field(description="Agreements only.")
    target: str | None = Field(description="Tariffs only: whose goods are taxed ('all' for every origin).")
    destinations: list[str] | str = Field(description="Controls: 'all' or the importers affected.")
    materials: list[str] = Field(description="Material names of the drafter's vocabulary.")
    date: DraftDate | None = Field(description="When it takes effect (an agreement: its date).")
    announced: DraftDate | None
    value: float | None = Field(description="The number stated: a tariff rate as a fraction, tonnes, tonnes a year.")
    unit: str
    lift: bool = Field(description="The event ends a measure of its type.")
    whitelist: list[dict[str, Any]] = Field(description="Buyers a licence regime lets through (importer, label, sentence).")
    commitments: list[dict[str, Any]] = Field(description="Export promises attached to an agreement.")
    evidence: dict[str, int] = Field(description="Field name -> index of the sentence it was read from.")
    sources: dict[str, str] = Field(description="Field name -> the text of that sentence.")
    sentences: list[int] = Field(description="Every sentence that contributed.")
    confidence: float = Field(ge=0.0, le=1.0)
    notes: list[str] = Field(description="How fields were filled when the sentence did not give them.")
    attributed_to: str = Field(description="Who reported it, when the article does not state it as fact.")
    status: str | None = Field(
        description="In the scenario: written, pending (commented out, a number is missing), lift, skipped (outside the dataset); null if none."
    )
    scenario_id: str | None = Field(description="The event's id in the scenario YAML, when written.")
    todos: list[str] = Field(description="Values the article does not give, which the scenario leaves to defaults or marks TODO.")


class DraftClaim(BaseModel):
    """A statement attributed to someone, kept apart from facts."""

    by: str
    about: str
    kind: str = Field(description="accusation, denial, justification, threat, forecast, commitment, report or statement.")
    summary: str
    sentence: int
    confidence: float


class DraftObservation(BaseModel):
    """A reported figure: a level or change of exports, imports, production or a price (for ``supplyshock observed add``)."""

    subject: str
    reporter: str
    partner: str
    materials: list[str]
    period: str | None
    value: float | list[float] | None
    unit: str
    change_pct: float | None
    comparison: str
    sentence: int
    confidence: float
    text: str


class DraftScenario(BaseModel):
    """The drafted scenario: YAML with provenance comments and TODOs, valid as written."""

    name: str
    dataset: str
    yaml: str


class DraftResponse(BaseModel):
    """A draft: the article's sentences, the events (each field with its sentence), claims, observations and the scenario."""

    source: str
    published: str
    backend: str
    sentences: list[DraftSentence]
    events: list[DraftEventInfo]
    claims: list[DraftClaim]
    observations: list[DraftObservation]
    notes: list[str]
    scenario: DraftScenario | None = Field(description="Null when no drafted event fits a dataset; 'message' says why.")
    message: str = Field(default="", description="Why there is no scenario, when there is none.")


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


ApprovalSteps = list[dict[str, Any]] | float


def _check_steps(steps: ApprovalSteps) -> None:
    """A constant share in [0, 1], or 1-24 steps {from: YYYY-MM-DD, share: 0-1}."""
    if isinstance(steps, int | float):
        if not 0.0 <= float(steps) <= 1.0:
            raise ValueError(f"an approval share must be between 0 and 1, got {steps}")
        return
    if not steps or len(steps) > 24:
        raise ValueError("an approval schedule has 1 to 24 steps")
    for step in steps:
        if set(step) != {"from", "share"}:
            raise ValueError("each step is {from: YYYY-MM-DD, share: 0-1}")
        try:
            dt.date.fromisoformat(str(step["from"]))
            share = float(step["share"])
        except (TypeError, ValueError):
            raise ValueError(f"a step needs a date YYYY-MM-DD and a share, got {step}") from None
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"an approval share must be between 0 and 1, got {share}")


class ApplyRequest(_Body):
    """Settings to apply to a scenario: the scenario written out with them, named after them, validated."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    scenario: str | None = Field(default=None, pattern=_NAME_PATTERN, description="Name of a built-in scenario.")
    yaml: str | None = Field(default=None, max_length=MAX_YAML_CHARS, description="Scenario YAML text (instead of a name).")
    members: int | None = Field(default=None, ge=1, le=MAX_MEMBERS, description="Ensemble members.")
    approval: float | None = Field(default=None, ge=0.0, le=1.0, description="Approval share for every licence event (replaces steps).")
    approval_steps: dict[str, ApprovalSteps] | None = Field(
        default=None, description="A licence's approval schedule by event id: [{from: YYYY-MM-DD, share: 0-1}, ...] or a constant."
    )
    group_approval: dict[str, dict[str, ApprovalSteps]] | None = Field(
        default=None, description="A licence's destination groups' approval by event id and group position ('0', '1', ...)."
    )
    delay_days: float | None = Field(default=None, ge=0.0, le=730.0, description="Processing delay of every licence event, in days.")
    duration_days: int | None = Field(default=None, ge=1, le=3650, description="Every export control ends this many days after it starts.")
    cover_days: float | None = Field(default=None, gt=0.0, le=3650.0, description="End users' days of stock cover (the dataset's, scaled).")

    _length = field_validator("yaml")(_utf16_length)

    @field_validator("approval_steps")
    @classmethod
    def _steps(cls, v: dict[str, ApprovalSteps] | None) -> dict[str, ApprovalSteps] | None:
        for steps in (v or {}).values():
            _check_steps(steps)
        return v

    @field_validator("group_approval")
    @classmethod
    def _group_steps(cls, v: dict[str, dict[str, ApprovalSteps]] | None) -> dict[str, dict[str, ApprovalSteps]] | None:
        for groups in (v or {}).values():
            for key, steps in groups.items():
                if not key.isdigit():
                    raise ValueError(f"destination groups are named by their position ('0', '1', ...), not {key!r}")
                _check_steps(steps)
        return v

    @model_validator(mode="after")
    def _one_scenario(self) -> ApplyRequest:
        if (self.scenario is None) == (self.yaml is None):
            raise ValueError("give exactly one of 'scenario' (a built-in name) or 'yaml' (scenario text)")
        return self


class ApplyResponse(BaseModel):
    """A scenario with settings applied: its name, its YAML (to run or save), what changed and the cover scale to run with."""

    name: str
    yaml: str
    changes: list[str] = Field(description="What changed, in words (the name's suffixes).")
    cover_scale: float | None = Field(description="The cover_scale to run with (days asked / the dataset's days); null when unchanged.")
    members: int


class HistoryEntry(BaseModel):
    """A recorded run in the dashboard's history: named after what changed, with its headline loss."""

    run_id: str
    name: str
    scenario_name: str
    dataset: str
    members: int
    start: str
    end: str
    created: str
    status: str
    params: dict[str, Any]
    value_added_lost_usd: dict[str, float | None] | None = Field(description="p05, p50, p95 of the headline loss; null when not valued.")


class RunOverview(BaseModel):
    """What the dashboard draws of a run: name, period, three sentences, the headline loss, who is hurt, charts."""

    run_id: str
    name: str
    scenario: str
    dataset: str
    members: int
    created: str
    params: dict[str, Any]
    period: dict[str, Any]
    sentences: list[str]
    loss: dict[str, Any] | None
    countries_short: int
    countries: int
    tonnes_short: str
    table: dict[str, Any]
    figures: dict[str, Any]
    model_failures: list[str]
    colours: dict[str, str]
    names: dict[str, str]
    output_at_risk_usd: float | None


class CompareResult(BaseModel):
    """Runs side by side against a reference: totals per run, rows per (run, country), sentences and charts."""

    reference: str
    runs: list[dict[str, Any]]
    countries: list[dict[str, Any]]
    sentences: list[str]
    figures: dict[str, Any]


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
        description="{chart: {key: {median, p05, p95}}} for shortfall_region, output_at_risk_region (cumulative), stocks_final (t), prices."
    )
