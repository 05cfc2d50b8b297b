"""Role models and newcomers spread by exchange: one of the exchange passes over a
complete stepwise week.

Each peer group is decided as one step among many, and on large rosters that step stops at
its work limit with newcomers still clustered (five in one section, two in the next) or a
section of twelve with one role model. Here two members of sections of the same peer group
change places (or one moves to a section with room) whenever every hard rule still holds
and the week's penalty falls, counted as the report counts it for the rules such a move can
change: role-model mix and shared experience of the two sections, compact days of the two
patients. At equal penalty a change that lowers role-model mix units (fewer newcomers
together, or a role model where one was short) is made too: the report counts the sections
that meet role-model mix. Times, rooms and facilitators stay as they are.

Members of therapy groups' sections change places the same way for compact days alone (the
peer rules do not apply there): a patient waiting an hour between groups moves to the
section of the same group that meets next to their others. Nobody leaves the only section
where they see their own therapist.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace

from ..domain import key
from ..quality import idle_gaps, measure, role_model_units
from ..rules import weight_of
from .rebalance import only_if_better
from .split import SectionDraft, seats
from .swaps import _Check


# Gains are sums of two-decimal weights: anything smaller is rounding.
TIE = 1e-6


def mix_swaps(steps, out_of_time) -> int:
    """Moves and exchanges made; steps.week is updated in place."""
    if steps.last:  # with last week, staying with the same peers ranks higher
        return 0

    def judge():
        quality = measure(steps.plan.roster, steps.schedule(), explain=False)
        return quality.objective, quality.rule("role_model_mix").units
    return only_if_better(steps, lambda: _Mixer(steps).run(out_of_time), judge)


class _Mixer:
    """Each section's makeup and each patient's slots, kept up to date as members move."""

    def __init__(self, steps):
        self.steps = steps
        plan = steps.plan
        roster = plan.roster
        self.plan = plan
        self.check = _Check(steps, roster.kept_apart_from())
        self.models = set(plan.role_models)
        self.new = {p.id for p in plan.patients if roster.is_newcomer(p)}
        self.track = {p.id: key(p.track) if p.track else "" for p in plan.patients}
        self.w_mix = weight_of(roster.weights, "role_model_mix")
        self.w_shared = weight_of(roster.weights, "shared_experience")
        self.w_compact = weight_of(roster.weights, "compact_days")
        self.therapist = {p.id: p.primary_therapist for p in plan.patients}
        self.peer = True  # whether the part being mixed is a peer group
        self.free_by_day = plan.patient_days
        self.free = {pid: set(ts) for pid, ts in plan.patient_slots.items()}
        self.cap, self.need = self.check.caps, self.check.need  # day caps, Min minutes
        self.attends = defaultdict(set)  # patient -> slots
        for ds in steps.week.values():
            for d in ds:
                for pid in d.members:
                    self.attends[pid].update(d.slots)

    # --- the penalty of what a move changes ----------------------------------------------

    def _cost(self, size: int, models: int, new: int, tracks: int) -> float:
        """Role-model mix and shared experience of one peer section, weighted (nothing for
        a therapy section: those rules are about peers)."""
        if not self.peer:
            return 0.0
        return (self.w_mix * role_model_units(size, models, new)
                + self.w_shared * max(0, tracks - 1))

    def _stats(self, d: SectionDraft):
        tracks = Counter(self.track[m] for m in d.members if self.track[m])
        models = sum(1 for m in d.members if m in self.models)
        new = sum(1 for m in d.members if m in self.new)
        return len(d.members), models, new, tracks

    def _after(self, stats, out: str, into: str | None) -> float:
        """The cost of a section with these stats once out leaves and into joins."""
        return self._cost(*self._after_stats(stats, out, into))

    def _after_stats(self, stats, out: str, into: str | None) -> tuple[int, int, int, int]:
        """Size, role models, newcomers and tracks once out leaves and into joins."""
        size, models, new, tracks = stats
        distinct = len(tracks)
        t_out = self.track[out]
        if t_out and tracks[t_out] == 1:
            distinct -= 1
        if into is not None:
            size, models, new = (size, models + (into in self.models) - (out in self.models),
                                 new + (into in self.new) - (out in self.new))
            t_in = self.track[into]
            if t_in and (tracks[t_in] == 0 or (t_in == t_out and tracks[t_in] == 1)):
                distinct += 1
        else:
            size, models, new = (size - 1, models - (out in self.models),
                                 new - (out in self.new))
        return size, models, new, distinct

    def _spreads(self, x, y, x_after, y_after) -> bool:
        """Whether role-model mix units fall (at equal penalty that is the better week: the
        report counts the sections that meet the rule)."""
        return self.peer and self.w_mix > 0 and (
            role_model_units(*x_after[:3]) + role_model_units(*y_after[:3])
            < role_model_units(*x[:3]) + role_model_units(*y[:3]))

    def _joined(self, stats, pid: str) -> float:
        return self._cost(*self._joined_stats(stats, pid))

    def _joined_stats(self, stats, pid: str) -> tuple[int, int, int, int]:
        size, models, new, tracks = stats
        t = self.track[pid]
        distinct = len(tracks) + (1 if t and tracks[t] == 0 else 0)
        return size + 1, models + (pid in self.models), new + (pid in self.new), distinct

    def _gaps(self, pid: str, attends: set[int], days) -> int:
        """Idle gaps on these days (as quality.compact_days counts them)."""
        return sum(idle_gaps([t in attends for t in self.free_by_day[pid].get(day, ())])
                   for day in days)

    def _moved(self, pid: str, x: SectionDraft, y: SectionDraft) -> set[int]:
        return (self.attends[pid] - set(x.slots)) | set(y.slots)

    def _fits(self, pid: str, x: SectionDraft, y: SectionDraft) -> bool:
        """Whether pid's own week allows leaving x for y (times, day caps, Min hours): a
        quick test that spares most calls to the full check."""
        slots = set(y.slots)
        if not slots <= self.free[pid]:
            return False
        rest = self.attends[pid] - set(x.slots)
        if rest & slots:
            return False
        after = rest | slots
        cap = self.cap[pid]
        if cap is not None:
            per_day = Counter(self.steps.day_of[t] for t in after)
            if any(n > cap for n in per_day.values()):
                return False
        return sum(self.steps.minutes_of[t] for t in after) >= self.need[pid]

    def _compact_gain(self, pid: str, x: SectionDraft, y: SectionDraft) -> float:
        days = {self.steps.day_of[t] for t in x.slots + y.slots}
        return self.w_compact * (self._gaps(pid, self.attends[pid], days)
                                 - self._gaps(pid, self._moved(pid, x, y), days))

    # --- moves ---------------------------------------------------------------------------

    def run(self, out_of_time) -> int:
        made = 0
        for part in sorted(self.steps.week):
            if len(self.steps.week[part]) < 2:
                continue
            g = self.plan.groups[part].group
            self.peer = g.is_peer
            if not self.peer and not self.w_compact:
                continue  # in therapy groups only compact days can gain
            # Each change lowers the penalty, or at equal penalty the newcomer pairs: this ends.
            self.compact: dict[tuple[str, int], float | None] = {}
            while not out_of_time():
                changes = self._one_round(part, out_of_time)
                if not changes:
                    break
                made += changes
        return made

    def _one_round(self, part: int, out_of_time) -> int:
        """Moves and exchanges in this part, best gain first, each between two sections no
        earlier one in the round touched (so its gain is still what was counted)."""
        sections = self.steps.week[part]
        stats = [self._stats(d) for d in sections]
        costs = [self._cost(n, m, k, len(t)) for n, m, k, t in stats]
        # What a member gains in compact days by going to each other section (None: they
        # cannot); kept until they move, since only movers' weeks change.
        compact = self.compact
        for i, x in enumerate(sections):
            for a in x.members:
                for j, y in enumerate(sections):
                    if i != j and (a, j) not in compact:
                        compact[a, j] = (self._compact_gain(a, x, y) if self._fits(a, x, y)
                                         else None)
        g = self.plan.groups[part].group
        room_for = [seats(self.plan.roster, d) for d in sections]
        options = []
        for i, x in enumerate(sections):
            for j, y in enumerate(sections):
                if i == j:
                    continue
                for a in x.members:
                    if compact[a, j] is None or not self._may_leave(a, x):
                        continue
                    base = costs[i] + costs[j] + compact[a, j]
                    if len(x.members) > g.min_size and len(y.members) < room_for[j]:
                        moved = base - self._after(stats[i], a, None) - self._joined(stats[j], a)
                        if moved > TIE or (moved > -TIE and self._spreads(
                                stats[i], stats[j], self._after_stats(stats[i], a, None),
                                self._joined_stats(stats[j], a))):
                            options.append((-moved, 1, a, "", i, j))
                    if i > j:
                        continue  # each exchange once
                    for b in y.members:
                        if compact[b, i] is None or not self._may_leave(b, y):
                            continue
                        gain = (base + compact[b, i] - self._after(stats[i], a, b)
                                - self._after(stats[j], b, a))
                        if gain > TIE or (gain > -TIE and self._spreads(
                                stats[i], stats[j], self._after_stats(stats[i], a, b),
                                self._after_stats(stats[j], b, a))):
                            options.append((-gain, 2, a, b, i, j))
        touched: set[int] = set()
        # At equal gain a move (one patient's week changes) before an exchange (two).
        for _gain, _movers, a, b, i, j in sorted(options):
            if i in touched or j in touched or out_of_time():
                continue
            now = self.steps.week[part]
            if self._apply(part, now[i], now[j], a, b or None):
                touched |= {i, j}
        return len(touched) // 2

    def _may_leave(self, pid: str, x: SectionDraft) -> bool:
        """Nobody leaves the one therapy section where they see their own therapist."""
        own = self.therapist.get(pid)
        return self.peer or own != x.facilitator or self.check.sees(pid, own, besides=x)

    def _apply(self, part: int, x: SectionDraft, y: SectionDraft, a: str, b: str | None) -> bool:
        new_x = replace(x, members=tuple(sorted([m for m in x.members if m != a]
                                                + ([b] if b else []))))
        new_y = replace(y, members=tuple(sorted([m for m in y.members if m != b] + [a])))
        if self.peer and not (set(new_x.members) & self.models
                              and set(new_y.members) & self.models):
            return False  # every peer section keeps a role model (a hard rule)
        if not self.check.holds(part, {x: new_x, y: new_y}, [a] + ([b] if b else [])):
            return False
        self.attends[a] = self._moved(a, x, y)
        if b:
            self.attends[b] = self._moved(b, y, x)
        self.compact = {k: v for k, v in self.compact.items() if k[0] not in (a, b)}
        return True
