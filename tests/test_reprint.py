"""render's choice between printing a week as solved and as edited (scheduler/reprint.py)."""

from __future__ import annotations

import dataclasses

import pytest
from test_check import center, sound_week

from scheduler.quality import week_score
from scheduler.reprint import reprint
from scheduler.solution import Schedule
from scheduler.writers.report import verdict


def solved_week(status="optimal", **changes):
    """The sound week as solve writes it: penalty recounted, solved for center()."""
    roster = dataclasses.replace(center(), fingerprint="roster-1")
    week = Schedule(status, list(sound_week().values()), best_bound=1.0,
                    stats={"total_seconds": 12.0}, roster_fingerprint="roster-1")
    week.objective = week_score(roster, week)
    return roster, dataclasses.replace(week, **changes)


def test_an_untouched_week_for_its_roster_keeps_the_solvers_status_and_figures():
    roster, week = solved_week()
    again = reprint(roster, week, [])
    s = again.schedule
    assert (s.status, s.best_bound, s.stats, again.why_edited) == (
        "optimal", 1.0, {"total_seconds": 12.0}, "")
    assert again.quality.bound == 1.0 and s.objective == week.objective


@pytest.mark.parametrize("changes, why", [
    ({"roster_fingerprint": "roster-0"}, "the roster has changed since it was solved"),
    ({"objective": 999.0}, "its penalty counted now"),
])
def test_a_week_whose_roster_or_penalty_has_changed_is_printed_as_edited_without_bound(
        changes, why):
    roster, week = solved_week(**changes)
    again = reprint(roster, week, [])
    s = again.schedule
    assert (s.status, s.best_bound, s.stats, again.quality.bound) == ("edited", None, {}, None)
    assert again.why_edited.startswith(why)
    assert s.warnings[-1].startswith(f"Printed as edited: {why}")
    text = verdict(roster, s, again.quality).status_text
    assert text.startswith(f"printed as edited, as {why}") and "edited by hand" not in text


def test_a_hand_edited_week_keeps_its_bound_while_the_roster_is_the_one_solved_for():
    roster, week = solved_week(status="edited")
    again = reprint(roster, week, [])
    assert (again.schedule.status, again.schedule.best_bound, again.why_edited) == (
        "edited", 1.0, "")
    assert again.schedule.stats == {}
    assert "edited by hand" in verdict(roster, again.schedule, again.quality).status_text
