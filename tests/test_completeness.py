"""The solver says "no schedule" only when there really is none.

A naive reference model, written straight from the 8 rules with no filtering,
no group parts, no section limits and no symmetry breaking, decides feasibility
of many random tiny rosters; the real solver must agree every time, and every
week it finds must pass the independent checker.
"""

import random

import pytest
from ortools.sat.python import cp_model
from tiny import (
    NEWCOMER,
    VETERAN,
    group,
    patient,
    program,
    room,
    roster,
    slots,
    solve_checked,
    staff,
)

DAYS = ("Mon", "Tue", "Wed")
TIMES = ("9:00-10:00", "10:00-11:00", "13:00-14:00")


def reference_feasible(r) -> bool:
    """Feasibility from the rules alone: every patient may join every section of every group."""
    m = cp_model.CpModel()
    S = r.slots
    def covers(expr, s):  # Attends/Available
        return not expr.windows or any(
            s.day in w.days and (w.start is None or (w.start <= s.start and s.end <= w.end))
            for w in expr.windows)
    def blocks(expr, s):  # Unavailable
        return any(s.day in w.days and (w.start is None or (s.start < w.end and w.start < s.end))
                   for w in expr.windows)
    def eligible(p, g):
        return ((not g.programs or p.program in g.programs)
                and (not g.gender or g.gender == p.gender)
                and (not g.track or g.track == p.track))
    def role_model(p):
        if p.role_model is not None:
            return p.role_model
        return p.admitted is not None and (r.settings.week_of - p.admitted).days >= r.settings.role_model_days

    progs = {p.name: p for p in r.programs}
    attend = {}  # (patient, slot) -> list of bools
    lead = {}  # (staff, slot) -> list
    used = {}  # (room, slot) -> list
    for g in r.groups:
        for k in range(len(r.patients)):
            act = m.new_bool_var("")
            meet = [m.new_bool_var("") for _ in S]
            m.add(sum(meet) == g.sessions * act)
            mem = {}
            for p in r.patients:
                x = m.new_bool_var("")
                mem[p.id] = x
                if not eligible(p, g):
                    m.add(x == 0)
                m.add_implication(x, act)
                for i, s in enumerate(S):
                    z = m.new_bool_var("")
                    m.add_bool_and([x, meet[i]]).only_enforce_if(z)
                    m.add_bool_or([~x, ~meet[i], z])
                    attend.setdefault((p.id, i), []).append(z)
                    ok = covers(progs[p.program].attends, s) and not blocks(p.unavailable, s)
                    if not ok:
                        m.add_bool_or([~x, ~meet[i]])
            size = sum(mem.values())
            m.add(size >= g.min_size * act)
            m.add(size <= g.max_size * act)
            for p in r.patients:
                for q in p.keep_apart:
                    m.add_bool_or([~mem[p.id], ~mem[q]])
            if g.kind == "peer":
                m.add(sum(mem[p.id] for p in r.patients if role_model(p)) >= act)
            fac = {}
            for st in r.staff:
                f = m.new_bool_var("")
                fac[st.id] = f
                if g.skill not in st.skills:
                    m.add(f == 0)
                for i, s in enumerate(S):
                    z = m.new_bool_var("")
                    m.add_bool_and([f, meet[i]]).only_enforce_if(z)
                    m.add_bool_or([~f, ~meet[i], z])
                    lead.setdefault((st.id, i), []).append(z)
                    if not covers(st.available, s):
                        m.add_bool_or([~f, ~meet[i]])
            m.add(sum(fac.values()) == act)
            for i, s in enumerate(S):
                here = []
                for rm in r.rooms:
                    y = m.new_bool_var("")
                    here.append(y)
                    used.setdefault((rm.name, i), []).append(y)
                    if blocks(rm.unavailable, s) or not g.room_needs <= rm.features:
                        m.add(y == 0)
                    m.add(size <= rm.capacity).only_enforce_if(y)
                    for p in r.patients:
                        if not p.needs <= rm.features:
                            m.add_bool_or([~y, ~mem[p.id]])
                m.add(sum(here) == meet[i])
            for p in r.patients:
                # Membership of this group's sections is settled per patient below.
                attend.setdefault(("member", p.id, g.name), []).append(mem[p.id])
    for p in r.patients:
        for g in r.groups:
            xs = attend[("member", p.id, g.name)]
            must = (g.required and eligible(p, g)) or g.name in p.extra_groups
            m.add(sum(xs) == 1) if must else m.add(sum(xs) <= 1)
        prog = progs[p.program]
        m.add(sum(z * S[i].minutes for i in range(len(S)) for z in attend[(p.id, i)])
              >= prog.min_minutes)
        for i in range(len(S)):
            m.add(sum(attend[(p.id, i)]) <= 1)
        if prog.max_per_day is not None:
            for d in {s.day for s in S}:
                m.add(sum(z for i, s in enumerate(S) if s.day == d for z in attend[(p.id, i)])
                      <= prog.max_per_day)
    for st in r.staff:
        week = []
        for i, s in enumerate(S):
            m.add(sum(lead[(st.id, i)]) <= 1)
            week += lead[(st.id, i)]
        if st.max_per_week is not None:
            m.add(sum(week) <= st.max_per_week)
        if st.max_per_day is not None:
            for d in {s.day for s in S}:
                m.add(sum(z for i, s in enumerate(S) if s.day == d for z in lead[(st.id, i)])
                      <= st.max_per_day)
    for vs in used.values():
        m.add(sum(vs) <= 1)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 60
    solver.parameters.num_workers = 2
    status = solver.solve(m)
    assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE)
    return status != cp_model.INFEASIBLE


def random_roster(seed: int):
    rnd = random.Random(seed)
    slot_specs = rnd.sample([f"{d} {t}" for d in DAYS for t in TIMES], rnd.randint(3, 6))
    progs = [program("Res", min_hours=rnd.choice([0, 0, 1, 2]), max_per_day=rnd.choice([None, 1, 2])),
             program("IOP", attends=rnd.choice(["", "Mon-Tue", "9:00-11:00"]))]
    skills = ["cbt", "peer support", "trauma"]
    groups = []
    for i in range(rnd.randint(1, 3)):
        lo = rnd.randint(1, 2)
        groups.append(group(
            f"G{i}", kind=rnd.choice(["peer", "therapy"]), sessions=rnd.randint(1, 2),
            min_size=lo, max_size=lo + rnd.randint(0, 3), skill=rnd.choice(skills),
            programs=rnd.choice([(), ("Res",), ("IOP",)]), required=rnd.random() < 0.4,
            room_needs=rnd.choice([(), (), ("mats",)])))
    staff_list = [staff(f"S{i}", tuple(rnd.sample(skills, rnd.randint(1, 3))),
                        available=rnd.choice(["", "", "Mon", "Tue-Wed", "9:00-10:00"]),
                        max_per_day=rnd.choice([None, None, 1]),
                        max_per_week=rnd.choice([None, None, 2]))
                  for i in range(rnd.randint(2, 3))]
    rooms = [room(f"R{i}", rnd.randint(3, 8), rnd.choice([(), ("mats",), ("accessible", "mats")]),
                  unavailable=rnd.choice(["", "", "Mon 9:30-12:00"]))
             for i in range(rnd.randint(1, 3))]
    names = [f"P{i}" for i in range(rnd.randint(2, 6))]
    patients = []
    for pid in names:
        patients.append(patient(
            pid, program=rnd.choice(["Res", "Res", "IOP"]),
            admitted=rnd.choice([VETERAN, NEWCOMER]),
            unavailable=rnd.choice(["", "", "", "Tue", "10:00-11:00"]),
            keep_apart=tuple(rnd.sample([n for n in names if n != pid], 1)) if rnd.random() < 0.15 else (),
            needs=("accessible",) if rnd.random() < 0.1 else ()))
    return roster(slots(*slot_specs), progs, groups, staff_list, rooms, patients)


@pytest.mark.parametrize("seed", range(400))
def test_solver_and_reference_agree_on_feasibility(seed):
    r = random_roster(seed)
    expected = reference_feasible(r)
    found = solve_checked(r) is not None
    assert found == expected
