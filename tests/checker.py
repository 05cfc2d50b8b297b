"""An independent checker of the 8 hard rules and the Fixed sheet, reading schedule.json.

Deliberately shares no logic with the solver or the domain helpers: it
re-derives eligibility, role models and time coverage from the raw roster
fields, so a bug in the model cannot hide itself here.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _minutes(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def _norm(text) -> str:
    return " ".join(str(text or "").split()).lower()


def _inside(expr, day: int, start: int, end: int) -> bool:
    """Attends/Available: blank = always; else inside one window entirely."""
    if not expr.windows:
        return True
    for w in expr.windows:
        if day in w.days and (w.start is None or (w.start <= start and end <= w.end)):
            return True
    return False


def _touches(expr, day: int, start: int, end: int) -> bool:
    """Unavailable: blocked when any window overlaps at all."""
    for w in expr.windows:
        if day in w.days and (w.start is None or (start < w.end and w.start < end)):
            return True
    return False


def _eligible(patient, group) -> bool:
    if group.programs and patient.program not in group.programs:
        return False
    if group.gender and _norm(group.gender) != _norm(patient.gender):
        return False
    if group.track and _norm(group.track) != _norm(patient.track):
        return False
    return True


def _role_model(roster, patient) -> bool:
    if patient.role_model is not None:
        return patient.role_model
    if patient.admitted is None:
        return False
    ref = roster.settings.week_of or dt.date.today()
    return (ref - patient.admitted).days >= roster.settings.role_model_days


def check(roster, data: dict) -> list[str]:
    """Every broken hard rule, as readable lines ('rule N: ...'); empty when valid."""
    out: list[str] = []
    groups = {g.name: g for g in roster.groups}
    staff = {s.id: s for s in roster.staff}
    rooms = {r.name: r for r in roster.rooms}
    patients = {p.id: p for p in roster.patients}
    programs = {p.name: p for p in roster.programs}
    slot_times = {(s.day, s.start, s.end) for s in roster.slots}

    meetings = []
    for m in data["meetings"]:
        day, start, end = DAYS.index(m["day"]), _minutes(m["start"]), _minutes(m["end"])
        label = f"{m['group']} {m['section']} {m['day']} {m['start']}"
        meetings.append((m, day, start, end, label))
        if (day, start, end) not in slot_times:
            out.append(f"slots: {label} is not at one of the roster's slots")
        for pid in m["patients"]:
            if pid not in patients:
                out.append(f"rule 2: {label} lists unknown patient {pid}")
        if m["group"] not in groups:
            out.append(f"rule 2: {label} is for unknown group {m['group']}")
        if m["facilitator"] not in staff:
            out.append(f"rule 5: {label} is led by unknown staff {m['facilitator']}")
        if m["room"] not in rooms:
            out.append(f"rule 6: {label} is in unknown room {m['room']}")
    if out:
        return out

    # Rule 1: sections meet Sessions-per-week times, distinct slots, same people.
    sections = defaultdict(list)
    for item in meetings:
        sections[(item[0]["group"], item[0]["section"])].append(item)
    for (gname, sname), items in sections.items():
        g = groups[gname]
        if len(items) != g.sessions:
            out.append(f"rule 1: {gname} {sname} meets {len(items)} times, not {g.sessions}")
        if len({(d, s) for _, d, s, _, _ in items}) != len(items):
            out.append(f"rule 1: {gname} {sname} meets twice in one slot")
        if len({tuple(sorted(m["patients"])) for m, *_ in items}) != 1:
            out.append(f"rule 1: {gname} {sname} does not have the same members every time")
        if len({m["facilitator"] for m, *_ in items}) != 1:
            out.append(f"rule 1: {gname} {sname} does not have the same facilitator every time")

    # Rule 2: each patient in exactly one section of each of their groups, eligible only; sizes.
    sections_of = defaultdict(lambda: defaultdict(set))  # patient -> group -> sections
    for (gname, sname), items in sections.items():
        members = set(items[0][0]["patients"])
        g = groups[gname]
        if not g.min_size <= len(members) <= g.max_size:
            out.append(f"rule 2: {gname} {sname} has {len(members)} members, "
                       f"outside {g.min_size}..{g.max_size}")
        for pid in members:
            sections_of[pid][gname].add(sname)
    for pid, p in patients.items():
        needed = {g.name for g in roster.groups if g.required and _eligible(p, g)}
        needed |= set(p.extra_groups)
        for gname in needed:
            if len(sections_of[pid][gname]) != 1:
                out.append(f"rule 2: patient {pid} is in {len(sections_of[pid][gname])} "
                           f"sections of {gname}, not 1")
        for gname, secs in sections_of[pid].items():
            if not _eligible(p, groups[gname]):
                out.append(f"rule 2: patient {pid} is in {gname} but not eligible")
            if len(secs) > 1:
                out.append(f"rule 2: patient {pid} is in {len(secs)} sections of {gname}")

    # Rule 3: nobody in two places at once.
    for who, key in (("patient", "patients"), ("facilitator", "facilitator"), ("room", "room")):
        seen = Counter()
        for m, day, start, end, _ in meetings:
            for x in (m[key] if key == "patients" else [m[key]]):
                seen[(x, day, start)] += 1
        for (x, day, start), n in seen.items():
            if n > 1:
                out.append(f"rule 3: {who} {x} has {n} meetings at {DAYS[day]} {start // 60}:{start % 60:02d}")

    # Rule 4: patients' times, daily cap, weekly hours.
    per_day = Counter()
    minutes = Counter()
    for m, day, start, end, label in meetings:
        for pid in m["patients"]:
            p = patients[pid]
            prog = programs[p.program]
            if not _inside(prog.attends, day, start, end):
                out.append(f"rule 4: {label} is outside {p.program} Attends for {pid}")
            if _touches(p.unavailable, day, start, end):
                out.append(f"rule 4: {label} is in an Unavailable time of {pid}")
            per_day[(pid, day)] += 1
            minutes[pid] += end - start
    for (pid, day), n in per_day.items():
        cap = programs[patients[pid].program].max_per_day
        if cap is not None and n > cap:
            out.append(f"rule 4: patient {pid} has {n} meetings on {DAYS[day]}, max {cap}")
    for pid, p in patients.items():
        need = programs[p.program].min_minutes
        if minutes[pid] < need:
            out.append(f"rule 4: patient {pid} has {minutes[pid] / 60:g} h, needs {need / 60:g} h")

    # Rule 5: facilitators qualified, available, within caps.
    staff_day = Counter()
    staff_week = Counter()
    for m, day, start, end, label in meetings:
        s, g = staff[m["facilitator"]], groups[m["group"]]
        if _norm(g.skill) not in {_norm(k) for k in s.skills}:
            out.append(f"rule 5: {label} is led by {s.id} who lacks skill {g.skill}")
        if not _inside(s.available, day, start, end):
            out.append(f"rule 5: {label} is outside {s.id}'s Available times")
        staff_day[(s.id, day)] += 1
        staff_week[s.id] += 1
    for (sid, day), n in staff_day.items():
        cap = staff[sid].max_per_day
        if cap is not None and n > cap:
            out.append(f"rule 5: {sid} leads {n} meetings on {DAYS[day]}, max {cap}")
    for sid, n in staff_week.items():
        cap = staff[sid].max_per_week
        if cap is not None and n > cap:
            out.append(f"rule 5: {sid} leads {n} meetings in the week, max {cap}")

    # Rule 6: rooms fit, have the features, are open.
    for m, day, start, end, label in meetings:
        r, g = rooms[m["room"]], groups[m["group"]]
        features = {_norm(f) for f in r.features}
        if len(m["patients"]) > r.capacity:
            out.append(f"rule 6: {label} has {len(m['patients'])} patients in {r.name} "
                       f"(capacity {r.capacity})")
        for need in g.room_needs:
            if _norm(need) not in features:
                out.append(f"rule 6: {label} needs {need} but {r.name} lacks it")
        for pid in m["patients"]:
            for need in patients[pid].needs:
                if _norm(need) not in features:
                    out.append(f"rule 6: {pid} needs {need} but {label} is in {r.name}")
        if _touches(r.unavailable, day, start, end):
            out.append(f"rule 6: {label} is in {r.name} while it is Unavailable")

    # Rule 7: keep-apart pairs never share a section.
    for (gname, sname), items in sections.items():
        members = set(items[0][0]["patients"])
        for pid in members:
            for other in patients[pid].keep_apart:
                if other in members:
                    out.append(f"rule 7: {pid} and {other} share {gname} {sname}")

    # Rule 8: a role model in every peer section.
    for (gname, sname), items in sections.items():
        if groups[gname].kind == "peer":
            members = items[0][0]["patients"]
            if not any(_role_model(roster, patients[pid]) for pid in members):
                out.append(f"rule 8: peer section {gname} {sname} has no role model")
    out += _pins(roster, meetings)
    return out


def _pins(roster, meetings) -> list[str]:
    """Fixed sheet: a row with a Day is its own meeting of the section (at Start, in Room
    when given); a row without one puts every meeting in Room; Facilitator leads them all."""
    out: list[str] = []
    rows: dict[tuple[str, str], list] = defaultdict(list)
    for pin in getattr(roster, "pins", ()):
        rows[(pin.group, pin.section)].append(pin)
    for (group, section), pins in rows.items():
        own = [(m, day, start) for m, day, start, _end, _label in meetings
               if m["group"] == group and m["section"] == section]
        if not own:
            out.append(f"fixed: {group} {section} does not run")
            continue
        used: set[int] = set()
        for pin in pins:
            if pin.facilitator and any(m["facilitator"] != pin.facilitator for m, _d, _s in own):
                out.append(f"fixed: {group} {section} is not led by {pin.facilitator} throughout")
            if pin.day is None:
                if pin.room and any(m["room"] != pin.room for m, _d, _s in own):
                    out.append(f"fixed: {group} {section} is not always in {pin.room}")
                continue
            match = next((i for i, (m, day, start) in enumerate(own) if i not in used
                          and day == pin.day and pin.start in (None, start)
                          and pin.room in (None, m["room"])), None)
            if match is None:
                out.append(f"fixed: {group} {section} has no meeting as pinned on row {pin.row}")
            else:
                used.add(match)
    return out
