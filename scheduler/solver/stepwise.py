"""A first week for large rosters, a few group parts at a time.

The pattern model over every group at once (patterns.py) needs minutes to find any
week beyond about 150 patients: facilitators, rooms and hundreds of patients all
interlock. Here the same model is solved for one group part at a time, with
everything the other parts already hold as constants (patterns.Fixed), so each
model is small:

1. **Place**: next is always the part whose qualified staff (or special rooms) are
   now most contended; electives last. Staff and rooms later parts depend on carry a
   price. A missed group or minutes below Min hours are priced, not forbidden, so a
   part that cannot seat everyone still gets placed.
2. **Repair**: while someone misses a group or hours and re-seating them among the
   sections with room (reseat.py) does not help, re-decide the part they miss together
   with a few sections in its way (that patient's others, or ones using its staff and
   rooms), then whole parts when that does not help.
3. **Polish**: with every hard rule holding, re-decide each part in turn for the
   soft rules (its current sections are the starting point, so it never gets worse).

Every step's buckets are divided into sections at once (split.py), so the week
held between steps is always concrete sections.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from typing import Callable

from ortools.sat.python import cp_model

from ..domain import key
from ..quality import week_score
from ..solution import Schedule
from .constraints import LOST_WEIGHTS
from .patterns import Fixed, PatternModel
from .plan import Plan
from .carry import Carried, Cohort
from .pinned import PinnedSection
from .reseat import has_seat, reseat_missing
from .split import SectionDraft, bucket_values, meetings_from, split_bucket
from .variables import complete_hint

# Search: (model, time limit in seconds, deterministic work) -> (status, solver, interrupted).
Search = Callable[[cp_model.CpModel, float, float], tuple]

# Deterministic-time budget of one step's search per STEP_SIZE variables (one to two
# seconds here); with one worker the same roster and seed then give the same week.
STEP_WORK = 1.0
STEP_SIZE = 5000
# Placing a part starts from nothing: twice the work (measured at 600 patients: a step cut
# at 3 units left 160 places its optimum seats; 6 units proved that optimum in 10-14 s).
PLACE_WORK = 2.0
# A repair step starts from the week as it is and cannot end worse (its hint is complete):
# past this much work, a step over many parts gained nothing in the measured runs.
REPAIR_WORK_CAP = 3.0
# A polish step starts from a complete week and only improves it: less work suffices.
POLISH_WORK = 0.5
# But no less than this: a small step's model takes about as long to build as half a unit
# of search. Measured (seed 1): at 120 patients model building fell from 14-15 % of the solve
# (issue 5's limit is 15 %) to 13 %, the same week; at 600 the same score; at 300 the solve
# ended 11 s sooner, 0.25 % higher (3082 against 3075).
POLISH_LEAST_WORK = 0.75
# Points a polish pass must gain over the one before for another pass.
POLISH_MIN_GAIN = 1.0
# Polish stops once its searches were given this much work without gaining POLISH_MIN_GAIN
# points: work, not seconds, so that one worker still gives the same week. Measured at 600
# patients: a whole pass gained 3 to 9 points in 35 s and one step alone took 16 s (10
# units); a 120-patient pass is about 18 steps of 0.5 units.
POLISH_PATIENCE = 10.0
# Respread (Stepwise.respread): the sections re-decided along with those meeting twice on
# one day, and the step's work. Measured on the generated 300- and 600-patient centers
# (seed 1): with 4 sections and 2 units every such section came apart in 1 to 3 s a part;
# with 8 the search found nothing in that work.
RESPREAD_ALONG = 4
RESPREAD_WORK = 2.0
# A step stops once proven within this many hundredths of a point of its best
# (a missed place costs 100,000).
STEP_GAP = 5000
SPLIT_RETRIES = 5
# Repairs in a row that did not help before whole group parts are re-decided, and
# before the repair gives up.
WHOLE_PARTS_AFTER = 3
GIVE_UP_AFTER = 12
# Hundredths of a point per meeting when later parts need all of a skill's or feature's supply.
RESERVE_PRICE = 2000


@dataclass
class StepStats:
    steps: int = 0
    repairs: int = 0
    polished: int = 0  # polish steps that changed the week
    reverted: int = 0  # repair steps undone because they left more missing
    build_seconds: float = 0.0  # spent building the steps' models
    work: float = 0.0  # deterministic work the steps' searches were given


class Stepwise:
    """Builds and keeps the week as SectionDrafts per group part."""

    def __init__(self, plan: Plan, search: Search, deadline: float,
                 tick: Callable[[str], None] | None = None, seed: int = 0,
                 stop: Callable[[], bool] | None = None):
        """stop: asked between steps whether to give up now (another search has a week)."""
        self.plan = plan
        self.stop = stop or (lambda: False)
        # Start each step from a complete hint (variables.complete_hint). Set on large rosters,
        # where steps are big and the week is the answer; on smaller ones the exact model
        # takes over, and (measured on a generated 120-patient center) did better from the
        # weeks the partial hints gave.
        self.complete_hints = False
        self.search = search
        self.deadline = deadline
        self.tick = tick or (lambda _m: None)
        # Told the report's score of each better week polish makes (for the progress line).
        self.on_better: Callable[[float], None] = lambda _score: None
        self.rng = random.Random(seed)
        self.week: dict[int, list[SectionDraft]] = {}
        self.stats = StepStats()
        self.interrupted = False
        self.day_of = {s.index: s.day for s in plan.slots}
        self.minutes_of = {s.index: s.minutes for s in plan.slots}
        self.part_of = {(gp.group.name, p.id): i for i, gp in enumerate(plan.groups)
                        for p in gp.pool}
        # Last week's sections as carried over: what continuity is measured against, and
        # what polish leaves alone.
        self.last: dict[tuple[str, str], SectionDraft] = {}
        # Last week's sections that could not stay as they were (carry.py).
        self.cohorts: list[Cohort] = []
        # Fixed sheet (pinned.py): every step that re-decides a pinned section holds it.
        self.pins: list[PinnedSection] = []
        # What regroup.py already re-decided, not to be tried again: (therapist, part, their
        # patients missing them, the sections re-decided).
        self.regroups_tried: set[tuple] = set()

    # --- the three phases -------------------------------------------------------------------

    def place(self) -> None:
        """Phase 1: every part once; next always the part whose staff or rooms are now most
        contended (electives last)."""
        left = self.order()
        total = len(left)
        while left and not self._out_of_time():
            needs = self._needs(left)
            part = max(left, key=lambda q: (q in needs, max(
                (p for p, _u in needs.get(q, {}).values()), default=0), -left.index(q)))
            left.remove(part)
            self.tick(f"placing {self.plan.groups[part].group.name} "
                      f"({total - len(left)} of {total})")
            self.decide({part}, relax=True, lean=True, reserve=self.reserve(needs, part),
                        later=tuple(left), work=PLACE_WORK)
        if not left:
            # Seats left in sections: a patient missing a group or hours takes one without a
            # repair step.
            self.admit()

    def resume(self, carried: Carried) -> None:
        """Phase 1 with last week (carry.py): its sections stay; members who can no longer
        come as they did are seated together again; new patients join sections with room,
        and only where none has room does a new section open."""
        pinned = {(pin.group, pin.letter): pin for pin in self.pins}
        cohorts = list(carried.cohorts)
        self.week = {}
        for part, ds in carried.week.items():
            for d in ds:
                pin = pinned.get((d.group, d.name))
                if pin is not None and (pin.part != part or not pin.holds(d)):
                    # Pinned differently this week: re-seated together, as pinned.
                    cohorts.append(Cohort(part, d.name, d.members, "it is pinned elsewhere"))
                else:
                    self.week.setdefault(part, []).append(d)
        self.cohorts = cohorts
        self.last = {(d.group, d.name): d for ds in self.week.values() for d in ds}
        for cohort in cohorts:
            group = self.plan.groups[cohort.part].group.name
            self.last[(group, cohort.name)] = SectionDraft(group, (), (), "", cohort.members,
                                                           cohort.name)
        for cohort in cohorts:
            if self._out_of_time():
                return
            gp = self.plan.groups[cohort.part]
            if len(cohort.members) < gp.group.min_size:
                continue  # too few to meet on their own: they join other sections below
            self.tick(f"re-seating {gp.group.name} {cohort.name}: {cohort.why}")
            self.decide({cohort.part}, relax=True, lean=True, freed={cohort.part: []},
                        extra={cohort.part: set(cohort.members)},
                        names=[self.last[(gp.group.name, cohort.name)]])
        self.admit()
        missing: dict[int, set[str]] = defaultdict(set)
        for pid, part in self.missing():
            if part is not None:
                missing[part].add(pid)
        for part in self.order():
            if part not in missing or self._out_of_time():
                continue
            gp = self.plan.groups[part]
            self.tick(f"opening a section of {gp.group.name}")
            if not self.week.get(part):
                self.decide({part}, relax=True, lean=True)
            else:
                self.decide({part}, relax=True, lean=True, freed={part: []},
                            extra={part: missing[part]},
                            new_sections=math.ceil(len(missing[part]) / gp.group.max_size))

    def admit(self) -> None:
        """Patients missing a group join the existing section of it that suits them best and
        has room; then those short of Min hours are topped up (top_up), and anyone still
        missing something gets their whole week again among the sections with room
        (reseat.py). Nobody else moves (hard rules checked as in split.py)."""
        joiner = _Joiner(self)
        pending = [(pid, part) for pid, part in self.missing()
                   if part is not None and self.week.get(part)]
        # Fewest sections to choose from first: a patient's one possible evening section
        # is not taken by a group of theirs that had several.
        choices = [sum(joiner.fits(pid, part, d) for d in self.week[part]) for pid, part in pending]
        for _n, _i, (pid, part) in sorted(zip(choices, range(len(pending)), pending)):
            joiner.join(pid, part)
        self.top_up(joiner)
        reseat_missing(self)

    def top_up(self, joiner: "_Joiner | None" = None) -> None:
        """Patients short of Min hours join elective sections with room (groups of their
        track first) until they have enough; nobody else moves."""
        joiner = joiner or _Joiner(self)
        programs = self.plan.roster.program_by_name
        minutes = self._minutes()
        for p in self.plan.patients:
            need = programs[p.program].min_minutes - minutes[p.id]
            if need <= 0:
                continue
            theirs = {d.group for ds in self.week.values() for d in ds if p.id in d.members}
            options = sorted(
                (part for (group, pid), part in self.part_of.items()
                 if pid == p.id and group not in theirs and self.week.get(part)),
                key=lambda part: joiner.elective_rank(p, part))
            for part in options:
                if need <= 0:
                    break
                joined = joiner.join(p.id, part)
                if joined is not None:
                    need -= sum(self.minutes_of[t] for t in joined.slots)

    def repair(self) -> bool:
        """Phase 2: re-decide parts with something missing until nothing is; True when done."""
        stuck = 0
        while not self._out_of_time():
            unheld = self.unheld()
            if unheld:
                # A pinned section missing from the week: its whole part again, pin included.
                pin = unheld[self.rng.randrange(len(unheld))]
                self.tick(f"placing the pinned {pin.group} {pin.letter}")
                parts, freed, extra = {pin.part}, {}, {}
            else:
                if reseat_missing(self):
                    continue
                missing = self.missing()
                if not missing:
                    return True
                self.tick(f"repairing the week: {len(missing)} place(s) still missing")
                step = self._neighbourhood(missing, widen=stuck)
                if step is None:
                    return False
                parts, freed, extra = step
            before = self.lost()
            self._no_worse(lambda: self.decide(parts, relax=True, lean=True, freed=freed,
                                               extra=extra, most_work=REPAIR_WORK_CAP), before)
            self.stats.repairs += 1
            stuck = 0 if self.lost() < before else stuck + 1
            if stuck >= GIVE_UP_AFTER:
                return False  # likely no complete week at all: the exact model can tell
        return False

    def _no_worse(self, step: Callable[[], bool], before: int) -> None:
        """Run a repair step; keep the week it leaves only if no more is missing than before.

        A step starts from the current sections, but a search stopped by its work limit (or
        a division into sections that failed and was cut) can end somewhere worse."""
        saved = self.week
        step()
        if self.lost() > before:
            self.week = saved
            self.stats.reverted += 1

    def polish(self) -> None:
        """Phase 3: each part again under every hard rule, for the soft rules; another pass
        while the last one made the week better by the report's measure, until time is up or
        POLISH_PATIENCE units of work bring no gain."""
        score = best = week_score(self.plan.roster, self.schedule())
        gained_at = self.stats.work
        while True:
            start = score
            for part in self.order():
                if self._out_of_time() or self.stats.work - gained_at >= POLISH_PATIENCE:
                    return
                if part not in self.week:
                    continue
                before = sorted(self.week[part], key=repr)
                # Continuing sections stay as they were: only this week's new ones are polished.
                new = [d for d in self.week[part] if (d.group, d.name) not in self.last]
                if self.last and not new:
                    continue
                freed = {part: new} if self.last and len(new) < len(before) else None
                if self.decide({part}, relax=False, work=POLISH_WORK, freed=freed,
                               least_work=POLISH_LEAST_WORK) \
                        and sorted(self.week[part], key=repr) != before:
                    self.stats.polished += 1
                    now = week_score(self.plan.roster, self.schedule())
                    self.on_better(now)
                    if now <= best - POLISH_MIN_GAIN:
                        best, gained_at = now, self.stats.work
                    score = now
            # Equal-cost alternatives can swap back and forth: only a better week earns a pass.
            if score >= start - POLISH_MIN_GAIN:
                return

    def respread(self) -> bool:
        """Sections meeting twice on one day re-decided with the RESPREAD_ALONG sections of
        their part whose members' programs are most like theirs, the rest of the week fixed;
        kept where the report's measure gains POLISH_MIN_GAIN, and then tried again in that
        part while a section there is still stacked. True when the week got better.

        Polish re-decides whole parts, and on a large one its search stops short of the
        member exchanges that free such a section to meet on two days; this small a step
        finds them in a second or two (docs/rules.md)."""
        if self.last:
            return False  # continuing sections keep last week's times
        program = {p.id: p.program for p in self.plan.patients}
        score, better = None, False

        def gains() -> bool:
            nonlocal score
            now = week_score(self.plan.roster, self.schedule())
            if now > score - POLISH_MIN_GAIN:
                return False
            score = now
            return True
        for part in sorted(self.week):
            # Again while a kept step leaves a section stacked, from the week it left: on a
            # generated 300-patient roster one step took one of two such sections apart, and
            # before this second try the other stayed stacked to the end of the solve.
            while not self._out_of_time():
                # (a kept step may leave an elective part with no section at all)
                sections = self.week.get(part, [])
                stacked = [d for d in sections
                           if len({self.day_of[t] for t in d.slots}) < len(d.slots)]
                if not stacked:
                    break
                if score is None:
                    score = week_score(self.plan.roster, self.schedule())
                share = Counter(program[m] for d in stacked for m in d.members)
                along = sorted((d for d in sections if d not in stacked),
                               key=lambda d: (-sum(share[program[m]] for m in d.members),
                                              d.slots, d.facilitator))[:RESPREAD_ALONG]
                if not self.decide_if(gains, {part}, relax=False, work=RESPREAD_WORK,
                                      freed={part: stacked + along}):
                    break
                better = True
                self.stats.polished += 1
                self.on_better(score)
        return better

    # --- one step -----------------------------------------------------------------------------

    def decide_if(self, keep: Callable[[], bool], parts: set[int], **kw) -> bool:
        """decide(parts, **kw), the week it leaves kept only if keep() (which judges it) says
        so; a step cut short by an exception (Ctrl-C) before it is judged is not kept."""
        saved = self.week
        try:
            if self.decide(parts, **kw) and keep():
                return True
        except BaseException:
            self.week = saved
            raise
        self.week = saved
        return False

    def decide(self, parts: set[int], relax: bool, lean: bool = False,
               reserve: dict | None = None, freed: dict[int, list[SectionDraft]] | None = None,
               extra: dict[int, set[str]] | None = None, work: float = STEP_WORK,
               new_sections: int = 1, names: list[SectionDraft] = (),
               later: tuple[int, ...] = (), most_work: float | None = None,
               least_work: float = 0.0) -> bool:
        """Re-decide these parts with the rest of the week fixed; True when they changed.

        freed: for some of the parts, only these of their sections are re-decided (the
        others stay); extra: patients of such a part who are in none of its sections yet;
        new_sections: how many more sections than freed ones such a part may then have;
        most_work: a cap on the search's work, however many variables the step has;
        least_work: a floor, however few.
        The current sections are the search's starting point (and their patterns are
        always candidates), so a step never makes them worse. Re-decided sections keep
        the letters of the ones (or of names) they share most members with.
        """
        freed = freed or {}
        moving = {p: (freed[p] if p in freed else self.week.get(p, [])) for p in parts}
        kept = [d for p, ds in self.week.items() for d in ds
                if p not in parts or (p in freed and d not in freed[p])]
        pools = {p: {pid for d in moving[p] for pid in d.members} | (extra or {}).get(p, set())
                 for p in freed}
        caps = {p: len(moving[p]) + new_sections for p in freed}
        include = {p: sorted({d.slots for d in moving[p]}) for p in parts}
        # Last week's sections among those re-decided (as they were then, not as earlier
        # steps left them): leaving them costs continuity points.
        keep = [(p, self.last[(d.group, d.name)]) for p in sorted(moving) for d in moving[p]
                if (d.group, d.name) in self.last]
        # A pinned section still in the kept part of the week holds its pin already.
        held = {(d.group, d.name) for d in kept}
        pins = [pin for pin in self.pins
                if pin.part in parts and (pin.group, pin.letter) not in held]
        started = time.perf_counter()
        fixed = self._fixed_from(kept)
        self._hold_for_pins(fixed, later)
        model = PatternModel(self.plan, parts, fixed, relax=relax,
                             include=include, lean=lean, reserve=reserve, pools=pools, caps=caps,
                             keep=keep, pins=pins, later=later)
        self._hint(model, moving)
        self.stats.build_seconds += time.perf_counter() - started
        if self.complete_hints:
            complete_hint(model.model)  # a search, not building: outside build_seconds
        self.stats.steps += 1
        work = work * max(1.0, len(model.model.proto.variables) / STEP_SIZE)
        if most_work is not None:
            work = min(work, most_work)
        work = max(work, least_work)
        for _ in range(SPLIT_RETRIES):
            left = self.deadline - time.perf_counter()
            if left <= 0.05 or self.stop():
                return False
            status, solver, interrupted = self.search(model.model, left, work)
            self.stats.work += work
            self.interrupted |= interrupted
            if status == cp_model.UNKNOWN and not interrupted:
                work *= 2  # nothing found yet: a big part needs more work
                continue
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                return False
            drafts, failed = [], None
            for value in bucket_values(model, solver):
                sections = split_bucket(self.plan, value, time_limit=min(2.0, max(0.1, left)),
                                        cohorts=[d for _p, d in keep])
                if sections is None:
                    failed = value
                    break
                drafts += sections
            if failed is None:
                # Pinned letters are given only where the pin holds (split.py).
                drafts = keep_names([d for ds in moving.values() for d in ds] + list(names),
                                    drafts, {(pin.group, pin.letter) for pin in self.pins})
                week: dict[int, list[SectionDraft]] = defaultdict(list)
                for d in kept + drafts:
                    week[self.part_of[(d.group, d.members[0])]].append(d)
                self.week = dict(week)  # one assignment: Ctrl-C never leaves half a step
                return True
            if interrupted:
                return False
            model.forbid(failed.bucket, failed.members, len(failed.leads))
        return False

    def fixed(self) -> Fixed:
        """What the whole week holds."""
        return self._fixed_from([d for ds in self.week.values() for d in ds])

    def _hold_for_pins(self, fixed: Fixed, later: tuple[int, ...]) -> None:
        """Pinned sections of parts still to be placed keep their facilitator and room free
        at the one time a meeting of theirs is pinned to (a part placed first took them)."""
        for pin in self.pins:
            if pin.part not in later:
                continue
            for allowed in pin.meetings:
                if len(allowed) != 1:
                    continue  # pinned to a day: any of its times will do
                (t,) = allowed
                if pin.facilitator is not None:
                    fixed.staff_busy.add((pin.facilitator, t))
                if pin.room is not None:
                    fixed.room_busy.add((pin.room, t))

    def _fixed_from(self, drafts: list[SectionDraft]) -> Fixed:
        fixed = Fixed()
        therapist = {p.id: p.primary_therapist for p in self.plan.patients}
        groups = self.plan.roster.group_by_name
        for d in drafts:
            for t, room in zip(d.slots, d.rooms):
                day = self.day_of[t]
                fixed.staff_busy.add((d.facilitator, t))
                fixed.staff_day[(d.facilitator, day)] += 1
                fixed.staff_week[d.facilitator] += 1
                fixed.room_busy.add((room, t))
                for pid in d.members:
                    fixed.patient_busy.add((pid, t))
                    fixed.patient_day[(pid, day)] += 1
                    fixed.patient_minutes[pid] += self.minutes_of[t]
            if not groups[d.group].is_peer:
                fixed.sees_therapist.update(pid for pid in d.members
                                            if therapist.get(pid) == d.facilitator)
        return fixed

    def reserve(self, needs, placing: int) -> dict[tuple[str, str], int]:
        """What leading a meeting costs each staff member, and hosting one each room with
        special features, by how much the parts still to place need them (see _needs)."""
        cost: Counter = Counter()
        for q, need in needs.items():
            if q == placing:
                continue
            for kind, (pressure, usable) in need.items():
                for name, u in usable.items():
                    if u:
                        cost[(kind, name)] += RESERVE_PRICE * pressure
        return {k: round(v) for k, v in cost.items() if round(v) > 0}

    def _needs(self, parts) -> dict[int, dict[str, tuple[float, dict[str, int]]]]:
        """Per part: for "staff" (and "room" if it needs room features), its meetings over
        what its qualified staff (its rooms) can still give at its times, and who gives it."""
        plan, roster = self.plan, self.plan.roster
        fixed = self.fixed()
        left = {s.id: max(0, roster.staff_capacity(s) - fixed.staff_week[s.id])
                for s in roster.staff}
        staff_free = {sid: {t for t in ts if (sid, t) not in fixed.staff_busy}
                      for sid, ts in plan.staff_slots.items()}
        room_free = {name: {t for t in ts if (name, t) not in fixed.room_busy}
                     for name, ts in plan.room_slots.items()}
        out = {}
        for q in parts:
            gp = plan.groups[q]
            meetings = math.ceil(len(gp.must) / gp.group.max_size) * gp.group.sessions
            if not meetings:
                continue
            slots = set(gp.slots)
            usable = {s.id: min(left[s.id], len(slots & staff_free[s.id])) for s in gp.staff}
            out[q] = {"staff": (meetings / max(1, sum(usable.values())), usable)}
            if gp.group.room_needs:
                usable = {r.name: len(slots & room_free[r.name]) for r in gp.rooms}
                out[q]["room"] = (meetings / max(1, sum(usable.values())), usable)
        return out

    def _hint(self, model: PatternModel, moving: dict[int, list[SectionDraft]]) -> None:
        """Start from the sections being re-decided."""
        by_pattern: dict[tuple[int, tuple[int, ...]], list[SectionDraft]] = defaultdict(list)
        for part, drafts in moving.items():
            for d in drafts:
                by_pattern[(part, d.slots)].append(d)
        if not by_pattern:
            return
        m = model.model
        for b in model.buckets:
            drafts = by_pattern.get((b.pattern.part, b.pattern.slots), [])
            members = {pid for d in drafts for pid in d.members}
            leads = {d.facilitator for d in drafts}
            rooms = {d.rooms[0] for d in drafts}
            m.add_hint(b.sections, len(drafts))
            for pid, var in b.members.items():
                m.add_hint(var, pid in members)
            for sid, var in b.leads.items():
                m.add_hint(var, sid in leads)
            for name, var in b.rooms.items():
                m.add_hint(var, name in rooms)
        for (part, pid), var in model.missed.items():
            m.add_hint(var, not any(pid in d.members for d in moving.get(part, [])))

    # --- what is missing ----------------------------------------------------------------------

    def missing(self) -> list[tuple[str, int | None]]:
        """(patient, part) for each missed group; (patient, None) for each patient short of hours."""
        placed = {(pid, part) for part, drafts in self.week.items()
                  for d in drafts for pid in d.members}
        out = []
        for part, gp in enumerate(self.plan.groups):
            out += [(pid, part) for pid in sorted(gp.must) if (pid, part) not in placed]
        minutes = self._minutes()
        programs = self.plan.roster.program_by_name
        out += [(p.id, None) for p in self.plan.patients
                if minutes[p.id] < programs[p.program].min_minutes]
        return out

    def unheld(self) -> list[PinnedSection]:
        """Pinned sections the week does not have (a step that could not hold them)."""
        return [pin for pin in self.pins
                if not any(d.name == pin.letter and pin.holds(d)
                           for d in self.week.get(pin.part, []))]

    def lost(self) -> int:
        """What is missing, in the best-effort prices (LOST_WEIGHTS); a pinned section
        missing counts as all its group's places."""
        minutes = self._minutes()
        programs = self.plan.roster.program_by_name
        short = sum(max(0, programs[p.program].min_minutes - minutes[p.id])
                    for p in self.plan.patients)
        missed = sum(1 for _pid, part in self.missing() if part is not None)
        missed += sum(self.plan.groups[pin.part].group.max_size for pin in self.unheld())
        return missed * LOST_WEIGHTS["missed_group"] + short * LOST_WEIGHTS["short_minutes"]

    def _minutes(self) -> Counter:
        minutes: Counter = Counter()
        for drafts in self.week.values():
            for d in drafts:
                for pid in d.members:
                    minutes[pid] += sum(self.minutes_of[t] for t in d.slots)
        return minutes

    def _neighbourhood(self, missing, widen: int):
        """Sections to re-decide for one thing missing: the part someone misses (or an
        elective, for short hours) and sections in its way: others of that patient, or
        ones using the part's staff and rooms at times the patient could come.

        widen: how many repairs in a row did not help; each frees more sections.
        Returns (parts, freed sections per part, patients to add per part), or None when
        nothing could help (no group could give a patient short of hours more).
        """
        pid, part = missing[self.rng.randrange(len(missing))]
        theirs = {p for p, drafts in self.week.items() for d in drafts if pid in d.members}
        if part is None:
            # Short of hours: another group, or longer slots for a group they are in.
            options = sorted({self.part_of[(gp.group.name, pid)] for gp in self.plan.groups
                              if (gp.group.name, pid) in self.part_of} - theirs)
            if not options or (theirs and self.rng.random() < 0.5):
                options = sorted(theirs)
            if not options:
                return None  # no group could give this patient more hours
            part = self.rng.choice(options)
        gp = self.plan.groups[part]
        staff, rooms = {s.id for s in gp.staff}, {r.name for r in gp.rooms}
        could = set(self.plan.patient_slots[pid]) & set(gp.slots)
        own, rivals = [], []
        for q in sorted(self.week):
            if q == part:
                continue
            for d in self.week[q]:
                if pid in d.members:
                    own.append((q, d))
                elif (d.facilitator in staff or set(d.rooms) & rooms) and could & set(d.slots):
                    rivals.append((q, d))
        self.rng.shuffle(own)
        self.rng.shuffle(rivals)
        n = 2 + 2 * min(widen, 4)
        chosen = own[:max(1, n // 2)] + rivals[:n]
        freed: dict[int, list[SectionDraft]] = defaultdict(list)
        for q, d in chosen[:n]:
            freed[q].append(d)
        mine = list(self.week.get(part, []))
        self.rng.shuffle(mine)
        freed[part] = mine[:1 + min(widen, 4)]
        extra = {part: {p for p, q in missing if q == part}}
        if widen >= WHOLE_PARTS_AFTER:
            # Sections alone did not help: whole parts (the patient's and the missed one) move.
            whole = {part} | {q for q, _d in own[:2]}
            return set(freed) | whole, {q: ds for q, ds in freed.items() if q not in whole}, {}
        return set(freed), dict(freed), extra

    # --- order and time -----------------------------------------------------------------------

    def order(self) -> list[int]:
        """Parts that must seat patients first, scarcest facilitator skill first; then electives."""
        plan = self.plan
        demand: dict[int, int] = {}
        by_skill: dict[str, int] = Counter()
        supply: dict[str, int] = Counter()
        for i, gp in enumerate(plan.groups):
            g = gp.group
            demand[i] = math.ceil(len(gp.must) / g.max_size) * g.sessions
            by_skill[g.skill] += demand[i]
        roster = plan.roster
        for s in roster.staff:
            for skill in s.skills:
                supply[skill] += roster.staff_capacity(s)
        pressure = {skill: by_skill[skill] / max(1, supply[skill]) for skill in by_skill}

        def rank(i: int) -> tuple:
            gp = plan.groups[i]
            return (not gp.must, -pressure[gp.group.skill], -demand[i], i)

        return sorted((i for i, gp in enumerate(plan.groups) if gp.sections > 0), key=rank)

    def _out_of_time(self) -> bool:
        return self.interrupted or time.perf_counter() >= self.deadline - 0.05 or self.stop()

    # --- results ------------------------------------------------------------------------------

    def drafts(self) -> list[SectionDraft]:
        return [d for part in sorted(self.week) for d in self.week[part]]

    def schedule(self) -> Schedule:
        roster = self.plan.roster
        return Schedule("feasible", meetings_from(roster, self.drafts()),
                        week_of=roster.settings.week_of, center=roster.settings.center)


def keep_names(old: list[SectionDraft], new: list[SectionDraft],
               reserved: set[tuple[str, str]] = frozenset()) -> list[SectionDraft]:
    """New sections take the letters of the old ones they share most members with (each
    letter once), so last week's sections keep their names through a re-decided step.

    reserved: (group, letter)s only split.py gives (pinned ones)."""
    taken = {(d.group, d.name) for d in new if d.name} | set(reserved)
    named = [d for d in old if d.name and (d.group, d.name) not in taken]
    if not named:
        return new
    pairs = sorted(((len(set(o.members) & set(n.members)), i, j)
                    for i, o in enumerate(named) for j, n in enumerate(new)
                    if o.group == n.group and n.name is None), key=lambda x: (-x[0], x[1], x[2]))
    out, used = list(new), set()
    for shared, i, j in pairs:
        if shared and i not in used and out[j].name is None:
            out[j] = replace(out[j], name=named[i].name)
            used.add(i)
    return out


class _Joiner:
    """Adds one patient to an existing section when every hard rule still holds."""

    def __init__(self, steps: Stepwise):
        self.steps = steps
        roster = steps.plan.roster
        self.roster = roster
        self.fixed = steps.fixed()
        self.apart = roster.kept_apart_from()

    def fits(self, pid: str, part: int, d: SectionDraft) -> bool:
        roster, fixed, day_of = self.roster, self.fixed, self.steps.day_of
        p, g = roster.patient_by_id[pid], self.steps.plan.groups[part].group
        cap = roster.program_by_name[p.program].max_per_day
        days = Counter(day_of[t] for t in d.slots)
        return (set(d.slots) <= set(self.steps.plan.patient_slots[pid])
                and not any((pid, t) in fixed.patient_busy for t in d.slots)
                and (cap is None or all(fixed.patient_day[(pid, day)] + n <= cap
                                        for day, n in days.items()))
                and has_seat(roster, p, g, d, self.apart))

    def suits(self, pid: str, part: int, d: SectionDraft) -> tuple:
        """Own therapist first; in peer groups fewest newcomers, then most of the same track;
        then the smallest section."""
        patients = self.roster.patient_by_id
        p, g = patients[pid], self.steps.plan.groups[part].group
        if g.is_peer:
            newcomers = sum(self.roster.is_newcomer(patients[m]) for m in d.members)
            same = sum(key(patients[m].track or "") == key(p.track) for m in d.members) \
                if p.track else 0
            first: tuple = (newcomers, -same)
        else:
            first = (d.facilitator != p.primary_therapist,)
        return first + (len(d.members), min(d.slots), d.name or "")

    def elective_rank(self, p, part: int) -> tuple:
        """Electives for the Right amount rule: groups of the patient's track first (a group
        with a track only takes patients of that track)."""
        g = self.steps.plan.groups[part].group
        return (not g.track, g.name, part)

    def join(self, pid: str, part: int) -> SectionDraft | None:
        """The section of this part the patient joined (None when none had room)."""
        week = self.steps.week
        options = [d for d in week[part] if self.fits(pid, part, d)]
        if not options:
            return None
        best = min(options, key=lambda d: self.suits(pid, part, d))
        joined = replace(best, members=tuple(sorted(best.members + (pid,))))
        week[part] = [joined if d is best else d for d in week[part]]
        for t in best.slots:
            self.fixed.patient_busy.add((pid, t))
            self.fixed.patient_day[(pid, self.steps.day_of[t])] += 1
            self.fixed.patient_minutes[pid] += self.steps.minutes_of[t]
        return joined
