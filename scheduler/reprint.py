"""A week printed again by `render`: as solved while nothing has changed, else as edited."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .check import Violation
from .domain import Roster
from .quality import Quality, measure
from .solution import Schedule

# Starts the warning that says why an unedited week is printed as edited (the report reads it).
EDITED_BECAUSE = "Printed as edited: "


@dataclass
class Reprint:
    schedule: Schedule  # the week to write, with its status and figures
    quality: Quality
    why_edited: str  # why a week not edited by hand is still printed as edited, or ""


def reprint(roster: Roster, week: Schedule, broken: list[Violation]) -> Reprint:
    """The week read back (read_schedule gives it status "edited" unless its meetings and
    figures are as solved), to print for roster as it is now.

    The solver's status, bound and search figures are kept only while they still describe
    the week: meetings untouched, the roster the one solved for, and the penalty recounted
    now the one solved with. A hand-edited week was not searched for, but its bound holds
    while the roster is the one solved for.
    """
    same_roster = week.roster_fingerprint == roster.fingerprint
    printed = Schedule(status="edited", meetings=week.meetings,
                       week_of=roster.settings.week_of or week.week_of,
                       center=roster.settings.center or week.center,
                       best_bound=week.best_bound if same_roster else None,
                       warnings=list(roster.warnings) + [v.text for v in broken],
                       roster_fingerprint=roster.fingerprint)
    quality = measure(roster, printed)
    printed.objective = quality.objective
    if week.status == "edited":
        return Reprint(printed, quality, "")
    if not same_roster:
        why = "the roster has changed since it was solved"
    elif broken:
        why = "it breaks rules"
    elif week.objective is None or abs(quality.objective - week.objective) > 0.005:
        # Counted another way when solved (an older version, or a --previous week written
        # with the solver's sum that counted last week's changes): its bound is of that sum.
        why = (f"its penalty counted now ({quality.objective:g}) is not the one it was "
               f"solved with ({week.objective:g})" if week.objective is not None else
               "it was written without its penalty")
        printed.best_bound = None
        quality = replace(quality, bound=None)
    else:
        printed.status, printed.stats = week.status, dict(week.stats)
        return Reprint(printed, quality, "")
    printed.warnings.append(f"{EDITED_BECAUSE}{why}.")
    return Reprint(printed, quality, why)
