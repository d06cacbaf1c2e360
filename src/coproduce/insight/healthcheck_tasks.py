"""Reminders about the health check, sent by `coproduce insight tick` once a day.

- When a round opens, and again once in its last 7 days, every member who has not
  answered is told (Kind.HEALTH_CHECK, a link to answer). People who are not online are
  not told one by one: the hub's coordinators get one list of them, with a link to the
  round's page, whose list of who has not answered prints for paper.
- When a hub's last round closed more than three months ago and none is open or to come,
  its coordinators are told it is time for the next one, once for that due date.

`HealthCheck.reminded_at` remembers the last reminder of a round: the opening one is sent
while it is empty, the closing one while it is older than the round's last 7 days, and
"time for the next" (on the hub's last round) while it is older than the due date. So a
tick run twice, or by two processes at once (the round's row is locked), sends each once.
"""

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.hubs.models import Hub, Person
from coproduce.notify.access import reached_by_email
from coproduce.notify.models import Kind
from coproduce.notify.services import coordinators_of, tell

from . import healthcheck
from .models import HealthCheck, HealthCheckResponse

LAST_DAYS = 7


def not_answered(check: HealthCheck) -> list[Person]:
    """The hub's active members who have not answered this round, by name."""
    answered = HealthCheckResponse.objects.filter(health_check=check).values("person_id")
    return list(
        Person.objects.filter(
            memberships__hub_id=check.hub_id, memberships__is_active=True, is_active=True
        )
        .exclude(pk__in=answered)
        .distinct()
        .order_by("display_name", "pk")
    )


def _stage(check: HealthCheck, today: datetime.date) -> str:
    """Which reminder is due for an open round: "opening", "closing" or ""."""
    if not check.opens_on <= today <= check.closes_on:
        return ""
    if check.reminded_at is None:
        return "opening"
    last_days_from = check.closes_on - datetime.timedelta(days=LAST_DAYS)
    if today >= last_days_from and timezone.localdate(check.reminded_at) < last_days_from:
        return "closing"
    return ""


def _remind(check: HealthCheck, stage: str) -> int:
    people = not_answered(check)
    online = [p for p in people if reached_by_email(p)]
    offline = [p for p in people if not reached_by_email(p)]
    url = reverse("health-check-answer", args=[check.hub.slug, check.pk])
    context = {"check": check, "stage": stage, "hub": check.hub}
    tell(
        online,
        kind=Kind.HEALTH_CHECK,
        hub=check.hub,
        subject=(
            f"The health check “{check.title}” is open: how well do we work together?"
            if stage == "opening"
            else f"The health check “{check.title}” closes on {check.closes_on:%-d %B}"
        ),
        template="insight/health/email/remind.txt",
        context=context,
        url=url,
    )
    if offline:
        tell(
            coordinators_of(check.hub),
            kind=Kind.HEALTH_CHECK,
            hub=check.hub,
            subject=(
                f"{len(offline)} members not online have not answered “{check.title}”"
                if len(offline) > 1
                else f"A member not online has not answered “{check.title}”"
            ),
            template="insight/health/email/not_online.txt",
            context={**context, "people": offline},
            url=reverse("health-check", args=[check.hub.slug, check.pk]) + "#not-answered",
        )
    return len(people)


def _time_for_next(hub: Hub, today: datetime.date) -> bool:
    last = HealthCheck.objects.filter(hub=hub).order_by("-closes_on", "-id").first()
    if last is None or last.closes_on >= today:
        return False  # none yet, or one is open or to come
    due = healthcheck.next_due(last.closes_on)
    if today <= due:
        return False
    last = HealthCheck.objects.select_for_update().get(pk=last.pk)
    if last.reminded_at is not None and timezone.localdate(last.reminded_at) > due:
        return False  # told already
    tell(
        coordinators_of(hub),
        kind=Kind.HEALTH_CHECK,
        hub=hub,
        subject="Time for the next health check",
        template="insight/health/email/next_due.txt",
        context={"hub": hub, "last": last},
        url=reverse("health-check-new", args=[hub.slug]),
    )
    last.reminded_at = timezone.now()
    last.save(update_fields=["reminded_at"])
    audit(
        hub=hub,
        actor=None,
        event=AuditKind.HEALTH_CHECK_REMINDED,
        subject=last,
        new={"title": last.title, "stage": "next_due"},
    )
    return True


def remind_due() -> str:
    """Send the reminders due today; say what was sent."""
    today = timezone.localdate()
    rounds = people = next_due = 0
    open_ids = HealthCheck.objects.filter(opens_on__lte=today, closes_on__gte=today).values_list(
        "pk", flat=True
    )
    for pk in list(open_ids):
        with transaction.atomic():
            check = HealthCheck.objects.select_for_update().select_related("hub").get(pk=pk)
            stage = _stage(check, today)
            if not stage:
                continue
            people += _remind(check, stage)
            check.reminded_at = timezone.now()
            check.save(update_fields=["reminded_at"])
            audit(
                hub=check.hub,
                actor=None,
                event=AuditKind.HEALTH_CHECK_REMINDED,
                subject=check,
                new={"title": check.title, "stage": stage},
            )
            rounds += 1
    for hub in Hub.objects.filter(health_checks__isnull=False).distinct():
        with transaction.atomic():
            next_due += _time_for_next(hub, today)
    return (
        f"Health checks: reminded {people} people about {rounds} rounds; told "
        f"{next_due} hubs it is time for the next one."
    )
