"""Taking turns on a rota: one (yourself, or the lead putting someone on), or several at
once, all or none. With a key, a turn taken twice (a double click, a retried request) is
taken once and the first answer given back (see coproduce/idempotency.py). The project's
gate (training, checks) is `access.project_refuses`, the same rule the matcher reads."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access
from coproduce.hubs.models import Person
from coproduce.idempotency import once, owner_of
from coproduce.notify.models import Kind
from coproduce.notify.services import tell

from .. import access as rights
from ..models import FILLED_STATUSES, Assignment, Slot


def describe_period(period) -> str:
    return f"{timezone.localtime(period.starts_at):%a %-d %b %Y %H:%M}"


def _lock_slot(slot: Slot) -> Slot:
    return Slot.objects.select_for_update().select_related("project__hub").get(pk=slot.pk)


def _check_can_take(slot: Slot, person: Person) -> None:
    project = slot.project
    if slot.cancelled:
        raise ApplicationError("This slot has been cancelled.")
    if slot.starts_at <= timezone.now():
        raise ApplicationError("This slot has already started.")
    if access.membership_of(person, project.hub) is None:
        raise ApplicationError("That person is not a member of this hub.", field="person")
    if slot.receiver_id == person.pk:
        raise ApplicationError(
            "The person being helped cannot take their own slot.", field="person"
        )
    refused = rights.project_refuses(project, person, on=timezone.localdate(slot.ends_at))
    if refused:
        raise ApplicationError(refused, field="person")
    filled = slot.assignments.filter(status__in=FILLED_STATUSES)
    if filled.filter(person=person).exists():
        raise ApplicationError(f"{person} is already on this slot.", field="person")
    if filled.count() >= slot.places:
        raise ApplicationError("This slot is full.")
    _require_free(person, slot.starts_at, slot.ends_at)


def _require_free(person: Person, starts_at, ends_at) -> None:
    """Nobody is on two turns at once."""
    clash = (
        Assignment.objects.filter(
            person=person,
            status__in=FILLED_STATUSES,
            slot__cancelled=False,
            slot__starts_at__lt=ends_at,
            slot__ends_at__gt=starts_at,
        )
        .select_related("slot__project")
        .first()
    )
    if clash:
        raise ApplicationError(
            f"{person} is already on the rota then: {clash.slot.project} at "
            f"{timezone.localtime(clash.slot.starts_at):%H:%M on %-d %b}.",
            field="person",
        )


@transaction.atomic
def assignment_take(
    *, actor: Person, slot: Slot, person: Person | None = None, key: str | None = None
) -> Assignment:
    """Put a person on a slot: themselves, or (the lead or a coordinator) someone else."""
    return once(
        hub_id=slot.project.hub_id,
        owner=owner_of(actor),
        key=key,
        kind="turns-take",
        content={"slots": [slot.pk], "person": (person or actor).pk},
        action=lambda: put_on_rota(actor, slot, person),
    )


def put_on_rota(
    actor: Person, slot: Slot, person: Person | None, *, tell_them: bool = True
) -> Assignment:
    """Take the slot for `person` (the caller holds the transaction), telling them when
    someone else did it, unless the caller tells them once for many turns."""
    slot = _lock_slot(slot)
    person = person or actor
    project_rights = rights.rights_on_project(actor, slot.project)  # members only
    if person.pk != actor.pk and not project_rights.lead:
        raise PermissionDenied("Only the lead or a coordinator can put someone else on the rota.")
    _check_can_take(slot, person)
    assignment = Assignment.objects.create(slot=slot, person=person)
    audit(
        hub=slot.project.hub,
        actor=actor,
        on_behalf_of=person,
        event=AuditKind.ROTA_TAKEN,
        subject=assignment,
        new={"slot": slot.pk, "person": person.pk},
    )
    tell(  # someone put on the rota by the lead or a coordinator (never their own doing)
        [person] if tell_them else [],
        actor=actor,
        kind=Kind.ROTA,
        hub=slot.project.hub,
        subject=f"You are on the {slot.project} rota: {describe_period(slot)}",
        template="referrals/email/put_on_rota.txt",
        context={"slot": slot, "actor": actor},
        url=reverse("project", args=[slot.project.hub.slug, slot.project_id]),
    )
    return assignment


@transaction.atomic
def assignments_take(
    *, actor: Person, slots: list[Slot], key: str | None = None
) -> list[Assignment]:
    """Take several turns at once, all or none: one that cannot be taken (full, started,
    clashing with another chosen) refuses the lot, naming its date and time."""
    if not slots:
        raise ApplicationError("Choose at least one turn.", field="slots")
    return once(
        hub_id=slots[0].project.hub_id,
        owner=owner_of(actor),
        key=key,
        kind="turns-take",
        content={"slots": sorted(slot.pk for slot in slots), "person": actor.pk},
        action=lambda: _take_all(actor, slots),
    )


def _take_all(actor: Person, slots: list[Slot]) -> list[Assignment]:
    taken = []
    for slot in sorted(slots, key=lambda s: s.starts_at):
        try:
            taken.append(put_on_rota(actor, slot, None))
        except ApplicationError as error:
            when = timezone.localtime(slot.starts_at)
            raise ApplicationError(
                f"{when:%a %-d %b %H:%M}: {error.message} Nothing was taken.", field="slots"
            ) from error
    return taken
