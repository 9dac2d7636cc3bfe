"""Build the observations the 2025 backtest fits on, beyond China's monthly magnet exports.

Reads data-raw/fidelity/facts.csv (sourced facts up to May 2025) and writes
src/supplyshock/data/observed/cn_2025_calibration.csv in the long format of the observed
store (period, series, exporter, importer, product, value, unit, yoy_change_pct,
mom_change_pct, source, note). Every row names the facts rows it comes from.

- April 2025 month-on-month changes of magnet imports from China (USA, India, Korea,
  Germany; importer statistics, Wood Mackenzie): series china_magnet_exports_to_<country>.
- Dy/Tb oxide price index outside China in May 2025 relative to before the controls:
  Europe dysprosium oxide nearly tripled and terbium oxide more than doubled in the month
  after 4 April (SMM, Argus levels); the model's single Dy/Tb product takes the mean of the
  two ratios (an equal-weight assumption: Dy and Tb oxide sold for similar values in 2024).
- Dy/Tb oxide price index inside China in May 2025 relative to March 2025: SMM China
  domestic quotations (monthly means of the quotes in facts.csv), Dy and Tb averaged.

    python data-raw/build_calibration_2025.py          # write
    python data-raw/build_calibration_2025.py --check  # verify the shipped file
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FACTS = ROOT / "data-raw" / "fidelity" / "facts.csv"
OUT = ROOT / "src" / "supplyshock" / "data" / "observed" / "cn_2025_calibration.csv"
COLUMNS = ["period", "series", "exporter", "importer", "product", "value", "unit", "yoy_change_pct", "mom_change_pct", "source", "note"]
PRODUCT = "rare-earth permanent magnets (importer statistics as reported)"


def _facts() -> list[dict[str, str]]:
    return list(csv.DictReader(FACTS.read_text(encoding="utf-8").splitlines()))


def _cite(rows: list[dict[str, str]], idx: list[int]) -> str:
    return "; ".join(f"{rows[i]['source']} [data-raw/fidelity/facts.csv row {i}]" for i in idx)


def _mean_quote(rows: list[dict[str, str]], subject: str, month: str) -> tuple[float, list[int]]:
    idx = [
        i
        for i, r in enumerate(rows)
        if r["topic"] == "price" and r["subject"] == subject and r["year"].startswith(month) and "SMM" in r["metric"] and r["country"] == "CHN"
    ]
    if not idx:
        raise SystemExit(f"no SMM quote of {subject} in {month} in {FACTS}")
    return sum(float(rows[i]["value"]) for i in idx) / len(idx), idx


def build() -> list[dict[str, str]]:
    rows = _facts()
    out: list[dict[str, str]] = []
    names = {"USA": ("china_magnet_exports_to_us", "United States"), "IND": ("china_magnet_exports_to_india", "India")}
    names |= {"KOR": ("china_magnet_exports_to_korea", "South Korea"), "DEU": ("china_magnet_exports_to_germany", "Germany")}
    for i, r in enumerate(rows):
        if r["subject"] == "NdFeB magnet imports from China" and r["year"] == "2025-04" and r["country"] in names:
            series, importer = names[r["country"]]
            out.append(
                {
                    "period": "2025-04",
                    "series": series,
                    "exporter": "China",
                    "importer": importer,
                    "product": PRODUCT,
                    "value": "",
                    "unit": "t",
                    "yoy_change_pct": "",
                    "mom_change_pct": r["value"],
                    "source": _cite(rows, [i]),
                    "note": "April vs March 2025, importer statistics (mirror of China's exports)",
                }
            )
    dy = next(i for i, r in enumerate(rows) if r["subject"] == "dysprosium oxide Europe vs China")
    tb = next(i for i, r in enumerate(rows) if r["subject"] == "terbium oxide Europe vs China")
    outside = ((1 + float(rows[dy]["value"]) / 100) + (1 + float(rows[tb]["value"]) / 100)) / 2
    out.append(
        {
            "period": "2025-05",
            "series": "dytb_oxide_price_index_outside_china",
            "exporter": "World",
            "importer": "World",
            "product": "Dy/Tb oxide price index outside China (pre-control = 1)",
            "value": f"{outside:.6g}",
            "unit": "index",
            "yoy_change_pct": "",
            "mom_change_pct": "",
            "source": _cite(rows, [dy, tb]),
            "note": "derived: mean of the Europe Dy oxide (x3) and Tb oxide (x2, a lower bound) ratios over the month after 4 April 2025",
        }
    )
    ratios = []
    used: list[int] = []
    for subject in ("dysprosium oxide", "terbium oxide"):
        may, i_may = _mean_quote(rows, subject, "2025-05")
        mar, i_mar = _mean_quote(rows, subject, "2025-03")
        ratios.append(may / mar)
        used += i_mar + i_may
    out.append(
        {
            "period": "2025-05",
            "series": "dytb_oxide_price_index_china",
            "exporter": "China",
            "importer": "China",
            "product": "Dy/Tb oxide price index inside China (March 2025 = 1)",
            "value": f"{sum(ratios) / 2:.6g}",
            "unit": "index",
            "yoy_change_pct": "",
            "mom_change_pct": "",
            "source": _cite(rows, sorted(set(used))),
            "note": "derived: mean of the May/March ratios of the SMM China domestic quotations of Dy oxide and Tb oxide (monthly means of the quotes)",
        }
    )
    return out


def to_csv(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail when the shipped file differs from the build")
    args = ap.parse_args()
    text = to_csv(build())
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"out of date: {OUT}", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
