"""The administrator's quality report, on a tiny hand-made week whose misses are known.

The week (Hope & Health <Center>, week of Mon 4 Mar 2024):
  Peer Circle A  Dana Reyes (S1)  Alice Walker, Bob Stone   Mon 9:00 Room A, Tue 9:00 Room A
  Peer Circle B  Dana Reyes (S1)  Cara Diaz, Dan Evans      Mon 10:45 Room B
  CBT Skills     Alex Kim (S2)    Alice Walker, Bob Stone   Mon 13:00 Room B
Alice's primary therapist Sam Idle (S3) has no CBT skill: cannot be helped.
Cara's primary therapist Alex Kim leads CBT Skills without her: could be improved.
Peer Circle A meets on neighbouring days though Wed was free: could be improved.
Alice and Bob wait idle through Mon 10:45: compact days. Eve Fox (P05) attends nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re

import pytest
from test_writers import pdf_page_count
from test_writers import visible as visible_markup

from scheduler.domain import (
    Group,
    Patient,
    Program,
    Room,
    Roster,
    Settings,
    Slot,
    Staff,
    TimeExpr,
    Window,
)
from scheduler.quality import Quality, measure
from scheduler.solution import Meeting, Schedule
from scheduler.writers import report as report_writer
from scheduler.writers.pdf import render_pdf
from scheduler.writers.report import render_report

CENTER = "Hope & Health <Center>"
PATIENTS = {
    "P01": "Alice Walker",
    "P02": "Bob Stone",
    "P03": "Cara Diaz",
    "P04": "Dan Evans",
    "P05": "Eve Fox",
}
MON9, MON1045, MON13, TUE9 = (0, 540, 630), (0, 645, 735), (0, 780, 870), (1, 540, 630)


def make_roster(**settings) -> Roster:
    slots = [Slot(i, d, s, e) for i, (d, s, e) in
             enumerate([MON9, MON1045, MON13, TUE9, (2, 540, 630)])]
    therapist = {"P01": "S3", "P02": "S2", "P03": "S2"}
    return Roster(
        settings=Settings(center=CENTER, week_of=dt.date(2024, 3, 4), **settings),
        slots=slots,
        programs=[Program("Residential", 180), Program("IOP", 90)],
        groups=[
            Group("Peer Circle", "peer", 2, 2, 8, "peer support"),
            Group("CBT Skills", "therapy", 1, 2, 8, "cbt"),
        ],
        staff=[
            Staff("S1", "Dana Reyes", frozenset({"peer support"}), max_per_week=4),
            Staff("S2", "Alex Kim", frozenset({"cbt"})),
            Staff("S3", "Sam Idle", frozenset({"trauma"})),
        ],
        rooms=[
            Room("Room A", 10),
            Room("Room B", 4),
            Room("Room C", 6, unavailable=TimeExpr((Window(frozenset({2})),), "Wed")),
        ],
        patients=[
            Patient(pid, "IOP" if pid in ("P03", "P04") else "Residential", name,
                    primary_therapist=therapist.get(pid))
            for pid, name in PATIENTS.items()
        ],
    )


def make_schedule(status="feasible", best_bound=10.0) -> Schedule:
    def meet(group, section, when, room, staff, patients):
        return Meeting(group, section, *when, room, staff, tuple(patients))

    return Schedule(
        status=status,
        week_of=dt.date(2024, 3, 4),
        center=CENTER,
        best_bound=best_bound,
        stats={"total_seconds": 3.2, "solutions": 4},
        meetings=[
            meet("Peer Circle", "A", MON9, "Room A", "S1", ["P01", "P02"]),
            meet("Peer Circle", "A", TUE9, "Room A", "S1", ["P01", "P02"]),
            meet("Peer Circle", "B", MON1045, "Room B", "S1", ["P03", "P04"]),
            meet("CBT Skills", "A", MON13, "Room B", "S2", ["P01", "P02"]),
        ],
    )


@pytest.fixture(scope="module")
def roster() -> Roster:
    return make_roster()


@pytest.fixture(scope="module")
def schedule() -> Schedule:
    return make_schedule()


@pytest.fixture(scope="module")
def quality(roster, schedule) -> Quality:
    return measure(roster, schedule)


@pytest.fixture(scope="module")
def doc(roster, schedule, quality) -> str:
    return render_report(roster, schedule, quality, printed_on=dt.date(2024, 3, 1))


def section(doc: str, heading: str) -> str:
    """The HTML from a section heading to the next h2."""
    start = re.search(r"<h2[^>]*>" + re.escape(heading), doc).start()
    end = doc.find("<h2", start + 1)
    return doc[start:end if end > 0 else len(doc)]


def visible(text: str) -> str:
    """What a reader sees: no tags, entities decoded (autoescape writes ' as &#39;), and
    no-break spaces as plain ones."""
    return " ".join(html.unescape(visible_markup(text)).split())


def quality_rows(doc: str) -> dict[str, str]:
    """The quality table's body rows, keyed by rule title."""
    body = doc.split('<table class="quality">')[1].split("</tbody>")[0]
    rows = body.split("<tr")[2:]  # past the head row
    return {re.search(r'class="title">([^<]*)<', r).group(1): r for r in rows}


# --- header ----------------------------------------------------------------------------


def test_header_names_center_week_and_confidentiality(doc):
    assert doc.startswith("<!DOCTYPE html>")
    assert "Hope &amp; Health &lt;Center&gt;" in doc and "<Center>" not in doc
    assert "Week of Mon 4 Mar 2024" in doc and "1 Mar 2024" in doc
    text = visible(doc)
    assert "Schedule quality report" in text
    assert "Confidential: contains patient names — for staff only" in text
    assert "size: letter portrait" in doc


def test_header_puts_the_gap_in_plain_words(doc, quality):
    text = visible(doc)
    assert "feasible" in text
    above = quality.objective - 10
    assert (f"Penalty {quality.objective:.1f} points (lower is better); no schedule can score "
            f"below 10.0, so the best possible week is at most {above:.1f} points lower.") in text
    assert "A longer time limit" in text


def test_a_proven_best_week_says_so(roster, schedule):
    quality = measure(roster, schedule)
    best = dataclasses.replace(schedule, status="optimal", best_bound=quality.objective)
    text = visible(render_report(roster, best, measure(roster, best)))
    assert f"Penalty {quality.objective:.1f} points; this is the best possible week" in text
    assert "A longer time limit (" not in text


ADVICE = "A longer time limit (Settings sheet) may find a week that meets more of them"


def test_misses_that_could_be_improved_get_the_search_advice_once(doc):
    assert visible(section(doc, "What is not met, and why")).count(ADVICE) == 1


@pytest.mark.parametrize("case", ["edited", "improvable rules off"])
def test_no_search_advice_for_an_edited_week_or_when_only_rules_that_are_off_miss(roster,
                                                                                  schedule,
                                                                                  case):
    if case == "edited":
        r, s = roster, dataclasses.replace(schedule, status="edited")
    else:  # the rules with misses that could be improved
        r = dataclasses.replace(roster, weights={**roster.weights, "spread": 0.0,
                                                 "own_therapist": 0.0, "compact_days": 0.0,
                                                 "right_amount": 0.0})
        s = schedule
    quality = measure(r, s)
    assert any(m for rule in quality.rules for m in rule.misses if not m.unavoidable)
    text = visible(section(render_report(r, s, quality), "What is not met, and why"))
    assert ADVICE not in text and "Could be improved" in text


def test_penalties_keep_a_second_decimal_only_where_a_weight_needs_it():
    assert [report_writer.points(v) for v in (6.95, 298.95, 5.0, 0.0, None)] == [
        "6.95", "298.95", "5.0", "0.0", ""]


def test_the_summary_does_not_call_a_week_scoring_below_a_stale_bound_the_best(roster,
                                                                                 schedule):
    from scheduler.summary import quality_lines

    quality = measure(roster, dataclasses.replace(schedule, best_bound=1000.0))
    lines = "\n".join(quality_lines(quality))
    assert "belongs to other weights" in lines and "No better week" not in lines


def test_without_a_bound_the_gap_is_unknown(roster, schedule):
    unbounded = dataclasses.replace(schedule, best_bound=None)
    text = visible(render_report(roster, unbounded, measure(roster, unbounded)))
    assert "is not known" in text


# --- quality table ---------------------------------------------------------------------


def test_quality_table_has_every_rule_with_the_quality_figures(doc, quality):
    rows = quality_rows(doc)
    assert list(rows) == [r.title for r in quality.rules]
    for r in quality.rules:
        row = rows[r.title]
        assert f'<td class="num">{r.units}</td>' in row, r.key
        assert f'<td class="num penalty">{r.penalty:.1f}</td>' in row, r.key
        if r.possible is not None:
            assert f"<b>{r.satisfied} of {r.possible}</b>" in row, r.key
        else:
            assert r.summary in row, r.key
    total = doc.split("<tfoot>")[1].split("</tfoot>")[0]
    assert f"{quality.objective:.1f}" in total


def test_a_rule_with_weight_zero_is_shown_off():
    roster = make_roster()
    roster.weights = {**roster.weights, "spread": 0}
    schedule = make_schedule()
    row = quality_rows(render_report(roster, schedule, measure(roster, schedule)))["Spread"]
    assert row.startswith(' class="off"')
    assert '<td class="num penalty">off</td>' in row
    assert "default 5" in row


# --- misses ----------------------------------------------------------------------------


def test_misses_are_listed_with_patients_named(doc, quality):
    misses = visible(section(doc, "What is not met, and why"))
    listed = [m for r in quality.rules for m in r.misses]
    assert listed, "the tiny week should miss something"
    for m in listed:
        text = m.text
        if m.kind == "patient":
            text = text.replace(f"patient {m.id}", f"{PATIENTS[m.id]} ({m.id})")
        assert text in misses, m
    assert "Alice Walker (P01)" in misses and "Cara Diaz (P03)" in misses


def test_unavoidable_misses_say_why_and_the_rest_could_be_improved(doc, quality):
    own = quality.rule("own_therapist")
    reasons = {m.id: m.unavoidable for m in own.misses}
    assert reasons["P01"] and "Sam Idle" in reasons["P01"]  # no CBT skill: cannot be helped
    assert reasons["P03"] is None  # Alex leads CBT Skills without Cara: could be improved
    misses = visible(section(doc, "What is not met, and why"))
    assert f"cannot be helped: {reasons['P01']}" in misses
    assert "Could be improved (1) " in misses  # the advice is said once, in the intro
    assert misses.count("A longer time limit (Settings sheet) may find a week") == 1
    own_block = next(b for b in doc.split('<div class="miss-block">')
                     if b.lstrip().startswith("<h3>Own therapist"))
    improvable = visible(own_block.split('<ul class="improvable">')[1].split("</ul>")[0])
    unavoidable = visible(own_block.split('<ul class="unavoidable">')[1].split("</ul>")[0])
    assert "Cara Diaz (P03)" in improvable and "Alice Walker (P01)" not in improvable
    # What keeps Cara out of Alex's one section, counted and then named under her.
    assert ("What stands in the way: for 1, a section their therapist leads has a seat at "
            "times they are free.") in visible(own_block)
    assert "Has a seat at times this patient is free: CBT Skills." in improvable
    assert unavoidable.startswith("Alice Walker (P01)") and "Cara Diaz" not in unavoidable


def test_penalties_without_misses_are_explained(doc, quality):
    misses = visible(section(doc, "What is not met, and why"))
    few = quality.rule("few_sections")
    assert f"Few sections ({few.penalty:.1f})" in misses


# --- charts ----------------------------------------------------------------------------


def test_the_report_loads_nothing_from_outside(doc):
    assert "<svg" in doc
    assert not re.search(r"(src|href)\s*=|url\(|@import|https?:|xlink", doc)
    assert "<script" not in doc


def test_staff_load_chart_has_a_bar_per_staff_member(doc, quality):
    svg = section(doc, "Staff load").split("<svg", 1)[1].split("</svg>", 1)[0]
    for load in quality.staff_load:
        assert f">{load.name}<" in svg
        assert f"{load.meetings} of {load.capacity} \u00b7 {load.use}\u00a0%" in svg
    assert svg.count("<g ") == len(quality.staff_load)
    # Dana's Max per week (4) is drawn; nobody else has one.
    assert svg.count('stroke-width="0.7"') == 1


def test_staff_chart_fits_the_page_width(roster, quality):
    page_width = 215.9 - 2 * 12.0
    for chart in report_writer.staff_charts(roster, quality.staff_load, page_width):
        assert chart.width <= page_width
        plot_end = chart.width - report_writer.STAFF_FIGURE_MM
        for bar in chart.bars:
            assert chart.x0 + bar.capacity_w + bar.over_w <= plot_end
            assert bar.max_x is None or bar.max_x <= chart.width


def test_room_heat_map_shades_use_and_names_no_patients(doc):
    heat = section(doc, "Room use")
    rows = {re.match(r"<tr><th>([^<]*)", r).group(1).strip(): r
            for r in re.findall(r"<tr><th>Room [^<]*<.*?</tr>", heat, re.S)}
    assert set(rows) == {"Room A", "Room B", "Room C"}
    # Room B holds 4: two members fill it half, so the lightest shade.
    assert '<td class="h-fill1">2</td>' in rows["Room B"]
    assert "h-closed" in rows["Room C"] and "h-closed" not in rows["Room A"]
    assert ">2/5</td>" in rows["Room A"] and ">0/4</td>" in rows["Room C"]
    for name in PATIENTS.values():
        assert name not in heat


def test_room_heat_map_key_lists_only_the_shades_it_uses(doc):
    heat = section(doc, "Room use")
    table, legend = heat.split('class="legend"')
    used = set(re.findall(r'<td class="h-([a-z0-9]+)', table))
    assert set(re.findall(r'cell h-([a-z0-9]+)', legend)) == used
    assert {"free", "closed"} <= used and "fill4" not in used  # nobody over a room's seats


def test_hours_per_patient_against_the_minimum(doc):
    hours = visible(section(doc, "Hours per patient"))
    # Alice: 3 meetings of 90 min; Eve attends nothing although Residential needs 3 h.
    assert "Alice Walker P01 3 4.5 h Bob Stone" in hours  # exactly 1.5x the minimum: no flag
    assert "Eve Fox P05 0 0 h 3 h below minimum" in hours
    assert "Cara Diaz P03 1 1.5 h" in hours
    assert "Residential · minimum 3 h · 3 patients" in hours
    assert "1 below the minimum" in hours


@pytest.mark.parametrize("extra, note", [((), "2.0\u00d7 minimum (1.5\u00a0h elective)"),
                                         (("CBT Skills",), "2.0\u00d7 minimum (prescribed)")])
def test_hours_far_above_the_minimum_say_whether_they_were_prescribed(extra, note):
    """Cara (IOP, minimum 1.5 h) is in Peer Circle, made Required, and also in CBT Skills:
    3 h, twice her minimum."""
    r = make_roster()
    r.groups[0] = dataclasses.replace(r.groups[0], required=True)
    r.patients[2] = dataclasses.replace(r.patients[2], extra_groups=extra)
    s = make_schedule()
    s.meetings = [dataclasses.replace(m, patients=("P01", "P02", "P03"))
                  if m.group == "CBT Skills" else m for m in s.meetings]
    (iop,) = [p for p in report_writer.hours_view(r, s).programs if p.name == "IOP"]
    assert [row.flag for row in iop.rows if row.id == "P03"] == [note]


# --- PDF and size ----------------------------------------------------------------------


def test_pdf_renders(doc):
    data = render_pdf(doc)
    assert data.startswith(b"%PDF")
    assert 3 <= pdf_page_count(data) <= 5


def test_a_big_center_still_renders_every_patient():
    roster = make_roster()
    many = [Patient(f"X{i:03d}", "Residential", f"Patient Number {i}") for i in range(300)]
    roster = dataclasses.replace(roster, patients=roster.patients + many)
    schedule = make_schedule()
    text = render_report(roster, schedule, measure(roster, schedule))
    hours = section(text, "Hours per patient")
    assert hours.count("<tr class=") >= 305  # a row per patient, in tables whose heads repeat
    assert "display: table-header-group" in text


# --- helpers ---------------------------------------------------------------------------


def test_a_small_gap_never_reads_as_zero_percent():
    assert report_writer.percent(0.001) == "1\u00a0%"
    assert report_writer.percent(0.534) == "53\u00a0%"


def test_axis_steps_stay_readable():
    assert report_writer.axis_top([12]) == (12, 1)
    assert report_writer.axis_top([13]) == (14, 2)
    assert report_writer.axis_top([47]) == (50, 5)


def test_long_labels_are_clipped_to_fit():
    name = "Dr. Maximiliana Featherstonehaugh-Worthington, LICSW"
    clipped = report_writer.clip(name, 30, 7.5)
    assert clipped.endswith("\u2026") and len(clipped) < len(name)
    assert report_writer.clip("Ann", 30, 7.5) == "Ann"


def test_a_big_team_gets_several_charts_with_long_names_clipped(roster):
    long_name = "Dr. Maximiliana Featherstonehaugh-Worthington, LICSW"
    staff = [Staff(f"T{i:02d}", long_name if i == 0 else f"Therapist {i}", frozenset({"cbt"}))
             for i in range(40)]
    big = dataclasses.replace(roster, staff=staff)
    schedule = make_schedule()
    charts = report_writer.staff_charts(big, measure(big, schedule).staff_load, 191.9)
    assert [len(c.bars) for c in charts] == [28, 12]
    names = [b.name for c in charts for b in c.bars]
    assert any(n.startswith("Dr. Maxim") and n.endswith("\u2026") for n in names)
