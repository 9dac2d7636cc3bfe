"""Shared fixtures: an isolated SUPPLYSHOCK_HOME, hypothesis profiles, cached network."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev",
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "ci",
    max_examples=30,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def _runtime_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every run in every test checks the engine's invariants each day (mass balance, no
    negative stocks or flows, capacity and permission limits): one fixture, not by hand."""
    from supplyshock.engine.guards import ENV_VAR

    monkeypatch.setenv(ENV_VAR, "1")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test writes into the user's home directory (run store, default outputs)."""
    home = tmp_path_factory.mktemp("supplyshock-home")
    monkeypatch.setenv("SUPPLYSHOCK_HOME", str(home))


@pytest.fixture(scope="session")
def network():
    """The embedded dataset (loaded once; tests must not mutate it)."""
    import supplyshock as ss

    return ss.load_network("rare-earths")
