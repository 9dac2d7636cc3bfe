"""Fixtures of the news drafting tests: the labelled set, the seed report, a drafting helper."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from supplyshock.news import Draft
from supplyshock.news.pipeline import draft_from_text

ROOT = Path(__file__).resolve().parents[2]
NEWS = ROOT / "tests" / "data" / "news"
SEED = ROOT.parent / "shared" / "seeds" / "london-talks-2025-06.txt"
SEED_DATE = dt.date(2025, 6, 9)


@pytest.fixture(scope="session")
def news_dir() -> Path:
    """``tests/data/news``."""
    return NEWS


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The seed report (the test is skipped when ../shared/seeds is not beside the repository)."""
    if not SEED.exists():
        pytest.skip(f"seed report {SEED} not found (../shared/seeds is not beside this checkout)")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_draft(seed_text: str) -> Draft:
    """The seed report drafted with the rules."""
    return draft_from_text(seed_text, SEED_DATE, source=SEED.name)
