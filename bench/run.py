"""Benchmark: generate rosters of 40, 120, 300 and 600 patients, solve each, record the figures.

    python bench/run.py                 # all sizes, writes docs/benchmarks.md
    python bench/run.py --sizes 40 120  # a subset (still rewrites the table)

Each size runs in its own process so peak memory (max RSS) is that run's alone.
Not a test: the test suite stays fast; this takes about eleven minutes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# patients: (staff, rooms, days, time limit) - staff ~1/10, rooms ~1/15 of patients;
# 300 and 600 are the sizes of issue 5's targets (6 days of 7 slots).
SIZES = {
    40: (4, 3, 5, 60),
    120: (12, 8, 5, 60),
    300: (30, 20, 6, 60),
    600: (56, 36, 6, 120),
}


def run_one(patients: int, seed: int, workers: int) -> dict:
    """Generate, solve and measure one size (runs in a child process)."""
    from scheduler.generate import generate, write_generated
    from scheduler.reader import read_roster
    from scheduler.solver import SolveOptions, solve

    staff, rooms, days, limit = SIZES[patients]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"roster-{patients}.xlsx"
        write_generated(generate(patients, staff, rooms, days=days, seed=seed), path)
        started = time.perf_counter()
        roster = read_roster(path)
        read_seconds = time.perf_counter() - started

    first = []

    def progress(p):
        if p.event == "solution" and not first:
            first.append(p.elapsed)

    started = time.perf_counter()
    result = solve(roster, SolveOptions(time_limit=limit, workers=workers, seed=seed), progress)
    wall = time.perf_counter() - started
    # Before printing; the second search's process (solver/rival.py) counts too, added as if
    # both peaked at once.
    peak_mb = round((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                     + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024)
    print_seconds = None
    if result.schedule is not None:
        from scheduler.output import write_outputs
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            write_outputs(roster, result.schedule, Path(tmp) / "out", pdf=True)
            print_seconds = round(time.perf_counter() - started, 1)
    stats = result.stats
    schedule = result.schedule
    build = stats.get("pattern_build_seconds", 0) + stats.get("build_seconds", 0)
    return {
        "patients": patients, "staff": staff, "rooms": rooms, "days": days,
        "slots": len(roster.slots), "time_limit": limit,
        "read_seconds": round(read_seconds, 2),
        "build_seconds": round(build, 2),
        "first_valid_seconds": stats.get("first_schedule_seconds"),
        "status": result.status,
        "objective": schedule.objective if schedule else None,
        "bound": schedule.best_bound if schedule else None,
        "gap": schedule.gap if schedule else None,
        "sections": len(schedule.sections) if schedule else None,
        "wall_seconds": round(wall, 1),
        "print_seconds": print_seconds,
        "exact_model": stats.get("exact_model"),
        "second_search": stats.get("second_search"),  # its week was taken (solver/rival.py)
        "peak_mb": peak_mb,
    }


def table(rows: list[dict], cores: int) -> str:
    lines = [
        "| Patients / staff / rooms | Days × slots | Limit (s) | Model build (s) | First valid week (s) "
        "| Final score | Bound | Gap | Wall (s) | Build share | Peak memory (MB) | Printing (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['patients']} | | | | failed: {r['error']} | | | | | | | |")
            continue
        first = "none found" if r["first_valid_seconds"] is None else f"{r['first_valid_seconds']:.1f}"
        gap = "" if r["gap"] is None else f"{100 * r['gap']:.0f} %"
        score = "" if r["objective"] is None else f"{r['objective']:g}"
        bound = "" if r["bound"] is None else f"{r['bound']:g}"
        share = f"{100 * r['build_seconds'] / max(r['wall_seconds'], 1e-9):.0f} %"
        lines.append(
            f"| {r['patients']} / {r['staff']} / {r['rooms']} | {r['days']} × {r['slots'] // r['days']} "
            f"| {r['time_limit']} | {r['build_seconds']:.1f} | {first} | {score} | {bound} | {gap} "
            f"| {r['wall_seconds']:.0f} | {share} | {r['peak_mb']} "
            f"| {'' if r.get('print_seconds') is None else r['print_seconds']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=0, help="0: one per core")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()

    if args.one:
        print(json.dumps(run_one(args.one, args.seed, args.workers)))
        return

    rows = []
    for size in args.sizes:
        print(f"{size} patients...", file=sys.stderr, flush=True)
        done = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--seed", str(args.seed),
             "--workers", str(args.workers)],
            capture_output=True, text=True, cwd=ROOT,
        )
        if done.returncode != 0:
            rows.append({"patients": size, "error": done.stderr.strip().splitlines()[-1:]})
        else:
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"  {rows[-1]}", file=sys.stderr, flush=True)

    cores = os.cpu_count() or 1
    (ROOT / "bench" / "results.json").write_text(json.dumps(rows, indent=2) + "\n")
    write_doc(args.out, table(rows, cores), cores, args)


def write_doc(path: Path, table_text: str, cores: int, args,
              markers: tuple[str, str] = ("<!-- bench:start -->", "<!-- bench:end -->")) -> None:
    """Replace the block between markers in docs/benchmarks.md (append it the first time)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    start, end = markers
    from ortools import __version__ as ortools_version

    block = (
        f"{start}\n"
        f"Measured {dt.date.today().isoformat()} on {platform.machine()} with {cores} CPU cores, "
        f"Python {platform.python_version()}, OR-Tools {ortools_version}, seed {args.seed}, "
        f"workers {args.workers or cores}.\n\n{table_text}\n{end}"
    )
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
