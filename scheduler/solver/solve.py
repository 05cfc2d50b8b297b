"""Build the CP-SAT model, run it with live progress, and read the week back."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Callable

from ortools.sat.python import cp_model

from ..conflicts import Conflict
from ..domain import Roster
from ..quality import week_score
from ..rules import SCALE
from ..solution import Schedule
from ..unmet import find_unmet
from .constraints import Constraints
from .anchors import make_anchors
from .carry import carry_over
from .explain import explain
from .objective import Objective
from .patterns import PatternModel
from .lacking import lacking
from .pinned import pinned_sections
from .plan import Plan, make_plan
from .mix import mix_swaps
from .opening import open_for_therapists, open_with_others
from .rebalance import rebalance_facilitators
from .regroup import regroup_for_therapists
from .reseat import make_room_for_therapists, reseat_for_therapists
from .trim import drop_unneeded_electives
from .rival import Rival, rival_possible
from .split import SectionDraft, bucket_values, meetings_from, split_bucket
from .stepwise import POLISH_MIN_GAIN, STEP_GAP, Stepwise
from .swaps import therapist_swaps
from .variables import Variables, hint_is_complete

# Sections considered beyond the fewest that could seat every eligible patient.
# If that proves too few, the model is rebuilt with every possible section.
EXTRA_SECTIONS = 2


@dataclass
class SolveOptions:
    time_limit: float = 60.0
    workers: int = 0  # 0: one per core
    seed: int = 0
    # When no week satisfies every rule, hand over the week that loses least (status "partial").
    best_effort: bool = False
    # The pre-checks already proved no complete week exists: go straight to best effort.
    impossible: bool = False
    # Last week's schedule: keep its sections together (anchors.py and Objective.continuity
    # in the exact model, carry.py in the stepwise solver).
    previous: Schedule | None = None


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
    conflicts: list[Conflict] = field(default_factory=list)  # rows whose rules clash

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


def build_model(plan: Plan, best_effort: bool = False) -> BuiltModel:
    """The whole CP-SAT model for a plan: variables, hard rules, objective.

    best_effort: the relaxable rules (membership, Min size, role model, Min hours)
    become heavy penalties; safety rules stay hard.
    """
    started = time.perf_counter()
    model = cp_model.CpModel()
    variables = Variables(model, plan)
    constraints = Constraints(model, plan, variables, relax=best_effort)
    constraints.add_all()
    objective = Objective(model, plan, variables)
    objective.add_all(constraints.lost if best_effort else None)
    return BuiltModel(plan, model, variables, objective, time.perf_counter() - started)


def solve(roster: Roster, options: SolveOptions | None = None,
          progress: ProgressFn | None = None) -> SolveResult:
    """Find the best week within the time limit (see docs/rules.md for the rules).

    First the pattern stage (patterns.py, split.py) finds a good week fast. When the
    exact model is small enough, it then starts from that week and improves it (and
    is what proves that no week exists); on large rosters the pattern week is the
    answer.
    """
    options = options or SolveOptions()
    progress = progress or (lambda _p: None)
    clock = _Clock(time.perf_counter(), time.perf_counter() + options.time_limit)
    plan = make_plan(roster, extra_sections=EXTRA_SECTIONS)
    # Large rosters keep last week (carry.py) and pins (pinned.py) in the stepwise solver;
    # only a section pinned to two rooms needs the exact model whatever the size.
    exact = pinned_sections(plan) is None or estimated_variables(plan) <= EXACT_LIMIT
    stats: dict = {"exact_model": exact}
    if options.best_effort:
        return _best_effort(roster, plan, options, progress, clock, stats)
    return _complete(plan, exact, options, progress, clock, stats)


def _complete(plan: Plan, exact: bool, options, progress, clock, stats) -> SolveResult:
    """A week that satisfies every hard rule."""
    share = PATTERN_SHARE_EXACT if exact else PATTERN_SHARE_LARGE
    warm, interrupted = _pattern_week(plan, options, progress, clock, share, stats,
                                      polish=not exact)
    if exact and not interrupted:
        try:
            result = _exact_week(plan, options, progress, clock, warm, stats)
        except KeyboardInterrupt:  # while the exact model was being built: keep the first week
            result = _result_from_drafts(plan.roster, warm, stats, True) if warm is not None \
                else SolveResult("interrupted", None, stats)
    elif warm is not None:
        result = _result_from_drafts(plan.roster, warm, stats, interrupted)
    else:
        status = "interrupted" if interrupted else "timeout"
        result = SolveResult(status, None, stats)
    if result.status == "infeasible":
        progress(Progress("build", clock.elapsed(), message="looking for the rows in conflict"))
        conflict = explain(plan.roster, max(MIN_EXPLAIN_SECONDS, clock.left()))
        result.conflicts = [conflict] if conflict else []
    return _finish(result, plan, stats, clock)


# Explaining a proven conflict is worth a little time even when the limit is spent.
MIN_EXPLAIN_SECONDS = 5.0


def _finish(result: SolveResult, plan: Plan, stats: dict, clock) -> SolveResult:
    result.notes = list(plan.notes)
    result.stats = {**stats, **result.stats, "total_seconds": round(clock.elapsed(), 3)}
    schedule = result.schedule
    if (schedule is not None and "continuity" in result.stats.get("objective_units", {})
            and "bound_with_last_week" not in result.stats):
        # With last week, the solver's figures also count changes from it; the quality
        # score does not, and no bound on the score alone is known.
        result.stats["bound_with_last_week"] = schedule.best_bound
        schedule.objective = week_score(plan.roster, schedule)
        schedule.best_bound = None
    if schedule is not None:
        schedule.stats = result.stats
    return result


# Share of the time limit a best-effort run first spends looking for a complete week.
COMPLETE_SHARE = 0.5


def _best_effort(roster: Roster, plan: Plan, options, progress, clock, stats) -> SolveResult:
    """A complete week if one is found; else the week that loses least, marked partial."""
    if not stats["exact_model"]:
        return _best_effort_stepwise(roster, plan, options, progress, clock, stats)
    conflicts = []
    if not options.impossible:
        share = _Clock(clock.started, clock.started + COMPLETE_SHARE * (clock.deadline - clock.started))
        exact = stats["exact_model"]
        result = _complete(plan, exact, options, progress, share, dict(stats))
        if result.found or result.status == "interrupted":
            return _finish(result, plan, {**stats, **result.stats}, clock)
        conflicts = result.conflicts
    progress(Progress("retry", clock.elapsed(), message="looking for the best possible week"))
    relaxed = make_plan(roster, extra_sections=EXTRA_SECTIONS, relax=True)
    result = _solve_plan(relaxed, options, progress, clock, None, best_effort=True)
    if result.schedule is not None:
        schedule = result.schedule
        schedule.unmet = find_unmet(roster, schedule)
        if schedule.unmet:
            schedule.status = result.status = "partial"
            # The solver's figures include what is lost; the quality score does not.
            schedule.objective = week_score(roster, schedule)
            schedule.best_bound = None
    result.conflicts = conflicts
    return _finish(result, plan, {**stats, "best_effort": True}, clock)


def _best_effort_stepwise(roster: Roster, plan: Plan, options, progress, clock,
                          stats) -> SolveResult:
    """Large rosters (no exact model): the stepwise week for the whole time limit, kept even
    when some places or hours are still missing; those are listed as unmet.

    Min size and role models stay hard here, so only missed groups and short hours can be
    unmet (the exact model may instead trade them against a small section).
    """
    drafts, interrupted = _stepwise_week(plan, options, progress, clock, clock.deadline, stats,
                                         polish=True, keep_partial=True)
    stats = {**stats, "best_effort": True}
    if drafts is None:
        return _finish(SolveResult("interrupted" if interrupted else "timeout", None, stats),
                       plan, stats, clock)
    result = _result_from_drafts(roster, drafts, stats, interrupted)
    schedule = result.schedule
    schedule.unmet = find_unmet(roster, schedule)
    if schedule.unmet:
        schedule.status = result.status = "partial"
    return _finish(result, plan, stats, clock)


# Above this many estimated variables the exact model is not built at all.
EXACT_LIMIT = 250_000
# Share of the time limit the pattern stage may use, with and without the exact model after it.
PATTERN_SHARE_EXACT = 0.25
PATTERN_SHARE_LARGE = 0.9


@dataclass
class _Clock:
    started: float
    deadline: float

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def left(self) -> float:
        return max(0.0, self.deadline - time.perf_counter())


def estimated_variables(plan: Plan) -> int:
    """Roughly how many variables the exact model would have (it is dominated by attendance)."""
    free = {pid: set(ts) for pid, ts in plan.patient_slots.items()}
    total = 0
    for gp in plan.groups:
        slots = set(gp.slots)
        per_section = sum(len(free[p.id] & slots) for p in gp.pool)
        per_section += len(gp.staff) * len(slots) + len(gp.rooms) * len(slots)
        total += gp.sections * per_section
    return total


# The exchange passes over a complete stepwise week, in order, by their stats key: electives
# that Min hours do not need given up (which frees seats), patients into their own therapist's
# section, then into it across several sections, then into a full one where a member can move
# elsewhere, then into a new section the therapist opens for them, then the therapist's
# sections re-decided together with their patients' sections, members moved between sections
# for role models, newcomers, tracks and idle gaps, sections handed from busy to idle staff.
EXCHANGES = (("electives_dropped", drop_unneeded_electives),
             ("therapist_swaps", therapist_swaps), ("therapist_reseats", reseat_for_therapists),
             ("therapist_seats_made", make_room_for_therapists),
             ("sections_opened", open_for_therapists),
             ("therapist_regroups", regroup_for_therapists),
             ("sections_opened", open_with_others), ("mix_swaps", mix_swaps),
             ("handed_over", rebalance_facilitators))


def _score(steps) -> float:
    """The week's penalty as the report measures it."""
    return week_score(steps.plan.roster, steps.schedule())


def _exchanges(steps, out_of_time, stats, better) -> float:
    """Every exchange pass, round after round while a round gains POLISH_MIN_GAIN points
    (what one pass frees, another uses); counts into stats, tells better() each new score
    and returns the last."""
    score = _score(steps)
    while not out_of_time():
        made = 0
        for name, run in EXCHANGES:
            n = run(steps, out_of_time)
            stats[name] = stats.get(name, 0) + n
            made += n
        if not made:
            break
        last, score = score, _score(steps)
        better(score)
        if score > last - POLISH_MIN_GAIN:
            break
    return score


def _improve(steps, late, stats, better, tick, exchanges: bool) -> None:
    """Improve a complete week: the exchange passes first (they take seconds and gain the
    most, docs/rules.md), then polish and the exchanges again, for what polish changed,
    while such a round gains POLISH_MIN_GAIN points. A polish step can leave the report's
    measure worse: the best week seen is the one kept.

    exchanges: False with last week, where continuity outranks what they are for."""
    def copy() -> dict:  # the passes replace drafts inside a part's list
        return {part: list(ds) for part, ds in steps.week.items()}

    if exchanges:
        tick("moving patients between sections")
        best = _exchanges(steps, late, stats, better)
    else:
        best = _score(steps)
    kept = copy()
    spread = None  # the week the last respread started from, and whether it gained
    try:
        while not late() and not steps.interrupted:
            tick("improving the week group by group")
            spread = copy(), steps.respread()
            steps.polish()
            score = _exchanges(steps, late, stats, better) if exchanges else _score(steps)
            if score >= best:
                break
            gained, best, kept = best - score, score, copy()
            if gained < POLISH_MIN_GAIN or not exchanges:
                break  # (polish alone already repeats its passes while they gain)
    finally:  # also on Ctrl-C
        if _score(steps) > best:
            steps.week = kept
    # One more respread where time is left: a kept last round's polish or exchanges can leave
    # a section meeting twice on one day, and when the last round was undone its respread's
    # gain went with it. Not when it would only repeat a respread that gained nothing.
    if not late() and not steps.interrupted and spread != (copy(), False):
        steps.respread()  # (it tells on_better of each gain)


def _pattern_week(plan, options, progress, clock, share, stats, polish: bool = True):
    """A week from time patterns; None when none was found in time.

    First the stepwise solver (stepwise.py): one group part at a time, then repairs,
    then, with polish, each part again for the soft rules. Should it not reach a
    complete week, the pattern model over all parts at once tries for the rest of
    the budget.
    """
    budget_end = clock.started + share * (clock.deadline - clock.started)
    drafts, interrupted = _stepwise_week(plan, options, progress, clock, budget_end, stats, polish)
    if drafts is not None or interrupted or time.perf_counter() >= budget_end - 0.5 \
            or getattr(plan.roster, "pins", ()):
        return drafts, interrupted  # (the whole pattern model does not know pins)
    return _whole_pattern_week(plan, options, progress, clock, budget_end, stats)


def _stepwise_week(plan, options, progress, clock, budget_end, stats, polish,
                   keep_partial: bool = False):
    """The stepwise solver's week (None when it is not complete by budget_end).

    keep_partial: return the week even when places or hours are still missing (best effort).
    """
    if plan.unplaceable and not keep_partial:
        return None, False  # someone can never be placed: no complete week exists
    progress(Progress("build", clock.elapsed(), message="starting from last week"
                      if options.previous is not None else "placing the groups one at a time"))
    state = {"solutions": 0, "score": None, "shown": 0.0}

    def tick(message: str) -> None:
        now = clock.elapsed()
        if message and now - state["shown"] >= PHASE_MESSAGE_EVERY:
            state["shown"] = now
            progress(Progress("build", now, message=message))
        progress(Progress("tick", now, state["solutions"], state["score"]))

    # With last week the stepwise week takes seconds: a second search would not help.
    rivals = [_start_rival(plan, options, clock, budget_end)] \
        if polish and options.previous is None and rival_possible(options.workers) else []

    def stop() -> bool:  # the second search has a complete week: stop this one
        return bool(rivals) and rivals[0].done()

    def search(model, limit, work):
        status, solver, interrupted, _ = _search(
            model, options, limit, lambda _p: tick(""), clock, step=work, should_stop=stop)
        return status, solver, interrupted

    steps = Stepwise(plan, search, budget_end, tick, seed=options.seed, stop=stop)

    def better(score: float) -> None:
        state["solutions"] += 1
        if state["score"] is None or score < state["score"]:
            state["score"] = score
        progress(Progress("solution", clock.elapsed(), state["solutions"], state["score"]))

    steps.on_better = better
    steps.complete_hints = polish  # large rosters: this week is the answer
    steps.pins = pinned_sections(plan, options.previous) or []
    complete = False
    try:
        if options.previous is not None:
            steps.resume(carry_over(plan, options.previous))
            stats["carried"] = {"sections": len(steps.last) - len(steps.cohorts),
                                "reseated": len(steps.cohorts)}
        else:
            steps.place()
        complete = steps.repair() if not stop() else False
        if not complete and rivals and not steps.interrupted:
            if not stop():
                tick("waiting for the second search")
            week = rivals[0].wait(budget_end, lambda: tick(""))
            if week is not None:
                steps.week, complete = week, True
                stats["second_search"] = {"seed": options.seed + 1,
                                          "seconds": rivals[0].seconds}
        if rivals:
            rivals.pop().stop()  # and polish below runs unhindered
        if complete:
            state["solutions"] = 1
            stats["first_schedule_seconds"] = round(clock.elapsed(), 3)
            state["score"] = week_score(plan.roster, steps.schedule())
            progress(Progress("solution", clock.elapsed(), 1, state["score"]))
            if polish:
                def late() -> bool:
                    return time.perf_counter() >= clock.deadline - 0.5

                _improve(steps, late, stats, better, tick, exchanges=not steps.last)
    except KeyboardInterrupt:
        steps.interrupted = True
    finally:
        if rivals:
            rivals.pop().stop()
    # Each polished step (and the exchanges after them) is another complete week.
    stats["solutions"] = state["solutions"] if complete else 0
    stats["stepwise"] = {"steps": steps.stats.steps, "repairs": steps.stats.repairs,
                         "polished": steps.stats.polished, "reverted": steps.stats.reverted,
                         "complete": complete}
    if not complete and steps.week:
        stats["still_missing"] = lacking(steps)  # told to the user if no week is found
    stats["pattern_build_seconds"] = round(steps.stats.build_seconds, 3)
    if complete or (keep_partial and steps.week):
        return steps.drafts(), steps.interrupted
    return None, steps.interrupted


def _start_rival(plan, options, clock, budget_end) -> Rival:
    """The second search (rival.py): the same placing and repair with the next seed."""
    other = replace(options, seed=options.seed + 1)

    def search(model, limit, work):
        status, solver, interrupted, _ = _search(model, other, limit, lambda _p: None, clock,
                                                 step=work)
        return status, solver, interrupted

    def run():
        steps = Stepwise(plan, search, budget_end, seed=other.seed)
        steps.complete_hints = True
        steps.pins = pinned_sections(plan) or []
        steps.place()
        return steps.week if steps.repair() else None

    return Rival(run)


# With one worker, the deterministic work a search may do per second of the time limit
# (measured: about 2 s of wall time per unit of work here, so it ends before the limit).
DETERMINISTIC_SHARE = 0.15

# Seconds between two phase messages of the stepwise solver (the live line shows the rest).
PHASE_MESSAGE_EVERY = 5.0


def _whole_pattern_week(plan, options, progress, clock, budget_end, stats):
    """Stage 1 over every part at once, then its split (the fallback of the stepwise solver).

    Phase A stops a few seconds after stage 1's first solution and splits it, so a
    valid week exists early; phase B restarts from it and uses the rest of the budget.
    """
    progress(Progress("build", clock.elapsed(), message="finding a first week"))
    started = time.perf_counter()
    stage1 = PatternModel(plan)
    stats["pattern_build_seconds"] = round(stats.get("pattern_build_seconds", 0)
                                           + time.perf_counter() - started, 3)
    stats["pattern_variables"] = len(stage1.model.proto.variables)
    best, best_points = None, None
    for phase in ("first", "improve"):
        drafts, values, interrupted = _pattern_phase(stage1, plan, options, progress, clock,
                                                     budget_end, phase, stats)
        if drafts is not None:
            points = week_score(plan.roster,
                                Schedule("feasible", meetings_from(plan.roster, drafts)))
            if best is None or points < best_points:
                best, best_points = drafts, points
            stats.setdefault("first_schedule_seconds", round(clock.elapsed(), 3))
            _hint_stage1(stage1, values)
        if interrupted or time.perf_counter() >= budget_end - 0.5:
            return best, interrupted
    return best, False


def _pattern_phase(stage1, plan, options, progress, clock, budget_end, phase, stats):
    """One search of stage 1, then its split (retried with a cut when a bucket cannot split)."""
    settle = FIRST_WEEK_SETTLE if phase == "first" else None
    interrupted = False
    for attempt in range(MAX_SPLIT_RETRIES):
        limit = max(0.5, budget_end - time.perf_counter())
        status, solver, interrupted, _ = _search(stage1.model, options, limit, progress, clock,
                                                 settle=settle)
        stats["pattern_status"] = solver.status_name(status)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None, None, interrupted
        values = bucket_values(stage1, solver)
        drafts, failed = [], None
        for value in values:
            sections = split_bucket(plan, value)
            if sections is None:
                failed = value
                break
            drafts += sections
        stats["pattern_retries"] = stats.get("pattern_retries", 0) + (failed is not None)
        if failed is None:
            return drafts, (stage1, solver), interrupted
        if interrupted or clock.left() <= 0:
            return None, None, interrupted
        stage1.forbid(failed.bucket, failed.members, len(failed.leads))
    return None, None, interrupted


# Seconds phase A keeps improving after stage 1's first solution before the first split.
FIRST_WEEK_SETTLE = 3.0


def _hint_stage1(stage1: PatternModel, values) -> None:
    """Phase B starts from phase A's answer (CP-SAT keeps nothing between searches)."""
    _, solver = values
    model = stage1.model
    model.clear_hints()
    for i in range(len(model.proto.variables)):
        var = model.get_int_var_from_proto_index(i)
        model.add_hint(var, solver.value(var))


MAX_SPLIT_RETRIES = 20


def _result_from_drafts(roster: Roster, drafts, stats, interrupted) -> SolveResult:
    schedule = Schedule(
        status="feasible",
        meetings=meetings_from(roster, drafts),
        week_of=roster.settings.week_of,
        center=roster.settings.center,
        warnings=list(roster.warnings),
    )
    schedule.objective = week_score(roster, schedule)
    stats = {**stats, "interrupted": interrupted, "solver_status": "PATTERNS"}
    return SolveResult("feasible", schedule, stats)


def _exact_week(plan, options, progress, clock, warm, stats) -> SolveResult:
    """The exact model, started from the pattern week when there is one."""
    if warm is not None:
        plan = _with_room_for(plan, warm)
    result = _solve_plan(plan, options, progress, clock, warm)
    if result.status == "infeasible" and not plan.complete:
        progress(Progress("retry", clock.elapsed(), message="trying with more sections per group"))
        result = _solve_plan(plan.with_all_sections(), options, progress, clock, None)
    if not result.found and warm is not None and not getattr(plan.roster, "pins", ()):
        # The exact model found nothing better in time: the pattern week stands
        # (not with pins: the pattern stage does not know them).
        return _result_from_drafts(plan.roster, warm, {**stats, **result.stats},
                                   result.status == "interrupted")
    return result


def _with_room_for(plan: Plan, drafts) -> Plan:
    """The plan with at least as many sections per part as the pattern week uses."""
    used: dict[int, int] = {}
    part_of = {(gp.group.name, p.id): i for i, gp in enumerate(plan.groups) for p in gp.pool}
    for d in drafts:
        part = part_of[(d.group, d.members[0])]
        used[part] = used.get(part, 0) + 1
    groups = [replace(gp, sections=max(gp.sections, used.get(i, 0)))
              for i, gp in enumerate(plan.groups)]
    return replace(plan, groups=groups)


def _solve_plan(plan: Plan, options: SolveOptions, progress: ProgressFn, clock: "_Clock",
                hint, best_effort: bool = False) -> SolveResult:
    if not best_effort:
        progress(Progress("build", clock.elapsed(), message="improving the week"))
    if getattr(plan.roster, "pins", ()) or options.previous is not None:
        plan = replace(plan, anchors=make_anchors(plan, options.previous))
    built = build_model(plan, best_effort=best_effort)
    # Last week is the best start when it still fits; else the pattern week.
    started_from_last_week = options.previous is not None and add_previous_hint(built) \
        and complete_hint(built.model, min(10.0, clock.left()))
    if not started_from_last_week:
        built.model.clear_hints()
        if hint is not None:
            add_hint(built, hint)
            complete_hint(built.model, min(10.0, clock.left()))
    status, solver, interrupted, callback = _search(built.model, options, clock.left(), progress,
                                                    clock)
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
        "interrupted": interrupted,
    }
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        name = "optimal" if status == cp_model.OPTIMAL and not interrupted else "feasible"
        schedule = extract_schedule(built, solver, name)
        stats["objective_units"] = built.objective.units(solver)
        return SolveResult(name, schedule, stats)
    if status == cp_model.INFEASIBLE:
        return SolveResult("infeasible", None, stats)
    if status == cp_model.MODEL_INVALID:
        raise RuntimeError(f"internal error: invalid CP-SAT model: {built.model.validate()}")
    return SolveResult("interrupted" if interrupted else "timeout", None, stats)


def _search(model, options: SolveOptions, time_limit: float, progress: ProgressFn, clock,
            settle: float | None = None, step: float | None = None,
            should_stop: Callable[[], bool] | None = None):
    """Run CP-SAT on a model with live progress; Ctrl-C stops it and keeps what was found.

    settle: stop this many seconds after the first solution (a quick first answer).
    step: the deterministic work for one small model of the stepwise solver: a fixed
    amount of work, not of seconds, so that with one worker the same roster and seed
    give the same week; should_stop: asked four times a second whether to stop (the
    second search has a week).
    """
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit)
    solver.parameters.num_workers = options.workers or os.cpu_count() or 1
    solver.parameters.random_seed = options.seed
    # Measured on the sample: full presolve spends ~5 s probing for little gain;
    # one light round reaches the first schedule 2-3x sooner and proves optimality sooner.
    solver.parameters.cp_model_probing_level = 1
    solver.parameters.max_presolve_iterations = 1
    if step is not None:
        # One worker, whatever --workers says: the same roster and seed give the same week,
        # and two workers took 2-5x longer per step for the same work (600 patients).
        solver.parameters.num_workers = 1
        solver.parameters.max_deterministic_time = step
        # Measured on 300 patients: the full linear relaxation proves these assignment-like
        # steps optimal several times sooner; 50 points of gap are not worth more search.
        solver.parameters.linearization_level = 2
        solver.parameters.absolute_gap_limit = STEP_GAP
        if hint_is_complete(model):
            # A complete hint is the step's first solution already: the default short search
            # that follows it re-finds it, and on a measured 300-patient repair step took 4
            # of 14 s, and the step ended 196 points worse than without it. A partial hint
            # (smaller rosters) needs that search to be completed.
            solver.parameters.hint_conflict_limit = 0
    elif solver.parameters.num_workers == 1:
        # Reproducible: one worker stops after a fixed amount of work, which on this
        # machine size ends well before the time limit does.
        solver.parameters.max_deterministic_time = DETERMINISTIC_SHARE * options.time_limit
    # Ctrl-C is handled here (stop_search from the main thread); CP-SAT's own
    # handler aborts the process when the search runs in a worker thread.
    solver.parameters.catch_sigint_signal = False
    callback = _Callback(progress, clock.started)
    status, interrupted = _run_interruptible(solver, model, callback, progress, clock.started,
                                             settle, should_stop)
    return status, solver, interrupted, callback


def add_hint(built: BuiltModel, drafts) -> None:
    """Start the exact model from a pattern week: sections matched to parts in pool order."""
    plan, model = built.plan, built.model
    part_of = {(gp.group.name, p.id): i for i, gp in enumerate(plan.groups) for p in gp.pool}
    by_part: dict[int, list] = {}
    for d in drafts:
        by_part.setdefault(part_of[(d.group, d.members[0])], []).append(d)
    attending: set[tuple[str, int, int]] = set()  # (person, section index, slot)
    anchored = {(a.part, a.k): a.letter for a in plan.anchors}
    for part, sections in enumerate(built.vars.by_part):
        order = {p.id: i for i, p in enumerate(plan.groups[part].pool)}
        drafts_here = sorted(by_part.get(part, []), key=lambda d: min(order[m] for m in d.members))
        # A section named before solving (last week's letter, a pin) takes the draft of
        # that letter; the others fill the remaining sections in pool order.
        placed: dict[int, SectionDraft] = {}
        for k in range(len(sections)):
            d = next((d for d in drafts_here if d.name and d.name == anchored.get((part, k))), None)
            if d is not None:
                placed[k] = d
                drafts_here.remove(d)
        rest = iter(drafts_here)
        for k in range(len(sections)):
            if k not in placed and (part, k) not in anchored:
                placed[k] = next(rest, None)
        for d in rest:  # more drafts than free sections: anchored ones left empty take them
            k = next((k for k in range(len(sections)) if placed.get(k) is None), None)
            if k is not None:
                placed[k] = d
        for k, sv in enumerate(sections):
            d = placed.get(k)
            room_at = dict(zip(d.slots, d.rooms)) if d else {}
            model.add_hint(sv.active, d is not None)
            for t, var in sv.meets.items():
                model.add_hint(var, t in room_at)
            for pid, var in sv.member.items():
                model.add_hint(var, d is not None and pid in d.members)
                if d is not None and pid in d.members:
                    attending.update((pid, sv.index, t) for t in d.slots)
            for sid, var in sv.leads.items():
                model.add_hint(var, d is not None and sid == d.facilitator)
                if d is not None and sid == d.facilitator:
                    attending.update((sid, sv.index, t) for t in d.slots)
            for (room, t), var in sv.room_at.items():
                model.add_hint(var, room_at.get(t) == room)
    for people in (built.vars.attend, built.vars.teach):
        for who, presences in people.items():
            for a in presences:
                model.add_hint(a.var, (who, a.section.index, a.slot) in attending)


def add_previous_hint(built: BuiltModel) -> bool:
    """Hint each of last week's sections as it was, for the patients still eligible.

    Only what last week decided is hinted; new patients and new sections are left
    open for complete_hint to fill in. Returns False when nothing could be hinted.
    """
    model, slot_at = built.model, {(s.day, s.start): s.index for s in built.plan.slots}
    hinted = False
    for anchor in built.plan.anchors:
        last = anchor.previous
        if last is None:
            continue
        sv = built.vars.by_part[anchor.part][anchor.k]
        slots = {slot_at.get((m.day, m.start)): m.room for m in last.meetings}
        if not set(slots) <= set(sv.meets) or last.facilitator not in sv.leads:
            continue  # last week's times or facilitator are no longer possible
        hinted = True
        model.add_hint(sv.active, True)
        for t, var in sv.meets.items():
            model.add_hint(var, t in slots)
        for sid, var in sv.leads.items():
            model.add_hint(var, sid == last.facilitator)
        for (room, t), var in sv.room_at.items():
            model.add_hint(var, slots.get(t) == room)
        for pid in last.patients:
            if pid in sv.member:
                model.add_hint(sv.member[pid], True)
    return hinted


def complete_hint(model: cp_model.CpModel, time_limit: float) -> bool:
    """Fill in every variable the hint leaves open (objective helpers, ...).

    CP-SAT drops a partial hint it cannot complete on its own; a complete feasible
    hint becomes its first solution. Fixing the hinted values leaves a trivial search.
    """
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    # Ctrl-C must reach Python (and keep the best week), not CP-SAT's own handler.
    solver.parameters.catch_sigint_signal = False
    solver.parameters.max_time_in_seconds = max(0.1, time_limit)
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    model.clear_hints()
    for i in range(len(model.proto.variables)):
        var = model.get_int_var_from_proto_index(i)
        model.add_hint(var, solver.value(var))
    return True


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(self, progress: ProgressFn, started: float):
        super().__init__()
        self.progress = progress
        self.started = started
        self.count = 0
        self.first: float | None = None  # perf_counter() of the first solution
        self.objective: float | None = None
        self.bound: float | None = None

    def on_solution_callback(self) -> None:
        self.count += 1
        if self.first is None:
            self.first = time.perf_counter()
        self.objective = self.objective_value / SCALE
        self.bound = self.best_objective_bound / SCALE
        self.progress(Progress("solution", time.perf_counter() - self.started, self.count,
                               self.objective, self.bound))


def _run_interruptible(solver, model, callback, progress, started,
                       settle: float | None = None,
                       should_stop: Callable[[], bool] | None = None) -> tuple[int, bool]:
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
            if not done.wait(0.25):
                progress(Progress("tick", time.perf_counter() - started, callback.count,
                                  callback.objective, callback.bound))
                if settle is not None and callback.first is not None \
                        and time.perf_counter() - callback.first >= settle:
                    solver.stop_search()
                if should_stop is not None and should_stop():
                    solver.stop_search()
        except KeyboardInterrupt:
            interrupted = True
            solver.stop_search()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["status"], interrupted


def extract_schedule(built: BuiltModel, solver: cp_model.CpSolver, status: str) -> Schedule:
    """Read the solver's values into meetings; sections are lettered by first meeting."""
    roster = built.plan.roster
    named = {(a.part, a.k): a.letter for a in built.plan.anchors}
    part_of = {id(sv): (part, k) for part, svs in enumerate(built.vars.by_part)
               for k, sv in enumerate(svs)}
    drafts = []
    for sv in built.vars.sections:
        if not solver.boolean_value(sv.active):
            continue
        slots = tuple(t for t, v in sorted(sv.meets.items()) if solver.boolean_value(v))
        rooms = tuple(next(name for (name, slot), v in sv.room_at.items()
                           if slot == t and solver.boolean_value(v)) for t in slots)
        drafts.append(SectionDraft(
            sv.group.name, slots, rooms,
            next(sid for sid, v in sv.leads.items() if solver.boolean_value(v)),
            tuple(sorted(pid for pid, v in sv.member.items() if solver.boolean_value(v))),
            named.get(part_of[id(sv)]),
        ))
    return Schedule(
        status=status,
        meetings=meetings_from(roster, drafts),
        week_of=roster.settings.week_of,
        center=roster.settings.center,
        objective=solver.objective_value / SCALE,
        best_bound=solver.best_objective_bound / SCALE,
        warnings=list(roster.warnings),
    )
