"""A generated 120-patient center, end to end: every hard rule and every quality figure is
re-derived from schedule.json by the independent checkers, and the soft rules hold as the
report says they do."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from checker import check
from click.testing import CliRunner
from quality_check import recount

from scheduler.cli import main
from scheduler.generate import generate, write_generated
from scheduler.reader import read_roster


@pytest.fixture(scope="module")
def center(tmp_path_factory):
    folder = tmp_path_factory.mktemp("center-120")
    path = folder / "roster.xlsx"
    write_generated(generate(120, 12, 8, days=5, seed=3), path)
    out = folder / "out"
    result = CliRunner().invoke(main, ["solve", str(path), "--out", str(out), "--quiet",
                                       "--no-pdf", "--time-limit", "25", "--workers", "1"])
    assert result.exit_code == 0, result.output
    return read_roster(path), json.loads((out / "schedule.json").read_text()), out


def test_every_hard_rule_holds(center):
    roster, data, _ = center
    assert check(roster, data) == []
    assert {pid for m in data["meetings"] for pid in m["patients"]} == {p.id for p in roster.patients}


def test_quality_figures_match_an_independent_recount(center):
    roster, data, _ = center
    reported = {r["rule"]: r for r in data["quality"]["rules"]}
    assert {k: r["units"] for k, r in reported.items()} == recount(roster, data)
    assert data["quality"]["objective"] == pytest.approx(
        sum(r["weight"] * r["units"] for r in reported.values()))


def test_sections_meet_on_different_days(center):
    _, data, _ = center
    days = defaultdict(list)
    for m in data["meetings"]:
        days[(m["group"], m["section"])].append(m["day"])
    assert all(len(set(d)) == len(d) for d in days.values())


def test_report_lists_what_is_not_met(center):
    _, data, out = center
    report = (out / "report.html").read_text()
    for rule in data["quality"]["rules"]:
        assert rule["title"] in report
