"""Precision and recall of ``supplyshock draft`` on the labelled news set.

Usage::

    python benchmarks/bench_news.py [--per-report] [--set development|held-out|both] [--folder DIR]

Two labelled sets are scored, and printed separately:

* **development** (``tests/data/news``, 36 reports): read while the rules were written, so
  its scores are in-sample;
* **held-out** (``tests/data/news/heldout``, 14 reports): written and labelled before the
  drafter first read them, and never used to tune it (see its README); its scores are the
  ones that say how the drafter does on new text.

Every report of a set's ``labels.yaml`` is drafted with the rule-based backend (offline)
at its ``published`` date, and the drafted events are scored against the labels for four
fields: event **type**, **parties** (actor, agreement parties, tariff target, listed
destinations), **materials** (vocabulary names, the "products") and **dates** (effect
date). ``--folder`` scores one other folder of the same layout instead.

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
from supplyshock.news.evaluate import FIELDS, Score, evaluate

ROOT = Path(__file__).resolve().parents[1]
NEWS = ROOT / "tests" / "data" / "news"
#: The labelled sets, in print order: name -> folder.
SETS = {"development": NEWS, "held-out": NEWS / "heldout"}


def _draft(path: Path, published: dt.date) -> list:  # type: ignore[type-arg]
    return draft_file(path, published).events


def score(folder: Path) -> tuple[dict[str, Score], dict[str, dict[str, Score]]]:
    """Draft and score every report of one labelled folder."""
    return evaluate(folder, _draft)


def table(name: str, folder: Path, totals: dict[str, Score], reports: int) -> str:
    """The scores of one set as a small table."""
    lines = [f"{name} set: {reports} reports ({folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder})"]
    lines.append(f"{'field':<10} {'precision':>9} {'recall':>7} {'tp':>4} {'fp':>4} {'fn':>4}")
    for f in FIELDS:
        s = totals[f]
        lines.append(f"{f:<10} {s.precision:>9.2f} {s.recall:>7.2f} {s.tp:>4} {s.fp:>4} {s.fn:>4}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the scores of each set; exit status 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", choices=[*SETS, "both"], default="both", help="which labelled set to score (default: both, printed apart)")
    parser.add_argument("--folder", type=Path, default=None, help="score this folder (with its labels.yaml) instead of the named sets")
    parser.add_argument("--per-report", action="store_true", help="also print each report's type precision and recall")
    args = parser.parse_args(argv)
    chosen = {"folder": args.folder} if args.folder else (SETS if args.set == "both" else {args.set: SETS[args.set]})
    blocks = []
    for name, folder in chosen.items():
        totals, per = score(folder)
        block = table(name, folder, totals, len(per))
        if args.per_report:
            block += "\n" + "\n".join(f"  {rid}: type tp={s['type'].tp} fp={s['type'].fp} fn={s['type'].fn}" for rid, s in per.items())
        blocks.append(block)
    print("\n\n".join(blocks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
