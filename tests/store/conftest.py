"""Fixtures of the run store tests: an isolated home, a store in it, results saved once per session."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import pytest
import xarray as xr
from store_helpers import Saver

from supplyshock.store import RunStore, save_results


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home"
    monkeypatch.setenv("SUPPLYSHOCK_HOME", str(path))
    return path


@pytest.fixture
def store(home: Path) -> RunStore:
    return RunStore()


@pytest.fixture(scope="session")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Saver:
    """Save a dataset once per session (writing netCDF is slow); return its path."""
    directory = tmp_path_factory.mktemp("results")
    cache: dict[str, Path] = {}

    def save(ds: xr.Dataset) -> Path:
        key = hashlib.sha256(pickle.dumps(ds)).hexdigest()
        if key not in cache or not cache[key].exists():
            cache[key] = save_results(ds, directory / f"{key[:16]}.nc")
        return cache[key]

    return save
