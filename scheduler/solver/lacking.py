"""What an incomplete stepwise week lacks, and what stands in the way, in the administrator's words.

Large rosters have no exact model to prove a conflict (explain.py), so when the stepwise
solver stops short this is the explanation: per group, the patients it could not place and
why no section could take them (its sections full, its qualified facilitators at their
limits or busy when those patients are free), naming the spreadsheet rows to look at.
Patients are named by ID and row only, as everywhere outside staff printouts.
"""

from __future__ import annotations

from collections import defaultdict

from .split import seats

SHOWN = 5  # patients or staff named per sentence; the rest are counted


def lacking(steps) -> list[str]:
    """Sentences for what the week still lacks (see the module docstring)."""
    plan, roster = steps.plan, steps.plan.roster
    out = [_pin(pin) for pin in steps.unheld()]
    by_part: dict[int, list[str]] = defaultdict(list)
    short = []
    for pid, part in steps.missing():
        if part is None:
            short.append(pid)
        else:
            by_part[part].append(pid)
    fixed = steps.fixed()
    for part, pids in sorted(by_part.items(), key=lambda kv: plan.groups[kv[0]].group.name):
        gp = plan.groups[part]
        g = gp.group
        where = f" (Groups row {g.row})" if g.row else ""
        text = f"{g.name}{where}: {len(pids)} patient(s) not placed: {_patients(roster, pids)}."
        reasons = _why(steps, part, pids, fixed)
        out.append(text + (" " + " ".join(reasons) if reasons else ""))
    if short:
        minutes = steps._minutes()
        programs = roster.program_by_name
        parts = []
        for pid in sorted(short)[:SHOWN]:
            p = roster.patient_by_id[pid]
            program = programs[p.program]
            gap = (program.min_minutes - minutes[pid]) / 60
            parts.append(f"{_patient(roster, pid)} by {gap:g} h")
        more = f" and {len(short) - SHOWN} more" if len(short) > SHOWN else ""
        out.append(f"{len(short)} patient(s) short of their program's Min hours (Programs "
                   f"sheet): {', '.join(parts)}{more}.")
    return out


def _pin(pin) -> str:
    rows = ", ".join(str(r) for r in pin.rows)
    where = f" (row {rows})" if len(pin.rows) == 1 else f" (rows {rows})" if pin.rows else ""
    return (f"{pin.group} section {pin.letter} as pinned on the Fixed sheet{where}: no week "
            "found holds it together with every other rule.")


def _why(steps, part: int, pids: list[str], fixed) -> list[str]:
    """Why no section of this part took these patients."""
    plan, roster = steps.plan, steps.plan.roster
    gp = plan.groups[part]
    g = gp.group
    sections = steps.week.get(part, [])
    out = []
    if sections:
        full = sum(len(d.members) >= seats(roster, d) for d in sections)
        if full == len(sections):
            out.append(f"All {len(sections)} of its sections are full (Max size {g.max_size}).")
        elif full:
            out.append(f"{full} of its {len(sections)} sections are full (Max size {g.max_size}); "
                       "the others meet when these patients are busy.")
    # When the patients not placed are still free, within the group's times.
    free = set(gp.slots) & set().union(*(
        {t for t in plan.patient_slots[pid] if (pid, t) not in fixed.patient_busy} for pid in pids))
    limits, busy = [], []
    for s in gp.staff:
        used = fixed.staff_week[s.id]
        label = f"{s.id} (Staff row {s.row})" if s.row else s.id
        if s.max_per_week is not None and used + g.sessions > s.max_per_week:
            limits.append(f"{label} leads {used} of Max per week {s.max_per_week}")
            continue
        open_slots = [t for t in free & set(plan.staff_slots[s.id])
                      if (s.id, t) not in fixed.staff_busy]
        if len(open_slots) < g.sessions:
            busy.append(label)
    if limits or busy:
        parts = []
        if limits:
            parts.append(_listed(limits))
        if busy:
            verb = "is" if len(busy) == 1 else "are"
            parts.append(f"{_listed(busy)} {verb} not free when these patients are"
                         if g.sessions == 1 else
                         f"{_listed(busy)} {verb} free fewer than {g.sessions} times when "
                         "these patients are")
        out.append(f"Facilitators with the skill '{g.skill}': " + "; ".join(parts) + ".")
    return out


def _listed(items: list[str]) -> str:
    more = f" and {len(items) - SHOWN} more" if len(items) > SHOWN else ""
    return ", ".join(items[:SHOWN]) + more


def _patient(roster, pid: str) -> str:
    row = roster.patient_by_id[pid].row
    return f"{pid} (Patients row {row})" if row else pid


def _patients(roster, pids: list[str]) -> str:
    return _listed([_patient(roster, pid) for pid in sorted(pids)])
