"""A bounded pool of worker threads that run simulation jobs, with a bounded queue.

At most ``workers`` jobs run at once; up to ``queue_size`` more wait their turn; a job
submitted beyond that is refused with :class:`QueueFull` (the API answers 429). Each job
reports its progress (simulated days done) through :meth:`Job.report`, which also raises
:class:`JobCancelled` once the pool shuts down, so a running simulation stops at its next
day.
A failed job's error names what went wrong without the server's paths
(:func:`~supplyshock.server.safety.redact`).
"""

from __future__ import annotations

import contextlib
import queue
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from supplyshock.server.safety import redact

__all__ = ["Job", "JobCancelled", "JobManager", "QueueFull"]

#: Finished jobs kept for status queries before the oldest are forgotten.
MAX_FINISHED_JOBS = 500


class QueueFull(Exception):
    """Every worker is busy and the queue is full."""


class JobCancelled(Exception):
    """Raised inside a job when the pool shuts down."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Job:
    """One job: what to run, its state and progress.

    Attributes
    ----------
    job_id
        32 hex digits.
    scenario
        The scenario's name.
    days
        Days to simulate (for progress).
    work
        Called in a worker thread with the job; returns the run id.
    request
        The request settings, echoed in status answers.
    """

    job_id: str
    scenario: str
    days: int
    work: Callable[[Job], str]
    request: dict[str, Any] = field(default_factory=dict)
    status: str = "queued"
    days_done: int = 0
    created: str = field(default_factory=_now)
    started: str | None = None
    finished: str | None = None
    run_id: str | None = None
    error: str | None = None
    cancel: threading.Event = field(default_factory=threading.Event, repr=False)
    changed: threading.Condition = field(default_factory=threading.Condition, repr=False)
    version: int = 0

    def report(self, days_done: int) -> None:
        """Record progress; raise :class:`JobCancelled` when the job should stop.

        Parameters
        ----------
        days_done
            Simulated days done so far.
        """
        if self.cancel.is_set():
            raise JobCancelled(f"job {self.job_id} was cancelled")
        with self.changed:
            self.days_done = max(0, min(int(days_done), self.days))
            self.version += 1
            self.changed.notify_all()

    def _set(self, **values: Any) -> None:
        with self.changed:
            for k, v in values.items():
                setattr(self, k, v)
            self.version += 1
            self.changed.notify_all()

    @property
    def finished_state(self) -> bool:
        """Whether the job is done, failed or cancelled."""
        return self.status in ("done", "failed", "cancelled")

    def as_dict(self) -> dict[str, Any]:
        """Return the job's public state.

        Returns
        -------
        dict
            The fields of :class:`supplyshock.server.models.JobInfo`.
        """
        with self.changed:
            progress = 1.0 if self.status == "done" else (self.days_done / self.days if self.days else 0.0)
            return {
                "job_id": self.job_id,
                "status": self.status,
                "scenario": self.scenario,
                "days_done": self.days_done,
                "days": self.days,
                "progress": round(min(max(progress, 0.0), 1.0), 4),
                "created": self.created,
                "started": self.started,
                "finished": self.finished,
                "run_id": self.run_id,
                "error": self.error,
                "request": dict(self.request),
            }

    def wait_change(self, version: int, timeout: float) -> int:
        """Wait until the job's state changes from ``version`` (or ``timeout`` seconds pass).

        Parameters
        ----------
        version
            The version last seen.
        timeout
            Seconds to wait at most.

        Returns
        -------
        int
            The current version.
        """
        with self.changed:
            if self.version == version and not self.finished_state:
                self.changed.wait(timeout)
            return self.version


class JobManager:
    """Run jobs on a fixed number of worker threads, queueing a bounded number more.

    Parameters
    ----------
    workers
        Jobs that may run at once (at least 1).
    queue_size
        Jobs that may wait for a worker (at least 0); further submissions raise
        :class:`QueueFull`.
    """

    def __init__(self, workers: int = 2, queue_size: int = 8) -> None:
        if workers < 1 or queue_size < 0:
            raise ValueError("workers must be >= 1 and queue_size >= 0")
        self.workers = int(workers)
        self.queue_size = int(queue_size)
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._closed = False

    def _start_threads(self) -> None:
        if self._threads:
            return
        for i in range(self.workers):
            t = threading.Thread(target=self._loop, name=f"supplyshock-job-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def counts(self) -> tuple[int, int]:
        """Return the numbers of running and queued jobs.

        Returns
        -------
        tuple of int
            ``(running, queued)``.
        """
        with self._lock:
            running = sum(1 for j in self._jobs.values() if j.status == "running")
            queued = sum(1 for j in self._jobs.values() if j.status == "queued")
        return running, queued

    def submit(self, scenario: str, days: int, work: Callable[[Job], str], request: dict[str, Any] | None = None) -> Job:
        """Queue a job.

        Parameters
        ----------
        scenario
            The scenario's name.
        days
            Days to simulate.
        work
            Called with the job in a worker thread; returns the run id.
        request
            Settings to echo in status answers.

        Returns
        -------
        Job
            The queued job.

        Raises
        ------
        QueueFull
            When ``queue_size`` jobs already wait, or the manager is shut down.
        """
        job = Job(job_id=secrets.token_hex(16), scenario=scenario, days=max(int(days), 1), work=work, request=dict(request or {}))
        with self._lock:
            if self._closed:
                raise QueueFull("the server is shutting down")
            waiting = sum(1 for j in self._jobs.values() if j.status == "queued")
            running = sum(1 for j in self._jobs.values() if j.status == "running")
            if running + waiting >= self.workers + self.queue_size:
                raise QueueFull(f"{running} job(s) running and {waiting} waiting, the most this server queues; try again when one has finished")
            self._jobs[job.job_id] = job
            self._forget_old()
            self._start_threads()
        self._queue.put(job)
        return job

    def _forget_old(self) -> None:
        finished = [k for k, j in self._jobs.items() if j.finished_state]
        for k in finished[: max(0, len(finished) - MAX_FINISHED_JOBS)]:
            del self._jobs[k]

    def get(self, job_id: str) -> Job | None:
        """Return a job by id, or None.

        Parameters
        ----------
        job_id
            The job's id.

        Returns
        -------
        Job or None
        """
        with self._lock:
            return self._jobs.get(job_id)

    def list(self) -> list[Job]:
        """Return every known job, oldest first.

        Returns
        -------
        list of Job
        """
        with self._lock:
            return list(self._jobs.values())

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            if job.cancel.is_set():
                job._set(status="cancelled", finished=_now(), error="cancelled before it started")
                continue
            job._set(status="running", started=_now())
            try:
                run_id = job.work(job)
            except JobCancelled as exc:
                job._set(status="cancelled", finished=_now(), error=str(exc))
            except Exception as exc:  # a failed job is reported, never kills the worker
                job._set(status="failed", finished=_now(), error=redact(" ".join(f"{type(exc).__name__}: {exc}".split()))[:2000])
            else:
                job._set(status="done", finished=_now(), run_id=run_id, days_done=job.days)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel queued and running jobs and stop the workers.

        Parameters
        ----------
        timeout
            Seconds to wait for each worker thread.
        """
        with self._lock:
            self._closed = True
            jobs = list(self._jobs.values())
        for job in jobs:
            job.cancel.set()
        for _ in self._threads:
            self._queue.put(None)
        for t in self._threads:
            with contextlib.suppress(RuntimeError):
                t.join(timeout)
