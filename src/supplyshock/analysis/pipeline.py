"""One run pipeline: run -> summarise -> economy -> save -> record.

The command line, the server and the Python API all run scenarios through
:func:`execute`, so a run looks the same whoever started it: the same files in its
folder, the same store row, the same summary.

Guarantees, in the order a run meets them:

* the store is opened (created, migrated, its lock taken and released) before anything
  runs, so a store that cannot be written fails the run at once;
* the run folder is claimed before anything runs: a folder holding another run's results
  is refused, and a marker file (:data:`CLAIM_FILE`, created exclusively) keeps two runs
  from writing into one folder at once; the folder of a run that died is taken over (its
  half-written files, and results it wrote but never recorded, are removed);
* the run's peak memory is estimated before it starts (:mod:`supplyshock.analysis.memory`):
  a vectorised run above the budget is refused with the estimate, a chunked one gets a
  smaller chunk (and says so in :attr:`RunOutcome.notes`);
* files are written atomically; the store row (with the results file's checksum) is
  written only after every file is complete; if anything fails, the files written for this
  run are removed, and the folder too when the run created it (no orphan folder).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from supplyshock.analysis.chunks import ensemble_economy, run_ensemble
from supplyshock.analysis.memory import MemoryBudget, memory_budget, plan_run
from supplyshock.analysis.summary import summarise
from supplyshock.engine.run import run_scenario
from supplyshock.errors import StoreError
from supplyshock.scenario import Scenario
from supplyshock.store import RunStore, new_run_id, save_results

__all__ = ["CLAIM_FILE", "RESULTS_FILE", "RunOutcome", "RunRequest", "ensemble_warnings", "execute"]

#: File names inside a run folder.
RESULTS_FILE = "results.nc"
ENSEMBLE_FILE = "ensemble.nc"
ECONOMY_FILE = "economy.nc"
#: Marker of a run folder being written (removed when the run has finished).
CLAIM_FILE = ".supplyshock-run"


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
    memory_budget : MemoryBudget or str, optional
        The run's memory budget (``"4GB"``, ``"75%"``, ``"none"``; default: the
        ``SUPPLYSHOCK_MEMORY_BUDGET`` setting, else half of the available memory).
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
    memory_budget: MemoryBudget | str | None = None

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
    notes: list[str] = field(default_factory=list)


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


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write_claim(marker: Path, run_id: str) -> None:
    fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        json.dump({"run_id": run_id, "pid": os.getpid(), "host": socket.gethostname(), "started": started}, fh)


def _read_claim(marker: Path) -> dict[str, Any] | None:
    """The claim in a marker file, or None when there is none."""
    try:
        return dict(json.loads(marker.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError):
        return {}


def _dead(claim: dict[str, Any]) -> bool:
    """Whether the run that wrote a claim has died (same host, process gone)."""
    pid = int(claim.get("pid", 0) or 0)
    return str(claim.get("host", "")) == socket.gethostname() and pid > 0 and not _pid_alive(pid)


def _recorded(store: RunStore | None, path: Path) -> bool:
    """Whether a store has a run whose results are ``path``."""
    if store is None or not store.path.exists():
        return False
    runs = store.list_runs()
    return bool(len(runs)) and str(path.resolve()) in set(runs["results_path"].astype(str))


def _claim_folder(folder: Path, run_id: str, store: RunStore | None = None) -> bool:
    """Claim the run folder for this run; True if created here.

    Refuses a folder that holds another run's results, or that another live run is
    writing (its :data:`CLAIM_FILE`). A run that died in this folder (its marker names a
    process that is gone) is taken over: its half-written files go, and so do results it
    wrote but never recorded in ``store`` (it died between the two); results it did
    record stay and are refused as any other run's.
    """
    created = False
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"{folder}: exists and is not a folder; choose another --out")
    if not folder.exists():
        try:
            folder.mkdir(parents=True)
            created = True
        except FileExistsError:
            pass  # made by another run a moment ago: the marker below decides
        except OSError as exc:
            raise StoreError(f"cannot create the run folder {folder}: {exc.strerror}") from None
    marker = folder / CLAIM_FILE
    claim = _read_claim(marker)
    taken = [folder / f for f in (RESULTS_FILE, ENSEMBLE_FILE, ECONOMY_FILE) if (folder / f).exists()]
    if claim is not None and _dead(claim):
        for stale in folder.glob(".*.tmp"):
            stale.unlink(missing_ok=True)
        if taken and not any(_recorded(store, p) for p in taken):
            for p in taken:  # written by a run that died before recording them
                p.unlink(missing_ok=True)
            taken = []
        marker.unlink(missing_ok=True)
    if taken:
        raise StoreError(
            f"{folder} already holds the results of another run ({', '.join(p.name for p in taken)}); results are never overwritten: "
            "choose another --out, or delete that run (supplyshock runs delete ID --purge)"
        )
    try:
        _write_claim(marker, run_id)
    except FileExistsError:
        other = _read_claim(marker) or {}
        raise StoreError(
            f"{folder} is being written by run {other.get('run_id', '?')} (process {other.get('pid', '?')} on {other.get('host', '?')}, "
            f"started {other.get('started', '?')}); choose another --out, or wait until it has finished"
        ) from None
    except OSError as exc:
        raise StoreError(f"cannot write in the run folder {folder}: {exc.strerror}") from None
    return created


def _release(folder: Path, *, created: bool, written: list[Path], failed: bool) -> None:
    """Remove the claim marker; after a failure also this run's files (and the folder it created)."""
    if failed:
        for p in written:
            p.unlink(missing_ok=True)
    (folder / CLAIM_FILE).unlink(missing_ok=True)
    if failed and created:
        shutil.rmtree(folder, ignore_errors=True)
    elif failed:
        with contextlib.suppress(OSError):
            for stale in folder.glob(".*.tmp"):  # a write cut short (atomic writes leave only these)
                stale.unlink()


def execute(
    request: RunRequest,
    *,
    progress: Callable[[int], None] | None = None,
    chunk_progress: Callable[[int, int], None] | None = None,
    notice: Callable[[str], None] | None = None,
) -> RunOutcome:
    """Run a scenario, summarise it, save it and record it.

    Parameters
    ----------
    request : RunRequest
    progress : callable(days done), optional
        Progress of a vectorised run.
    chunk_progress : callable(done, total), optional
        Progress of a chunked run.
    notice : callable(str), optional
        Told, before the run starts, of what was changed to make it fit (e.g. a smaller
        chunk for the memory budget); the same texts are in :attr:`RunOutcome.notes`.

    Returns
    -------
    RunOutcome

    Raises
    ------
    StoreError
        The store cannot be opened, the run folder holds another run or is being written
        by one, or the files or the store row cannot be written (the files of this run
        are then removed).
    MemoryBudgetError
        The run would need more memory than its budget (nothing was run).
    """
    run_id = new_run_id()
    folder = Path(request.out_dir) if request.out_dir is not None else Path("supplyshock-out") / run_id
    if request.store is not None:
        request.store.check_writable()  # opens (creates, migrates) the store now: fail before running, not after
    sc = request.scenario
    budget = request.memory_budget if isinstance(request.memory_budget, MemoryBudget) else memory_budget(request.memory_budget)
    notes: list[str] = []

    def note(text: str) -> None:
        notes.append(text)
        if notice is not None:
            notice(text)

    if not request.chunked:
        plan_run(sc, request.n_members, chunk_size=None, economy=request.economy, budget=budget)  # refuses above the budget
    created = _claim_folder(folder, run_id, request.store)
    written: list[Path] = []
    failed = True
    try:
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
                economy=request.economy,
                budget=budget,
                notice=note,
            )
        else:
            ds = run_scenario(sc, members=request.members, params=request.params, progress=progress)
        summary = summarise(ds)
        eco = None
        totals = None
        if request.economy:
            from supplyshock.analysis.economy import economic_impact, has_values
            from supplyshock.analysis.summary import totals_frame

            if request.chunked:
                eco = ensemble_economy(ds)
            elif has_values(ds):
                eco = economic_impact(ds)
            if eco is not None:
                totals = totals_frame(eco, ds)
        results_path = save_results(ds, folder / (ENSEMBLE_FILE if request.chunked else RESULTS_FILE))
        written.append(results_path)
        eco_path = None
        if eco is not None:
            eco_path = save_results(eco, folder / ECONOMY_FILE)
            written.append(eco_path)
        recorded = False
        if request.store is not None:
            params = {"members": request.n_members, "chunked": request.chunked, **request.label}
            if notes:
                params["notes"] = list(notes)
            run_id = request.store.record_run(
                ds, results_path=results_path, summary=summary.reset_index(), params=params, run_id=run_id, totals=totals
            )
            recorded = True
        failed = False
    finally:
        _release(folder, created=created, written=written, failed=failed)
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
        notes=notes,
    )
