"""How much each person wants to be asked; the hub's involvement rules; and training
recorded for involvement."""

import datetime

from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Hub, Neighbourhood, Person
from coproduce.models_util import model_update

from ..models import (
    CoKind,
    HowOften,
    InvolvementChoice,
    InvolvementPolicy,
    PackFormat,
    Recompense,
    Training,
)


def choice_for(person: Person, hub: Hub) -> InvolvementChoice:
    """The person's choices; until they make their own, every kind but never a pack
    (nobody is sent packs they did not ask for). Unsaved, so reading never writes."""
    found = InvolvementChoice.objects.filter(person=person, hub=hub).first()
    return found or InvolvementChoice(
        person=person, hub=hub, kinds=list(CoKind.values), how_often=HowOften.NEVER
    )


@transaction.atomic
def choices_set(
    *,
    actor: Person,
    person: Person,
    hub: Hub,
    kinds: list[str],
    how_often: str,
    format: str,
    recompense: str = Recompense.CREDITS,
) -> InvolvementChoice:
    """Which kinds of involvement to hear about, how often, in what format, and the
    usual thanks. A coordinator sets them for someone who is not online."""
    hub_access.require_member(actor, hub)
    if person.pk != actor.pk:
        hub_access.require_coordinator(actor, hub)
        if hub_access.manages_own_account(person):
            raise ApplicationError(f"{person} chooses this themselves.", field="person")
        if hub_access.membership_of(person, hub) is None:
            raise ApplicationError("That person is not a member of this hub.", field="person")
    if any(kind not in CoKind.values for kind in kinds):
        raise ApplicationError("Choose from the kinds of involvement listed.", field="kinds")
    if how_often not in HowOften.values:
        raise ApplicationError("Choose how often to hear.", field="how_often")
    if format not in PackFormat.values:
        raise ApplicationError("Choose a format.", field="format")
    if recompense not in Recompense.values:
        raise ApplicationError("Choose your usual thanks.", field="recompense")
    choice = InvolvementChoice.objects.select_for_update().filter(person=person, hub=hub).first()
    old = (
        {
            "kinds": choice.kinds,
            "how_often": choice.how_often,
            "format": choice.format,
            "recompense": choice.recompense,
        }
        if choice
        else {}
    )
    choice = choice or InvolvementChoice(person=person, hub=hub)
    ordered = [kind for kind in CoKind.values if kind in kinds]
    new = {"kinds": ordered, "how_often": how_often, "format": format, "recompense": recompense}
    if old == new:
        return choice
    choice.kinds, choice.how_often, choice.format, choice.recompense = (
        ordered,
        how_often,
        format,
        recompense,
    )
    choice.updated_at = timezone.now()
    choice.save()
    audit(
        hub=hub,
        actor=actor,
        on_behalf_of=person,
        event=AuditKind.INVOLVEMENT_CHOICES_CHANGED,
        subject=choice,
        old=old,
        new=new,
    )
    return choice


POLICY_FIELDS = (
    "payment_pence",
    "block_minutes",
    "payment_taxable",
    "voucher_pence",
    "mileage_pence",
    "weekly_pay_limit_pence",
    "monthly_minutes_cap",
    "limits_are_hard",
    "favour_areas",
    "advice",
)


@transaction.atomic
def policy_update(
    *, actor: Person, hub: Hub, changes: dict, priority_areas: list[Neighbourhood] | None = None
) -> InvolvementPolicy:
    """Change the hub's rates, the benefits guard's limits, or what its shortlists
    favour (coordinators; every change audited)."""
    hub_access.require_coordinator(actor, hub)
    unknown = set(changes) - set(POLICY_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown settings: {', '.join(sorted(unknown))}.")
    policy, _ = InvolvementPolicy.objects.select_for_update().get_or_create(hub=hub)
    policy, changed = model_update(policy, fields=POLICY_FIELDS, data=changes)
    old, new = dict(changed.old) if changed else {}, dict(changed.new) if changed else {}
    if priority_areas is not None:
        if any(area.hub_id != hub.pk for area in priority_areas):
            raise ApplicationError("Choose this hub's areas.", field="priority_areas")
        before = sorted(policy.priority_areas.values_list("pk", flat=True))
        after = sorted(area.pk for area in priority_areas)
        if before != after:
            policy.priority_areas.set(priority_areas)
            old["priority_areas"], new["priority_areas"] = before, after
    if new:
        audit(
            hub=hub,
            actor=actor,
            event=AuditKind.INVOLVEMENT_POLICY_UPDATED,
            subject=policy,
            old=old,
            new=new,
        )
    return policy


@transaction.atomic
def training_record(
    *,
    actor: Person,
    hub: Hub,
    person: Person,
    name: str,
    trained_on: datetime.date | None = None,
    expires_on: datetime.date | None = None,
) -> Training:
    """Record involvement training (a recruitment-panel course), or its renewal."""
    hub_access.require_coordinator(actor, hub)
    if hub_access.membership_of(person, hub) is None:
        raise ApplicationError("That person is not a member of this hub.", field="person")
    name = name.strip()
    if not name:
        raise ApplicationError("Name the training.", field="name")
    trained_on = trained_on or timezone.localdate()
    if trained_on > timezone.localdate():
        raise ApplicationError("Training cannot be recorded for the future.", field="trained_on")
    if expires_on is not None and expires_on <= trained_on:
        raise ApplicationError("Training expires after it is given.", field="expires_on")
    record = Training.objects.filter(hub=hub, person=person, name__iexact=name).first()
    record = record or Training(hub=hub, person=person, name=name[:120])
    record.trained_on, record.expires_on = trained_on, expires_on
    record.recorded_by, record.recorded_at = actor, timezone.now()
    record.save()
    audit(
        hub=hub,
        actor=actor,
        on_behalf_of=person,
        event=AuditKind.INVOLVEMENT_TRAINING_RECORDED,
        subject=record,
        new={"name": record.name, "trained_on": trained_on, "expires_on": expires_on},
    )
    return record
