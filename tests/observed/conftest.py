"""Fixtures of the observed-series tests: small files written per test."""

from __future__ import annotations

from pathlib import Path

import pytest
from observed_helpers import HEADER, write


@pytest.fixture
def long_file(tmp_path: Path) -> Path:
    """A small long-format file: two monthly series, an annual one, a y/y-only row."""
    return write(
        tmp_path / "long_v1.csv",
        HEADER
        + "2025-04,magnets_world,China,World,magnets,2630,t,,,press A,\n"
        + "2025-05,magnets_world,China,World,magnets,1238,t,-74,-52.9,press A,note\n"
        + "2025-05,magnets_us,China,United States,magnets,46.4,t,-93.3,,press B,\n"
        + "2025-05,magnets_de,China,Germany,magnets,,t,-70,,press B,only y/y\n"
        + "2024,magnets_value,China,World,magnets,2.86,USD billion,-13,,press C,\n"
        + "2025-01..2025-05,magnets_ytd,China,World,magnets,19132000,kg,-14.5,,press A,\n",
    )
