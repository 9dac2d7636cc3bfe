"""``draft --into SCENARIO``: add a new article's events to an existing scenario without duplicating them.

A drafted event is a **duplicate** of an event already in the scenario when both have the
same type, the same parties (exporter, importer, country or agreement parties), share a
product (or process) and their dates (``start``, ``date`` or ``decided``) are at most
``window_days`` apart. A lift ends the matching control (sets its ``end``). The file is
edited as text, so its comments and layout are kept: new events are appended to the
``events`` list with their provenance comments, ``start`` and ``horizon_days`` are widened
when a new event falls outside the horizon, and an ``end`` line is written into a lifted
control. The result must validate; otherwise nothing is written.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supplyshock.atomic import StagedFiles
from supplyshock.news.datasets import dataset_view
from supplyshock.news.errors import NewsError
from supplyshock.news.model import Draft
from supplyshock.news.observed_csv import COLUMNS, observation_rows, rows_to_csv
from supplyshock.news.output import companion_paths, require_events
from supplyshock.news.provenance import FORMAT, article_record, sidecar
from supplyshock.news.scenario import MAX_HORIZON, Rendered, event_lines, lift_matches, render_events
from supplyshock.safeyaml import YamlProblem, parse_yaml
from supplyshock.scenario import builtin_scenarios, scenario_text, validate_text

__all__ = ["MergeReport", "merge_draft"]

#: Days within which two events of the same kind count as the same.
DEFAULT_WINDOW_DAYS = 14


@dataclass
class MergeReport:
    """What a merge changed."""

    target: Path
    added: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    observed_rows: int = 0

    def lines(self) -> list[str]:
        """The report as text lines."""
        out = [f"added {x}" for x in self.added] + [f"added (commented, TODO values) {x}" for x in self.pending]
        out += [f"skipped {new}: duplicate of {old}" for new, old in self.duplicates]
        out += [f"changed {x}" for x in self.changed] + [f"not added {x}" for x in self.skipped]
        return out or ["nothing changed"]


def _day_of(ev: dict[str, Any]) -> dt.date | None:
    for key in ("start", "date", "decided"):
        v = ev.get(key)
        if isinstance(v, dt.date):
            return v
    return None


def _who(ev: dict[str, Any]) -> tuple[Any, ...]:
    kind = ev.get("type")
    if kind == "agreement":
        return (kind, tuple(sorted(ev.get("parties") or [])))
    if kind == "tariff":
        imp = ev.get("importer")
        return (kind, tuple(sorted(imp)) if isinstance(imp, list) else (imp,), ev.get("exporter"))
    if kind in ("stockpile_release", "capacity_change"):
        return (kind, ev.get("country"))
    return (kind, ev.get("exporter"))


def _what(ev: dict[str, Any]) -> set[str]:
    return {str(p) for p in ev.get("products") or []} | {str(ev[k]) for k in ("product", "process") if ev.get(k)}


def _same(new: dict[str, Any], old: dict[str, Any], window: int) -> bool:
    if _who(new) != _who(old):
        return False
    if new.get("type") != "agreement" and not (_what(new) & _what(old)):
        return False
    a, b = _day_of(new), _day_of(old)
    return a is not None and b is not None and abs((a - b).days) <= window


def _label(ev: dict[str, Any], k: int) -> str:
    return str(ev.get("id") or f"{ev.get('type')} {k + 1}")


@dataclass
class _Edit:
    """Pending text edits: lines to replace and lines to insert after a line (1-based)."""

    replace: dict[int, str] = field(default_factory=dict)
    insert_after: dict[int, list[str]] = field(default_factory=dict)

    def apply(self, text: str) -> str:
        lines = text.split("\n")
        out: list[str] = []
        for k, line in enumerate(lines, start=1):
            out.append(self.replace.get(k, line))
            out += self.insert_after.get(k, [])
        return "\n".join(out)


def _lift(
    r: Rendered, events: list[dict[str, Any]], lines: dict[tuple[Any, ...], int], text_lines: list[str], edit: _Edit, report: MergeReport
) -> None:
    day = r.data.get("date")
    products = set(r.data.get("products") or [])
    for k, ev in enumerate(events):
        if isinstance(ev.get("end"), dt.date) and ev["end"] == day and ev.get("type") == r.data.get("type") and _what(ev) & products:
            report.duplicates.append((f"lift of {_label(ev, k)}", f"its end {day}"))
            return
        if not isinstance(day, dt.date) or not lift_matches(
            ev, str(r.data.get("type")), r.data.get("exporter"), products, r.data.get("destinations", "all"), day
        ):
            continue
        key_line = lines.get(("events", k, "end")) or lines[("events", k, "start")]
        indent = re.match(r"^(\s*)", text_lines[key_line - 1]).group(1)  # type: ignore[union-attr]
        if ("events", k, "end") in lines:
            edit.replace[key_line] = f"{indent}end: {day}"
        else:
            edit.insert_after[key_line] = [f"{indent}end: {day}  # lifted: {r.notes[0] if r.notes else 'drafted'}"[:300]]
        report.changed.append(f"{_label(ev, k)}: end {day} (lifted)")
        return
    report.skipped.append(f"a lift of {r.data.get('type')} on {', '.join(r.data.get('products') or [])}: no matching control in the scenario")


def _widen(data: dict[str, Any], days: list[dt.date], lines: dict[tuple[Any, ...], int], edit: _Edit, report: MergeReport) -> None:
    start: dt.date = data["start"]
    horizon = int(data.get("horizon_days", 365))
    end = start + dt.timedelta(days=horizon)
    new_start = min([start, *[d.replace(day=1) for d in days]])
    new_end = max([end, *[d + dt.timedelta(days=180) for d in days]])
    new_horizon = (new_end - new_start).days
    if new_horizon > MAX_HORIZON:
        raise NewsError(
            f"the new events lie {new_horizon} days apart from the scenario's; a scenario covers at most {MAX_HORIZON} days; nothing was written"
        )
    if new_start != start:
        edit.replace[lines[("start",)]] = f"start: {new_start}"
        report.changed.append(f"start {start} -> {new_start}")
    if new_horizon != horizon:
        if ("horizon_days",) in lines:
            edit.replace[lines[("horizon_days",)]] = f"horizon_days: {new_horizon}"
        else:
            edit.insert_after.setdefault(lines[("start",)], []).append(f"horizon_days: {new_horizon}")
        report.changed.append(f"horizon_days {horizon} -> {new_horizon}")


def _events_end_line(data: dict[str, Any], lines: dict[tuple[Any, ...], int], n_lines: int) -> int:
    """The last line of the ``events`` block (the line before the next top-level key, or the end)."""
    here = lines[("events",)]
    after = [v for k, v in lines.items() if len(k) == 1 and v > here]
    return (min(after) - 1) if after else n_lines


def merge_draft(draft: Draft, into: str | Path, *, out: Path | None = None, window_days: int = DEFAULT_WINDOW_DAYS) -> tuple[MergeReport, str]:
    """Merge a draft into an existing scenario file and write it (or ``out``) with its sidecar and CSV.

    Parameters
    ----------
    draft : Draft
    into : str or Path
        The scenario to extend (a file; a built-in name needs ``out``).
    out : Path, optional
        Where to write the result (default: ``into`` itself).
    window_days : int
        Dates at most this far apart count as the same event.

    Returns
    -------
    tuple of (MergeReport, str)
        The report and the merged text.

    Raises
    ------
    NoEventError
        The article has no event.
    NewsError
        The scenario is invalid, or the merged scenario does not validate; nothing is written.
    """
    require_events(draft)
    label, text = scenario_text(into)
    target = Path(out) if out is not None else Path(label)
    builtin_dir = {p.resolve().parent for p in builtin_scenarios().values()}
    if out is None and Path(label).resolve().parent in builtin_dir:
        raise NewsError(f"{into}: a built-in scenario cannot be changed in place; pass --out FILE")
    existing, problems = validate_text(text, label)
    if existing is None:
        raise NewsError(f"{label}: the scenario to merge into is not valid:\n" + "\n".join(f"  {p}" for p in problems))
    try:
        doc = parse_yaml(text)
    except YamlProblem as exc:  # pragma: no cover - validate_text parsed it already
        raise NewsError(str(exc)) from exc
    data: dict[str, Any] = doc.data
    lines = doc.line_index()
    view = dataset_view(str(existing.dataset))
    rendered = render_events(draft, view)
    events: list[dict[str, Any]] = list(data.get("events") or [])
    report = MergeReport(target)
    edit = _Edit()
    text_lines = text.split("\n")
    new_blocks: list[str] = []
    ids = {str(e.get("id")) for e in events if e.get("id")}
    for r in rendered:
        if r.status == "lift":
            _lift(r, events, lines, text_lines, edit, report)
            continue
        if r.status == "skipped":
            report.skipped.append(f"{draft.events[r.index].type}: {'; '.join(r.notes[-1:])}")
            continue
        dup = next((k for k, ev in enumerate(events) if _same(r.data, ev, window_days)), None)
        if dup is not None:
            report.duplicates.append((str(r.data.get("id")), _label(events[dup], dup)))
            continue
        while str(r.data.get("id")) in ids:
            r.data["id"] = re.sub(r"-(\d+)$", lambda m: f"-{int(m.group(1)) + 1}", str(r.data["id"]))
        ids.add(str(r.data["id"]))
        new_blocks += event_lines(draft, r)
        (report.added if r.status == "written" else report.pending).append(str(r.data["id"]))
    days = [
        r.day for r in rendered if r.status in ("written", "pending") and r.day is not None and str(r.data.get("id")) in report.added + report.pending
    ]
    if days:
        _widen(data, [d for d in days if d is not None], lines, edit, report)
    if new_blocks:
        if ("events",) not in lines:
            new_blocks = ["events:", *new_blocks]
            edit.insert_after.setdefault(len(text_lines), []).extend(new_blocks)
        else:
            if not events:
                edit.replace[lines[("events",)]] = "events:"
            end_line = _events_end_line(data, lines, len(text_lines))
            while end_line > 1 and not text_lines[end_line - 1].strip():
                end_line -= 1
            edit.insert_after.setdefault(end_line, []).extend(new_blocks)
    merged = edit.apply(text)
    scenario, problems = validate_text(merged, str(target))
    if scenario is None:
        raise NewsError("the merged scenario does not validate; nothing was written:\n" + "\n".join(f"  {p}" for p in problems))
    _write(draft, target, merged, rendered, view.name, scenario.name, report)
    return report, merged


def _write(draft: Draft, target: Path, merged: str, rendered: list[Rendered], dataset: str, name: str, report: MergeReport) -> None:
    prov_path, csv_path = companion_paths(target)
    rows, left_out = observation_rows(draft)
    record = article_record(draft, rendered, left_out)
    if prov_path.exists():
        try:
            old = json.loads(prov_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise NewsError(f"{prov_path}: cannot read the existing sidecar ({exc}); nothing was written") from exc
        articles = old.get("articles", []) if old.get("format") == FORMAT else []
    else:
        articles = []
    data = sidecar(name, dataset, [*articles, record])
    csv_text = _merged_csv(csv_path, rows)
    report.observed_rows = len(rows)
    with StagedFiles() as staged:
        staged.add(target, lambda tmp: tmp.write_text(merged, encoding="utf-8"))
        staged.add(prov_path, lambda tmp: tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"))
        if csv_text is not None:
            staged.add(csv_path, lambda tmp: tmp.write_text(csv_text, encoding="utf-8"))
        staged.commit()


def _merged_csv(path: Path, rows: list[dict[str, str]]) -> str | None:
    """The observed CSV with the new rows added (a row of a series and period already there is kept as it was)."""
    if not rows:
        return None
    import csv

    old: list[dict[str, str]] = []
    if path.exists():
        with open(path, encoding="utf-8", newline="") as fh:
            old = [{c: r.get(c, "") or "" for c in COLUMNS} for r in csv.DictReader(fh)]
    seen = {(r["series"], r["period"]) for r in old}
    return rows_to_csv(old + [r for r in rows if (r["series"], r["period"]) not in seen])
