"""Turns recorded afterwards: help given on a project that nobody signed up for in time
(a volunteer covered a call at short notice), recorded by a coordinator with who did it,
when and for how long. Someone else's turn is confirmed at once, through the ledger; a
coordinator's own waits for someone else to confirm, as any turn does."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access
from coproduce.hubs.models import Person
from coproduce.timebank.ledger import MAX_MINUTES_PER_LEG

from .. import access as rights
from ..models import Assignment, AssignmentStatus, Project, Referral, Slot
from .rotas import assignment_confirm
from .taking import _require_free

# How far back a turn may be recorded.
MAX_DAYS_BACK = 366


@transaction.atomic
def turn_record_past(
    *,
    actor: Person,
    project: Project,
    person: Person,
    starts_at: datetime.datetime,
    minutes: int,
    role: str,
    key: str,
    receiver: Person | None = None,
    referral: Referral | None = None,
) -> Assignment:
    """Record a turn that has happened. The form's `key` records it once, however often
    the form is sent."""
    if not rights.rights_on_project(actor, project).record_past:
        raise PermissionDenied("Only a coordinator can record a past turn.")
    project = Project.objects.select_for_update().select_related("hub").get(pk=project.pk)
    key = key.strip()[:60]
    if not key:
        raise ApplicationError("The form has expired: open it again.")
    done = Assignment.objects.filter(slot__project=project, slot__key=key).first()
    if done is not None:
        return done
    if role not in project.roles:
        raise ApplicationError(
            f"Choose one of this project's jobs: {', '.join(project.roles)}.", field="role"
        )
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise ApplicationError("Enter the time spent in minutes.", field="minutes")
    if not 0 < minutes <= MAX_MINUTES_PER_LEG:
        raise ApplicationError(
            "Enter the time spent: above zero and at most 24 hours.", field="minutes"
        )
    now = timezone.now()
    if starts_at > now:
        raise ApplicationError(
            "A turn is recorded once it has started: add a slot for one to come.",
            field="starts_on",
        )
    if starts_at < now - datetime.timedelta(days=MAX_DAYS_BACK):
        raise ApplicationError("Record turns from the last year only.", field="starts_on")
    if access.membership_of(person, project.hub) is None:
        raise ApplicationError("That person is not a member of this hub.", field="person")
    if referral is not None:
        if referral.hub_id != project.hub_id:
            raise ApplicationError("Choose a referral in this hub.", field="referral")
        receiver = receiver or referral.person
    if receiver is not None and access.membership_of(receiver, project.hub) is None:
        raise ApplicationError("The person helped must be a member of this hub.", field="receiver")
    if receiver is not None and receiver.pk == person.pk:
        raise ApplicationError("Nobody gives a turn to themselves.", field="receiver")
    refused = rights.project_refuses(project, person, on=timezone.localdate(starts_at))
    if refused:
        raise ApplicationError(refused, field="person")
    ends_at = starts_at + datetime.timedelta(minutes=minutes)
    _require_free(person, starts_at, ends_at)
    slot = Slot.objects.create(
        project=project,
        starts_at=starts_at,
        ends_at=ends_at,
        role=role,
        places=1,
        receiver=receiver,
        referral=referral,
        note="Recorded afterwards",
        created_by=actor,
        key=key,
    )
    assignment = Assignment.objects.create(
        slot=slot, person=person, status=AssignmentStatus.ATTENDED, minutes=minutes, logged_by=actor
    )
    audit(
        hub=project.hub,
        actor=actor,
        on_behalf_of=person if person.pk != actor.pk else None,
        event=AuditKind.ROTA_RECORDED,
        subject=assignment,
        new={"slot": slot.pk, "minutes": minutes, "starts_at": starts_at},
    )
    if person.pk != actor.pk:  # nobody confirms their own time
        assignment = assignment_confirm(actor=actor, assignment=assignment)
    return assignment
