"""End to end on the sample center: solve, re-check every rule independently, check privacy."""

import json
import re
from pathlib import Path

import pytest
from checker import check
from quality_check import recount
from click.testing import CliRunner

from scheduler.cli import main
from scheduler.reader import read_roster

SAMPLE = Path(__file__).parent.parent / "sample_data" / "roster.xlsx"


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample-out")
    result = CliRunner().invoke(main, ["solve", str(SAMPLE), "--out", str(out), "--quiet",
                                       "--time-limit", "30"])
    assert result.exit_code == 0, result.output
    return read_roster(SAMPLE), out, result.output


def test_sample_schedule_obeys_every_hard_rule(solved):
    roster, out, _ = solved
    data = json.loads((out / "schedule.json").read_text())
    assert check(roster, data) == []
    assert data["status"] in ("optimal", "feasible")
    assert data["week_of"] == "2026-11-30"
    every_patient = {pid for m in data["meetings"] for pid in m["patients"]}
    assert every_patient == {p.id for p in roster.patients}


def test_sample_writes_every_printout_as_html_and_pdf(solved):
    _, out, stdout = solved
    for audience in ("master", "staff", "patients", "rooms", "report"):
        assert (out / f"{audience}.html").stat().st_size > 0
        assert (out / f"{audience}.pdf").read_bytes().startswith(b"%PDF")
    assert (out / "schedule.xlsx").exists()
    assert "Hours per patient" in stdout


def test_door_sheets_and_master_grid_never_show_patients(solved):
    roster, out, _ = solved
    for audience in ("rooms", "master"):
        text = (out / f"{audience}.html").read_text()
        for p in roster.patients:
            assert p.name not in text, f"{p.name} appears on the {audience} printout"
            assert not re.search(rf"\b{re.escape(p.id)}\b", text)


def test_schedule_json_never_names_a_patient(solved):
    roster, out, _ = solved
    text = (out / "schedule.json").read_text()
    for p in roster.patients:
        assert p.name not in text


def test_every_patient_gets_a_card_and_every_staff_member_a_page(solved):
    roster, out, _ = solved
    cards = (out / "patients.html").read_text()
    pages = (out / "staff.html").read_text()
    for p in roster.patients:
        assert p.name in cards
    for s in roster.staff:
        assert s.name in pages


def test_sample_quality_figures_match_an_independent_recount(solved):
    roster, out, stdout = solved
    data = json.loads((out / "schedule.json").read_text())
    expected = recount(roster, data)
    reported = {r["rule"]: r for r in data["quality"]["rules"]}
    assert {k: r["units"] for k, r in reported.items()} == expected
    total = sum(r["weight"] * r["units"] for r in reported.values())
    assert data["quality"]["objective"] == pytest.approx(total)
    for r in reported.values():
        assert r["title"] in stdout  # the CLI's quality table
