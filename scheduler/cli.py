"""The `scheduler` command. Thin: parse arguments, call the library, print in plain words.

Exit codes: 0 schedule written (or roster fine), 1 no schedule satisfies the rules,
2 bad input or arguments, 3 an internal error (a bug; please report it).
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import click

from . import __version__
from .errors import RosterError, SchedulerError
from .solver import Progress, SolveOptions

EXIT_WRITTEN, EXIT_NO_SCHEDULE, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def reports_errors(command):
    """Turn every failure into a plain message and an exit code; never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except RosterError as exc:
            _print_problems(exc)
            sys.exit(EXIT_BAD_INPUT)
        except SchedulerError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("\nStopped; nothing was written.", err=True)
            sys.exit(130)
        except BrokenPipeError:
            # Output piped into a reader that stopped early (`scheduler diff ... | head`):
            # nothing is wrong; silence the flush at exit, as the Python docs advise.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - last line of defence for users
            click.echo(
                f"Internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in scheduler, not a problem with your roster. "
                "Please report it together with the command you ran.",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)

    return wrapper


def _print_problems(exc: RosterError) -> None:
    n = len(exc.problems)
    click.echo(
        f"The roster has {n} problem{'s' if n != 1 else ''}; nothing was scheduled. "
        "Fix these cells and run again:",
        err=True,
    )
    for problem in exc.problems:
        click.echo(f"  - {problem}", err=True)


def _print_warnings(warnings: list[str]) -> None:
    for warning in warnings:
        click.echo(f"Note: {warning}", err=True)


class ProgressPrinter:
    """Live progress on stderr: one updating line on a terminal, plain log lines otherwise."""

    def __init__(self, quiet: bool = False, stream=None):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.live = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.last_logged = -1.0
        self.width = 0

    def __call__(self, p: Progress) -> None:
        if self.quiet:
            return
        if p.event in ("build", "retry"):
            self._line(f"{p.message[0].upper()}{p.message[1:]}...", final=True)
            return
        text = f"Solving: {p.elapsed:5.1f} s, {p.solutions} schedule(s) found"
        if p.objective is not None:
            text += f", best score {p.objective:g} (lower is better"
            text += f"; cannot go below {p.bound:g})" if p.bound is not None else ")"
        if self.live:
            self._line(text)
        elif p.event == "solution" or p.elapsed - self.last_logged >= 10:
            self.last_logged = p.elapsed
            self._line(text, final=True)

    def done(self) -> None:
        if self.live and self.width and not self.quiet:
            self.stream.write("\n")
            self.stream.flush()
            self.width = 0

    def _line(self, text: str, final: bool = False) -> None:
        if self.live:
            pad = max(0, self.width - len(text))
            self.stream.write("\r" + text + " " * pad)
            self.width = len(text)
            if final:
                self.stream.write("\n")
                self.width = 0
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scheduler")
def main():
    """Weekly group-session timetables for an addiction treatment center.

    Reads the center's roster workbook (patients, staff, rooms, groups, slots),
    places every patient into peer and therapy groups, and writes printable
    timetables for staff, patients and room doors.
    """


@main.command()
@click.argument("roster", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "-o", "out_dir", type=click.Path(path_type=Path), default=Path("schedule"),
              show_default=True, help="Folder to write the timetables into (created if missing).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              help="Stop searching after this long (default: the roster's Time limit, else 60).")
@click.option("--pdf/--no-pdf", default=True, show_default=True, help="Also write PDF printouts.")
@click.option("--workers", type=click.IntRange(min=0), default=0, show_default=True,
              help="Solver threads (0: one per CPU core).")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Solver random seed; with --workers 1 the same seed gives the same week.")
@click.option("--quiet", "-q", is_flag=True, help="No progress output.")
@click.option("--best-effort", is_flag=True,
              help="When no week meets every rule, still write the best possible week, marked "
                   "incomplete, listing what is missing (exit code stays 1).")
@click.option("--previous", type=click.Path(dir_okay=False, path_type=Path), metavar="SCHEDULE.json",
              help="Last week's schedule.json: keep continuing patients in their sections, "
                   "and write changes.html.")
@reports_errors
def solve(roster: Path, out_dir: Path, time_limit, pdf, workers, seed, quiet, best_effort,
          previous):
    """Build the week for ROSTER.xlsx and write timetables into --out."""
    from .changes import compare
    from .output import write_outputs
    from .precheck import precheck
    from .quality import measure
    from .reader import read_roster
    from .schedule_reader import read_schedule
    from .solver import solve as run_solver
    from .summary import summary_lines

    data = read_roster(roster)
    _print_warnings(data.warnings)
    conflicts = precheck(data)
    if conflicts:
        _report_conflicts(conflicts)
        if not best_effort:
            click.echo("To get a printable week anyway, run again with --best-effort.", err=True)
            sys.exit(EXIT_NO_SCHEDULE)
        click.echo("Building the best possible week anyway (--best-effort)...", err=True)
    last_week = read_schedule(previous) if previous else None
    limit = time_limit if time_limit is not None else data.settings.time_limit
    printer = ProgressPrinter(quiet)
    options = SolveOptions(time_limit=limit, workers=workers, seed=seed, best_effort=best_effort,
                           impossible=bool(conflicts), previous=last_week)
    result = run_solver(data, options, printer)
    printer.done()

    if not result.found:
        _explain_no_schedule(result, limit, len(data.patients))
        sys.exit(EXIT_NO_SCHEDULE)
    result.schedule.roster_fingerprint = data.fingerprint
    if result.stats.get("interrupted"):
        click.echo("Stopped early: writing the best schedule found so far.", err=True)
    if result.schedule.unmet:
        _print_conflicts(result.conflicts, heading="No week meets every rule")
    if not quiet:
        click.echo("Writing the timetables" + (" and PDFs" if pdf else "") + "...", err=True)
    changes = compare(last_week, result.schedule, data) if last_week else None
    quality = measure(data, result.schedule)
    outputs = write_outputs(data, result.schedule, out_dir, pdf=pdf, protect=(roster,),
                            changes=changes, quality=quality)
    for line in summary_lines(data, result.schedule, changes, quality):
        click.echo(line)
    _say_written(out_dir, outputs)
    if result.schedule.unmet:
        click.echo("The week is INCOMPLETE (see 'Not met' above); it is marked so on every "
                   "printout.", err=True)
        sys.exit(EXIT_NO_SCHEDULE)


# A search that ended before this share of the time limit gave up rather than ran out of time.
GAVE_UP_SHARE = 0.8


def _explain_no_schedule(result, limit: float, patients: int = 0) -> None:
    if result.status == "infeasible":
        click.echo("No schedule can satisfy all the rules with this roster.", err=True)
    elif result.status == "interrupted":
        click.echo("Stopped before any schedule was found; nothing was written.", err=True)
    else:
        missing = result.stats.get("still_missing") or []
        elapsed = result.stats.get("total_seconds") or limit
        if missing and elapsed < GAVE_UP_SHARE * limit:
            # The stepwise solver stopped repairing: more time would not help.
            seconds = "a second" if elapsed < 1 else f"{elapsed:.0f} s"
            click.echo(f"No schedule was found: after {seconds} the solver could not fit "
                       "everything in and stopped; nothing was written.", err=True)
        else:
            click.echo(
                f"No schedule was found within the time limit ({limit:g} s); nothing was "
                "written. Try a longer --time-limit (or the Time limit setting).",
                err=True,
            )
            from .machine import time_limit_for

            if time_limit_for(patients) > limit:
                click.echo(f"  A center of {patients} patients usually needs about "
                           f"{time_limit_for(patients)} s.", err=True)
        if missing:
            click.echo("When it stopped, its week still lacked:", err=True)
            for line in missing:
                click.echo(f"  - {line}", err=True)
            click.echo("--best-effort writes that week, marked incomplete, with the patients "
                       "it leaves out listed.", err=True)
    if result.notes:
        click.echo("These requirements cannot be met:", err=True)
        for note in result.notes:
            click.echo(f"  - {note}", err=True)
    _print_conflicts(result.conflicts)
    if result.status == "infeasible" and not (result.conflicts or result.notes):
        click.echo("The solver could not narrow the conflict down to a few rows in the time "
                   "left. --best-effort shows exactly which patients and groups miss out.",
                   err=True)
    if result.status == "infeasible":
        click.echo("To get a printable week anyway, run again with --best-effort.", err=True)


def _report_conflicts(conflicts) -> None:
    """The pre-checks' findings: why no week can exist, one sentence per conflict."""
    click.echo("This roster cannot be scheduled. Change these rows and run again:", err=True)
    for conflict in conflicts:
        click.echo(f"  - {conflict}", err=True)


def _print_conflicts(conflicts, heading: str = "Rows to look at") -> None:
    for conflict in conflicts:
        click.echo(f"{heading}: {conflict.message}", err=True)
        for detail in conflict.details:
            click.echo(f"  - {detail}", err=True)


@main.command()
@click.argument("roster", type=click.Path(dir_okay=False, path_type=Path))
@reports_errors
def validate(roster: Path):
    """Check ROSTER.xlsx and report every problem, without scheduling."""
    from .precheck import precheck
    from .reader import read_roster
    from .solver.plan import make_plan

    data = read_roster(roster)
    _print_warnings(data.warnings)
    conflicts = precheck(data)
    if conflicts:
        _report_conflicts(conflicts)
        sys.exit(EXIT_NO_SCHEDULE)
    notes = make_plan(data).notes
    if notes:
        click.echo("The roster reads fine, but these requirements can never be met:", err=True)
        for note in notes:
            click.echo(f"  - {note}", err=True)
        sys.exit(EXIT_NO_SCHEDULE)
    click.echo(
        f"The roster is ready: {len(data.patients)} patients, {len(data.staff)} staff, "
        f"{len(data.rooms)} rooms, {len(data.groups)} groups, {len(data.slots)} slots."
    )


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it already exists.")
@reports_errors
def init(file: Path, force: bool):
    """Write a blank roster workbook FILE.xlsx to fill in."""
    from .template_workbook import write_template

    if file.exists() and not force:
        click.echo(f"Error: {file} already exists; use --force to replace it.", err=True)
        sys.exit(EXIT_BAD_INPUT)
    write_template(file)
    click.echo(f"Wrote a blank roster to {file}. Fill in its sheets (see the Instructions sheet), "
               f"then run: scheduler validate {file}")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--patients", type=click.IntRange(min=1), default=120, show_default=True)
@click.option("--staff", type=click.IntRange(min=1), help="Default: patients / 10.")
@click.option("--rooms", type=click.IntRange(min=1), help="Default: patients / 15.")
@click.option("--days", type=click.Choice(["5", "6"]), default="5", show_default=True,
              help="Days a week with groups (6 adds Saturday).")
@click.option("--seed", type=int, default=0, show_default=True,
              help="The same seed gives the same workbook.")
@click.option("--force", is_flag=True, help="Replace FILE if it already exists.")
@reports_errors
def generate(file: Path, patients: int, staff, rooms, days: str, seed: int, force: bool):
    """Write a realistic fictional roster FILE.xlsx (for trying the tool and benchmarks).

    The roster is schedulable by construction: a valid week is planted first and
    the roster derived from it.
    """
    from .files import check_target
    from .generate import generate as make, write_generated

    check_target(file)  # before generating, which takes a while for a large center
    if file.exists() and not force:
        click.echo(f"Error: {file} already exists; use --force to replace it.", err=True)
        sys.exit(EXIT_BAD_INPUT)
    staff = staff or max(2, round(patients / 10))
    rooms = rooms or max(2, round(patients / 15))
    try:
        generated = make(patients, staff, rooms, days=int(days), seed=seed)
    except ValueError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    write_generated(generated, file)
    click.echo(f"Wrote {file}: {patients} patients, {staff} staff, {rooms} rooms, "
               f"{days} days (seed {seed}).")


@main.command("check")
@click.argument("roster", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("schedule", type=click.Path(dir_okay=False, path_type=Path))
@reports_errors
def check_command(roster: Path, schedule: Path):
    """List every hard rule a hand-edited SCHEDULE breaks (exit code 1 if any).

    SCHEDULE is a schedule.xlsx whose Sessions sheet was edited by hand, or a
    schedule.json; ROSTER.xlsx is the roster it was made for.
    """
    _, _, broken = _read_and_check(roster, schedule)
    if not broken:
        click.echo("No broken rules: the schedule can be printed.")
        return
    _print_broken(broken)
    sys.exit(EXIT_NO_SCHEDULE)


@main.command()
@click.argument("roster", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("schedule", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "-o", "out_dir", type=click.Path(path_type=Path), required=True,
              help="Folder to write the timetables into (created if missing).")
@click.option("--pdf/--no-pdf", default=True, show_default=True, help="Also write PDF printouts.")
@click.option("--force", is_flag=True,
              help="Print even when hard rules are broken; every printout lists them "
                   "(exit code stays 1).")
@click.option("--previous", type=click.Path(dir_okay=False, path_type=Path), metavar="SCHEDULE.json",
              help="Last week's schedule.json: write changes.html comparing it with this week "
                   "as printed now.")
@reports_errors
def render(roster: Path, schedule: Path, out_dir: Path, pdf: bool, force: bool, previous):
    """Re-print every timetable from a checked, possibly hand-edited SCHEDULE."""
    from .changes import compare
    from .output import write_outputs
    from .reprint import reprint
    from .schedule_reader import read_schedule
    from .summary import quality_lines

    data, week, broken = _read_and_check(roster, schedule)
    if previous and Path(previous).resolve() == Path(schedule).resolve():
        raise click.BadParameter("give last week's schedule.json, not this week's (to see "
                                 "what your edits changed, use 'scheduler diff').",
                                 param_hint="'--previous'")
    if broken:
        _print_broken(broken, err=True)
        if not force:
            click.echo("Nothing was written. Fix the schedule and run 'scheduler check' again, "
                       "or add --force to print it anyway.", err=True)
            sys.exit(EXIT_NO_SCHEDULE)
        click.echo("Printing anyway (--force): every printout and schedule.json list these "
                   "broken rules.", err=True)
    last_week = read_schedule(previous) if previous else None
    again = reprint(data, week, broken)
    printed, quality = again.schedule, again.quality
    if last_week and last_week.week_of and printed.week_of \
            and last_week.week_of >= printed.week_of:
        click.echo(f"Note: --previous {previous} is the week of {last_week.week_of:%a %d %b %Y}, "
                   "not a week before this one; changes.html compares with it all the same.",
                   err=True)
    changes = compare(last_week, printed, data) if last_week else None
    outputs = write_outputs(data, printed, out_dir, pdf=pdf, protect=(roster,), quality=quality,
                            changes=changes)
    if printed.status != "edited":
        what = "the week as solved (not edited since)"
    elif again.why_edited:
        what = f"the week as edited: {again.why_edited}"
    else:
        what = "the edited week"
    click.echo(f"Rendered {what}: {len(printed.sections)} sections, "
               f"{len(printed.meetings)} meetings.")
    for line in quality_lines(quality):
        click.echo(line)
    if changes is not None:
        click.echo(f"  Changes:  {changes.summary_line()}")
    _say_written(out_dir, outputs)
    if broken:
        sys.exit(EXIT_NO_SCHEDULE)


def _say_written(out_dir: Path, outputs) -> None:
    """The files written, and the earlier outputs removed with how to get them back."""
    click.echo(f"  Wrote {len(outputs.written)} files to {out_dir}/: "
               + ", ".join(p.name for p in outputs.written))
    removed = outputs.removed
    if not removed:
        return
    how = []
    if any(name.startswith("changes.") for name in removed):
        how.append("To print the comparison with last week again, add --previous with last "
                   "week's schedule.json.")
    if any(name.endswith(".pdf") and not name.startswith("changes.") for name in removed):
        how.append("Leave out --no-pdf to write the PDFs.")
    click.echo(" ".join([f"  Removed from {out_dir}/, as they would no longer match this week: "
                         + ", ".join(removed) + "."] + how))


def _read_and_check(roster: Path, schedule: Path):
    """The roster, the week read back (names matched to the roster), and its broken rules."""
    from .check import check_schedule
    from .reader import read_roster
    from .schedule_reader import read_schedule

    data = read_roster(roster)
    _print_warnings(data.warnings)
    week = read_schedule(schedule, data)
    return data, week, check_schedule(data, week)


def _print_broken(broken, err: bool = False) -> None:
    click.echo(f"{len(broken)} broken rule{'s' if len(broken) != 1 else ''}:", err=err)
    for violation in broken:
        click.echo(f"  - {violation}", err=err)


@main.command()
@click.argument("old", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--roster", type=click.Path(dir_okay=False, path_type=Path), metavar="ROSTER.xlsx",
              help="The roster workbook: adds names, and tells discharged patients apart.")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE", help="Also write the printable comparison (changes.html) to FILE.")
@reports_errors
def diff(old: Path, new: Path, roster, html_file):
    """Show what changed from OLD to NEW schedule.json: per patient and per staff member."""
    from .changes import compare
    from .schedule_reader import read_schedule

    if html_file:
        _check_target_file(html_file, keep=(old, new, roster))
    data = None
    if roster:
        from .reader import read_roster

        data = read_roster(roster)
        _print_warnings(data.warnings)
    before, after = read_schedule(old, data), read_schedule(new, data)
    changes = compare(before, after, data)
    patient_names = {p.id: p.name for p in data.patients} if data else None
    staff_names = {s.id: s.name for s in data.staff} if data else None
    for line in changes.text_lines(patient_names, staff_names):
        click.echo(line)
    if html_file:
        from .files import write_atomically
        from .writers.changes import render_changes

        write_atomically(html_file, render_changes(data, changes, after).encode("utf-8"))
        click.echo(f"Wrote {html_file}.", err=True)


def _check_target_file(path: Path, keep: tuple = ()) -> None:
    """Refuse up front a file we could not write, or one that is an input."""
    from .errors import OutputError
    from .files import check_target

    if any(k is not None and path.resolve() == Path(k).resolve() for k in keep):
        raise OutputError(f"Writing {path} would overwrite an input file; choose another name.")
    check_target(path)
