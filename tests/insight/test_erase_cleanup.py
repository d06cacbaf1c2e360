"""Clearing inactive accounts: warned 30 and 7 days before, each warning once, cleared only
after the last warning, cancelled by signing in, and nothing twice when run twice."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from coproduce.hubs.models import AuditEvent, Person
from coproduce.insight import cleanup
from coproduce.insight.models import Erasure, InactivityWarning
from coproduce.notify.models import Delivery, Kind, Notification, Preference
from coproduce.timebank.models import Account

pytestmark = pytest.mark.django_db
DAYS = 100


@pytest.fixture(autouse=True)
def short_period(settings):
    settings.COPRODUCE_INACTIVE_DAYS = DAYS


def _last_seen_ago(person: Person, days: float) -> None:
    """As if the person last signed in, and last did anything, `days` ago."""
    moment = timezone.now() - datetime.timedelta(days=days)
    Person.objects.filter(pk=person.pk).update(date_joined=moment, last_login=moment)
    AuditEvent.objects.filter(actor=person).update(created_at=moment)
    AuditEvent.objects.filter(on_behalf_of=person).update(created_at=moment)
    Account.objects.filter(membership__person=person).update(last_activity_at=None)
    person.refresh_from_db()


def _warnings(person) -> list[int]:
    return sorted(
        InactivityWarning.objects.filter(person=person).values_list("days_before", flat=True)
    )


def test_nobody_recent_is_warned_or_cleared(world):
    assert "0 warned 30 days before, 0 warned 7 days before, 0 cleared" in cleanup.warn_and_clear()
    assert not InactivityWarning.objects.exists()


def test_warned_30_days_before_once_even_if_run_twice(world):
    _last_seen_ago(world.member, DAYS - 20)
    Preference.objects.create(person=world.member, kind=Kind.ACCOUNT, delivery=Delivery.NEVER)
    assert "1 warned 30 days before" in cleanup.warn_and_clear()
    assert "1 warned 30 days before" not in cleanup.warn_and_clear()
    assert _warnings(world.member) == [30]
    warning = InactivityWarning.objects.get(person=world.member)
    assert warning.clear_on == timezone.localdate(world.member.last_login) + datetime.timedelta(
        days=DAYS
    )
    note = Notification.objects.get(recipient=world.member, kind=Kind.ACCOUNT)
    assert "will be cleared" in note.subject and "sign in" in note.body
    assert AuditEvent.objects.filter(event="inactivity.warned").count() == 1


def test_the_email_goes_even_to_someone_who_chose_no_email(
    world, django_capture_on_commit_callbacks
):
    _last_seen_ago(world.member, DAYS - 20)
    Preference.objects.create(person=world.member, kind=Kind.ACCOUNT, delivery=Delivery.NEVER)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cleanup.warn_and_clear()
    assert [m.to for m in mail.outbox] == [["sam@example.org"]]


def test_late_the_first_warning_is_the_7_day_one_and_clearing_waits_a_week(world):
    _last_seen_ago(world.member, DAYS + 5)  # the day has passed, never warned
    assert "1 warned 7 days before" in cleanup.warn_and_clear()
    assert _warnings(world.member) == [7]
    cleanup.warn_and_clear()
    assert not Erasure.objects.exists(), "never cleared without a week's warning"
    InactivityWarning.objects.update(sent_at=timezone.now() - datetime.timedelta(days=7, hours=1))
    assert "1 cleared" in cleanup.warn_and_clear()
    erased = Person.objects.get(pk=world.member.pk)
    assert Erasure.objects.get(person=erased).route == "inactive"
    assert erased.email is None and erased.display_name.startswith("Former member ")
    assert "0 cleared" in cleanup.warn_and_clear()  # once


def test_signing_in_cancels_the_clearing(world):
    _last_seen_ago(world.member, DAYS + 5)
    cleanup.warn_and_clear()
    InactivityWarning.objects.update(sent_at=timezone.now() - datetime.timedelta(days=8))
    Person.objects.filter(pk=world.member.pk).update(last_login=timezone.now())
    assert "0 cleared" in cleanup.warn_and_clear()
    assert not Erasure.objects.exists()


def test_someone_not_online_is_warned_through_the_coordinators(world):
    _last_seen_ago(world.assisted, DAYS - 3)
    cleanup.warn_and_clear()
    assert _warnings(world.assisted) == [7]
    passed = Notification.objects.filter(for_person=world.assisted, kind=Kind.ACCOUNT)
    assert set(passed.values_list("recipient_id", flat=True)) >= {world.coordinator.pk}


def test_the_only_admin_of_a_hub_is_kept(world):
    _last_seen_ago(world.admin, DAYS + 5)
    cleanup.warn_and_clear()
    InactivityWarning.objects.update(sent_at=timezone.now() - datetime.timedelta(days=8))
    assert "1 kept (the only admin of a hub)" in cleanup.warn_and_clear()
    assert not Erasure.objects.exists()


def test_zero_turns_it_off(world, settings):
    settings.COPRODUCE_INACTIVE_DAYS = 0
    _last_seen_ago(world.member, DAYS * 5)
    assert "off" in cleanup.warn_and_clear()
    assert not InactivityWarning.objects.exists()


def test_the_daily_tick_runs_it(world, capsys):
    _last_seen_ago(world.member, DAYS - 20)
    call_command("insight", "tick")
    assert "Inactive accounts: 1 warned 30 days before" in capsys.readouterr().out


def test_clearing_day_counts_calendar_days_across_a_clock_change(world):
    """Seen at 23:30 UTC on 13 September (00:30 on the 14th in British Summer Time): the
    day is counted from the 14th, whatever the clocks do before December."""
    moment = datetime.datetime(2026, 9, 13, 23, 30, tzinfo=datetime.UTC)
    _last_seen_ago(world.member, 0)
    Person.objects.filter(pk=world.member.pk).update(date_joined=moment, last_login=moment)
    AuditEvent.objects.filter(actor=world.member).update(created_at=moment)
    AuditEvent.objects.filter(on_behalf_of=world.member).update(created_at=moment)
    world.member.refresh_from_db()
    assert cleanup.clear_on(world.member, DAYS) == datetime.date(2026, 12, 23)
