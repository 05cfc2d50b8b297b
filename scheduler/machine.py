"""What the machine offers the solver and the printers."""

from __future__ import annotations

import os


def available_cores() -> int:
    """Cores this process may run on (a container or taskset can allow fewer than exist)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
