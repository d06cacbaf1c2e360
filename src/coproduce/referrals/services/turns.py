"""Taking turns on a rota: one (yourself, or the lead putting someone on), or several at
once. With a key, a turn taken twice (a double click, a retried request) is taken once
and the first answer given back (see coproduce/idempotency.py)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access
from coproduce.hubs import selectors as hub_selectors
from coproduce.hubs.models import Person
from coproduce.idempotency import once, owner_of

from .. import access as rights
from ..models import FILLED_STATUSES, Assignment, Slot


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
    if not rights.is_trained(person, project):
        raise ApplicationError(
            f"{person} needs the project's training first: {project.training}.", field="person"
        )
    if project.needs_check:
        day = timezone.localdate(slot.ends_at)
        if hub_selectors.valid_check_until(project.hub, person, day) is None:
            raise ApplicationError(
                f"This project needs a safeguarding check valid on {day:%d %B %Y}, and "
                f"{person} has none.",
                field="person",
            )
    filled = slot.assignments.filter(status__in=FILLED_STATUSES)
    if filled.filter(person=person).exists():
        raise ApplicationError(f"{person} is already on this slot.", field="person")
    if filled.count() >= slot.places:
        raise ApplicationError("This slot is full.")
    clash = (
        Assignment.objects.filter(
            person=person,
            status__in=FILLED_STATUSES,
            slot__cancelled=False,
            slot__starts_at__lt=slot.ends_at,
            slot__ends_at__gt=slot.starts_at,
        )
        .select_related("slot__project")
        .first()
    )
    if clash:
        raise ApplicationError(
            f"{person} is already on the rota then: {clash.slot.project} at "
            f"{timezone.localtime(clash.slot.starts_at):%H:%M on %d %b}.",
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
        action=lambda: _take(actor, slot, person),
    )


def _take(actor: Person, slot: Slot, person: Person | None) -> Assignment:
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
            taken.append(_take(actor, slot, None))
        except ApplicationError as error:
            when = timezone.localtime(slot.starts_at)
            raise ApplicationError(
                f"{when:%a %d %b %H:%M}: {error.message} Nothing was taken.", field="slots"
            ) from error
    return taken
