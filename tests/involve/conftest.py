import datetime

import pytest
from django.utils import timezone

from coproduce.hubs import services as hubs
from coproduce.involve import services
from coproduce.involve.models import CoKind, Joining, When
from tests.conftest import make_person


def meeting(days: float, hours: float = 2, at: int = 14):
    start = (timezone.localtime() + datetime.timedelta(days=days)).replace(
        hour=at, minute=0, second=0, microsecond=0
    )
    return start, start + datetime.timedelta(hours=hours)


def member(world, email: str, name: str, **membership):
    person = make_person(email, name)
    hubs.membership_add(actor=world.admin, hub=world.hub, person=person, **membership)
    return person


def panel(world, **changes):
    """A recruitment panel for a practice nurse: 2 staff and 1 service user."""
    values = {
        "actor": world.staff,
        "hub": world.hub,
        "kind": CoKind.CO_MANAGING,
        "title": "Recruitment panel: practice nurse",
        "description": "Read three applications and sit on the interview panel.",
        "lead": world.staff,
        "meetings": [meeting(10)],
        "staff_places": 2,
        "user_places": 1,
        "joining": Joining.REQUEST,
        "is_recruitment": True,
    }
    return services.opportunity_create(**{**values, **changes})


def group(world, **changes):
    """A research advisory group meeting monthly: 4 service users, instant."""
    values = {
        "actor": world.coordinator,
        "hub": world.hub,
        "kind": CoKind.CO_DESIGN,
        "title": "Research advisory group",
        "description": "Help shape the practice's research on loneliness.",
        "lead": world.coordinator,
        "when": When.SERIES,
        "meetings": [meeting(3), meeting(33), meeting(63)],
        "user_places": 2,
        "joining": Joining.INSTANT,
    }
    return services.opportunity_create(**{**values, **changes})


@pytest.fixture
def people(world):
    return {
        "ann": member(world, "ann@example.org", "Ann Patient"),
        "bob": member(world, "bob@example.org", "Bob Patient"),
        "cat": member(world, "cat@example.org", "Cat Patient"),
    }
