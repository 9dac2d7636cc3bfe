"""Save, or compare against, reference results of every built-in run.

Before a change that must not alter behaviour (a refactoring), save the results of
today's code; after it, compare. The comparison prints the largest relative difference of
every variable and exits 1 when one exceeds the tolerance.

    python benchmarks/golden.py save /tmp/golden        # on the reference commit
    python benchmarks/golden.py compare /tmp/golden     # on the changed code

What is saved: every built-in scenario (its own members), a 6-member ensemble of
cn-2025-april-controls with uncertain parameters through the vectorised path and through
the chunked path (chunks of 4), the coupled economy of cn-2025-april-controls, the
synthetic input-output parity case (20 regions x 50 sectors, 80 % shock, psi/alt) and
both built-in backtests (fitted values, objective, model points).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import xarray as xr

ENSEMBLE_UNCERTAIN = [
    {"name": "cover_scale", "dist": "uniform", "low": 0.5, "high": 1.5},
    {"name": "approval_scale", "dist": "uniform", "low": 0.5, "high": 1.5},
    {"name": "delay_scale", "dist": "triangular", "low": 0.6, "mode": 1.0, "high": 1.4},
]


def _scenarios() -> list[str]:
    from supplyshock.scenario import builtin_scenarios

    return sorted(builtin_scenarios())


def _clean(ds: xr.Dataset) -> xr.Dataset:
    ds = ds.copy()
    for key in ("created", "supplyshock_version", "scenario_yaml", "scenario_json", "scenario_sha256"):
        ds.attrs.pop(key, None)
    return ds


def _results() -> dict[str, xr.Dataset]:
    import supplyshock as ss
    from supplyshock.analysis.economy import economic_impact
    from supplyshock.economy import ARIOModel, critical_supplier_shock, synthetic_mrio

    try:
        from supplyshock.analysis.chunks import run_ensemble
    except ImportError:  # before the redesign
        from supplyshock.analysis.ensembles import run_ensemble  # type: ignore[no-redef]

    out: dict[str, xr.Dataset] = {}
    for name in _scenarios():
        print(f"scenario {name}", file=sys.stderr)
        out[f"scenario-{name}"] = ss.run(name)
    base = ss.load_scenario("cn-2025-april-controls")
    sc = (
        base.model_copy(update={"uncertain": [type(base.uncertain[0]).model_validate(u) for u in ENSEMBLE_UNCERTAIN]})
        if base.uncertain
        else _with_uncertain(base)
    )
    print("ensemble (vectorised and chunked)", file=sys.stderr)
    out["ensemble-vectorised"] = ss.run(sc, members=6)
    out["ensemble-chunked"] = _legacy_names(run_ensemble(sc, members=6, chunk_size=4, workers=1))
    print("economy", file=sys.stderr)
    out["economy-coupled"] = economic_impact(out["scenario-cn-2025-april-controls"])
    case = synthetic_mrio(20, 50, seed=42)
    res = ARIOModel(case.mrio).run(365, shocks=[critical_supplier_shock(case)])
    out["economy-synthetic"] = res.to_dataset()
    return out


def _legacy_names(ens: xr.Dataset) -> xr.Dataset:
    """Variables saved before the redesign, derived from today's (same numbers, other layout)."""
    if "flow_china_magnet_exports" in ens and "china_magnet_exports_t" not in ens:
        daily = ens["flow_china_magnet_exports"].sel(china_magnet_exports_column="total")
        monthly = daily.resample(time="MS").sum().rename(time="month")
        ens = ens.assign(china_magnet_exports_t=monthly.transpose("member", "month"))
    if "short_count" in ens and "shortfall_probability" not in ens:
        ens = ens.assign(shortfall_probability=ens["short_count"] / ens.sizes["member"])
    return ens


def _with_uncertain(sc):  # type: ignore[no-untyped-def]
    from supplyshock.scenario import Scenario

    data = json.loads(sc.model_dump_json(by_alias=True))
    data["uncertain"] = ENSEMBLE_UNCERTAIN
    return Scenario.model_validate(data)


def _backtests() -> dict[str, dict[str, object]]:
    from supplyshock.analysis.backtest import load_backtest, run_backtest

    out: dict[str, dict[str, object]] = {}
    for name in ("cn-2025-controls", "cn-2010-quota"):
        print(f"backtest {name}", file=sys.stderr)
        res = run_backtest(load_backtest(name))
        out[name] = {
            "fitted": {k: float(v) for k, v in res.fitted.items()},
            "objective": float(res.objective),
            "model": [float(v) for v in res.points["model"]],
        }
    return out


def save(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for key, ds in _results().items():
        _clean(ds).to_netcdf(folder / f"{key}.nc", engine="h5netcdf")
    (folder / "backtests.json").write_text(json.dumps(_backtests(), indent=2))
    print(f"saved to {folder}")


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return float("inf")
    both_nan = np.isnan(a) & np.isnan(b)
    diff = np.where(both_nan, 0.0, np.abs(a - b))
    scale = np.maximum(np.abs(b), 1e-300)
    if not np.isfinite(np.where(both_nan, 0.0, diff)).all():
        return float("inf")
    floor = np.nanmax(np.abs(b), initial=0.0) * 1e-12
    return float(np.max(np.where(both_nan, 0.0, diff / np.maximum(np.nan_to_num(scale, nan=1.0), floor)), initial=0.0))


def compare(folder: Path, tol: float) -> int:
    worst = 0.0
    failed = []
    results = _results()
    for path in sorted(folder.glob("*.nc")):
        key = path.stem
        with xr.open_dataset(path, engine="h5netcdf") as ref_file:
            ref = ref_file.load()
        new = _clean(results[key])
        for name in ref.data_vars:
            if name not in new:
                failed.append(f"{key}:{name} missing")
                continue
            r = _rel(new[name].values, ref[name].values)
            worst = max(worst, r)
            flag = "" if r <= tol else "  <-- differs"
            if r > tol:
                failed.append(f"{key}:{name}")
            print(f"{key:40s} {name:28s} max rel diff {r:.2e}{flag}")
    ref_bt = json.loads((folder / "backtests.json").read_text())
    new_bt = _backtests()
    for name, ref in ref_bt.items():
        new = new_bt[name]
        for part in ("objective",):
            r = _rel(np.array(new[part]), np.array(ref[part]))
            worst = max(worst, r)
            print(f"backtest {name:31s} {part:28s} max rel diff {r:.2e}")
            if r > tol:
                failed.append(f"backtest {name}:{part}")
        r = _rel(np.array(new["model"]), np.array(ref["model"]))
        worst = max(worst, r)
        print(f"backtest {name:31s} {'model points':28s} max rel diff {r:.2e}")
        if r > tol:
            failed.append(f"backtest {name}:model")
        for k, v in ref["fitted"].items():  # type: ignore[union-attr]
            r = _rel(np.array(new["fitted"].get(k, np.nan)), np.array(v))  # type: ignore[union-attr]
            worst = max(worst, r)
            if r > tol:
                failed.append(f"backtest {name}:fitted {k}")
    print(f"largest relative difference: {worst:.2e} (tolerance {tol:.0e})")
    if failed:
        print("differs: " + ", ".join(failed))
        return 1
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=["save", "compare"])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--tol", type=float, default=1e-12, help="largest relative difference allowed (compare)")
    args = ap.parse_args()
    if args.action == "save":
        save(args.folder)
        return 0
    return compare(args.folder, args.tol)


if __name__ == "__main__":
    sys.exit(main())
