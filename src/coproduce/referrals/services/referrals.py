"""Referrals: made with the person's consent by staff, triaged by a coordinator, then
matched, under way, escalated or closed."""

import datetime
from dataclasses import asdict, dataclass
from types import EllipsisType

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError, validated_save
from coproduce.hubs import access
from coproduce.hubs import services as hubs
from coproduce.hubs.models import ConsentMethod, Hub, Membership, Neighbourhood, Person
from coproduce.idempotency import SAME_CONTENT_WINDOW, once, owner_of
from coproduce.notify.models import Kind
from coproduce.notify.services import coordinators_of, tell
from coproduce.timebank.models import Category

from .. import access as rights
from .. import selectors
from ..models import MatchOffer, OfferStatus, Outcome, Project, Referral, ReferralStatus, Urgency


@dataclass(frozen=True)
class Consent:
    """What the referred person agreed to: who gave it, how, when, and to what."""

    given: bool
    given_by: str  # the person themselves, or who agreed for them
    method: str
    given_on: datetime.date
    purpose: str


def _check_consent(consent: Consent) -> None:
    if not consent.given:
        raise ApplicationError(
            "A person can only be referred with their consent. Ask them first: nothing "
            "has been saved.",
            field="consent_given",
        )
    if not consent.given_by.strip():
        raise ApplicationError(
            "Say who gave consent: the person, or who agreed for them.", field="consent_given_by"
        )
    if consent.method not in ConsentMethod.values:
        raise ApplicationError("Choose how consent was given.", field="consent_method")
    if consent.given_on > timezone.localdate():
        raise ApplicationError("Consent cannot be given in the future.", field="consent_given_on")
    if not consent.purpose.strip():
        raise ApplicationError("Say what the person agreed to.", field="consent_purpose")


@transaction.atomic
def referral_create(
    *,
    actor: Person,
    hub: Hub,
    consent: Consent,
    description: str,
    person: Person | None = None,
    new_person: dict | None = None,
    category: Category | None = None,
    urgency: str = Urgency.ROUTINE,
    preferred_times: list[str] | None = None,
    neighbourhood: Neighbourhood | None = None,
    postcode_district: str = "",
    needs_check: bool = False,
    key: str | None = None,
) -> Referral:
    """A member of staff refers a member, or someone new who is not online, to the hub.
    With a `key`, sent again it gives the first referral: no second referral, no second
    person (see coproduce/idempotency.py)."""
    fields = {
        "consent": consent,
        "description": description,
        "person": person,
        "new_person": new_person,
        "category": category,
        "urgency": urgency,
        "preferred_times": preferred_times,
        "neighbourhood": neighbourhood,
        "postcode_district": postcode_district,
        "needs_check": needs_check,
    }
    return once(
        hub_id=hub.pk,
        owner=owner_of(actor),
        key=key,
        kind="referral",
        content={**fields, "consent": asdict(consent)},
        action=lambda: _create(actor, hub, **fields),
        same_content_within=SAME_CONTENT_WINDOW,
    )


def _create(
    actor,
    hub,
    *,
    consent,
    description,
    person,
    new_person,
    category,
    urgency,
    preferred_times,
    neighbourhood,
    postcode_district,
    needs_check,
) -> Referral:
    membership = access.require_staff(actor, hub, "Only staff can refer people to the hub.")
    _check_consent(consent)
    if not description.strip():
        raise ApplicationError("Say what the person needs.", field="description")
    if urgency not in Urgency.values:
        raise ApplicationError("Choose how soon help is needed.", field="urgency")
    if category is not None and category.hub_id != hub.pk:
        raise ApplicationError("Choose one of this hub's kinds of help.", field="category")
    if neighbourhood is not None and neighbourhood.hub_id != hub.pk:
        raise ApplicationError("Choose one of this hub's areas.", field="neighbourhood")
    times = list(preferred_times or [])
    if set(times) - set(selectors.AVAILABILITY_BIT):
        raise ApplicationError("Choose times from the list.", field="preferred_times")
    note = f"Consent given by: {consent.given_by.strip()}, on {consent.given_on:%-d %B %Y}."
    if (person is None) == (new_person is None):
        raise ApplicationError("Choose a member, or add the person's details.", field="person")
    if person is None:
        person = hubs.person_create_referred(
            actor=actor,
            hub=hub,
            display_name=new_person.get("display_name", ""),
            phone=new_person.get("phone", ""),
            postcode_district=postcode_district,
            contact_preference="phone",
            consent_purpose=consent.purpose,
            consent_method=consent.method,
            consent_note=note,
        )
        record = person.consents.get(hub=hub)
    else:
        person = Person.objects.get(pk=person.pk)  # as saved, not as the caller last saw it
        if not Membership.objects.filter(hub=hub, person=person, is_active=True).exists():
            raise ApplicationError("That person is not a member of this hub.", field="person")
        if person.pk == actor.pk:
            raise ApplicationError("You cannot refer yourself.", field="person")
        record = hubs.consent_record_for_referral(
            actor=actor,
            hub=hub,
            person=person,
            purpose=consent.purpose,
            method=consent.method,
            note=note,
        )
    referral = Referral(
        hub=hub,
        person=person,
        referred_by=actor,
        organisation=membership.organisation,
        consent=record,
        category=category,
        description=description.strip(),
        urgency=urgency,
        preferred_times=times,
        neighbourhood=neighbourhood,
        postcode_district=postcode_district or person.postcode_district,
        needs_check=needs_check,
    )
    validated_save(referral)
    audit(
        hub=hub,
        actor=actor,
        on_behalf_of=person,
        event=AuditKind.REFERRAL_CREATED,
        subject=referral,
        new={"category": category, "urgency": urgency, "needs_check": needs_check},
    )
    tell(
        coordinators_of(hub),
        actor=actor,
        kind=Kind.REFERRAL,
        hub=hub,
        subject=f"New referral: {referral.get_urgency_display().split(':')[0].lower()}",
        template="referrals/email/new_referral.txt",
        context={"referral": referral},
        url=reverse("referral", args=[hub.slug, referral.pk]),
    )
    return referral


def _lock(referral: Referral) -> Referral:
    return Referral.objects.select_for_update().select_related("hub").get(pk=referral.pk)


_STATUS_KINDS = {
    ReferralStatus.TRIAGED: AuditKind.REFERRAL_TRIAGED,
    ReferralStatus.MATCHED: AuditKind.REFERRAL_MATCHED,
    ReferralStatus.ACTIVE: AuditKind.REFERRAL_STARTED,
    ReferralStatus.ESCALATED: AuditKind.REFERRAL_ESCALATED,
    ReferralStatus.CLOSED: AuditKind.REFERRAL_CLOSED,
}


def _change_status(referral: Referral, actor: Person | None, status: str, **extra) -> None:
    old = referral.status
    referral.status = status
    referral.save()
    audit(
        hub=referral.hub,
        actor=actor,
        on_behalf_of=referral.person,
        event=_STATUS_KINDS[status],
        subject=referral,
        old={"status": old},
        new={"status": status, **extra},
    )


@transaction.atomic
def referral_triage(
    *,
    actor: Person,
    referral: Referral,
    shared_note: str,
    assets: list[str],
    needs_check: bool,
    category: Category | None = None,
    urgency: str | None = None,
    project: Project | EllipsisType | None = ...,
) -> Referral:
    """The coordinator decides what volunteers are told, and records what the person
    can give: people referred are assets, not only needs. A `project` says the help comes
    through it, so only people it accepts are suggested (None: through none; left out:
    as before)."""
    access.require_coordinator(actor, referral.hub)
    referral = _lock(referral)
    if not referral.is_unmatched:
        raise ApplicationError("Only a referral that is not yet matched can be triaged.")
    if not shared_note.strip():
        raise ApplicationError(
            "Write what the volunteer should know (leave out health details they do not need).",
            field="shared_note",
        )
    if category is not None and category.hub_id != referral.hub_id:
        raise ApplicationError("Choose one of this hub's kinds of help.", field="category")
    if project is not ...:
        if project is not None and (project.hub_id != referral.hub_id or not project.is_active):
            raise ApplicationError("Choose one of this hub's running projects.", field="project")
        referral.project = project
    referral.shared_note = shared_note.strip()
    referral.needs_check = needs_check
    referral.category = category or referral.category
    if urgency:
        referral.urgency = urgency
    referral.triaged_at = referral.triaged_at or timezone.now()
    person = referral.person
    if assets:
        merged = person.assets + [
            a for a in assets if a.lower() not in map(str.lower, person.assets)
        ]
        hubs.profile_update(
            actor=actor, person=person, hub=referral.hub, changes={"assets": merged}
        )
    _change_status(
        referral,
        actor,
        ReferralStatus.TRIAGED,
        needs_check=needs_check,
        assets=assets,
        project=referral.project_id,
    )
    return referral


def _withdraw_waiting_offers(referral: Referral) -> None:
    """Offers nobody has answered yet are withdrawn once the referral is taken or closed."""
    MatchOffer.objects.filter(referral=referral, status=OfferStatus.SENT).update(
        status=OfferStatus.WITHDRAWN, answered_at=timezone.now()
    )


@transaction.atomic
def referral_escalate(referral: Referral) -> None:
    """The failsafe sweep marks a referral nobody has taken on as escalated to staff."""
    referral = _lock(referral)
    if referral.status in (ReferralStatus.NEW, ReferralStatus.TRIAGED):
        _change_status(referral, None, ReferralStatus.ESCALATED)


@transaction.atomic
def referral_start(*, actor: Person, referral: Referral) -> Referral:
    """The volunteer (or coordinator) says the help is under way."""
    referral = _lock(referral)
    if not rights.referral_rights(access.membership_of(actor, referral.hub), referral).start:
        raise PermissionDenied("The volunteer or a coordinator marks the help as started.")
    if referral.status != ReferralStatus.MATCHED:
        raise ApplicationError("Help can start once a volunteer is matched.")
    _change_status(referral, actor, ReferralStatus.ACTIVE)
    tell(
        [referral.referred_by],
        actor=actor,
        kind=Kind.REFERRAL_PROGRESS,
        hub=referral.hub,
        subject=f"Help has started for {referral.first_name}",
        template="referrals/email/started.txt",
        context={"referral": referral},
        url=reverse("referral", args=[referral.hub.slug, referral.pk]),
    )
    return referral


@transaction.atomic
def referral_close(*, actor: Person, referral: Referral, outcome: str, note: str = "") -> Referral:
    access.require_coordinator(actor, referral.hub)
    referral = _lock(referral)
    if referral.status == ReferralStatus.CLOSED:
        raise ApplicationError("This referral is already closed.")
    if outcome not in Outcome.values:
        raise ApplicationError("Choose the outcome.", field="outcome")
    referral.outcome, referral.outcome_note = outcome, note.strip()[:500]
    referral.closed_at = timezone.now()
    _withdraw_waiting_offers(referral)
    _change_status(referral, actor, ReferralStatus.CLOSED, outcome=outcome, note=note)
    tell(
        [referral.referred_by],
        actor=actor,
        kind=Kind.REFERRAL_PROGRESS,
        hub=referral.hub,
        subject=f"Referral closed: {referral.first_name}",
        template="referrals/email/closed.txt",
        context={"referral": referral},
        url=reverse("referral", args=[referral.hub.slug, referral.pk]),
    )
    return referral
