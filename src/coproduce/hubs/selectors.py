"""Reads shared by several views."""

import datetime

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from coproduce.audit_kinds import AuditKind

from .models import (
    AuditEvent,
    Hub,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    Person,
    Role,
    SafeguardingCheck,
)


def coordinator_emails(hub: Hub) -> list[str]:
    """Where to tell the hub's coordinators (and admins) about something."""
    return list(
        Membership.objects.filter(
            hub=hub, is_active=True, role__in=[Role.COORDINATOR, Role.ADMIN]
        ).values_list("person__email", flat=True)
    )


def valid_check_until(hub: Hub, person: Person, on: datetime.date) -> datetime.date | None:
    """The expiry of the person's safeguarding check in this hub that is valid on `on`."""
    check = (
        SafeguardingCheck.objects.filter(
            hub=hub, person=person, issued_on__lte=on, expires_on__gt=on
        )
        .order_by("-expires_on")
        .first()
    )
    return check.expires_on if check else None


def memberships_of(person: Person) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(person=person, is_active=True)
        .select_related("hub", "organisation", "neighbourhood", "person")
        .order_by("hub__name")
    )


def name_has(field: str, part: str) -> Q:
    """`field` contains `part`, in any case. `icontains` is enough on PostgreSQL (its
    UPPER() knows every alphabet), but SQLite's LIKE folds only A to Z, so "ødegård"
    would not find "Ødegård": there a part with other letters is also looked for in
    lower case, in capitals and with a capital first."""
    condition = Q(**{f"{field}__icontains": part})
    if part.isascii() or connection.vendor != "sqlite":
        return condition
    for variant in {part.lower(), part.upper(), part.capitalize(), part.title()} - {part}:
        condition |= Q(**{f"{field}__icontains": variant})
    return condition


def hub_directory(
    hub: Hub, query: str = "", *, include_unlisted: bool = False
) -> QuerySet[Membership]:
    """The hub's members; only those who chose to be listed unless `include_unlisted`
    (who may see them is `access.sees_unlisted_members`)."""
    members = Membership.objects.filter(hub=hub, is_active=True).select_related(
        "person", "neighbourhood", "organisation"
    )
    if not include_unlisted:
        members = members.filter(listed_in_directory=True)
    if query:
        # assets is a JSON list; matching its text form works on SQLite and PostgreSQL.
        members = members.filter(
            name_has("person__display_name", query)
            | Q(person__postcode_district__iexact=query)
            | name_has("neighbourhood__name", query)
            | name_has("organisation__name", query)
            | Q(person__assets__icontains=query)
        )
    return members.order_by("person__display_name", "person_id")


def members_not_online(hub: Hub) -> QuerySet[Membership]:
    """The hub's members with no email, by name, whether or not they are listed in the
    directory (people added as not online are unlisted unless they choose otherwise)."""
    return hub_directory(hub, include_unlisted=True).filter(person__email__isnull=True)


def pending_join_requests(hub: Hub) -> QuerySet[JoinRequest]:
    return JoinRequest.objects.filter(hub=hub, status=JoinRequestStatus.PENDING).select_related(
        "person"
    )


def hub_audit_log(
    hub: Hub,
    *,
    kind: str | None = None,
    person: Person | None = None,
    date_from=None,
    date_to=None,
) -> QuerySet[AuditEvent]:
    """The hub's audit events, newest first; of one kind, done by or for one person, and
    between two dates (both included, in local time). Word them with
    coproduce.audit.describe."""
    events = AuditEvent.objects.select_related("actor", "on_behalf_of")
    if person is None:
        events = events.filter(hub=hub)
    else:
        # The hub in each part, so that each is read through its own index (the person,
        # the hub, newest first); SQLite would otherwise read the whole hub's log.
        events = events.filter(Q(hub=hub, actor=person) | Q(hub=hub, on_behalf_of=person))
    if kind:
        events = events.filter(event=kind)
    if date_from is not None:
        events = events.filter(created_at__gte=_start_of(date_from))
    if date_to is not None:
        events = events.filter(created_at__lt=_start_of(date_to + datetime.timedelta(days=1)))
    return events


def _start_of(day):
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_current_timezone())


def person_audit_log(hub: Hub, person: Person, limit: int = 20) -> QuerySet[AuditEvent]:
    """The latest `limit` events done by or for `person` in the hub, newest first.

    Each side is read through its own index (audit_actor_recent, audit_for_recent) and
    stops at `limit`, however long the person's history and however big the hub: the
    two sides are joined as a UNION where a database allows a limit in each part
    (PostgreSQL), as two IN lists otherwise (SQLite, which looks each one up by id)."""
    recent = AuditEvent.objects.filter(hub=hub).order_by("-created_at", "-id").values("pk")
    done_by = recent.filter(actor=person)[:limit]
    done_for = recent.filter(on_behalf_of=person)[:limit]
    if connection.features.supports_slicing_ordering_in_compound:
        latest = Q(pk__in=done_by.union(done_for, all=True))
    else:
        latest = Q(pk__in=done_by) | Q(pk__in=done_for)
    # The hub is in the two parts only: said again here, SQLite would read the whole
    # hub's log through audit_hub_recent instead of looking up these ids.
    events = AuditEvent.objects.filter(latest).select_related("actor", "on_behalf_of")
    return events.order_by("-created_at", "-id")[:limit]


def erased_on(hub: Hub, person: Person) -> datetime.datetime | None:
    """When an erased person's account was erased, from the hub's own log (the erasure
    writes one line per hub, naming that hub's row)."""
    event = (
        AuditEvent.objects.filter(
            hub=hub, event=AuditKind.PERSON_ERASED, subject_type="person", subject_id=person.pk
        )
        .order_by("-created_at")
        .first()
    )
    return event.created_at if event else None
