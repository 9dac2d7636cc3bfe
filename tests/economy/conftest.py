"""Shared fixtures for the economy tests: small tables built in the tests."""

from __future__ import annotations

import numpy as np
import pytest

from supplyshock.economy import MRIO, from_arrays, synthetic_mrio


def two_region_table() -> MRIO:
    """A balanced 2-region x 2-sector table (regions A, B; sectors m = mineral, p = parts).

    Region A makes almost all of product m; both regions' p industries use m.
    """
    z = np.array(
        [
            # A|m   A|p   B|m   B|p
            [0.0, 20.0, 0.0, 30.0],  # A|m: sells m to A|p and B|p
            [5.0, 40.0, 2.0, 10.0],  # A|p
            [0.0, 2.0, 0.0, 3.0],  # B|m
            [3.0, 10.0, 1.0, 40.0],  # B|p
        ]
    )
    y = np.array(
        [
            [5.0, 5.0],
            [60.0, 20.0],
            [3.0, 2.0],
            [20.0, 70.0],
        ]
    )
    x = z.sum(axis=1) + y.sum(axis=1)
    return from_arrays(z, y, x, regions=["A", "B"], sectors=["m", "p"], name="two_region")


@pytest.fixture
def small_table() -> MRIO:
    return two_region_table()


@pytest.fixture(scope="session")
def synth_small() -> MRIO:
    return synthetic_mrio(5, 8, seed=7).mrio


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)
