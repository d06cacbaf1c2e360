"""Rotas: a project's slots, the people who take them, give them up or swap, and the
time they log, which the lead confirms through the ledger."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access
from coproduce.hubs.models import Person
from coproduce.notify.models import Kind
from coproduce.notify.services import tell
from coproduce.timebank import services as timebank
from coproduce.timebank.ledger import MAX_MINUTES_PER_LEG

from .. import access as rights
from .. import schedule
from ..models import (
    Assignment,
    AssignmentStatus,
    Project,
    Referral,
    ReferralStatus,
    Slot,
)
from .referrals import _change_status, _lock
from .taking import _check_can_take, _lock_slot, describe_period


@transaction.atomic
def slots_add(
    *,
    actor: Person,
    project: Project,
    periods: list[schedule.Period],
    role: str,
    places: int = 1,
    receiver: Person | None = None,
    referral: Referral | None = None,
    note: str = "",
) -> list[Slot]:
    """Add slots to a project's rota: all of them or none."""
    rights.require_lead(actor, project)
    if not periods:
        raise ApplicationError("Add at least one slot.", field="starts_at")
    if role not in project.roles:
        raise ApplicationError(
            f"Choose one of this project's jobs: {', '.join(project.roles)}.", field="role"
        )
    if not 1 <= places <= 30:
        raise ApplicationError("A slot has between 1 and 30 places.", field="places")
    if receiver is not None and access.membership_of(receiver, project.hub) is None:
        raise ApplicationError("The person helped must be a member of this hub.", field="receiver")
    if referral is not None and referral.hub_id != project.hub_id:
        raise ApplicationError("Choose a referral in this hub.", field="referral")
    now = timezone.now()
    for period in periods:
        if period.ends_at <= period.starts_at:
            raise ApplicationError("A slot must end after it starts.", field="minutes")
        if period.starts_at < now:
            raise ApplicationError(
                f"A slot cannot start in the past ({describe_period(period)}).",
                field="starts_at",
            )
    for earlier, later in schedule.clashes(periods):
        raise ApplicationError(
            f"Two of these slots overlap: {describe_period(earlier)} and {describe_period(later)}.",
            field="starts_at",
        )
    existing = Slot.objects.filter(
        project=project,
        role=role,
        receiver=receiver,
        cancelled=False,
        starts_at__lt=max(p.ends_at for p in periods),
        ends_at__gt=min(p.starts_at for p in periods),
    )
    for slot in existing:
        taken = schedule.Period(slot.starts_at, slot.ends_at)
        for period in periods:
            if period.overlaps(taken):
                raise ApplicationError(
                    f"The rota already has a {role} slot at {describe_period(taken)}, which "
                    f"overlaps {describe_period(period)}.",
                    field="starts_at",
                )
    slots = Slot.objects.bulk_create(
        Slot(
            project=project,
            starts_at=p.starts_at,
            ends_at=p.ends_at,
            role=role,
            places=places,
            receiver=receiver,
            referral=referral,
            note=note.strip()[:200],
            created_by=actor,
        )
        for p in periods
    )
    audit(
        hub=project.hub,
        actor=actor,
        event=AuditKind.SLOT_ADDED,
        subject=project,
        new={
            "count": len(slots),
            "role": role,
            "first": periods[0].starts_at,
            "receiver": receiver,
        },
    )
    return slots


def _lock_assignment(assignment: Assignment) -> Assignment:
    return (
        Assignment.objects.select_for_update()
        .select_related("slot__project__hub", "person")
        .get(pk=assignment.pk)
    )


def _require_self_or_lead(actor: Person, assignment: Assignment) -> None:
    if not rights.rights_on_assignment(actor, assignment).log:
        raise PermissionDenied(
            "Only the person on the slot, its lead or a coordinator can do this."
        )


def _give_up(actor: Person, assignment: Assignment, reason: str) -> None:
    if assignment.status != AssignmentStatus.ON_ROTA:
        raise ApplicationError("Only a slot you are still down for can be given up.")
    if assignment.slot.starts_at <= timezone.now():
        raise ApplicationError("This slot has already started.")
    assignment.status = AssignmentStatus.GIVEN_UP
    assignment.save(update_fields=["status"])
    audit(
        hub=assignment.slot.project.hub,
        actor=actor,
        on_behalf_of=assignment.person,
        event=AuditKind.ROTA_GIVEN_UP,
        subject=assignment,
        new={"reason": reason},
    )


@transaction.atomic
def assignment_give_up(*, actor: Person, assignment: Assignment, reason: str = "") -> Assignment:
    assignment = _lock_assignment(assignment)
    _require_self_or_lead(actor, assignment)
    _give_up(actor, assignment, reason.strip())
    project = assignment.slot.project
    tell(
        [project.lead],
        actor=actor,
        kind=Kind.ROTA,
        hub=project.hub,
        subject=f"A gap on the {project} rota",
        template="referrals/email/gap.txt",
        context={"assignment": assignment, "project": project},
        url=reverse("project", args=[project.hub.slug, project.pk]),
    )
    return assignment


@transaction.atomic
def assignment_swap(*, actor: Person, assignment: Assignment, to_slot: Slot) -> Assignment:
    """Swap to another slot of the same project in one step: the old place is given up
    only if the new one can be taken."""
    assignment = _lock_assignment(assignment)
    _require_self_or_lead(actor, assignment)
    if to_slot.project_id != assignment.slot.project_id:
        raise ApplicationError("Choose a slot in the same project.", field="to_slot")
    when = timezone.localtime(to_slot.starts_at)
    _give_up(actor, assignment, f"swapped to the turn on {when:%a %-d %b %H:%M}")
    slot = _lock_slot(to_slot)
    _check_can_take(slot, assignment.person)
    moved = Assignment.objects.create(slot=slot, person=assignment.person)
    audit(
        hub=slot.project.hub,
        actor=actor,
        on_behalf_of=assignment.person,
        event=AuditKind.ROTA_SWAPPED,
        subject=moved,
        old={"slot": assignment.slot_id},
        new={"slot": slot.pk},
    )
    return moved


@transaction.atomic
def assignment_log(
    *, actor: Person, assignment: Assignment, minutes: int | None = None
) -> Assignment:
    """The slot happened: the person (or the lead) says how long it took."""
    assignment = _lock_assignment(assignment)
    _require_self_or_lead(actor, assignment)
    if assignment.status != AssignmentStatus.ON_ROTA:
        raise ApplicationError("This slot's time has already been logged, or it was given up.")
    if assignment.slot.starts_at > timezone.now():
        raise ApplicationError("Time is logged once the slot has started.")
    minutes = assignment.slot.minutes if minutes is None else minutes
    if not isinstance(minutes, int) or not 0 < minutes <= MAX_MINUTES_PER_LEG:
        raise ApplicationError(
            "Enter the time spent: above zero and at most 24 hours.", field="minutes"
        )
    assignment.status, assignment.minutes, assignment.logged_by = (
        AssignmentStatus.ATTENDED,
        minutes,
        actor,
    )
    assignment.save()
    audit(
        hub=assignment.slot.project.hub,
        actor=actor,
        on_behalf_of=assignment.person,
        event=AuditKind.ROTA_ATTENDED,
        subject=assignment,
        new={"minutes": minutes},
    )
    return assignment


@transaction.atomic
def assignment_missed(*, actor: Person, assignment: Assignment) -> Assignment:
    assignment = _lock_assignment(assignment)
    if not rights.rights_on_assignment(actor, assignment).missed:
        raise PermissionDenied("Only the project's lead or a coordinator can do this.")
    if assignment.status not in (AssignmentStatus.ON_ROTA, AssignmentStatus.ATTENDED):
        raise ApplicationError("Only a slot not yet confirmed can be marked as missed.")
    old = assignment.status
    assignment.status = AssignmentStatus.MISSED
    assignment.save(update_fields=["status"])
    audit(
        hub=assignment.slot.project.hub,
        actor=actor,
        event=AuditKind.ROTA_MISSED,
        subject=assignment,
        old={"status": old},
    )
    return assignment


def _payer(slot: Slot):
    """Who the hours are owed by: the organisation running the project (person-to-agency),
    else the person helped, else the community chest."""
    project = slot.project
    if project.organisation_id:
        return timebank.account_for_organisation(project.organisation)
    if slot.receiver_id:
        return timebank.account_of(slot.receiver, project.hub)
    return timebank.chest_of(project.hub)


@transaction.atomic
def assignment_confirm(*, actor: Person, assignment: Assignment) -> Assignment:
    """The lead confirms attended time; the hours go through the ledger."""
    assignment = _lock_assignment(assignment)
    slot, project = assignment.slot, assignment.slot.project
    rights.require_lead(actor, project)
    if not rights.rights_on_assignment(actor, assignment).confirm:
        raise PermissionDenied("Someone else confirms your own time: a coordinator or the lead.")
    if assignment.status != AssignmentStatus.ATTENDED:
        raise ApplicationError("Only logged time waiting for confirmation can be confirmed.")
    exchange = timebank.exchange_record_settled(
        actor=actor,
        hub=project.hub,
        giver=timebank.account_of(assignment.person, project.hub),
        receiver=_payer(slot),
        title=f"{project}: {slot.role}",
        minutes=assignment.minutes,
        done_on=timezone.localdate(slot.starts_at),
    )
    assignment.status, assignment.exchange = AssignmentStatus.CONFIRMED, exchange
    assignment.confirmed_by, assignment.confirmed_at = actor, timezone.now()
    assignment.save()
    audit(
        hub=project.hub,
        actor=actor,
        on_behalf_of=assignment.person,
        event=AuditKind.ROTA_CONFIRMED,
        subject=assignment,
        new={"minutes": assignment.minutes, "exchange": exchange.pk},
    )
    if slot.referral_id:
        referral = _lock(slot.referral)
        if referral.status == ReferralStatus.MATCHED:
            _change_status(referral, actor, ReferralStatus.ACTIVE)
    return assignment
