"""Memory is estimated before work starts; above the budget a run is refused with its
estimate, or an ensemble gets smaller chunks."""

from __future__ import annotations

import sys
import tracemalloc
from pathlib import Path

import pytest
import xarray as xr
from click.testing import CliRunner
from reliability_helpers import UNCERTAIN_YAML

from supplyshock import load_scenario
from supplyshock.analysis.chunks import run_ensemble
from supplyshock.analysis.memory import (
    BUDGET_ENV,
    MemoryBudget,
    MemoryBudgetError,
    available_memory,
    estimate,
    memory_budget,
    parse_budget,
    plan_run,
)
from supplyshock.cli import main
from supplyshock.engine.run import run_scenario
from supplyshock.testing import BATCH_ATOL, BATCH_RTOL


@pytest.fixture
def scenario(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "unc.yaml"
    path.write_text(UNCERTAIN_YAML, encoding="utf-8")
    return load_scenario(path)


@pytest.mark.parametrize(
    ("text", "limit"),
    [("4GB", 4e9), ("512 MB", 512e6), ("2GiB", 2 * 1024**3), ("1.5g", 1.5e9), (1000, 1000), ("50%", 500), ("100%", 1000), ("none", None)],
)
def test_budget_forms(text: str | int, limit: float | None) -> None:
    assert parse_budget(text, available=1000).limit == (None if limit is None else int(limit))


@pytest.mark.parametrize("text", ["lots", "-3GB", "0", "150%", "4 parsecs", 0])
def test_bad_budget_is_a_clear_error(text: str | int) -> None:
    with pytest.raises(MemoryBudgetError, match=r"budget|memory size|share"):
        parse_budget(text, available=1000)


def test_default_budget_is_half_of_the_available_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BUDGET_ENV, raising=False)
    budget = parse_budget(None, available=8_000_000_000)
    assert budget.limit == 4_000_000_000 and "half" in budget.source
    monkeypatch.setenv(BUDGET_ENV, "3GB")
    assert memory_budget().limit == 3_000_000_000 and BUDGET_ENV in memory_budget().source
    assert memory_budget("1GB").limit == 1_000_000_000, "an explicit budget wins over the environment"
    if sys.platform.startswith("linux"):
        avail = available_memory()
        assert avail is not None and avail > 0


def test_estimate_bounds_the_memory_a_run_takes(scenario) -> None:  # type: ignore[no-untyped-def]
    """The estimate of a vectorised run is above what the run allocates (traced), and not far above."""
    members = 6
    est = estimate(scenario, members, chunk_size=None)
    tracemalloc.start()
    try:
        run_scenario(scenario, members=members)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= est.total, f"a run of {members} members took {peak / 1e6:.1f} MB, more than its estimate {est.describe()}"
    assert est.total <= 4 * peak, f"the estimate {est.describe()} is far above the {peak / 1e6:.1f} MB taken"


def test_estimate_grows_with_members_days_and_values(scenario) -> None:  # type: ignore[no-untyped-def]
    small, large = estimate(scenario, 10), estimate(scenario, 20)
    assert large.total - small.total == pytest.approx(small.total - estimate(scenario, 0).total, rel=1e-9)
    assert small.values_per_day > 0 and small.days == scenario.horizon_days
    chunked = estimate(scenario, 1000, chunk_size=10)
    assert chunked.total < estimate(scenario, 1000).total / 10, "chunks keep only per-member metrics"
    assert "1,000 members in chunks of 10" in chunked.describe()


def test_vectorised_run_above_the_budget_is_refused_with_its_estimate(scenario) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MemoryBudgetError) as err:
        plan_run(scenario, 5000, chunk_size=None, budget=MemoryBudget(2_000_000_000, "test"))
    text = str(err.value)
    assert "would need about" in text and "5,000 members" in text and "2.0 GB (test)" in text and "--chunk-size" in text
    assert "nothing was run" in text


def test_ensemble_above_the_budget_gets_smaller_chunks_and_the_same_numbers(scenario) -> None:  # type: ignore[no-untyped-def]
    est = estimate(scenario, 24, chunk_size=24, workers=1)
    budget = MemoryBudget(int(est.with_chunk(6).total) + 1, "test")
    notes: list[str] = []
    small = run_ensemble(scenario, members=24, chunk_size=24, workers=1, budget=budget, notice=notes.append)
    assert len(notes) == 1 and "chunk size lowered from 24 to" in notes[0]
    free = run_ensemble(scenario, members=24, chunk_size=24, workers=1, budget="none")
    xr.testing.assert_allclose(small.drop_attrs(), free.drop_attrs(), rtol=BATCH_RTOL, atol=BATCH_ATOL)


def test_ensemble_whose_results_alone_exceed_the_budget_is_refused(scenario) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MemoryBudgetError, match="even in chunks of one member"):
        run_ensemble(scenario, members=100_000, chunk_size=500, budget=MemoryBudget(50_000_000, "test"))


def test_cli_refuses_the_reported_case_before_running(tmp_path: Path) -> None:
    """`--members 100000 --chunk-size 100000` (both allowed) used to pass 4 GB in 12 s."""
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", "baseline", "--members", "100000", "--chunk-size", "100000", "--out", str(out), "--no-store"])
    assert res.exit_code == 2, res.output
    assert "would need about" in res.output and "memory budget" in res.output and "Traceback" not in res.output
    assert not out.exists()
    bad = CliRunner().invoke(main, ["run", "baseline", "--memory-budget", "lots", "--no-store", "--out", str(out)])
    assert bad.exit_code == 2 and "not a memory size" in bad.output


def test_the_python_api_refuses_a_run_above_its_budget_before_running(monkeypatch: pytest.MonkeyPatch) -> None:
    import supplyshock as ss
    import supplyshock.engine as engine
    from supplyshock.analysis.memory import MemoryBudgetError

    started: list[int] = []
    real = engine.run
    monkeypatch.setattr(engine, "run", lambda *a, **k: started.append(1) or real(*a, **k))
    with pytest.raises(MemoryBudgetError, match="nothing was run"):
        ss.run("baseline", members=2000, memory_budget="1GB")
    assert not started
    ds = ss.run("baseline", members=2, memory_budget="1GB")
    assert int(ds.sizes["member"]) == 2 and started == [1]


def test_a_report_and_worker_processes_are_counted() -> None:
    import supplyshock as ss
    from supplyshock.analysis.memory import PROCESS_BYTES, estimate

    sc = ss.load_scenario("baseline")
    plain, with_report = estimate(sc, 5), estimate(sc, 5, report=True)
    assert with_report.total > plain.total + 5 * plain.daily // 2
    one, two = estimate(sc, 400, chunk_size=50, workers=1), estimate(sc, 400, chunk_size=50, workers=2)
    assert two.total >= one.total + 2 * PROCESS_BYTES


def test_run_with_a_report_counts_the_report_before_running(tmp_path: Path) -> None:
    from supplyshock.analysis.memory import estimate

    sc = load_scenario("baseline")
    plain, with_report = estimate(sc, 40), estimate(sc, 40, report=True)
    budget = (plain.total + with_report.total) // 2  # enough without the report, not with it
    args = ["run", "baseline", "--members", "40", "--no-economy", "--no-store", "--out", str(tmp_path / "o"), "--memory-budget", str(budget)]
    res = CliRunner().invoke(main, [*args, "--report"])
    assert res.exit_code == 2 and "nothing was run" in res.output, res.output
    assert not (tmp_path / "o").exists()
