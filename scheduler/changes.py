"""What changed between two weeks: per patient, per staff member and per section.

Pure: two `Schedule`s (and optionally the roster) in, plain dataclasses out; no I/O.
`scheduler diff`, `changes.html` and the `changes` object of schedule.json all read
the same `Changes`.

Definitions (also in docs/schedule-json.md):

- A *session* is one meeting as a person sees it: group, section, day, start-end, room,
  facilitator. Two sessions are the same when all of these are equal (who else attends
  is not part of it; membership changes are reported per section).
- Patients. *new*: in the new week only. *discharged*: in the old week only; when a
  roster is given, only if the roster no longer lists them (a patient still on the roster
  who lost every session is *changed*, with those sessions removed). *unchanged*: exactly
  the same sessions. Otherwise *changed* (the summary line calls these "moved").
- Pairing, per person and per group: identical sessions are unchanged; of the rest,
  sessions at the same day and time are paired first (only room, facilitator or section
  changed), then the remaining ones in week order. Each pair is *moved*, with what changed:
  section 'A → B', time 'Mon 9:00 → Wed 9:00', room 'Room 2 → Room 5', facilitator
  'S01 → S03'. Unpaired leftovers are *added* (new week) or *removed* (old week).
- Staff: the same, over the sessions each facilitator leads. A staff member *has changes*
  when a session of theirs was added, removed or moved, or a section they lead (this week;
  last week for a closed one) gained or lost members.
- Sections: for each (group, section) in both weeks, the patients who *joined* and *left*;
  a section only in the new week *opened* (all members joined), only in the old week
  *closed* (all members left).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from .domain import DAY_NAMES, Roster, clock, natural_key
from .solution import Meeting, Schedule

NEW, DISCHARGED, CHANGED, UNCHANGED = "new", "discharged", "changed", "unchanged"
OPENED, CLOSED = "opened", "closed"
ARROW = "\u2192"


# --- formatting (plain text, shared by the CLI, the JSON and changes.html) ---------------


def when(m: Meeting) -> str:
    """Mon 9:00–10:30."""
    return f"{DAY_NAMES[m.day]} {clock(m.start)}\u2013{clock(m.end)}"


def session_key(m: Meeting) -> tuple:
    """What makes two sessions the same for the people in them (not who else attends)."""
    return (m.group, m.section, m.day, m.start, m.end, m.room, m.facilitator)


def session_dict(m: Meeting) -> dict:
    data = m.to_dict()
    del data["patients"]  # membership is reported per section
    return data


# --- results -------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """The same group's session in both weeks, but at another time, room, facilitator or section."""

    old: Meeting
    new: Meeting

    def details(self) -> list[tuple[str, str, str]]:
        """(what, before, after) for each thing that changed, e.g. ('room', 'Room 2', 'Room 5')."""
        old, new = self.old, self.new
        out = []
        if old.section != new.section:
            out.append(("section", old.section, new.section))
        if (old.day, old.start, old.end) != (new.day, new.start, new.end):
            if (old.day, old.start) != (new.day, new.start):
                out.append(("time", f"{DAY_NAMES[old.day]} {clock(old.start)}",
                            f"{DAY_NAMES[new.day]} {clock(new.start)}"))
            else:  # only the end moved: show the whole span
                out.append(("time", when(old), when(new)))
        if old.room != new.room:
            out.append(("room", old.room, new.room))
        if old.facilitator != new.facilitator:
            out.append(("facilitator", old.facilitator, new.facilitator))
        return out

    def text(self, staff_names: Mapping[str, str] | None = None) -> str:
        """'time Mon 9:00 → Wed 9:00, room Room 2 → Room 5'."""
        parts = []
        for what, before, after in self.details():
            if what == "facilitator" and staff_names:
                before, after = staff_names.get(before, before), staff_names.get(after, after)
            parts.append(f"{what} {before} {ARROW} {after}")
        return ", ".join(parts)

    def to_dict(self) -> dict:
        return {"from": session_dict(self.old), "to": session_dict(self.new),
                "changed": {what: f"{a} {ARROW} {b}" for what, a, b in self.details()}}


@dataclass
class SessionChanges:
    """One person's sessions: what was added, removed or moved (unchanged ones are omitted)."""

    added: list[Meeting] = field(default_factory=list)
    removed: list[Meeting] = field(default_factory=list)
    moved: list[Move] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.moved)

    def to_dict(self) -> dict:
        return {"added": [session_dict(m) for m in self.added],
                "removed": [session_dict(m) for m in self.removed],
                "moved": [mv.to_dict() for mv in self.moved]}


@dataclass
class PatientChange:
    """A patient who is new, discharged or whose sessions changed."""

    patient: str  # patient ID
    status: str  # new | discharged | changed
    sessions: SessionChanges

    def to_dict(self) -> dict:
        return {"patient": self.patient, "status": self.status, **self.sessions.to_dict()}


@dataclass
class SectionChange:
    """A section that opened, closed, or gained or lost members."""

    group: str
    section: str
    status: str  # opened | closed | changed
    facilitator: str  # who leads it: this week, or last week for a closed section
    joined: list[str] = field(default_factory=list)  # patient IDs
    left: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.group}|{self.section}"

    def to_dict(self) -> dict:
        return {"group": self.group, "section": self.section, "status": self.status,
                "facilitator": self.facilitator, "joined": list(self.joined),
                "left": list(self.left)}


@dataclass
class StaffChange:
    """A facilitator whose sessions changed, or whose sections gained or lost members."""

    staff: str  # staff ID
    sessions: SessionChanges
    sections: list[SectionChange] = field(default_factory=list)  # sections they lead

    def to_dict(self) -> dict:
        return {"staff": self.staff, **self.sessions.to_dict(),
                "sections": [s.id for s in self.sections]}


@dataclass
class Changes:
    """Everything that differs between last week and this week."""

    patients: list[PatientChange]  # new, discharged and changed patients, by ID
    unchanged: list[str]  # IDs of patients whose sessions are exactly the same
    staff: list[StaffChange]  # staff with changes, by ID
    sections: list[SectionChange]  # by group, then section
    previous_week_of: dt.date | None = None
    week_of: dt.date | None = None
    # Groups with more than one section in either week: their labels carry the letter.
    split_groups: frozenset[str] = frozenset()

    def with_status(self, status: str) -> list[PatientChange]:
        return [p for p in self.patients if p.status == status]

    @property
    def is_empty(self) -> bool:
        return not (self.patients or self.staff or self.sections)

    def label(self, group: str, section: str) -> str:
        """'Peer Support B' when the group runs several sections, else 'CBT Skills'."""
        return f"{group} {section}" if group in self.split_groups else group

    def summary_line(self) -> str:
        """'12 patients unchanged, 3 moved, 4 new, 2 discharged; 5 staff with changes.'"""
        n = len(self.unchanged)
        return (f"{n} patient{'' if n == 1 else 's'} unchanged, "
                f"{len(self.with_status(CHANGED))} moved, {len(self.with_status(NEW))} new, "
                f"{len(self.with_status(DISCHARGED))} discharged; "
                f"{len(self.staff)} staff with changes.")

    def to_dict(self) -> dict:
        """The `changes` object of schedule.json: patient IDs only, never names."""
        return {
            "summary": self.summary_line(),
            "previous_week_of": self.previous_week_of.isoformat() if self.previous_week_of else None,
            "counts": {"unchanged": len(self.unchanged), "changed": len(self.with_status(CHANGED)),
                       "new": len(self.with_status(NEW)),
                       "discharged": len(self.with_status(DISCHARGED)), "staff": len(self.staff)},
            "patients": [p.to_dict() for p in self.patients],
            "staff": [s.to_dict() for s in self.staff],
            "sections": [s.to_dict() for s in self.sections],
        }

    # --- plain text, for `scheduler diff` -------------------------------------------------

    def session_text(self, m: Meeting, staff_names: Mapping[str, str] | None = None,
                     facilitator: bool = True) -> str:
        """'Peer Support A, Mon 9:00–10:30, Room 2, S01' (without the facilitator: for staff)."""
        text = f"{self.label(m.group, m.section)}, {when(m)}, {m.room}"
        if facilitator:
            text += f", {(staff_names or {}).get(m.facilitator, m.facilitator)}"
        return text

    def text_lines(self, patient_names: Mapping[str, str] | None = None,
                   staff_names: Mapping[str, str] | None = None) -> list[str]:
        """The summary line, then every change per patient and per staff member, indented."""
        pnames, snames = patient_names or {}, staff_names or {}

        def who(pid: str) -> str:
            return f"{pid} {pnames[pid]}" if pnames.get(pid) else pid

        def sessions(s: SessionChanges, facilitator: bool) -> list[str]:
            out = [f"    added:   {self.session_text(m, snames, facilitator)}" for m in s.added]
            out += [f"    removed: {self.session_text(m, snames, facilitator)}" for m in s.removed]
            out += [f"    moved:   {self.label(mv.old.group, mv.old.section)}, {when(mv.old)}: "
                    f"{mv.text(snames)}" for mv in s.moved]
            return out

        lines = [self.summary_line()]
        if self.is_empty:
            return lines + ["No changes."]
        if self.patients:
            lines.append("Patients:")
        for p in self.patients:
            status = "moved" if p.status == CHANGED else p.status
            lines.append(f"  {who(p.patient)}: {status}")
            if p.status == DISCHARGED:
                groups = sorted({self.label(m.group, m.section) for m in p.sessions.removed})
                lines.append(f"    was in {', '.join(groups)}")
            else:
                lines += sessions(p.sessions, facilitator=True)
        if self.staff:
            lines.append("Staff:")
        for s in self.staff:
            name = snames.get(s.staff)
            lines.append(f"  {s.staff} {name}:" if name else f"  {s.staff}:")
            lines += sessions(s.sessions, facilitator=False)
            for sec in s.sections:
                lines.append(f"    {section_text(self, sec, who)}")
        return lines


def section_text(changes: Changes, sec: SectionChange, who=str) -> str:
    """'Peer Support A: joined P07; left P09' or 'CBT Skills B opened: P01, P02'."""
    label = changes.label(sec.group, sec.section)
    if sec.status == OPENED:
        return f"{label} opened: {', '.join(who(p) for p in sec.joined)}"
    if sec.status == CLOSED:
        return f"{label} closed: {', '.join(who(p) for p in sec.left)} left"
    parts = []
    if sec.joined:
        parts.append("joined " + ", ".join(who(p) for p in sec.joined))
    if sec.left:
        parts.append("left " + ", ".join(who(p) for p in sec.left))
    return f"{label}: {'; '.join(parts)}"


# --- comparing -----------------------------------------------------------------------


def compare(old: Schedule, new: Schedule, roster: Roster | None = None) -> Changes:
    """What changed from the old week to the new one (see the module docstring)."""
    old_by_patient, new_by_patient = _by_patient(old), _by_patient(new)
    on_roster = {p.id for p in roster.patients} if roster is not None else None

    patients, unchanged = [], []
    for pid in sorted(old_by_patient.keys() | new_by_patient.keys(), key=natural_key):
        before, after = old_by_patient.get(pid, []), new_by_patient.get(pid, [])
        diff = pair_sessions(before, after)
        if not before:
            status = NEW
        elif not after and (on_roster is None or pid not in on_roster):
            status = DISCHARGED
        elif diff.any:
            status = CHANGED
        else:
            unchanged.append(pid)
            continue
        patients.append(PatientChange(pid, status, diff))

    sections = section_changes(old, new)
    by_lead: dict[str, list[SectionChange]] = defaultdict(list)
    for sec in sections:
        by_lead[sec.facilitator].append(sec)
    staff = []
    old_by_staff, new_by_staff = _by_staff(old), _by_staff(new)
    for sid in sorted(old_by_staff.keys() | new_by_staff.keys(), key=natural_key):
        diff = pair_sessions(old_by_staff.get(sid, []), new_by_staff.get(sid, []))
        if diff.any or by_lead.get(sid):
            staff.append(StaffChange(sid, diff, by_lead.get(sid, [])))

    return Changes(
        patients=patients,
        unchanged=unchanged,
        staff=staff,
        sections=sections,
        previous_week_of=old.week_of,
        week_of=new.week_of,
        split_groups=frozenset(_split_groups(old) | _split_groups(new)),
    )


def pair_sessions(old: Iterable[Meeting], new: Iterable[Meeting]) -> SessionChanges:
    """One person's sessions, paired per group: unchanged, moved, added and removed."""
    old_by_group: dict[str, list[Meeting]] = defaultdict(list)
    new_by_group: dict[str, list[Meeting]] = defaultdict(list)
    for m in old:
        old_by_group[m.group].append(m)
    for m in new:
        new_by_group[m.group].append(m)
    out = SessionChanges()
    for group in sorted(old_by_group.keys() | new_by_group.keys()):
        before, after = _drop_identical(old_by_group.get(group, []), new_by_group.get(group, []))
        # Same day and time first: then only the room, facilitator or section changed.
        moved = []
        for m in list(before):
            twin = next((n for n in after if (n.day, n.start, n.end) == (m.day, m.start, m.end)),
                        None)
            if twin is not None:
                moved.append(Move(m, twin))
                before.remove(m)
                after.remove(twin)
        moved += [Move(a, b) for a, b in zip(before, after)]  # both are in week order
        out.moved += moved
        out.removed += before[len(after):]
        out.added += after[len(before):]
    out.added.sort(key=lambda m: m.sort_key)
    out.removed.sort(key=lambda m: m.sort_key)
    out.moved.sort(key=lambda mv: mv.new.sort_key)
    return out


def section_changes(old: Schedule, new: Schedule) -> list[SectionChange]:
    """Sections that opened, closed, or whose members changed."""
    before = {(s.group, s.name): s for s in old.sections}
    after = {(s.group, s.name): s for s in new.sections}
    out = []
    for key in sorted(before.keys() | after.keys(), key=lambda k: (k[0], natural_key(k[1]))):
        was, now = before.get(key), after.get(key)
        if was is None:
            out.append(SectionChange(*key, OPENED, now.facilitator, _ids(now.patients), []))
        elif now is None:
            out.append(SectionChange(*key, CLOSED, was.facilitator, [], _ids(was.patients)))
        else:
            joined = _ids(set(now.patients) - set(was.patients))
            left = _ids(set(was.patients) - set(now.patients))
            if joined or left:
                out.append(SectionChange(*key, CHANGED, now.facilitator, joined, left))
    return out


def _drop_identical(old: list[Meeting], new: list[Meeting]) -> tuple[list[Meeting], list[Meeting]]:
    """The sessions left on each side once identical ones are matched, in week order."""
    common = Counter(session_key(m) for m in old) & Counter(session_key(m) for m in new)

    def rest(meetings: list[Meeting]) -> list[Meeting]:
        left, out = Counter(common), []
        for m in sorted(meetings, key=lambda m: m.sort_key):
            if left[session_key(m)]:
                left[session_key(m)] -= 1
            else:
                out.append(m)
        return out

    return rest(old), rest(new)


def _by_patient(schedule: Schedule) -> dict[str, list[Meeting]]:
    out: dict[str, list[Meeting]] = defaultdict(list)
    for m in schedule.meetings:
        for pid in m.patients:
            out[pid].append(m)
    return out


def _by_staff(schedule: Schedule) -> dict[str, list[Meeting]]:
    out: dict[str, list[Meeting]] = defaultdict(list)
    for m in schedule.meetings:
        out[m.facilitator].append(m)
    return out


def _split_groups(schedule: Schedule) -> set[str]:
    counts = Counter(s.group for s in schedule.sections)
    return {g for g, n in counts.items() if n > 1}


def _ids(patients: Iterable[str]) -> list[str]:
    return sorted(patients, key=natural_key)
