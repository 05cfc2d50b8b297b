"""What the machine offers the solver and the printers."""

from __future__ import annotations

import os


def available_cores() -> int:
    """Cores this process may run on (a container or taskset can allow fewer than exist)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def time_limit_for(patients: int) -> int:
    """A time limit in which a center of this size gets a first week on two cores: 60 s for
    every 300 patients or part of them (600 patients take 65 to 90 s; docs/benchmarks.md)."""
    return 60 * max(1, -(-patients // 300))
