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
