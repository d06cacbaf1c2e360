"""Your Space fixtures: a round sharing the community room, and members to vote."""

import datetime

import pytest
from django.utils import timezone

from coproduce.hubs import services as hubs
from coproduce.involve.space import services
from coproduce.involve.space.models import Phase, Resource
from tests.conftest import make_person

HOUR = 60


def tenant(world, n: int, **membership):
    person = make_person(f"tenant{n}@example.net", f"Tenant {n}")
    hubs.membership_add(actor=world.admin, hub=world.hub, person=person, **membership)
    return person


def room_round(world, **changes):
    """The community room: 20 hours a week."""
    values = {
        "actor": world.coordinator,
        "hub": world.hub,
        "title": "The community room, spring",
        "resource": Resource.ROOM,
        "amount": 20 * HOUR,
        "space_name": "Community room",
    }
    return services.round_create(**{**values, **changes})


def propose(world, round_, title: str, hours: float, by=None):
    return services.idea_propose(
        actor=by or world.member,
        round_=round_,
        title=title,
        description=f"{title}, every week.",
        cost=int(hours * HOUR),
        run_by="Tenants' association",
    )


def to_vote(world, round_, ideas):
    services.round_advance(actor=world.coordinator, round_=round_, to=Phase.FEASIBILITY)
    for idea in ideas:
        services.idea_check(actor=world.staff, idea=idea, feasible=True)
    return services.round_advance(actor=world.coordinator, round_=round_, to=Phase.VOTE)


@pytest.fixture
def voting(world):
    """A round open for votes with three ideas (coffee 2 h, homework 6 h, football 14 h)."""
    round_ = room_round(world)
    ideas = [
        propose(world, round_, "Coffee morning", 2),
        propose(world, round_, "Homework club", 6),
        propose(world, round_, "Youth football", 14),
    ]
    return to_vote(world, round_, ideas), ideas


def tuesday_to_come() -> datetime.date:
    """A Tuesday at least a month away: bookings start on their own weekday, never past."""
    day = timezone.localdate() + datetime.timedelta(days=30)
    return day + datetime.timedelta(days=(1 - day.weekday()) % 7)


def date_words(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"
