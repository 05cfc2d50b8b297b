"""The short text summary `solve` prints after writing a week."""

from __future__ import annotations

from collections import defaultdict

from .domain import Roster
from .solution import Schedule

STATUS_TEXT = {
    "optimal": "best possible schedule under the rules (proven)",
    "feasible": "valid schedule; the solver had not proven it the best when it stopped",
}

PENALTY_TEXT = {
    "sections": "sections opened",
    "same_day": "extra meetings of a section on a day it already meets",
    "unprescribed_electives": "elective places added to reach Min hours",
}


def hours_by_program(roster: Roster, schedule: Schedule) -> list[dict]:
    """Per program: patients, fewest/most scheduled hours, and the program minimum."""
    minutes: dict[str, int] = defaultdict(int)
    for m in schedule.meetings:
        for pid in m.patients:
            minutes[pid] += m.minutes
    rows = []
    for program in roster.programs:
        ids = [p.id for p in roster.patients if p.program == program.name]
        if not ids:
            continue
        hours = [minutes[pid] / 60 for pid in ids]
        rows.append({
            "program": program.name,
            "patients": len(ids),
            "min_hours": min(hours),
            "max_hours": max(hours),
            "required_hours": program.min_hours,
        })
    return rows


def summary_lines(roster: Roster, schedule: Schedule) -> list[str]:
    s = schedule
    head = roster.settings.center or "Schedule"
    if s.week_of:
        head += f", week of {s.week_of:%a %d %b %Y}"
    stats = s.stats
    found = f"{stats.get('total_seconds', stats.get('solve_seconds', 0)):.1f} s"
    lines = [
        head,
        f"  Result:   {STATUS_TEXT.get(s.status, s.status)} ({found}, "
        f"{stats.get('solutions', 0)} schedule(s) found)",
        f"  Week:     {len(s.sections)} sections, {len(s.meetings)} meetings, "
        f"{len({m.facilitator for m in s.meetings})} of {len(roster.staff)} staff, "
        f"{len({m.room for m in s.meetings})} of {len(roster.rooms)} rooms",
        "  Hours per patient:",
    ]
    width = max((len(r["program"]) for r in hours_by_program(roster, s)), default=0)
    for r in hours_by_program(roster, s):
        span = f"{r['min_hours']:g}" if r["min_hours"] == r["max_hours"] else \
            f"{r['min_hours']:g}-{r['max_hours']:g}"
        lines.append(
            f"    {r['program']:<{width}}  {r['patients']:>3} patients  {span:>9} h"
            f"  (program minimum {r['required_hours']:g} h)"
        )
    notable = {k: v for k, v in s.penalties.items() if v and k != "sections"}
    if notable:
        lines.append("  Trade-offs:")
        for name, value in notable.items():
            lines.append(f"    {value} {PENALTY_TEXT.get(name, name)}")
    return lines
