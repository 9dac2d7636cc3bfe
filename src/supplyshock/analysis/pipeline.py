"""One run pipeline: run -> summarise -> economy -> save -> record.

The command line, the server and the Python API all run scenarios through
:func:`execute`, so a run looks the same whoever started it: the same files in its
folder, the same store row, the same summary.

Guarantees: a run never writes into a folder that holds another run's results; files are
written atomically; the store row is written only after every file is complete; if
recording fails, the files written for this run are removed (no orphan folder).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from supplyshock.analysis.chunks import run_ensemble
from supplyshock.analysis.summary import summarise
from supplyshock.engine.run import run_scenario
from supplyshock.errors import StoreError
from supplyshock.scenario import Scenario
from supplyshock.store import RunStore, new_run_id, save_results

__all__ = ["RESULTS_FILE", "RunOutcome", "RunRequest", "ensemble_warnings", "execute"]

#: File names inside a run folder.
RESULTS_FILE = "results.nc"
ENSEMBLE_FILE = "ensemble.nc"
ECONOMY_FILE = "economy.nc"


@dataclass
class RunRequest:
    """What to run and where to put it.

    Attributes
    ----------
    scenario : Scenario
        The validated scenario.
    members : int, optional
        Ensemble size (default: the scenario's).
    params : mapping, optional
        Engine parameters per member (replace the scenario's draws).
    chunk_size : int
        Members simulated at once; larger ensembles (or ``backend="ray"``, or a
        ``workdir``) run in chunks and keep per-member metrics only.
    backend, ray_address, workdir, workers
        Where chunks run and where finished chunks are kept (see
        :func:`~supplyshock.analysis.chunks.run_ensemble`).
    economy : bool
        Propagate the output losses through the input-output model (default; the headline
        loss). Runs whose dataset gives no values per tonne are not valued.
    out_dir : Path, optional
        The run folder (default: ``./supplyshock-out/<run id>``); must not hold another
        run's results.
    store : RunStore, optional
        Where the run is recorded (None: not recorded).
    label : dict, optional
        What the caller changed (recorded with the run, e.g. dashboard settings).
    """

    scenario: Scenario
    members: int | None = None
    params: Mapping[str, np.ndarray | float] | None = None
    chunk_size: int = 500
    backend: str = "local"
    ray_address: str | None = None
    workdir: Path | None = None
    workers: int | None = None
    economy: bool = True
    out_dir: Path | None = None
    store: RunStore | None = None
    label: dict[str, Any] = field(default_factory=dict)

    @property
    def n_members(self) -> int:
        """The ensemble size of this run."""
        return int(self.members or self.scenario.members)

    @property
    def chunked(self) -> bool:
        """Whether the run goes through chunks (per-member metrics only)."""
        return self.n_members > self.chunk_size or self.backend == "ray" or self.workdir is not None


@dataclass
class RunOutcome:
    """A finished run: its id, folder, files, results and summary."""

    run_id: str
    folder: Path
    results_path: Path
    results: xr.Dataset
    summary: pd.DataFrame
    chunked: bool
    recorded: bool
    economy: xr.Dataset | None = None
    economy_path: Path | None = None


def ensemble_warnings(scenario: Scenario, members: int, *, explicit: bool) -> list[str]:
    """What a user should hear before an ensemble is run that cannot show uncertainty.

    Members differ only through the scenario's ``uncertain`` parameters (or parameters given
    per member): without any, N members are N copies and their p5-p95 bands have zero width.
    """
    out = []
    if members > 1 and not scenario.uncertain:
        what = "--members" if explicit else "the scenario's members"
        out.append(
            f"{what} {members}: scenario {scenario.name!r} declares nothing uncertain, so the members are identical "
            "copies and every band has zero width; add an 'uncertain:' block (docs/scenario-format.md) or run one member"
        )
    return out


def _claim_folder(folder: Path) -> bool:
    """Create the run folder, refusing one that holds another run's results; True if created here."""
    if folder.exists():
        if not folder.is_dir():
            raise StoreError(f"{folder}: exists and is not a folder; choose another --out")
        taken = [f for f in (RESULTS_FILE, ENSEMBLE_FILE, ECONOMY_FILE) if (folder / f).exists()]
        if taken:
            raise StoreError(
                f"{folder} already holds the results of another run ({', '.join(taken)}); results are never overwritten: "
                "choose another --out or delete that folder (supplyshock runs delete ID --results)"
            )
        return False
    try:
        folder.mkdir(parents=True)
    except OSError as exc:
        raise StoreError(f"cannot create the run folder {folder}: {exc.strerror}") from None
    return True


def execute(
    request: RunRequest,
    *,
    progress: Callable[[int], None] | None = None,
    chunk_progress: Callable[[int, int], None] | None = None,
) -> RunOutcome:
    """Run a scenario, summarise it, save it and record it.

    Parameters
    ----------
    request : RunRequest
    progress : callable(days done), optional
        Progress of a vectorised run.
    chunk_progress : callable(done, total), optional
        Progress of a chunked run.

    Returns
    -------
    RunOutcome

    Raises
    ------
    StoreError
        The run folder holds another run, or the store cannot be written (the files of
        this run are then removed).
    """
    run_id = new_run_id()
    folder = Path(request.out_dir) if request.out_dir is not None else Path("supplyshock-out") / run_id
    if request.store is not None:
        request.store.schema_version()  # opens (and migrates) the store now: fail before running, not after
    sc = request.scenario
    if request.chunked:
        ds = run_ensemble(
            sc,
            members=request.n_members,
            params=request.params,
            chunk_size=request.chunk_size,
            backend=request.backend,
            ray_address=request.ray_address,
            workdir=request.workdir,
            workers=request.workers,
            progress=chunk_progress,
        )
    else:
        ds = run_scenario(sc, members=request.members, params=request.params, progress=progress)
    summary = summarise(ds)
    eco = None
    totals = None
    if request.economy and not request.chunked:
        from supplyshock.analysis.economy import economic_impact, has_values
        from supplyshock.analysis.summary import totals_frame

        if has_values(ds):
            eco = economic_impact(ds)
            totals = totals_frame(eco, ds)
    created = _claim_folder(folder)
    written: list[Path] = []
    try:
        results_path = save_results(ds, folder / (ENSEMBLE_FILE if request.chunked else RESULTS_FILE))
        written.append(results_path)
        eco_path = None
        if eco is not None:
            eco_path = save_results(eco, folder / ECONOMY_FILE)
            written.append(eco_path)
        recorded = False
        if request.store is not None:
            params = {"members": request.n_members, "chunked": request.chunked, **request.label}
            run_id = request.store.record_run(
                ds, results_path=results_path, summary=summary.reset_index(), params=params, run_id=run_id, totals=totals
            )
            recorded = True
    except BaseException:
        for p in written:
            p.unlink(missing_ok=True)
        if created:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return RunOutcome(
        run_id=run_id,
        folder=folder,
        results_path=results_path,
        results=ds,
        summary=summary,
        chunked=request.chunked,
        recorded=recorded,
        economy=eco,
        economy_path=eco_path,
    )
