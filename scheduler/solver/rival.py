"""A second stepwise search on the second core, from another seed (large rosters).

Every step of the stepwise solver runs on one CP-SAT worker (stepwise.py), so on a
machine with two cores one of them idled through the first week. Which seed reaches a
complete week first, and whether it does within the time limit, varies a lot at 600
patients (docs/benchmarks.md); two seeds at once take the sooner of the two.

The rival is a forked process that places and repairs the week with seed + 1 and sends
the complete week back (or nothing). The main search stops as soon as the rival's week
arrives, takes it, and polishes it; if the main search finishes first, the rival is
stopped. With --workers 1 there is no rival, so the same roster and seed give the same
week.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from typing import Callable

from ..machine import available_cores
from .split import SectionDraft

Week = dict[int, list[SectionDraft]]


def rival_possible(workers: int) -> bool:
    """Two cores or more, not held to one worker, and a process can be forked safely now."""
    return (workers != 1 and available_cores() >= 2
            and "fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1)  # fork is unsafe while other threads run


class Rival:
    """The second search: started at once, asked between (and during) steps whether it is done."""

    def __init__(self, run: Callable[[], Week | None]):
        """run: places and repairs a week in the child; returns it when complete, else None."""
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe(duplex=False)
        self._process = context.Process(target=_child, args=(run, child), daemon=True)
        self._process.start()
        child.close()
        self._heard = False  # the child has answered (its week, or None)
        self._week: Week | None = None
        self.seconds: float | None = None
        self._started = time.perf_counter()

    def done(self) -> bool:
        """True once the rival has sent a complete week (never blocks)."""
        self._receive(0)
        return self._week is not None

    def wait(self, until: float, tick: Callable[[], None]) -> Week | None:
        """The rival's complete week, waiting for it until `until` (None if none came)."""
        while not self._heard and time.perf_counter() < until:
            self._receive(min(0.25, max(0.0, until - time.perf_counter())))
            tick()
        return self._week

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._conn.close()

    def _receive(self, timeout: float) -> None:
        if self._heard:
            return
        try:
            if self._conn.poll(timeout):
                self._week = self._conn.recv()
                self._heard = True
                self.seconds = round(time.perf_counter() - self._started, 3)
        except (EOFError, OSError):  # the child died without an answer
            self._heard = True


def _child(run: Callable[[], Week | None], conn) -> None:
    # Ctrl-C reaches the whole terminal's process group; only the parent handles it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        week = run()
    except Exception:  # the parent's own search is unaffected; it just hears nothing useful
        week = None
    try:
        conn.send(week)
    finally:
        conn.close()
        os._exit(0)  # no atexit handlers or buffered output of the parent's copy
