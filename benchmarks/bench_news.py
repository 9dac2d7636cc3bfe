"""Precision and recall of ``supplyshock draft`` on the labelled news set.

Usage::

    python benchmarks/bench_news.py [--per-report] [--folder tests/data/news]

Every report of ``tests/data/news/labels.yaml`` is drafted with the rule-based backend
(offline) at its ``published`` date, and the drafted events are scored against the labels
for four fields: event **type**, **parties** (actor, agreement parties, tariff target,
listed destinations), **materials** (vocabulary names) and **dates** (effect date).

Matching rules (implemented in :mod:`supplyshock.news.evaluate`):

* a predicted event is matched to at most one labelled item with the same type and lift
  flag, greedily by similarity (shared parties and materials, equal date); the pair must
  share a party or a material (or both have no material);
* labelled ``events`` match one to one; ``background`` items (earlier measures mentioned as
  context) absorb any number of predictions and are neutral: neither hit nor false alarm;
* type: matched prediction = TP, unmatched prediction = FP, unmatched gold event = FN;
* parties, materials, dates: set overlap over matched pairs (TP), the rest of the predicted
  side FP and of the gold side FN; unmatched items count all their elements as FP or FN;
  dates match when one is a prefix of the other ("2025-05" and "2025-05-12");
* micro average over all reports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from supplyshock.news import draft_file
from supplyshock.news.evaluate import FIELDS, evaluate

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    """Print the scores; exit status 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folder", type=Path, default=ROOT / "tests" / "data" / "news")
    parser.add_argument("--per-report", action="store_true", help="also print each report's type precision and recall")
    args = parser.parse_args(argv)

    def draft(path: Path, published: dt.date) -> list:  # type: ignore[type-arg]
        return draft_file(path, published).events

    totals, per = evaluate(args.folder, draft)
    print(f"{'field':<10} {'precision':>9} {'recall':>7} {'tp':>4} {'fp':>4} {'fn':>4}")
    for f in FIELDS:
        s = totals[f]
        print(f"{f:<10} {s.precision:>9.2f} {s.recall:>7.2f} {s.tp:>4} {s.fp:>4} {s.fn:>4}")
    if args.per_report:
        for rid, scores in per.items():
            t = scores["type"]
            print(f"{rid}: type tp={t.tp} fp={t.fp} fn={t.fn}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
