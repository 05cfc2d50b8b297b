"""Tiny hand-checkable rosters built directly as dataclasses (no workbook)."""

from __future__ import annotations

import datetime as dt
import json

from checker import check

from scheduler.domain import Group, Patient, Program, Room, Roster, Settings, Slot, Staff, key
from scheduler.output import schedule_json
from scheduler.parsing import parse_day, parse_time, parse_time_expr
from scheduler.solver import SolveOptions, solve

WEEK_OF = dt.date(2026, 11, 30)
VETERAN = WEEK_OF - dt.timedelta(days=90)  # a role model
NEWCOMER = WEEK_OF - dt.timedelta(days=3)


def slots(*specs: str) -> list[Slot]:
    """slots('Mon 9:00-10:00', 'Tue 9:00-10:00') -> indexed Slots in week order."""
    parsed = []
    for spec in specs:
        day, times = spec.split()
        start, end = times.split("-")
        parsed.append((parse_day(day), parse_time(start), parse_time(end)))
    parsed.sort()
    return [Slot(i, d, s, e) for i, (d, s, e) in enumerate(parsed)]


def program(name="Res", min_hours=0.0, max_per_day=None, attends="") -> Program:
    return Program(name, round(min_hours * 60), max_per_day, parse_time_expr(attends))


def group(name="G", kind="therapy", sessions=1, min_size=1, max_size=10, skill="cbt",
          programs=(), required=True, gender=None, track=None, room_needs=()) -> Group:
    return Group(name, kind, sessions, min_size, max_size, key(skill), frozenset(programs),
                 required, gender, track, frozenset(key(f) for f in room_needs))


def staff(id="S1", skills=("cbt",), available="", max_per_day=None, max_per_week=None) -> Staff:
    return Staff(id, f"Staff {id}", frozenset(key(s) for s in skills), parse_time_expr(available),
                 max_per_day, max_per_week)


def room(name="R1", capacity=10, features=(), unavailable="") -> Room:
    return Room(name, capacity, frozenset(key(f) for f in features), parse_time_expr(unavailable))


def patient(id="P1", program="Res", admitted=VETERAN, unavailable="", extra=(), keep_apart=(),
            needs=(), gender=None, track=None, role_model=None, therapist=None) -> Patient:
    return Patient(id, program, f"Patient {id}", gender, admitted, track, therapist, tuple(extra),
                   parse_time_expr(unavailable), tuple(keep_apart),
                   frozenset(key(n) for n in needs), role_model)


def patients(n: int, prefix="P", **kw) -> list[Patient]:
    return [patient(f"{prefix}{i}", **kw) for i in range(1, n + 1)]


def roster(slot_list=None, programs=None, groups=None, staff_list=None, rooms=None,
           patient_list=None, role_model_days=30, weights=None) -> Roster:
    r = Roster(
        Settings(center="Tiny", week_of=WEEK_OF, role_model_days=role_model_days),
        slot_list if slot_list is not None else slots("Mon 9:00-10:00"),
        programs if programs is not None else [program()],
        groups if groups is not None else [group()],
        staff_list if staff_list is not None else [staff()],
        rooms if rooms is not None else [room()],
        patient_list if patient_list is not None else [patient()],
    )
    r.weights.update(weights or {})
    return r


def two_groups_one_therapist() -> Roster:
    """A and B both need S1; there are two slots, so they must meet at different times."""
    return roster(
        slot_list=slots("Mon 9:00-10:00", "Tue 9:00-10:00"),
        groups=[group("A"), group("B")],
        staff_list=[staff("S1")],
        rooms=[room("R1"), room("R2")],
        patient_list=patients(3),
    )


def solve_checked(r: Roster, time_limit: float = 20, optimal: bool = False) -> dict | None:
    """Solve; if a week is found, the independent checker must find no broken rule.

    optimal: the tiny instance must be solved to proven optimality (soft-rule tests).
    """
    result = solve(r, SolveOptions(time_limit=time_limit, workers=2))
    if not result.found:
        assert result.status == "infeasible", result.status
        return None
    if optimal:
        assert result.status == "optimal"
    data = json.loads(schedule_json(r, result.schedule))
    assert check(r, data) == []
    return data


def units(data: dict, rule: str) -> int:
    """A soft rule's units as the report (schedule.json's quality object) counts them."""
    return next(r["units"] for r in data["quality"]["rules"] if r["rule"] == rule)


def meetings_of(data: dict, group_name: str) -> list[dict]:
    return [m for m in data["meetings"] if m["group"] == group_name]


def when(m: dict) -> str:
    return f"{m['day']} {m['start']}"
