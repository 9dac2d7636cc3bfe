"""Fixtures of the report tests: one small ensemble run, made once."""

from __future__ import annotations

import pytest
import xarray as xr


@pytest.fixture(scope="session")
def april_ds() -> xr.Dataset:
    """The April 2025 controls with three members (about two seconds)."""
    import supplyshock as ss

    return ss.run("cn-2025-april-controls", members=3)


@pytest.fixture(scope="session")
def embargo_ds() -> xr.Dataset:
    """The twelve-month magnet embargo, one member."""
    import supplyshock as ss

    return ss.run("cn-magnet-embargo-12m", members=1)


@pytest.fixture(scope="session")
def toy_ds() -> xr.Dataset:
    """A metal export ban on the toy two-country network, two members (a fraction of a second)."""
    import supplyshock as ss
    from supplyshock.testing import TOY, toy_network

    scenario = ss.Scenario.model_validate(
        {
            "name": "toy-ban",
            "dataset": TOY,
            "start": "2025-01-01",
            "horizon_days": 120,
            "events": [{"type": "export_ban", "id": "ban", "exporter": "AAA", "products": ["metal"], "start": "2025-01-10", "end": "2025-03-01"}],
        }
    )
    return ss.run(scenario, network=toy_network(cover_days=5.0), members=2)
