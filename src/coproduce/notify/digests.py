"""Daily and weekly digests: one email gathering what a person chose to hear about that
way, covering a period exactly.

A digest's period ends at the latest boundary before the run (NOTIFY_DIGEST_HOUR local
time each day; on Mondays for the weekly one) and starts where that person's previous
digest ended. Each notification is taken by exactly one digest, even with two senders at
once: the digest row is unique per person, kind of digest and period end (a second sender
for the same period fails to insert it and moves on), and the notifications are claimed
with one UPDATE ... WHERE digest IS NULL (a sender for a different period waits on the
first's row locks and then finds them taken). A notification committed a moment after its
period's digest was sent goes in the next one, whose period starts early enough to cover it.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.urls import reverse
from django.utils import timezone

from coproduce.hubs.models import Person
from coproduce.mail import render_text, send_after_commit

from .models import Delivery, Digest, Notification

PERIODIC = (Delivery.DAILY, Delivery.WEEKLY)


def period_end(now: datetime.datetime, delivery: str, hour: int | None = None) -> datetime.datetime:
    """The latest digest boundary at or before `now`: today's (or yesterday's) digest hour
    for daily; Monday's for weekly. In local time, so 7 am stays 7 am across clock changes."""
    hour = settings.NOTIFY_DIGEST_HOUR if hour is None else hour
    local = timezone.localtime(now)
    day = local.date()
    if delivery == Delivery.WEEKLY:
        day -= datetime.timedelta(days=day.weekday())
    boundary = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
    if boundary > now:
        step = 7 if delivery == Delivery.WEEKLY else 1
        boundary = timezone.make_aware(
            datetime.datetime.combine(day - datetime.timedelta(days=step), datetime.time(hour))
        )
    return boundary


def waiting(delivery: str, end: datetime.datetime):
    return Notification.objects.filter(delivery=delivery, digest__isnull=True, created_at__lt=end)


def send_digests(now: datetime.datetime | None = None) -> list[Digest]:
    """Send every daily and weekly digest that is due; returns the digests sent."""
    now = now or timezone.now()
    sent = []
    for delivery in PERIODIC:
        end = period_end(now, delivery)
        people = waiting(delivery, end).values_list("recipient_id", flat=True).distinct()
        for person_id in list(people):
            digest = _send_one(person_id, delivery, end)
            if digest is not None:
                sent.append(digest)
    return sent


@transaction.atomic
def _send_one(person_id: int, delivery: str, end: datetime.datetime) -> Digest | None:
    previous = (
        Digest.objects.filter(person_id=person_id, delivery=delivery)
        .order_by("-period_end")
        .values_list("period_end", flat=True)
        .first()
    )
    try:
        with transaction.atomic():
            digest = Digest.objects.create(
                person_id=person_id, delivery=delivery, period_start=end, period_end=end
            )
    except IntegrityError:
        return None  # another sender has this person's digest for this period
    claimed = waiting(delivery, end).filter(recipient_id=person_id).update(digest=digest)
    if not claimed:
        transaction.set_rollback(True)  # another sender took them all first
        return None
    items = list(digest.notifications.select_related("hub").order_by("created_at", "id"))
    first = digest.notifications.aggregate(first=Min("created_at"))["first"]
    digest.period_start = min(previous or first, first)
    digest.save(update_fields=["period_start"])
    person = Person.objects.get(pk=person_id)
    if person.email and person.is_active:
        send_after_commit(
            to=[person.email],
            subject=_subject(digest, len(items)),
            body=render_text(
                "notify/email/digest.txt",
                {
                    "digest": digest,
                    "items": items,
                    "person": person,
                    "kind": digest.delivery,
                    "list": reverse("whats-new"),
                },
            ),
        )
    return digest


def _subject(digest: Digest, count: int) -> str:
    kind = "daily" if digest.delivery == Delivery.DAILY else "weekly"
    updates = "1 update" if count == 1 else f"{count} updates"
    return f"Your {kind} summary from Coproduce: {updates}"
