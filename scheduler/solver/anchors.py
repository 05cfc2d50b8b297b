"""Sections known by name before solving: last week's sections and pinned ones.

An anchor ties a section name (group + letter) to one candidate section of the
model, so pins (Fixed sheet) and continuity (--previous) can speak about "the
same section" and the written week keeps its letters from week to week.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from ..solution import Schedule, Section
from .plan import Plan


@dataclass(frozen=True)
class Anchor:
    group: str
    letter: str
    part: int  # index into plan.groups (one group part)
    k: int  # section number within that part
    previous: Section | None  # last week's section of this name, if any


def make_anchors(plan: Plan, previous: Schedule | None) -> list[Anchor]:
    """One anchor per named section, placed in the part holding most of its members."""
    roster = plan.roster
    letters: dict[str, set[str]] = defaultdict(set)
    last: dict[tuple[str, str], Section] = {}
    if previous is not None:
        for s in previous.sections:
            if s.group in roster.group_by_name:
                letters[s.group].add(s.name)
                last[(s.group, s.name)] = s
    for pin in getattr(roster, "pins", ()):
        letters[pin.group].add(pin.section)
    parts_of: dict[str, list[int]] = defaultdict(list)
    for i, gp in enumerate(plan.groups):
        parts_of[gp.group.name].append(i)
    used: Counter = Counter()
    anchors = []
    for group in sorted(letters):
        for letter in sorted(letters[group], key=lambda x: (len(x), x)):
            part = _best_part(plan, parts_of[group], last.get((group, letter)), group, letter)
            if part is None or used[part] >= plan.groups[part].sections:
                continue  # nothing this week can carry the name
            anchors.append(Anchor(group, letter, part, used[part], last.get((group, letter))))
            used[part] += 1
    return anchors


def _best_part(plan: Plan, parts: list[int], section: Section | None, group: str,
               letter: str) -> int | None:
    if not parts:
        return None
    members = set(section.patients) if section else set()
    pinned_slots = {
        s.index for pin in getattr(plan.roster, "pins", ())
        if pin.group == group and pin.section == letter and pin.day is not None
        for s in plan.slots if s.day == pin.day and (pin.start is None or s.start == pin.start)
    }

    def score(i: int) -> tuple:
        gp = plan.groups[i]
        pool = {p.id for p in gp.pool}
        return (len(members & pool), len(pinned_slots & set(gp.slots)), -i)

    return max(parts, key=score)
