"""Build the CP-SAT model, run it with live progress, and read the week back."""

from __future__ import annotations

import os
import string
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from ortools.sat.python import cp_model

from ..domain import Roster
from ..rules import SCALE
from ..solution import Meeting, Schedule
from .constraints import Constraints
from .objective import Objective
from .plan import Plan, make_plan
from .variables import SectionVars, Variables

# Sections considered beyond the fewest that could seat every eligible patient.
# If that proves too few, the model is rebuilt with every possible section.
EXTRA_SECTIONS = 2


@dataclass
class SolveOptions:
    time_limit: float = 60.0
    workers: int = 0  # 0: one per core
    seed: int = 0


@dataclass
class Progress:
    """What the solver is doing now; handed to the progress callback."""

    event: str  # "build", "solution", "tick", "retry"
    elapsed: float
    solutions: int = 0
    objective: float | None = None
    bound: float | None = None
    message: str = ""


ProgressFn = Callable[[Progress], None]


@dataclass
class SolveResult:
    status: str  # optimal, feasible, infeasible, timeout (nothing found in time), interrupted
    schedule: Schedule | None
    stats: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # known reasons a group cannot run

    @property
    def found(self) -> bool:
        return self.schedule is not None


@dataclass
class BuiltModel:
    plan: Plan
    model: cp_model.CpModel
    vars: Variables
    objective: Objective
    build_seconds: float


def build_model(plan: Plan) -> BuiltModel:
    """The whole CP-SAT model for a plan: variables, hard rules, objective."""
    started = time.perf_counter()
    model = cp_model.CpModel()
    variables = Variables(model, plan)
    Constraints(model, plan, variables).add_all()
    objective = Objective(model, plan, variables)
    objective.add_all()
    return BuiltModel(plan, model, variables, objective, time.perf_counter() - started)


def solve(roster: Roster, options: SolveOptions | None = None,
          progress: ProgressFn | None = None) -> SolveResult:
    """Find the best week within the time limit (see docs/rules.md for the rules)."""
    options = options or SolveOptions()
    progress = progress or (lambda _p: None)
    started = time.perf_counter()
    deadline = started + options.time_limit

    plan = make_plan(roster, extra_sections=EXTRA_SECTIONS)
    result = _solve_plan(plan, options, progress, started, deadline)
    if result.status == "infeasible" and not plan.complete:
        progress(Progress("retry", time.perf_counter() - started,
                          message="trying with more sections per group"))
        result = _solve_plan(plan.with_all_sections(), options, progress, started, deadline)
    result.notes = list(plan.notes)
    result.stats["total_seconds"] = round(time.perf_counter() - started, 3)
    return result


def _solve_plan(plan: Plan, options: SolveOptions, progress: ProgressFn,
                started: float, deadline: float) -> SolveResult:
    progress(Progress("build", time.perf_counter() - started, message="setting up the search"))
    built = build_model(plan)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, deadline - time.perf_counter())
    solver.parameters.num_workers = options.workers or os.cpu_count() or 1
    solver.parameters.random_seed = options.seed
    # Measured on the sample: full presolve spends ~5 s probing for little gain;
    # one light round reaches the first schedule 2-3x sooner and proves optimality sooner.
    solver.parameters.cp_model_probing_level = 1
    solver.parameters.max_presolve_iterations = 1
    # Ctrl-C is handled here (stop_search from the main thread); CP-SAT's own
    # handler aborts the process when the search runs in a worker thread.
    solver.parameters.catch_sigint_signal = False
    callback = _Callback(progress, started)
    status, interrupted = _run_interruptible(solver, built.model, callback, progress, started)

    stats = {
        "build_seconds": round(built.build_seconds, 3),
        "solve_seconds": round(solver.wall_time, 3),
        "solutions": callback.count,
        "solver_status": solver.status_name(status),
        "variables": len(built.model.proto.variables),
        "constraints": len(built.model.proto.constraints),
        "sections_considered": len(built.vars.sections),
        "all_sections_considered": plan.complete,
        "workers": solver.parameters.num_workers,
        "seed": options.seed,
    }
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        name = "optimal" if status == cp_model.OPTIMAL and not interrupted else "feasible"
        schedule = extract_schedule(built, solver, name)
        stats["objective_units"] = built.objective.units(solver)
        schedule.stats = stats
        stats["interrupted"] = interrupted
        return SolveResult(name, schedule, stats)
    if status == cp_model.INFEASIBLE:
        return SolveResult("infeasible", None, stats)
    if status == cp_model.MODEL_INVALID:
        raise RuntimeError(f"internal error: invalid CP-SAT model: {built.model.validate()}")
    return SolveResult("interrupted" if interrupted else "timeout", None, stats)


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(self, progress: ProgressFn, started: float):
        super().__init__()
        self.progress = progress
        self.started = started
        self.count = 0
        self.objective: float | None = None
        self.bound: float | None = None

    def on_solution_callback(self) -> None:
        self.count += 1
        self.objective = self.objective_value / SCALE
        self.bound = self.best_objective_bound / SCALE
        self.progress(Progress("solution", time.perf_counter() - self.started, self.count,
                               self.objective, self.bound))


def _run_interruptible(solver, model, callback, progress, started) -> tuple[int, bool]:
    """Solve in a worker thread so Ctrl-C can stop the search and keep the best week."""
    outcome: dict = {}
    done = threading.Event()

    def work():
        try:
            outcome["status"] = solver.solve(model, callback)
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc
        finally:
            done.set()

    thread = threading.Thread(target=work, name="cp-sat", daemon=True)
    thread.start()
    interrupted = False
    # An Event, not Thread.join: a join interrupted by Ctrl-C can misreport is_alive().
    while not done.is_set():
        try:
            if not done.wait(0.5):
                progress(Progress("tick", time.perf_counter() - started, callback.count,
                                  callback.objective, callback.bound))
        except KeyboardInterrupt:
            interrupted = True
            solver.stop_search()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["status"], interrupted


def section_name(i: int) -> str:
    """A, B, ..., Z, AA, AB, ..."""
    letters = string.ascii_uppercase
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = letters[r] + name
    return name


def extract_schedule(built: BuiltModel, solver: cp_model.CpSolver, status: str) -> Schedule:
    """Read the solver's values into meetings; sections are lettered by first meeting."""
    roster = built.plan.roster
    slots = {s.index: s for s in roster.slots}
    meetings: list[Meeting] = []
    for sections in built.vars.by_group.values():
        opened = [sv for sv in sections if solver.boolean_value(sv.active)]
        opened.sort(key=lambda sv: (_first_slot(sv, solver), sv.k))
        for i, sv in enumerate(opened):
            members = tuple(sorted(pid for pid, v in sv.member.items() if solver.boolean_value(v)))
            facilitator = next(sid for sid, v in sv.leads.items() if solver.boolean_value(v))
            for t, meets in sorted(sv.meets.items()):
                if not solver.boolean_value(meets):
                    continue
                room = next(name for (name, slot), v in sv.room_at.items()
                            if slot == t and solver.boolean_value(v))
                slot = slots[t]
                meetings.append(Meeting(sv.group.name, section_name(i), slot.day, slot.start,
                                        slot.end, room, facilitator, members))
    return Schedule(
        status=status,
        meetings=meetings,
        week_of=roster.settings.week_of,
        center=roster.settings.center,
        objective=solver.objective_value / SCALE,
        best_bound=solver.best_objective_bound / SCALE,
        warnings=list(roster.warnings),
    )


def _first_slot(sv: SectionVars, solver) -> int:
    return min((t for t, v in sv.meets.items() if solver.boolean_value(v)), default=10**9)
