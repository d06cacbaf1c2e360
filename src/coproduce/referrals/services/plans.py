"""Regular help for a referral, set up in one step once a volunteer has said yes: turns
on a project's rota (the referral's project, one chosen, or a new rota of its own) for
the person referred, with the volunteer on every one. Hours then come as turns are
logged and confirmed, as on any rota."""

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError, validated_save
from coproduce.hubs import access
from coproduce.hubs.models import Person
from coproduce.notify.models import Kind
from coproduce.notify.services import tell

from .. import access as rights
from .. import schedule
from ..models import (
    HELP_ROLE,
    HelpKind,
    HelpPlan,
    MatchOffer,
    OfferStatus,
    Project,
    ProjectKind,
    Referral,
)
from .projects import project_create
from .referrals import _lock
from .rotas import slots_add
from .taking import put_on_rota

MAX_TURNS = 60


def _new_project(actor: Person, referral: Referral, kind: str) -> Project:
    """A rota of its own for this referral, led by the coordinator setting it up."""
    return project_create(
        actor=actor,
        hub=referral.hub,
        name=f"Regular help for {referral.first_name} (referral {referral.pk})",
        kind=ProjectKind.PHONE_FRIEND if kind == HelpKind.CALL else ProjectKind.BEFRIENDING,
        lead=actor,
        roles=[HELP_ROLE[kind]],
        description="Set up from a referral.",
        category=referral.category,
        needs_check=referral.needs_check,
    )


def _check_pattern(*, kind: str, every_days: int, weeks: int, minutes: int) -> None:
    if kind not in HelpKind.values:
        raise ApplicationError("Choose a phone call or a visit.", field="kind")
    if not 1 <= every_days <= 28:
        raise ApplicationError("Choose every 1 to 28 days (7 for every week).", field="every_days")
    if not 1 <= weeks <= 26:
        raise ApplicationError("Choose from 1 to 26 weeks.", field="weeks")
    if not 5 <= minutes <= 240:
        raise ApplicationError("Each turn lasts from 5 minutes to 4 hours.", field="minutes")


@transaction.atomic
def help_plan_create(
    *,
    actor: Person,
    referral: Referral,
    key: str,
    first_at: datetime.datetime,
    weeks: int,
    every_days: int = 7,
    minutes: int = 30,
    kind: str = HelpKind.CALL,
    project: Project | None = None,
) -> HelpPlan:
    """Set up regular help: turns every `every_days` days from `first_at` for `weeks`
    weeks, each `minutes` long, on the project's rota, for the person referred, with the
    volunteer who said yes on each. All of it or none. The form's `key` makes a resent
    form return the plan it already made."""
    membership = access.require_coordinator(actor, referral.hub)
    referral = _lock(referral)  # one plan, however many copies of the form arrive
    key = key.strip()
    if not key:
        raise ApplicationError("The form has expired: open it again.")
    existing = HelpPlan.objects.filter(referral=referral).first()
    if existing is not None:
        if existing.key == key:
            return existing
        raise ApplicationError("Regular help is already set up for this referral.")
    offer = (
        MatchOffer.objects.filter(referral=referral, status=OfferStatus.ACCEPTED)
        .select_related("volunteer")
        .first()
    )
    if offer is None or not rights.referral_rights(membership, referral).plan:
        raise ApplicationError(
            "Regular help is set up once a volunteer has said yes, while the referral is open."
        )
    _check_pattern(kind=kind, every_days=every_days, weeks=weeks, minutes=minutes)
    if first_at <= timezone.now():
        raise ApplicationError("The first turn must be in the future.", field="starts_on")
    periods = schedule.every(first_at, days=every_days, weeks=weeks, minutes=minutes)
    if len(periods) > MAX_TURNS:
        raise ApplicationError(f"At most {MAX_TURNS} turns at once.", field="weeks")
    volunteer = offer.volunteer
    project = project or referral.project
    if project is None:
        project = _new_project(actor, referral, kind)
    elif project.hub_id != referral.hub_id or not project.is_active:
        raise ApplicationError("Choose one of this hub's running projects.", field="project")
    refused = rights.project_refuses(project, volunteer, on=timezone.localdate(first_at))
    if refused:
        raise ApplicationError(refused, field="project")
    role = HELP_ROLE[kind] if HELP_ROLE[kind] in project.roles else project.roles[0]
    slots = slots_add(
        actor=actor,
        project=project,
        periods=periods,
        role=role,
        receiver=referral.person,
        referral=referral,
        note=f"Regular help for {referral.first_name}",
    )
    for slot in slots:
        try:
            put_on_rota(actor, slot, volunteer, tell_them=False)  # one email for the plan
        except ApplicationError as error:
            when = timezone.localtime(slot.starts_at)
            raise ApplicationError(
                f"{when:%a %-d %b %H:%M}: {error.message} Nothing was set up.", field="starts_on"
            ) from error
    plan = HelpPlan(
        referral=referral,
        project=project,
        volunteer=volunteer,
        kind=kind,
        first_at=first_at,
        every_days=every_days,
        turns=len(slots),
        minutes=minutes,
        key=key[:60],
        created_by=actor,
    )
    validated_save(plan)
    if referral.project_id != project.pk:
        referral.project = project
        referral.save(update_fields=["project"])
    audit(
        hub=referral.hub,
        actor=actor,
        on_behalf_of=referral.person,
        event=AuditKind.REFERRAL_PLANNED,
        subject=referral,
        new={
            "project": project.pk,
            "kind": kind,
            "every_days": every_days,
            "turns": len(slots),
            "first": first_at,
            "minutes": minutes,
        },
    )
    tell(
        [volunteer],
        actor=actor,
        kind=Kind.ROTA,
        hub=referral.hub,
        subject=f"Your turns helping {referral.first_name}",
        template="referrals/email/plan.txt",
        context={"plan": plan, "referral": referral, "slots": slots},
        url=reverse("project", args=[referral.hub.slug, project.pk]),
    )
    return plan
