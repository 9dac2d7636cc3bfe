"""The dashboard's key settings of a scenario: read them, and make a scenario with new ones.

The settings that move the answer most can be changed from the dashboard:

* ``approval``: the approval share of every licence event (a constant replaces steps);
* ``approval_steps``: a licence's approval schedule, step by step (``{event id: [{from,
  share}, ...]}``), and its destination groups' (``{event id: {group index: steps}}``);
* ``delay_days``: the processing delay of every licence event;
* ``duration_days``: every export control ends that many days after its start;
* ``cover_scale``: the engine parameter multiplying every country's days of stock cover
  (passed to the run as ``params={"cover_scale": x}``); the dashboard shows it as days,
  against the dataset's demand-weighted days of cover of end users (:func:`cover_days`).

A scenario made with new settings is named after them (``"cn-2025-april-controls, approval
10%, delay 120 d"``) and each event changed says so in its ``source``, so its results,
report and run history never pass it off as the unmodified scenario.

Which events are export controls and what a licence's settings are is the event types'
own knowledge (:attr:`~supplyshock.scenario.events.base.EventModel.controls_exports`,
:meth:`~supplyshock.scenario.events.LicenceRegime.settings`); nothing here names types.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np

from supplyshock.errors import ConsistencyError
from supplyshock.scenario import Scenario
from supplyshock.scenario.events import ExportControl, LicenceRegime

__all__ = ["SettingError", "apply_settings", "cover_days", "export_controls", "key_parameters", "licences", "schedules"]


class SettingError(ConsistencyError):
    """A setting does not apply to the scenario (e.g. approval without a licence event)."""


def export_controls(scenario: Scenario) -> list[tuple[int, ExportControl]]:
    """The scenario's export controls (events with ``controls_exports``) with their positions."""
    return [(i, cast(ExportControl, ev)) for i, ev in enumerate(scenario.events) if ev.controls_exports]


def licences(scenario: Scenario) -> list[tuple[int, LicenceRegime]]:
    """The scenario's licence regimes with their positions."""
    return [(i, ev) for i, ev in enumerate(scenario.events) if isinstance(ev, LicenceRegime)]


@functools.lru_cache(maxsize=16)
def _cover_days(dataset: str) -> float | None:
    from supplyshock.network import load_network

    try:
        net = load_network(dataset.split("+") if "+" in dataset else dataset, check=False)
    except Exception:  # a dataset the server cannot load has no cover to show
        return None
    days = (np.asarray(net.cohort_share) * np.asarray(net.cohort_days)).sum(axis=2)  # (country, sector)
    demand = np.asarray(net.demand0, dtype=float)
    if not (days > 0).any() or demand.sum() <= 0:
        return None
    return float(round((days * demand).sum() / demand.sum(), 1))


def cover_days(scenario: Scenario) -> float | None:
    """End users' days of stock cover in the scenario's dataset, weighted by demand (None: the dataset has no cohorts).

    The days each cohort of holders keeps (``cohorts.csv``), weighted by its share of
    demand and by each (country, sector)'s demand: what ``cover_scale`` 1 means, in days.
    """
    return _cover_days(scenario.dataset_name)


def _steps(share: float | list[Any]) -> list[dict[str, Any]] | float:
    if isinstance(share, list):
        return [{"from": s.date.isoformat(), "share": float(s.share)} for s in share]
    return float(share)


def schedules(scenario: Scenario) -> list[dict[str, Any]]:
    """Each licence's approval schedule as the dashboard edits it, step by step.

    Returns
    -------
    list of dict
        One per licence event: ``event`` (its id), ``label``, ``start``, ``delay_days``,
        ``approval`` (steps ``[{from, share}]`` or a constant), ``groups`` (each with
        ``destinations``, ``label`` and its own ``approval``) and ``changes`` (the
        agreements that set its approval later: ``{date, approval, by}``).
    """
    out = []
    for i, regime in licences(scenario):
        changes = []
        for ev in scenario.events:
            for ch in getattr(ev, "changes", []) or []:
                if getattr(ch, "event", None) == regime.id and getattr(ch, "approval", None) is not None:
                    when = getattr(ev, "date").isoformat()  # noqa: B009 - agreements have a date
                    changes.append({"date": when, "approval": float(ch.approval), "by": ev.id or str(getattr(ev, "type", ""))})
        out.append(
            {
                "event": regime.id or f"event {i}",
                "label": regime.label(i),
                "start": regime.start.isoformat(),
                "delay_days": float(regime.delay_days),
                "approval": _steps(regime.approval),
                "groups": [
                    {"destinations": list(g.destinations), "label": " ".join(g.label.split()), "approval": _steps(g.approval)} for g in regime.groups
                ],
                "changes": changes,
            }
        )
    return out


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
        ``cover_scale`` (1), ``cover_days`` (:func:`cover_days`), ``has_controls``,
        ``has_licence`` and ``schedules`` (:func:`schedules`).
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
        "cover_days": cover_days(scenario),
        "has_controls": bool(controls),
        "has_licence": bool(regimes),
        "schedules": schedules(scenario),
    }


def apply_settings(
    scenario: Scenario,
    *,
    approval: float | None = None,
    delay_days: float | None = None,
    duration_days: int | None = None,
    members: int | None = None,
    approval_steps: Mapping[str, Sequence[Mapping[str, Any]] | float] | None = None,
    group_approval: Mapping[str, Mapping[str, Sequence[Mapping[str, Any]] | float]] | None = None,
    cover_days_set: float | None = None,
) -> Scenario:
    """Return the scenario with new key settings, named after them.

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
    approval_steps
        A licence's own approval schedule by event id: steps ``[{"from": date, "share":
        s}]`` or a constant.
    group_approval
        A licence's destination groups' approval by event id and group position (as a
        string): steps or a constant.
    cover_days_set
        The days of cover the run uses (only named; the run passes ``cover_scale``).

    Returns
    -------
    Scenario
        A new, validated scenario; the original is unchanged. When anything changed, its
        name lists the changes and each changed event's ``source`` says what was changed.

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
    if (licence_settings or approval_steps or group_approval) and not regimes:
        raise SettingError(f"scenario {scenario.name!r} has no licence event, so approval share and delay do not apply")
    ids = {ev.id: i for i, ev in licences(scenario) if ev.id}
    for event in [*(approval_steps or {}), *(group_approval or {})]:
        if event not in ids:
            raise SettingError(f"scenario {scenario.name!r} has no licence event {event!r}; its licences: {', '.join(ids) or 'none with an id'}")
    if duration_days is not None and not controls:
        raise SettingError(f"scenario {scenario.name!r} has no export control (ban, licence or quota), so duration does not apply")
    spec = scenario.model_dump(by_alias=True)
    changed: dict[int, list[str]] = {}
    words: list[str] = []
    for i, regime in regimes:
        known = regime.settings()
        spec["events"][i].update({k: float(v) for k, v in licence_settings.items() if k in known})
        changed.setdefault(i, []).extend(f"{k} {float(v):g}" for k, v in licence_settings.items() if k in known)
    if approval is not None:
        words.append(f"approval {approval:.0%}")
    if delay_days is not None:
        words.append(f"delay {delay_days:g} d")
    for event, steps in (approval_steps or {}).items():
        i = ids[event]
        spec["events"][i]["approval"] = _step_spec(steps)
        text = _steps_text(steps)
        changed.setdefault(i, []).append(f"approval {text}")
        words.append(f"{event} approval {text}")
    for event, groups in (group_approval or {}).items():
        i = ids[event]
        for key, steps in groups.items():
            k = int(key)
            if not 0 <= k < len(spec["events"][i]["groups"]):
                raise SettingError(f"licence {event!r} has {len(spec['events'][i]['groups'])} destination group(s); there is no group {k}")
            spec["events"][i]["groups"][k]["approval"] = _step_spec(steps)
            dest = "+".join(spec["events"][i]["groups"][k]["destinations"])
            text = _steps_text(steps)
            changed.setdefault(i, []).append(f"approval for {dest} {text}")
            words.append(f"{event} {dest} approval {text}")
    if duration_days is not None:
        for i, control in controls:
            spec["events"][i]["end"] = control.start + dt.timedelta(days=int(duration_days))
            changed.setdefault(i, []).append(f"ends after {int(duration_days)} days")
        words.append(f"controls {int(duration_days)} d")
    if cover_days_set is not None:
        words.append(f"stock cover {cover_days_set:g} d")
    if members is not None:
        spec["members"] = int(members)
    for i, what in changed.items():
        if what:
            spec["events"][i]["source"] = f"{spec['events'][i].get('source', '')} [changed for this run: {'; '.join(what)}]".strip()
    if words:
        spec["name"] = ", ".join([scenario.name, *words])
    return Scenario.model_validate(spec)


def _step_spec(steps: Sequence[Mapping[str, Any]] | float) -> list[dict[str, Any]] | float:
    """Steps as the scenario writes them (``{"from": date, "share": s}``, in date order) or a constant."""
    if isinstance(steps, int | float):
        return float(steps)
    out = [{"from": dt.date.fromisoformat(str(s["from"])), "share": float(s["share"])} for s in steps]
    if not out:
        raise SettingError("an approval schedule needs at least one step")
    return sorted(out, key=lambda s: s["from"])


def _steps_text(steps: Sequence[Mapping[str, Any]] | float) -> str:
    if isinstance(steps, int | float):
        return f"{float(steps) * 100:.3g}%"
    return " -> ".join(f"{float(s['share']) * 100:.3g}% from {s['from']}" for s in sorted(steps, key=lambda s: str(s["from"])))
