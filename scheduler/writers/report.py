"""The administrator's quality report: how good the week is, what is not met and why.

Unlike the door sheets it names patients (miss texts, hours per patient), so every
page says it is for staff only. As in writers/html.py, Python builds plain view
models, chart geometry included, and templates/report.html only lays them out.
The charts are inline SVG in millimetres: no script, no network, crisp in print.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass

from ..domain import Roster
from ..quality import BALANCED_SPREAD, CAUSES, Miss, Quality, RuleResult, StaffLoad
from ..reprint import EDITED_BECAUSE
from ..rules import RULE_BY_KEY
from ..solution import Schedule
from ..summary import STATUS_TEXT
from .html import (
    PT_MM,
    SANS_BOLD,
    Band,
    DayHead,
    clock,
    day_heads,
    environment,
    natural_key,
    page_view,
    patient_name,
    plural,
    text_mm,
    time_bands,
)


def render_report(
    roster: Roster, schedule: Schedule, quality: Quality, *, printed_on: dt.date | None = None
) -> str:
    """The printable quality report as HTML text (portrait, several pages)."""
    page = page_view(roster, schedule, "report", printed_on or dt.date.today())
    context = {
        "page": page,
        "verdict": verdict(roster, schedule, quality),
        "rules": rule_rows(quality),
        "total": points(quality.objective),
        "misses": miss_blocks(roster, quality),
        "search_advice": search_advice(schedule, quality),
        "unlisted": unlisted_note(quality),
        "staff_charts": staff_charts(roster, quality.staff_load, page.content_width_mm),
        "teams": skill_teams(roster, quality.staff_load),
        "room_tables": (tables := room_use(roster, schedule, page.content_width_mm)),
        "heat_legend": heat_legend(tables),
        "heat_room_mm": HEAT_ROOM_COL_MM,
        "heat_used_mm": HEAT_USED_COL_MM,
        "hours": hours_view(roster, schedule),
    }
    return environment().get_template("report.html").render(context)


# --- formatting ----------------------------------------------------------------------


def points(value: float | None) -> str:
    """Penalty points to one decimal, or two where a weight such as 0.05 needs them (so the
    table adds up to its total)."""
    if value is None:
        return ""
    return f"{value:.1f}" if abs(10 * value - round(10 * value)) < 1e-6 else f"{value:.2f}"


def weight_text(weight: float) -> str:
    return "off" if weight == 0 else f"{weight:g}"


def percent(share: float) -> str:
    """A share as a whole percent; a small but real gap never reads as 0 %."""
    value = 100 * share
    whole = round(value)
    if whole == 0 and value > 0:
        whole = 1
    return f"{whole}\u00a0%"


def hours_text(minutes: int) -> str:
    return f"{round(minutes / 60, 1):g}\u00a0h"


# --- 1. header: status and the gap in plain words -------------------------------------


@dataclass(frozen=True)
class Verdict:
    status: str  # optimal | feasible | partial | edited
    status_text: str
    score: str  # penalty against the proven bound, in words
    advice: str  # what might narrow the gap, or ""
    facts: str  # the week in numbers


def verdict(roster: Roster, schedule: Schedule, quality: Quality) -> Verdict:
    return Verdict(
        status=schedule.status,
        status_text=status_text(schedule),
        score=score_sentence(quality, schedule.stats.get("bound_with_last_week")),
        advice=gap_advice(schedule, quality),
        facts=week_facts(roster, schedule),
    )


def status_text(schedule: Schedule) -> str:
    """The status in words; for a week `render` printed as edited although nobody edited it,
    the reason it gave instead of the guess 'edited by hand, or the roster changed'."""
    why = next((w[len(EDITED_BECAUSE):].rstrip(".") for w in schedule.warnings
                if w.startswith(EDITED_BECAUSE)), None)
    if schedule.status == "edited" and why:
        return f"printed as edited, as {why}; quality recounted"
    return STATUS_TEXT.get(schedule.status, "")


def proven_best(quality: Quality) -> bool:
    return quality.gap is not None and quality.gap <= 1e-9 and not quality.stale_bound


def score_sentence(quality: Quality, bound_with_last_week: float | None = None) -> str:
    penalty = f"Penalty {points(quality.objective)} points"
    if quality.gap is None and bound_with_last_week is not None:
        return (f"{penalty}; the solver's proof also counted the changes from last week, so "
                "how close this is to the best possible week by these rules alone is not "
                "known.")
    if quality.gap is None:
        return (f"{penalty}; the solver proved no lower bound, so how close this is to the "
                "best possible week is not known.")
    if quality.stale_bound:
        return (f"{penalty}; the solver's bound ({points(quality.bound)}) belongs to other "
                "weights, so how close this is to the best possible week is not known.")
    if proven_best(quality):
        return f"{penalty}; this is the best possible week under these weights."
    # In points, not as a share: "within 25 %" reads differently depending on which of the
    # two figures one divides by.
    above = points(quality.objective - quality.bound)
    return (f"{penalty} (lower is better); no schedule can score below "
            f"{points(quality.bound)}, so the best possible week is at most {above} points "
            "lower.")


def searching_longer_may_help(schedule: Schedule, quality: Quality) -> bool:
    """Not for a week proven best, nor for one not searched for (edited by hand)."""
    return not (proven_best(quality) or schedule.status in ("edited", "optimal"))


def gap_advice(schedule: Schedule, quality: Quality) -> str:
    if not searching_longer_may_help(schedule, quality):
        return ""
    searched = schedule.stats.get("total_seconds") or schedule.stats.get("solve_seconds")
    how_long = f"The solver searched for {searched:.0f} s. " if searched else ""
    stopped = "It was stopped by hand. " if schedule.stats.get("interrupted") else ""
    prove = (", or prove that this one is closer to the best than the bound says"
             if quality.gap is not None and not quality.stale_bound else "")
    return (f"{how_long}{stopped}A longer time limit (Settings sheet, or --time-limit) may find "
            f"a better week{prove}.")


def week_facts(roster: Roster, schedule: Schedule) -> str:
    staff = {m.facilitator for m in schedule.meetings}
    rooms = {m.room for m in schedule.meetings}
    return " \u00b7 ".join([
        plural(len(roster.patients), "patient"),
        plural(len(schedule.sections), "section"),
        plural(len(schedule.meetings), "meeting"),
        f"{len(staff)} of {len(roster.staff)} staff lead groups",
        f"{len(rooms)} of {len(roster.rooms)} rooms in use",
    ])


# --- 2. the quality table ------------------------------------------------------------


@dataclass(frozen=True)
class RuleRow:
    title: str
    unit: str  # what one unit is, in words
    met: str  # "11 of 20", or "" when the rule has no satisfied/possible
    met_words: str  # the rule's summary, less the figure when it starts with it
    met_apart: bool  # the summary does not continue the figure: give it a line of its own
    units: int
    weight: str  # "5", "0.2" or "off"
    default: str  # the default weight when the Weights sheet changed it, else ""
    penalty: str
    share: str  # of the total penalty
    off: bool


def rule_rows(quality: Quality) -> list[RuleRow]:
    return [rule_row(r, quality.objective) for r in quality.rules]


def rule_row(result: RuleResult, total: float) -> RuleRow:
    rule = RULE_BY_KEY.get(result.key)
    counted = result.possible is not None and result.satisfied is not None
    met = f"{result.satisfied} of {result.possible}" if counted else ""
    words, apart = result.summary, bool(met)
    if met and words.startswith(met + " "):
        words, apart = words[len(met) + 1:], False
    off = result.weight == 0
    default = ""
    if rule is not None and rule.weight != result.weight:
        default = f"default {rule.weight:g}"
    return RuleRow(
        title=result.title,
        unit=rule.unit if rule else "",
        met=met,
        met_words=words,
        met_apart=apart,
        units=result.units,
        weight=weight_text(result.weight),
        default=default,
        penalty="off" if off else points(result.penalty),
        share=percent(result.penalty / total) if total > 0 and result.penalty > 0 else "",
        off=off,
    )


# --- 3. what is not met, and why ------------------------------------------------------

KIND_NOUNS = {"patient": "patient", "section": "section", "staff": "staff member",
              "skill": "skill team"}


@dataclass(frozen=True)
class Listed:
    """One miss as the report lists it: what, and why (None when nothing is known)."""
    text: str
    reason: str | None


@dataclass(frozen=True)
class MissBlock:
    title: str
    summary: str  # "9 sections miss it · penalty 80.0"
    improvable: tuple[Listed, ...]  # reason: what stands in the way, when known
    hint: str  # how the improvable ones could be improved, where not as the intro says
    causes: str  # what stands in the way of the improvable ones, counted; "" when unknown
    unavoidable: tuple[Listed, ...]  # reason: why it cannot be helped


def miss_blocks(roster: Roster, quality: Quality) -> list[MissBlock]:
    return [miss_block(roster, r, proven_best(quality)) for r in quality.rules if r.misses]


def miss_text(roster: Roster, miss: Miss) -> str:
    """The miss in words, naming the patient: schedule.json keeps IDs only, this report is
    for staff, who know patients by name."""
    if miss.kind != "patient" or miss.id not in roster.patient_by_id:
        return miss.text
    name = patient_name(roster, miss.id)
    if name == miss.id:
        return miss.text
    return miss.text.replace(f"patient {miss.id}", f"{name} ({miss.id})", 1)


def miss_block(roster: Roster, result: RuleResult, best: bool) -> MissBlock:
    unavoidable = tuple(Listed(miss_text(roster, m), m.unavoidable)
                        for m in result.misses if m.unavoidable)
    improvable = tuple(Listed(miss_text(roster, m), m.detail)
                       for m in result.misses if not m.unavoidable)
    penalty = "rule off" if result.weight == 0 else f"penalty {points(result.penalty)}"
    return MissBlock(
        title=result.title,
        summary=f"{who_misses(result.misses)} {'misses' if len(result.misses) == 1 else 'miss'} "
                f"it \u00b7 {penalty}",
        improvable=improvable,
        hint=improve_hint(result, best),
        causes=causes_text(result),
        unavoidable=unavoidable,
    )


def who_misses(misses: list[Miss]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for m in misses:
        counts[m.kind] += 1
    return ", ".join(plural(n, KIND_NOUNS.get(k, k)) for k, n in counts.items())


def causes_text(result: RuleResult) -> str:
    """'For 62, every section ... is full; for 20, ...': the obstacles, most common first."""
    phrases = CAUSES.get(result.key, {})
    counts = defaultdict(int)
    for m in result.misses:
        if m.cause in phrases and not m.unavoidable:
            counts[m.cause] += 1
    order = sorted(counts, key=lambda c: (-counts[c], list(phrases).index(c)))
    return "; ".join(f"for {counts[c]}, {phrases[c]}" for c in order)


def search_advice(schedule: Schedule, quality: Quality) -> bool:
    """Whether to say, once for every rule, that a longer search or a higher weight may meet
    more: not where searching longer may not help, nor when only rules that are off
    (weight 0) have misses that could be improved."""
    return searching_longer_may_help(schedule, quality) and any(
        r.weight > 0 and any(not m.unavoidable for m in r.misses) for r in quality.rules)


def improve_hint(result: RuleResult, best: bool) -> str:
    if result.weight == 0:
        return ("the rule is off (weight 0), so the solver ignored it; give it a weight on the "
                "Weights sheet to have it count.")
    raise_it = f"a higher {result.title} weight on the Weights sheet"
    if best:
        return (f"no better week exists under these weights; {raise_it} would trade other "
                "rules for these.")
    return ""  # the intro says it once for every rule: a longer search, or a higher weight


def unlisted_note(quality: Quality) -> str:
    """Rules that cost points with nobody missing them (imbalances under the reporting
    threshold, sections opened), so their absence from the list is not a puzzle."""
    rules = [f"{r.title} ({points(r.penalty)})" for r in quality.rules
             if r.penalty > 0 and not r.misses]
    if not rules:
        return ""
    names = rules[0] if len(rules) == 1 else ", ".join(rules[:-1]) + " and " + rules[-1]
    verb = "costs" if len(rules) == 1 else "cost"
    return (f"{names} {verb} points without anyone missing them: small imbalances under the "
            "reporting threshold, or the cost of the sections opened; see the quality table.")


# --- 4. staff load chart ----------------------------------------------------------------

CHART_PT = 7.5  # chart type size
CHART_SMALL_PT = 6.0
STAFF_ROW_MM = 7.5
STAFF_BAR_MM = 3.6
STAFF_AXIS_MM = 5.0  # tick labels above the first row
STAFF_FIGURE_MM = 27.0  # "12 of 12 · 100 %" at the right
STAFF_LABEL_MAX_MM = 60.0
STAFF_ROWS_PER_CHART = 28  # a bigger team gets several charts, which may fall on several pages


@dataclass(frozen=True)
class Tick:
    x: float  # mm, or % of the width in HTML bars
    label: str


@dataclass(frozen=True)
class StaffBar:
    y: float  # top of the row, mm
    name: str
    detail: str  # ID and skills
    capacity_w: float  # the outlined track: meetings they could lead
    led_w: float  # the filled bar: meetings led, up to capacity
    over_x: float
    over_w: float  # meetings beyond capacity (a hand-edited week), drawn black
    max_x: float | None  # Max per week marker
    figure: str


@dataclass(frozen=True)
class BarChart:
    width: float
    height: float
    x0: float  # where the bars start
    label_y: float  # baseline of the tick labels
    grid_y: float  # where the gridlines start
    bar_dy: float  # top of a bar, from its row's top
    bar_h: float
    marker_dy: float  # Max per week marker: from here down to marker_end_dy
    marker_end_dy: float
    text_dy: float  # baseline of the name, from the row's top
    detail_dy: float
    ticks: tuple[Tick, ...]
    bars: tuple[StaffBar, ...]
    font_mm: float
    small_mm: float


def nice_step(top: float, most_ticks: int = 12) -> float:
    """1, 2, 5, 10, 20, ... : the smallest step that keeps the axis to a dozen ticks."""
    step = 1.0
    while top / step > most_ticks:
        for factor in (2, 2.5, 2):
            step *= factor
            if top / step <= most_ticks:
                break
    return step


def axis_top(values: list[float]) -> tuple[float, float]:
    top = max(values + [1.0])
    step = nice_step(top)
    return math.ceil(top / step) * step, step


def staff_order(loads: list[StaffLoad]) -> list[StaffLoad]:
    """Busiest first, so an imbalance shows as a slope down the chart."""
    return sorted(loads, key=lambda s: (-s.use, -s.meetings, natural_key(s.name)))


def staff_charts(roster: Roster, loads: list[StaffLoad], width_mm: float) -> list[BarChart]:
    ordered = staff_order(loads)
    top, step = axis_top([max(s.capacity, s.meetings, s.max_per_week or 0) for s in loads])
    labels = [max(text_mm(s.name, CHART_PT, SANS_BOLD),
                  text_mm(staff_detail(roster, s), CHART_SMALL_PT)) for s in ordered]
    label_w = min(max(labels + [20.0]) + 3, STAFF_LABEL_MAX_MM)
    return [
        staff_chart(roster, ordered[i:i + STAFF_ROWS_PER_CHART], width_mm, label_w, top, step)
        for i in range(0, len(ordered), STAFF_ROWS_PER_CHART)
    ]


def staff_chart(roster: Roster, loads: list[StaffLoad], width: float, label_w: float,
                top: float, step: float) -> BarChart:
    x0 = label_w
    plot_w = width - x0 - STAFF_FIGURE_MM

    def x(meetings: float) -> float:
        return round(plot_w * meetings / top, 2)

    ticks = tuple(Tick(round(x0 + x(v), 2), f"{v:g}")
                  for v in (i * step for i in range(int(round(top / step)) + 1)))
    bars = []
    for row, s in enumerate(loads):
        bars.append(StaffBar(
            y=round(STAFF_AXIS_MM + row * STAFF_ROW_MM, 2),
            name=clip(s.name, label_w - 2, CHART_PT, SANS_BOLD),
            detail=clip(staff_detail(roster, s), label_w - 2, CHART_SMALL_PT),
            capacity_w=x(s.capacity),
            led_w=x(min(s.meetings, s.capacity)),
            over_x=round(x0 + x(s.capacity), 2),
            over_w=x(max(0, s.meetings - s.capacity)),
            max_x=None if s.max_per_week is None else round(x0 + x(s.max_per_week), 2),
            figure=f"{s.meetings} of {s.capacity} \u00b7 {s.use}\u00a0%",
        ))
    bar_dy = round((STAFF_ROW_MM - STAFF_BAR_MM) / 2, 2)
    return BarChart(
        width=round(width, 2),
        height=round(STAFF_AXIS_MM + len(loads) * STAFF_ROW_MM + 1, 2),
        x0=x0,
        label_y=STAFF_AXIS_MM - 1.6,
        grid_y=STAFF_AXIS_MM - 0.8,
        bar_dy=bar_dy,
        bar_h=STAFF_BAR_MM,
        marker_dy=round(bar_dy - 1.0, 2),
        marker_end_dy=round(bar_dy + STAFF_BAR_MM + 1.0, 2),
        text_dy=3.2,
        detail_dy=6.1,
        ticks=ticks,
        bars=tuple(bars),
        font_mm=round(CHART_PT * PT_MM, 2),
        small_mm=round(CHART_SMALL_PT * PT_MM, 2),
    )


def staff_detail(roster: Roster, load: StaffLoad) -> str:
    staff = roster.staff_by_id.get(load.id)
    skills = ", ".join(sorted(staff.skills)) if staff else ""
    return f"{load.id} \u00b7 {skills}" if skills else load.id


def clip(text: str, width_mm: float, font_pt: float, face: float = 1.0) -> str:
    """Shorten text with an ellipsis to fit an SVG label (SVG text does not wrap)."""
    if text_mm(text, font_pt, face) <= width_mm:
        return text
    while text and text_mm(text + "\u2026", font_pt, face) > width_mm:
        text = text[:-1]
    return text.rstrip(" ,\u00b7") + "\u2026"


@dataclass(frozen=True)
class SkillTeam:
    skill: str
    members: str  # "Dana Whitlock (100 %) · Marcus Ellery (85 %)"
    spread: str  # percentage points between busiest and least busy
    uneven: bool  # beyond what Fair load still calls balanced


def skill_teams(roster: Roster, loads: list[StaffLoad]) -> list[SkillTeam]:
    """Who shares each skill, as Fair load compares them (staff with some capacity)."""
    by_id = {s.id: s for s in loads}
    teams: dict[str, list[StaffLoad]] = defaultdict(list)
    for staff in roster.staff:
        load = by_id.get(staff.id)
        if load and load.capacity:
            for skill in staff.skills:
                teams[skill].append(load)
    out = []
    for skill, members in sorted(teams.items()):
        members = staff_order(members)
        spread = members[0].use - members[-1].use
        out.append(SkillTeam(
            skill=skill,
            members=" \u00b7 ".join(f"{m.name} ({m.use}\u00a0%)" for m in members),
            spread="" if len(members) < 2 else f"{spread} points",
            uneven=len(members) > 1 and spread > BALANCED_SPREAD,
        ))
    return out


# --- 5. room-use heat map -------------------------------------------------------------

HEAT_ROOM_COL_MM = 30.0
HEAT_USED_COL_MM = 10.0
HEAT_MIN_CELL_MM = 5.2  # narrower and a start time no longer fits its column head
# How full a used room is (members / capacity), lightest to darkest shade.
FILL_LEVELS = ((0.5, "fill1", "up to half full"), (0.75, "fill2", "up to \u00be full"),
               (1.0, "fill3", "up to full"), (math.inf, "fill4", "over capacity"))


@dataclass(frozen=True)
class DaySpan:
    head: DayHead
    span: int


@dataclass(frozen=True)
class HeatCell:
    state: str  # off (no slot) | closed | free | fill1..fill4
    text: str  # members present, when used


@dataclass(frozen=True)
class HeatRow:
    room: str
    capacity: str
    cells: tuple[HeatCell, ...]
    used: str  # "12/28"


@dataclass(frozen=True)
class HeatTable:
    days: tuple[DaySpan, ...]
    times: tuple[str, ...]
    rows: tuple[HeatRow, ...]
    in_use: tuple[str, ...]  # rooms in use per column
    day_starts: tuple[bool, ...]  # per column: the first of its day (drawn with a heavier line)
    width_mm: float  # split tables share one cell width, so the shades line up


def heat_columns(roster: Roster, schedule: Schedule) -> list[tuple[DayHead, list[Band]]]:
    """Per day, the time bands it has a slot or a meeting in."""
    have = {(s.day, s.start, s.end) for s in roster.slots}
    have |= {(m.day, m.start, m.end) for m in schedule.meetings}
    bands = time_bands(roster, schedule)
    out = []
    for day in day_heads(roster, schedule):
        mine = [b for b in bands if (day.index, b.start, b.end) in have]
        if mine:
            out.append((day, mine))
    return out


def split_days(columns: list[tuple[DayHead, list]], most: int) -> list[list[tuple[DayHead, list]]]:
    """Whole days per table, as many as fit the page width."""
    tables: list[list] = [[]]
    for day in columns:
        used = sum(len(b) for _, b in tables[-1])
        if tables[-1] and used + len(day[1]) > most:
            tables.append([])
        tables[-1].append(day)
    return [t for t in tables if t]


def fill_state(members: int, capacity: int | None) -> str:
    if not capacity:
        return FILL_LEVELS[1][1]  # a room the roster lacks: used, fullness unknown
    share = members / capacity
    return next(state for limit, state, _ in FILL_LEVELS if share <= limit)


class _RoomWeek:
    """Who is in which room when: the lookups every heat-map row needs."""

    def __init__(self, roster: Roster, schedule: Schedule):
        self.roster = roster
        self.members: dict[tuple, int] = defaultdict(int)
        for m in schedule.meetings:
            self.members[(m.room, m.day, m.start, m.end)] += len(m.patients)
        self.slot_at = {(s.day, s.start, s.end): s for s in roster.slots}

    def cell(self, name: str, day: int, band: Band) -> HeatCell:
        where = (name, day, band.start, band.end)
        room = self.roster.room_by_name.get(name)
        slot = self.slot_at.get((day, band.start, band.end))
        if where in self.members:
            return HeatCell(fill_state(self.members[where], room and room.capacity),
                            str(self.members[where]))
        if slot is None:
            return HeatCell("off", "")
        if room and room.unavailable.blocks(slot):
            return HeatCell("closed", "")
        return HeatCell("free", "")

    def row(self, name: str, cols: list[tuple[DayHead, Band]]) -> HeatRow:
        room = self.roster.room_by_name.get(name)
        cells = tuple(self.cell(name, d.index, b) for d, b in cols)
        used = sum(c.text != "" for c in cells)
        open_ = sum(c.state not in ("off", "closed") for c in cells)
        return HeatRow(name, str(room.capacity) if room else "?", cells, f"{used}/{open_}")


def room_use(roster: Roster, schedule: Schedule, width_mm: float) -> list[HeatTable]:
    """Rooms x slots, days as column groups; more days than fit the width go to a next table."""
    cells_mm = width_mm - HEAT_ROOM_COL_MM - HEAT_USED_COL_MM
    groups = split_days(heat_columns(roster, schedule), max(1, int(cells_mm // HEAT_MIN_CELL_MM)))
    cell_mm = cells_mm / max([sum(len(b) for _, b in days) for days in groups] + [1])
    week = _RoomWeek(roster, schedule)
    names = sorted({r.name for r in roster.rooms} | {m.room for m in schedule.meetings},
                   key=natural_key)
    tables = []
    for days in groups:
        cols = [(d, b) for d, bands in days for b in bands]
        rows = tuple(week.row(name, cols) for name in names)
        tables.append(HeatTable(
            days=tuple(DaySpan(d, len(bands)) for d, bands in days),
            times=tuple(clock(b.start) for _, b in cols),
            rows=rows,
            in_use=tuple(str(sum(r.cells[i].text != "" for r in rows)) for i in range(len(cols))),
            day_starts=tuple(i == 0 for _, bands in days for i in range(len(bands))),
            width_mm=round(HEAT_ROOM_COL_MM + HEAT_USED_COL_MM + len(cols) * cell_mm, 1),
        ))
    return tables


def heat_legend(tables: list[HeatTable]) -> list[tuple[str, str]]:
    """The shades the room tables use, lightest first: a key to shades nobody sees only
    puzzles."""
    used = {c.state for t in tables for r in t.rows for c in r.cells}
    every = [("free", "free"), *((state, words) for _, state, words in FILL_LEVELS),
             ("closed", "room closed"), ("off", "no slot")]
    return [(state, words) for state, words in every if state in used]


# --- 6. hours per patient against the program minimum -----------------------------------

FAR_ABOVE = 1.5  # more than this times the program minimum is worth a second look


@dataclass(frozen=True)
class HoursRow:
    name: str
    id: str
    hours: str
    sessions: int
    bar_pct: float  # of the common scale
    flag: str  # "1 h below minimum", "2.0 x minimum (prescribed)" or ""
    level: str  # below | above | ""


@dataclass(frozen=True)
class ProgramHours:
    name: str
    minimum: str
    min_pct: float | None  # minimum marker on the common scale
    summary: str
    rows: tuple[HoursRow, ...]


@dataclass(frozen=True)
class HoursView:
    programs: tuple[ProgramHours, ...]
    ticks: tuple[Tick, ...]  # x in % of the bar column
    far_above: str
    tick_pct: float  # the ticks' spacing, for the rows' grid lines


def hours_view(roster: Roster, schedule: Schedule) -> HoursView:
    minutes: dict[str, int] = defaultdict(int)
    sessions: dict[str, int] = defaultdict(int)
    electives: dict[str, int] = defaultdict(int)  # minutes in groups nobody prescribed them
    prescribed = {p.id: {g.name for g in roster.assigned_groups(p)} for p in roster.patients}
    for m in schedule.meetings:
        for pid in m.patients:
            minutes[pid] += m.minutes
            sessions[pid] += 1
            if m.group not in prescribed.get(pid, ()):
                electives[pid] += m.minutes
    top, step = axis_top([minutes[p.id] / 60 for p in roster.patients]
                         + [p.min_hours for p in roster.programs])
    ticks = tuple(Tick(round(100 * i * step / top, 2), f"{i * step:g}")
                  for i in range(int(round(top / step)) + 1))
    programs = []
    for program in roster.programs:
        patients = [p for p in roster.patients if p.program == program.name]
        if patients:
            programs.append(program_hours(roster, program, patients, minutes, sessions,
                                          electives, top))
    return HoursView(tuple(programs), ticks, f"{FAR_ABOVE:g}", round(100 * step / top, 4))


def program_hours(roster, program, patients, minutes, sessions, electives,
                  top) -> ProgramHours:
    need = program.min_minutes
    rows = []
    for p in sorted(patients, key=lambda p: (natural_key(patient_name(roster, p.id)),
                                             natural_key(p.id))):
        got = minutes[p.id]
        flag, level = "", ""
        if got < need:
            flag, level = f"{hours_text(need - got)} below minimum", "below"
        elif need and got > FAR_ABOVE * need:
            # Whether the hours were prescribed (Required and Extra groups) or added.
            added = electives[p.id]
            why = f"{hours_text(added)} elective" if added else "prescribed"
            flag, level = f"{got / need:.1f}\u00d7 minimum ({why})", "above"
        rows.append(HoursRow(patient_name(roster, p.id), p.id, hours_text(got), sessions[p.id],
                             round(100 * got / 60 / top, 2), flag, level))
    got_all = [minutes[p.id] for p in patients]
    below = sum(r.level == "below" for r in rows)
    above = sum(r.level == "above" for r in rows)
    summary = [plural(len(patients), "patient"),
               f"{hours_text(min(got_all))} to {hours_text(max(got_all))}",
               "nobody below the minimum" if not below else f"{below} below the minimum"]
    if above:
        summary.append(f"{above} above {FAR_ABOVE:g}\u00d7 the minimum")
    return ProgramHours(
        name=program.name,
        minimum=hours_text(need) if need else "none",
        min_pct=round(100 * program.min_hours / top, 2) if need else None,
        summary=" \u00b7 ".join(summary),
        rows=tuple(rows),
    )
