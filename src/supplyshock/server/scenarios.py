"""The dashboard's key settings of a scenario: read them, and make a scenario with new ones.

Four settings move the answer most and can be changed from the dashboard:

* ``approval``: the approval share of every licence event (a constant replaces steps);
* ``delay_days``: the processing delay of every licence event;
* ``duration_days``: every export control (ban, licence, quota) ends that many days after
  its start;
* ``cover_scale``: the engine parameter multiplying every country's days of stock cover
  (passed to :func:`supplyshock.run` as ``params={"cover_scale": x}``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from supplyshock.scenario import Scenario

__all__ = ["CONTROL_TYPES", "SettingError", "apply_settings", "key_parameters"]

#: Event types that are export controls (they have start and end).
CONTROL_TYPES: tuple[str, ...] = ("export_ban", "licence", "quota")


class SettingError(ValueError):
    """A setting does not apply to the scenario (e.g. approval without a licence event)."""


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
        ``duration_days`` (first control; None when open-ended), ``cover_scale`` (1),
        ``has_controls`` and ``has_licence``.
    """
    events = [e.model_dump(by_alias=True) for e in scenario.events]
    controls = [e for e in events if e["type"] in CONTROL_TYPES]
    licences = [e for e in events if e["type"] == "licence"]
    approval: float | None = None
    delay: float | None = None
    if licences:
        raw = licences[0]["approval"]
        approval = float(raw[-1]["share"]) if isinstance(raw, list) else float(raw)
        delay = float(licences[0]["delay_days"])
    duration: int | None = None
    if controls:
        first = controls[0]
        end = first.get("end") or scenario.end
        duration = max(1, (end - first["start"]).days)
    return {
        "approval": approval,
        "delay_days": delay,
        "duration_days": duration,
        "cover_scale": 1.0,
        "has_controls": bool(controls),
        "has_licence": bool(licences),
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
        When a setting does not apply to the scenario.
    """
    spec = scenario.model_dump(by_alias=True)
    events = spec["events"]
    licences = [e for e in events if e["type"] == "licence"]
    controls = [e for e in events if e["type"] in CONTROL_TYPES]
    if (approval is not None or delay_days is not None) and not licences:
        raise SettingError(f"scenario {scenario.name!r} has no licence event, so approval share and delay do not apply")
    if duration_days is not None and not controls:
        raise SettingError(f"scenario {scenario.name!r} has no export control (ban, licence or quota), so duration does not apply")
    for ev in licences:
        if approval is not None:
            ev["approval"] = float(approval)
        if delay_days is not None:
            ev["delay_days"] = float(delay_days)
    if duration_days is not None:
        for ev in controls:
            ev["end"] = ev["start"] + dt.timedelta(days=int(duration_days))
    if members is not None:
        spec["members"] = int(members)
    return Scenario.model_validate(spec)
