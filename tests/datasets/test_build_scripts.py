"""The shipped mineral datasets are exactly what their build scripts derive from the facts in the repository."""

from __future__ import annotations

import subprocess
import sys

import pytest
from datasets_helpers import MINERALS, ROOT


@pytest.mark.parametrize("folder", sorted(MINERALS.values()))
def test_shipped_files_match_the_build(folder: str) -> None:
    facts = ROOT / "data-raw" / "minerals" / folder / "facts.csv"
    assert facts.is_file(), f"{facts} is part of the repository"
    proc = subprocess.run([sys.executable, str(ROOT / "data-raw" / f"build_{folder}.py"), "--check"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_set_builds_a_variant_elsewhere(tmp_path) -> None:
    """--set changes an assumption and writes the variant into --out, never over the shipped data."""
    script = str(ROOT / "data-raw" / "build_gallium.py")
    proc = subprocess.run([sys.executable, script, "--set", "ga_cover_days=90"], capture_output=True, text=True, check=False)
    assert proc.returncode != 0 and "--out" in proc.stderr
    proc = subprocess.run([sys.executable, script, "--set", "ga_cover_days=90", "--out", str(tmp_path)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    import supplyshock as ss

    net = ss.load_network(str(tmp_path))
    assert net.params["ga_cover_days"] == 90
    proc = subprocess.run(
        [sys.executable, script, "--set", "no_such_parameter=1", "--out", str(tmp_path / "x")], capture_output=True, text=True, check=False
    )
    assert proc.returncode != 0 and "no_such_parameter" in proc.stderr
