"""The `scheduler` command. Thin: parse arguments, call the library, print in plain words.

Exit codes: 0 schedule written (or roster fine), 1 no schedule satisfies the rules,
2 bad input or arguments, 3 an internal error (a bug; please report it).
"""

from __future__ import annotations

import functools
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
@reports_errors
def solve(roster: Path, out_dir: Path, time_limit, pdf, workers, seed, quiet):
    """Build the week for ROSTER.xlsx and write timetables into --out."""
    from .output import write_outputs
    from .reader import read_roster
    from .solver import solve as run_solver
    from .summary import summary_lines

    data = read_roster(roster)
    _print_warnings(data.warnings)
    limit = time_limit if time_limit is not None else data.settings.time_limit
    printer = ProgressPrinter(quiet)
    result = run_solver(data, SolveOptions(time_limit=limit, workers=workers, seed=seed), printer)
    printer.done()

    if not result.found:
        _explain_no_schedule(result, limit)
        sys.exit(EXIT_NO_SCHEDULE)
    if result.stats.get("interrupted"):
        click.echo("Stopped early: writing the best schedule found so far.", err=True)
    if not quiet:
        click.echo("Writing the timetables" + (" and PDFs" if pdf else "") + "...", err=True)
    written = write_outputs(data, result.schedule, out_dir, pdf=pdf, protect=(roster,))
    for line in summary_lines(data, result.schedule):
        click.echo(line)
    click.echo(f"  Wrote {len(written)} files to {out_dir}/: "
               + ", ".join(p.name for p in written))


def _explain_no_schedule(result, limit: float) -> None:
    if result.status == "infeasible":
        click.echo("No schedule can satisfy all the rules with this roster.", err=True)
    elif result.status == "interrupted":
        click.echo("Stopped before any schedule was found; nothing was written.", err=True)
    else:
        click.echo(
            f"No schedule was found within the time limit ({limit:g} s); nothing was written. "
            "Try a longer --time-limit (or the Time limit setting).",
            err=True,
        )
    if result.notes:
        click.echo("These requirements cannot be met:", err=True)
        for note in result.notes:
            click.echo(f"  - {note}", err=True)


@main.command()
@click.argument("roster", type=click.Path(dir_okay=False, path_type=Path))
@reports_errors
def validate(roster: Path):
    """Check ROSTER.xlsx and report every problem, without scheduling."""
    from .reader import read_roster
    from .solver.plan import make_plan

    data = read_roster(roster)
    _print_warnings(data.warnings)
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
    from .generate import generate as make, write_generated

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
