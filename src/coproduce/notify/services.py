"""Telling people: every event that concerns someone becomes a notification in their
"What's new" list, emailed now, gathered into a daily or weekly digest, or left on the
website, as they chose for that kind. What concerns someone who is not online (no email)
is passed to their hub's coordinators, who pass it on, unless the coordinator has chosen
"never" for that kind on the person's behalf.

Services call `tell(...)` inside their transaction: the notifications commit or roll back
with the change, and email is queued only after commit (coproduce.mail), so a mail server
that is down never turns a saved change into an error page.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs.models import ContactPreference, Hub, Person, Role
from coproduce.mail import one_line, render_text, send_after_commit

from .access import reached_by_email
from .models import DEFAULTS, Delivery, Kind, Notification, Preference


def tell(
    people: Iterable[Person | None],
    *,
    kind: Kind,
    hub: Hub | None,
    subject: str,
    template: str,
    context: dict,
    url: str = "",
    actor: Person | None = None,
) -> list[Notification]:
    """Tell each person (once; never the actor about their own doing) about something.

    `template` is the plain-text body, rendered once; `url` the page to open (a path).
    Returns the notifications made, those passed to coordinators included.
    """
    recipients = _unique(p for p in people if p is not None and p.is_active)
    if actor is not None:
        recipients = [p for p in recipients if p.pk != actor.pk]
    if not recipients:
        return []
    subject = one_line(subject)[:200]
    body = render_text(template, context)
    choices = deliveries_for(recipients, kind)
    made = []
    coordinators = None
    for person in recipients:
        if reached_by_email(person):
            made.append(_make(person, kind, hub, subject, body, url, choices[person.pk]))
            continue
        # Not online: kept in their own list (they may sign in one day) ...
        made.append(_make(person, kind, hub, subject, body, url, Delivery.NEVER))
        if hub is None or choices[person.pk] == Delivery.NEVER:
            continue
        # ... and given to the coordinators to pass on, unless a coordinator did this
        # (they acted for the person, so they are the one to tell them).
        if coordinators is None:
            coordinators = coordinators_of(hub)
            if actor is not None and any(c.pk == actor.pk for c in coordinators):
                coordinators = []
            passed = deliveries_for(coordinators, kind)  # once, however many are offline
        for coordinator in coordinators:
            made.append(
                _make(
                    coordinator,
                    kind,
                    hub,
                    one_line(f"For {person.display_name}: {subject}")[:200],
                    _pass_on_note(person) + body,
                    url,
                    passed[coordinator.pk],
                    for_person=person,
                )
            )
    return made


def _unique(people: Iterable[Person]) -> list[Person]:
    seen, unique = set(), []
    for person in people:
        if person.pk not in seen:
            seen.add(person.pk)
            unique.append(person)
    return unique


def _make(person, kind, hub, subject, body, url, delivery, *, for_person=None) -> Notification:
    notification = Notification.objects.create(
        recipient=person,
        for_person=for_person,
        hub=hub,
        kind=kind,
        subject=subject,
        body=body,
        url=url,
        delivery=delivery,
    )
    if delivery == Delivery.NOW and reached_by_email(person):
        send_after_commit(to=[person.email], subject=subject, body=body)
    return notification


def _pass_on_note(person: Person) -> str:
    how = []
    if person.contact_preference != ContactPreference.EMAIL:  # they have no email
        how.append(f"they prefer: {person.get_contact_preference_display().lower()}")
    if person.phone:
        how.append(f"phone {person.phone}")
    # The address itself stays on the site (an email travels further than the page).
    if person.wants_letters_without_address:
        how.append("no postal address on record yet")
    way = f" ({'; '.join(how)})" if how else ""
    return f"This is for {person.display_name}, who is not online. Please pass it on{way}.\n\n"


def coordinators_of(hub: Hub) -> list[Person]:
    """The hub's active coordinators and admins who can be emailed."""
    return list(
        Person.objects.filter(
            memberships__hub=hub,
            memberships__is_active=True,
            memberships__role__in=[Role.COORDINATOR, Role.ADMIN],
            is_active=True,
        )
        .exclude(email__isnull=True)
        .exclude(email="")
        .distinct()
    )


def deliveries_for(people: list[Person], kind: str) -> dict[int, str]:
    """Each person's chosen delivery for one kind (the default where they have not chosen),
    in one query."""
    chosen = dict(
        Preference.objects.filter(person__in=people, kind=kind).values_list("person_id", "delivery")
    )
    return {person.pk: chosen.get(person.pk, DEFAULTS[kind]) for person in people}


def choices_of(person: Person) -> dict[str, str]:
    """Every kind's delivery for one person, defaults filled in."""
    chosen = dict(person.notification_preferences.values_list("kind", "delivery"))
    return {kind.value: chosen.get(kind.value, DEFAULTS[kind]) for kind in Kind}


@transaction.atomic
def preferences_set(
    *, actor: Person, person: Person, choices: dict[str, str], hub: Hub | None = None
) -> dict[str, str]:
    """Save how `person` wants each kind delivered (the caller has checked that `actor`
    may: notify.access.person_whose_choices). Audited when anything changed."""
    for kind, delivery in choices.items():
        if kind not in Kind.values:
            raise ApplicationError(f"There is no kind of notification called {kind!r}.")
        if delivery not in Delivery.values:
            raise ApplicationError("Choose how you want to hear about it.", field=kind)
    before = choices_of(person)
    changed = {k: v for k, v in choices.items() if before[k] != v}
    for kind, delivery in changed.items():
        Preference.objects.update_or_create(
            person=person, kind=kind, defaults={"delivery": delivery}
        )
    if changed:
        audit(
            hub=hub,
            actor=actor,
            on_behalf_of=person,
            event=AuditKind.NOTIFICATION_PREFERENCES_CHANGED,
            subject=person,
            old={kind: before[kind] for kind in changed},
            new=changed,
        )
    return choices_of(person)


def mark_read(*, person: Person, up_to: int | None = None, ids: Iterable[int] = ()) -> int:
    """Mark the person's own notifications read: the ones named, or every one up to the
    newest they were shown (never one that arrived since). Not audited: it changes only
    what their own list highlights, not anything the hub relies on."""
    unread = Notification.objects.filter(recipient=person, read_at__isnull=True)
    ids = [int(i) for i in ids]
    if ids:
        unread = unread.filter(pk__in=ids)
    elif up_to is not None:
        unread = unread.filter(pk__lte=up_to)
    return unread.update(read_at=timezone.now())
