"""Errors a user can cause, carrying where in the workbook to look.

The CLI turns these into messages; nothing here ever reaches the user as a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the roster, located as the spreadsheet shows it."""

    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: Any = None

    @property
    def where(self) -> str:
        parts = []
        if self.sheet:
            parts.append(f"{self.sheet} sheet")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

    def to_dict(self) -> dict:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": _plain(self.value),
            "message": self.message,
        }


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


class SchedulerError(Exception):
    """Base of every error the CLI reports without a traceback."""

    exit_code = 2


class RosterError(SchedulerError):
    """The workbook has one or more problems; all of them are listed."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(
            "\n".join(str(p) for p in self.problems) or "the roster is not valid"
        )


class WorkbookUnreadable(SchedulerError):
    """The file is not a workbook we can open; one sentence says why."""


class ScheduleFileError(SchedulerError):
    """A schedule file given to the tool (e.g. schedule.json) cannot be used."""


class OutputError(SchedulerError):
    """The outputs cannot be written where asked."""
