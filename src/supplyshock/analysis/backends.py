"""Where independent jobs run: in this process, in a local process pool, or on Ray.

One function, :func:`map_jobs`, serves the chunked ensembles and the sweeps: each job's
result is handed to ``on_result`` as soon as it is ready (in completion order), so
callers write it away at once and a killed run loses at most the jobs in flight.

No worker outlives its run. A killed parent (even with ``SIGKILL``, which runs no clean-up
code) would leave the workers of a process pool blocked on their job queue for ever, so
every worker process started here dies with the process that started it:

* on Linux the kernel sends it ``SIGKILL`` when its parent dies (``prctl(PR_SET_PDEATHSIG)``,
  set through :mod:`ctypes` as the worker starts);
* on every platform a watchdog thread in the worker checks once a second that its parent
  is still the one that started it, and ends the worker otherwise (a parent that dies
  leaves its children to another process, so the parent id changes);
* a Ray cluster started here for the run (no ``--ray-address``) is shut down when the run
  ends; when the driver dies instead, Ray's own fate sharing ends its raylet and workers,
  and the reaper of :func:`ray_fate_sharing` kills the processes that would outlive it
  (the agents, for a minute or more); a cluster given by address belongs to someone else
  and is left running.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from supplyshock.errors import SupplyShockError

__all__ = ["BACKENDS", "EnsembleError", "die_with_parent", "map_jobs", "ray_fate_sharing", "set_parent_death_signal"]

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


#: Seconds between two checks of the watchdog that ends a worker whose parent has died.
WATCHDOG_SECONDS = 1.0
#: ``PR_SET_PDEATHSIG`` of ``<linux/prctl.h>``.
_PR_SET_PDEATHSIG = 1


def set_parent_death_signal(sig: int = signal.SIGKILL) -> bool:
    """Ask the Linux kernel to send ``sig`` to this process when its parent dies.

    Parameters
    ----------
    sig : int
        The signal (default ``SIGKILL``, which cannot be caught).

    Returns
    -------
    bool
        True when the setting was made (Linux with a C library); False elsewhere.

    Notes
    -----
    ``prctl(2)``: the signal is sent when the *thread* that created the process ends; the
    pools here are created and shut down by one thread, within one call.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int, interval: float) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(1)  # the parent died: no clean-up code, no results to hand on
        time.sleep(interval)


def die_with_parent(parent: int, *, interval: float = WATCHDOG_SECONDS) -> None:
    """Make this (worker) process end when process ``parent`` dies.

    Sets the Linux parent-death signal and starts a watchdog thread (every platform);
    ends at once when ``parent`` has died already.

    Parameters
    ----------
    parent : int
        The id of the process that started this one.
    interval : float
        Seconds between the watchdog's checks.
    """
    set_parent_death_signal()
    if os.getppid() != parent:  # died before the setting was made
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent, interval), name="supplyshock-watchdog", daemon=True).start()


def _local(fn: Callable[[J], R], jobs: Sequence[J], todo: list[int], on_result: Callable[[int, R], None], workers: int | None) -> None:
    n_workers = min(workers or os.cpu_count() or 1, len(todo))
    if n_workers <= 1:
        for i in todo:
            on_result(i, fn(jobs[i]))
        return
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    with ProcessPoolExecutor(n_workers, mp_context=mp.get_context("fork"), initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        running = {pool.submit(fn, jobs[i]): i for i in todo}
        while running:
            ready, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for fut in ready:
                on_result(running.pop(fut), fut.result())


@contextlib.contextmanager
def ray_fate_sharing() -> Iterator[None]:
    """Kill the processes of a Ray cluster started in the block if this process dies.

    Starts the reaper (:mod:`supplyshock.analysis._reaper`, a small script that imports
    nothing of supplyshock) with a pipe on its standard input; on a normal end of the
    block it is told so and exits. When this process dies (even by ``SIGKILL``) the pipe
    closes without that word and the reaper kills the Ray processes that descend from
    this one and started during the block. Linux only (``/proc``); elsewhere a no-op
    beyond Ray's own fate sharing.
    """
    if not os.path.isdir("/proc"):
        yield
        return
    import subprocess
    from pathlib import Path

    script = Path(__file__).with_name("_reaper.py")
    reaper = subprocess.Popen(
        [sys.executable, "-I", str(script), str(os.getpid())],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a Ctrl-C meant for the run does not end the reaper first
    )
    try:
        yield
    finally:
        assert reaper.stdin is not None
        with contextlib.suppress(OSError):
            reaper.stdin.write(b"done\n")
            reaper.stdin.close()
        with contextlib.suppress(Exception):
            reaper.wait(timeout=5)


def _ray(fn: Callable[[J], R], jobs: Sequence[J], todo: list[int], on_result: Callable[[int, R], None], address: str | None) -> None:
    try:
        import ray
    except ImportError:
        raise EnsembleError("the ray backend needs Ray: pip install 'supplyshock[ray]'") from None
    if address and address != "auto" and not address.startswith("ray://"):
        _check_reachable(address)
    with contextlib.ExitStack() as stack:
        started_here = False
        if not ray.is_initialized():
            if not address:
                stack.enter_context(ray_fate_sharing())
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
