"""What a running server holds: its settings, its run store, its jobs and its caches.

Everything the server writes or reads on behalf of a request lives in its data
directory: the run store ``runs.duckdb``, each run's folder ``results/<job id>/`` (as the
run pipeline writes it) and reports ``reports/<run id>.html``. Routes reach the state
through the dependency :data:`StateDep`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import xarray as xr
from fastapi import Depends, HTTPException, Request

from supplyshock.analysis.memory import MemoryBudget, memory_budget
from supplyshock.errors import SupplyShockError
from supplyshock.server.jobs import JobManager
from supplyshock.server.models import MAX_MEMBER_DAYS
from supplyshock.server.safety import MAX_BODY_BYTES, check_run_id, contained, inside, redact
from supplyshock.store import RunStore, open_results

__all__ = ["ServerConfig", "ServerState", "StateDep", "get_state"]

#: Most bytes of encoded answers (summaries) kept in memory.
MAX_ENCODED_BYTES = 64 * 1024 * 1024
#: Most bytes of results datasets kept in memory (besides ``cached_runs``).
MAX_CACHED_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class ServerConfig:
    """Settings of a server.

    Attributes
    ----------
    data_dir
        The only directory the server reads or writes for requests.
    workers
        Jobs that may run at once.
    queue_size
        Jobs that may wait; a further run request is answered 429.
    max_body_bytes
        Largest request body (413 beyond).
    cached_runs
        Results datasets kept in memory for fast queries.
    sse_timeout
        Seconds a progress stream stays open at most.
    max_member_days
        Most members x simulated days of one run (422 beyond).
    default_scenario
        The built-in scenario the dashboard shows first.
    cached_bytes
        Most bytes of results datasets kept in memory (the least recently used leave).
    token
        The token every request must carry (see :class:`~supplyshock.server.safety.TokenAuth`);
        None: no token (only for a server bound to this machine, see
        :func:`~supplyshock.server.launch.serve`).
    rate_per_minute, runs_per_minute
        Requests, and runs started, per minute per client (429 beyond); 0: no limit.
    cors_origins
        Web origins (``https://host:port``) whose pages may call the API from a browser;
        empty (the default): none, the API answers only its own dashboard.
    memory_budget
        Memory the server's runs may use together (as ``--memory-budget``: ``4GB``,
        ``75%``, ``none``; None: half of the memory available when the run is asked for), shared by the
        ``workers``; a run whose estimate exceeds its share is refused with 422.
    """

    data_dir: Path
    workers: int = 2
    queue_size: int = 8
    max_body_bytes: int = MAX_BODY_BYTES
    cached_runs: int = 8
    sse_timeout: float = 3600.0
    max_member_days: int = MAX_MEMBER_DAYS
    default_scenario: str = "cn-2025-april-controls"
    cached_bytes: int = MAX_CACHED_BYTES
    token: str | None = None
    rate_per_minute: int = 600
    runs_per_minute: int = 60
    cors_origins: tuple[str, ...] = ()
    memory_budget: str | None = None

    def run_budget(self) -> MemoryBudget:
        """The memory budget of one run: the server's budget shared by its workers."""
        return memory_budget(self.memory_budget).share(self.workers)


class _LockedRunStore(RunStore):
    """The server's run store, used by one thread at a time (the calls the server makes)."""

    def __init__(self, path: Path, lock: threading.Lock) -> None:
        super().__init__(path)
        self._lock = lock

    def schema_version(self) -> int:
        with self._lock:
            return super().schema_version()

    def record_run(self, *args: Any, **kwargs: Any) -> str:
        with self._lock:
            return super().record_run(*args, **kwargs)

    def list_runs(self) -> Any:
        with self._lock:
            return super().list_runs()

    def resolve(self, run_id: str) -> str:
        with self._lock:
            return super().resolve(run_id)

    def get_run(self, run_id: str) -> dict[str, Any]:
        with self._lock:
            return super().get_run(run_id)


@dataclass
class ServerState:
    """What a running server holds: its config, run store, jobs and caches."""

    config: ServerConfig
    jobs: JobManager
    store_lock: threading.Lock = field(default_factory=threading.Lock)
    cache_lock: threading.Lock = field(default_factory=threading.Lock)
    datasets: OrderedDict[str, xr.Dataset] = field(default_factory=OrderedDict)
    summaries: dict[tuple[str, bool], dict[str, Any]] = field(default_factory=dict)
    encoded: dict[tuple[str, str], bytes] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        """The data directory, resolved."""
        return self.config.data_dir.resolve()

    def store(self) -> RunStore:
        """Return the server's run store (``runs.duckdb`` in the data directory)."""
        return _LockedRunStore(inside(self.root, "runs.duckdb"), self.store_lock)

    def resolve_run(self, run_id: str) -> str:
        """Return the full id of a run of this server, or raise 404."""
        check_run_id(run_id)
        with self.cache_lock:
            if run_id in self.paths:
                return run_id
        store = self.store()
        if not store.path.exists():
            raise HTTPException(404, f"no run {run_id}: this server has recorded no runs yet")
        try:
            record = store.get_run(run_id)
        except SupplyShockError as exc:
            if "ambiguous" in str(exc):
                raise HTTPException(404, f"run id {run_id!r} is ambiguous: it matches several runs; give more characters") from None
            if "no run" in str(exc):
                raise HTTPException(404, f"no run {run_id!r} on this server; list them with GET /api/runs") from None
            raise HTTPException(503, f"the run store cannot be read now: {self.redact(str(exc))}") from None
        full = str(record["run_id"])
        with self.cache_lock:
            self.paths[full] = contained(self.root, Path(str(record["results_path"])))
        return full

    def results_path(self, run_id: str) -> Path:
        """Return the results file of a run (resolved with :meth:`resolve_run`), checked to lie in the data directory."""
        with self.cache_lock:
            path = self.paths.get(run_id)
        if path is None or not path.is_file():
            raise HTTPException(404, f"results of run {run_id} are missing from the data directory")
        return path

    def load(self, run_id: str) -> xr.Dataset:
        """Return a run's results, from the cache when possible."""
        with self.cache_lock:
            if run_id in self.datasets:
                self.datasets.move_to_end(run_id)
                return self.datasets[run_id]
        try:
            ds = open_results(self.results_path(run_id))
        except SupplyShockError as exc:
            raise HTTPException(404, f"results of run {run_id} cannot be read: {self.redact(str(exc))}") from None
        self.remember(run_id, ds, self.results_path(run_id))
        return ds

    def redact(self, text: str) -> str:
        """A message without the server's paths (see :func:`~supplyshock.server.safety.redact`)."""
        return redact(" ".join(text.split()), self.root)

    def remember(self, run_id: str, ds: xr.Dataset, path: Path) -> None:
        """Keep a run's results in the cache; the least recently used leave beyond
        ``cached_runs`` datasets or ``cached_bytes`` bytes (a dataset larger than that on
        its own is not kept: it is read from its file when asked for)."""
        with self.cache_lock:
            self.paths[run_id] = contained(self.root, path)
            self.datasets[run_id] = ds
            self.datasets.move_to_end(run_id)
            while self.datasets and (
                len(self.datasets) > self.config.cached_runs or sum(int(d.nbytes) for d in self.datasets.values()) > self.config.cached_bytes
            ):
                old, _ = self.datasets.popitem(last=False)
                for key in [k for k in self.summaries if k[0] == old]:
                    del self.summaries[key]
                for key2 in [k for k in self.encoded if k[0] == old]:
                    del self.encoded[key2]

    def cached_summary(self, run_id: str, series: bool, make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Return a run's summary, made once while the run stays cached."""
        with self.cache_lock:
            found = self.summaries.get((run_id, series))
        if found is not None:
            return found
        out = make()
        with self.cache_lock:
            self.summaries[(run_id, series)] = out
        return out

    def cached_bytes(self, run_id: str, what: str, make: Callable[[], bytes]) -> bytes:
        """Return an encoded answer about a run, made once while the run stays cached."""
        with self.cache_lock:
            found = self.encoded.get((run_id, what))
        if found is not None:
            return found
        body = make()
        with self.cache_lock:
            if run_id in self.datasets:
                self.encoded[(run_id, what)] = body
                while sum(len(b) for b in self.encoded.values()) > MAX_ENCODED_BYTES and len(self.encoded) > 1:
                    del self.encoded[next(iter(self.encoded))]
        return body


async def get_state(request: Request) -> ServerState:
    """The state of the application serving a request (a route dependency)."""
    state: ServerState = request.app.state.supplyshock
    return state


#: A route parameter that receives the server's state.
StateDep = Annotated[ServerState, Depends(get_state)]
