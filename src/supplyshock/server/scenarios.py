"""The dashboard's key settings of a scenario: read them, and make a scenario with new ones.

Four settings move the answer most and can be changed from the dashboard:

* ``approval``: the approval share of every licence event (a constant replaces steps);
* ``delay_days``: the processing delay of every licence event;
* ``duration_days``: every export control ends that many days after its start;
* ``cover_scale``: the engine parameter multiplying every country's days of stock cover
  (passed to the run as ``params={"cover_scale": x}``).

Which events are export controls and what a licence's settings are is the event types'
own knowledge (:attr:`~supplyshock.scenario.events.base.EventModel.controls_exports`,
:meth:`~supplyshock.scenario.events.LicenceRegime.settings`); nothing here names types.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from supplyshock.errors import ConsistencyError
from supplyshock.scenario import Scenario
from supplyshock.scenario.events import ExportControl, LicenceRegime

__all__ = ["SettingError", "apply_settings", "export_controls", "key_parameters", "licences"]


class SettingError(ConsistencyError):
    """A setting does not apply to the scenario (e.g. approval without a licence event)."""


def export_controls(scenario: Scenario) -> list[tuple[int, ExportControl]]:
    """The scenario's export controls (events with ``controls_exports``) with their positions."""
    return [(i, cast(ExportControl, ev)) for i, ev in enumerate(scenario.events) if ev.controls_exports]


def licences(scenario: Scenario) -> list[tuple[int, LicenceRegime]]:
    """The scenario's licence regimes with their positions."""
    return [(i, ev) for i, ev in enumerate(scenario.events) if isinstance(ev, LicenceRegime)]


def key_parameters(scenario: Scenario) -> dict[str, Any]:
    """Return the scenario's own values of the key settings.

    Parameters
    ----------
    scenario
        A validated scenario.

    Returns
    -------
    dict
        The fields of :class:`supplyshock.server.models.KeyParameters`: ``approval`` (the
        first licence's share; for steps, the last step's), ``delay_days``,
        ``duration_days`` (first control; to the end of the horizon when open-ended),
        ``cover_scale`` (1), ``has_controls`` and ``has_licence``.
    """
    controls = export_controls(scenario)
    regimes = licences(scenario)
    approval: float | None = None
    delay: float | None = None
    if regimes:
        settings = regimes[0][1].settings()
        share = settings["approval"]
        approval = float(share[-1][1]) if isinstance(share, list) else float(share)
        delay = float(settings["delay_days"])
    duration: int | None = None
    if controls:
        first = controls[0][1]
        duration = max(1, ((first.end or scenario.end) - first.start).days)
    return {
        "approval": approval,
        "delay_days": delay,
        "duration_days": duration,
        "cover_scale": 1.0,
        "has_controls": bool(controls),
        "has_licence": bool(regimes),
    }


def apply_settings(
    scenario: Scenario,
    *,
    approval: float | None = None,
    delay_days: float | None = None,
    duration_days: int | None = None,
    members: int | None = None,
) -> Scenario:
    """Return the scenario with new key settings.

    Parameters
    ----------
    scenario
        A validated scenario.
    approval
        Approval share (0-1) for every licence event; replaces approval steps.
    delay_days
        Processing delay for every licence event.
    duration_days
        Every export control ends this many days after its start.
    members
        Ensemble members.

    Returns
    -------
    Scenario
        A new, validated scenario; the original is unchanged.

    Raises
    ------
    SettingError
        When a setting does not apply to the scenario (a :class:`ConsistencyError`).
    pydantic.ValidationError
        When the new settings make an invalid scenario.
    """
    regimes = licences(scenario)
    controls = export_controls(scenario)
    licence_settings = {k: v for k, v in (("approval", approval), ("delay_days", delay_days)) if v is not None}
    if licence_settings and not regimes:
        raise SettingError(f"scenario {scenario.name!r} has no licence event, so approval share and delay do not apply")
    if duration_days is not None and not controls:
        raise SettingError(f"scenario {scenario.name!r} has no export control (ban, licence or quota), so duration does not apply")
    spec = scenario.model_dump(by_alias=True)
    for i, regime in regimes:
        known = regime.settings()
        spec["events"][i].update({k: float(v) for k, v in licence_settings.items() if k in known})
    if duration_days is not None:
        for i, control in controls:
            spec["events"][i]["end"] = control.start + dt.timedelta(days=int(duration_days))
    if members is not None:
        spec["members"] = int(members)
    return Scenario.model_validate(spec)
