"""Why a week cannot be scheduled, in sentences that name the spreadsheet rows to change.

Both the fast pre-checks (precheck.py) and the solver's explanation of a proven
conflict (solver/explain.py) report `Conflict`s; the CLI prints them and
schedule.json carries them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RowRef:
    """One spreadsheet row (and optionally the cell) that takes part in a conflict."""

    sheet: str
    row: int | None
    column: str | None = None
    value: Any = None

    def __str__(self) -> str:
        text = f"{self.sheet} row {self.row}" if self.row is not None else f"{self.sheet} sheet"
        return f"{text}, column {self.column!r}" if self.column else text

    def to_dict(self) -> dict:
        value = self.value
        if value is not None and not isinstance(value, (str, int, float, bool)):
            value = str(value)
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "value": value}


@dataclass(frozen=True)
class Conflict:
    """Rules that cannot all hold, said as one or two plain sentences.

    message names the rows itself (e.g. "... only S04 (Staff row 5) has it ...");
    rows lists the same rows for programs and tests.
    """

    message: str
    rows: tuple[RowRef, ...] = ()
    kind: str = ""  # short machine-readable label, e.g. "skill_coverage"
    details: tuple[str, ...] = ()  # one line per rule taking part, when there are several

    def __str__(self) -> str:
        return "\n".join([self.message] + [f"    * {d}" for d in self.details])

    def to_dict(self) -> dict:
        return {"kind": self.kind, "message": self.message, "details": list(self.details),
                "rows": [r.to_dict() for r in self.rows]}


def row_of(sheet: str, entity: Any, column: str | None = None, value: Any = None) -> RowRef:
    """A RowRef for a domain object that remembers its row (Patient, Staff, Room, ...)."""
    return RowRef(sheet, getattr(entity, "row", None), column, value)


def where(sheet: str, entity: Any) -> str:
    """'Staff row 5' for use inside sentences ('Staff sheet' when the row is unknown)."""
    return str(row_of(sheet, entity))
