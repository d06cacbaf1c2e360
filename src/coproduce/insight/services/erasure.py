"""Erasing a person: "Delete my account", a coordinator's request for someone not online,
`coproduce people erase`, and the clearing of inactive accounts all come here.

The person's row is kept, so every foreign key stays valid (the ledger never loses an
hour, votes still count), but de-identified: no email, no password, nothing about them,
and their name is their hub's pseudonym, "Former member 4F7K". A person in several hubs
is split: the row keeps the first hub, and each further hub gets a new de-identified row
with that hub's own pseudonym, to which everything of that hub is re-pointed, so two
hubs cannot tell they held the same person. Their name, email and phone are replaced by
the pseudonym in every text of the database (erasure_sweep). What is deleted, kept or
pseudonymised follows insight/retention.py. All in one transaction.
"""

import secrets
from dataclasses import dataclass

from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import (
    ApiToken,
    AuditEvent,
    Hub,
    Invitation,
    Membership,
    Person,
    Role,
    UsedKey,
)
from coproduce.notify.models import Digest, Notification, Preference
from coproduce.timebank.models import Listing

from .. import exports
from ..models import (
    EqualityAnswers,
    Erasure,
    FormerMember,
    InactivityWarning,
    PersonalExport,
)
from . import erasure_sweep

PSEUDONYM_PREFIX = "Former member "
CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
SOLE_ADMIN = (
    "You are the only admin of {hub}. Make someone else an admin of {hub} first, so the "
    "hub is not left without one. Nothing was erased."
)


@dataclass(frozen=True)
class Erased:
    """What one erasure did: a pseudonym for each hub (in the order the person joined)."""

    pseudonyms: list[str]
    already: bool = False


def is_erased(person: Person) -> bool:
    """Erased, or one of the rows an erased person was split into."""
    return (
        Erasure.objects.filter(person=person).exists()
        or FormerMember.objects.filter(person=person).exists()
    )


def sole_admin_of(person: Person) -> Hub | None:
    """A hub of which the person is the only active admin (it would be left without one)."""
    for membership in Membership.objects.filter(
        person=person, role=Role.ADMIN, is_active=True
    ).select_related("hub"):
        others = Membership.objects.filter(hub=membership.hub, role=Role.ADMIN, is_active=True)
        if not others.exclude(person=person).exists():
            return membership.hub
    return None


def hubs_of(person: Person) -> list[Hub]:
    memberships = Membership.objects.filter(person=person).select_related("hub").order_by("pk")
    return [membership.hub for membership in memberships]


def new_pseudonym(hub: Hub | None, draw=secrets.choice) -> str:
    while True:
        code = "".join(draw(CODE_LETTERS) for _ in range(4))
        pseudonym = PSEUDONYM_PREFIX + code
        if hub is None or not FormerMember.objects.filter(hub=hub, pseudonym=pseudonym).exists():
            return pseudonym


def person_erase(*, actor, person, route: str, how_asked: str, draw=secrets.choice) -> Erased:
    """Erase `person` (see the module's docstring). `route` is an Erasure.Route; `actor`
    who asked (None for the operator or the daily clean-up). Erasing someone already
    erased does nothing and says so (`already`). `draw` picks the pseudonyms' letters: the
    demo seeds it so that two builds tell the same story."""
    if route not in Erasure.Route.values:
        raise ApplicationError(f"{route!r} is not a way of erasing someone.", field="route")
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        if is_erased(person):
            return Erased(pseudonyms=[], already=True)
        if route in (Erasure.Route.SELF, Erasure.Route.INACTIVE):
            hub = sole_admin_of(person)
            if hub is not None:
                raise ApplicationError(SOLE_ADMIN.format(hub=hub.name), field="person")
        words = erasure_sweep.identifiers(person)
        email = person.email or ""
        _delete_personal(person)
        hubs = hubs_of(person)
        rows: list[tuple[Hub | None, Person, str]] = []
        first_pseudonym = new_pseudonym(hubs[0] if hubs else None, draw)
        rows.append((hubs[0] if hubs else None, person, first_pseudonym))
        for hub in hubs[1:]:
            pseudonym = new_pseudonym(hub, draw)
            # Joined when they joined this hub: nothing shared with the other rows.
            joined = Membership.objects.get(hub=hub, person=person).joined_at
            twin = Person.objects.create(display_name=pseudonym, date_joined=joined)
            _de_identify(twin, pseudonym)
            erasure_sweep.repoint(person, twin, hub)
            UsedKey.objects.filter(hub=hub, owner=f"person:{person.pk}").update(
                owner=f"person:{twin.pk}"
            )
            # The hub's audit log names its subjects by id: its lines about the person
            # now name the hub's own row (never the row another hub shows).
            AuditEvent.objects.filter(hub=hub, subject_type="person", subject_id=person.pk).update(
                subject_id=twin.pk
            )
            rows.append((hub, twin, pseudonym))
        _de_identify(person, first_pseudonym)
        Person.objects.filter(created_by=person).update(created_by=None)
        _leave(row for _hub, row, _p in rows)
        for hub, row, pseudonym in rows:
            if hub is not None:
                FormerMember.objects.create(hub=hub, person=row, pseudonym=pseudonym)
        pseudonyms = {hub.pk: p for hub, _row, p in rows if hub is not None}
        Erasure.objects.create(  # before the sweep: how they asked may name them
            person=person,
            route=route,
            requested_by=actor if actor is not None and actor.pk != person.pk else None,
            how_asked=how_asked[:200],
        )
        _drop_queued_mail(email)
        erasure_sweep.scrub_text(words, pseudonyms, default="a former member")
        for hub, row, pseudonym in rows:
            if hub is not None:
                audit(
                    hub=hub,
                    actor=None if actor is None or actor.pk == person.pk else actor,
                    event=AuditKind.PERSON_ERASED,
                    subject=row,
                    new={"pseudonym": pseudonym, "route": route},
                )
        hub_access.forget_memberships()
        return Erased(pseudonyms=[p for _hub, _row, p in rows])


def _leave(people) -> None:
    """A former member is no longer a member: their memberships end (kept, for the
    ledger's accounts and the hub's counts), unlisted, and their listings close."""
    people = list(people)
    memberships = Membership.objects.filter(person__in=people)
    memberships.filter(left_at__isnull=True).update(left_at=timezone.now())
    memberships.update(is_active=False, listed_in_directory=False)
    Listing.objects.filter(account__membership__person__in=people, is_active=True).update(
        is_active=False
    )


def _de_identify(person: Person, pseudonym: str) -> None:
    person.email = None
    person.set_unusable_password()
    person.display_name = pseudonym
    person.phone = ""
    person.postal_address = ""
    person.postcode_district = ""
    person.assets, person.needs, person.availability, person.languages = [], [], [], []
    person.about = ""
    person.is_active = False
    person.is_staff = False
    person.is_superuser = False
    person.last_login = None
    person.save()
    person.groups.clear()
    person.user_permissions.clear()


def _delete_personal(person: Person) -> None:
    """What the retention table deletes on erasure."""
    EqualityAnswers.objects.filter(person=person).delete()
    Preference.objects.filter(person=person).delete()
    Notification.objects.filter(recipient=person).delete()
    Digest.objects.filter(person=person).delete()
    InactivityWarning.objects.filter(person=person).delete()
    ApiToken.objects.filter(person=person).delete()
    if person.email:
        Invitation.objects.filter(email__iexact=person.email, accepted_at__isnull=True).delete()
    files = [exports.path_of(export) for export in PersonalExport.objects.filter(person=person)]
    PersonalExport.objects.filter(person=person).delete()
    transaction.on_commit(lambda: _remove_files(files))
    _end_sessions(person)


def _remove_files(paths: list) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _end_sessions(person: Person) -> None:
    """Sign the person out everywhere (sessions hold only their id, in signed data)."""
    wanted = str(person.pk)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == wanted:
            session.delete()


def _drop_queued_mail(email: str) -> None:
    """Emails to the person still waiting in the database task queue are not sent."""
    if not email:
        return
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the queue is always installed here
        return
    DBTaskResult.objects.filter(status="READY").annotate(
        _as_text=Cast("args_kwargs", TextField())
    ).filter(_as_text__icontains=email).delete()


# --- the ways of asking --------------------------------------------------------------------

HOW_ASKED = {
    "paper": "On a paper form",
    "phone": "By phone",
    "in_person": "In person",
}


def account_delete(*, person: Person, password: str) -> Erased:
    """ "Delete my account": the person's own erasure, after entering their password."""
    if not person.check_password(password):
        raise ApplicationError("That is not your password. Nothing was erased.", field="password")
    return person_erase(actor=person, person=person, route=Erasure.Route.SELF, how_asked="")


def erasure_request(*, actor: Person, hub: Hub, person: Person, how: str, note: str) -> Erased:
    """A coordinator records that someone not online asked to be erased, and erases them."""
    from .. import access

    if how not in HOW_ASKED:
        raise ApplicationError("Choose how they asked.", field="how")
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        hub_access.require_coordinator(actor, hub)
        if is_erased(person):
            return Erased(pseudonyms=[], already=True)
        refusal = access.erasure_request_refusal(hub, person)
        if refusal:
            raise ApplicationError(refusal, field="person")
        how_asked = HOW_ASKED[how] + (f": {note.strip()}" if note.strip() else "")
        audit(
            hub=hub,
            actor=actor,
            event=AuditKind.ERASURE_REQUESTED,
            subject=person,
            new={"how": how},
        )
        return person_erase(
            actor=actor, person=person, route=Erasure.Route.COORDINATOR, how_asked=how_asked
        )
