"""``supplyshock draft``: turn a news report into a draft scenario.

* ``supplyshock draft ARTICLE [--date YYYY-MM-DD] [--out scenario.yaml] [--dataset NAME] [--llm]``
  writes the scenario (provenance as comments), ``<name>.provenance.json`` and, when the
  article reports figures, ``<name>.observed.csv`` (for ``supplyshock observed add``).
* ``supplyshock draft ARTICLE --into SCENARIO [--out FILE] [--window DAYS]`` adds the
  article's events to an existing scenario without duplicating those already there, and
  reports what changed.

ARTICLE is a text or HTML file or a folder of them. Bad input (empty, not English, too
large, no event) stops with one line and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click
import pandas as pd

from supplyshock.cli.output import command, console, echo_json, table
from supplyshock.news import Draft, NoEventError, draft_path
from supplyshock.news.merge import DEFAULT_WINDOW_DAYS, MergeReport, merge_draft
from supplyshock.news.output import Written, write_draft
from supplyshock.news.scenario import Rendered, slug

__all__ = ["draft"]


def _who(ev: Any) -> str:
    if ev.type == "agreement":
        return " + ".join(ev.parties)
    if ev.type == "tariff":
        return f"{ev.actor or '?'} on {ev.target or '?'}"
    dest = "" if ev.destinations == "all" or ev.type not in ("export_ban", "licence", "quota") else " -> " + ", ".join(ev.destinations)
    return f"{ev.actor or '?'}{dest}"


def _events_frame(d: Draft, rendered: list[Rendered] | None) -> pd.DataFrame:
    by = {r.index: r for r in rendered or []}
    rows = []
    for k, ev in enumerate(d.events):
        r = by.get(k)
        rows.append(
            {
                "#": k + 1,
                "type": ev.type + (" (lift)" if ev.lift else ""),
                "who": _who(ev),
                "materials": ", ".join(ev.materials) or "-",
                "date": ev.date.value if ev.date else (f"({ev.announced.value})" if ev.announced else "-"),
                "conf.": f"{ev.confidence:.2f}",
                "scenario": f"{r.status} {r.data.get('id') or ''}".strip() if r else "-",
                "TODO": len(r.todos) if r else 0,
                "sentences": ", ".join(str(i) for i in ev.sentences),
            }
        )
    return pd.DataFrame(rows).set_index("#")


def _summary(d: Draft, extra: str) -> str:
    return f"{d.source}: {len(d.events)} event(s), {len(d.claims)} claim(s), {len(d.observations)} observation(s){extra}"


def _print_written(d: Draft, w: Written) -> None:
    console().print(table(_events_frame(d, w.draft.rendered), title=_summary(d, f"; dataset {w.draft.dataset}")))
    files = [str(w.scenario), str(w.provenance)] + ([f"{w.observed} ({w.observed_rows} row(s) for `supplyshock observed add`)"] if w.observed else [])
    console().print("wrote " + ", ".join(files))
    todos = sum(len(r.todos) for r in w.draft.rendered)
    if todos:
        console().print(f"{todos} TODO(s): values the article does not give; see the comments in {w.scenario}")


def _print_merge(d: Draft, report: MergeReport) -> None:
    console().print(_summary(d, f" -> {report.target}"))
    for line in report.lines():
        console().print(f"  {line}")


def _default_out(article: Path) -> Path:
    stem = article.name if article.is_dir() else article.stem
    return Path(f"{slug(stem)}.yaml")


@command()
@click.argument("article", type=click.Path(path_type=Path))
@click.option(
    "--date", "published", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Publication date (resolves 'on Monday', 'last month')."
)
@click.option(
    "--out", type=click.Path(path_type=Path), default=None, help="Scenario file to write (default: <article>.yaml; with --into: SCENARIO itself)."
)
@click.option("--into", "into", default=None, help="Add the events to this existing scenario instead of writing a new one.")
@click.option("--dataset", default=None, help="Dataset to map materials and countries to (default: the best fit among the embedded ones).")
@click.option("--llm", is_flag=True, help="Use the language model configured by SUPPLYSHOCK_LLM_BASE_URL and SUPPLYSHOCK_LLM_MODEL.")
@click.option(
    "--window",
    type=click.IntRange(0, 365),
    default=DEFAULT_WINDOW_DAYS,
    show_default=True,
    help="With --into: days apart within which two events count as one.",
)
@click.option("--force", is_flag=True, help="Replace existing output files.")
@click.option("--json", "as_json", is_flag=True, help="Print the draft(s) as JSON.")
def draft(
    article: Path,
    published: dt.datetime | None,
    out: Path | None,
    into: str | None,
    dataset: str | None,
    llm: bool,
    window: int,
    force: bool,
    as_json: bool,
) -> None:
    """Draft a scenario from a news report: events, claims and observations, with their source sentences."""
    drafts = draft_path(article, published.date() if published else None, llm=llm)
    with_events = [d for d in drafts if d.events]
    if not with_events:
        names = ", ".join(d.source for d in drafts)
        raise NoEventError(
            f"{names}: no policy event found ({sum(len(d.observations) for d in drafts)} observation(s), "
            f"{sum(len(d.claims) for d in drafts)} claim(s)); nothing was written"
        )
    payload: list[dict[str, Any]] = []
    target = into
    first = True
    for d in with_events:
        if target is None:
            w = write_draft(d, out or _default_out(article), dataset=dataset, force=force)
            target, out = str(w.scenario), None
            payload.append({"draft": d.to_dict(), "files": [str(w.scenario), str(w.provenance), str(w.observed) if w.observed else None]})
            if not as_json:
                _print_written(d, w)
        else:
            report, _text = merge_draft(d, target, out=out if first else None, window_days=window)
            target, out = str(report.target), None
            payload.append({"draft": d.to_dict(), "merge": report.lines(), "target": str(report.target)})
            if not as_json:
                _print_merge(d, report)
        first = False
    for d in drafts:
        if not d.events and not as_json:
            console().print(f"{d.source}: no policy event; skipped")
    if as_json:
        echo_json(payload)
