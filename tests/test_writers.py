"""Writers: the four HTML printouts, their PDFs, and schedule.xlsx, on a tiny hand-made week.

The week (Hope & Health <Center>, week of Mon 4 Mar 2024):
  Peer Circle A  Dana Reyes (S1)  Alice Walker, Bob Stone   Mon 9:00 Room A, Tue 9:00 Room A
  Peer Circle B  Dana Reyes (S1)  Cara Diaz, Dan Evans      Mon 10:45 Room B
  CBT Skills     Alex Kim (S2)    Alice Walker, Bob Stone   Mon 10:45 Room A
Sam Idle (S3) leads nothing; Eve Fox (P05) attends nothing; Tue has no 10:45 slot.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
import zlib

import openpyxl
import pypdf
import pytest

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
from scheduler.solution import Meeting, Schedule
from scheduler.writers import html as html_writer
from scheduler.writers.html import (
    AUDIENCES,
    card_pages,
    pair_sheets,
    printouts,
    render_html,
    template_dirs,
    wrapped_lines,
)
from scheduler.writers import pdf as pdf_writer
from scheduler.writers.pdf import PdfUnavailable, render_pdf, render_pdfs
from scheduler.writers.xlsx import ATTENDANCE_COLUMNS, SESSIONS_COLUMNS, render_xlsx, sheet_name

CENTER = "Hope & Health <Center>"
PATIENTS = {
    "P01": "Alice Walker",
    "P02": "Bob Stone",
    "P03": "Cara Diaz",
    "P04": "Dan Evans",
    "P05": "Eve Fox",
}


def make_roster() -> Roster:
    slots = [
        Slot(0, 0, 9 * 60, 10 * 60 + 30, "Morning"),
        Slot(1, 0, 10 * 60 + 45, 12 * 60 + 15, "Late morning"),
        Slot(2, 1, 9 * 60, 10 * 60 + 30, "Morning"),
    ]
    return Roster(
        settings=Settings(center=CENTER, week_of=dt.date(2024, 3, 4), paper="Letter"),
        slots=slots,
        programs=[Program("Residential", 180), Program("IOP", 90)],
        groups=[
            Group("Peer Circle", "peer", 2, 2, 8, "peer support"),
            Group("CBT Skills", "therapy", 1, 2, 8, "cbt"),
        ],
        staff=[
            Staff("S1", "Dana Reyes", frozenset({"peer support"})),
            Staff("S2", "Alex Kim", frozenset({"cbt"})),
            # Not available on Tuesdays: the staff grid says so.
            Staff("S3", "Sam Idle", frozenset({"cbt"}), TimeExpr((Window(frozenset({0})),), "Mon")),
        ],
        rooms=[Room("Room A", 10), Room("Room B", 10)],
        patients=[
            Patient(pid, "IOP" if pid in ("P03", "P04") else "Residential", name)
            for pid, name in PATIENTS.items()
        ],
    )


def make_schedule() -> Schedule:
    mon9, mon1045, tue9 = (0, 540, 630), (0, 645, 735), (1, 540, 630)

    def meet(group, section, when, room, staff, patients):
        day, start, end = when
        return Meeting(group, section, day, start, end, room, staff, tuple(patients))

    return Schedule(
        status="optimal",
        week_of=dt.date(2024, 3, 4),
        center=CENTER,
        meetings=[
            meet("Peer Circle", "A", mon9, "Room A", "S1", ["P01", "P02"]),
            meet("Peer Circle", "A", tue9, "Room A", "S1", ["P01", "P02"]),
            meet("Peer Circle", "B", mon1045, "Room B", "S1", ["P03", "P04"]),
            meet("CBT Skills", "A", mon1045, "Room A", "S2", ["P01", "P02"]),
        ],
    )


@pytest.fixture(scope="module")
def roster() -> Roster:
    return make_roster()


@pytest.fixture(scope="module")
def schedule() -> Schedule:
    return make_schedule()


@pytest.fixture(scope="module")
def docs(roster, schedule) -> dict[str, str]:
    return render_html(roster, schedule, printed_on=dt.date(2024, 3, 1))


@pytest.fixture(scope="module")
def pdfs(roster, schedule) -> dict[str, bytes]:
    prints = printouts(roster, schedule, printed_on=dt.date(2024, 3, 1))
    return render_pdfs({audience: p.parts() for audience, p in prints.items()}, workers=1)


def page_texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def pages(text: str, marker: str) -> list[str]:
    """The HTML of each page (or card) that starts with marker."""
    return text.split(marker)[1:]


def visible(text: str) -> str:
    """Document text without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


def pdf_page_count(data: bytes) -> int:
    """Pages in a PDF, looking inside compressed object streams too (no PDF library needed)."""
    chunks = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            pass
    return sum(len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", c)) for c in chunks)


# --- templates -------------------------------------------------------------------------


def test_template_dirs_finds_every_template():
    dirs = template_dirs()
    assert dirs, "no template directory found"
    for audience in ("base", *AUDIENCES):
        assert any((d / f"{audience}.html").is_file() for d in dirs), audience


def test_every_document_has_center_week_and_printed_date(docs):
    assert set(docs) == {"master", "staff", "patients", "rooms"}
    for audience, text in docs.items():
        assert text.startswith("<!DOCTYPE html>"), audience
        assert "Hope &amp; Health &lt;Center&gt;" in text, audience  # autoescaped
        assert "<Center>" not in text, audience
        assert "Week of Mon 4 Mar 2024" in text, audience
        assert "1 Mar 2024" in text, audience  # printed on


def test_documents_load_nothing_from_outside(docs):
    for audience, text in docs.items():
        assert not re.search(r"(src|href)\s*=|url\(|@import|https?:", text), audience


# --- master ----------------------------------------------------------------------------


def test_master_shows_every_meeting_without_patients(docs):
    text = visible(docs["master"])
    # Two sections of Peer Circle are told apart; CBT Skills has one, so no letter.
    assert text.count("Peer Circle A") == 2
    assert text.count("Peer Circle B") == 1
    assert text.count("CBT Skills") == 1 and "CBT Skills A" not in text
    assert "Dana Reyes" in text and "Alex Kim" in text
    assert "Room A" in text and "Room B" in text
    assert "9:00\u201310:30" in text and "10:45\u201312:15" in text
    for pid, name in PATIENTS.items():
        assert name not in text and pid not in text


def test_master_marks_empty_and_missing_slots(docs):
    text = docs["master"]
    assert 'class="off"' in text  # Tue has no 10:45 slot
    assert "size: letter landscape" in text


# --- rooms -----------------------------------------------------------------------------


def test_door_sheets_never_show_patient_names_ids_or_counts(docs):
    text = docs["rooms"]
    for pid, name in PATIENTS.items():
        assert name not in text
        assert pid not in text
    assert "member" not in text.lower()


def test_one_door_sheet_per_room_with_its_meetings_only(docs):
    sheets = pages(docs["rooms"], '<section class="page door-page">')
    assert len(sheets) == 2
    room_a, room_b = (visible(s) for s in sheets)
    assert room_a.startswith("Room A")
    assert room_a.count("Peer Circle A") == 2 and "CBT Skills" in room_a
    assert "Peer Circle B" not in room_a
    assert "Peer Circle B" in room_b and "CBT Skills" not in room_b
    assert "Dana Reyes" in room_b and "10:45\u201312:15" in room_b
    assert "free" in room_b


# --- staff -----------------------------------------------------------------------------


def test_one_staff_page_each_with_their_sections_members(docs):
    staff_pages = pages(docs["staff"], '<section class="page staff-page">')
    assert len(staff_pages) == 3
    alex, dana, sam = (visible(p) for p in staff_pages)  # sorted by name
    assert alex.startswith("Alex Kim")
    assert dana.startswith("Dana Reyes")
    assert sam.startswith("Sam Idle")

    # Dana leads both Peer Circle sections: all four members, each with ID and program.
    for pid in ("P01", "P02", "P03", "P04"):
        assert PATIENTS[pid] in dana and pid in dana
    assert "Peer Circle A" in dana and "Peer Circle B" in dana and "CBT Skills" not in dana
    assert "Residential" in dana and "IOP" in dana
    assert PATIENTS["P05"] not in dana

    assert "CBT Skills" in alex and "Alice Walker" in alex and "Cara Diaz" not in alex
    assert "No groups to facilitate" in sam and "not available" in sam


def test_attendance_has_a_tick_box_per_member_per_meeting(docs):
    dana = pages(docs["staff"], '<section class="page staff-page">')[1]
    # Peer Circle A: 2 members x 2 meetings; Peer Circle B: 2 members x 1 meeting.
    assert dana.count('class="box"') == 2 * 2 + 2 * 1


# --- patients --------------------------------------------------------------------------


def test_each_patient_card_lists_exactly_their_meetings(docs, schedule):
    cards = pages(docs["patients"], "<article")
    assert len(cards) == len(PATIENTS)
    by_id = {re.search(r"ID (P\d\d)", c).group(1): c for c in cards}
    assert set(by_id) == set(PATIENTS)
    for pid, card in by_id.items():
        times = [t for t in re.findall(r'<td class="time">([^<]*)</td>', card) if t]
        assert len(times) == len(schedule.for_patient(pid)), pid
        assert PATIENTS[pid] in card
        for other, name in PATIENTS.items():
            if other != pid:
                assert name not in card
    alice = visible(by_id["P01"])
    assert alice.count("Peer Circle A") == 2 and "CBT Skills" in alice
    assert "Peer Circle B" not in alice
    assert "Alex Kim" in alice and "Room A" in alice
    assert "3 group sessions, 4 h 30 min a week" in alice
    eve = visible(by_id["P05"])
    assert "no groups" in eve and "0 group sessions, 0 h a week" in eve


def test_cards_in_time_order(docs):
    card = pages(docs["patients"], "<article")[0]  # Alice: Residential, first by name
    assert "Alice Walker" in card
    times = [t for t in re.findall(r'<td class="time">([^<]*)</td>', card) if t]
    assert times == ["9:00\u201310:30", "10:45\u201312:15", "9:00\u201310:30"]


# --- PDF -------------------------------------------------------------------------------


def test_pdfs_render_with_expected_page_counts(pdfs):
    for data in pdfs.values():
        assert data.startswith(b"%PDF")
    assert pdf_page_count(pdfs["master"]) == 1
    assert pdf_page_count(pdfs["staff"]) == 3  # one per staff member
    assert pdf_page_count(pdfs["patients"]) == 3  # five cards, two to a page
    assert pdf_page_count(pdfs["rooms"]) == 2  # one per room


def test_page_numbers_count_within_each_staff_member_and_room(pdfs):
    # Each therapist's sheet is handed out on its own, so "Page 1 of 1", not "Page 2 of 3".
    for audience in ("staff", "rooms"):
        texts = page_texts(pdfs[audience])
        assert texts and all("Page 1 of 1" in t for t in texts), audience
    assert [t for t in page_texts(pdfs["master"]) if "Page 1 of 1" in t]


def test_patient_cards_carry_no_page_numbers(pdfs):
    texts = page_texts(pdfs["patients"])
    assert "Alice Walker" in texts[0]
    assert not any("Page " in t for t in texts)


def _numbered(n: int) -> str:
    body = "".join(f'<p style="break-before: page">part {n} page {i}</p>' for i in range(2))
    return f"<html><head><style>@page {{ @bottom-right {{ content: 'Page ' counter(page) ' of ' counter(pages); }} }}</style></head><body>{body}</body></html>"


@pytest.mark.parametrize("workers", [1, 2])
def test_parts_print_in_order_with_their_own_page_numbers(workers):
    parts = {"a": [_numbered(n) for n in range(5)], "b": [_numbered(9)]}
    out = render_pdfs(parts, workers=workers, parallel_min_chars=0)
    texts = page_texts(out["a"])
    assert len(texts) == 10
    for n in range(5):
        for i in range(2):
            assert f"part {n} page {i}" in texts[2 * n + i]
            assert f"Page {i + 1} of 2" in texts[2 * n + i]
    assert [("part 9" in t) for t in page_texts(out["b"])] == [True, True]


def test_batches_keep_parts_in_order_and_never_leave_one_empty():
    parts = ["a" * 5, "b" * 5, "c" * 20, "d"]
    assert pdf_writer._batches(parts, 10) == [["a" * 5, "b" * 5], ["c" * 20], ["d"]]
    assert pdf_writer._batches(["x" * 50], 10) == [["x" * 50]]


def test_missing_weasyprint_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # makes the import fail
    with pytest.raises(PdfUnavailable, match="WeasyPrint"):
        render_pdf("<p>x</p>")


# --- XLSX ------------------------------------------------------------------------------


def test_xlsx_sheets_and_columns(tmp_path, roster, schedule):
    path = tmp_path / "schedule.xlsx"
    render_xlsx(roster, schedule, path)
    book = openpyxl.load_workbook(path)
    staff_sheets = ["S1 Dana Reyes", "S2 Alex Kim", "S3 Sam Idle"]
    assert book.sheetnames == ["Sessions", "Attendance", *staff_sheets]

    sessions = book["Sessions"]
    rows = list(sessions.iter_rows(values_only=True))
    assert rows[0] == SESSIONS_COLUMNS
    assert len(rows) == 1 + len(schedule.meetings)
    assert rows[1] == ("Peer Circle", "A", "Mon", dt.time(9, 0), dt.time(10, 30), "Room A", "S1",
                       "Dana Reyes", "P01, P02", 2)
    assert sessions.freeze_panes == "A2" and sessions.auto_filter.ref == "A1:J5"
    assert all(cell.font.bold for cell in sessions[1])

    attendance = list(book["Attendance"].iter_rows(values_only=True))
    assert attendance[0] == ATTENDANCE_COLUMNS
    assert len(attendance) == 1 + sum(len(m.patients) for m in schedule.meetings)
    assert attendance[1][:3] == ("P01", "Alice Walker", "Residential")
    assert book["Attendance"].auto_filter.ref

    grid = list(book["S1 Dana Reyes"].iter_rows(values_only=True))
    assert grid[1] == ("Time", "Mon 4 Mar", "Tue 5 Mar")
    assert grid[2] == ("9:00\u201310:30", "Peer Circle A\nRoom A", "Peer Circle A\nRoom A")
    assert grid[3] == ("10:45\u201312:15", "Peer Circle B\nRoom B", None)
    assert book["S1 Dana Reyes"].freeze_panes == "B3"


def test_sheet_names_are_legal_and_unique():
    taken = {"sessions", "attendance"}
    first = sheet_name("S1 Dr. A/B [lead]: very long name indeed, LCSW", taken)
    assert len(first) <= 31 and not re.search(r"[\[\]:*?/\\]", first)
    second = sheet_name("S1 Dr. A/B [lead]: very long name indeed, LCSW", taken)
    assert second != first and len(second) <= 31 and second.endswith("(2)")
    assert sheet_name("sessions", taken) == "sessions (2)"


# --- layout helpers --------------------------------------------------------------------


def test_wrapped_lines_counts_word_wrapping():
    word = html_writer.text_mm("aaaa", 8)
    assert wrapped_lines("aaaa bbbb", 100, 8) == 1
    assert wrapped_lines("aaaa bbbb", word * 1.2, 8) == 2
    assert wrapped_lines("a" * 40, word * 1.01, 8) == 10  # too long for a line: broken anywhere
    assert html_writer.text_mm("10:45", 8) > html_writer.text_mm("10:45", 8, html_writer.CONDENSED)


def test_long_cards_get_a_page_of_their_own():
    def card(n, full=False):
        return html_writer.PatientCard(f"P{n}", f"N{n}", "IOP", (), "", full_page=full)

    layout = card_pages([card(1), card(2, full=True), card(3), card(4), card(5)])
    assert [[c.id for c in page] for page in layout] == [["P1"], ["P2"], ["P3", "P4"], ["P5"]]


def test_narrow_attendance_sheets_pair_up():
    def sheet(label, meetings):
        heads = tuple(html_writer.MeetingHead("Mon", "9:00") for _ in range(meetings))
        return html_writer.AttendanceSheet(label, False, "Room A", heads, ())

    rows = pair_sheets([sheet("a", 2), sheet("b", 3), sheet("c", 5), sheet("d", 1)])
    assert [[s.label for s in row] for row in rows] == [["a", "b"], ["c"], ["d"]]


def test_short_section_letters_stay_with_the_group_name():
    assert html_writer.keep_tail("Relapse Prevention B") == "Relapse Prevention\u00a0B"
    assert html_writer.keep_tail("Mindfulness & Yoga") == "Mindfulness & Yoga"
    assert html_writer.keep_tail("CBT") == "CBT"
