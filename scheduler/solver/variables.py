"""The CP-SAT decision variables, created only where the plan allows them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model
from ortools.sat.python.cp_model import CpModel, IntVar, LinearExpr

from .plan import GroupPlan, Plan


def both(model: CpModel, a, b) -> IntVar:
    """A literal that can be true only when a and b are (an objective rewards it)."""
    lit = model.new_bool_var("")
    model.add_implication(lit, a)
    model.add_implication(lit, b)
    return lit


# Deterministic work for completing a hint: with the hinted variables fixed, what is left
# is a few auxiliary values (measured: 0.2 s on a 35,000-variable repair step).
COMPLETE_WORK = 1.0


def complete_hint(model: CpModel) -> bool:
    """Extend a partial hint to every variable; True when the hint turned out feasible.

    CP-SAT lost partial hints of large steps (35,000 variables, 250 unhinted auxiliaries):
    the step then started from nothing and could end worse than its starting point. With a
    complete feasible hint the starting point is its first solution."""
    proto = model.proto
    if not proto.has_solution_hint():
        return False  # (reading solution_hint would add an empty one, which CP-SAT mistook)
    hinted = list(zip(proto.solution_hint.vars, proto.solution_hint.values))
    if not hinted:
        return False
    if hint_is_complete(model):
        return True
    fixed = model.clone()
    for index, value in hinted:
        domain = fixed.proto.variables[index].domain
        domain.clear()
        domain.extend([value, value])
    fixed.clear_hints()
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = COMPLETE_WORK
    solver.parameters.catch_sigint_signal = False
    if solver.solve(fixed) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    model.clear_hints()
    for index in range(len(proto.variables)):
        var = model.get_int_var_from_proto_index(index)
        model.add_hint(var, solver.value(fixed.get_int_var_from_proto_index(index)))
    return True


def hint_is_complete(model: CpModel) -> bool:
    """Whether the model's hint gives every variable a value (as complete_hint leaves it)."""
    proto = model.proto
    return proto.has_solution_hint() and len(proto.solution_hint.vars) == len(proto.variables)


@dataclass
class SectionVars:
    """Variables of one candidate section (group, k)."""

    index: int
    plan: GroupPlan
    k: int
    active: IntVar
    meets: dict[int, IntVar] = field(default_factory=dict)  # slot -> meets then
    member: dict[str, IntVar] = field(default_factory=dict)  # patient ID -> is a member
    leads: dict[str, IntVar] = field(default_factory=dict)  # staff ID -> facilitates
    room_at: dict[tuple[str, int], IntVar] = field(default_factory=dict)  # (room, slot) -> there

    @property
    def group(self):
        return self.plan.group

    @property
    def size(self) -> LinearExpr:
        return LinearExpr.sum(list(self.member.values()))


@dataclass(frozen=True)
class Presence:
    """Someone (patient or facilitator) is at a section's meeting in a slot."""

    section: SectionVars
    slot: int
    var: IntVar


class Variables:
    def __init__(self, model: CpModel, plan: Plan):
        self.sections: list[SectionVars] = []
        self.by_part: list[list[SectionVars]] = []  # parallel to plan.groups
        self.by_group: dict[str, list[SectionVars]] = defaultdict(list)
        self.attend: dict[str, list[Presence]] = defaultdict(list)
        self.teach: dict[str, list[Presence]] = defaultdict(list)
        patient_slots = {pid: set(ts) for pid, ts in plan.patient_slots.items()}
        staff_slots = {sid: set(ts) for sid, ts in plan.staff_slots.items()}
        room_slots = {name: set(ts) for name, ts in plan.room_slots.items()}

        anchored = plan.anchored_parts
        for part, gp in enumerate(plan.groups):
            part_sections = []
            for k in range(gp.sections):
                sv = SectionVars(len(self.sections), gp, k, model.new_bool_var(""))
                for t in gp.slots:
                    sv.meets[t] = model.new_bool_var("")
                for i, patient in enumerate(gp.pool):
                    # Sections are numbered by their first member in pool order:
                    # the i-th patient can only be in sections 0..i (unless sections
                    # are named in advance, which breaks that symmetry already).
                    if k > i and part not in anchored:
                        continue
                    sv.member[patient.id] = model.new_bool_var("")
                    for t in gp.slots:
                        if t in patient_slots[patient.id]:
                            self.attend[patient.id].append(Presence(sv, t, model.new_bool_var("")))
                for staff in gp.staff:
                    sv.leads[staff.id] = model.new_bool_var("")
                    for t in gp.slots:
                        if t in staff_slots[staff.id]:
                            self.teach[staff.id].append(Presence(sv, t, model.new_bool_var("")))
                for room in gp.rooms:
                    for t in gp.slots:
                        if t in room_slots[room.name]:
                            sv.room_at[(room.name, t)] = model.new_bool_var("")
                self.sections.append(sv)
                part_sections.append(sv)
            self.by_part.append(part_sections)
            self.by_group[gp.group.name].extend(part_sections)
