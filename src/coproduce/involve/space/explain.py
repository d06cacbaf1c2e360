"""A counted round's result in plain words: what was shared and used, both counts side by
side, why they differ, ties, who took part, and how one voter's share was spent.

Everything here reads what the count stored (Round.result, Idea.votes/funded/needed,
Ballot.spent): the public page does the same work for ten voters or ten thousand."""

import math
from dataclasses import dataclass, field
from fractions import Fraction

from coproduce.timebank.models import format_minutes

from . import access
from .models import Ballot, Idea, Resource, Round

DAYS = ["Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays"]


def _nearest(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def amount_words(round_: Round, amount) -> str:
    """An amount in the round's unit (a whole number or a fraction "a/b") in plain words:
    minutes to the nearest minute, pounds to the penny."""
    value = Fraction(amount)
    if round_.resource == Resource.MONEY:
        pence = _nearest(value * 100)
        pounds, rest = divmod(pence, 100)
        return f"£{pounds:,}" if not rest else f"£{pounds:,}.{rest:02d}"
    minutes = _nearest(value)
    words = "less than a minute" if minutes == 0 and value > 0 else format_minutes(minutes)
    return f"{words} a week" if round_.resource == Resource.ROOM else words


def people(number: int, one: str = "voter", many: str = "voters") -> str:
    return f"{number:,} {one if number == 1 else many}"


def join_titles(titles: list[str]) -> str:
    if len(titles) <= 1:
        return "".join(titles)
    return ", ".join(titles[:-1]) + " and " + titles[-1]


@dataclass
class Explained:
    ideas: list[Idea]
    funded: list[Idea]
    unfunded: list[Idea]
    used: int
    left: int
    voters: int
    differences: list[str] = field(default_factory=list)
    ties: list[str] = field(default_factory=list)
    areas: list[tuple[str, int]] = field(default_factory=list)
    completion: str = ""
    why_not: list[tuple[Idea, str]] = field(default_factory=list)
    used_words: str = ""
    left_words: str = ""

    @property
    def voters_words(self) -> str:
        return people(self.voters, "person", "people")

    greedy_words: str = ""


def more_supporters(idea: Idea) -> str:
    """ "2 more supporters" (found by counting again), or "about 4 more supporters" where
    the round was too large to count again for every project."""
    words = people(idea.needed, "more supporter", "more supporters")
    counted = (idea.round.result or {}).get("needed_counted", False)
    return words if counted else f"about {words}"


def needed_words(idea: Idea) -> str:
    """Why a project was not funded, in a sentence."""
    if idea.funded_by_count and not idea.funded:
        return f"The count funded {idea.title}, but a coordinator's change left it out."
    if not idea.votes:
        return f"{idea.title} had no votes."
    if idea.needed:
        return (
            f"{idea.title} had {people(idea.votes, 'vote', 'votes')}; it needed "
            f"{more_supporters(idea)} to be funded."
        )
    return (
        f"{idea.title} had {people(idea.votes, 'vote', 'votes')} but did not fit in what was left."
    )


DECIDED = {
    "votes": "because more people voted for it",
    "cost": "because it costs less",
    "draw": "by a draw (a fixed random order set when the round opened)",
}


def explain(round_: Round, ideas: list[Idea]) -> Explained:
    """The public explanation of a counted round, from its ideas (feasible ones, read once)
    and what the count stored."""
    result = round_.result or {}
    by_id = {str(idea.pk): idea for idea in ideas}
    funded = [idea for idea in ideas if idea.funded]
    unfunded = [idea for idea in ideas if not idea.funded]
    used = sum(idea.cost for idea in funded)
    explained = Explained(
        ideas=ideas,
        funded=funded,
        unfunded=unfunded,
        used=used,
        left=round_.amount - used,
        voters=result.get("voters", 0),
        why_not=[(idea, needed_words(idea)) for idea in unfunded],
        used_words=round_.words(used),
        left_words=round_.words(round_.amount - used),
        greedy_words=round_.words(sum(idea.cost for idea in ideas if idea.funded_by_greedy)),
    )
    only_shares = [i for i in ideas if i.funded_by_count and not i.funded_by_greedy]
    only_greedy = [i for i in ideas if i.funded_by_greedy and not i.funded_by_count]
    for idea in only_shares:
        explained.differences.append(
            f"Equal shares funds {idea.title}, which counting by votes alone would not. "
            f"Its {people(idea.votes, 'supporter', 'supporters')} each control an equal share "
            f"of what is shared, spent only on projects they approve, and together their "
            f"shares pay for it: a smaller group still gets something it wants."
        )
    for idea in only_greedy:
        why = f" It needed {more_supporters(idea)}." if idea.needed else ""
        explained.differences.append(
            f"Counting by votes alone would fund {idea.title}, but equal shares does not: "
            f"its supporters' shares did not add up to its cost of {idea.cost_words} once "
            f"they had paid for other projects they also approved.{why}"
        )
    for tie in result.get("equal_shares", {}).get("ties", []):
        chosen = by_id.get(tie.get("chosen"))
        # A tie matters only where a project it put second was not funded in the end.
        rivals = [
            f"“{by_id[r].title}”"
            for r in tie.get("rivals", [])
            if r in by_id and not by_id[r].funded_by_count
        ]
        if chosen is None or not rivals:
            continue
        unit = "pound" if round_.resource == "money" else "hour"
        explained.ties.append(
            f"“{chosen.title}” and {join_titles(rivals)} had as much support for each {unit} "
            f"they cost, so they tied; “{chosen.title}” went first "
            f"{DECIDED.get(tie.get('decided_by'), '')}."
        )
    for area, number in result.get("areas", []):
        name = area or f"Other areas (each with fewer than {access.SMALL_GROUP} voters) or none"
        explained.areas.append((name, number))
    step = result.get("equal_shares", {}).get("step", 0)
    if step and explained.voters:
        explained.completion = (
            "To use as much as possible of what is shared, the count raised every share by "
            "the same amount until one more project would not fit."
        )
    return explained


@dataclass
class Spent:
    share: str
    raised: str  # the share after completion raised it ("" when it was not raised)
    paid: list[tuple[str, str]]
    left: str
    unfunded: list[str]
    weighted: bool
    approved_nothing: bool


def spent(round_: Round, ballot: Ballot, ideas: list[Idea], chosen: set[int]) -> Spent | None:
    """How this voter's share was spent, from what the count stored on their ballot."""
    record = ballot.spent or {}
    if "share" not in record:
        return None
    by_pk = {idea.pk: idea for idea in ideas}
    share = Fraction(record["share"])
    # The share as the rule gives it (what is shared, divided among the voters), and as the
    # count's completion raised it to use what was left.
    raised_total = Fraction((round_.result or {}).get("equal_shares", {}).get("shares_total", 0))
    given = share * round_.amount / raised_total if raised_total else share
    paid, total = [], Fraction(0)
    for pk, amount in record.get("paid", []):
        amount = Fraction(amount)
        total += amount
        if pk in by_pk:
            paid.append((by_pk[pk].title, amount_words(round_, amount)))
    unfunded = [needed_words(idea) for idea in ideas if idea.pk in chosen and not idea.funded]
    return Spent(
        share=amount_words(round_, given),
        raised=amount_words(round_, share) if given != share else "",
        paid=paid,
        left=amount_words(round_, share - total),
        unfunded=unfunded,
        weighted=Fraction(record.get("weight", 1)) != 1,
        approved_nothing=not chosen,
    )


def booking_words(booking) -> str:
    """ "Tuesdays 10:00 to 12:00 from 5 January" (and "until ..." if it ends)."""
    start = booking.starts.hour * 60 + booking.starts.minute
    end = start + booking.minutes
    words = (
        f"{DAYS[booking.weekday]} {booking.starts:%H:%M} to {end // 60:02d}:{end % 60:02d} "
        f"from {booking.first_date.day} {booking.first_date:%B %Y}"
    )
    if booking.last_date:
        words += f" until {booking.last_date.day} {booking.last_date:%B %Y}"
    return words
