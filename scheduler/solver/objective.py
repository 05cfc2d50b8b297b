"""Soft preferences as named penalty terms, reported after solving.

Each term is a sum of 0/1 or small integer variables; the objective minimises
the weighted sum. After solving, every term's value is reported by name so the
administrator can see what the schedule gave up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python.cp_model import CpModel, CpSolver, IntVar, LinearExpr

from .plan import Plan
from .variables import Variables


@dataclass
class Term:
    name: str
    description: str
    weight: int
    vars: list[IntVar] = field(default_factory=list)

    def expr(self) -> LinearExpr:
        return LinearExpr.sum(self.vars)

    def value(self, solver: CpSolver) -> int:
        return sum(solver.value(v) for v in self.vars)


class Objective:
    def __init__(self, model: CpModel, plan: Plan, variables: Variables):
        self.model = model
        self.plan = plan
        self.vars = variables
        self.terms: list[Term] = []

    def add_all(self) -> None:
        self.few_sections()
        self.meetings_on_different_days()
        self.electives_only_when_needed()
        weighted = [t.weight * t.expr() for t in self.terms if t.vars and t.weight]
        if weighted:
            self.model.minimize(LinearExpr.sum(weighted))

    def few_sections(self) -> None:
        """Soft: each open section costs its weight (fewer, fuller sections; less staff time)."""
        self.terms.append(
            Term("sections", "sections opened", 20, [sv.active for sv in self.vars.sections])
        )

    def meetings_on_different_days(self) -> None:
        """Soft: each extra meeting of a section on a day it already meets costs its weight."""
        term = Term("same_day", "extra meetings of a section on the same day", 10)
        day_of = {s.index: s.day for s in self.plan.slots}
        for sv in self.vars.sections:
            if sv.group.sessions < 2:
                continue
            per_day: dict[int, list[IntVar]] = {}
            for t, var in sv.meets.items():
                per_day.setdefault(day_of[t], []).append(var)
            for day_vars in per_day.values():
                if len(day_vars) < 2:
                    continue
                extra = self.model.new_int_var(0, len(day_vars) - 1, "")
                self.model.add(extra >= LinearExpr.sum(day_vars) - 1)
                term.vars.append(extra)
        self.terms.append(term)

    def electives_only_when_needed(self) -> None:
        """Soft: each elective membership nobody prescribed costs its weight."""
        term = Term("unprescribed_electives", "elective places not prescribed", 1)
        for sv in self.vars.sections:
            for pid, var in sv.member.items():
                if pid not in sv.plan.must:
                    term.vars.append(var)
        self.terms.append(term)

    def penalties(self, solver: CpSolver) -> dict[str, int]:
        return {t.name: t.value(solver) for t in self.terms}
