"""Sections meeting twice on one day re-decided with a few of their part's others
(Stepwise.respread): group A meets twice a week; S1 leads it, in R1."""

from __future__ import annotations

import importlib
import json
import time
from dataclasses import replace

import pytest

from checker import check
from test_stepwise import part_of, search
from tiny import group, patient, room, roster, slots, staff

from scheduler.output import schedule_json
from scheduler.solver.plan import make_plan
from scheduler.solver.split import SectionDraft
from scheduler.solver.stepwise import Stepwise

stepwise_module = importlib.import_module("scheduler.solver.stepwise")

MON_9, MON_10, TUE_9 = 0, 1, 2


def stacked_week(p2_away_tuesday=False, last=False):
    """A's one section meets Mon 9:00 and Mon 10:00; Tue 9:00 is free for everyone unless
    P2 is away then."""
    r = roster(
        slot_list=slots("Mon 9:00-10:00", "Mon 10:00-11:00", "Tue 9:00-10:00"),
        groups=[group("A", sessions=2)],
        staff_list=[staff("S1")],
        rooms=[room("R1")],
        patient_list=[patient("P1"),
                      patient("P2", unavailable="Tue 9:00-10:00" if p2_away_tuesday else "")])
    plan = make_plan(r, extra_sections=2)
    steps = Stepwise(plan, search, time.perf_counter() + 30)
    steps.week = {part_of(plan, "A"): [SectionDraft("A", (MON_9, MON_10), ("R1", "R1"), "S1",
                                                    ("P1", "P2"), "A" if last else None)]}
    if last:
        steps.last = {("A", "A"): steps.week[part_of(plan, "A")][0]}
    return r, steps


def slots_of(steps) -> list[tuple[int, ...]]:
    return [d.slots for ds in steps.week.values() for d in ds]


def test_a_section_meeting_twice_on_a_day_moves_a_meeting_to_another_day():
    r, steps = stacked_week()
    assert steps.respread() is True
    assert [{r.slots[t].day for t in s} for s in slots_of(steps)] == [{0, 1}]
    assert check(r, json.loads(schedule_json(r, steps.schedule()))) == []


def test_a_section_stays_when_its_members_are_only_all_free_on_that_day():
    r, steps = stacked_week(p2_away_tuesday=True)
    assert steps.respread() is False
    assert slots_of(steps) == [(MON_9, MON_10)]


def test_with_last_week_its_sections_keep_their_times():
    _r, steps = stacked_week(last=True)
    assert steps.respread() is False
    assert slots_of(steps) == [(MON_9, MON_10)]


def scripted_steps(monkeypatch, scores, spread_at):
    """A stand-in decide: step spread_at moves the second meeting to Tuesday, every other
    step leaves it stacked; the report's measure of the week follows scores."""
    r, steps = stacked_week()
    (part,) = steps.week
    calls = []
    script = iter(scores)
    monkeypatch.setattr(stepwise_module, "week_score", lambda _r, _s: next(script))

    def decide(parts, **_kw):
        calls.append(parts)
        (d,) = steps.week[part]
        slots_ = (MON_9, TUE_9) if len(calls) == spread_at else (MON_9, MON_10)
        steps.week = {part: [replace(d, slots=slots_, rooms=("R1", "R1"))]}
        return True
    steps.decide = decide
    return steps, calls


def test_a_part_is_tried_again_while_its_step_gains_and_leaves_a_section_stacked(monkeypatch):
    steps, calls = scripted_steps(monkeypatch, [100, 90, 80], spread_at=2)
    assert steps.respread() is True
    assert len(calls) == 2 and slots_of(steps) == [(MON_9, TUE_9)]


def test_a_step_gaining_less_than_a_point_is_undone_and_not_tried_again(monkeypatch):
    steps, calls = scripted_steps(monkeypatch, [100, 99.5], spread_at=1)
    assert steps.respread() is False
    assert len(calls) == 1 and slots_of(steps) == [(MON_9, MON_10)]


def test_ctrl_c_before_a_step_is_judged_leaves_the_week_as_it_was(monkeypatch):
    steps, calls = scripted_steps(monkeypatch, [], spread_at=1)
    before = steps.week

    def score_then_ctrl_c(_r, _s):  # the week's score; Ctrl-C while judging the step
        if not calls:
            return 100.0
        raise KeyboardInterrupt
    monkeypatch.setattr(stepwise_module, "week_score", score_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        steps.respread()
    assert len(calls) == 1 and steps.week == before
