"""Improving a complete stepwise week: exchange rounds, polish's patience, the best week kept.

Each test scripts the report's score step by step (a stand-in for week_score), so what is
tested is when the loops stop and which week they leave, not the passes themselves.
"""

from __future__ import annotations

import importlib
import math
from dataclasses import replace
from types import SimpleNamespace

import pytest
from test_stepwise import generated, run  # noqa: F401 (a fixture)

from scheduler.solver.stepwise import POLISH_PATIENCE

solve_module = importlib.import_module("scheduler.solver.solve")  # not the solve() function
stepwise_module = importlib.import_module("scheduler.solver.stepwise")


class Week:
    """A stand-in for Stepwise: its score is whatever the last change set it to."""

    def __init__(self, score: float, polish_to: list[float] = ()):
        self.plan = SimpleNamespace(roster=None)
        self.score = score
        self.week = {0: [f"start {score}"]}
        self.interrupted = False
        self.polish_to = list(polish_to)  # the score each polish run leaves
        self.polished = 0
        self.respread_to: list[float | None] = []  # the score each respread leaves (None: same)
        self.respread_saw: list[dict] = []  # the week each respread started from

    def schedule(self):
        return self

    def set(self, score: float) -> None:
        self.score = score
        self.week = {0: [f"week {score}"]}

    def respread(self) -> bool:
        self.respread_saw.append(self.week)
        new = self.respread_to.pop(0) if self.respread_to else None
        if new is None:
            return False
        self.set(new)
        return True

    def polish(self) -> None:
        self.polished += 1
        if self.polish_to:
            self.set(self.polish_to.pop(0))


@pytest.fixture
def scripted(monkeypatch):
    """week_score() reads the stand-in's score; EXCHANGES becomes one pass following a
    script of scores (None: the pass changes nothing)."""
    monkeypatch.setattr(solve_module, "week_score", lambda _r, w: w.score)

    def install(scores: list[float | None]):
        script = list(scores)
        calls = []

        def exchange(steps, _late):
            calls.append(steps.score)
            new = script.pop(0) if script else None
            if new is None:
                return 0
            steps.set(new)
            return 1
        monkeypatch.setattr(solve_module, "EXCHANGES", (("mix_swaps", exchange),))
        return calls
    return install


def never() -> bool:
    return False


def exchanges(steps):
    told, stats = [], {}
    score = solve_module._exchanges(steps, never, stats, told.append)
    return score, told, stats


def test_exchange_rounds_go_on_while_a_round_gains_a_point(scripted):
    calls = scripted([90, 80, 79.5, 70])
    score, told, stats = exchanges(Week(100))
    assert calls == [100, 90, 80]  # the third round gained half a point: no fourth
    assert score == 79.5 and told == [90, 80, 79.5] and stats == {"mix_swaps": 3}


def test_exchange_rounds_stop_when_a_round_changes_nothing(scripted):
    calls = scripted([90, None, 50])
    score, told, stats = exchanges(Week(100))
    assert calls == [100, 90] and score == 90 and told == [90]
    assert stats == {"mix_swaps": 1}


def test_exchange_rounds_stop_when_time_is_up(scripted):
    calls = scripted([90, 80])
    steps = Week(100)
    assert solve_module._exchanges(steps, lambda: bool(calls), {}, lambda _s: None) == 90
    assert calls == [100]


def improve(steps):
    solve_module._improve(steps, never, {}, lambda _s: None, lambda _m: None, exchanges=True)


def test_polish_and_exchanges_repeat_while_they_gain(scripted):
    # exchanges 100 -> 90; polish 95, exchanges 85; polish 84, exchanges 84.5 (0.5 gained)
    scripted([90, None, 85, None, 84.5, None])
    steps = Week(100, polish_to=[95, 84])
    improve(steps)
    assert steps.polished == 2 and steps.week == {0: ["week 84.5"]}


def test_a_round_that_leaves_the_week_worse_is_undone(scripted):
    scripted([90, None, 93, None])  # polish to 120, exchanges recover only to 93
    steps = Week(100, polish_to=[120])
    improve(steps)
    assert steps.polished == 1 and steps.week == {0: ["week 90"]}


def test_the_best_week_is_kept_when_stopped_midway(scripted):
    scripted([90, None])
    steps = Week(100, polish_to=[120])

    def polish_then_ctrl_c():
        steps.set(120)
        raise KeyboardInterrupt
    steps.polish = polish_then_ctrl_c
    with pytest.raises(KeyboardInterrupt):
        improve(steps)
    assert steps.week == {0: ["week 90"]}


@pytest.fixture
def many_parts(generated):
    steps, complete = run(generated)
    assert complete and len(steps.week) > PATIENT_STEPS
    return steps


def polish_with(steps, monkeypatch, scores: list[float], work: float):
    """Polish where every step changes the week, is given `work` and scores as scripted."""
    script = iter(scores)
    monkeypatch.setattr(stepwise_module, "week_score", lambda _r, _s: next(script, scores[-1]))
    steps.stats.work = 0.0
    decided = []

    def decide(parts, **_kw):
        decided.append(parts)
        steps.stats.work += work
        (part,) = parts
        steps.week[part] = [replace(d, name=(d.name or "") + "'") for d in steps.week[part]]
        return True
    steps.decide = decide
    steps.on_better = lambda _s: None
    steps.schedule = lambda: None  # week_score is scripted
    steps.polish()
    return decided


PATIENT_STEPS = math.ceil(POLISH_PATIENCE / 4)  # steps of 4 units polish waits for a gain


def test_polish_stops_after_its_patience_of_work_without_a_gain(many_parts, monkeypatch):
    decided = polish_with(many_parts, monkeypatch, [100.0], work=4.0)
    assert len(decided) == PATIENT_STEPS


def test_polish_goes_on_while_its_steps_gain(many_parts, monkeypatch):
    parts = len([p for p in many_parts.order() if p in many_parts.week])
    decided = polish_with(many_parts, monkeypatch, [100.0 - 2 * i for i in range(parts + 1)],
                          work=4.0)
    # every step of the first pass gained; the second pass gains nothing
    assert len(decided) == parts + PATIENT_STEPS


def test_without_exchanges_polish_runs_once(scripted):
    # with last week there are no exchanges: polish already repeats its own passes
    calls = scripted([])
    steps = Week(100, polish_to=[95, 90])
    solve_module._improve(steps, never, {}, lambda _s: None, lambda _m: None, exchanges=False)
    assert calls == [] and steps.polished == 1 and steps.week == {0: ["week 95"]}


def test_a_last_respread_runs_on_the_week_kept(scripted):
    # The round gains half a point (90 -> 89.5): its week is kept and the rounds end, so what
    # its polish or exchanges stacked on one day gets one more respread, whose gain is kept.
    scripted([90, None, 89.5, None])
    steps = Week(100, polish_to=[95])
    steps.respread_to = [None, 88]
    improve(steps)
    assert steps.respread_saw == [{0: ["week 90"]}, {0: ["week 89.5"]}]
    assert steps.week == {0: ["week 88"]}


def test_an_undone_rounds_respread_gain_is_won_back(scripted):
    # respread 90 -> 85, polish 120, exchanges 93: the round is undone back to 90, then the
    # last respread finds the 85 again.
    scripted([90, None, 93, None])
    steps = Week(100, polish_to=[120])
    steps.respread_to = [85, 85]
    improve(steps)
    assert steps.respread_saw == [{0: ["week 90"]}, {0: ["week 90"]}]
    assert steps.week == {0: ["week 85"]}


def test_no_last_respread_that_would_repeat_one_that_gained_nothing(scripted):
    scripted([90, None, 93, None])  # the round is undone back to 90
    steps = Week(100, polish_to=[120])
    improve(steps)
    assert steps.respread_saw == [{0: ["week 90"]}] and steps.week == {0: ["week 90"]}


def test_no_last_respread_when_time_is_up(scripted):
    scripted([90, None, 89.5, None])
    steps = Week(100, polish_to=[95])
    # time runs out during the first round's polish
    solve_module._improve(steps, lambda: steps.polished > 0, {}, lambda _s: None,
                          lambda _m: None, exchanges=True)
    assert len(steps.respread_saw) == 1
