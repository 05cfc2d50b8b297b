"""Reading one spreadsheet cell: text, numbers, yes/no, lists, days, times, dates, time expressions.

Every parser takes the raw value openpyxl gives (str, int, float, bool, date,
datetime, time, timedelta or None) and returns a plain value or a domain type.
A cell that cannot be read raises ParseError, whose message quotes the value and
says what was expected, in words an administrator can act on. Blank cells come
back as None (or the "nothing" of the type: "", False, [], an empty TimeExpr);
whether blank is allowed is the caller's decision.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from .domain import TimeExpr, Window, key

TIME_EXPECTED = "expected a time like 9:00 or 5:30 PM"
DATE_EXPECTED = "expected a date like 2024-03-04 (year-month-day) or a date cell"
DAY_EXPECTED = "expected a day like Mon, Tue, Wed, Thu, Fri, Sat, Sun (or the full name)"
BOOL_EXPECTED = "expected yes or no (y/n, true/false, 1/0 and x also work)"
EXPR_EXPECTED = (
    "expected items like 'Mon-Thu 17:30-21:00', 'Fri', 'Sat-Sun' or '9:00-12:00', "
    "separated by ';'"
)

_DAY_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_ALIASES = {"weds": 2, "thur": 3, "thurs": 3, "tues": 1}
# Day groups are a convenience inside time expressions only, never in a Day cell.
_DAY_GROUPS = {
    "daily": frozenset(range(7)),
    "every day": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
    "weekend": frozenset({5, 6}),
}
_TRUE = {"yes", "y", "true", "t", "1", "x", "✓", "✔"}
_FALSE = {"no", "n", "false", "f", "0"}
_DASHES = str.maketrans({"–": "-", "—": "-", "−": "-", "‐": "-", "‑": "-"})
_TIME_RE = re.compile(
    r"(?P<h>\d{1,2})(?:[:.h](?P<m>\d{2})(?::(?P<s>\d{2}))?)?(?:\s*(?P<ap>[ap])\.?\s*(?:m\.?)?)?"
)
# Excel's day 0; serial numbers count days from here (valid after 1900-03-01).
_EXCEL_EPOCH = dt.date(1899, 12, 30)


class ParseError(ValueError):
    """A cell that cannot be read; the message says what was expected."""


# --- helpers ----------------------------------------------------------------------


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def show(value: Any) -> str:
    """A cell value as it should appear inside a message."""
    if isinstance(value, str):
        text = " ".join(value.split())
        return repr(text if len(text) < 80 else text[:77] + "...")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# --- text, numbers, yes/no, lists -------------------------------------------------------


def parse_text(value: Any) -> str:
    """Cell text with surrounding/multiple spaces removed; numbers as Excel shows them.

    IDs typed as numbers come back from Excel as 1001 or 1001.0; both become "1001".
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return show(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return " ".join(str(value).split())


def parse_number(
    value: Any, *, minimum: float | None = None, above: float | None = None
) -> float | None:
    """A number: number cells or numeric text. `above` is an exclusive lower bound."""
    if is_blank(value):
        return None
    number = _to_number(value)
    if number is None or not math.isfinite(number):
        raise ParseError(f"{show(value)} is not a number; expected a number like 2 or 1.5")
    if minimum is not None and number < minimum:
        raise ParseError(f"{show(value)} is too small; expected a number of at least {minimum:g}")
    if above is not None and number <= above:
        raise ParseError(f"{show(value)} is too small; expected a number above {above:g}")
    return float(number)


def _to_number(value: Any) -> float | None:
    if _is_number(value):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def parse_int(value: Any, *, minimum: int | None = None) -> int | None:
    """A whole number: int cells, float cells with integral value, numeric text."""
    if is_blank(value):
        return None
    number = _to_number(value)
    if number is None or not math.isfinite(number):
        raise ParseError(f"{show(value)} is not a number; expected a whole number like 2")
    if not number.is_integer():
        raise ParseError(f"{show(value)} is not a whole number; expected a whole number like 2")
    result = int(number)
    if minimum is not None and result < minimum:
        if minimum == 0:
            raise ParseError(f"{result} is negative; expected a whole number of 0 or more")
        raise ParseError(f"{result} is too small; expected a whole number of at least {minimum}")
    return result


def parse_bool(value: Any) -> bool:
    """Yes/no: yes/no, y/n, true/false, 1/0, x, real booleans; blank means no."""
    result = parse_optional_bool(value)
    return bool(result)


def parse_optional_bool(value: Any) -> bool | None:
    """Like parse_bool, but blank means "not given" (None)."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if _is_number(value) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().casefold().rstrip(".")
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise ParseError(f"{show(value)} is not yes or no; {BOOL_EXPECTED}")


def parse_list(value: Any) -> list[str]:
    """Names separated by commas or semicolons (line breaks inside the cell also work)."""
    if is_blank(value):
        return []
    parts = re.split(r"[;,\n]", parse_text(value) if not isinstance(value, str) else value)
    return [item for item in (parse_text(p) for p in parts) if item]


def parse_choice(
    value: Any, choices: tuple[str, ...], what: str = "one of the allowed words"
) -> str | None:
    """One of a few words, matched case-insensitively; returns the canonical spelling."""
    if is_blank(value):
        return None
    wanted = key(parse_text(value))
    for choice in choices:
        if key(choice) == wanted:
            return choice
    raise ParseError(f"{show(value)} is not {what}; "
                     f"expected {or_list([repr(c) for c in choices])}")


def or_list(words: list[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def parse_section(value: Any) -> str | None:
    """A section letter (A, B, ... Z, AA...), any capitals; returned in capitals."""
    if is_blank(value):
        return None
    text = value.strip() if isinstance(value, str) else ""
    if not re.fullmatch(r"[A-Za-z]{1,2}", text):
        raise ParseError(f"{show(value)} is not a section letter; expected a letter like A or B")
    return text.upper()


# --- days, times, dates ---------------------------------------------------------------


def parse_day(value: Any) -> int | None:
    """A weekday as 0 = Monday: Mon..Sun, full names, Tues/Thurs/Weds; any case."""
    if is_blank(value):
        return None
    if isinstance(value, str):
        day = _day_index(value)
        if day is not None:
            return day
    raise ParseError(f"{show(value)} is not a day; {DAY_EXPECTED}")


def _day_index(text: str) -> int | None:
    word = " ".join(text.split()).casefold().rstrip(".")
    if word in _DAY_ALIASES:
        return _DAY_ALIASES[word]
    # Any prefix of two or more letters that names one day only: Mo, Tu, Thu, Sat...
    matches = [i for i, full in enumerate(_DAY_FULL) if len(word) >= 2 and full.startswith(word)]
    return matches[0] if len(matches) == 1 else None


def parse_time(value: Any) -> int | None:
    """A time of day as minutes after midnight (0..1440)."""
    if is_blank(value):
        return None
    minutes = _time_minutes(value)
    if minutes is None:
        raise ParseError(f"{show(value)} is not a time; {TIME_EXPECTED}")
    return minutes


def _time_minutes(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, dt.datetime):
        # A 24:00 end time comes back from a time-formatted cell as the next "day".
        if value.date() == dt.date(1899, 12, 31) and value.time() == dt.time(0):
            return 24 * 60
        return _clock_minutes(value.time())
    if isinstance(value, dt.time):
        return _clock_minutes(value)
    if isinstance(value, dt.timedelta):
        minutes = round(value.total_seconds() / 60)
        return minutes if 0 <= minutes <= 24 * 60 else None
    if _is_number(value):
        # Unformatted time cells hold a fraction of a day; whole numbers are hours.
        if float(value).is_integer() and 1 <= value <= 24:
            return int(value) * 60
        if 0 <= value < 1:
            return round(value * 24 * 60)
        return None
    if isinstance(value, str):
        parsed = _text_time(value)
        return parsed[0] if parsed else None
    return None


def _clock_minutes(t: dt.time) -> int:
    # Times stored as floating-point day fractions may read back as 8:59:59.999.
    return round(t.hour * 60 + t.minute + t.second / 60 + t.microsecond / 60e6)


def _text_time(text: str) -> tuple[int, bool] | None:
    """(minutes, whether AM/PM was written) for text like 9:00, 9am, 5:30 p.m., 17:30."""
    match = _TIME_RE.fullmatch(" ".join(text.split()).casefold())
    if not match:
        return None
    hour, minute = int(match["h"]), int(match["m"] or 0)
    second = int(match["s"] or 0)
    if minute > 59 or second > 59:
        return None
    if match["ap"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["ap"] == "p" else 0)
        return hour * 60 + minute, True
    if hour > 24 or (hour == 24 and minute):
        return None
    return hour * 60 + minute, False


def parse_date(value: Any) -> dt.date | None:
    """A date: date/datetime cells, ISO text (2024-03-04), or an Excel date number."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if _is_number(value) and float(value).is_integer() and 32874 <= value <= 73415:
        # A date cell that lost its date format shows as a serial (1990..2100).
        return _EXCEL_EPOCH + dt.timedelta(days=int(value))
    if isinstance(value, str):
        match = re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T][\d:.]*)?", value.strip())
        if match:
            try:
                return dt.date(*(int(g) for g in match.groups()))
            except ValueError:
                raise ParseError(f"{show(value)} is not a real date; {DATE_EXPECTED}") from None
    raise ParseError(f"{show(value)} is not a date; {DATE_EXPECTED}")


# --- time expressions -----------------------------------------------------------------


def parse_time_expr(value: Any) -> TimeExpr:
    """An Attends / Available / Unavailable cell; blank gives an empty TimeExpr.

    Items are separated by ';' or ',' and each is DAY, DAY-DAY (may wrap, Fri-Mon),
    DAY HH:MM-HH:MM, DAY-DAY HH:MM-HH:MM or HH:MM-HH:MM (every day).
    """
    if is_blank(value):
        return TimeExpr()
    if not isinstance(value, str):
        raise ParseError(f"{show(value)} is not a list of days and times; {EXPR_EXPECTED}")
    text = " ".join(value.split())
    items = [item.strip() for item in re.split(r"[;,]", _normalise(text))]
    items = [item for item in items if item]
    windows = []
    for item in items:
        try:
            windows.append(parse_window(item))
        except ParseError as error:
            where = f"{item!r} in {text!r}" if len(items) > 1 else repr(item)
            raise ParseError(f"{where} cannot be read: {error}; {EXPR_EXPECTED}") from None
    return TimeExpr(windows=tuple(windows), text=text)


def _normalise(text: str) -> str:
    text = text.translate(_DASHES)
    return re.sub(r"\s+(?:to|until|till)\s+", "-", text, flags=re.IGNORECASE)


def parse_window(item: str) -> Window:
    """One item of a time expression (see parse_time_expr); no separators inside."""
    item = _normalise(" ".join(item.split()))
    first_digit = re.search(r"\d", item)
    split_at = first_digit.start() if first_digit else len(item)
    day_part, time_part = item[:split_at].strip(), item[split_at:].strip()
    if not day_part and not time_part:
        raise ParseError("it is empty")
    days = _parse_days(day_part) if day_part else frozenset(range(7))
    if not time_part:
        return Window(days=days)
    start, end = _parse_time_range(time_part)
    return Window(days=days, start=start, end=end)


def _parse_days(text: str) -> frozenset[int]:
    word = text.casefold().rstrip(" -")
    if word in _DAY_GROUPS:
        return _DAY_GROUPS[word]
    ends = [p.strip() for p in text.strip(" ").split("-")]
    if len(ends) > 2 or not all(ends):
        raise ParseError(f"{text!r} is not a day or a range of days like Mon-Fri")
    indexes = []
    for end in ends:
        day = _day_index(end)
        if day is None:
            raise ParseError(f"{end!r} is not a day")
        indexes.append(day)
    first, last = indexes[0], indexes[-1]
    span = (last - first) % 7  # ranges may wrap around the weekend: Fri-Mon
    return frozenset((first + i) % 7 for i in range(span + 1))


def _parse_time_range(text: str) -> tuple[int, int]:
    ends = [p.strip() for p in text.split("-")]
    if len(ends) != 2 or not all(ends):
        raise ParseError(f"{text!r} is not a time range like 9:00-12:00")
    parsed = [_text_time(end) for end in ends]
    for end, result in zip(ends, parsed):
        if result is None:
            raise ParseError(f"{end!r} is not a time")
    (start, start_ap), (end, end_ap) = parsed
    # "5-9pm" means 17:00-21:00: the start takes the end's PM when that keeps it earlier.
    if end_ap and not start_ap and end >= 12 * 60 and start < 12 * 60 and start + 720 < end:
        start += 12 * 60
    if end <= start:
        raise ParseError(f"the range {text!r} ends before it starts")
    return start, end
