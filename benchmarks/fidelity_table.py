"""The evidence table of a scenario: who is short first, when, how much, what it costs, prices.

    python benchmarks/fidelity_table.py cn-2025-april-controls [--members 100] [--json out.json]

Every figure comes from the package's own definitions (analysis.summary.country_table,
loss_bands, price_peaks): per country the first stoppage, the first shortfall, the days
short, the peak shortfall (% of the worst sector's demand), tonnes short per material and
value added lost through the input-output model (p5, p50, p95 over members); the total
loss; price peaks in USD/kg with the share of members at the price ceiling (a model
failure, not a result). Run on two commits to compare a model change.
"""

from __future__ import annotations

import argparse
import json
import sys

import pandas as pd


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("scenario")
    ap.add_argument("--members", type=int, default=None)
    ap.add_argument("--json", dest="json_out", default=None)
    args = ap.parse_args()
    import supplyshock as ss
    from supplyshock.analysis.economy import economic_impact, has_values
    from supplyshock.analysis.metrics import PRICE_RISE_SHOWN
    from supplyshock.analysis.summary import country_table, loss_bands, price_peaks

    ds = ss.run(args.scenario, members=args.members)
    eco = economic_impact(ds) if has_values(ds) else None
    dates = pd.DatetimeIndex(ds["time"].values)
    table = country_table(ds, eco)
    for col in ("first_stoppage_day", "first_shortfall_day"):
        table[col.replace("_day", "_date")] = [dates[int(d)].date().isoformat() if d == d else "" for d in table[col]]
    peaks = price_peaks(ds, min_rise=PRICE_RISE_SHOWN)
    bands = loss_bands(eco) if eco is not None else None
    pd.set_option("display.width", 250)
    pd.set_option("display.max_columns", 30)
    print(f"{args.scenario}: {ds.sizes['member']} member(s), {ds.attrs.get('start')} + {ds.attrs.get('horizon_days')} days")
    print(table.round(2).to_string())
    print(peaks.round(3).to_string())
    if bands is not None:
        print(f"losses ({eco.attrs.get('currency')}, bn):")
        print((bands / 1e9).round(2).to_string())
    if args.json_out:
        out = {
            "scenario": args.scenario,
            "members": int(ds.sizes["member"]),
            "countries": table.reset_index().to_dict("records"),
            "prices": peaks.reset_index().to_dict("records"),
            "losses": None if bands is None else {"currency": eco.attrs.get("currency"), **bands.to_dict("index")},
        }
        with open(args.json_out, "w", encoding="utf-8") as fh:
            json.dump(out, fh, indent=2, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
