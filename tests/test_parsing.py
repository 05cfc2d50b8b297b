"""Cell parsers: accepted forms, rejected forms and their messages, time-expression semantics."""

import datetime as dt

import pytest

from scheduler.domain import Slot, TimeExpr
from scheduler.parsing import (
    ParseError,
    parse_bool,
    parse_choice,
    parse_date,
    parse_day,
    parse_int,
    parse_list,
    parse_number,
    parse_optional_bool,
    parse_text,
    parse_time,
    parse_time_expr,
)


def slot(day, start, end):
    return Slot(index=0, day=day, start=start, end=end)


def hm(h, m=0):
    return h * 60 + m


# --- text and numbers ----------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [(None, ""), ("  Room   A ", "Room A"), (1001, "1001"), (1001.0, "1001"), (2.5, "2.5"),
     ("line\nbreak", "line break")],
)
def test_parse_text(value, expected):
    assert parse_text(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [(3, 3), (3.0, 3), ("3", 3), (" 12 ", 12), ("4.0", 4), (None, None), ("  ", None)],
)
def test_parse_int_accepts(value, expected):
    assert parse_int(value) == expected


@pytest.mark.parametrize("value", [2.5, "2.5", "two", True, dt.date(2024, 1, 1), "nan", "inf"])
def test_parse_int_rejects_with_expectation(value):
    with pytest.raises(ParseError, match="expected a whole number"):
        parse_int(value)


def test_parse_int_minimum():
    assert parse_int(0, minimum=0) == 0
    with pytest.raises(ParseError, match="negative; expected a whole number of 0 or more"):
        parse_int(-1, minimum=0)
    with pytest.raises(ParseError, match="at least 1"):
        parse_int(0, minimum=1)


def test_parse_number():
    assert parse_number("1.5") == 1.5
    assert parse_number(9) == 9.0
    assert parse_number(None) is None
    with pytest.raises(ParseError, match="expected a number"):
        parse_number("lots")
    with pytest.raises(ParseError, match="above 0"):
        parse_number(0, above=0)
    with pytest.raises(ParseError, match="at least 0"):
        parse_number(-2, minimum=0)


# --- yes/no, lists, choices --------------------------------------------------------------


@pytest.mark.parametrize("value", [True, "yes", "YES", " y ", "true", "1", 1, 1.0, "x", "X"])
def test_parse_bool_true(value):
    assert parse_bool(value) is True


@pytest.mark.parametrize("value", [False, "no", "N", "false", "0", 0, None, "", "  "])
def test_parse_bool_false(value):
    assert parse_bool(value) is False


def test_parse_bool_rejects():
    with pytest.raises(ParseError, match="'maybe' is not yes or no; expected yes or no"):
        parse_bool("maybe")
    with pytest.raises(ParseError):
        parse_bool(2)


def test_optional_bool_blank_is_not_given():
    assert parse_optional_bool(None) is None
    assert parse_optional_bool(" ") is None
    assert parse_optional_bool("no") is False
    assert parse_optional_bool("x") is True


@pytest.mark.parametrize(
    "value, expected",
    [("CBT, DBT", ["CBT", "DBT"]), ("a;b ; c", ["a", "b", "c"]), ("one", ["one"]),
     (None, []), ("a,,b;", ["a", "b"]), (1002, ["1002"]), (1002.0, ["1002"]),
     ("peer  support,\nCBT", ["peer support", "CBT"])],
)
def test_parse_list(value, expected):
    assert parse_list(value) == expected


def test_parse_choice_returns_canonical_spelling():
    assert parse_choice(" PEER ", ("peer", "therapy")) == "peer"
    assert parse_choice(None, ("peer", "therapy")) is None
    with pytest.raises(ParseError, match="expected 'peer' or 'therapy'"):
        parse_choice("group", ("peer", "therapy"), what="a kind of group")


# --- days, times, dates -----------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [("Mon", 0), ("monday", 0), ("TUE", 1), ("Tues", 1), ("tu", 1), ("Wed", 2), ("Weds", 2),
     ("Wednesday", 2), ("Thu", 3), ("Thur", 3), ("Thurs", 3), ("th", 3), ("Fri.", 4),
     (" Saturday ", 5), ("Sun", 6)],
)
def test_parse_day(value, expected):
    assert parse_day(value) == expected


@pytest.mark.parametrize("value", ["Mnday", "T", "S", "Funday", 3, dt.date(2024, 3, 4)])
def test_parse_day_rejects(value):
    with pytest.raises(ParseError, match="is not a day; expected a day like Mon"):
        parse_day(value)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("9:00", hm(9)), ("09:00", hm(9)), ("9:00 AM", hm(9)), ("9am", hm(9)), ("9 AM", hm(9)),
        ("5:30 pm", hm(17, 30)), ("5:30PM", hm(17, 30)), ("5:30 p.m.", hm(17, 30)),
        ("17:30", hm(17, 30)), ("12:00 PM", hm(12)), ("12 am", 0), ("24:00", 24 * 60),
        ("9:00:00", hm(9)), ("9.30", hm(9, 30)), ("9", hm(9)),
        (dt.time(9, 0), hm(9)), (dt.time(8, 59, 59, 999999), hm(9)),
        (dt.datetime(1899, 12, 30, 17, 30), hm(17, 30)), (dt.datetime(2024, 3, 4, 9, 15), hm(9, 15)),
        (dt.datetime(1899, 12, 31, 0, 0), 24 * 60), (dt.timedelta(hours=13), hm(13)),
        (0.375, hm(9)), (0.7291666666, hm(17, 30)), (13, hm(13)), (None, None),
    ],
)
def test_parse_time(value, expected):
    assert parse_time(value) == expected


@pytest.mark.parametrize("value", ["9:75", "25:00", "13pm", "noonish", "9 m", 1.5, 30, True])
def test_parse_time_rejects(value):
    with pytest.raises(ParseError, match="expected a time like 9:00 or 5:30 PM"):
        parse_time(value)


@pytest.mark.parametrize(
    "value, expected",
    [(dt.date(2024, 3, 4), dt.date(2024, 3, 4)), (dt.datetime(2024, 3, 4, 0, 0), dt.date(2024, 3, 4)),
     ("2024-03-04", dt.date(2024, 3, 4)), (" 2024-3-4 ", dt.date(2024, 3, 4)),
     ("2024/03/04", dt.date(2024, 3, 4)), ("2024-03-04 00:00:00", dt.date(2024, 3, 4)),
     (45355, dt.date(2024, 3, 4)), (None, None)],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["next week", "03/04/2024", "2024-02-30", 12, True])
def test_parse_date_rejects(value):
    with pytest.raises(ParseError, match="expected a date like 2024-03-04"):
        parse_date(value)


# --- time expressions ----------------------------------------------------------------------


def windows(text):
    return [(sorted(w.days), w.start, w.end) for w in parse_time_expr(text).windows]


def test_expression_forms():
    assert windows("Mon") == [([0], None, None)]
    assert windows("Mon-Wed") == [([0, 1, 2], None, None)]
    assert windows("Fri-Mon") == [([0, 4, 5, 6], None, None)]
    assert windows("Tue 9:00-12:00") == [([1], hm(9), hm(12))]
    assert windows("Mon-Thu 17:30-21:00") == [([0, 1, 2, 3], hm(17, 30), hm(21))]
    assert windows("9:00-12:00") == [(list(range(7)), hm(9), hm(12))]
    assert windows("Tue 9:00-12:00; Thu 13:00-16:00, Sat") == [
        ([1], hm(9), hm(12)), ([3], hm(13), hm(16)), ([5], None, None)]


def test_expression_am_pm_and_spacing():
    assert windows("Wed 1pm-5pm") == [([2], hm(13), hm(17))]
    assert windows("monday - thursday 5:30 PM - 9:00 PM") == [([0, 1, 2, 3], hm(17, 30), hm(21))]
    assert windows("Mon 5-9pm") == [([0], hm(17), hm(21))]  # start takes the end's PM
    assert windows("Mon 9-12pm") == [([0], hm(9), hm(12))]
    assert windows("Mon–Fri 9:00–12:00") == [([0, 1, 2, 3, 4], hm(9), hm(12))]  # en dashes
    assert windows("Mon to Fri") == [([0, 1, 2, 3, 4], None, None)]
    assert windows("Weekdays 8:00-16:00") == [([0, 1, 2, 3, 4], hm(8), hm(16))]


def test_expression_keeps_text_and_blank_is_empty():
    assert parse_time_expr("  Mon   9:00-10:00 ").text == "Mon 9:00-10:00"
    assert parse_time_expr(None) == TimeExpr()
    assert parse_time_expr("").blank
    assert parse_time_expr("Mon;").windows == parse_time_expr("Mon").windows


@pytest.mark.parametrize(
    "text, reason",
    [("Mnday 9:00-10:00", "'Mnday' is not a day"), ("Mon 10:00-9:00", "ends before it starts"),
     ("Mon 9:00", "not a time range"), ("Mon 9:00-", "not a time range"),
     ("Mon-Tue-Wed", "not a day or a range of days"), ("Mon 9:00-25:00", "'25:00' is not a time"),
     ("Mon 9:00-10:00-11:00", "not a time range")],
)
def test_expression_errors_say_what_and_what_is_expected(text, reason):
    with pytest.raises(ParseError) as caught:
        parse_time_expr(text)
    message = str(caught.value)
    assert reason in message
    assert "expected items like 'Mon-Thu 17:30-21:00'" in message


def test_expression_error_names_the_bad_item():
    with pytest.raises(ParseError, match="'Thurs 25:00-26:00' in 'Mon 9:00-10:00; Thurs 25:00-26:00'"):
        parse_time_expr("Mon 9:00-10:00; Thurs 25:00-26:00")


def test_expression_rejects_non_text():
    with pytest.raises(ParseError, match="expected items like"):
        parse_time_expr(0.5)


def test_covers_needs_the_whole_slot_inside_one_window():
    evenings = parse_time_expr("Mon-Thu 17:30-21:00")
    assert evenings.covers(slot(0, hm(17, 30), hm(19)))
    assert evenings.covers(slot(3, hm(19, 30), hm(21)))
    assert not evenings.covers(slot(0, hm(17), hm(18)))  # starts too early
    assert not evenings.covers(slot(0, hm(20), hm(21, 30)))  # ends too late
    assert not evenings.covers(slot(4, hm(18), hm(19)))  # Friday
    # Two touching windows do not join into one.
    split = parse_time_expr("Mon 9:00-10:00; Mon 10:00-11:00")
    assert not split.covers(slot(0, hm(9, 30), hm(10, 30)))
    assert parse_time_expr("Tue").covers(slot(1, 0, 24 * 60))


def test_blank_covers_everything_and_blocks_nothing():
    blank = parse_time_expr(None)
    assert blank.covers(slot(6, hm(3), hm(4)))
    assert not blank.blocks(slot(6, hm(3), hm(4)))


def test_blocks_on_any_overlap():
    busy = parse_time_expr("Wed 13:00-15:00")
    assert busy.blocks(slot(2, hm(14), hm(16)))
    assert busy.blocks(slot(2, hm(12), hm(13, 1)))
    assert not busy.blocks(slot(2, hm(15), hm(16)))  # touching is not overlapping
    assert not busy.blocks(slot(2, hm(11), hm(13)))
    assert not busy.blocks(slot(1, hm(13), hm(15)))
    assert parse_time_expr("Fri-Sun").blocks(slot(6, hm(9), hm(10)))
    assert parse_time_expr("Fri-Mon").blocks(slot(0, hm(9), hm(10)))
    assert not parse_time_expr("Fri-Mon").blocks(slot(1, hm(9), hm(10)))
