"""Reminders: sent once, to who has not answered; not-online people to coordinators."""

import datetime

from django.utils import timezone

from coproduce.audit import AuditKind
from coproduce.hubs.models import AuditEvent
from coproduce.insight import healthcheck_tasks
from coproduce.insight.models import HealthCheck
from coproduce.insight.services import healthcheck as services
from coproduce.notify.models import Kind, Notification

from .health_fixtures import all_answers, closed_check, open_check


def told(person):
    return Notification.objects.filter(recipient=person, kind=Kind.HEALTH_CHECK)


def test_opening_reminder_goes_once_to_who_has_not_answered(world):
    check = open_check(world, days_open=20)
    services.answer(actor=world.staff, check=check, answers=all_answers())
    healthcheck_tasks.remind_due()
    healthcheck_tasks.remind_due()  # run twice: nothing more
    assert told(world.member).count() == 1
    assert told(world.staff).count() == 0  # answered already
    assert told(world.outsider).count() == 0  # another hub
    # Ron is not online: not told himself, his name goes to the coordinators on a list.
    notes = told(world.coordinator)
    assert notes.filter(body__contains="Ron Assisted").count() == 1
    assert AuditEvent.objects.filter(event=AuditKind.HEALTH_CHECK_REMINDED).count() == 1


def test_closing_reminder_once_in_the_last_week(world):
    check = open_check(world, days_open=20)
    healthcheck_tasks.remind_due()
    assert told(world.member).count() == 1
    # A week before it closes (moved so, rather than waiting):
    today = timezone.localdate()
    HealthCheck.objects.filter(pk=check.pk).update(
        closes_on=today + datetime.timedelta(days=5),
        reminded_at=timezone.now() - datetime.timedelta(days=15),
    )
    healthcheck_tasks.remind_due()
    healthcheck_tasks.remind_due()
    assert told(world.member).count() == 2
    assert AuditEvent.objects.filter(event=AuditKind.HEALTH_CHECK_REMINDED).count() == 2


def test_a_round_to_come_or_closed_sends_nothing(world):
    today = timezone.localdate()
    HealthCheck.objects.create(
        hub=world.hub,
        title="Later",
        opens_on=today + datetime.timedelta(days=3),
        closes_on=today + datetime.timedelta(days=30),
        opened_by=world.coordinator,
    )
    closed_check(world, ended_days_ago=2)
    healthcheck_tasks.remind_due()
    assert not Notification.objects.filter(kind=Kind.HEALTH_CHECK).exists()


def test_coordinators_are_told_once_when_the_next_round_is_due(world):
    closed_check(world, ended_days_ago=100)
    healthcheck_tasks.remind_due()
    healthcheck_tasks.remind_due()
    notes = Notification.objects.filter(kind=Kind.HEALTH_CHECK)
    assert set(notes.values_list("recipient", flat=True)) <= {world.coordinator.pk, world.admin.pk}
    assert notes.filter(recipient=world.coordinator).count() == 1
    assert "Time for the next health check" in notes.first().subject


def test_not_due_yet_when_the_last_round_closed_lately(world):
    closed_check(world, ended_days_ago=30)
    healthcheck_tasks.remind_due()
    assert not Notification.objects.filter(kind=Kind.HEALTH_CHECK).exists()
