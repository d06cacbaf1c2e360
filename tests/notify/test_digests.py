"""Digests hold exactly the right notifications, each in one digest only, even with two
senders at once, and cover their period exactly."""

import datetime
import threading
import zoneinfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connections

from coproduce.notify import digests, services
from coproduce.notify.models import Delivery, Digest, Kind, Notification

LONDON = zoneinfo.ZoneInfo("Europe/London")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)


# --- when a period ends (pure arithmetic on the clock) -----------------------------------


@pytest.mark.parametrize(
    ("now", "daily", "weekly"),
    [
        # Tuesday 1 December 2026, after 7 am: today's daily, Monday's weekly.
        (at(2026, 12, 1, 9, 30), at(2026, 12, 1, 7), at(2026, 11, 30, 7)),
        # Before 7 am: yesterday's daily.
        (at(2026, 12, 1, 6, 59), at(2026, 11, 30, 7), at(2026, 11, 30, 7)),
        # Monday before 7 am: last Monday's weekly.
        (at(2026, 11, 30, 6), at(2026, 11, 29, 7), at(2026, 11, 23, 7)),
        # Exactly on the boundary: that boundary.
        (at(2026, 11, 30, 7), at(2026, 11, 30, 7), at(2026, 11, 30, 7)),
        # The Sunday the clocks go back: still 7 am local.
        (at(2026, 10, 25, 8), at(2026, 10, 25, 7), at(2026, 10, 19, 7)),
    ],
)
def test_a_period_ends_at_the_digest_hour_local_time(settings, now, daily, weekly):
    settings.NOTIFY_DIGEST_HOUR = 7
    assert digests.period_end(now, Delivery.DAILY) == daily
    assert digests.period_end(now, Delivery.WEEKLY) == weekly
    assert digests.period_end(now, Delivery.DAILY).astimezone(LONDON).hour == 7


# --- what a digest holds -----------------------------------------------------------------


def note(world, person, subject, created_at, kind=Kind.REFERRAL_PROGRESS):
    [made] = services.tell(
        [person],
        kind=kind,
        hub=world.hub,
        subject=subject,
        template="notify/email/digest_item.txt",
        context={},
        url="/hubs/millbrook/",
    )
    Notification.objects.filter(pk=made.pk).update(created_at=created_at)
    made.refresh_from_db()
    return made


@pytest.fixture
def item_template(settings, tmp_path):
    folder = tmp_path / "templates" / "notify" / "email"
    folder.mkdir(parents=True)
    (folder / "digest_item.txt").write_text("Something happened.\n")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]]}
    ]


@pytest.mark.django_db
def test_a_daily_digest_holds_exactly_the_period_and_each_item_once(
    world, item_template, django_capture_on_commit_callbacks
):
    services.preferences_set(
        actor=world.member, person=world.member, choices={Kind.MESSAGE: Delivery.WEEKLY}
    )
    # Dr Amir (staff) hears of referral progress daily, by default.
    early = note(world, world.staff, "Referral matched: Molly", at(2026, 11, 30, 9))
    late = note(world, world.staff, "Referral closed: Molly", at(2026, 12, 1, 6, 59))
    after = note(world, world.staff, "Referral closed: Bert", at(2026, 12, 1, 7, 0))
    now_item = note(world, world.staff, "Now", at(2026, 11, 30, 10), kind=Kind.CONFIRM)
    weekly = note(world, world.member, "Weekly", at(2026, 11, 30, 10), kind=Kind.MESSAGE)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        sent = digests.send_digests(at(2026, 12, 1, 7, 30))
    [daily] = [d for d in sent if d.delivery == Delivery.DAILY]
    assert daily.person == world.staff
    assert set(daily.notifications.all()) == {early, late}
    assert daily.period_end == at(2026, 12, 1, 7)
    assert daily.period_start == early.created_at  # their first digest
    # The weekly one went at Monday 30 November 7 am, before Sam's note: not yet due.
    assert weekly not in {n for d in sent for n in d.notifications.all()}
    for untouched in (after, now_item, weekly):
        untouched.refresh_from_db()
        assert untouched.digest is None

    [email] = mail.outbox
    assert email.to == ["amir@example.org"]
    assert email.subject == "Your daily summary from Coproduce: 2 updates"
    assert email.body.index("Referral matched: Molly") < email.body.index("Referral closed: Molly")
    assert "Referral closed: Bert" not in email.body
    assert "30 November 2026, 09:00 to 1 December 2026, 07:00" in email.body

    # Running again sends nothing; the next day's run takes what came after.
    assert digests.send_digests(at(2026, 12, 1, 8)) == []
    [next_day] = digests.send_digests(at(2026, 12, 2, 7))
    assert list(next_day.notifications.all()) == [after]
    assert next_day.period_start == daily.period_end  # back to back: no gap, no overlap
    # Sam's weekly digest goes the next Monday.
    [sams] = digests.send_digests(at(2026, 12, 7, 7))
    assert (sams.person, sams.delivery) == (world.member, Delivery.WEEKLY)
    assert list(sams.notifications.all()) == [weekly]


@pytest.mark.django_db
def test_someone_who_left_gets_no_email_but_the_digest_still_takes_their_items(
    world, item_template, django_capture_on_commit_callbacks
):
    note(world, world.staff, "Referral matched: Molly", at(2026, 11, 30, 9))
    world.staff.is_active = False
    world.staff.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        [digest] = digests.send_digests(at(2026, 12, 1, 8))
    assert digest.notifications.count() == 1
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_command_sends_what_was_due(world, item_template, capsys):
    note(world, world.staff, "Referral matched: Molly", at(2026, 11, 30, 9))
    call_command("notify", "send-digests", "--at", "2026-12-01T08:00:00+00:00")
    assert "Sent 1 digest." in capsys.readouterr().out
    call_command("notify", "send-digests", "--at", "2026-12-01T08:00:00+00:00")
    assert "Sent 0 digests." in capsys.readouterr().out


@pytest.mark.django_db
def test_the_command_refuses_a_time_without_a_zone(world):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="zone"):
        call_command("notify", "send-digests", "--at", "2026-12-01 08:00")


# --- two senders at once -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_put_each_notification_in_exactly_one_digest(world, item_template):
    people = [world.staff, world.coordinator, world.admin, world.member]
    made = [
        note(world, person, f"Item {i}", at(2026, 11, 30, 8) + datetime.timedelta(minutes=i))
        for i in range(10)
        for person in people
    ]
    mail.outbox.clear()
    start = threading.Barrier(2)
    results, errors = [], []

    def sender(now):
        try:
            start.wait()
            results.append(digests.send_digests(now))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    # One sender a little later than the other, so they even disagree about the period.
    threads = [
        threading.Thread(target=sender, args=(now,))
        for now in (at(2026, 12, 1, 7, 30), at(2026, 12, 1, 7, 31))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert Notification.objects.filter(pk__in=[n.pk for n in made], digest=None).count() == 0
    assert Digest.objects.count() == len(people)  # one each, not two
    assert sum(len(r) for r in results) == len(people)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    for digest in Digest.objects.all():
        assert digest.notifications.count() == 10
