"""The evidence table of a scenario: who is short first, when, how much, what it costs, prices.

    python benchmarks/fidelity_table.py cn-2025-april-controls [--members 50] [--json out.json]

Per country (all sectors together): the first short day and date, the peak shortfall (% of
the country's demand), the days with a shortfall, the tonnes short, value added lost
through the input-output layer (USD bn, 2011 prices) with p5-p95 over members, and the
price peaks in USD/kg per market and product. Run on two commits to compare a model change.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
import pandas as pd


def country_table(ds, members: int) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    from supplyshock.analysis.economy import economic_impact

    sub = ds.isel(scenario=0)
    demand = sub["demand"].sum("sector")
    short = sub["shortfall"].sum("sector")
    ratio = (short / demand.where(demand > 0)).fillna(0.0)
    is_short = ratio > 0.001
    rows = {}
    eco = economic_impact(ds)
    va = (eco["value_added_loss_direct"] + eco["value_added_loss_indirect"]).sum("time")  # (member, region, sector)
    va_region = va.sum("sector")
    from supplyshock.network import load_network

    dataset = ds.attrs.get("dataset", "rare-earths")
    net = load_network(dataset.split("+") if "+" in dataset else dataset)
    regions = dict(zip(net.tables["countries"]["country"], net.tables["countries"]["mrio_region"], strict=True))
    dates = pd.DatetimeIndex(sub["time"].values)
    for c in sub["country"].values:
        if float(demand.sel(country=c).sum()) <= 0:
            continue
        first = is_short.sel(country=c).argmax("time").where(is_short.sel(country=c).any("time"))
        first_med = float(np.nanmedian(first.values)) if np.isfinite(first.values).any() else np.nan
        days_short = is_short.sel(country=c).sum("time").values
        reg = regions.get(str(c))
        share_members = []
        # value added of the country's region, shared among the dataset countries mapped to it by demand
        same = [k for k, v in regions.items() if v == reg and k in sub["country"].values]
        w = float(demand.sel(country=c).sum()) / max(1e-12, float(demand.sel(country=same).sum()))
        if reg in va_region["region"].values:
            share_members = (va_region.sel(region=reg).values * w) / 1e3  # USD million -> bn
        rows[str(c)] = {
            "first_short_day": first_med,
            "first_short_date": dates[int(first_med)].date().isoformat() if np.isfinite(first_med) else "",
            "p_short": float(np.isfinite(first.values).mean()),
            "peak_pct": float(np.median(ratio.sel(country=c).max("time").values) * 100),
            "days_short": float(np.median(days_short)),
            "short_t": float(np.median(short.sel(country=c).sum("time").values)),
            "va_lost_bn_p50": float(np.median(share_members)) if len(share_members) else np.nan,
            "va_lost_bn_p5": float(np.percentile(share_members, 5)) if len(share_members) else np.nan,
            "va_lost_bn_p95": float(np.percentile(share_members, 95)) if len(share_members) else np.nan,
        }
    out = pd.DataFrame.from_dict(rows, orient="index").rename_axis("country")
    return out.sort_values(["first_short_day", "peak_pct"], ascending=[True, False])


def price_table(ds) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    pi = ds["price_index"].isel(scenario=0)
    p0 = ds["price0"]
    rows = []
    for k in pi["market"].values:
        for p in pi["product"].values:
            series = pi.sel(market=k, product=p)
            peak = series.max("time")
            if float(peak.median()) <= 1.001:
                continue
            usd = float(p0.sel(product=p)) / 1000.0 if np.isfinite(float(p0.sel(product=p))) else np.nan
            rows.append(
                {
                    "market": str(k),
                    "product": str(p),
                    "peak_index_p50": float(peak.median()),
                    "peak_usd_per_kg_p50": float(peak.median()) * usd,
                    "peak_usd_per_kg_p5": float(peak.quantile(0.05)) * usd,
                    "peak_usd_per_kg_p95": float(peak.quantile(0.95)) * usd,
                    "baseline_usd_per_kg": usd,
                }
            )
    return pd.DataFrame(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario")
    ap.add_argument("--members", type=int, default=None)
    ap.add_argument("--json", dest="json_out", default=None)
    args = ap.parse_args()
    import supplyshock as ss

    ds = ss.run(args.scenario, members=args.members)
    m = ds.sizes["member"]
    ct = country_table(ds, m)
    pt = price_table(ds)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    print(f"{args.scenario}: {m} member(s), {ds.attrs.get('start')} + {ds.attrs.get('horizon_days')} days")
    print(ct.round(2).to_string())
    print(pt.round(2).to_string(index=False))
    total = ct[["va_lost_bn_p5", "va_lost_bn_p50", "va_lost_bn_p95"]].sum()
    print(f"value added lost, all countries (sum of per-country quantiles, USD bn 2011): p50 {total['va_lost_bn_p50']:.1f}")
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as fh:
            json.dump({"countries": ct.reset_index().to_dict("records"), "prices": pt.to_dict("records")}, fh, indent=2, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
