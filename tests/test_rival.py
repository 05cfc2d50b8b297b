"""The second stepwise search (rival.py): its week arrives, is taken, or is not waited for."""

from __future__ import annotations

import importlib
import json
import time

import pytest
from checker import check
from tiny import two_groups_one_therapist

from scheduler.output import schedule_json
from scheduler.solver import SolveOptions, solve
from scheduler.solver.rival import Rival, rival_possible
from scheduler.solver.stepwise import Stepwise

pytestmark = pytest.mark.skipif(not rival_possible(0), reason="needs two cores and fork")


def test_a_complete_week_from_the_rival_is_received():
    rival = Rival(lambda: {0: []})
    try:
        assert rival.wait(time.perf_counter() + 10, lambda: None) == {0: []}
        assert rival.done()
    finally:
        rival.stop()


def test_a_rival_without_a_week_is_not_done_and_not_waited_for_long():
    rival = Rival(lambda: None)
    started = time.perf_counter()
    try:
        assert rival.wait(time.perf_counter() + 10, lambda: None) is None
        assert not rival.done()
        assert time.perf_counter() - started < 5
    finally:
        rival.stop()


def test_a_rival_that_fails_is_a_rival_without_a_week():
    def broken():
        raise RuntimeError("boom")

    rival = Rival(broken)
    try:
        assert rival.wait(time.perf_counter() + 10, lambda: None) is None
    finally:
        rival.stop()


def test_a_slow_rival_is_stopped_without_waiting_for_it():
    rival = Rival(lambda: time.sleep(60))
    started = time.perf_counter()
    assert not rival.done()
    rival.stop()
    assert time.perf_counter() - started < 5


def test_when_only_the_rival_completes_the_week_its_week_is_the_answer(monkeypatch):
    solve_module = importlib.import_module("scheduler.solver.solve")
    monkeypatch.setattr(solve_module, "EXACT_LIMIT", 0)  # the large-roster path
    real_repair = Stepwise.repair
    monkeypatch.setattr(Stepwise, "repair", lambda self: False)  # this search never completes

    def rival_completes(plan, options, clock, budget_end):
        def run():
            steps = Stepwise(plan, lambda *a: solve_module._search(
                a[0], options, a[1], lambda _p: None, clock, step=a[2])[:3], budget_end)
            steps.place()
            return steps.week if real_repair(steps) else None
        return Rival(run)

    monkeypatch.setattr(solve_module, "_start_rival", rival_completes)
    r = two_groups_one_therapist()
    result = solve(r, SolveOptions(time_limit=20, workers=2))
    assert result.status == "feasible"
    assert result.stats["second_search"]["seed"] == 1
    assert check(r, json.loads(schedule_json(r, result.schedule))) == []


def test_with_one_worker_there_is_no_second_search(monkeypatch):
    solve_module = importlib.import_module("scheduler.solver.solve")
    monkeypatch.setattr(solve_module, "EXACT_LIMIT", 0)
    monkeypatch.setattr(solve_module, "_start_rival",
                        lambda *a: pytest.fail("a second search was started"))
    result = solve(two_groups_one_therapist(), SolveOptions(time_limit=20, workers=1))
    assert result.status == "feasible" and "second_search" not in result.stats
