"""Write a draft: the scenario YAML, its provenance sidecar and the observed CSV, all or nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from supplyshock.atomic import StagedFiles
from supplyshock.news.errors import NewsError, NoEventError
from supplyshock.news.model import Draft
from supplyshock.news.observed_csv import observation_rows, rows_to_csv
from supplyshock.news.provenance import article_record, sidecar
from supplyshock.news.scenario import ScenarioDraft, scenario_from_draft

__all__ = ["Written", "companion_paths", "write_draft"]


@dataclass(frozen=True)
class Written:
    """What :func:`write_draft` wrote."""

    scenario: Path
    provenance: Path
    observed: Path | None
    draft: ScenarioDraft
    observed_rows: int


def companion_paths(out: Path) -> tuple[Path, Path]:
    """The sidecar and observed CSV that go with a scenario file (``x.yaml`` -> ``x.provenance.json``, ``x.observed.csv``)."""
    stem = out.with_suffix("") if out.suffix in (".yaml", ".yml") else out
    return stem.with_name(stem.name + ".provenance.json"), stem.with_name(stem.name + ".observed.csv")


def require_events(draft: Draft) -> None:
    """Refuse a draft without events (nothing is written for a market report).

    Raises
    ------
    NoEventError
    """
    if not draft.events:
        raise NoEventError(
            f"{draft.source}: no policy event found (a market report, data or comment only: "
            f"{len(draft.observations)} observation(s), {len(draft.claims)} claim(s)); nothing was written"
        )


def write_draft(draft: Draft, out: Path, *, dataset: str | None = None, force: bool = False) -> Written:
    """Write the scenario, its sidecar and (when there are observations) the observed CSV.

    Parameters
    ----------
    draft : Draft
    out : Path
        The scenario file; the sidecar and CSV go beside it.
    dataset : str, optional
    force : bool
        Replace existing files.

    Raises
    ------
    NoEventError
        No event; nothing is written.
    NewsError
        A file exists and ``force`` is false, or the folder does not exist.
    """
    require_events(draft)
    sd = scenario_from_draft(draft, dataset, name=out.stem if out.suffix in (".yaml", ".yml") else None)
    prov_path, csv_path = companion_paths(out)
    rows, left_out = observation_rows(draft)
    targets = [out, prov_path] + ([csv_path] if rows else [])
    existing = [str(p) for p in targets if p.exists()]
    if existing and not force:
        raise NewsError(f"{', '.join(existing)} already exist(s); pass --force to replace, or another --out; nothing was written")
    if not out.parent.exists():
        raise NewsError(f"{out.parent}: no such folder; nothing was written")
    record = sidecar(sd.name, sd.dataset, [article_record(draft, sd.rendered, left_out)])
    with StagedFiles() as staged:
        staged.add(out, lambda tmp: tmp.write_text(sd.text, encoding="utf-8"))
        staged.add(prov_path, lambda tmp: tmp.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"))
        if rows:
            staged.add(csv_path, lambda tmp: tmp.write_text(rows_to_csv(rows), encoding="utf-8"))
        staged.commit()
    return Written(out, prov_path, csv_path if rows else None, sd, len(rows))
