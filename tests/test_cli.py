"""The command line as an administrator meets it: exit codes, messages, files written or not."""

import hashlib
import json
import os
import stat
import subprocess
import sys

import pytest
from builders import minimal_roster, set_cell, write_workbook
from click.testing import CliRunner
from tiny import group, patients, roster, solve_checked, staff

from scheduler.cli import main


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def minimal(tmp_path):
    return write_workbook(tmp_path / "roster.xlsx", minimal_roster())


def test_solve_minimal_roster_writes_every_output(tmp_path, minimal):
    out = tmp_path / "out"
    result = run("solve", minimal, "--out", out, "--no-pdf", "--quiet")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["schedule.json", "schedule.xlsx", "master.html", "staff.html",
                            "patients.html", "rooms.html", "report.html"])
    data = json.loads((out / "schedule.json").read_text())
    assert data["status"] in ("optimal", "feasible")
    assert "Hours per patient" in result.stdout


def test_bad_input_exits_2_names_the_cell_and_writes_nothing(tmp_path):
    sheets = minimal_roster()
    set_cell(sheets, "Patients", 3, "Program", "Residental")
    set_cell(sheets, "Rooms", 2, "Capacity", "ten")
    path = write_workbook(tmp_path / "roster.xlsx", sheets)
    out = tmp_path / "out"
    result = run("solve", path, "--out", out)
    assert result.exit_code == 2
    assert "Patients sheet, row 3, column 'Program'" in result.output
    assert "Rooms sheet, row 2, column 'Capacity'" in result.output  # every problem at once
    assert "Traceback" not in result.output
    assert not out.exists()


def test_not_a_workbook_exits_2_with_one_sentence(tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_text("ID,Name\nP1,Ann\n")
    result = run("solve", path, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1


def test_no_schedule_exits_1_and_writes_nothing(tmp_path):
    sheets = minimal_roster()
    # The only peer-support facilitator may lead one meeting a week; the peer group needs two.
    set_cell(sheets, "Staff", 2, "Max per week", 1)
    path = write_workbook(tmp_path / "roster.xlsx", sheets)
    out = tmp_path / "out"
    result = run("solve", path, "--out", out, "--quiet")
    assert result.exit_code == 1, result.output
    # Found by the pre-checks, before the solver runs.
    assert "This roster cannot be scheduled" in result.output
    assert "S1 (Staff row 2)" in result.output
    assert not out.exists() or not any(out.iterdir())


def test_failed_render_leaves_earlier_outputs_untouched(tmp_path, minimal, monkeypatch):
    out = tmp_path / "out"
    assert run("solve", minimal, "--out", out, "--no-pdf", "-q").exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(*_args, **_kw):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("scheduler.writers.xlsx.render_xlsx", broken)
    result = run("solve", minimal, "--out", out, "--no-pdf", "-q")
    assert result.exit_code == 2
    assert "No space left on device" in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no staging folder left


def test_roster_is_never_modified(tmp_path, minimal):
    digest = hashlib.sha256(minimal.read_bytes()).hexdigest()
    run("solve", minimal, "--out", tmp_path / "out", "--no-pdf", "-q")
    assert hashlib.sha256(minimal.read_bytes()).hexdigest() == digest


def test_refuses_to_overwrite_the_roster_with_an_output(tmp_path):
    path = write_workbook(tmp_path / "schedule.xlsx", minimal_roster())
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    result = run("solve", path, "--out", tmp_path, "--no-pdf", "-q")
    assert result.exit_code == 2
    assert "would overwrite your roster" in result.output
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_validate_reports_ready_roster(minimal):
    result = run("validate", minimal)
    assert result.exit_code == 0
    assert "The roster is ready: 6 patients" in result.output


def test_validate_names_requirements_that_can_never_be_met(tmp_path):
    sheets = minimal_roster()
    set_cell(sheets, "Staff", 3, "Available", "Sat")  # the only CBT facilitator
    path = write_workbook(tmp_path / "roster.xlsx", sheets)
    result = run("validate", path)
    assert result.exit_code == 1
    assert "CBT Skills" in result.output


def test_init_writes_a_template_and_never_overwrites(tmp_path):
    path = tmp_path / "new.xlsx"
    assert run("init", path).exit_code == 0
    result = run("validate", path)
    assert result.exit_code == 2  # blank sheets: problems, but located ones
    assert "Slots sheet" in result.output
    again = run("init", path)
    assert again.exit_code == 2 and "already exists" in again.output
    assert run("init", path, "--force").exit_code == 0


def test_real_process_never_shows_a_traceback(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 truncated zip")
    proc = subprocess.run([sys.executable, "-m", "scheduler", "solve", str(path), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stderr.strip()


def test_unknown_option_exits_2():
    assert run("solve", "--bogus").exit_code == 2


def test_tiny_roster_infeasible_result_has_no_schedule():
    r = roster(groups=[group(min_size=4)], staff_list=[staff()], patient_list=patients(3))
    assert solve_checked(r) is None


def test_ctrl_c_stops_the_search_and_writes_the_best_week_so_far(tmp_path):
    sample = __import__("pathlib").Path(__file__).parent.parent / "sample_data" / "roster.xlsx"
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "scheduler", "solve", str(sample), "--out",
                             str(out), "--no-pdf", "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:  # not a terminal: one plain line per schedule found
        if "schedule(s) found" in line and "best score" in line:
            proc.send_signal(__import__("signal").SIGINT)
            break
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    data = json.loads((out / "schedule.json").read_text())
    # Either stopped early, or the search had just finished when the signal came.
    assert data["stats"]["interrupted"] or data["status"] == "optimal"
    if data["stats"]["interrupted"]:
        assert "Stopped early" in stderr and data["status"] == "feasible"


def test_generate_into_a_missing_folder_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["generate", str(tmp_path / "nowhere" / "roster.xlsx")])
    assert result.exit_code == 2
    assert "the folder" in result.output and "does not exist" in result.output
    assert "Internal error" not in result.output


def test_generated_and_template_workbooks_are_readable_by_others(tmp_path):
    # mkstemp's files are private; a roster workbook is made to be shared with colleagues.
    old = os.umask(0o022)
    try:
        assert CliRunner().invoke(main, ["generate", str(tmp_path / "g.xlsx"),
                                         "--patients", "20"]).exit_code == 0
        assert CliRunner().invoke(main, ["init", str(tmp_path / "t.xlsx")]).exit_code == 0
    finally:
        os.umask(old)
    for name in ("g.xlsx", "t.xlsx"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.xlsx", "t.xlsx"]
