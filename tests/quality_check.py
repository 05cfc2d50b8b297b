"""An independent recount of every soft rule's units from schedule.json.

Shares no code with scheduler/quality.py or the solver: role models, newcomers,
free slots and staff capacity are derived here again from the raw roster fields.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _mins(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def _norm(text) -> str:
    return " ".join(str(text or "").split()).lower()


def _covers(expr, slot) -> bool:
    return not expr.windows or any(
        slot.day in w.days and (w.start is None or (w.start <= slot.start and slot.end <= w.end))
        for w in expr.windows)


def _blocks(expr, slot) -> bool:
    return any(slot.day in w.days and (w.start is None or (slot.start < w.end and w.start < slot.end))
               for w in expr.windows)


def recount(roster, data: dict) -> dict[str, int]:
    ref = roster.settings.week_of or dt.date.today()
    patients = {p.id: p for p in roster.patients}
    groups = {g.name: g for g in roster.groups}
    programs = {p.name: p for p in roster.programs}

    def role_model(p):
        if p.role_model is not None:
            return p.role_model
        return p.admitted is not None and (ref - p.admitted).days >= roster.settings.role_model_days

    def newcomer(p):
        return p.admitted is not None and (ref - p.admitted).days < 7

    def eligible(p, g):
        return ((not g.programs or p.program in g.programs)
                and (not g.gender or _norm(g.gender) == _norm(p.gender))
                and (not g.track or _norm(g.track) == _norm(p.track)))

    sections = defaultdict(list)
    for m in data["meetings"]:
        sections[(m["group"], m["section"])].append(m)
    out = {}

    therapy_leaders = defaultdict(set)
    for (g, _), ms in sections.items():
        if groups[g].kind == "therapy":
            for pid in ms[0]["patients"]:
                therapy_leaders[pid].add(ms[0]["facilitator"])
    out["own_therapist"] = sum(1 for p in roster.patients if p.primary_therapist
                               and p.primary_therapist not in therapy_leaders[p.id])

    spread = 0
    for ms in sections.values():
        if len(ms) >= 2:
            days = {DAYS.index(m["day"]) for m in ms}
            spread += 30 * (len(ms) - len(days)) + sum(1 for d in days if d + 1 in days)
    out["spread"] = spread

    out["same_room"] = sum(len({m["room"] for m in ms}) - 1 for ms in sections.values()
                           if len(ms) >= 2)

    tracks = mix = 0
    for (g, _), ms in sections.items():
        if groups[g].kind != "peer":
            continue
        members = [patients[pid] for pid in ms[0]["patients"]]
        kinds = {_norm(p.track) for p in members if p.track}
        tracks += max(0, len(kinds) - 1)
        models = sum(role_model(p) for p in members)
        new = sum(newcomer(p) for p in members)
        mix += 2 * max(0, math.ceil(len(members) / 6) - models) + new * (new - 1) // 2
    out["shared_experience"] = tracks
    out["role_model_mix"] = mix

    led = defaultdict(int)
    for m in data["meetings"]:
        led[m["facilitator"]] += 1
    use = {}
    for s in roster.staff:
        per_day = defaultdict(int)
        for slot in roster.slots:
            if _covers(s.available, slot):
                per_day[slot.day] += 1
        cap = sum(min(n, s.max_per_day) if s.max_per_day is not None else n
                  for n in per_day.values())
        if s.max_per_week is not None:
            cap = min(cap, s.max_per_week)
        if cap:
            use[s.id] = 100 * led[s.id] // cap
    teams = defaultdict(list)
    for s in roster.staff:
        if s.id in use:
            for skill in s.skills:
                teams[_norm(skill)].append(use[s.id])
    out["fair_load"] = sum(max(u) - min(u) for u in teams.values() if len(u) >= 2)

    attended = defaultdict(set)
    for m in data["meetings"]:
        for pid in m["patients"]:
            attended[pid].add((DAYS.index(m["day"]), _mins(m["start"])))
    gaps = 0
    for p in roster.patients:
        prog = programs[p.program]
        free = [s for s in roster.slots
                if _covers(prog.attends, s) and not _blocks(p.unavailable, s)]
        by_day = defaultdict(list)
        for s in sorted(free, key=lambda s: (s.day, s.start)):
            by_day[s.day].append((s.day, s.start) in attended[p.id])
        for pattern in by_day.values():
            blocks = sum(1 for i, on in enumerate(pattern) if on and (i == 0 or not pattern[i - 1]))
            gaps += max(0, blocks - 1)
    out["compact_days"] = gaps

    amount = 0
    for (g, _), ms in sections.items():
        group = groups[g]
        for pid in ms[0]["patients"]:
            p = patients[pid]
            if not ((group.required and eligible(p, group)) or g in p.extra_groups):
                amount += 1 if group.track else 2
    out["right_amount"] = amount
    out["few_sections"] = len(sections)
    return out
