"""The roster generator: deterministic, readable, and its planted week obeys every hard rule."""

import datetime as dt
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from checker import check

from scheduler.generate import Generated, generate, write_generated
from scheduler.machine import time_limit_for
from scheduler.reader import SHEETS, read_roster
from scheduler.solution import Schedule

DOCUMENTED = ("Settings", "Slots", "Programs", "Groups", "Staff", "Rooms", "Patients")
SIZES = [  # patients, staff, rooms, days
    (10, 1, 1, 5),
    (20, 2, 2, 5),
    (20, 2, 1, 6),
    (60, 6, 4, 5),
    (60, 6, 4, 6),
    (120, 12, 8, 5),
    (120, 12, 8, 6),
]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """Each size generated, written and read back once for the whole module."""
    folder = tmp_path_factory.mktemp("generated")
    out = {}
    for n, s, r, d in SIZES:
        generated = generate(n, s, r, days=d, seed=7)
        path = write_generated(generated, folder / f"roster-{n}-{r}-{d}.xlsx")
        out[(n, s, r, d)] = (generated, read_roster(path))
    return out


# --- determinism ------------------------------------------------------------------------------


def test_same_arguments_give_identical_bytes(tmp_path):
    first = write_generated(generate(60, 6, 4, seed=3), tmp_path / "a.xlsx").read_bytes()
    second = write_generated(generate(60, 6, 4, seed=3), tmp_path / "b.xlsx").read_bytes()
    assert first == second


def test_bytes_do_not_depend_on_python_hash_seed(tmp_path):
    code = ("import sys; from scheduler.generate import generate, write_generated; "
            "write_generated(generate(40, 4, 3, days=6, seed=5), sys.argv[1])")
    paths = []
    for hash_seed in ("1", "2"):
        path = tmp_path / f"h{hash_seed}.xlsx"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", code, str(path)], check=True, env=env,
                       cwd=Path(__file__).parent.parent)
        paths.append(path)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    write_generated(generate(40, 4, 3, days=6, seed=5), tmp_path / "here.xlsx")
    assert (tmp_path / "here.xlsx").read_bytes() == paths[0].read_bytes()


def test_different_seeds_give_different_rosters():
    a, b = generate(60, 6, 4, seed=1), generate(60, 6, 4, seed=2)
    assert a.sheets["Patients"] != b.sheets["Patients"]
    assert a.planted["meetings"] != b.planted["meetings"]


def test_write_is_atomic_and_replaces_an_existing_file(tmp_path):
    target = tmp_path / "roster.xlsx"
    target.write_text("old")
    write_generated(generate(20, 2, 2, seed=1), target)
    assert target.read_bytes().startswith(b"PK")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.xlsx"]  # no temp file left


# --- every size: readable, valid, counts honoured ----------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=lambda s: "{}p-{}s-{}r-{}d".format(*s))
def test_workbook_reads_cleanly_and_planted_week_obeys_every_rule(written, size):
    generated, roster = written[size]
    assert roster.warnings == []
    assert check(roster, generated.planted) == []
    every_patient = {pid for m in generated.planted["meetings"] for pid in m["patients"]}
    assert every_patient == {p.id for p in roster.patients}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: "{}p-{}s-{}r-{}d".format(*s))
def test_requested_counts_are_honoured(written, size):
    n, s, r, d = size
    generated, roster = written[size]
    assert (len(roster.patients), len(roster.staff), len(roster.rooms)) == (n, s, r)
    assert (generated.patients, generated.staff, generated.rooms, generated.days) == (n, s, r, d)
    assert len(roster.days) == d and len(roster.slots) == d * 7
    assert generated.meetings == len(generated.planted["meetings"])
    assert generated.sections == len({(m["group"], m["section"])
                                      for m in generated.planted["meetings"]})
    assert generated.groups == len(roster.groups)


def test_sheets_have_exactly_the_documented_columns():
    generated = generate(20, 2, 2, seed=0)
    assert tuple(generated.sheets) == DOCUMENTED
    specs = {spec.name: spec for spec in SHEETS}
    for name, rows in generated.sheets.items():
        assert tuple(rows[0]) == specs[name].columns, name
        assert all(len(row) == len(rows[0]) for row in rows)


def test_values_are_typed_as_an_administrator_would():
    sheets = generate(20, 2, 2, seed=0).sheets
    assert sheets["Slots"][1][:3] == ["Mon", "9:00", "10:00"]
    assert isinstance(dict(sheets["Settings"][1:])["Week of"], dt.date)
    assert all(isinstance(row[4], dt.date) for row in sheets["Patients"][1:])
    iop = next(row for row in sheets["Programs"] if row[0] == "IOP")
    assert iop[3] == "Mon-Thu 17:30-21:00"


def test_planted_week_reads_as_a_schedule():
    generated = generate(60, 6, 4, seed=0)
    schedule = Schedule.from_dict(generated.planted)
    assert len(schedule.meetings) == generated.meetings
    assert len(schedule.sections) == generated.sections


# --- realism -----------------------------------------------------------------------------------


def test_a_mid_sized_center_looks_like_a_treatment_center(written):
    generated, roster = written[(120, 12, 8, 6)]
    programs = Counter(p.program for p in roster.patients)
    assert programs == {"Residential": 48, "PHP": 36, "IOP": 36}
    by_name = {g.name: g for g in roster.groups}
    assert any(g.required for g in roster.groups) and any(not g.required for g in roster.groups)
    assert any(g.gender for g in roster.groups) and any(g.track for g in roster.groups)
    assert any(g.room_needs for g in roster.groups)
    assert "Family Program" in by_name
    family_days = {m["day"] for m in generated.planted["meetings"]
                   if m["group"] == "Family Program"}
    assert "Sat" in family_days  # families come on Saturday morning
    peers = [s for s in roster.staff if s.skills == frozenset({"peer support"})]
    therapists = [s for s in roster.staff if "peer support" not in s.skills]
    assert peers and therapists
    assert all(1 <= len(s.skills) <= 3 for s in therapists)
    assert any(not s.available.blank and not s.available.covers(roster.slots[0])
               for s in roster.staff)  # someone starts late or works evenings only
    assert any("accessible" in r.features for r in roster.rooms)
    assert any(not r.unavailable.blank for r in roster.rooms)
    assert any(not p.unavailable.blank for p in roster.patients)
    assert len(roster.keep_apart_pairs()) == 3  # about one pair per 40 patients
    role_models = sum(roster.is_role_model(p) for p in roster.patients) / len(roster.patients)
    assert 0.35 <= role_models <= 0.65
    assert any(roster.is_newcomer(p) for p in roster.patients)
    with_therapist = sum(p.primary_therapist is not None for p in roster.patients)
    assert with_therapist > 0.8 * len(roster.patients)
    assert any(p.extra_groups for p in roster.patients)
    evening = [m for m in generated.planted["meetings"] if m["start"] >= "17:00"]
    assert evening and all(m["day"] in ("Mon", "Tue", "Wed", "Thu", "Fri") for m in evening)
    sizes = [len(m["patients"]) for m in generated.planted["meetings"]]
    assert 4 <= sum(sizes) / len(sizes) <= 12


def test_extra_groups_and_keep_apart_agree_with_the_planted_week(written):
    generated, roster = written[(120, 12, 8, 5)]
    sections: dict[str, set] = {}
    groups: dict[str, set] = {}
    for m in generated.planted["meetings"]:
        for pid in m["patients"]:
            sections.setdefault(pid, set()).add((m["group"], m["section"]))
            groups.setdefault(pid, set()).add(m["group"])
    for p in roster.patients:
        assert set(p.extra_groups) <= groups[p.id]
    for a, b in roster.keep_apart_pairs():
        assert not sections[a] & sections[b]


def test_the_time_limit_grows_with_the_center_so_a_first_week_fits_in_it(written):
    # 60 s for every 300 patients: 600 patients need 65 to 90 s for a first week.
    assert [time_limit_for(n) for n in (10, 300, 301, 600)] == [60, 60, 120, 120]
    for (n, *_), (_generated, roster) in written.items():
        assert roster.settings.time_limit == time_limit_for(n)


def test_a_large_center_is_scaled():
    # How fast generation is belongs to bench/, not to a timed test.
    generated = generate(300, 30, 20, days=6, seed=0)
    assert generated.slots == 42
    assert 100 <= generated.sections <= 220
    assert generated.keep_apart_pairs == 8


# --- impossible requests -------------------------------------------------------------------------


@pytest.mark.parametrize("args, words", [
    ((300, 3, 20), "too few staff"),
    ((300, 30, 1), "too few rooms"),
    ((5, 1, 1), "patients must be at least 10"),
    ((20, 0, 2), "staff must be at least 1"),
    ((20, 2, 0), "rooms must be at least 1"),
])
def test_impossible_requests_raise_a_clear_value_error(args, words):
    with pytest.raises(ValueError, match=words):
        generate(*args)


def test_days_other_than_five_or_six_are_refused():
    with pytest.raises(ValueError, match="days must be 5"):
        generate(20, 2, 2, days=7)


def test_generated_is_a_plain_dataclass_with_a_summary():
    generated = generate(20, 2, 2, seed=0)
    assert isinstance(generated, Generated)
    assert "20 patients" in generated.summary()


# --- scale behaviour through the CLI (no timing asserted) ---------------------------------------


def test_a_short_limit_on_300_patients_gives_a_week_or_a_clear_none_found(tmp_path):
    from click.testing import CliRunner

    from scheduler.cli import main

    roster = tmp_path / "g300.xlsx"
    write_generated(generate(300, 30, 20, days=6, seed=0), roster)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["solve", str(roster), "--out", str(out), "--no-pdf",
                                       "--time-limit", "5", "--quiet"])
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        data = json.loads((out / "schedule.json").read_text())
        assert data["meetings"]
    else:
        assert result.exit_code == 1
        assert "No schedule was found within the time limit (5 s); nothing was written" \
            in result.output
        assert "A center of 300 patients usually needs about 60 s." in result.output
        assert not (out / "schedule.json").exists()

