"""The hard rules, one method per rule family (numbers refer to docs/rules.md)."""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python.cp_model import CpModel, LinearExpr

from .plan import Plan
from .variables import Presence, SectionVars, Variables


# Best effort: what a missing piece costs, in objective hundredths (soft rules cost
# a few points per unit, so losing anything always outweighs every preference).
LOST_WEIGHTS = {
    "missed_group": 100_000,  # a patient not placed in a group they must attend
    "short_member": 10_000,  # a section one member below Min size (a small group beats none)
    "no_role_model": 30_000,  # a peer section without a role model
    "short_minutes": 500,  # a minute below the program's Min hours
}


class Constraints:
    """relax: best effort; the relaxable rules become penalties in `lost` (never safety)."""

    def __init__(self, model: CpModel, plan: Plan, variables: Variables, relax: bool = False):
        self.model = model
        self.plan = plan
        self.vars = variables
        self.relax = relax
        self.lost: dict[str, list[tuple]] = defaultdict(list)  # kind -> [(var, coef)]
        self.slot_minutes = {s.index: s.minutes for s in plan.slots}
        self.slot_day = {s.index: s.day for s in plan.slots}

    def add_all(self) -> None:
        self.sections_meet_weekly()
        self.sections_used_in_order()
        self.patients_join_their_groups()
        self.section_sizes()
        self.members_at_every_meeting()
        self.patients_one_place_at_a_time()
        self.patients_daily_cap()
        self.patients_min_hours()
        self.one_facilitator_per_section()
        self.facilitators_at_every_meeting()
        self.facilitators_one_place_at_a_time()
        self.facilitators_caps()
        self.one_room_per_meeting()
        self.rooms_one_meeting_at_a_time()
        self.rooms_fit_members()
        self.keep_apart()
        self.peer_role_models()
        self.pinned_sessions()

    # --- rule 1: sections ----------------------------------------------------------

    def sections_meet_weekly(self) -> None:
        """Rule 1: an open section meets exactly Sessions-per-week times, at distinct slots.

        Also implied once a section has a member (who attends every meeting); stated
        for clarity and because it tightens the LP relaxation.
        """
        for sv in self.vars.sections:
            self.model.add(sum(sv.meets.values()) == sv.group.sessions * sv.active)

    def sections_used_in_order(self) -> None:
        """Symmetry: within a group part, section k+1 opens only if section k is open."""
        for part, sections in enumerate(self.vars.by_part):
            if part in self.plan.anchored_parts:
                continue  # named sections may close while later ones stay open
            for a, b in zip(sections, sections[1:]):
                self.model.add_implication(b.active, a.active)

    # --- rule 2: membership --------------------------------------------------------

    def patients_join_their_groups(self) -> None:
        """Rule 2: one section of each assigned group; electives at most one; nothing else."""
        if self.plan.unplaceable and not self.relax:
            # Someone must attend a group they can never be placed in (see plan notes).
            self.model.add_bool_or([])
        for gp, sections in zip(self.plan.groups, self.vars.by_part):
            for patient in gp.pool:
                choices = [sv.member[patient.id] for sv in sections if patient.id in sv.member]
                if patient.id in gp.must and self.relax:
                    missed = self.model.new_bool_var("")
                    self.model.add_exactly_one(choices + [missed])
                    self.lost["missed_group"].append((missed, 1))
                elif patient.id in gp.must:
                    self.model.add_exactly_one(choices)
                else:
                    self.model.add_at_most_one(choices)
            for sv in sections:
                for member in sv.member.values():
                    self.model.add_implication(member, sv.active)

    def section_sizes(self) -> None:
        """Rule 2: an open section has Min size..Max size members."""
        for sv in self.vars.sections:
            g = sv.group
            self.model.add(sv.size <= g.max_size * sv.active)
            if self.relax and g.min_size > 1:
                short = self.model.new_int_var(0, g.min_size - 1, "")
                self.model.add(sv.size + short >= g.min_size * sv.active)
                self.model.add(sv.size >= sv.active)  # never a section of nobody
                self.lost["short_member"].append((short, 1))
            else:
                self.model.add(sv.size >= g.min_size * sv.active)

    # --- rules 3, 4 and 5: patients and facilitators at meetings ---------------------

    def members_at_every_meeting(self) -> None:
        """Rules 1, 4: a member attends every meeting, so meetings fall in the member's free slots."""
        for pid, presences in _per_section(self.vars.attend).items():
            sv = presences[0].section
            self._present_at_every_meeting(sv, sv.member[pid[0]], presences)

    def patients_one_place_at_a_time(self) -> None:
        """Rule 3: a patient attends at most one meeting per slot."""
        for presences in self.vars.attend.values():
            self._one_place_at_a_time(presences)

    def patients_daily_cap(self) -> None:
        """Rule 4: at most the program's Max per day meetings a day."""
        programs = self.plan.roster.program_by_name
        for patient in self.plan.patients:
            self._daily_cap(self.vars.attend[patient.id], programs[patient.program].max_per_day)

    def patients_min_hours(self) -> None:
        """Rule 4: at least the program's Min hours of group time in the week."""
        programs = self.plan.roster.program_by_name
        for patient in self.plan.patients:
            need = programs[patient.program].min_minutes
            if need <= 0:
                continue
            presences = self.vars.attend[patient.id]
            minutes = sum(a.var * self.slot_minutes[a.slot] for a in presences)
            if self.relax:
                short = self.model.new_int_var(0, need, "")
                self.model.add(minutes + short >= need)
                self.lost["short_minutes"].append((short, 1))
            else:
                self.model.add(minutes >= need)

    def one_facilitator_per_section(self) -> None:
        """Rules 1, 5: an open section has exactly one qualified facilitator."""
        for sv in self.vars.sections:
            self.model.add(sum(sv.leads.values()) == sv.active)

    def facilitators_at_every_meeting(self) -> None:
        """Rule 5: the facilitator leads every meeting, so meetings fall in their Available slots."""
        for sid, presences in _per_section(self.vars.teach).items():
            sv = presences[0].section
            self._present_at_every_meeting(sv, sv.leads[sid[0]], presences)

    def facilitators_one_place_at_a_time(self) -> None:
        """Rule 3: a facilitator leads at most one meeting per slot."""
        for presences in self.vars.teach.values():
            self._one_place_at_a_time(presences)

    def facilitators_caps(self) -> None:
        """Rule 5: within the staff member's Max per day and Max per week."""
        for staff in self.plan.roster.staff:
            presences = self.vars.teach.get(staff.id, [])
            self._daily_cap(presences, staff.max_per_day)
            if staff.max_per_week is not None and presences:
                led = [
                    sv.group.sessions * sv.leads[staff.id]
                    for sv in self.vars.sections
                    if staff.id in sv.leads
                ]
                self.model.add(sum(led) <= staff.max_per_week)

    def _present_at_every_meeting(self, sv: SectionVars, role, presences: list[Presence]) -> None:
        """role (member/leads) => present at each of the section's meetings, and only then."""
        for a in presences:
            meets = sv.meets[a.slot]
            self.model.add_implication(a.var, meets)
            # Redundant, but lets propagation fix presence as soon as both are known.
            self.model.add_bool_or([~role, ~meets, a.var])
        self.model.add(LinearExpr.sum([a.var for a in presences]) == sv.group.sessions * role)
        # Redundant: the section never meets when this person cannot be there.
        free = {a.slot for a in presences}
        blocked = [v for t, v in sv.meets.items() if t not in free]
        if blocked:
            self.model.add(LinearExpr.sum(blocked) == 0).only_enforce_if(role)

    def _one_place_at_a_time(self, presences: list[Presence]) -> None:
        for per_slot in _by(presences, lambda a: a.slot).values():
            if len(per_slot) > 1:
                self.model.add_at_most_one(a.var for a in per_slot)

    def _daily_cap(self, presences: list[Presence], cap: int | None) -> None:
        if cap is None:
            return
        for per_day in _by(presences, lambda a: self.slot_day[a.slot]).values():
            if len({a.slot for a in per_day}) > cap:
                self.model.add(LinearExpr.sum([a.var for a in per_day]) <= cap)

    # --- rule 6: rooms ---------------------------------------------------------------

    def one_room_per_meeting(self) -> None:
        """Rule 6: every meeting is in exactly one suitable, available room."""
        for sv in self.vars.sections:
            per_slot = _by(sv.room_at.items(), lambda item: item[0][1])
            for t, meets in sv.meets.items():
                rooms = [var for _, var in per_slot.get(t, [])]
                self.model.add(sum(rooms) == meets)

    def rooms_one_meeting_at_a_time(self) -> None:
        """Rule 3: a room holds at most one meeting per slot."""
        per_room_slot: dict[tuple[str, int], list] = defaultdict(list)
        for sv in self.vars.sections:
            for room_slot, var in sv.room_at.items():
                per_room_slot[room_slot].append(var)
        for vars_ in per_room_slot.values():
            if len(vars_) > 1:
                self.model.add_at_most_one(vars_)

    def rooms_fit_members(self) -> None:
        """Rule 6: a room used by a section seats all members and has every member's Needs."""
        for sv in self.vars.sections:
            g = sv.group
            needs = {
                p.id: p.needs - g.room_needs for p in sv.plan.pool if p.id in sv.member and p.needs
            }
            uses_by_room = _by(sv.room_at.items(), lambda item: item[0][0])
            for room in sv.plan.rooms:
                uses = [var for _, var in uses_by_room.get(room.name, [])]
                too_small = room.capacity < min(g.max_size, len(sv.member))
                lacking = [pid for pid, need in needs.items() if not need <= room.features]
                if not uses or not (too_small or lacking):
                    continue
                used = self.model.new_bool_var("")
                for var in uses:
                    self.model.add_implication(var, used)
                if too_small:
                    self.model.add(sv.size <= room.capacity).only_enforce_if(used)
                for pid in lacking:
                    self.model.add_implication(sv.member[pid], ~used)

    # --- rules 7 and 8 -------------------------------------------------------------------

    def keep_apart(self) -> None:
        """Rule 7: a keep-apart pair never shares a section."""
        for a, b in self.plan.roster.keep_apart_pairs():
            for sv in self.vars.sections:
                if a in sv.member and b in sv.member:
                    self.model.add_at_most_one([sv.member[a], sv.member[b]])

    def peer_role_models(self) -> None:
        """Rule 8: every open peer section has at least one role model."""
        for sv in self.vars.sections:
            if sv.group.is_peer:
                models = [v for pid, v in sv.member.items() if pid in self.plan.role_models]
                if self.relax:
                    missing = self.model.new_bool_var("")
                    self.model.add(sum(models) + missing >= sv.active)
                    self.lost["no_role_model"].append((missing, 1))
                else:
                    self.model.add(sum(models) >= sv.active)


    def pinned_sessions(self) -> None:
        """Fixed sheet: a pinned section runs, at its pinned times, rooms and facilitator."""
        anchor_of = {(a.group, a.letter): a for a in self.plan.anchors}
        slot_at = {(s.day, s.start): s.index for s in self.plan.slots}
        for pin in getattr(self.plan.roster, "pins", ()):
            anchor = anchor_of.get((pin.group, pin.section))
            if anchor is None:
                self.model.add_bool_or([])  # no section of this group can run at all
                continue
            sv = self.vars.by_part[anchor.part][anchor.k]
            self.model.add(sv.active == 1)
            if pin.facilitator is not None:
                self._require(sv.leads.get(pin.facilitator))
            if pin.day is None:
                if pin.room is not None:
                    for (room, _), var in sv.room_at.items():
                        if room != pin.room:
                            self.model.add(var == 0)
                continue
            if pin.start is not None:
                slots = [slot_at.get((pin.day, pin.start))]
            else:
                slots = [t for t in sv.meets if self.slot_day[t] == pin.day]
            if pin.room is None:
                self._require_any([sv.meets.get(t) for t in slots])
            else:
                self._require_any([sv.room_at.get((pin.room, t)) for t in slots])

    def _require(self, var) -> None:
        self._require_any([var])

    def _require_any(self, variables) -> None:
        """At least one of these is true; a missing variable is an option the plan ruled out."""
        self.model.add_bool_or([v for v in variables if v is not None])


def _per_section(presences: dict[str, list[Presence]]) -> dict[tuple[str, int], list[Presence]]:
    """Presences of each person grouped by section: {(person, section index): [...]}."""
    out: dict = defaultdict(list)
    for who, items in presences.items():
        for a in items:
            out[(who, a.section.index)].append(a)
    return out


def _by(items, key_fn) -> dict:
    out: dict = defaultdict(list)
    for item in items:
        out[key_fn(item)].append(item)
    return out
