"""Why no week exists: a small set of roster rows whose rules cannot all hold together.

The exact model is built on a copy of the roster with every row-level restriction
lifted (times, caps, Min hours, Min size, capacities, keep-apart, who must attend).
Each restriction is then put back under its own literal, and CP-SAT is asked to
solve assuming all of them. When it proves that impossible, it names a sufficient
subset of the assumptions; a deletion pass shrinks that subset until dropping any
one of its restrictions would make the rest satisfiable. Every restriction knows
its spreadsheet row, so the result is a list of rows to change.

Assumption cores need one worker (CP-SAT only reports them from a single search).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from ..conflicts import Conflict, RowRef
from ..domain import Roster, TimeExpr
from .constraints import Constraints
from .plan import make_plan
from .variables import Variables

# Sections per group beyond the fewest that seat its patients (as in solve.EXTRA_SECTIONS).
EXPLAIN_EXTRA_SECTIONS = 2
# Longest single check of the deletion pass; an undecided check keeps the restriction.
CHECK_SECONDS = 5.0


@dataclass(frozen=True)
class Restriction:
    """One roster rule put back under a literal; `clause` says it in the roster's words."""

    family: str  # must_attend, min_size, attends, unavailable, day_cap, min_hours, ...
    clause: str
    row: RowRef
    group: str = ""  # for must_attend: the group (clauses of one group are merged)
    patient: str = ""


# Deletion tries to drop these first, so what remains leans on staff, rooms and programs
# (what an administrator can change) and names as few patients as it can.
DROP_FIRST = ("must_attend", "keep_apart", "unavailable", "min_hours", "day_cap", "min_size",
              "attends", "room_capacity", "room_unavailable", "staff_caps", "staff_available")


def lifted(roster: Roster) -> Roster:
    """The roster with every restriction that has a literal in ExplainModel removed."""
    big = max([g.max_size for g in roster.groups] + [r.capacity for r in roster.rooms] + [1])
    return replace(
        roster,
        programs=[replace(p, attends=TimeExpr(), max_per_day=None, min_minutes=0)
                  for p in roster.programs],
        groups=[replace(g, min_size=1) for g in roster.groups],
        staff=[replace(s, available=TimeExpr(), max_per_day=None, max_per_week=None)
               for s in roster.staff],
        rooms=[replace(r, capacity=big, unavailable=TimeExpr()) for r in roster.rooms],
        patients=[replace(p, unavailable=TimeExpr(), keep_apart=()) for p in roster.patients],
    )


class ExplainModel:
    """The lifted model plus one literal per restriction (one method per family)."""

    def __init__(self, roster: Roster):
        self.roster = roster
        plan = make_plan(lifted(roster), extra_sections=EXPLAIN_EXTRA_SECTIONS)
        # Membership is a restriction too: nobody must attend anything until assumed.
        plan.groups = [replace(gp, must=frozenset()) for gp in plan.groups]
        plan.unplaceable = []
        self.plan = plan
        self.model = cp_model.CpModel()
        self.vars = Variables(self.model, plan)
        Constraints(self.model, plan, self.vars).add_all()
        self.restrictions: list[Restriction] = []
        self.literals: list[cp_model.IntVar] = []
        self.slot = {s.index: s for s in roster.slots}
        for family in (self.must_attend, self.min_size, self.attends, self.unavailable,
                       self.day_cap, self.min_hours, self.staff_available, self.staff_caps,
                       self.room_unavailable, self.room_capacity, self.keep_apart):
            family()

    def _literal(self, restriction: Restriction) -> cp_model.IntVar:
        lit = self.model.new_bool_var(restriction.family)
        self.restrictions.append(restriction)
        self.literals.append(lit)
        return lit

    def must_attend(self) -> None:
        """Each patient joins each Required group they are eligible for and their Extra groups."""
        for p in sorted(self.roster.patients, key=lambda p: p.id):
            for g in sorted(self.roster.assigned_groups(p), key=lambda g: g.name):
                extra = g.name in p.extra_groups
                how = "it is one of their Extra groups" if extra else \
                    f"Required on Groups row {g.row}"
                lit = self._literal(Restriction(
                    "must_attend", how, RowRef("Patients", p.row, "Extra groups" if extra else "Program"),
                    group=g.name, patient=p.id))
                choices = [sv.member[p.id] for sv in self.vars.by_group[g.name] if p.id in sv.member]
                self.model.add(sum(choices) >= 1).only_enforce_if(lit)

    def min_size(self) -> None:
        """Every open section has at least the group's Min size members."""
        for g in sorted(self.roster.groups, key=lambda g: g.name):
            if g.min_size <= 1:
                continue
            lit = self._literal(Restriction(
                "min_size", f"{g.name} needs at least {g.min_size} members per section "
                f"(Groups row {g.row}, Min size)", RowRef("Groups", g.row, "Min size", g.min_size)))
            for sv in self.vars.by_group[g.name]:
                self.model.add(sv.size >= g.min_size * sv.active).only_enforce_if(lit)

    def attends(self) -> None:
        """Patients meet only in slots their program Attends."""
        for program in self.roster.programs:
            if program.attends.blank:
                continue
            lit = self._literal(Restriction(
                "attends", f"{program.name} patients attend only '{program.attends.text}' "
                f"(Programs row {program.row}, Attends)",
                RowRef("Programs", program.row, "Attends", program.attends.text)))
            for p in self.roster.patients:
                if p.program == program.name:
                    self._forbid(self.vars.attend[p.id], lambda t: not program.attends.covers(t), lit)

    def unavailable(self) -> None:
        """Patients never meet in their Unavailable times."""
        for p in sorted(self.roster.patients, key=lambda p: p.id):
            if p.unavailable.blank:
                continue
            lit = self._literal(Restriction(
                "unavailable", f"patient {p.id} is unavailable '{p.unavailable.text}' "
                f"(Patients row {p.row}, Unavailable)",
                RowRef("Patients", p.row, "Unavailable", p.unavailable.text), patient=p.id))
            self._forbid(self.vars.attend[p.id], p.unavailable.blocks, lit)

    def day_cap(self) -> None:
        """Patients have at most their program's Max per day meetings a day."""
        for program in self.roster.programs:
            if program.max_per_day is None:
                continue
            lit = self._literal(Restriction(
                "day_cap", f"{program.name} patients have at most {program.max_per_day} "
                f"session(s) a day (Programs row {program.row}, Max per day)",
                RowRef("Programs", program.row, "Max per day", program.max_per_day)))
            for p in self.roster.patients:
                if p.program == program.name:
                    self._cap_per_day(self.vars.attend[p.id], program.max_per_day, lit)

    def min_hours(self) -> None:
        """Patients reach their program's Min hours."""
        for program in self.roster.programs:
            if program.min_minutes <= 0:
                continue
            lit = self._literal(Restriction(
                "min_hours", f"{program.name} patients need at least {program.min_hours:g} "
                f"hours of groups a week (Programs row {program.row}, Min hours)",
                RowRef("Programs", program.row, "Min hours", program.min_hours)))
            for p in self.roster.patients:
                if p.program == program.name:
                    minutes = sum(a.var * self.slot[a.slot].minutes for a in self.vars.attend[p.id])
                    self.model.add(minutes >= program.min_minutes).only_enforce_if(lit)

    def staff_available(self) -> None:
        """Facilitators lead only when Available."""
        for s in sorted(self.roster.staff, key=lambda s: s.id):
            if s.available.blank:
                continue
            lit = self._literal(Restriction(
                "staff_available", f"{s.id} ({s.display}) is available only "
                f"'{s.available.text}' (Staff row {s.row}, Available)",
                RowRef("Staff", s.row, "Available", s.available.text)))
            self._forbid(self.vars.teach.get(s.id, []), lambda t: not s.available.covers(t), lit)

    def staff_caps(self) -> None:
        """Facilitators stay within Max per day and Max per week."""
        for s in sorted(self.roster.staff, key=lambda s: s.id):
            presences = self.vars.teach.get(s.id, [])
            if s.max_per_day is not None:
                lit = self._literal(Restriction(
                    "staff_caps", f"{s.id} ({s.display}) leads at most {s.max_per_day} "
                    f"session(s) a day (Staff row {s.row}, Max per day)",
                    RowRef("Staff", s.row, "Max per day", s.max_per_day)))
                self._cap_per_day(presences, s.max_per_day, lit)
            if s.max_per_week is not None:
                lit = self._literal(Restriction(
                    "staff_caps", f"{s.id} ({s.display}) leads at most {s.max_per_week} "
                    f"session(s) a week (Staff row {s.row}, Max per week)",
                    RowRef("Staff", s.row, "Max per week", s.max_per_week)))
                self.model.add(sum(a.var for a in presences) <= s.max_per_week).only_enforce_if(lit)

    def room_unavailable(self) -> None:
        """Rooms are not used when Unavailable."""
        for r in sorted(self.roster.rooms, key=lambda r: r.name):
            if r.unavailable.blank:
                continue
            lit = self._literal(Restriction(
                "room_unavailable", f"{r.name} is unavailable '{r.unavailable.text}' "
                f"(Rooms row {r.row}, Unavailable)",
                RowRef("Rooms", r.row, "Unavailable", r.unavailable.text)))
            for sv in self.vars.sections:
                for (name, t), var in sv.room_at.items():
                    if name == r.name and r.unavailable.blocks(self.slot[t]):
                        self.model.add_implication(lit, ~var)

    def room_capacity(self) -> None:
        """A room seats every member of the sections meeting in it."""
        for r in sorted(self.roster.rooms, key=lambda r: r.name):
            uses = [(sv, var) for sv in self.vars.sections for (name, _), var in sv.room_at.items()
                    if name == r.name and r.capacity < min(sv.group.max_size, len(sv.member))]
            if not uses:
                continue
            lit = self._literal(Restriction(
                "room_capacity", f"{r.name} seats {r.capacity} (Rooms row {r.row}, Capacity)",
                RowRef("Rooms", r.row, "Capacity", r.capacity)))
            for sv, var in uses:
                self.model.add(sv.size <= r.capacity).only_enforce_if([lit, var])

    def keep_apart(self) -> None:
        """Keep-apart pairs never share a section."""
        row = {p.id: p.row for p in self.roster.patients}
        for a, b in self.roster.keep_apart_pairs():
            lit = self._literal(Restriction(
                "keep_apart", f"patients {a} and {b} are to be kept apart "
                f"(Patients row {row.get(a)}, Keep apart)", RowRef("Patients", row.get(a), "Keep apart", b)))
            for sv in self.vars.sections:
                if a in sv.member and b in sv.member:
                    self.model.add_bool_or([~lit, ~sv.member[a], ~sv.member[b]])

    def _forbid(self, presences, blocked, lit) -> None:
        for a in presences:
            if blocked(self.slot[a.slot]):
                self.model.add_implication(lit, ~a.var)

    def _cap_per_day(self, presences, cap: int, lit) -> None:
        per_day: dict[int, list] = defaultdict(list)
        for a in presences:
            per_day[self.slot[a.slot].day].append(a.var)
        for vars_ in per_day.values():
            if len(vars_) > cap:
                self.model.add(sum(vars_) <= cap).only_enforce_if(lit)


def explain(roster: Roster, time_limit: float = 30.0) -> Conflict | None:
    """A small set of restrictions that cannot all hold, or None when none was found in time.

    None also when the conflict lies outside what rows restrict (e.g. a group's Sessions
    per week or its role models); the plan's notes and the pre-checks cover those.
    """
    deadline = time.perf_counter() + time_limit
    em = ExplainModel(roster)
    if not em.literals:
        return None
    # The first proof may take a while; the shrinking checks after it are small.
    core = _core(em, list(range(len(em.literals))), deadline, first=True)
    if not core:
        return None
    order = {family: i for i, family in enumerate(DROP_FIRST)}
    for i in sorted(core, key=lambda i: (order.get(em.restrictions[i].family, 99), -i)):
        if i not in core or time.perf_counter() >= deadline:
            continue
        smaller = _core(em, [j for j in core if j != i], deadline)
        if smaller:
            core = smaller
    return _conflict([em.restrictions[i] for i in sorted(core)])


def _core(em: ExplainModel, assumed: list[int], deadline: float,
          first: bool = False) -> list[int] | None:
    """Indices of a subset of `assumed` proven contradictory, or None (feasible or undecided)."""
    em.model.clear_assumptions()
    em.model.add_assumptions([em.literals[i] for i in assumed])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    # Ctrl-C must reach Python (and keep the best week), not CP-SAT's own handler.
    solver.parameters.catch_sigint_signal = False
    left = deadline - time.perf_counter()
    solver.parameters.max_time_in_seconds = max(0.1, left if first else min(CHECK_SECONDS, left))
    if solver.solve(em.model) != cp_model.INFEASIBLE:
        return None
    index = {em.literals[i].index: i for i in assumed}
    found = [index[v] for v in solver.sufficient_assumptions_for_infeasibility() if v in index]
    # An empty core means the lifted model itself has no week: not about these rows.
    return sorted(found) or None


def _conflict(restrictions: list[Restriction]) -> Conflict:
    """One sentence per restriction; must-attend patients of one group are merged."""
    clauses, rows = [], []
    by_group: dict[str, list[Restriction]] = defaultdict(list)
    for r in restrictions:
        if r.family == "must_attend":
            by_group[r.group].append(r)
        else:
            clauses.append(r.clause)
        rows.append(r.row)
    for group, items in sorted(by_group.items()):
        ids = ", ".join(r.patient for r in items)
        where = ", ".join(str(r.row.row) for r in items)
        plural = "s" if len(items) > 1 else ""
        reasons = sorted({r.clause for r in items})
        clauses.insert(0, f"patient{plural} {ids} (Patients row{plural} {where}) must attend "
                          f"{group} ({'; '.join(reasons)})")
    return Conflict(
        "No week can satisfy all of these at once; changing any one of them removes this "
        "conflict (there may be others):",
        tuple(rows), kind="solver_conflict", details=tuple(clauses),
    )
