"""Clearing inactive accounts, run daily by `coproduce insight tick`.

A person is inactive when nobody has signed in to their account (or, if never, since it
was made) and nothing has been done by or for them (the audit log, the ledger, votes) for
COPRODUCE_INACTIVE_DAYS. They are warned 30 and 7 days before the day their account will
be cleared (each warning once; through notify's ACCOUNT kind, emailed even if they chose
no email; for someone not online the hub's coordinators are told), then erased with the
route "inactive" — never sooner than 7 days after the last warning. Signing in, or any
activity, moves the day on, so earlier warnings no longer apply. Running twice in a day
does nothing more. The retention table (retention.py) says what erasure keeps.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.deliberation.models import Vote
from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import AuditEvent, Person
from coproduce.mail import send_after_commit
from coproduce.notify import services as notify
from coproduce.notify.models import Delivery, Kind, Notification
from coproduce.timebank.models import Account

from .models import Erasure, InactivityWarning
from .services import erasure

WARN_DAYS = (30, 7)


def last_seen(person: Person) -> datetime.datetime:
    """When the person last signed in, or was active, or their account was made."""
    moments = [person.last_login, person.date_joined]
    moments.append(
        AuditEvent.objects.filter(Q(actor=person) | Q(on_behalf_of=person)).aggregate(
            at=Max("created_at")
        )["at"]
    )
    moments.append(
        Account.objects.filter(membership__person=person).aggregate(at=Max("last_activity_at"))[
            "at"
        ]
    )
    moments.append(
        Vote.objects.filter(participant__person=person).aggregate(at=Max("cast_at"))["at"]
    )
    return max(moment for moment in moments if moment is not None)


def clear_on(person: Person, days: int) -> datetime.date:
    # Whole calendar days from the local day last seen, so a clock change between the two
    # (British Summer Time to GMT) never moves the day.
    return timezone.localdate(last_seen(person)) + datetime.timedelta(days=days)


def candidates(days: int):
    """Active people not signed in for long enough to be near their clearing day (a cheap
    first sieve; last_seen decides)."""
    since = timezone.now() - datetime.timedelta(days=days - max(WARN_DAYS))
    signed_in_long_ago = Q(last_login__lt=since) | Q(last_login__isnull=True, date_joined__lt=since)
    erased = Erasure.objects.values("person_id")
    return (
        Person.objects.filter(signed_in_long_ago, is_active=True, is_superuser=False)
        .exclude(pk__in=erased)
        .order_by("pk")
    )


def warn_and_clear() -> str:
    days = settings.COPRODUCE_INACTIVE_DAYS
    if days <= 0:
        return "Clearing inactive accounts is off (COPRODUCE_INACTIVE_DAYS=0)."
    today = timezone.localdate()
    warned = {30: 0, 7: 0}
    cleared = kept = 0
    for person in candidates(days):
        day = clear_on(person, days)
        if today < day - datetime.timedelta(days=max(WARN_DAYS)):
            continue
        warnings = InactivityWarning.objects.filter(person=person, clear_on=day)
        last = warnings.filter(days_before=min(WARN_DAYS)).first()
        if last is None:
            if today >= day - datetime.timedelta(days=min(WARN_DAYS)):
                # Late (a new setting, or a missed run): warn now, and clear 7 days on.
                warn(person, min(WARN_DAYS), day)
                warned[min(WARN_DAYS)] += 1
            elif not warnings.filter(days_before=max(WARN_DAYS)).exists():
                warn(person, max(WARN_DAYS), day)
                warned[max(WARN_DAYS)] += 1
            continue
        if today >= day and timezone.now() - last.sent_at >= datetime.timedelta(days=7):
            try:
                erasure.person_erase(actor=None, person=person, route="inactive", how_asked="")
                cleared += 1
            except ApplicationError:
                kept += 1  # the only admin of a hub: left for the operator
    words = (
        f"Inactive accounts: {warned[30]} warned 30 days before, {warned[7]} warned 7 days "
        f"before, {cleared} cleared"
    )
    return words + (f", {kept} kept (the only admin of a hub)." if kept else ".")


@transaction.atomic
def warn(person: Person, days_before: int, day: datetime.date) -> InactivityWarning:
    """Warn once that the account will be cleared on `day`."""
    warning, made = InactivityWarning.objects.get_or_create(
        person=person, days_before=days_before, clear_on=day
    )
    if not made:
        return warning
    hubs = erasure.hubs_of(person)
    hub = hubs[0] if hubs else None
    made_notes = notify.tell(
        [person],
        kind=Kind.ACCOUNT,
        hub=hub,
        subject=f"Your account will be cleared on {day.day} {day:%B %Y} unless you sign in",
        template="insight/email/inactive_warning.txt",
        context={"person": person, "hub": hub or {"name": "Coproduce"}, "clear_on": day},
        url="/sign-in/",
    )
    own = [n for n in made_notes if n.recipient_id == person.pk]
    if hub_access.manages_own_account(person) and own and own[0].delivery != Delivery.NOW:
        # Sent even if they chose no email for this kind: it is about losing the account.
        send_after_commit(to=[person.email], subject=own[0].subject, body=own[0].body)
        Notification.objects.filter(pk=own[0].pk).update(delivery=Delivery.NOW)
    for each in hubs or [None]:
        audit(
            hub=each,
            actor=None,
            event=AuditKind.INACTIVITY_WARNED,
            subject=person,
            new={"days_before": days_before, "clear_on": day.isoformat()},
        )
    return warning
