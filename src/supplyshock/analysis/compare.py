"""Runs side by side: each run named after what changed, its totals and its countries, and the difference against a reference run.

Comparing responses (a stockpile release or none; approvals of 10% or 60%) is what an
analyst does most. Every figure here comes from the one definition of each metric
(:func:`~supplyshock.analysis.summary.country_table`,
:func:`~supplyshock.analysis.summary.loss_bands`,
:func:`~supplyshock.analysis.metrics.member_totals`); this module lines runs up and
subtracts the reference. The command line (``supplyshock compare``), the comparison report
and the dashboard's compare view all use it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from supplyshock.analysis.labels import Labels, labels_for
from supplyshock.analysis.narrative import loss_band, run_scenario, tonnes_by_product
from supplyshock.scenario import Scenario

__all__ = [
    "COMPARED",
    "RunView",
    "compare_countries",
    "compare_totals",
    "comparison_long",
    "load_view",
    "name_runs",
    "round_sig",
    "run_name",
    "scenario_changes",
    "settings_label",
]

#: Settings a run may have been started with (dashboard, API), in the order a name lists them.
SETTING_WORDS = ("approval", "approval_steps", "delay_days", "duration_days", "cover_days", "cover_scale", "members")
#: Per-run figures of :func:`compare_totals`, with their units.
COMPARED = {
    "value_added_lost_usd_p50": "USD",
    "value_added_lost_usd_p05": "USD",
    "value_added_lost_usd_p95": "USD",
    "output_lost_usd_p50": "USD",
    "first_stoppage_day": "day",
    "countries_short": "count",
    "sectors_short": "count",
    "worst_peak_shortfall_pct": "%",
}


def _pct(x: Any) -> str:
    return f"{float(x) * 100:.3g}%"


def settings_label(params: Mapping[str, Any]) -> list[str]:
    """What a run's recorded settings changed, in words: ``["approval 10%", "delay 120 d"]``.

    Parameters
    ----------
    params : mapping
        The parameters recorded with the run (the settings of the request that started it).

    Returns
    -------
    list of str
        One phrase per setting in :data:`SETTING_WORDS` that the run was given.
    """
    out: list[str] = []
    for key in SETTING_WORDS:
        v = params.get(key)
        if v is None:
            continue
        if key == "approval":
            out.append(f"approval {_pct(v)}")
        elif key == "approval_steps" and isinstance(v, Mapping):
            for event, steps in v.items():
                text = ", ".join(f"{_pct(s['share'])} from {s['from']}" for s in steps) if isinstance(steps, list) else _pct(steps)
                out.append(f"{event} approval {text}")
        elif key == "delay_days":
            out.append(f"delay {float(v):g} d")
        elif key == "duration_days":
            out.append(f"controls {int(v)} d")
        elif key == "cover_days":
            out.append(f"stock cover {float(v):g} d")
        elif key == "cover_scale" and params.get("cover_days") is None:
            out.append(f"stock cover x{float(v):g}")
        elif key == "members" and params.get("_members_changed"):
            out.append(f"{int(v)} members")
    return out


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list) and value and all(isinstance(v, Mapping) and (v.get("id") or v.get("name")) for v in value):
        out = {}
        for v in value:
            out.update(_flatten(v, f"{prefix}[{v.get('id') or v.get('name')}]"))
        return out
    return {prefix: value}


def _value_text(key: str, value: Any) -> str:
    if value is None:
        return "none"
    last = key.rsplit(".", 1)[-1]
    if isinstance(value, float) and last in ("approval", "share", "coverage", "min_share_of_baseline") and 0 <= value <= 1:
        return _pct(value)
    if isinstance(value, Mapping) and "share" in value and "from" in value:
        return f"{_pct(value['share'])} from {value['from']}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {_value_text(f'{key}.{k}', v)}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(_value_text(key, v) for v in value) if value else "none"
    return f"{value:g}" if isinstance(value, float) else str(value)


def scenario_changes(reference: Scenario, other: Scenario, *, limit: int = 4) -> list[str]:
    """How ``other`` differs from ``reference``, in short phrases (``"cn-magnet-licence.delay_days 120"``).

    Parameters
    ----------
    reference, other : Scenario
    limit : int
        Most phrases returned (a last phrase says how many more differ).

    Returns
    -------
    list of str
        Empty when the scenarios are the same but for their name and description.
    """
    skip = {"name", "description"}
    a = _flatten({k: v for k, v in reference.model_dump(mode="json", by_alias=True).items() if k not in skip})
    b = _flatten({k: v for k, v in other.model_dump(mode="json", by_alias=True).items() if k not in skip})
    phrases = []
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key) and not key.endswith(("source", "label")):
            where = key.replace("events[", "").replace("]", "").replace(".", " ").replace("_", " ")
            phrases.append(f"{where} {_value_text(key, b.get(key))}")
    if len(phrases) > limit:
        phrases = [*phrases[: limit - 1], f"{len(phrases) - limit + 1} more changes"]
    return phrases


def run_name(scenario_name: str, params: Mapping[str, Any] | None = None, changes: Sequence[str] = ()) -> str:
    """A run's name after what changed: ``"cn-2025-april-controls, approval 10%, delay 120 d"``.

    Parameters
    ----------
    scenario_name : str
        The scenario's name (already naming its changes when the server made it).
    params : mapping, optional
        The settings recorded with the run (see :func:`settings_label`); phrases the name
        already holds are not repeated (nor a setting it already names, e.g. its stock
        cover in days when the run also records the multiplier).
    changes : sequence of str
        Further differences (e.g. :func:`scenario_changes` against a reference).
    """
    words = [w for w in [*settings_label(params or {}), *changes] if w not in scenario_name and w.rsplit(" ", 1)[0] not in scenario_name]
    return ", ".join([scenario_name, *words])


@dataclass
class RunView:
    """One run to compare: its id, its name, its results and (when valued) its economy."""

    run_id: str
    name: str
    results: xr.Dataset
    economy: xr.Dataset | None = None
    params: dict[str, Any] | None = None
    _countries: pd.DataFrame | None = field(default=None, init=False, repr=False)

    @property
    def scenario(self) -> Scenario | None:
        """The scenario the run was made with (None when its results do not hold it)."""
        return run_scenario(self.results)

    def countries(self) -> pd.DataFrame:
        """:func:`~supplyshock.analysis.summary.country_table` of the run (cached)."""
        if self._countries is None:
            from supplyshock.analysis.summary import country_table

            self._countries = country_table(self.results, self.economy)
        return self._countries


def name_runs(views: Sequence[RunView], reference: int = 0) -> None:
    """Make the names of runs unique: runs that share a name get what differs from the reference (else their id)."""
    ref = views[reference].scenario
    seen: dict[str, int] = {}
    for v in views:
        seen[v.name] = seen.get(v.name, 0) + 1
    for i, v in enumerate(views):
        if seen[v.name] < 2 or i == reference:
            continue
        mine = v.scenario
        changes = scenario_changes(ref, mine) if (ref is not None and mine is not None and i != reference) else []
        members = int(v.results.sizes["member"])
        if not changes and members != int(views[reference].results.sizes["member"]):
            changes = [f"{members} members"]
        v.name = run_name(v.name, None, changes) if changes else f"{v.name} ({v.run_id})"


def _totals_row(view: RunView) -> dict[str, Any]:
    from supplyshock.analysis.metrics import member_totals
    from supplyshock.analysis.summary import summarise

    ds = view.results
    ct = view.countries()
    row: dict[str, Any] = {"run": view.name, "run_id": view.run_id, "scenario": str(ds.attrs.get("scenario_name", ""))}
    times = pd.DatetimeIndex(ds["time"].values)
    row.update({"start": times[0].date().isoformat(), "end": times[-1].date().isoformat(), "members": int(ds.sizes["member"])})
    if view.economy is not None:
        va = loss_band(view.economy)
        for q in ("p05", "p50", "p95"):
            row[f"value_added_lost_usd_{q}"] = va[q]
        row["output_lost_usd_p50"] = loss_band(view.economy, "output_lost_usd")["p50"]
    else:
        row.update(dict.fromkeys(("value_added_lost_usd_p05", "value_added_lost_usd_p50", "value_added_lost_usd_p95", "output_lost_usd_p50"), np.nan))
    stop = ct["first_stoppage_day"].min() if "first_stoppage_day" in ct else np.nan
    row["first_stoppage_day"] = float(stop) if pd.notna(stop) else np.nan
    row["first_stoppage_date"] = (times[0] + pd.Timedelta(days=int(stop))).date().isoformat() if pd.notna(stop) else None
    row["countries_short"] = int((ct["sectors_short"] > 0).sum())
    row["sectors_short"] = float(ct["sectors_short"].sum())
    totals = member_totals(ds)
    row["worst_peak_shortfall_pct"] = float(totals["worst_peak_shortfall_pct"].median())
    sectors = summarise(ds)
    for product, t in tonnes_by_product(ds, sectors).items():
        row[f"shortfall_t_{product}" if product else "shortfall_t"] = t
    return row


def compare_totals(views: Sequence[RunView], reference: int = 0) -> pd.DataFrame:
    """One row per run: the headline loss and its band, first stoppage, how many run short, tonnes short by material, and the differences.

    Parameters
    ----------
    views : sequence of RunView
        Two or more runs.
    reference : int
        Position of the reference run in ``views``.

    Returns
    -------
    DataFrame
        Index ``run`` (names); columns ``run_id``, ``scenario``, ``start``, ``end``,
        ``members``, the :data:`COMPARED` figures, ``first_stoppage_date``,
        ``shortfall_t_<product>`` (tonnes never add across materials), ``reference``
        (True for the reference) and ``<figure>_diff`` (this run minus the reference) for
        each number.
    """
    rows = [_totals_row(v) for v in views]
    frame = pd.DataFrame(rows).set_index("run")
    frame["reference"] = [i == reference for i in range(len(views))]
    ref = frame.iloc[reference]
    numeric = [c for c in frame.columns if c not in ("members", "reference") and pd.api.types.is_numeric_dtype(frame[c])]
    for col in numeric:
        frame[f"{col}_diff"] = frame[col] - ref[col]
    return frame


def compare_countries(views: Sequence[RunView], reference: int = 0, labels: Labels | None = None) -> pd.DataFrame:
    """One row per (run, country): the country table of each run, and its difference from the reference run's same country.

    Returns
    -------
    DataFrame
        Tidy: columns ``run``, ``run_id``, ``country``, ``country_name``, the columns of
        :func:`~supplyshock.analysis.summary.country_table`, and ``<column>_diff`` (minus
        the reference run's value for the country; a country absent from the reference
        counts as zero loss and tonnes, unknown dates).
    """
    labels = labels or labels_for(views[reference].results)
    frames = []
    for v in views:
        ct = v.countries().copy()
        ct.insert(0, "country_name", [labels.country(c) for c in ct.index])
        ct.insert(0, "run_id", v.run_id)
        ct.insert(0, "run", v.name)
        frames.append(ct.reset_index())
    out = pd.concat(frames, ignore_index=True)
    ref = frames[reference].set_index("country")
    zero_when_absent = [c for c in out.columns if c.startswith(("value_added_lost", "shortfall_t", "output_at_risk", "sectors_short"))]
    numeric = [c for c in out.columns if c not in ("run", "run_id", "country", "country_name") and pd.api.types.is_numeric_dtype(out[c])]
    for col in numeric:
        base = out["country"].map(ref[col]) if col in ref else pd.Series(np.nan, index=out.index)
        if col in zero_when_absent:
            base = base.fillna(0.0)
        mine = out[col].fillna(0.0) if col in zero_when_absent else out[col]
        out[f"{col}_diff"] = mine - base
    return out


def load_view(run_id: str, name: str, results_path: Path, results: xr.Dataset, params: Mapping[str, Any] | None = None) -> RunView:
    """A stored run as a :class:`RunView`: its economy is read from the run folder (``economy.nc``) when there is one."""
    from supplyshock.analysis.pipeline import ECONOMY_FILE
    from supplyshock.store import open_results

    eco_path = Path(results_path).parent / ECONOMY_FILE
    eco = open_results(eco_path) if eco_path.is_file() else None
    return RunView(run_id=run_id, name=name, results=results, economy=eco, params=dict(params or {}))


def jsonable(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NaN and infinities as None, numpy scalars as Python)."""

    def clean(v: Any) -> Any:
        if isinstance(v, float | np.floating):
            return float(v) if math.isfinite(v) else None
        if isinstance(v, np.integer):
            return int(v)
        if isinstance(v, np.bool_):
            return bool(v)
        return v

    return [{str(k): clean(v) for k, v in row.items()} for row in json.loads(frame.to_json(orient="records", date_format="iso"))]


def _unit(metric: str) -> str:
    """The unit of a compared figure (the metric's own from the schema where it has one)."""
    from supplyshock.schema import METRICS

    base = metric.removesuffix("_diff")
    for suffix in ("_p05", "_p50", "_p95"):
        base = base.removesuffix(suffix)
    if base.startswith("shortfall_t"):
        return "t"
    if base in METRICS:
        return METRICS[base].unit
    return {
        "first_stoppage_day": "days",
        "first_shortfall_day": "days",
        "countries_short": "count",
        "sectors_short": "count",
        "worst_peak_shortfall_pct": "%",
        "output_lost_usd": "USD",
        "output_at_risk_usd": "USD",
        "peak_shortfall_pct": "%",
        "peak_stopped_pct": "%",
        "days_short": "days",
    }.get(base, "")


def comparison_long(totals: pd.DataFrame, countries: pd.DataFrame) -> pd.DataFrame:
    """The comparison as one tidy table: one row per (run, country, metric) with its unit, value, the reference's and the difference.

    Rows with ``country`` empty are the runs' totals (``country_name`` "all countries").
    Values are rounded to six significant digits.

    Returns
    -------
    DataFrame
        Columns ``run``, ``run_id``, ``reference`` (bool), ``country``, ``country_name``,
        ``metric``, ``unit``, ``value``, ``reference_value``, ``difference``.
    """
    rows: list[dict[str, Any]] = []
    ref_name = totals.index[totals["reference"].to_numpy().astype(bool)][0]
    skip = {"run_id", "scenario", "start", "end", "members", "reference", "first_stoppage_date"}
    metrics = [c for c in totals.columns if c not in skip and not c.endswith("_diff")]
    for run, r in totals.iterrows():
        for m in metrics:
            rows.append(
                {
                    "run": run,
                    "run_id": r["run_id"],
                    "reference": bool(r["reference"]),
                    "country": "",
                    "country_name": "all countries",
                    "metric": m,
                    "value": r[m],
                    "reference_value": totals.at[ref_name, m],
                    "difference": r.get(f"{m}_diff", np.nan),
                }
            )
    skip_c = {"run", "run_id", "country", "country_name"}
    cmetrics = [c for c in countries.columns if c not in skip_c and not c.endswith("_diff")]
    for rec in countries.to_dict("records"):
        for m in cmetrics:
            diff = rec.get(f"{m}_diff", np.nan)
            value = rec[m]
            rows.append(
                {
                    "run": rec["run"],
                    "run_id": rec["run_id"],
                    "reference": rec["run"] == ref_name,
                    "country": rec["country"],
                    "country_name": rec["country_name"],
                    "metric": m,
                    "value": value,
                    "reference_value": (value - diff) if pd.notna(diff) and pd.notna(value) else np.nan,
                    "difference": diff,
                }
            )
    out = pd.DataFrame(rows, columns=["run", "run_id", "reference", "country", "country_name", "metric", "value", "reference_value", "difference"])
    out.insert(6, "unit", [_unit(m) for m in out["metric"]])
    for col in ("value", "reference_value", "difference"):
        out[col] = [round_sig(v) for v in pd.to_numeric(out[col], errors="coerce")]
    return out


def round_sig(value: Any, digits: int = 6) -> float:
    """A number rounded to ``digits`` significant digits (NaN stays NaN): ``0.9999999999999838`` -> ``1.0``."""
    x = float(value)
    if not math.isfinite(x) or x == 0.0:
        return x
    return round(x, digits - 1 - math.floor(math.log10(abs(x))))
