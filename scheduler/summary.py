"""The short text summary `solve` prints after writing a week."""

from __future__ import annotations

from collections import defaultdict

from .changes import Changes
from .domain import Roster
from .quality import Quality, measure
from .solution import Schedule

STATUS_TEXT = {
    "optimal": "best possible schedule under the rules (proven)",
    "feasible": "valid schedule; the solver had not proven it the best when it stopped",
    "partial": "INCOMPLETE: no week meeting every rule was found; this is the best week found",
    "edited": "changed since scheduling (edited by hand, or the roster changed); quality "
              "recounted",
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


def summary_lines(roster: Roster, schedule: Schedule, changes: Changes | None = None,
                  quality: Quality | None = None) -> list[str]:
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
    if changes is not None:
        lines.append(f"  Changes:  {changes.summary_line()}")
    if s.unmet:
        lines.append(f"  Not met ({len(s.unmet)}): the week is incomplete:")
        lines += [f"    - {u.message}" for u in s.unmet]
    lines += quality_lines(quality or measure(roster, s))
    return lines


def quality_lines(quality: Quality) -> list[str]:
    """The soft rules as a compact table, and how far the week may be from the best."""
    lines = ["  Quality (penalty points; lower is better):"]
    width = max(len(r.title) for r in quality.rules)
    for r in quality.rules:
        met = f"{r.satisfied}/{r.possible}" if r.possible is not None else f"{r.units}"
        penalty = "off" if r.weight == 0 else f"{r.penalty:g}"
        lines.append(f"    {r.title:<{width}}  {met:>7}  {penalty:>7}")
    lines.append(f"    {'Total':<{width}}  {'':>7}  {quality.objective:>7g}")
    if quality.stale_bound:
        lines.append(f"    The solver's bound ({quality.bound:g}) belongs to other weights, so how "
                     "close this is to the best possible week is not known.")
    elif quality.gap is not None:
        if quality.gap <= 1e-9:
            lines.append("    No better week exists under these weights.")
        else:
            lines.append(
                f"    Best possible is at least {quality.bound:g}: this week is at most "
                f"{round(quality.objective - quality.bound, 2):g} points above it (a longer "
                "time limit may close the gap)."
            )
    return lines
