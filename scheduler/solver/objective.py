"""The soft rules as named penalty terms (see scheduler/rules.py and docs/quality/).

Each method adds one rule: integer *unit* expressions whose sum the rule's weight
multiplies. Auxiliary variables are only bounded from below; minimisation makes
them exact, so a rule with weight 0 adds nothing at all. After solving, each
term's units are read back by name; the report recomputes them independently
from the finished week (scheduler/quality.py).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python.cp_model import CpModel, CpSolver, IntVar, LinearExpr

from ..domain import THERAPY, key
from ..rules import MEMBERS_PER_ROLE_MODEL, SAME_DAY_UNITS, SOFT_RULES, scaled, weight_of
from .constraints import LOST_WEIGHTS

# Points per continuity unit: a patient leaving their peers (5 units) outweighs any
# quality rule's unit (own therapist is 20 points).
CONTINUITY_WEIGHT = 10
from .plan import Plan
from .variables import Variables, both


@dataclass
class Term:
    """One soft rule in the model: units = sum(coef * var) + constant."""

    key: str
    weight: int  # hundredths of a point per unit
    vars: list[IntVar] = field(default_factory=list)
    coefs: list[int] = field(default_factory=list)
    constant: int = 0

    def add(self, var, coef: int = 1) -> None:
        self.vars.append(var)
        self.coefs.append(coef)

    def expr(self) -> LinearExpr:
        return LinearExpr.weighted_sum(self.vars, self.coefs) + self.constant

    def units(self, solver: CpSolver) -> int:
        return sum(c * solver.value(v) for v, c in zip(self.vars, self.coefs)) + self.constant


class Objective:
    def __init__(self, model: CpModel, plan: Plan, variables: Variables):
        self.model = model
        self.plan = plan
        self.vars = variables
        self.terms: list[Term] = []
        self.day_of = {s.index: s.day for s in plan.slots}

    def add_all(self, lost: dict[str, list[tuple]] | None = None) -> None:
        """The soft rules; with best effort also what is lost (see Constraints.lost)."""
        for kind, items in sorted((lost or {}).items()):
            term = Term(kind, LOST_WEIGHTS[kind])
            for var, coef in items:
                term.add(var, coef)
            self.terms.append(term)
        if any(a.previous is not None for a in self.plan.anchors):
            term = Term("continuity", scaled(CONTINUITY_WEIGHT))
            self.continuity(term)
            self.terms.append(term)
        for rule in SOFT_RULES:
            weight = scaled(weight_of(self.plan.roster.weights, rule.key))
            if weight <= 0:
                continue
            term = Term(rule.key, weight)
            getattr(self, rule.key)(term)
            self.terms.append(term)
        weighted = [t.weight * t.expr() for t in self.terms if t.vars or t.constant]
        if weighted:
            self.model.minimize(LinearExpr.sum(weighted))

    def units(self, solver: CpSolver) -> dict[str, int]:
        return {t.key: t.units(solver) for t in self.terms}

    def _excess(self, expr: LinearExpr, allowed: int, most: int) -> IntVar:
        """max(0, expr - allowed) as a variable: non-negative units keep the bound useful."""
        excess = self.model.new_int_var(0, max(0, most), "")
        self.model.add(excess >= expr - allowed)
        return excess

    # --- week to week (only with --previous) ---------------------------------------------

    def continuity(self, term: Term) -> None:
        """Soft, above every quality rule: +5 units per continuing patient who leaves last
        week's section, +3 per section with another facilitator, +2 per meeting at another
        time, +1 per meeting in another room."""
        slot_at = {(s.day, s.start): s.index for s in self.plan.slots}
        here = {p.id for p in self.plan.patients}
        for anchor in self.plan.anchors:
            last = anchor.previous
            if last is None:
                continue
            sv = self.vars.by_part[anchor.part][anchor.k]
            for pid in last.patients:
                if pid in here:
                    self._keep(term, sv.member.get(pid), 5)
            self._keep(term, sv.leads.get(last.facilitator), 3)
            for m in last.meetings:
                t = slot_at.get((m.day, m.start))
                self._keep(term, sv.meets.get(t), 2)
                self._keep(term, sv.room_at.get((m.room, t)), 1)

    @staticmethod
    def _keep(term: Term, var, units: int) -> None:
        """units unless var is true (a missing var is a change that cannot be avoided)."""
        term.constant += units
        if var is not None:
            term.add(var, -units)

    # --- one method per soft rule --------------------------------------------------------

    def own_therapist(self, term: Term) -> None:
        """Soft: +1 unit per patient in no therapy section led by their primary therapist."""
        sees: dict[str, list[IntVar]] = defaultdict(list)
        therapist = {p.id: p.primary_therapist for p in self.plan.patients if p.primary_therapist}
        for sv in self.vars.sections:
            if sv.group.kind != THERAPY:
                continue
            for pid, member in sv.member.items():
                leads = sv.leads.get(therapist.get(pid, ""))
                if leads is None:
                    continue
                sees[pid].append(both(self.model, member, leads))
        for pid in sorted(therapist):
            if not sees[pid]:
                term.constant += 1  # unavoidable: no section could pair them
                continue
            miss = self.model.new_bool_var("")
            self.model.add_bool_or(sees[pid] + [miss])
            term.add(miss)

    def spread(self, term: Term) -> None:
        """Soft: +1 unit per pair of a section's meetings on neighbouring days;
        +SAME_DAY_UNITS per extra meeting on a day the section already meets."""
        for sv in self.vars.sections:
            if sv.group.sessions < 2:
                continue
            on: dict[int, IntVar] = {}
            for day, meets in _by_day(sv.meets, self.day_of).items():
                on[day] = self.model.new_bool_var("")
                for m in meets:
                    self.model.add_implication(m, on[day])
                if len(meets) > 1:
                    term.add(self._excess(LinearExpr.sum(meets), 1, len(meets) - 1),
                             SAME_DAY_UNITS)
            for day in sorted(on):
                if day + 1 in on:
                    neighbours = self.model.new_bool_var("")
                    self.model.add_bool_or([~on[day], ~on[day + 1], neighbours])
                    term.add(neighbours)

    def same_room(self, term: Term) -> None:
        """Soft: +1 unit per room a section uses beyond its first."""
        for sv in self.vars.sections:
            if sv.group.sessions < 2:
                continue
            used = []
            for per_room in _by_room(sv.room_at).values():
                u = self.model.new_bool_var("")
                for var in per_room:
                    self.model.add_implication(var, u)
                used.append(u)
            if len(used) > 1:
                term.add(self._excess(LinearExpr.sum(used), 1, len(used) - 1))

    def shared_experience(self, term: Term) -> None:
        """Soft: +1 unit per substance track in a peer section beyond its first."""
        track_of = {p.id: key(p.track) for p in self.plan.patients if p.track}
        for sv in self.vars.sections:
            if not sv.group.is_peer:
                continue
            by_track: dict[str, list[IntVar]] = defaultdict(list)
            for pid, member in sv.member.items():
                if pid in track_of:
                    by_track[track_of[pid]].append(member)
            if len(by_track) < 2:
                continue
            has = []
            for members in by_track.values():
                h = self.model.new_bool_var("")
                for m in members:
                    self.model.add_implication(m, h)
                has.append(h)
            term.add(self._excess(LinearExpr.sum(has), 1, len(has) - 1))

    def role_model_mix(self, term: Term) -> None:
        """Soft: +2 units per role model a peer section lacks (one per six members);
        +1 unit per pair of newcomers sharing a peer section."""
        roster = self.plan.roster
        newcomers = {p.id for p in self.plan.patients if roster.is_newcomer(p)}
        for sv in self.vars.sections:
            if not sv.group.is_peer:
                continue
            size = sv.size
            models = LinearExpr.sum([m for pid, m in sv.member.items()
                                     if pid in self.plan.role_models])
            per = MEMBERS_PER_ROLE_MODEL
            if len(sv.member) > per:
                short = self.model.new_int_var(0, math.ceil(len(sv.member) / per), "")
                self.model.add(per * (models + short) >= size)
                term.add(short, 2)
            new = [m for pid, m in sv.member.items() if pid in newcomers]
            if len(new) < 2:
                continue
            # sum over t of max(0, n - t) = n(n-1)/2 pairs: convex, so newcomers spread out.
            count = LinearExpr.sum(new)
            for t in range(1, len(new)):
                excess = self.model.new_int_var(0, len(new) - t, "")
                self.model.add(excess >= count - t)
                term.add(excess)

    def fair_load(self, term: Term) -> None:
        """Soft: +1 unit per percentage point between the most and least used staff member
        of each skill, use being meetings led relative to what each could lead."""
        staff = self.plan.roster.staff
        cap = {s.id: self.plan.roster.staff_capacity(s) for s in staff}
        use: dict[str, IntVar] = {}
        for s in staff:
            if cap[s.id] == 0:
                continue
            led = LinearExpr.sum([sv.group.sessions * sv.leads[s.id]
                                  for sv in self.vars.sections if s.id in sv.leads])
            u = self.model.new_int_var(0, 100, "")
            # u = floor(100 * led / cap)
            self.model.add(cap[s.id] * u <= 100 * led)
            self.model.add(100 * led <= cap[s.id] * u + cap[s.id] - 1)
            use[s.id] = u
        for skill, members in sorted(_teams(staff, use).items()):
            hi = self.model.new_int_var(0, 100, "")
            lo = self.model.new_int_var(0, 100, "")
            for sid in members:
                self.model.add(hi >= use[sid])
                self.model.add(lo <= use[sid])
            term.add(hi)
            term.add(lo, -1)

    def compact_days(self, term: Term) -> None:
        """Soft: +1 unit per idle gap between two of a patient's sessions on one day."""
        for patient in self.plan.patients:
            busy: dict[int, list[IntVar]] = defaultdict(list)
            for a in self.vars.attend[patient.id]:
                busy[a.slot].append(a.var)
            free_by_day = _by_day({t: t for t in self.plan.patient_slots[patient.id]}, self.day_of)
            for day_slots in free_by_day.values():
                if len([t for t in day_slots if busy[t]]) < 2 or len(day_slots) < 3:
                    continue
                # Blocks of back-to-back sessions; gaps = blocks beyond the first.
                starts, previous = [], None
                for t in day_slots:
                    now = LinearExpr.sum(busy[t])
                    start = self.model.new_bool_var("")
                    before = LinearExpr.sum(busy[previous]) if previous is not None else 0
                    self.model.add(start >= now - before)
                    starts.append(start)
                    previous = t
                term.add(self._excess(LinearExpr.sum(starts), 1, len(starts) // 2))

    def right_amount(self, term: Term) -> None:
        """Soft: +2 units per elective place nobody prescribed; +1 if the group is
        specific to the patient's own substance track."""
        for sv in self.vars.sections:
            for pid, member in sv.member.items():
                if pid not in sv.plan.must:
                    term.add(member, 1 if sv.group.track else 2)

    def few_sections(self, term: Term) -> None:
        """Soft: +1 unit per section opened."""
        for sv in self.vars.sections:
            term.add(sv.active)


def _by_day(per_slot: dict[int, object], day_of: dict[int, int]) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    for t, item in sorted(per_slot.items()):
        out[day_of[t]].append(item)
    return out


def _by_room(room_at: dict[tuple[str, int], IntVar]) -> dict[str, list[IntVar]]:
    out: dict[str, list[IntVar]] = defaultdict(list)
    for (room, _), var in room_at.items():
        out[room].append(var)
    return out


def _teams(staff, use: dict[str, IntVar]) -> dict[str, list[str]]:
    """Skill -> staff IDs (with any capacity) who have it, for skills shared by two or more."""
    teams: dict[str, list[str]] = defaultdict(list)
    for s in sorted(staff, key=lambda s: s.id):
        if s.id in use:
            for skill in s.skills:
                teams[skill].append(s.id)
    return {k: v for k, v in teams.items() if len(v) > 1}
