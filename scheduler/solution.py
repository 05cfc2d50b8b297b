"""A solved week as plain objects, and its JSON form (see docs/schedule-json.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .domain import DAY_NAMES, WeekTime
from .errors import ScheduleFileError

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Meeting(WeekTime):
    """One section of a group meeting once: when, where, who leads, who attends."""

    group: str
    section: str
    day: int  # 0 = Monday
    start: int  # minutes after midnight
    end: int
    room: str
    facilitator: str  # staff ID
    patients: tuple[str, ...]  # patient IDs, sorted

    @property
    def sort_key(self) -> tuple:
        return (self.day, self.start, self.group, self.section)

    def to_dict(self) -> dict:
        return {
            "group": self.group,
            "section": self.section,
            "day": self.day_name,
            "start": self.start_text,
            "end": self.end_text,
            "room": self.room,
            "facilitator": self.facilitator,
            "patients": list(self.patients),
        }


@dataclass(frozen=True)
class Section:
    """One cohort of a group: same members and facilitator at every meeting."""

    group: str
    name: str
    facilitator: str
    patients: tuple[str, ...]
    meetings: tuple[Meeting, ...]

    @property
    def rooms(self) -> list[str]:
        return sorted({m.room for m in self.meetings})


@dataclass(frozen=True)
class Unmet:
    """A requirement a best-effort week leaves unmet, located on the roster (IDs, no names)."""

    kind: str  # missed_group, short_members, no_role_model, short_hours
    message: str
    patient: str | None = None
    group: str | None = None
    section: str | None = None
    sheet: str | None = None
    row: int | None = None

    def to_dict(self) -> dict:
        return {"kind": self.kind, "message": self.message, "patient": self.patient,
                "group": self.group, "section": self.section, "sheet": self.sheet,
                "row": self.row}

    @classmethod
    def from_dict(cls, raw: dict) -> "Unmet":
        return cls(**{k: raw.get(k) for k in ("kind", "message", "patient", "group", "section",
                                                "sheet", "row")})


@dataclass
class Schedule:
    """The week: every meeting, plus how it was found."""

    status: str  # "optimal" or "feasible"
    meetings: list[Meeting]
    week_of: dt.date | None = None
    center: str = ""
    objective: float | None = None
    best_bound: float | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # Best effort only: what this week does not provide (status "partial").
    unmet: list[Unmet] = field(default_factory=list)
    roster_fingerprint: str | None = None  # Roster.fingerprint of the roster solved for

    def __post_init__(self) -> None:
        self.meetings = sorted(self.meetings, key=lambda m: m.sort_key)

    # --- views -------------------------------------------------------------------

    @cached_property
    def sections(self) -> list[Section]:
        by_key: dict[tuple[str, str], list[Meeting]] = defaultdict(list)
        for m in self.meetings:
            by_key[(m.group, m.section)].append(m)
        out = []
        for (group, name), ms in sorted(by_key.items()):
            first = ms[0]
            out.append(Section(group, name, first.facilitator, first.patients, tuple(ms)))
        return out

    @cached_property
    def _sections_per_group(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for s in self.sections:
            counts[s.group] += 1
        return counts

    def label(self, group: str, section: str) -> str:
        """'CBT Skills' when the group has one section, else 'CBT Skills B'."""
        if self._sections_per_group.get(group, 0) > 1:
            return f"{group} {section}"
        return group

    def for_patient(self, patient_id: str) -> list[Meeting]:
        return [m for m in self.meetings if patient_id in m.patients]

    def for_staff(self, staff_id: str) -> list[Meeting]:
        return [m for m in self.meetings if m.facilitator == staff_id]

    def for_room(self, room: str) -> list[Meeting]:
        return [m for m in self.meetings if m.room == room]

    @property
    def gap(self) -> float | None:
        """Relative distance between the objective and the solver's proven bound."""
        if self.objective is None or self.best_bound is None:
            return None
        if self.objective == 0:
            return 0.0
        return abs(self.objective - self.best_bound) / max(abs(self.objective), 1e-9)

    def fingerprint(self) -> str:
        """A fingerprint of the meetings and of how the week was found (status, objective,
        bound, roster), written with the week: reading it back tells an untouched week from
        one edited by hand, and from one whose figures were changed or lost."""
        found = [self.status, _rounded(self.objective), _rounded(self.best_bound),
                 self.roster_fingerprint]
        text = json.dumps([found, [m.to_dict() for m in self.meetings]], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    # --- JSON --------------------------------------------------------------------

    def to_dict(self) -> dict:
        return {
            "schema_version": SCHEMA_VERSION,
            "status": self.status,
            "fingerprint": self.fingerprint(),
            "roster_fingerprint": self.roster_fingerprint,
            "center": self.center,
            "week_of": self.week_of.isoformat() if self.week_of else None,
            "meetings": [m.to_dict() for m in self.meetings],
            "sections": [
                {
                    "group": s.group,
                    "section": s.name,
                    "facilitator": s.facilitator,
                    "patients": list(s.patients),
                    "meetings": len(s.meetings),
                    "rooms": s.rooms,
                }
                for s in self.sections
            ],
            "objective": self.objective,
            "best_bound": self.best_bound,
            "stats": dict(self.stats),
            "warnings": list(self.warnings),
            "unmet": [u.to_dict() for u in self.unmet],
        }

    @classmethod
    def from_dict(cls, data: dict, source: str = "schedule") -> "Schedule":
        """Read back a schedule.json (possibly edited by hand); errors name the meeting."""
        if not isinstance(data, dict) or not isinstance(data.get("meetings"), list):
            raise ScheduleFileError(f"{source} is not a schedule: it has no 'meetings' list.")
        meetings = []
        for i, raw in enumerate(data["meetings"], start=1):
            meetings.append(_meeting_from_dict(raw, f"{source}, meeting {i}"))
        week_of = data.get("week_of")
        try:
            week = dt.date.fromisoformat(week_of) if week_of else None
        except (TypeError, ValueError):
            raise ScheduleFileError(f"{source}: 'week_of' {week_of!r} is not a YYYY-MM-DD date.")
        return cls(
            status=str(data.get("status", "feasible")),
            meetings=meetings,
            week_of=week,
            center=str(data.get("center") or ""),
            objective=data.get("objective"),
            best_bound=data.get("best_bound"),
            stats=dict(data.get("stats") or {}),
            warnings=list(data.get("warnings") or []),
            unmet=[Unmet.from_dict(u) for u in data.get("unmet") or [] if isinstance(u, dict)],
            roster_fingerprint=_text_or_none(data.get("roster_fingerprint")),
        )


def _rounded(value: float | None) -> float | None:
    # Spreadsheet document properties keep about 15 digits.
    return None if value is None else round(float(value), 6)


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _meeting_from_dict(raw: Any, where: str) -> Meeting:
    if not isinstance(raw, dict):
        raise ScheduleFileError(f"{where} is not an object.")
    missing = [k for k in ("group", "section", "day", "start", "end", "room", "facilitator", "patients") if k not in raw]
    if missing:
        raise ScheduleFileError(f"{where} lacks {', '.join(missing)}.")
    day_text = str(raw["day"]).strip()[:3].title()
    if day_text not in DAY_NAMES:
        raise ScheduleFileError(f"{where}: day {raw['day']!r} is not Mon..Sun.")
    start, end = _minutes(raw["start"], where), _minutes(raw["end"], where)
    if not isinstance(raw["patients"], list):
        raise ScheduleFileError(f"{where}: 'patients' must be a list of patient IDs.")
    return Meeting(
        group=str(raw["group"]),
        section=str(raw["section"]),
        day=DAY_NAMES.index(day_text),
        start=start,
        end=end,
        room=str(raw["room"]),
        facilitator=str(raw["facilitator"]),
        patients=tuple(sorted(str(p) for p in raw["patients"])),
    )


def _minutes(text: Any, where: str) -> int:
    try:
        h, m = str(text).split(":")
        value = int(h) * 60 + int(m)
    except ValueError:
        raise ScheduleFileError(f"{where}: time {text!r} is not HH:MM.") from None
    if not 0 <= value <= 24 * 60:
        raise ScheduleFileError(f"{where}: time {text!r} is not HH:MM.")
    return value
