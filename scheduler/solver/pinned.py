"""The Fixed sheet as the stepwise solver holds it: one `PinnedSection` per pinned letter.

The exact model holds pins per meeting (constraints.py). The stepwise solver's
sections keep one room all week (patterns.py), so here a pinned section is: its
group part, its facilitator, its room, and for each pinned meeting the slots it
may take (the pinned slot, or any slot of the pinned day). A section whose rows
name two different rooms cannot be held this way; `pinned_sections` then returns
None and the exact model is used.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass

from ..solution import Schedule
from .plan import Plan


@dataclass(frozen=True)
class PinnedSection:
    group: str
    letter: str
    part: int  # index into plan.groups
    facilitator: str | None
    room: str | None
    meetings: tuple[frozenset[int], ...]  # per pinned meeting: the slots it may take
    rows: tuple[int, ...] = ()  # its rows on the Fixed sheet

    def allows(self, slots: tuple[int, ...]) -> bool:
        """Whether a section at these slots can hold every pinned meeting (each its own slot)."""
        if len(self.meetings) > len(slots):
            return False
        return any(all(t in allowed for t, allowed in zip(order, self.meetings))
                   for order in itertools.permutations(slots, len(self.meetings)))

    def holds(self, d) -> bool:
        """Whether a SectionDraft is this pinned section."""
        return (d.group == self.group and self.allows(d.slots)
                and self.facilitator in (None, d.facilitator)
                and (self.room is None or set(d.rooms) == {self.room}))


def pinned_sections(plan: Plan, previous: Schedule | None = None) -> list[PinnedSection] | None:
    """The Fixed sheet's sections, or None when one is pinned to two rooms.

    A pinned section belongs to the group part holding most of last week's members of
    that letter (then most of its pinned slots), as anchors.py decides for the exact model.
    """
    rows = defaultdict(list)
    for pin in getattr(plan.roster, "pins", ()):
        rows[(pin.group, pin.section)].append(pin)
    last = {(sec.group, sec.name): set(sec.patients)
            for sec in (previous.sections if previous is not None else ())}
    out = []
    for (group, letter), pins in sorted(rows.items()):
        rooms = {p.room for p in pins if p.room is not None}
        if len(rooms) > 1:
            return None
        facilitator = next((p.facilitator for p in pins if p.facilitator is not None), None)
        meetings = tuple(
            frozenset(s.index for s in plan.slots
                      if s.day == p.day and (p.start is None or s.start == p.start))
            for p in pins if p.day is not None)
        parts = [i for i, gp in enumerate(plan.groups) if gp.group.name == group]
        if not parts:
            continue  # the group cannot run at all; the plan's notes say why
        wanted = set().union(*meetings) if meetings else set()
        members = last.get((group, letter), set())
        part = max(parts, key=lambda i: (len(members & {p.id for p in plan.groups[i].pool}),
                                         len(wanted & set(plan.groups[i].slots)),
                                         len(plan.groups[i].pool), -i))
        out.append(PinnedSection(group, letter, part, facilitator, next(iter(rooms), None),
                                 meetings, tuple(p.row for p in pins if p.row is not None)))
    return out
