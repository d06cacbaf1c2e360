"""Projects (with a lead and a rota) and the training some of them need."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError, validated_save
from coproduce.hubs import access
from coproduce.hubs.models import Hub, Person
from coproduce.notify.models import Kind
from coproduce.notify.services import tell
from coproduce.timebank.models import Category

from .. import access as rights
from ..models import AssignmentStatus, Project, ProjectKind, Slot, TrainingRecord


@transaction.atomic
def project_create(
    *,
    actor: Person,
    hub: Hub,
    name: str,
    kind: str,
    lead: Person,
    roles: list[str],
    description: str = "",
    organisation=None,
    category: Category | None = None,
    training: str = "",
    needs_check: bool = False,
) -> Project:
    access.require_coordinator(actor, hub)
    if kind not in ProjectKind.values:
        raise ApplicationError("Choose the kind of project.", field="kind")
    if access.membership_of(lead, hub) is None:
        raise ApplicationError("The lead must be a member of this hub.", field="lead")
    if not roles:
        raise ApplicationError("Name at least one job in a slot, like 'caller'.", field="roles")
    if organisation is not None and organisation.hub_id != hub.pk:
        raise ApplicationError("Choose one of this hub's organisations.", field="organisation")
    if Project.objects.filter(hub=hub, name__iexact=name.strip()).exists():
        raise ApplicationError("There is already a project with that name.", field="name")
    project = Project(
        hub=hub,
        name=name.strip(),
        kind=kind,
        lead=lead,
        roles=roles,
        description=description.strip(),
        organisation=organisation,
        category=category,
        training=training.strip(),
        needs_check=needs_check,
        created_by=actor,
    )
    validated_save(project)
    audit(
        hub=hub,
        actor=actor,
        event=AuditKind.PROJECT_CREATED,
        subject=project,
        new={"name": project.name, "kind": kind, "lead": lead.pk, "roles": roles},
    )
    return project


@transaction.atomic
def project_end(*, actor: Person, project: Project, reason: str) -> Project:
    """End a project: its future slots are cancelled, and the people on them told."""
    access.require_coordinator(actor, project.hub)
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not project.is_active:
        raise ApplicationError("This project has already ended.")
    if not reason.strip():
        raise ApplicationError("Say why the project is ending.", field="reason")
    future = Slot.objects.filter(project=project, cancelled=False, starts_at__gt=timezone.now())
    told = list(  # read before the slots are cancelled below
        Person.objects.filter(
            assignments__slot__in=future, assignments__status=AssignmentStatus.ON_ROTA
        ).distinct()
    )
    cancelled = future.update(cancelled=True)
    project.is_active = False
    project.save(update_fields=["is_active"])
    audit(
        hub=project.hub,
        actor=actor,
        event=AuditKind.PROJECT_ENDED,
        subject=project,
        new={"reason": reason.strip(), "slots_cancelled": cancelled},
    )
    tell(
        told,
        actor=actor,
        kind=Kind.PROJECT,
        hub=project.hub,
        subject=f"{project} has ended",
        template="referrals/email/project_ended.txt",
        context={"project": project, "reason": reason.strip()},
        url=reverse("project", args=[project.hub.slug, project.pk]),
    )
    return project


@transaction.atomic
def training_record(
    *,
    actor: Person,
    project: Project,
    person: Person,
    trained_on: datetime.date | None = None,
    expires_on: datetime.date | None = None,
) -> TrainingRecord:
    """Record that someone has had the project's training, and when it must be renewed
    (if it must). The lead, a coordinator, or anyone trained for it may give it: this
    year's monitors train next year's."""
    if not rights.rights_on_project(actor, project).train_others:
        raise PermissionDenied("Only the lead, a coordinator or someone trained can train others.")
    if not project.training:
        raise ApplicationError("This project needs no training.")
    if access.membership_of(person, project.hub) is None:
        raise ApplicationError("That person is not a member of this hub.", field="person")
    trained_on = trained_on or timezone.localdate()
    if trained_on > timezone.localdate():
        raise ApplicationError("Training cannot be recorded for the future.", field="trained_on")
    if expires_on is not None and expires_on <= trained_on:
        raise ApplicationError("Training is renewed after it is given.", field="expires_on")
    earlier = project.trained.filter(person=person).first()
    if earlier is not None and rights.is_trained(person, project, on=trained_on):
        raise ApplicationError(f"{person} is already trained for this project.", field="person")
    # Renewed training updates the record (the audit log keeps each time it was given).
    record = earlier or TrainingRecord(project=project, person=person)
    record.trained_by, record.trained_on, record.expires_on = actor, trained_on, expires_on
    record.recorded_at = timezone.now()
    record.save()
    audit(
        hub=project.hub,
        actor=actor,
        on_behalf_of=person,
        event=AuditKind.TRAINING_RECORDED,
        subject=record,
        new={"project": project.pk, "trained_on": trained_on, "expires_on": expires_on},
    )
    return record
