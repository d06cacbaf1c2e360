"""Shared pieces of the health check's tests."""

import datetime

from django.utils import timezone

from coproduce.hubs import services as hub_services
from coproduce.hubs.models import Person, Role
from coproduce.insight import healthcheck
from coproduce.insight.models import HealthCheck


def all_answers(value: int = 3) -> dict:
    return dict.fromkeys(healthcheck.QUESTION_KEYS, value)


def open_check(world, *, hub=None, days_open=14, title="Spring round") -> HealthCheck:
    """A round open today, made directly (its service is tested on its own)."""
    today = timezone.localdate()
    return HealthCheck.objects.create(
        hub=hub or world.hub,
        title=title,
        opens_on=today - datetime.timedelta(days=1),
        closes_on=today + datetime.timedelta(days=days_open),
        opened_by=world.coordinator,
    )


def closed_check(world, *, ended_days_ago=5, title="Autumn round") -> HealthCheck:
    today = timezone.localdate()
    return HealthCheck.objects.create(
        hub=world.hub,
        title=title,
        opens_on=today - datetime.timedelta(days=ended_days_ago + 28),
        closes_on=today - datetime.timedelta(days=ended_days_ago),
        opened_by=world.coordinator,
    )


def add_members(world, count: int, *, role=Role.MEMBER, prefix="Tenant") -> list[Person]:
    people = []
    for number in range(count):
        person = Person.objects.create_user(
            f"{prefix.lower()}{number}@example.org",
            "pw-not-used",
            display_name=f"{prefix} {number}",
        )
        hub_services.membership_add(actor=world.admin, hub=world.hub, person=person, role=role)
        people.append(person)
    return people
