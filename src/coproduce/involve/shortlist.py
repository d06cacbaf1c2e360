"""The fair shortlist, and the one rule for who fits the places left (pure: no Django).

When more people ask than there are places, the people least recently involved come
first, so the same few are not asked again and again; people the lead invited come
before everyone (their places are reserved for them). A hub may also put people from
areas less involved so far, or from its priority areas, before others. Each person is
given the reasons for their place in the order, in plain words.

Places: `staff` and `user` places are the required mix (a panel of 2 staff and 1
service user); `any` places may be filled by either; `reserved` of all the places are
kept for people invited. `fits` is the rule every way of taking a place reads.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

STAFF, USER = "staff", "user"


@dataclass(frozen=True)
class Places:
    staff: int = 0
    user: int = 0
    any: int = 0
    reserved: int = 0

    @property
    def total(self) -> int:
        return self.staff + self.user + self.any


@dataclass(frozen=True)
class Held:
    """The places taken: by side, and how many by people who were not invited."""

    staff: int = 0
    user: int = 0
    uninvited: int = 0

    def plus(self, side: str, invited: bool) -> "Held":
        return replace(
            self,
            staff=self.staff + (side == STAFF),
            user=self.user + (side == USER),
            uninvited=self.uninvited + (not invited),
        )

    @classmethod
    def of(cls, holders: Iterable[tuple[str, bool]]) -> "Held":
        held = cls()
        for side, invited in holders:
            held = held.plus(side, invited)
        return held


def within(places: Places, held: Held) -> bool:
    """Whether these holders fit: each side in its own places, the rest in the places
    for anyone, and the reserved places left to people invited."""
    overflow = max(0, held.staff - places.staff) + max(0, held.user - places.user)
    return overflow <= places.any and held.uninvited <= places.total - places.reserved


def fits(places: Places, held: Held, side: str, invited: bool = False) -> bool:
    """Whether one more person of `side` can take a place."""
    return within(places, held.plus(side, invited))


def missing(places: Places, held: Held) -> dict[str, int]:
    """How far the holders are short of the required mix, per side (none: {})."""
    short = {STAFF: places.staff - held.staff, USER: places.user - held.user}
    return {side: count for side, count in short.items() if count > 0}


@dataclass(frozen=True)
class Candidate:
    id: int
    side: str
    asked_at: datetime.datetime
    last_involved: datetime.date | None = None
    area: str = ""
    invited: bool = False


@dataclass(frozen=True)
class Favour:
    """What a hub chose to favour: areas less involved so far, and its priority areas."""

    less_involved: frozenset[str] = frozenset()
    priority: frozenset[str] = frozenset()

    def reason(self, area: str) -> str | None:
        if area and area in self.priority:
            return f"From {area}, one of the hub's priority areas"
        if area and area in self.less_involved:
            return f"From {area}, an area less involved so far"
        return None


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    reasons: tuple[str, ...]
    chosen: bool = False


def _day(value: datetime.date) -> str:
    return f"{value.day} {value:%B %Y}"


def rank(candidates: Iterable[Candidate], favour: Favour | None = None) -> list[Ranked]:
    """Everyone in the fair order, with why. Ties go to who asked first, then the id,
    so the order never depends on how the list arrived."""
    favour = favour or Favour()

    def key(c: Candidate):
        favoured = favour.reason(c.area) is not None
        return (
            not c.invited,
            not favoured,
            c.last_involved is not None,
            c.last_involved or datetime.date.min,
            c.asked_at,
            c.id,
        )

    ranked = []
    for c in sorted(candidates, key=key):
        reasons = []
        if c.invited:
            reasons.append("Invited by the lead")
        area_reason = favour.reason(c.area)
        if area_reason:
            reasons.append(area_reason)
        if c.last_involved is None:
            reasons.append("Not involved before")
        else:
            reasons.append(f"Last involved {_day(c.last_involved)}")
        reasons.append(f"Asked {_day(c.asked_at.date())}")
        ranked.append(Ranked(c, tuple(reasons)))
    return ranked


def choose(ranked: Sequence[Ranked], places: Places, held: Held = Held()) -> list[Ranked]:
    """Mark, in the fair order, everyone who fits the places left after `held`."""
    marked = []
    for entry in ranked:
        c = entry.candidate
        if fits(places, held, c.side, c.invited):
            held = held.plus(c.side, c.invited)
            marked.append(replace(entry, chosen=True))
        else:
            marked.append(entry)
    return marked


def shortlist(
    candidates: Iterable[Candidate],
    places: Places,
    held: Held = Held(),
    favour: Favour | None = None,
) -> list[Ranked]:
    """Rank the candidates and mark who the places left should go to."""
    return choose(rank(candidates, favour), places, held)
