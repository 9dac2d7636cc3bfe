"""Peak memory of a run, estimated before it starts, and the budget it must fit.

A run's memory grows with members x days x the values recorded each day. A vectorised run
keeps every recorded variable day by day (:class:`~supplyshock.engine.results.Recorder`)
and then copies them onto the full (country x product, country x sector, link, market)
grids to label them; a chunked run keeps only the engine's state for the members of the
chunks in flight and, for every member, its metrics and headline flows. The estimate
adds these up from the scenario's own grid sizes:

* ``daily``: bytes per member of the recorded variables over the horizon, once on the
  active grid and once on the full grid (:data:`~supplyshock.engine.results.VARIABLES`);
* ``state``: bytes per member of the engine's state and per-member set-up arrays, and of
  what one simulated day allocates on top of them (its flows and temporaries), measured on
  the model itself: set up for four and for eight members, two days stepped under
  :mod:`tracemalloc`;
* ``output``: bytes per member of a chunked run's result (metrics per country and sector,
  demand level and headline flows by day), counted twice (the chunks and their join);
* ``fixed``: the set-up arrays that do not depend on the members.

Measured against the peak resident memory of real runs (``benchmarks/bench_memory.py``)
the estimate is an upper bound: 10 to 20 % above the measured peak of vectorised runs,
up to 50 % above that of chunked ones.

The **budget** is, by default, half of the memory available when the run starts
(``MemAvailable`` of ``/proc/meminfo``, or the container's limit when it is lower). It is
set with ``--memory-budget`` on the command line, :data:`BUDGET_ENV` in the environment,
or ``memory_budget`` in the server's settings: a size (``4GB``, ``512MB``), a share of the
available memory (``75%``) or ``none`` (no limit). Above the budget a chunked run gets a
smaller chunk (and says so); a vectorised run, whose daily results cannot be split, is
refused with the estimate and what to change.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from supplyshock.errors import SupplyShockError

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "BUDGET_ENV",
    "DEFAULT_SHARE",
    "ECONOMY_VALUES",
    "PROCESS_BYTES",
    "REPORT_COPIES",
    "STATE_FACTOR",
    "MemoryBudget",
    "MemoryBudgetError",
    "MemoryEstimate",
    "MemoryPlan",
    "available_memory",
    "estimate",
    "format_bytes",
    "memory_budget",
    "parse_budget",
    "plan_run",
    "run",
]

#: Environment variable holding the memory budget (see :func:`parse_budget`).
BUDGET_ENV = "SUPPLYSHOCK_MEMORY_BUDGET"
#: Share of the available memory a run may use when no budget is given.
DEFAULT_SHARE = 0.5
#: Copies of a member's state (with one day's allocations) counted; 1: the measured bytes.
STATE_FACTOR = 1
#: Values per member, day and (region, sector) cell of the input-output model held at once
#: (measured on chunks of the rare-earth baseline, ``benchmarks/bench_memory.py``).
ECONOMY_VALUES = 16
#: Resident memory of one worker process of a chunked run before its first chunk (its copy of
#: the interpreter, numpy and the model; measured about 250 MB with ``/usr/bin/time -v`` on a
#: 2-core Linux machine); counted for each worker process when chunks run in parallel.
PROCESS_BYTES = 250_000_000
#: Copies of a vectorised run's daily results a report makes (its figures and tables; measured
#: +580 MB on a 5-member, 3,650-day run whose daily results take 1.27 GB).
REPORT_COPIES = 1
_BYTES = 8  # float64


class MemoryBudgetError(SupplyShockError):
    """A run would need more memory than its budget allows (the message gives the estimate)."""


def format_bytes(n: float) -> str:
    """A byte count for people: ``'3.1 GB'``, ``'640 MB'`` (powers of 1000)."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n:,.0f} bytes"


# ---------------------------------------------------------------------- the budget


def _read_int(path: str) -> int | None:
    try:
        text = Path(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _cgroup_room() -> int | None:
    """Memory left under this process's cgroup limit (v2, else v1), or None without one."""
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ):
        limit, usage = _read_int(limit_file), _read_int(usage_file)
        if limit is not None and usage is not None and limit < 1 << 60:
            return max(limit - usage, 0)
    return None


def available_memory() -> int | None:
    """Bytes of memory available to new work now, or None when it cannot be told.

    Linux: ``MemAvailable`` of ``/proc/meminfo``, lowered to the room left under the
    cgroup (container) limit; elsewhere the free physical pages (``sysconf``).
    """
    found: int | None = None
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    found = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError):
        found = None
    if found is None:
        try:
            found = int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
        except (AttributeError, ValueError, OSError):
            found = None
    room = _cgroup_room()
    if room is not None:
        found = room if found is None else min(found, room)
    return found


@dataclass(frozen=True)
class MemoryBudget:
    """How much memory a run may use.

    Attributes
    ----------
    limit : int or None
        Bytes; None: no limit.
    source : str
        Where it comes from, for messages (e.g. ``"half of the 23.5 GB available"``).
    """

    limit: int | None
    source: str

    def describe(self) -> str:
        """The budget and where it comes from, for messages."""
        return "no limit" if self.limit is None else f"{format_bytes(self.limit)} ({self.source})"

    def share(self, parts: int) -> MemoryBudget:
        """The budget of one of ``parts`` runs sharing this one (e.g. a server's workers)."""
        if self.limit is None or parts <= 1:
            return self
        return MemoryBudget(self.limit // parts, f"{self.source}, shared by {parts} workers")


_SIZE_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]?i?b?)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12}
_UNITS.update({"kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4, "ki": 1024, "mi": 1024**2, "gi": 1024**3, "ti": 1024**4})


def parse_budget(text: str | int | float | None, *, available: int | None = None, origin: str = "--memory-budget") -> MemoryBudget:
    """Read a memory budget.

    Parameters
    ----------
    text : str, int, float or None
        ``None`` or ``""``: the default, :data:`DEFAULT_SHARE` of the available memory; a
        number of bytes; a size with a unit (``4GB``, ``512 MB``, ``2GiB``); a share of the
        available memory (``75%``); ``none``/``unlimited``: no limit.
    available : int, optional
        Bytes available (default: :func:`available_memory`).
    origin : str
        Where the text comes from, for messages.

    Returns
    -------
    MemoryBudget

    Raises
    ------
    MemoryBudgetError
        When the text is none of the above.
    """
    avail = available_memory() if available is None else available
    if text is None or (isinstance(text, str) and not text.strip()):
        if avail is None:
            return MemoryBudget(None, "the available memory cannot be read on this system")
        return MemoryBudget(int(avail * DEFAULT_SHARE), f"half of the {format_bytes(avail)} available")
    if isinstance(text, int | float):
        if text <= 0:
            raise MemoryBudgetError(f"{origin}: a memory budget must be positive, got {text}")
        return MemoryBudget(int(text), origin)
    key = text.strip().lower()
    if key in ("none", "unlimited", "off"):
        return MemoryBudget(None, f"{origin} {text.strip()}")
    if key.endswith("%"):
        try:
            pct = float(key[:-1])
        except ValueError:
            pct = -1.0
        if not 0 < pct <= 100:
            raise MemoryBudgetError(f"{origin}: {text!r} is not a share between 0% and 100%")
        if avail is None:
            return MemoryBudget(None, f"{origin} {text.strip()}, but the available memory cannot be read on this system")
        return MemoryBudget(int(avail * pct / 100), f"{pct:g}% of the {format_bytes(avail)} available")
    m = _SIZE_RE.match(key)
    if m is None or m.group(2) not in _UNITS or float(m.group(1)) <= 0:
        raise MemoryBudgetError(f"{origin}: {text!r} is not a memory size; write e.g. 4GB, 512MB, 75% or none")
    return MemoryBudget(int(float(m.group(1)) * _UNITS[m.group(2)]), f"{origin} {text.strip()}")


def memory_budget(value: str | int | float | None = None) -> MemoryBudget:
    """The budget of a run: ``value`` if given, else :data:`BUDGET_ENV`, else the default.

    Parameters
    ----------
    value : str, int, float or None
        As in :func:`parse_budget`.

    Returns
    -------
    MemoryBudget
    """
    if value is not None and not (isinstance(value, str) and not value.strip()):
        return parse_budget(value)
    env = os.environ.get(BUDGET_ENV, "")
    if env.strip():
        return parse_budget(env, origin=f"${BUDGET_ENV}")
    return parse_budget(None)


# ---------------------------------------------------------------------- the estimate


_budget_from = memory_budget  # for :func:`run`, whose keyword has the same name


def _nbytes(obj: object, seen: set[int]) -> int:
    """Bytes of the numpy arrays an object holds (dataclasses, dicts, lists, attributes)."""
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return int(obj.nbytes)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return sum(_nbytes(getattr(obj, f.name), seen) for f in dataclasses.fields(obj))
    if isinstance(obj, Mapping):
        return sum(_nbytes(v, seen) for v in obj.values())
    if isinstance(obj, list | tuple):
        return sum(_nbytes(v, seen) for v in obj)
    return 0


def _day_bytes(setup: object, state: object) -> int:
    """Bytes two simulated days allocate beyond what is held (traced; the state is changed)."""
    import tracemalloc

    from supplyshock.engine.step import step

    outer = tracemalloc.is_tracing()
    if not outer:
        tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    current = state
    try:
        for _ in range(2):
            current, _flows = step(setup, current, inplace=True)  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not outer:
            tracemalloc.stop()
    return max(int(peak - before), 0)


@dataclass(frozen=True)
class MemoryEstimate:
    """Peak memory of a run, estimated from its sizes (bytes).

    Attributes
    ----------
    members, days : int
        Ensemble size and horizon.
    chunk_size : int or None
        Members simulated at once; None for a vectorised run (all at once, daily results).
    workers : int
        Chunks in flight at once.
    values_per_day : int
        Values recorded per member and day (all result variables, active grid + full grid).
    daily, state, output, fixed : int
        Bytes per member of the daily results, of the engine's state (with what a day
        allocates), of a chunked run's result; bytes independent of the members.
    chunk_daily : int
        Bytes per member in flight of a chunked run's daily arrays (the output losses and
        the input-output model's days, with ``economy``; else 0).
    """

    members: int
    days: int
    chunk_size: int | None
    workers: int
    values_per_day: int
    daily: int
    state: int
    output: int
    fixed: int
    chunk_daily: int = 0

    @property
    def total(self) -> int:
        """The estimated peak, in bytes."""
        if self.chunk_size is None:
            return int(self.fixed + self.members * (self.daily + STATE_FACTOR * self.state))
        chunks_at_once = min(self.workers, -(-self.members // self.chunk_size))
        in_flight = chunks_at_once * self.chunk_size
        return int(
            self.fixed
            + self._processes(chunks_at_once)
            + in_flight * (STATE_FACTOR * self.state + self.output + self.chunk_daily)
            + 2 * self.members * self.output
        )

    @staticmethod
    def _processes(chunks_at_once: int) -> int:
        """The worker processes' own memory: none when chunks run one at a time in this process."""
        return PROCESS_BYTES * chunks_at_once if chunks_at_once > 1 else 0

    def with_chunk(self, chunk_size: int | None) -> MemoryEstimate:
        """The same run with another chunk size (None: vectorised)."""
        return dataclasses.replace(self, chunk_size=chunk_size)

    def largest_chunk(self, limit: int) -> int:
        """The largest chunk size whose estimate fits in ``limit`` bytes (0: none fits)."""
        room = limit - self.fixed - self._processes(min(self.workers, self.members)) - 2 * self.members * self.output
        per = min(self.workers, self.members) * (STATE_FACTOR * self.state + self.output + self.chunk_daily)
        return int(max(0, min(self.members, room // per))) if per > 0 else self.members

    def largest_vectorised(self, limit: int) -> int:
        """The most members whose daily results fit in ``limit`` bytes at once (0: none)."""
        per = self.daily + STATE_FACTOR * self.state
        return int(max(0, (limit - self.fixed) // per)) if per > 0 else self.members

    def describe(self) -> str:
        """The estimate with what it is made of, for messages."""
        if self.chunk_size is None:
            how = f"{self.members:,} members x {self.days:,} days x {self.values_per_day:,} values a day, all kept in memory"
        else:
            how = f"{self.members:,} members in chunks of {self.chunk_size:,}, {self.workers} at once, x {self.days:,} days"
        return f"about {format_bytes(self.total)} ({how})"


def estimate(
    scenario: object,
    members: int,
    *,
    chunk_size: int | None = None,
    workers: int = 1,
    economy: bool = False,
    report: bool = False,
    network: object = None,
) -> MemoryEstimate:
    """Estimate the peak memory of a run before starting it.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario (its dataset is loaded and its policy compiled; nothing is
        simulated).
    members : int
        Ensemble size.
    chunk_size : int, optional
        Members per chunk of a chunked run; None for a vectorised run.
    workers : int
        Chunks simulated at once.
    economy : bool
        The run also goes through the input-output model (daily losses per member).
    report : bool
        A report is written from the daily results (:data:`REPORT_COPIES` more copies).
    network : SupplyNetwork, optional
        The network the run uses (default: the scenario's dataset).

    Returns
    -------
    MemoryEstimate
    """
    from supplyshock.engine.results import VARIABLES
    from supplyshock.engine.run import member_values, prepare
    from supplyshock.engine.setup import build_setup
    from supplyshock.engine.state import initial_state

    prep = prepare(scenario, network)  # type: ignore[arg-type]
    sc = prep.scenario
    held: list[int] = []
    stepped: list[int] = []
    setup = None
    for m in (4, 8):
        setup = build_setup(prep.network, prep.links, prep.policy, members=m, params=member_values(sc, m), allocation=sc.allocation)
        first = initial_state(setup)
        held.append(_nbytes(setup, set()) + _nbytes(first, set()))
        stepped.append(_day_bytes(setup, first))
    assert setup is not None
    state = max((held[1] - held[0]) // 4, 0) + max((stepped[1] - stepped[0]) // 4, 0)
    fixed = max(held[0] - 4 * state, 0) + max(stepped[0], 0)
    days = int(setup.days)
    active = {"node": setup.node_c.size, "sector": setup.q_c.size, "link": setup.links.n, "market": setup.n_markets * setup.P}
    full = {"node": setup.C * setup.P, "sector": setup.C * setup.S, "link": setup.links.n, "market": setup.n_markets * setup.P}
    per_day = sum(active[v.grid] + full[v.grid] for v in VARIABLES.values())
    heads = prep.network.meta.headlines if prep.network.meta is not None else ()
    flow_columns = sum(2 + len(h.importers) for h in heads)
    metrics = 10 * setup.C * setup.S  # metrics per member, country and sector
    output = _BYTES * (metrics + days * (1 + flow_columns))
    daily = _BYTES * days * per_day * (1 + (REPORT_COPIES if report else 0))
    chunk_daily = 0
    if economy:
        from supplyshock.economy import load_default_mrio

        mrio = load_default_mrio()
        cells = len(mrio.regions) * len(mrio.sectors)
        # the model's days: losses, their direct and indirect parts, capacity and the
        # intermediate arrays of run_coupled (:data:`ECONOMY_VALUES` per cell and day)
        eco_daily = _BYTES * days * cells * ECONOMY_VALUES
        daily += eco_daily
        output += _BYTES * cells * 4
        # a chunk records its output losses and labels them (the full grid): two copies of each
        chunk_daily = eco_daily + 2 * _BYTES * days * (active["sector"] + full["sector"])

    return MemoryEstimate(
        members=int(members),
        days=days,
        chunk_size=chunk_size,
        workers=max(int(workers), 1),
        values_per_day=per_day,
        daily=daily,
        state=state,
        output=output,
        fixed=fixed,
        chunk_daily=chunk_daily,
    )


@dataclass(frozen=True)
class MemoryPlan:
    """What a run will do to fit its budget.

    Attributes
    ----------
    estimate : MemoryEstimate
        The estimate of the run as it will run.
    budget : MemoryBudget
    chunk_size : int or None
        The chunk size to use (None: vectorised).
    note : str
        What was changed and why ('' when nothing was).
    """

    estimate: MemoryEstimate
    budget: MemoryBudget
    chunk_size: int | None
    note: str = ""


def plan_run(
    scenario: object,
    members: int,
    *,
    chunk_size: int | None,
    workers: int = 1,
    economy: bool = False,
    report: bool = False,
    budget: MemoryBudget | None = None,
    network: object = None,
) -> MemoryPlan:
    """Check a run against the memory budget before it starts; lower its chunk size if needed.

    Parameters
    ----------
    scenario : Scenario
    members : int
    chunk_size : int or None
        The chunk size asked for (None: a vectorised run).
    workers : int
        Chunks in flight at once.
    economy : bool
        The run also goes through the input-output model.
    report : bool
        A report is written from the daily results.
    budget : MemoryBudget, optional
        Default: :func:`memory_budget`.
    network : SupplyNetwork, optional
        The network the run uses (default: the scenario's dataset).

    Returns
    -------
    MemoryPlan

    Raises
    ------
    MemoryBudgetError
        A vectorised run above the budget, or a chunked run whose per-member results alone
        exceed it; the message gives the estimate, the budget and what to change.
    """
    budget = budget if budget is not None else memory_budget()
    est = estimate(scenario, members, chunk_size=chunk_size, workers=workers, economy=economy, report=report, network=network)
    if budget.limit is None or est.total <= budget.limit:
        return MemoryPlan(est, budget, chunk_size)

    def change(need: int) -> str:
        return f"raise the budget with --memory-budget or ${BUDGET_ENV} (e.g. {format_bytes(need * 1.2)}), or use fewer members"

    if chunk_size is None:
        fits = est.with_chunk(1).largest_chunk(budget.limit)
        chunked = f"run it in chunks with --chunk-size {fits:,} (per-member metrics only), " if fits >= 1 and members > 1 else ""
        raise MemoryBudgetError(
            f"this run would need {est.describe()}, more than the memory budget of {budget.describe()}; nothing was run. "
            f"To fit: {chunked}{change(est.total)}"
        )
    fits = est.largest_chunk(budget.limit)
    if fits < 1:
        raise MemoryBudgetError(
            f"this ensemble would need {est.with_chunk(1).describe()} even in chunks of one member (the per-member results of "
            f"{members:,} members alone take {format_bytes(2 * members * est.output)}), more than the memory budget of {budget.describe()}; "
            f"nothing was run. To fit: {change(est.with_chunk(1).total)}"
        )
    smaller = est.with_chunk(fits)
    note = (
        f"chunk size lowered from {chunk_size:,} to {fits:,} members to stay within the memory budget of {budget.describe()}: "
        f"{est.describe()} at {chunk_size:,}, {format_bytes(smaller.total)} at {fits:,}"
    )
    return MemoryPlan(smaller, budget, fits, note)


def run(
    scenario: object,
    *,
    network: object = None,
    members: int | None = None,
    params: Mapping[str, np.ndarray | float] | None = None,
    progress: Callable[[int], None] | None = None,
    check: bool | None = None,
    memory_budget: MemoryBudget | str | None = None,
) -> xr.Dataset:
    """:func:`supplyshock.engine.run`, after checking the run's memory against the budget.

    The Python API's ``supplyshock.run``: the same check as the command line's, so a run
    that would exhaust the machine is refused up front with the estimate and what to change,
    never ended by the system or by numpy's ``MemoryError`` half-way.

    Parameters
    ----------
    scenario : str, Path or Scenario
        A built-in name, a scenario file or a :class:`~supplyshock.scenario.Scenario`.
    network, members, params, progress, check
        As :func:`supplyshock.engine.run`.
    memory_budget : MemoryBudget or str, optional
        ``"4GB"``, ``"75%"``, ``"none"``; default ``$SUPPLYSHOCK_MEMORY_BUDGET``, else half of
        the available memory.

    Raises
    ------
    MemoryBudgetError
        The run would need more memory than the budget (nothing was run).

    Examples
    --------
    >>> ds = run("baseline", members=2)
    >>> int(ds.sizes["member"])
    2
    """
    from supplyshock.engine import run as engine_run
    from supplyshock.scenario import Scenario, load_scenario

    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)  # type: ignore[arg-type]
    budget = memory_budget if isinstance(memory_budget, MemoryBudget) else _budget_from(memory_budget)
    plan_run(sc, int(members or sc.members), chunk_size=None, budget=budget, network=network)
    return engine_run(sc, network=network, members=members, params=params, progress=progress, check=check)  # type: ignore[arg-type]
