"""Benchmarks (not tests): cold-start time of the CLI on the examples, and batch throughput.

    python scripts/bench.py [--runs 15] [--part all|cold|batch] [--batch-rows 2000]
                            [--batch-runs 5] [--memory-rows 20000,100000,200000]

Cold start: the median wall time of a fresh `python -m planner plan EXAMPLE --format json`
process and of the same run writing the Excel workbook, over every example, with the
machine's description. Targets on a 2-core machine: under 0.3 s for JSON (0.25 s is the
batch issue's goal), under 0.8 s with the workbook.

Batch (`planner batch`, issue 7): plans per second on one core through the streaming CSV
path, in process, in steady state (after a 100-row warm-up), for typical people (biweekly,
a bonus, a raise): the median of several runs, since one run of a second or two on a shared
machine swings by a sixth either way; and the peak memory of a fresh process streaming N
rows for several sizes, which should stay flat as N grows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
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


def typical_people(n: int, seed: int = 1) -> list[dict]:
    """Dotted CSV rows: biweekly pay, one bonus, one raise, a preset or a common match."""
    from planner.batch import flatten

    rng = random.Random(seed)
    rows = []
    for i in range(1, n + 1):
        salary = rng.randrange(120_000, 400_000, 500)
        if rng.random() < 0.5:
            plan = {"preset": rng.choice(("amazon", "google", "microsoft", "meta"))}
        else:
            plan = {"match": rng.choice(([{"rate": 0.5, "up_to_pct": 4}],
                                         [{"rate": 1, "up_to_pct": 3}, {"rate": 0.5, "up_to_pct": 5}]))}
        first_pay_date = dt.date(2025, 1, rng.choice((3, 10)))
        data = {"tax_year": 2025, "age": rng.randint(25, 64),
                "pay": {"frequency": "biweekly", "first_pay_date": first_pay_date, "salary": salary},
                "bonus": [{"date": dt.date(2025, 3, 14), "amount": round(salary * rng.uniform(0.05, 0.3))}],
                "raise": [{"effective": dt.date(2025, rng.randint(3, 9), 1), "salary": round(salary * 1.05)}],
                "plan": plan}
        rows.append({"id": f"p{i}", **flatten(data)})
    return rows


def throughput(rows: int, tmp: Path, runs: int) -> list[float]:
    """Plans per second through the CLI's streaming path (read, plan, write both summaries),
    in steady state: a first small batch pays the one-time costs (importing numpy, reading
    the presets and limits), as they are paid once in a long batch."""
    from planner.batch import open_batch, run_batch, write_people

    warm_up = write_people(tmp / "warm-up.csv", typical_people(100, seed=2))
    run_batch(open_batch(warm_up, tmp / "warm-up"))
    source = write_people(tmp / f"people-{rows}.csv", typical_people(rows))
    rates = []
    for run in range(runs):
        batch = open_batch(source, tmp / f"out-{rows}-{run}")
        start = time.perf_counter()
        counts = run_batch(batch)
        seconds = time.perf_counter() - start
        assert counts == {"ok": rows, "error": 0}, counts
        rates.append(rows / seconds)
    return rates


# A fresh process streams one CSV through the batch, then reports its peak resident memory.
# Linux carries the parent's high-water mark into a child's ru_maxrss across fork+exec (this
# script's own size would show up), so the child's VmHWM is read first; ru_maxrss elsewhere.
MEMORY_CHILD = """
import json, resource, sys
from planner.batch import open_batch, run_batch
counts = run_batch(open_batch(sys.argv[1], sys.argv[2]))
try:
    peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"counts": counts, "peak_kb": peak}))
"""


def peak_memory(sizes: list[int], tmp: Path) -> dict[int, float]:
    """Peak RSS in MB of a process streaming N rows, per size (the sizes run side by side)."""
    from planner.batch import write_people

    children = {}
    for n in sizes:
        source = write_people(tmp / f"mem-{n}.csv", typical_people(n, seed=n))
        children[n] = subprocess.Popen([sys.executable, "-c", MEMORY_CHILD, str(source), str(tmp / f"mem-out-{n}")],
                                       stdout=subprocess.PIPE, text=True, cwd=ROOT)
    out = {}
    for n, child in children.items():
        result = json.loads(child.communicate()[0])
        assert result["counts"]["ok"] == n, result
        out[n] = result["peak_kb"] / 1024
    return out


def bench_batch(rows: int, runs: int, sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rates = throughput(rows, Path(tmp), runs)
        rate = statistics.median(rates)
        print(f"batch: {rate:.0f} plans/s on one core ({1000 / rate:.2f} ms a person), the median of {runs} runs "
              f"({min(rates):.0f} to {max(rates):.0f}) over {rows} typical rows (biweekly, a bonus, a raise), "
              "streaming CSV in, CSV + xlsx summary out, after a warm-up")
        memory = peak_memory(sizes, Path(tmp))
        print("batch memory: peak RSS " + ", ".join(f"{memory[n]:.0f} MB for {n} rows" for n in sizes))
    minutes = 1_000_000 / rate / 60
    # growth between the two largest sizes: the first chunks and sheets of a batch take a few
    # MB that stay, so the smallest size would forecast growth that is not there
    first, last = sorted(sizes)[-2:] if len(sizes) > 1 else (sizes[0], sizes[0])
    growth = memory[last] - memory[first]
    if growth < 2:  # within the allocator's noise: rows stream, a chunk of people in memory at a time
        note = f"about {memory[last]:.0f} MB, as for {last} rows (flat: {growth:+.1f} MB from {first} to {last} rows)"
    else:
        per_row = growth / (last - first)
        at_million = memory[last] + per_row * (1_000_000 - last)
        note = f"about {at_million:.0f} MB if the growth seen ({per_row * 1024:.2f} KB a row) continued"
    print(f"batch at 1,000,000 rows (not run): about {minutes:.0f} minutes on one core at this rate; peak memory {note}. "
          "Excel holds 1,048,575 rows a sheet: the xlsx summary continues on another sheet past that.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--part", choices=("all", "cold", "batch"), default="all")
    parser.add_argument("--batch-rows", type=int, default=2000, help="rows for each throughput run")
    parser.add_argument("--batch-runs", type=int, default=5, help="throughput runs (the median is reported)")
    parser.add_argument("--memory-rows", default="20000,100000,200000",
                        help="row counts for the peak-memory runs (growth is read between the two largest)")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    if args.part in ("all", "cold"):
        bench_cold(args.runs)
    if args.part in ("all", "batch"):
        sys.path.insert(0, str(ROOT))
        bench_batch(args.batch_rows, args.batch_runs, [int(n) for n in args.memory_rows.split(",")])


def bench_cold(runs: int) -> None:
    examples = sorted((ROOT / "examples").glob("*.toml"))
    with tempfile.TemporaryDirectory() as tmp:
        for label, extra in (("json", []), ("xlsx", ["--out", str(Path(tmp) / "plan.xlsx")])):
            medians = []
            for example in examples:
                command = "check" if "[[election]]" in example.read_text() and "check" in example.name else "plan"
                cmd = [sys.executable, "-m", "planner", command, str(example), "--format", "json", *extra]
                medians.append(timed(cmd, runs))
            print(f"{label}: median cold start {statistics.median(medians):.3f} s "
                  f"(worst example {max(medians):.3f} s) over {len(examples)} examples x {runs} runs")


if __name__ == "__main__":
    main()
