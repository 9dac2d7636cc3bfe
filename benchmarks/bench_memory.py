"""Benchmark the memory estimate against the measured peak of real runs (a script, not a test).

    python benchmarks/bench_memory.py [--quick]

Each case runs in a fresh Python process (so peaks do not mix): it loads the scenario,
notes its resident memory, runs the whole run pipeline as ``supplyshock run`` does
(:func:`supplyshock.analysis.pipeline.execute`: simulate, summarise, economy, save; a
chunked ensemble in one worker) and reports the peak resident memory above that starting
point, beside :func:`supplyshock.analysis.memory.estimate` for the same run. The ratio
estimate / measured should stay above 1 (an upper bound) and not far above it; the numbers
quoted in ``docs/reliability.md`` and in ``supplyshock.analysis.memory`` come from here.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = """
import json, resource, sys, tempfile
from pathlib import Path
from supplyshock.scenario import load_scenario
from supplyshock.analysis.memory import estimate
from supplyshock.analysis.pipeline import RunRequest, execute
name, members, chunk = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sc = load_scenario(name)
est = estimate(sc, members, chunk_size=chunk or None, workers=1, economy=True).total
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
with tempfile.TemporaryDirectory() as tmp:
    request = RunRequest(scenario=sc, members=members, chunk_size=chunk or members, workers=1, economy=True,
                         out_dir=Path(tmp) / "run", memory_budget="none")
    execute(request)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"estimate": est, "measured": peak - base}))
"""

#: (scenario, members, chunk size; 0: vectorised).
CASES = [
    ("baseline", 20, 0),
    ("baseline", 80, 0),
    ("cn-2025-feb-five-metals-licensing", 40, 0),
    ("cn-2024-us-ban-ga-ge-sb", 40, 0),
    ("baseline", 2000, 200),
    ("baseline", 2000, 1000),
    ("cn-2024-us-ban-ga-ge-sb", 1200, 200),
    ("cn-2024-us-ban-ga-ge-sb", 1200, 600),
]


def main() -> None:
    """Run every case and print estimate, measured peak and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one vectorised and one chunked case")
    args = parser.parse_args()
    cases = [CASES[0], CASES[4]] if args.quick else CASES
    print(f"{'scenario':36} {'members':>8} {'chunk':>6} {'estimate MB':>12} {'measured MB':>12} {'ratio':>6}")
    for name, members, chunk in cases:
        out = subprocess.run([sys.executable, "-c", CHILD, name, str(members), str(chunk)], capture_output=True, text=True, check=True)
        got = json.loads(out.stdout.strip().splitlines()[-1])
        ratio = got["estimate"] / max(got["measured"], 1)
        print(f"{name:36} {members:8d} {chunk or '-':>6} {got['estimate'] / 1e6:12.0f} {got['measured'] / 1e6:12.0f} {ratio:6.2f}")


if __name__ == "__main__":
    main()
