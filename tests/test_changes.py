"""What changed between two weeks: compare(), `scheduler diff` and changes.html list exactly the planted edits."""

import dataclasses
import datetime as dt
import json

import pytest
from builders import minimal_roster, write_workbook
from click.testing import CliRunner
from tiny import patient, roster, staff

from scheduler.changes import compare, pair_sessions
from scheduler.cli import main
from scheduler.domain import DAY_NAMES
from scheduler.solution import Meeting, Schedule
from scheduler.writers.changes import render_changes


def meet(group, section, when, room, lead, patients, minutes=90):
    """meet('Peer Support', 'A', 'Mon 9:00', 'Room 1', 'S1', ['P1']) -> a Meeting."""
    day, start = when.split()
    h, m = map(int, start.split(":"))
    return Meeting(group, section, DAY_NAMES.index(day), h * 60 + m, h * 60 + m + minutes, room,
                   lead, tuple(sorted(patients)))


A, B = ["P1", "P2", "P3"], ["P4", "P5", "P6", "P7"]
B_NEW = ["P4", "P5", "P7", "P8"]  # P6 discharged, P8 new


def last_week() -> Schedule:
    return Schedule("optimal", [
        meet("Peer Support", "A", "Mon 9:00", "Room 1", "S1", A),
        meet("Peer Support", "A", "Wed 9:00", "Room 1", "S1", A),
        meet("Peer Support", "B", "Mon 11:00", "Room 2", "S2", B),
        meet("Peer Support", "B", "Wed 11:00", "Room 2", "S2", B),
        meet("CBT Skills", "A", "Tue 9:00", "Room 1", "S3", A),
        meet("CBT Skills", "B", "Tue 11:00", "Room 1", "S3", B),
        meet("Art Therapy", "A", "Thu 14:00", "Room 3", "S2", ["P1", "P2"]),
    ], week_of=dt.date(2026, 11, 23), center="Tiny")


def this_week() -> Schedule:
    """Last week with the planted edits."""
    return Schedule("optimal", [
        meet("Peer Support", "A", "Mon 9:00", "Room 1", "S1", A),
        meet("Peer Support", "A", "Fri 9:00", "Room 1", "S1", A),  # moved in time
        meet("Peer Support", "B", "Mon 11:00", "Room 2", "S2", B_NEW),
        meet("Peer Support", "B", "Wed 11:00", "Room 2", "S2", B_NEW),
        meet("CBT Skills", "A", "Tue 9:00", "Room 4", "S3", A),  # room change
        meet("CBT Skills", "B", "Tue 11:00", "Room 1", "S3", B_NEW),
        # facilitator change, and P4 added to the section
        meet("Art Therapy", "A", "Thu 14:00", "Room 3", "S4", ["P1", "P2", "P4"]),
    ], week_of=dt.date(2026, 11, 30), center="Tiny")


def flat(sessions) -> set[str]:
    """A person's session changes as short strings, to compare with exactly what was planted."""
    out = {f"added {m.group} {m.day_name} {m.start_text} {m.room} {m.facilitator}"
           for m in sessions.added}
    out |= {f"removed {m.group} {m.day_name} {m.start_text}" for m in sessions.removed}
    out |= {f"moved {mv.new.group} {what} {a} -> {b}"
            for mv in sessions.moved for what, a, b in mv.details()}
    return out


TIME = "moved Peer Support time Wed 9:00 -> Fri 9:00"
ROOM = "moved CBT Skills room Room 1 -> Room 4"
LEAD = "moved Art Therapy facilitator S2 -> S4"


def test_compare_reports_exactly_the_planted_edits():
    changes = compare(last_week(), this_week())
    patients = {p.patient: (p.status, flat(p.sessions)) for p in changes.patients}
    assert patients == {
        "P1": ("changed", {TIME, ROOM, LEAD}),
        "P2": ("changed", {TIME, ROOM, LEAD}),
        "P3": ("changed", {TIME, ROOM}),
        "P4": ("changed", {"added Art Therapy Thu 14:00 Room 3 S4"}),
        "P6": ("discharged", {"removed Peer Support Mon 11:00", "removed Peer Support Wed 11:00",
                              "removed CBT Skills Tue 11:00"}),
        "P8": ("new", {"added Peer Support Mon 11:00 Room 2 S2",
                       "added Peer Support Wed 11:00 Room 2 S2",
                       "added CBT Skills Tue 11:00 Room 1 S3"}),
    }
    assert changes.unchanged == ["P5", "P7"]
    staff = {s.staff: (flat(s.sessions), [x.id for x in s.sections]) for s in changes.staff}
    assert staff == {
        "S1": ({TIME}, []),
        "S2": ({"removed Art Therapy Thu 14:00"}, ["Peer Support|B"]),
        "S3": ({ROOM}, ["CBT Skills|B"]),
        "S4": ({"added Art Therapy Thu 14:00 Room 3 S4"}, ["Art Therapy|A"]),
    }
    sections = {s.id: (s.status, s.joined, s.left) for s in changes.sections}
    assert sections == {
        "Art Therapy|A": ("changed", ["P4"], []),
        "CBT Skills|B": ("changed", ["P8"], ["P6"]),
        "Peer Support|B": ("changed", ["P8"], ["P6"]),
    }
    assert changes.summary_line() == \
        "2 patients unchanged, 4 moved, 1 new, 1 discharged; 4 staff with changes."
    assert not changes.is_empty


def test_identical_weeks_have_no_changes():
    changes = compare(last_week(), last_week())
    assert changes.is_empty
    assert changes.patients == [] and changes.staff == [] and changes.sections == []
    assert changes.summary_line() == \
        "7 patients unchanged, 0 moved, 0 new, 0 discharged; 0 staff with changes."
    data = changes.to_dict()
    assert data["patients"] == [] and data["counts"]["unchanged"] == 7


def test_to_dict_is_json_with_ids_only():
    data = json.loads(json.dumps(compare(last_week(), this_week()).to_dict()))
    assert data["previous_week_of"] == "2026-11-23"
    assert data["counts"] == {"unchanged": 2, "changed": 4, "new": 1, "discharged": 1, "staff": 4}
    p3 = next(p for p in data["patients"] if p["patient"] == "P3")
    assert [m["changed"] for m in p3["moved"]] == [{"room": "Room 1 \u2192 Room 4"},
                                                   {"time": "Wed 9:00 \u2192 Fri 9:00"}]
    assert p3["moved"][1]["from"]["day"] == "Wed" and p3["moved"][1]["to"]["day"] == "Fri"
    assert "patients" not in p3["moved"][0]["from"]


def test_roster_decides_who_is_discharged():
    on_roster = roster(patient_list=[patient(f"P{i}") for i in (1, 2, 3, 4, 5, 6, 7, 8, 9)])
    changes = compare(last_week(), this_week(), on_roster)
    p6 = next(p for p in changes.patients if p.patient == "P6")
    assert p6.status == "changed" and len(p6.sessions.removed) == 3  # still on the roster
    assert "P9" not in changes.unchanged + [p.patient for p in changes.patients]
    off_roster = roster(patient_list=[patient(f"P{i}") for i in (1, 2, 3, 4, 5, 7, 8)])
    assert [p.status for p in compare(last_week(), this_week(), off_roster).patients
            if p.patient == "P6"] == ["discharged"]


def test_pairing_prefers_the_same_time_then_week_order():
    old = [meet("Peer Support", "A", "Mon 9:00", "Room 1", "S1", ["P1"]),
           meet("Peer Support", "A", "Wed 9:00", "Room 1", "S1", ["P1"])]
    new = [meet("Peer Support", "A", "Wed 9:00", "Room 5", "S1", ["P1"]),  # only the room
           meet("Peer Support", "A", "Fri 9:00", "Room 1", "S1", ["P1"]),  # Mon moved to Fri
           meet("Peer Support", "A", "Sat 9:00", "Room 1", "S1", ["P1"])]  # one more
    diff = pair_sessions(old, new)
    assert flat(diff) == {"moved Peer Support room Room 1 -> Room 5",
                          "moved Peer Support time Mon 9:00 -> Fri 9:00",
                          "added Peer Support Sat 09:00 Room 1 S1"}
    # A patient switched to another section: one move naming the section and the time.
    switched = pair_sessions([meet("CBT Skills", "A", "Tue 9:00", "Room 1", "S3", ["P1"])],
                             [meet("CBT Skills", "B", "Tue 11:00", "Room 1", "S3", ["P1"])])
    assert flat(switched) == {"moved CBT Skills section A -> B",
                              "moved CBT Skills time Tue 9:00 -> Tue 11:00"}


# --- scheduler diff -------------------------------------------------------------------


def write_json(path, schedule: Schedule):
    path.write_text(json.dumps(schedule.to_dict()), encoding="utf-8")
    return path


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


EXPECTED_DIFF = """\
2 patients unchanged, 4 moved, 1 new, 1 discharged; 4 staff with changes.
Patients:
  P1: moved
    moved:   CBT Skills A, Tue 9:00\u201310:30: room Room 1 \u2192 Room 4
    moved:   Art Therapy, Thu 14:00\u201315:30: facilitator S2 \u2192 S4
    moved:   Peer Support A, Wed 9:00\u201310:30: time Wed 9:00 \u2192 Fri 9:00
  P2: moved
    moved:   CBT Skills A, Tue 9:00\u201310:30: room Room 1 \u2192 Room 4
    moved:   Art Therapy, Thu 14:00\u201315:30: facilitator S2 \u2192 S4
    moved:   Peer Support A, Wed 9:00\u201310:30: time Wed 9:00 \u2192 Fri 9:00
  P3: moved
    moved:   CBT Skills A, Tue 9:00\u201310:30: room Room 1 \u2192 Room 4
    moved:   Peer Support A, Wed 9:00\u201310:30: time Wed 9:00 \u2192 Fri 9:00
  P4: moved
    added:   Art Therapy, Thu 14:00\u201315:30, Room 3, S4
  P6: discharged
    was in CBT Skills B, Peer Support B
  P8: new
    added:   Peer Support B, Mon 11:00\u201312:30, Room 2, S2
    added:   CBT Skills B, Tue 11:00\u201312:30, Room 1, S3
    added:   Peer Support B, Wed 11:00\u201312:30, Room 2, S2
Staff:
  S1:
    moved:   Peer Support A, Wed 9:00\u201310:30: time Wed 9:00 \u2192 Fri 9:00
  S2:
    removed: Art Therapy, Thu 14:00\u201315:30, Room 3
    Peer Support B: joined P8; left P6
  S3:
    moved:   CBT Skills A, Tue 9:00\u201310:30: room Room 1 \u2192 Room 4
    CBT Skills B: joined P8; left P6
  S4:
    added:   Art Therapy, Thu 14:00\u201315:30, Room 3
    Art Therapy: joined P4
"""


def test_diff_prints_exactly_the_planted_edits(tmp_path):
    old = write_json(tmp_path / "old.json", last_week())
    new = write_json(tmp_path / "new.json", this_week())
    result = run("diff", old, new)
    assert result.exit_code == 0, result.output
    assert result.stdout == EXPECTED_DIFF


def test_diff_piped_into_a_reader_that_stops_early_is_no_internal_error(tmp_path):
    import subprocess
    import sys

    old = write_json(tmp_path / "old.json", last_week())
    new = write_json(tmp_path / "new.json", this_week())
    proc = subprocess.Popen([sys.executable, "-m", "scheduler", "diff", str(old), str(new)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # as `| head -0` does: the first write hits a closed pipe
    _out, err = proc.communicate(timeout=60)
    assert b"Internal error" not in err and b"Traceback" not in err, err


def test_diff_of_the_same_week_says_no_changes(tmp_path):
    old = write_json(tmp_path / "old.json", last_week())
    result = run("diff", old, old)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "7 patients unchanged, 0 moved, 0 new, 0 discharged; 0 staff with changes.", "No changes."]


@pytest.mark.parametrize("content, words", [
    ("{not json", "is not valid JSON"),
    ('{"status": "optimal"}', "is not a schedule"),
])
def test_diff_refuses_a_file_that_is_not_a_schedule(tmp_path, content, words):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    good = write_json(tmp_path / "new.json", this_week())
    result = run("diff", bad, good)
    assert result.exit_code == 2
    assert words in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_diff_with_roster_names_people_and_writes_the_printout(tmp_path):
    sheets = minimal_roster()  # patients P01..P06, staff S1 Dana Reyes
    path = write_workbook(tmp_path / "roster.xlsx", sheets)
    old = Schedule("optimal", [meet("Peer Support", "A", "Mon 9:00", "Room A", "S1",
                                    ["P01", "P02", "P03", "P77"])])
    new = Schedule("optimal", [meet("Peer Support", "A", "Mon 9:00", "Room A", "S1",
                                    ["P01", "P02", "P03", "P04"])])
    html = tmp_path / "changes.html"
    result = run("diff", write_json(tmp_path / "old.json", old),
                 write_json(tmp_path / "new.json", new), "--roster", path, "--html", html)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "3 patients unchanged, 0 moved, 1 new, 1 discharged; 1 staff with changes.",
        "Patients:",
        "  P04 Di: new",
        "    added:   Peer Support, Mon 9:00\u201310:30, Room A, Dana Reyes",
        "  P77: discharged",
        "    was in Peer Support",
        "Staff:",
        "  S1 Dana Reyes:",
        "    Peer Support: joined P04 Di; left P77",
    ]
    page = html.read_text(encoding="utf-8")
    assert "1 new, 1 discharged" in page and "Di" in page
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file left


# --- changes.html ---------------------------------------------------------------------


def named_roster():
    people = [dataclasses.replace(patient(f"P{i}"), name=f"Pat Name{i}") for i in range(1, 10)]
    return roster(patient_list=people,
                  staff_list=[staff(f"S{i}") for i in range(1, 5)])


def test_changes_html_shows_the_summary_and_names_only_when_asked():
    r = named_roster()
    changes = compare(last_week(), this_week(), r)
    summary = changes.summary_line()
    with_names = render_changes(r, changes, this_week(), names=True)
    assert summary in with_names and "Pat Name8" in with_names and "Staff S4" in with_names
    assert "Confidential" in with_names
    without = render_changes(r, changes, this_week(), names=False)
    assert summary in without and "P8" in without
    assert "Pat Name" not in without and "Confidential" not in without
    assert "Room 4" in without and "Fri 9:00" in without


def test_changes_html_without_roster_and_without_changes():
    page = render_changes(None, compare(last_week(), last_week()), last_week())
    assert "No changes this week." in page
    assert "Confidential" not in page


def test_diff_never_writes_the_printout_over_an_input(tmp_path):
    old = write_json(tmp_path / "old.json", last_week())
    new = write_json(tmp_path / "new.json", this_week())
    before = old.read_bytes()
    result = run("diff", old, new, "--html", old)
    assert result.exit_code == 2 and "input file" in result.output
    assert old.read_bytes() == before
