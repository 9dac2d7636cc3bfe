"""The shipped dataset is exactly what data-raw/build_rare_earths.py derives from ../shared/data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data is not beside the checkout")
def test_shipped_csvs_match_the_build() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "data-raw" / "build_rare_earths.py"), "--shared", str(SHARED), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
