"""Backtests: fit named scenario parameters on observations up to a cut-off, score after it.

Method
------
*Objective*: the sum over observations dated on or before the cut-off of the squared
log ratio of model to observed value, ``sum (ln m_i - ln o_i) ** 2`` (scale-free, so a
series in tonnes and a price in USD/kg weigh alike; observations given only as a
year-on-year change are compared as ``ln(1 + model change) - ln(1 + observed change)``).
*Method*: a full grid over the candidate values of each parameter, evaluated in one
vectorised ensemble run (every grid point is a member), then a bounded
``scipy.optimize.least_squares`` refinement from the best grid point when more than one
observation constrains the fit. Observations after the cut-off never enter the objective;
they are used only to report the error (MAPE and bias, per series).

References
----------
Hyndman, R. J., Koehler, A. B. (2006). Another look at measures of forecast accuracy.
International Journal of Forecasting 22(4), 679-688 (MAPE, bias).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from scipy.optimize import least_squares

from supplyshock.analysis.metrics import recorded_trade
from supplyshock.engine.run import run_scenario
from supplyshock.errors import ScenarioError, SupplyShockError
from supplyshock.safeyaml import load_yaml_file
from supplyshock.scenario import Scenario, load_scenario
from supplyshock.schema import PARAMETERS

__all__ = ["BacktestResult", "BacktestSpec", "SeriesSpec", "builtin_backtests", "load_backtest", "run_backtest"]

#: What a backtest records: shipments (less leakage, for customs comparisons) and prices.
BACKTEST_RECORD = ("trade", "indirect_trade", "price_index")


class BacktestError(SupplyShockError, ValueError):
    """A backtest cannot be set up (cut-off outside the data, unknown series, ...)."""


class SeriesSpec(BaseModel):
    """How one observed series maps onto model output."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    series: str
    model: Literal["exports", "price"] = "exports"
    exporter: str | None = Field(default=None, description="Exporting country (exports only; required there).")
    importer: str = "all"
    product: str = Field(description="Product code of the scenario's dataset.")
    market: str | None = Field(default=None, description="Price market of the dataset (prices only; required there).")
    base_value: float | None = Field(default=None, description="For prices: the observed level the model's index 1 stands for.")

    @model_validator(mode="after")
    def _needs(self) -> SeriesSpec:
        if self.model == "exports" and not self.exporter:
            raise ValueError(f"series {self.series}: model 'exports' needs an exporter")
        if self.model == "price" and not self.market:
            raise ValueError(f"series {self.series}: model 'price' needs a market (one of the dataset's markets)")
        return self


class BacktestSpec(BaseModel):
    """A backtest: scenario, observations, cut-off, parameter grid, series."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    scenario: str
    observed: str | list[str]
    fit_until: dt.date
    parameters: dict[str, list[float]] = Field(min_length=1)
    prior: dict[str, float] = Field(default_factory=dict, description="Values preferred where the data say little (default: 1 for scales, else 0).")
    prior_weight: float = Field(
        default=0.01,
        ge=0.0,
        description="Weight of the squared distance from the prior (in units of each parameter's candidate range) added to the objective.",
    )
    series: list[SeriesSpec] = Field(min_length=1)
    refine: bool = True


@dataclass
class BacktestResult:
    """Fitted parameters, the fit and out-of-sample errors, and model-vs-observed points."""

    spec: BacktestSpec
    fitted: dict[str, float]
    objective: float
    n_fit: int
    points: pd.DataFrame  # series, period, observed, model, in_sample, kind
    errors: pd.DataFrame  # per series: n, MAPE, bias (out of sample)
    grid: pd.DataFrame = field(repr=False)
    model_monthly: dict[str, pd.Series] = field(default_factory=dict, repr=False)
    edges: list[str] = field(default_factory=list)  # parameters whose fit sits on the edge of the search even after widening


def builtin_backtests() -> dict[str, Path]:
    """Backtests shipped with the package."""
    folder = resources.files("supplyshock") / "data" / "backtests"
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir() if str(p).endswith(".yaml")}


def load_backtest(name_or_path: str | Path) -> BacktestSpec:
    """Read a backtest spec (a built-in name or a YAML file)."""
    builtins = builtin_backtests()
    path = Path(builtins.get(str(name_or_path), Path(name_or_path)))
    if not path.exists():
        raise BacktestError(f"{name_or_path}: no such file and not a built-in backtest; built-ins: {', '.join(sorted(builtins))}")
    data = load_yaml_file(path, what="backtest spec", error=BacktestError)
    try:
        spec = BacktestSpec.model_validate(data)

        # scenario and observed files named relative to the spec's folder
        def local(name: str) -> str:
            return str(path.parent / name) if (path.parent / name).is_file() else name

        observed = [local(o) for o in spec.observed] if isinstance(spec.observed, list) else local(spec.observed)
        return spec.model_copy(update={"scenario": local(spec.scenario), "observed": observed})
    except ValidationError as exc:
        msgs = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise BacktestError(f"{name_or_path}: {msgs}") from None


def _period_end(period: str) -> dt.date:
    """Last day of a period written 'YYYY-MM', 'YYYY' or 'YYYY-MM..YYYY-MM'."""
    last = str(period).split("..")[-1]
    freq = "M" if len(last) == 7 else "Y"
    return pd.Period(last, freq=freq).end_time.date()


def _observations(spec: BacktestSpec, until: dt.date | None = None) -> pd.DataFrame:
    """Observed points of the spec's series: one row per (series, period) with a value or a y/y change.

    With ``until``, rows published for later periods are dropped *before* values are
    implied from reported changes, so nothing after the cut-off leaks into the fit
    (e.g. an April value implied from May's month-on-month change).
    """
    from supplyshock.observed import implied_values, load_observed

    files = spec.observed if isinstance(spec.observed, list) else [spec.observed]
    raw = pd.concat([load_observed(f) for f in files], ignore_index=True)
    if until is not None:
        raw = raw[raw["period"].astype(str).map(_period_end) <= until]
    obs = implied_values(raw)
    if "derived" in obs:
        obs = obs.sort_values("derived").drop_duplicates(["series", "period"], keep="first")
    wanted = {s.series for s in spec.series}
    known = set(obs["series"])
    missing = wanted - known
    if missing and until is None:
        raise BacktestError(f"{spec.observed}: no series {', '.join(sorted(missing))}; known: {', '.join(sorted(known))}")
    obs = obs[obs["series"].isin(wanted)].copy()
    obs = obs[obs["freq"] == "M"] if "freq" in obs else obs
    obs["period"] = obs["period"].astype(str)
    return obs.reset_index(drop=True)


def _month_end(period: str) -> dt.date:
    p = pd.Period(period, freq="M")
    return p.end_time.date()


def _model_monthly(ds: Any, s: SeriesSpec) -> pd.DataFrame:
    """Monthly model values per member: exports (t) or the mean price (in observed units)."""
    sub = ds.isel(scenario=0)
    months = pd.DatetimeIndex(sub["time"].values).to_period("M")
    if s.model == "exports":
        mask = (sub["link_exporter"] == s.exporter) & (sub["link_product"] == s.product)
        if s.importer != "all":
            mask = mask & (sub["link_importer"] == s.importer)
        daily = recorded_trade(sub).values[:, :, np.flatnonzero(mask.values)].sum(axis=2)  # (member, time)
        frame = pd.DataFrame(daily.T, index=months)
        return frame.groupby(level=0).sum()
    idx = sub["price_index"].sel(market=s.market, product=s.product).values  # (member, time)
    frame = pd.DataFrame(idx.T * (s.base_value or 1.0), index=months)
    return frame.groupby(level=0).mean()


def _change_residual(m: np.ndarray, reference: np.ndarray | float, observed_pct: float) -> np.ndarray:
    return np.log(np.maximum(m / np.maximum(reference, 1e-12), 1e-9)) - np.log(max(1 + observed_pct / 100, 1e-9))


def _residuals(obs: pd.DataFrame, ds: Any, spec: BacktestSpec, baselines: dict[str, float]) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Log residuals (member, observation) and the model value per member for each observation.

    An observation with a value is compared as ``ln m - ln o``; one given only as a change
    as ``ln(model ratio) - ln(1 + observed change)``: year on year against the baseline
    month, month on month against the model's previous month.
    """
    cols = []
    rows = []
    for s in spec.series:
        monthly = _model_monthly(ds, s)
        for r in obs[obs["series"] == s.series].to_dict("records"):
            per = pd.Period(r["period"], freq="M")
            if per not in monthly.index:
                continue
            m = monthly.loc[[per]].to_numpy(dtype=float)[0]
            value = r.get("value")
            yoy, mom = r.get("yoy_reported_pct"), r.get("mom_reported_pct")
            if value is not None and np.isfinite(value) and value > 0:
                cols.append(np.log(np.maximum(m, 1e-9)) - np.log(value))
                rows.append({"series": s.series, "period": r["period"], "kind": "value", "observed": float(value), "model": m})
            elif yoy is not None and np.isfinite(yoy):
                base = baselines[s.series] * 12.0 / 365.0 * per.days_in_month
                cols.append(_change_residual(m, base, yoy))
                rows.append({"series": s.series, "period": r["period"], "kind": "yoy_pct", "observed": float(yoy), "model": (m / base - 1) * 100})
            elif mom is not None and np.isfinite(mom) and (per - 1) in monthly.index:
                prev = monthly.loc[[per - 1]].to_numpy(dtype=float)[0]
                cols.append(_change_residual(m, prev, mom))
                rows.append(
                    {
                        "series": s.series,
                        "period": r["period"],
                        "kind": "mom_pct",
                        "observed": float(mom),
                        "model": (m / np.maximum(prev, 1e-12) - 1) * 100,
                    }
                )
    if not cols:
        return np.zeros((ds.sizes["member"], 0)), rows
    return np.stack(cols, axis=1), rows


def _baseline_monthly(ds: Any, s: SeriesSpec) -> float:
    sub = ds.isel(scenario=0)
    mask = (sub["link_exporter"] == s.exporter) & (sub["link_product"] == s.product)
    if s.importer != "all":
        mask = mask & (sub["link_importer"] == s.importer)
    return float(sub["link_baseline_t"].values[np.flatnonzero(mask.values)].sum()) / 12.0


@dataclass
class _Problem:
    """What a fit needs: the scenario, the in-sample observations, the baselines."""

    spec: BacktestSpec
    base: Scenario
    fit_obs: pd.DataFrame
    baselines: dict[str, float]

    def sse(self, params: dict[str, np.ndarray]) -> tuple[np.ndarray, int]:
        """Sum of squared log residuals per member (and the number of observations)."""
        members = len(next(iter(params.values())))
        ds = run_scenario(self.base, members=members, params=params, record=BACKTEST_RECORD)
        if not self.baselines:
            self.baselines.update({s.series: _baseline_monthly(ds, s) for s in self.spec.series})
        resid, _ = _residuals(self.fit_obs, ds, self.spec, self.baselines)
        return (resid**2).sum(axis=1), int(resid.shape[1])


def _grid_search(prob: _Problem, axes: dict[str, list[float]]) -> tuple[np.ndarray, np.ndarray, list[str], int]:
    names = list(axes)
    grid = np.array(list(itertools.product(*[axes[n] for n in names])), dtype=float)
    sse, n_obs = prob.sse({n: grid[:, i] for i, n in enumerate(names)})
    return grid, sse, names, n_obs


def _prior_distance(spec: BacktestSpec, x: np.ndarray, names: list[str]) -> np.ndarray:
    """Squared distance of parameter points from the prior, each axis in units of its first candidate range."""
    prior = np.array([spec.prior.get(n, 1.0 if n.endswith("_scale") else 0.0) for n in names])
    spread = np.array([max(spec.parameters[n]) - min(spec.parameters[n]) or 1.0 for n in names])
    return np.asarray((((x - prior) / spread) ** 2).sum(axis=-1))


def _best(spec: BacktestSpec, grid: np.ndarray, sse: np.ndarray, names: list[str], axes: dict[str, list[float]]) -> int:
    """The grid point with the least penalised objective ``sse + prior_weight * distance from the prior``.

    The penalty is what keeps parameters the data cannot identify (e.g. how fast prices
    fall after a peak, fitted on data up to the peak) at their prior instead of wherever
    rounding noise puts them; ties go to the point nearest the prior.
    """
    dist = _prior_distance(spec, grid, names)
    return int(np.lexsort((dist, np.round(sse + spec.prior_weight * dist, 12)))[0])


def _widen(axis: list[float], value: float, name: str) -> list[float] | None:
    """One more candidate beyond the edge the fit sits on, inside the parameter's allowed range; None when impossible."""
    values = sorted(set(axis))
    if len(values) < 2 or value not in (values[0], values[-1]):
        return None
    spec = PARAMETERS.get(name)
    if value == values[-1]:
        new = values[-1] + (values[-1] - values[-2])
        if spec is not None and spec.maximum is not None:
            new = min(new, spec.maximum)
    else:
        new = values[0] - (values[1] - values[0])
        if spec is not None and spec.minimum is not None:
            new = max(new, spec.minimum + (1e-6 if spec.minimum_exclusive else 0.0))
    return None if new in values else sorted([*values, new])


def _fit(prob: _Problem, max_widen: int = 3) -> tuple[dict[str, float], float, int, pd.DataFrame, list[str], bool]:
    """Grid search, widened where the best point sits on an edge, then least squares.

    Returns (fitted, objective, n_obs, grid table, parameters still on an edge, identified).
    """
    spec = prob.spec
    axes = {n: sorted(map(float, v)) for n, v in spec.parameters.items()}
    grid, sse, names, n_obs = _grid_search(prob, axes)
    if n_obs == 0:
        raise BacktestError(f"no observation on or before the cut-off {spec.fit_until} falls inside the model horizon")
    best = _best(spec, grid, sse, names, axes)
    identified = bool(np.ptp(sse) > 1e-9)
    for _ in range(max_widen if identified else 0):
        candidates = {n: _widen(axes[n], float(grid[best, i]), n) for i, n in enumerate(names)}
        wider = {n: v for n, v in candidates.items() if v is not None}
        if not wider:
            break
        axes.update(wider)
        grid, sse, names, n_obs = _grid_search(prob, axes)
        best = _best(spec, grid, sse, names, axes)
    fitted = {n: float(grid[best, i]) for i, n in enumerate(names)}
    objective = float(sse[best])
    edges = [n for i, n in enumerate(names) if len(set(axes[n])) > 1 and grid[best, i] in (min(axes[n]), max(axes[n]))]
    if spec.refine and identified and n_obs >= 2:
        fitted, objective = _refine(prob, fitted, objective, axes)
    table = pd.DataFrame(grid, columns=names)
    table["objective"] = sse
    return fitted, objective, n_obs, table.sort_values("objective"), edges, identified


def _refine(prob: _Problem, fitted: dict[str, float], objective: float, axes: dict[str, list[float]]) -> tuple[dict[str, float], float]:
    names = list(fitted)
    lo = np.array([min(axes[n]) for n in names])
    hi = np.array([max(axes[n]) for n in names])
    if not np.all(hi > lo):
        return fitted, objective

    spec = prob.spec
    prior = np.array([spec.prior.get(n, 1.0 if n.endswith("_scale") else 0.0) for n in names])
    spread = np.array([max(spec.parameters[n]) - min(spec.parameters[n]) or 1.0 for n in names])

    def fun(x: np.ndarray) -> np.ndarray:
        d = run_scenario(prob.base, members=1, params={n: np.array([x[i]]) for i, n in enumerate(names)}, record=BACKTEST_RECORD)
        r, _ = _residuals(prob.fit_obs, d, prob.spec, prob.baselines)
        return np.concatenate([r[0], np.sqrt(spec.prior_weight) * (x - prior) / spread])  # the prior as extra residuals

    x0 = np.clip(np.array([fitted[n] for n in names]), lo + 1e-9 * (hi - lo), hi - 1e-9 * (hi - lo))
    start = float(objective + spec.prior_weight * _prior_distance(spec, x0, names))
    sol = least_squares(fun, x0, bounds=(lo, hi), diff_step=0.05, max_nfev=40)
    if 2 * sol.cost < start:
        x = sol.x
        r = fun(x)[: -len(names)]
        return {n: float(x[i]) for i, n in enumerate(names)}, float((r**2).sum())
    return fitted, objective


def _errors(spec: BacktestSpec, points: pd.DataFrame) -> pd.DataFrame:
    """Out-of-sample MAPE and bias per series (percentage points for changes)."""
    errs = []
    for s in spec.series:
        out = points[(points["series"] == s.series) & ~points["in_sample"]] if len(points) else points
        if not len(out):
            errs.append({"series": s.series, "n": 0, "mape_pct": np.nan, "bias_pct": np.nan, "kind": ""})
            continue
        if (out["kind"] == "value").all():
            ape = (out["model"] - out["observed"]).abs() / out["observed"].abs() * 100
            bias = ((out["model"] - out["observed"]) / out["observed"].abs() * 100).mean()
        else:  # changes: errors in percentage points
            ape = (out["model"] - out["observed"]).abs()
            bias = (out["model"] - out["observed"]).mean()
        errs.append({"series": s.series, "n": len(out), "mape_pct": float(ape.mean()), "bias_pct": float(bias), "kind": out["kind"].iloc[0]})
    return pd.DataFrame(errs)


def run_backtest(spec: BacktestSpec, *, fit_until: dt.date | None = None, observed: str | list[str] | None = None) -> BacktestResult:
    """Fit the spec's parameters on observations up to the cut-off and score the rest.

    A cut-off on the last observation fits on everything (no out-of-sample score). A fitted
    value on the edge of its candidates widens the search beyond it (within the
    parameter's allowed range) up to three times; parameters still on an edge are listed
    in ``BacktestResult.edges``.

    Parameters
    ----------
    spec : BacktestSpec
    fit_until : date, optional
        Overrides ``spec.fit_until``.
    observed : str or list of str, optional
        Overrides ``spec.observed`` (files in a supported format, or shipped names).
    """
    if fit_until is not None or observed is not None:
        spec = spec.model_copy(update={k: v for k, v in (("fit_until", fit_until), ("observed", observed)) if v is not None})
    # the central case: parameters not fitted keep their central values (the scenario's
    # uncertain block spreads an ensemble; drawn here it would move the fit member by member)
    base = load_scenario(spec.scenario).model_copy(update={"uncertain": [], "correlation": []})
    obs = _observations(spec)
    if not len(obs):
        raise BacktestError(f"{spec.observed}: no monthly observations of the backtest's series")
    ends = obs["period"].map(_month_end)
    first, last = min(ends), max(ends)
    if not (first <= spec.fit_until <= last):
        raise BacktestError(f"cut-off {spec.fit_until} is outside the observations ({first} .. {last}): choose a date with observations up to it")
    if not (base.start <= spec.fit_until < base.end):
        raise BacktestError(f"cut-off {spec.fit_until} is outside the scenario's horizon {base.start} .. {base.end}")
    # only observations up to the cut-off, and values implied from them alone, enter the fit
    fit_obs = _observations(spec, until=spec.fit_until)
    fit_obs = fit_obs[fit_obs["period"].map(_month_end) <= spec.fit_until].reset_index(drop=True)
    prob = _Problem(spec, base, fit_obs, {})
    fitted, objective, n_fit, grid, edges, _ = _fit(prob)
    final = run_scenario(base, members=1, params={n: np.array([v]) for n, v in fitted.items()})
    _, rows = _residuals(obs, final, spec, prob.baselines)
    points = pd.DataFrame(rows)
    if len(points):
        points["model"] = [float(np.asarray(v).ravel()[0]) for v in points["model"]]
        used = set(zip(fit_obs["series"], fit_obs["period"], strict=True))
        points["in_sample"] = [(a, b) in used for a, b in zip(points["series"], points["period"], strict=True)]
    monthly = {s.series: _model_monthly(final, s).iloc[:, 0] for s in spec.series}
    return BacktestResult(
        spec=spec,
        fitted=fitted,
        objective=objective,
        n_fit=n_fit,
        points=points,
        errors=_errors(spec, points),
        grid=grid,
        model_monthly=monthly,
        edges=edges,
    )


def plot_backtest(result: BacktestResult, path: Path) -> Path:
    """Model (line) against observed (points) per series, with the cut-off marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(result.spec.series)
    fig, axes = plt.subplots(n, 1, figsize=(8, 2.8 * n), squeeze=False)
    for ax, s in zip(axes[:, 0], result.spec.series, strict=True):
        m = result.model_monthly[s.series]
        ax.plot(pd.PeriodIndex(m.index).to_timestamp(), m.to_numpy(), label="model", color="C0")
        pts: pd.DataFrame = result.points
        if len(pts):
            pts = pts[(pts["series"] == s.series) & (pts["kind"] == "value")]
        if len(pts):
            when = [pd.Period(p, freq="M").to_timestamp() for p in pts["period"]]
            colors = ["C2" if i else "C3" for i in pts["in_sample"]]
            ax.scatter(when, pts["observed"], c=colors, zorder=3, label="observed (green: fit, red: test)")
        ax.axvline(pd.Timestamp(result.spec.fit_until), color="k", ls="--", lw=1, label="cut-off")
        ax.set_title(s.series)
        ax.legend(fontsize=7)
    fig.suptitle(f"{result.spec.name}: fitted {', '.join(f'{k}={v:.3g}' for k, v in result.fitted.items())}", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def check_scenario(spec: BacktestSpec) -> Scenario:
    """The backtest's scenario, validated (raises ScenarioError)."""
    try:
        return load_scenario(spec.scenario)
    except ScenarioError:
        raise
