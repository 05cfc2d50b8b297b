"""changes.html: what changed since last week, one block per staff member, then per patient.

For staff only: with names=True it names patients (as the staff timetables do) and
every page says so; with names=False it shows patient IDs only. As in writers/html.py,
Python builds plain rows and templates/changes.html only lays them out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..changes import CHANGED, CLOSED, DISCHARGED, NEW, OPENED, Changes, SectionChange, \
    SessionChanges, when
from ..domain import Roster, Settings, natural_key
from ..solution import Meeting, Schedule
from .html import date_text, environment, page_view, patient_name, staff_name

STATUS_WORDS = {CHANGED: "moved", NEW: "new", DISCHARGED: "discharged"}
STATUS_ORDER = (CHANGED, NEW, DISCHARGED)


@dataclass(frozen=True)
class Part:
    """One piece of a session's description; changed pieces print in bold."""

    text: str
    changed: bool = False


@dataclass(frozen=True)
class Row:
    change: str  # Added | Removed | Moved
    label: str
    before: tuple[Part, ...]
    after: tuple[Part, ...]


@dataclass(frozen=True)
class SectionLine:
    label: str
    text: str  # "joined P07 Ann Lee; left P09" or "new section: ..."


@dataclass(frozen=True)
class Block:
    title: str
    id: str
    status: str  # for patients: moved | new | discharged; "" for staff
    rows: tuple[Row, ...]
    sections: tuple[SectionLine, ...] = ()
    note: str = ""  # e.g. "Was in Peer Support A, CBT Skills"


def render_changes(roster: Roster | None, changes: Changes, schedule: Schedule, *,
                   names: bool = True, printed_on: dt.date | None = None) -> str:
    """The printable comparison as HTML text; names=False shows patient IDs only."""
    roster = roster or _bare_roster(schedule)
    page = page_view(roster, schedule, "changes", printed_on or dt.date.today())
    view = _View(roster, changes, names)
    shown = {p.patient for p in changes.patients}
    shown |= {pid for s in changes.sections for pid in s.joined + s.left}
    context = {
        "page": page,
        # The "confidential" footer only where a name is printed.
        "names": names and any(patient_name(roster, pid) != pid for pid in shown),
        "summary": changes.summary_line(),
        "compared": compared_text(changes),
        "empty": changes.is_empty,
        "staff_blocks": [view.staff_block(s) for s in view.ordered_staff()],
        "patient_blocks": [view.patient_block(p) for p in view.ordered_patients()],
    }
    return environment().get_template("changes.html").render(context)


def compared_text(changes: Changes) -> str:
    """'Week of 7 Dec 2026 compared with the week of 30 Nov 2026', or less when unknown."""
    if changes.previous_week_of is None:
        return "Compared with the previous schedule"
    text = f"Compared with the week of {date_text(changes.previous_week_of)}"
    if changes.week_of is not None:
        text = f"Week of {date_text(changes.week_of)}: {text[0].lower()}{text[1:]}"
    return text


class _View:
    """Names, labels and rows for one rendering."""

    def __init__(self, roster: Roster, changes: Changes, names: bool):
        self.roster, self.changes, self.names = roster, changes, names

    def who(self, pid: str) -> str:
        """'P07 Ann Lee', or just 'P07' without names."""
        name = patient_name(self.roster, pid) if self.names else pid
        return f"{pid} {name}" if name != pid else pid

    def staff(self, sid: str) -> str:
        return staff_name(self.roster, sid)

    def ordered_staff(self):
        return sorted(self.changes.staff,
                      key=lambda s: (natural_key(self.staff(s.staff)), natural_key(s.staff)))

    def ordered_patients(self):
        def sort_key(p):
            name = patient_name(self.roster, p.patient) if self.names else p.patient
            return (STATUS_ORDER.index(p.status), natural_key(name), natural_key(p.patient))

        return sorted(self.changes.patients, key=sort_key)

    # --- rows ------------------------------------------------------------------------

    def parts(self, m: Meeting, other: Meeting | None, facilitator: bool) -> tuple[Part, ...]:
        """Time, room (and facilitator); with `other`, the pieces that differ are marked."""
        out = []
        if other is not None and other.section != m.section:
            out.append(Part(f"section {m.section}", True))
        out.append(Part(when(m), other is not None and
                        (other.day, other.start, other.end) != (m.day, m.start, m.end)))
        out.append(Part(m.room, other is not None and other.room != m.room))
        if facilitator:
            out.append(Part(self.staff(m.facilitator),
                            other is not None and other.facilitator != m.facilitator))
        return tuple(out)

    def rows(self, sessions: SessionChanges, facilitator: bool) -> tuple[Row, ...]:
        """In week order: by the new time, or the old one for a removed session."""
        label = self.changes.label
        rows = [(m.sort_key, Row("Added", label(m.group, m.section), (),
                                 self.parts(m, None, facilitator))) for m in sessions.added]
        rows += [(m.sort_key, Row("Removed", label(m.group, m.section),
                                  self.parts(m, None, facilitator), ())) for m in sessions.removed]
        for mv in sessions.moved:
            old, new = mv.old, mv.new
            # A changed section letter shows in the before/after columns, not in the label.
            title = label(new.group, new.section) if old.section == new.section else new.group
            rows.append((new.sort_key, Row("Moved", title, self.parts(old, new, facilitator),
                                           self.parts(new, old, facilitator))))
        return tuple(row for _, row in sorted(rows, key=lambda r: r[0]))

    def section_line(self, sec: SectionChange) -> SectionLine:
        label = self.changes.label(sec.group, sec.section)
        if sec.status == OPENED:
            return SectionLine(label, "new section; members: " + self.list(sec.joined))
        if sec.status == CLOSED:
            return SectionLine(label, "no longer runs; its members were: " + self.list(sec.left))
        parts = []
        if sec.joined:
            parts.append("joined: " + self.list(sec.joined))
        if sec.left:
            parts.append("left: " + self.list(sec.left))
        return SectionLine(label, "; ".join(parts))

    def list(self, ids: list[str]) -> str:
        return ", ".join(self.who(pid) for pid in ids)

    # --- blocks ----------------------------------------------------------------------

    def staff_block(self, change) -> Block:
        name = self.staff(change.staff)
        return Block(
            title=name,
            id=change.staff if name != change.staff else "",
            status="",
            rows=self.rows(change.sessions, facilitator=False),
            sections=tuple(self.section_line(s) for s in change.sections),
        )

    def patient_block(self, change) -> Block:
        name = patient_name(self.roster, change.patient) if self.names else change.patient
        note = ""
        rows: tuple[Row, ...] = ()
        if change.status == DISCHARGED:
            groups = sorted({self.changes.label(m.group, m.section)
                             for m in change.sessions.removed}, key=natural_key)
            note = "Was in " + ", ".join(groups) + "."
        else:
            rows = self.rows(change.sessions, facilitator=True)
        return Block(
            title=name,
            id=change.patient if name != change.patient else "",
            status=STATUS_WORDS[change.status],
            rows=rows,
            note=note,
        )


def _bare_roster(schedule: Schedule) -> Roster:
    """Without a roster (`scheduler diff` with no --roster): IDs only, Letter paper."""
    return Roster(Settings(center=schedule.center, week_of=schedule.week_of),
                  [], [], [], [], [], [])
