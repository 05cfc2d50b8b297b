"""The soft rules: what makes a week clinically good, and their default weights.

Each rule is measured in whole *units* (e.g. one patient who never sees their
primary therapist in group); its penalty is weight x units. The Weights sheet
may change any weight; 0 turns a rule off. One page per rule in docs/quality/.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class SoftRule:
    key: str  # used in schedule.json
    title: str  # used on the Weights sheet and in reports
    weight: float  # default points per unit
    unit: str  # what one unit is, in words
    doc: str  # page in docs/quality/


# Spread units for each extra meeting of a section on a day it already meets. Clinically
# the rule's point (time between meetings to practise), so it outweighs the trades other
# rules offer: at 4 units, a generated 120-patient week gave a section Wed 17:30 and 19:15
# to save points elsewhere; at 12, Relapse Prevention Fri 13:30 and 14:45 in some runs.
SAME_DAY_UNITS = 30

# Role-model mix wants a role model for every this many members of a peer section, or part.
MEMBERS_PER_ROLE_MODEL = 6

SOFT_RULES: tuple[SoftRule, ...] = (
    SoftRule("own_therapist", "Own therapist", 20,
             "patient who is in no therapy section led by their primary therapist",
             "own-therapist.md"),
    SoftRule("spread", "Spread", 5,
             "pair of a section's meetings on neighbouring days (a second meeting on the "
             f"same day counts {SAME_DAY_UNITS})", "spread.md"),
    SoftRule("same_room", "Same room", 3,
             "extra room a section uses beyond its first", "same-room.md"),
    SoftRule("shared_experience", "Shared experience", 3,
             "extra substance track in a peer section beyond its first", "shared-experience.md"),
    SoftRule("role_model_mix", "Role-model mix", 4,
             "pair of newcomers in one peer section (a missing role model, below one per "
             "six members, counts 2)", "role-model-mix.md"),
    SoftRule("fair_load", "Fair load", 0.05,
             "percentage point between the busiest and the least busy staff member who "
             "share a skill, relative to what each can do", "fair-load.md"),
    SoftRule("compact_days", "Compact days", 2,
             "idle gap between two of a patient's sessions on one day", "compact-days.md"),
    SoftRule("right_amount", "Right amount", 3,
             "elective place nobody prescribed (one in a group of the patient's own track "
             "counts 1, others 2)", "right-amount.md"),
    SoftRule("few_sections", "Few sections", 10,
             "section opened (each costs a facilitator and a room)", "few-sections.md"),
)

RULE_BY_KEY = {r.key: r for r in SOFT_RULES}

# The solver works in hundredths of a point, so weights keep two decimals (0.05 is not 0).
SCALE = 100


def _name_key(name: str) -> str:
    return re.sub(r"[^a-z]", "", str(name).casefold())


_BY_NAME = {_name_key(r.title): r for r in SOFT_RULES} | {_name_key(r.key): r for r in SOFT_RULES}


def rule_named(name: str) -> SoftRule | None:
    """Match a Weights-sheet name, ignoring case, spaces, hyphens and underscores."""
    return _BY_NAME.get(_name_key(name))


def default_weights() -> dict[str, float]:
    return {r.key: r.weight for r in SOFT_RULES}


def weight_of(weights: dict[str, float], rule: str) -> float:
    """A rule's weight: the roster's Weights sheet, else its default."""
    return weights.get(rule, RULE_BY_KEY[rule].weight)


def scaled(weight: float) -> int:
    """A weight in the solver's integer hundredths of a point."""
    return round(weight * SCALE)
