"""One patient's week again among the sections there are: repairs that move nobody else
(or, to seat a patient with their therapist, one other patient).

After placing, a patient often misses a group or is half an hour short of Min hours
while sections with room exist at times they could come, only not at the times their
other sections left free. Re-deciding whole group parts (stepwise repair) finds such a
week slowly, if at all. Here the patient leaves every section and takes the best
combination of sections that have room: at most one per group part, one meeting at a
time, within their day cap, every group they must attend, and as many minutes as Min
hours ask. Sections they leave keep their Min size and, in peer groups, a role model;
their times, facilitators and rooms stay as they are.

The same choice, with every group they must attend and their minutes kept, also seats a
patient in a section their primary therapist leads when that means changing more than one
of their sections (after the exchanges of swaps.py), and, when every section of that
therapist is full, seats them beyond its size while one of its members who does not need
that therapist moves to another section of the group.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from ..domain import THERAPY
from .rebalance import only_if_better
from .split import SectionDraft, seats, therapy_pairs

# Objective: a group the patient must attend outweighs every minute towards Min hours, a
# minute outweighs all the points below, and keeping a section they are in outweighs
# seeing their own therapist (reseat scales the first two to the patient's options).
KEEP = 10
OWN_THERAPIST = 3


@dataclass
class _WeekModel:
    model: cp_model.CpModel
    x: list  # one literal per option
    options: list[tuple[int, SectionDraft]]  # (part, section)
    current: dict[int, SectionDraft]  # the sections the patient is in, per part
    covered: list  # per part they must attend: 1 when they are in a section of it
    counted: cp_model.IntVar  # minutes, up to Min hours
    bonus: list  # keeping a section, seeing their own therapist
    need: int  # Min hours in minutes
    before: tuple[int, int]  # (required groups covered, minutes up to Min hours) now


class Reseater:
    """Re-seats patients of a stepwise week (steps.week is changed in place)."""

    def __init__(self, steps, closing: SectionDraft | None = None):
        """closing: a section its members leave one by one below its Min size (it closes)."""
        self.steps = steps
        self.closing = None if closing is None else _key(closing)
        plan = steps.plan
        self.roster = plan.roster
        self.apart = self.roster.kept_apart_from()
        self.parts_of: dict[str, list[int]] = defaultdict(list)
        for (_group, pid), part in sorted(steps.part_of.items(), key=lambda kv: kv[1]):
            self.parts_of[pid].append(part)

    def reseat(self, pid: str) -> bool:
        """Give this patient the best week the sections allow; True when it got better
        (more groups they must attend, or more minutes up to Min hours)."""
        w = self._week_model(pid)
        minute = (KEEP + OWN_THERAPIST) * len(w.options) + 1
        must = minute * w.need + minute
        w.model.maximize(must * sum(w.covered) + minute * w.counted + sum(w.bonus))
        chosen = self._solve(w)
        if chosen is None or self._score(pid, chosen.values(), w.need) <= w.before:
            return False
        self._move(pid, w.current, chosen)
        return True

    def with_therapist(self, pid: str, squeeze: SectionDraft | None = None) -> bool:
        """Seat this patient in a therapy section their primary therapist leads, keeping every
        group they must attend and their minutes up to Min hours; True when it could.

        squeeze: a section they may join even when it is full (someone else then leaves it).
        """
        w = self._week_model(pid, squeeze)
        own = [var for var, (_part, d) in zip(w.x, w.options) if self._theirs(pid, d)]
        if not own:
            return False
        w.model.add(sum(own) >= 1)
        return self._keep_and_take(pid, w)

    def leave(self, pid: str, section: SectionDraft) -> bool:
        """Move this patient out of the section into another of its group part with room
        (their other sections may change too), keeping a section in every group part they
        are in, their minutes up to Min hours and, if they see their primary therapist, a
        section of theirs; True when it could."""
        w = self._week_model(pid)
        m = w.model
        # They move, not drop: still in each group part they were in.
        by_part: dict[int, list] = defaultdict(list)
        for var, (part, d) in zip(w.x, w.options):
            by_part[part].append(var)
            if d is section:
                m.add(var == 0)
        for part in w.current:
            m.add(sum(by_part[part]) >= 1)
        if any(self._theirs(pid, d) for d in w.current.values()):
            m.add(sum(var for var, (_part, d) in zip(w.x, w.options)
                      if self._theirs(pid, d)) >= 1)
        return self._keep_and_take(pid, w)

    def _theirs(self, pid: str, d: SectionDraft) -> bool:
        """Whether d is a therapy section that pid's primary therapist leads."""
        return (d.facilitator == self.roster.patient_by_id[pid].primary_therapist
                and self.roster.group_by_name[d.group].kind == THERAPY)

    def _keep_and_take(self, pid: str, w: "_WeekModel") -> bool:
        """With every group they must attend and their minutes up to Min hours kept, take
        the choice that keeps most of their week (and their therapist); True when one exists."""
        must, minutes = w.before
        w.model.add(sum(w.covered) >= must)
        w.model.add(w.counted >= minutes)
        w.model.maximize(sum(w.bonus))
        chosen = self._solve(w)
        if chosen is None:
            return False
        self._move(pid, w.current, chosen)
        return True

    def _week_model(self, pid: str, squeeze: SectionDraft | None = None) -> "_WeekModel":
        """The patient's choice of sections: at most one per group part, with room, one
        meeting at a time, within their day cap; leaving a section only where it stays valid."""
        steps, roster = self.steps, self.roster
        plan = steps.plan
        p = roster.patient_by_id[pid]
        program = roster.program_by_name[p.program]
        need = program.min_minutes
        free = set(plan.patient_slots[pid])
        options: list[tuple[int, SectionDraft]] = []
        current: dict[int, SectionDraft] = {}
        for part in self.parts_of[pid]:
            g = plan.groups[part].group
            for d in steps.week.get(part, ()):
                if pid in d.members:
                    current[part] = d
                    options.append((part, d))
                elif set(d.slots) <= free and has_seat(roster, p, g, d, self.apart,
                                                       full_ok=d is squeeze):
                    options.append((part, d))
        m = cp_model.CpModel()
        x = [m.new_bool_var("") for _ in options]
        by_part: dict[int, list] = defaultdict(list)
        at: dict[int, list] = defaultdict(list)
        per_day: dict[int, list] = defaultdict(list)
        minutes, bonus, covered = [], [], []
        for var, (part, d) in zip(x, options):
            by_part[part].append(var)
            for t in d.slots:
                at[t].append(var)
                per_day[steps.day_of[t]].append(var)
            minutes.append(sum(steps.minutes_of[t] for t in d.slots) * var)
            if current.get(part) is d:
                bonus.append(KEEP * var)
            if d.facilitator == p.primary_therapist:
                bonus.append(OWN_THERAPIST * var)
        for part, d in current.items():
            if not self._can_leave(pid, part, d):
                m.add(x[options.index((part, d))] == 1)  # the section needs them
        for part, vars_ in by_part.items():
            m.add_at_most_one(vars_)
            if pid in plan.groups[part].must:
                covered.append(sum(vars_))
        for vars_ in at.values():
            m.add_at_most_one(vars_)
        if program.max_per_day is not None:
            for vars_ in per_day.values():
                m.add(sum(vars_) <= program.max_per_day)
        counted = m.new_int_var(0, need, "")
        m.add(counted <= sum(minutes))
        return _WeekModel(m, x, options, current, covered, counted, bonus, need,
                          self._score(pid, current.values(), need))

    def _solve(self, w: "_WeekModel") -> dict[int, SectionDraft] | None:
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        # A few dozen options: solved in milliseconds; work, not seconds, keeps it reproducible.
        solver.parameters.max_deterministic_time = 1.0
        solver.parameters.max_time_in_seconds = 5.0
        solver.parameters.catch_sigint_signal = False  # Ctrl-C is the CLI's (solve.py)
        if solver.solve(w.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        return {part: d for var, (part, d) in zip(w.x, w.options) if solver.value(var)}

    def _score(self, pid: str, sections, need: int) -> tuple[int, int]:
        """(groups they must attend that they are in, minutes counted up to Min hours)."""
        plan, steps = self.steps.plan, self.steps
        must = sum(pid in plan.groups[steps.part_of[(d.group, pid)]].must for d in sections)
        minutes = sum(steps.minutes_of[t] for d in sections for t in d.slots)
        return must, min(minutes, need)

    def _can_leave(self, pid: str, part: int, d: SectionDraft) -> bool:
        """Whether the section they are in stays valid without them."""
        if _key(d) == self.closing:
            return True
        plan = self.steps.plan
        g = plan.groups[part].group
        rest = set(d.members) - {pid}
        return len(rest) >= g.min_size and (not g.is_peer or bool(rest & plan.role_models))

    def _move(self, pid: str, current: dict[int, SectionDraft],
              chosen: dict[int, SectionDraft]) -> None:
        week = self.steps.week
        for part in set(current) | set(chosen):
            old, new = current.get(part), chosen.get(part)
            if old is new:
                continue
            changes = {}
            if old is not None:
                changes[id(old)] = _with(old, set(old.members) - {pid})
            if new is not None:
                changes[id(new)] = _with(new, set(new.members) | {pid})
            week[part] = [changes.get(id(d), d) for d in week[part]]


def has_seat(roster, p, g, d: SectionDraft, apart: dict[str, set[str]],
             full_ok: bool = False) -> bool:
    """Whether patient p can join section d of group g as far as the section goes: a seat
    below Max size and its rooms' capacity (unless full_ok), the features p needs, nobody p
    is kept apart from (their own week's times are the caller's to check)."""
    rooms = [roster.room_by_name[r] for r in d.rooms]
    return ((full_ok or len(d.members) < seats(roster, d))
            and all(p.needs - g.room_needs <= r.features for r in rooms)
            and not apart[p.id] & set(d.members))


def _key(d: SectionDraft) -> tuple:
    # A facilitator leads one section at a time, so this names a section as members change.
    return d.group, d.slots, d.facilitator


def _with(d: SectionDraft, members: set[str]) -> SectionDraft:
    return replace(d, members=tuple(sorted(members)))


def reseat_missing(steps) -> int:
    """Re-seat every patient who misses a group or hours; how many got a better week."""
    reseater = Reseater(steps)
    better = 0
    for pid in sorted({pid for pid, _part in steps.missing()}):
        if steps._out_of_time():
            break
        better += reseater.reseat(pid)
    return better


def reseat_for_therapists(steps, out_of_time) -> int:
    """Patients in no therapy section of their primary therapist take one where that section
    has room, changing their other sections if they must (every group they must attend and
    their minutes up to Min hours kept); how many now see their therapist."""
    reseater = Reseater(steps)
    seen = therapy_pairs(steps.plan.roster, steps.week)
    made = 0
    for p in steps.plan.patients:
        if out_of_time():
            break
        if p.primary_therapist and (p.id, p.primary_therapist) not in seen:
            made += reseater.with_therapist(p.id)
    return made


def make_room_for_therapists(steps, out_of_time) -> int:
    """Patients whose therapist's sections are all full: the patient takes a seat in one
    beyond its size (their other sections may change), then a member who does not need that
    therapist moves to another section of the group with room (Reseater.leave). How many
    now see their therapist; kept only if the week's measure agrees it got better."""
    return only_if_better(steps, lambda: _make_room(steps, out_of_time))


def _make_room(steps, out_of_time) -> int:
    reseater = Reseater(steps)
    plan, roster = steps.plan, steps.plan.roster
    groups = roster.group_by_name
    therapist = {p.id: p.primary_therapist for p in plan.patients}
    made = 0
    for p in plan.patients:
        if out_of_time():
            break
        own = p.primary_therapist
        if not own or any(p.id in d.members and d.facilitator == own
                          and groups[d.group].kind == THERAPY
                          for ds in steps.week.values() for d in ds):
            continue
        free = set(plan.patient_slots[p.id])
        full = [(part, d) for part in reseater.parts_of[p.id] for d in steps.week.get(part, ())
                if d.facilitator == own and groups[d.group].kind == THERAPY
                and set(d.slots) <= free and len(d.members) >= seats(roster, d)]
        for part, d in full:
            before = {q: list(ds) for q, ds in steps.week.items()}
            if reseater.with_therapist(p.id, squeeze=d):
                (now,) = [x for x in steps.week[part]
                          if (x.slots, x.facilitator) == (d.slots, d.facilitator)]
                if len(now.members) <= seats(roster, now) or any(
                        m != p.id and therapist.get(m) != own and reseater.leave(m, now)
                        for m in now.members):
                    made += 1
                    break
            steps.week = before
    return made


def close_section(steps, part: int, section: SectionDraft) -> bool:
    """Move every member of the section to another section of its group part (their other
    sections may change too, as in Reseater.leave) and drop it; False, with the week as it
    was, when one of them cannot move."""
    before = {q: list(ds) for q, ds in steps.week.items()}
    reseater = Reseater(steps, closing=section)
    for pid in section.members:
        (now,) = [d for d in steps.week[part] if _key(d) == _key(section)]
        if not reseater.leave(pid, now):
            steps.week = before
            return False
    steps.week[part] = [d for d in steps.week[part] if _key(d) != _key(section)]
    return True
