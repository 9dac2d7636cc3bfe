"""Where independent jobs run: in this process, in a local process pool, or on Ray.

One function, :func:`map_jobs`, serves the chunked ensembles and the sweeps: each job's
result is handed to ``on_result`` as soon as it is ready (in completion order), so
callers write it away at once and a killed run loses at most the jobs in flight.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from supplyshock.errors import SupplyShockError

__all__ = ["BACKENDS", "EnsembleError", "map_jobs"]

#: The backends a caller may name.
BACKENDS = ("local", "ray")

J = TypeVar("J")
R = TypeVar("R")


class EnsembleError(SupplyShockError):
    """An ensemble cannot run (bad backend, unreachable cluster, stale work directory)."""


def _check_reachable(address: str, timeout: float = 3.0) -> None:
    """Fail fast (instead of Ray's long retries) when nothing listens at host:port."""
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout):
            return
    except (OSError, ValueError) as exc:
        raise EnsembleError(
            f"cannot reach the Ray cluster at {address!r} ({exc}); start it with `ray start --head` or drop --ray-address to start a local cluster"
        ) from None


def _local(fn: Callable[[J], R], jobs: Sequence[J], todo: list[int], on_result: Callable[[int, R], None], workers: int | None) -> None:
    n_workers = min(workers or os.cpu_count() or 1, len(todo))
    if n_workers <= 1:
        for i in todo:
            on_result(i, fn(jobs[i]))
        return
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    with ProcessPoolExecutor(n_workers, mp_context=mp.get_context("fork")) as pool:
        running = {pool.submit(fn, jobs[i]): i for i in todo}
        while running:
            ready, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for fut in ready:
                on_result(running.pop(fut), fut.result())


def _ray(fn: Callable[[J], R], jobs: Sequence[J], todo: list[int], on_result: Callable[[int, R], None], address: str | None) -> None:
    try:
        import ray
    except ImportError:
        raise EnsembleError("the ray backend needs Ray: pip install 'supplyshock[ray]'") from None
    if address and address != "auto" and not address.startswith("ray://"):
        _check_reachable(address)
    started_here = False
    if not ray.is_initialized():
        try:
            if address:
                ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)
            else:
                ray.init(ignore_reinit_error=True, log_to_driver=False, include_dashboard=False, num_cpus=os.cpu_count())
        except Exception as exc:  # ray raises ConnectionError, RuntimeError, ... depending on the failure
            raise EnsembleError(
                f"cannot connect to the Ray cluster at {address!r}: {str(exc).splitlines()[0]}; "
                "start it with `ray start --head` or drop --ray-address for a local cluster"
            ) from None
        started_here = True
    try:
        remote = ray.remote(fn)
        pending: dict[Any, int] = {remote.remote(jobs[i]): i for i in todo}
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                on_result(pending.pop(ref), ray.get(ref))
    finally:
        if started_here and address is None:
            ray.shutdown()


def map_jobs(
    fn: Callable[[J], R],
    jobs: Sequence[J],
    on_result: Callable[[int, R], None],
    *,
    todo: list[int] | None = None,
    backend: str = "local",
    ray_address: str | None = None,
    workers: int | None = None,
) -> None:
    """Run ``fn(jobs[i])`` for each index in ``todo`` (default: all) and hand each result on.

    Parameters
    ----------
    fn : callable
        A picklable function of one job.
    jobs : sequence
        The jobs.
    on_result : callable(index, result)
        Called in the calling process as each job finishes.
    todo : list of int, optional
        Indices still to run (others were done before, e.g. by a killed run).
    backend : {"local", "ray"}
        ``local``: this process when one worker suffices, else a process pool;
        ``ray``: a Ray cluster (``ray_address``; None starts a local one).
    workers : int, optional
        Processes of the local pool (default: one per CPU, at most one per job).
    """
    idx = list(range(len(jobs))) if todo is None else todo
    if backend == "local":
        _local(fn, jobs, idx, on_result, workers)
    elif backend == "ray":
        _ray(fn, jobs, idx, on_result, ray_address)
    else:
        raise EnsembleError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
