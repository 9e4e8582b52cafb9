"""Benchmarks (not tests): cold-start time of the CLI on the examples.

    python scripts/bench.py [--runs 15]

Prints the median wall time of a fresh `python -m planner plan EXAMPLE --format json`
process and of the same run writing the Excel workbook, over every example, with the
machine's description. Targets on a 2-core machine: under 0.3 s for JSON (0.25 s is the
batch issue's goal), under 0.8 s with the workbook.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def timed(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    examples = sorted((ROOT / "examples").glob("*.toml"))
    with tempfile.TemporaryDirectory() as tmp:
        for label, extra in (("json", []), ("xlsx", ["--out", str(Path(tmp) / "plan.xlsx")])):
            medians = []
            for example in examples:
                command = "check" if "[[election]]" in example.read_text() and "check" in example.name else "plan"
                cmd = [sys.executable, "-m", "planner", command, str(example), "--format", "json", *extra]
                medians.append(timed(cmd, args.runs))
            print(f"{label}: median cold start {statistics.median(medians):.3f} s "
                  f"(worst example {max(medians):.3f} s) over {len(examples)} examples x {args.runs} runs")


if __name__ == "__main__":
    main()
