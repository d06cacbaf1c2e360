"""Every change of state for referrals, projects and escalations: one function per
action, one transaction each, the permission checked here, an audit row for each change.

Who may do what:
- Staff (and coordinators) refer people. The referrer, and staff of the referring
  organisation, follow progress, but never see volunteers' contact details.
- Coordinators triage, match, and close referrals, and run projects with their leads.
- A volunteer sees only what the coordinator shares, and answers offers made to them.
- Staff see and resolve escalations; coordinators reassign them.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from coproduce.errors import ApplicationError
from coproduce.hubs import access
from coproduce.hubs import selectors as hub_selectors
from coproduce.hubs import services as hubs
from coproduce.hubs.models import (
    ConsentMethod,
    Hub,
    Membership,
    Neighbourhood,
    Person,
)
from coproduce.hubs.notify import email_after_commit
from coproduce.hubs.services import audit
from coproduce.timebank import services as timebank
from coproduce.timebank.ledger import MAX_MINUTES_PER_LEG
from coproduce.timebank.models import Category

from . import matching, schedule, selectors
from .models import (
    FILLED_STATUSES,
    Assignment,
    AssignmentStatus,
    MatchOffer,
    OfferStatus,
    Outcome,
    Project,
    ProjectKind,
    Referral,
    ReferralPolicy,
    ReferralStatus,
    Slot,
    TrainingRecord,
    Urgency,
)

# --- rules -------------------------------------------------------------------------------


def policy_for(hub: Hub) -> ReferralPolicy:
    policy, _ = ReferralPolicy.objects.get_or_create(hub=hub)
    return policy


POLICY_FIELDS = (
    "unmatched_days",
    "unfilled_slot_hours",
    "key_person_percent",
    "weekly_minutes_limit",
    "activity_drop_percent",
    "commitment_cap",
    "failsafe",
)


@transaction.atomic
def policy_update(*, actor: Person, hub: Hub, changes: dict) -> ReferralPolicy:
    access.require_coordinator(actor, hub)
    policy = ReferralPolicy.objects.select_for_update().get(pk=policy_for(hub).pk)
    unknown = set(changes) - set(POLICY_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown settings: {', '.join(sorted(unknown))}.")
    failsafe = changes.get("failsafe")
    if failsafe is not None and not access.is_staff(failsafe, hub):
        raise ApplicationError("Choose a member of staff to take escalations.", field="failsafe")
    old = {field: getattr(policy, field) for field in changes}
    for field, value in changes.items():
        setattr(policy, field, value)
    hubs._validated_save(policy)
    audit(
        hub=hub, actor=actor, event="referral_policy.updated", subject=policy, old=old, new=changes
    )
    return policy


# --- referrals ---------------------------------------------------------------------------


def referral_view_of(person: Person, referral: Referral) -> str | None:
    """How much of a referral this person may see:
    'coordinator' (all), 'referrer' (progress and the description; no volunteer details),
    'person' (their own referral), 'volunteer' (what the coordinator shared), or None."""
    membership = access.membership_of(person, referral.hub)
    if membership is None:
        return None
    if membership.can_coordinate:
        return "coordinator"
    if referral.referred_by_id == person.pk or (
        membership.is_staff_or_above
        and membership.organisation_id
        and membership.organisation_id == referral.organisation_id
    ):
        return "referrer"
    if referral.person_id == person.pk:
        return "person"
    if MatchOffer.objects.filter(
        referral=referral, volunteer=person, status__in=[OfferStatus.SENT, OfferStatus.ACCEPTED]
    ).exists():
        return "volunteer"
    return None


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
) -> Referral:
    """A member of staff refers a member, or someone new who is not online, to the hub."""
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
    note = f"Consent given by: {consent.given_by.strip()}, on {consent.given_on:%d %B %Y}."
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
    hubs._validated_save(referral)
    audit(
        hub=hub,
        actor=actor,
        on_behalf_of=person,
        event="referral.created",
        subject=referral,
        new={"category": category, "urgency": urgency, "needs_check": needs_check},
    )
    email_after_commit(
        to=hub_selectors.coordinator_emails(hub),
        subject=f"New referral: {referral.get_urgency_display().split(':')[0].lower()}",
        template="referrals/email/new_referral.txt",
        context={"referral": referral},
    )
    return referral


def _lock(referral: Referral) -> Referral:
    return Referral.objects.select_for_update().select_related("hub").get(pk=referral.pk)


def _change_status(referral: Referral, actor: Person | None, status: str, **extra) -> None:
    old = referral.status
    referral.status = status
    referral.save()
    audit(
        hub=referral.hub,
        actor=actor,
        on_behalf_of=referral.person,
        event=f"referral.{status}",
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
) -> Referral:
    """The coordinator decides what volunteers are told, and records what the person
    can give: people referred are assets, not only needs."""
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
    )
    return referral


@dataclass(frozen=True)
class Suggestion:
    membership: Membership
    score: int
    reasons: list[str]


def describe(reason: matching.Reason, *, category_names, area_names, load_cap) -> str:
    """A reason for a candidate's rank, in plain English."""
    detail = reason.detail
    if reason.kind == "category":
        return f"Gives help with {category_names.get(detail[0], 'this')}"
    if reason.kind == "words":
        return "Says they can help with: " + ", ".join(detail)
    if reason.kind == "same_area":
        return f"Lives in the same area ({area_names.get(detail[0], 'same area')})"
    if reason.kind == "adjacent_area":
        return f"Lives next door, in {area_names.get(detail[0], 'a nearby area')}"
    if reason.kind == "times":
        return "Free at the preferred times: " + ", ".join(selectors.availability_labels(detail[0]))
    if reason.kind == "load":
        count = detail[0]
        if count == 0:
            return "No current commitments"
        return f"{count} current commitment{'s' if count != 1 else ''} (the most is {load_cap})"
    if reason.kind == "reciprocity":
        received, given = detail
        return f"Has received {received // 60} h and given {given // 60} h: a chance to give back"
    if reason.kind == "check":
        until = datetime.date.fromordinal(detail[0])
        return f"Safeguarding check valid until {until:%d %B %Y}"
    return reason.kind


def match_suggestions(*, actor: Person, referral: Referral, k: int = 10) -> list[Suggestion]:
    """The best givers for a referral, each with the reasons for their rank."""
    access.require_coordinator(actor, referral.hub)
    hub = referral.hub
    cap = policy_for(hub).commitment_cap
    today = timezone.localdate()
    candidates, areas = selectors.candidate_pool(hub, today=today, load_cap=cap)
    need = selectors.need_for(referral, areas, today=today)
    ranked = matching.Pool(candidates, load_cap=cap).rank(need, k=k)
    memberships = {
        m.person_id: m
        for m in Membership.objects.filter(
            hub=hub, person_id__in=[r.member_id for r in ranked]
        ).select_related("person", "neighbourhood")
    }
    names = {
        "category_names": dict(Category.objects.filter(hub=hub).values_list("pk", "name")),
        "area_names": {code: name for name, code in areas.codes.items()},
        "load_cap": cap,
    }
    return [
        Suggestion(
            membership=memberships[r.member_id],
            score=r.score,
            reasons=[describe(reason, **names) for reason in r.reasons],
        )
        for r in ranked
    ]


def _require_gate(referral: Referral, volunteer: Person, *, on: datetime.date) -> None:
    """Safeguarding is never traded for a good match."""
    if not referral.needs_check:
        return
    if hub_selectors.valid_check_until(referral.hub, volunteer, on) is None:
        raise ApplicationError(
            f"This help needs a valid safeguarding check, and {volunteer} has none valid "
            f"on {on:%d %B %Y}. Record their check first, or choose someone else.",
            field="volunteer",
        )


@transaction.atomic
def offer_send(
    *, actor: Person, referral: Referral, volunteer: Person, reasons: list[str] | None = None
) -> MatchOffer:
    access.require_coordinator(actor, referral.hub)
    referral = _lock(referral)
    if referral.triaged_at is None:
        raise ApplicationError("Triage the referral first: decide what the volunteer is told.")
    if not referral.is_looking_for_volunteer:
        raise ApplicationError("This referral is not looking for a volunteer.")
    membership = access.membership_of(volunteer, referral.hub)
    if membership is None:
        raise ApplicationError("That person is not a member of this hub.", field="volunteer")
    if volunteer.pk in (referral.person_id, referral.referred_by_id):
        raise ApplicationError(
            "Choose someone other than the person and their referrer.", field="volunteer"
        )
    _require_gate(referral, volunteer, on=timezone.localdate())
    cap = policy_for(referral.hub).commitment_cap
    if selectors.commitments(referral.hub, person=volunteer)[volunteer.pk] >= cap:
        raise ApplicationError(
            f"{volunteer} already has {cap} commitments, the most this hub asks of anyone.",
            field="volunteer",
        )
    try:
        with transaction.atomic():
            offer = MatchOffer.objects.create(
                referral=referral, volunteer=volunteer, sent_by=actor, reasons=reasons or []
            )
    except IntegrityError:
        raise ApplicationError(
            f"{volunteer} has already been asked about this referral.", field="volunteer"
        ) from None
    audit(
        hub=referral.hub,
        actor=actor,
        on_behalf_of=volunteer,
        event="offer.sent",
        subject=offer,
        new={"referral": referral.pk, "volunteer": volunteer.pk},
    )
    email_after_commit(
        to=[volunteer.email],
        subject="Could you help someone?",
        template="referrals/email/offer.txt",
        context={"offer": offer, "referral": referral},
    )
    return offer


def _withdraw_waiting_offers(referral: Referral) -> None:
    """Offers nobody has answered yet are withdrawn once the referral is taken or closed."""
    MatchOffer.objects.filter(referral=referral, status=OfferStatus.SENT).update(
        status=OfferStatus.WITHDRAWN, answered_at=timezone.now()
    )


def _lock_offer(offer: MatchOffer) -> MatchOffer:
    return MatchOffer.objects.select_for_update().select_related("referral__hub").get(pk=offer.pk)


def _kind_of_help(referral: Referral) -> str:
    return referral.category.name if referral.category_id else "Help"


@transaction.atomic
def offer_accept(*, actor: Person, offer: MatchOffer) -> MatchOffer:
    """The volunteer says yes: the exchange is agreed, and the referral is matched."""
    offer = _lock_offer(offer)
    if offer.volunteer_id != actor.pk:
        raise PermissionDenied("Only the person asked can accept.")
    referral = _lock(offer.referral)
    if offer.status != OfferStatus.SENT:
        raise ApplicationError("This offer has already been answered or withdrawn.")
    if not referral.is_looking_for_volunteer:
        raise ApplicationError("Someone else has already taken this on. Thank you all the same.")
    _require_gate(referral, actor, on=timezone.localdate())
    hub = referral.hub
    exchange = timebank.exchange_arrange(
        actor=actor,
        hub=hub,
        giver=timebank.account_of(actor, hub),
        receiver=timebank.account_of(referral.person, hub),
        title=f"{_kind_of_help(referral)} for {referral.first_name}",
    )
    offer.status, offer.answered_at = OfferStatus.ACCEPTED, timezone.now()
    offer.save()
    _withdraw_waiting_offers(referral)
    referral.exchange, referral.matched_at = exchange, timezone.now()
    _change_status(referral, actor, ReferralStatus.MATCHED, exchange=exchange.pk)
    email_after_commit(
        to=[referral.referred_by.email, *hub_selectors.coordinator_emails(hub)],
        subject=f"Referral matched: {referral.first_name}",
        template="referrals/email/matched.txt",
        context={"referral": referral},
    )
    return offer


@transaction.atomic
def offer_decline(*, actor: Person, offer: MatchOffer, reason: str = "") -> MatchOffer:
    offer = _lock_offer(offer)
    if offer.volunteer_id != actor.pk:
        raise PermissionDenied("Only the person asked can decline.")
    if offer.status != OfferStatus.SENT:
        raise ApplicationError("This offer has already been answered or withdrawn.")
    offer.status, offer.answered_at = OfferStatus.DECLINED, timezone.now()
    offer.decline_reason = reason.strip()[:300]
    offer.save()
    audit(
        hub=offer.referral.hub,
        actor=actor,
        event="offer.declined",
        subject=offer,
        new={"reason": offer.decline_reason},
    )
    email_after_commit(
        to=hub_selectors.coordinator_emails(offer.referral.hub),
        subject=f"{actor} cannot take on a referral",
        template="referrals/email/declined.txt",
        context={"offer": offer},
    )
    return offer


@transaction.atomic
def offer_withdraw(*, actor: Person, offer: MatchOffer) -> MatchOffer:
    access.require_coordinator(actor, offer.referral.hub)
    offer = _lock_offer(offer)
    if offer.status != OfferStatus.SENT:
        raise ApplicationError("Only an offer still waiting for an answer can be withdrawn.")
    offer.status, offer.answered_at = OfferStatus.WITHDRAWN, timezone.now()
    offer.save()
    audit(hub=offer.referral.hub, actor=actor, event="offer.withdrawn", subject=offer)
    return offer


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
    volunteer = referral.offers.filter(status=OfferStatus.ACCEPTED, volunteer=actor).exists()
    if not (volunteer or access.is_coordinator(actor, referral.hub)):
        raise PermissionDenied("The volunteer or a coordinator marks the help as started.")
    if referral.status != ReferralStatus.MATCHED:
        raise ApplicationError("Help can start once a volunteer is matched.")
    _change_status(referral, actor, ReferralStatus.ACTIVE)
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
    email_after_commit(
        to=[referral.referred_by.email],
        subject=f"Referral closed: {referral.first_name}",
        template="referrals/email/closed.txt",
        context={"referral": referral},
    )
    return referral


# --- projects ----------------------------------------------------------------------------


def can_lead(person: Person, project: Project) -> bool:
    return project.lead_id == person.pk or access.is_coordinator(person, project.hub)


def _require_lead(person: Person, project: Project) -> None:
    access.require_member(person, project.hub)
    if not can_lead(person, project):
        raise PermissionDenied("Only the project's lead or a coordinator can do this.")


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
    hubs._validated_save(project)
    audit(
        hub=hub,
        actor=actor,
        event="project.created",
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
    told = set(
        Assignment.objects.filter(slot__in=future, status=AssignmentStatus.ON_ROTA).values_list(
            "person__email", flat=True
        )
    )
    cancelled = future.update(cancelled=True)
    project.is_active = False
    project.save(update_fields=["is_active"])
    audit(
        hub=project.hub,
        actor=actor,
        event="project.ended",
        subject=project,
        new={"reason": reason.strip(), "slots_cancelled": cancelled},
    )
    email_after_commit(
        to=sorted(e for e in told if e),
        subject=f"{project} has ended",
        template="referrals/email/project_ended.txt",
        context={"project": project, "reason": reason.strip()},
    )
    return project


def is_trained(person: Person, project: Project) -> bool:
    return not project.training or project.trained.filter(person=person).exists()


@transaction.atomic
def training_record(
    *, actor: Person, project: Project, person: Person, trained_on: datetime.date | None = None
) -> TrainingRecord:
    """Record that someone has had the project's training. The lead, a coordinator, or
    anyone already trained for it may give it: this year's monitors train next year's."""
    access.require_member(actor, project.hub)
    if not (can_lead(actor, project) or project.trained.filter(person=actor).exists()):
        raise PermissionDenied("Only the lead, a coordinator or someone trained can train others.")
    if not project.training:
        raise ApplicationError("This project needs no training.")
    if access.membership_of(person, project.hub) is None:
        raise ApplicationError("That person is not a member of this hub.", field="person")
    trained_on = trained_on or timezone.localdate()
    if trained_on > timezone.localdate():
        raise ApplicationError("Training cannot be recorded for the future.", field="trained_on")
    if project.trained.filter(person=person).exists():
        raise ApplicationError(f"{person} is already trained for this project.", field="person")
    record = TrainingRecord.objects.create(
        project=project, person=person, trained_by=actor, trained_on=trained_on
    )
    audit(
        hub=project.hub,
        actor=actor,
        on_behalf_of=person,
        event="training.recorded",
        subject=record,
        new={"project": project.pk, "trained_on": trained_on},
    )
    return record


def _describe_period(period) -> str:
    return f"{timezone.localtime(period.starts_at):%a %d %b %Y %H:%M}"


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
    _require_lead(actor, project)
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
                f"A slot cannot start in the past ({_describe_period(period)}).",
                field="starts_at",
            )
    for earlier, later in schedule.clashes(periods):
        raise ApplicationError(
            f"Two of these slots overlap: {_describe_period(earlier)} and "
            f"{_describe_period(later)}.",
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
                    f"The rota already has a {role} slot at {_describe_period(taken)}, which "
                    f"overlaps {_describe_period(period)}.",
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
        event="slots.added",
        subject=project,
        new={
            "count": len(slots),
            "role": role,
            "first": periods[0].starts_at,
            "receiver": receiver,
        },
    )
    return slots


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
    if not is_trained(person, project):
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
def assignment_take(*, actor: Person, slot: Slot, person: Person | None = None) -> Assignment:
    """Put a person on a slot: themselves, or (the lead or a coordinator) someone else."""
    slot = _lock_slot(slot)
    person = person or actor
    access.require_member(actor, slot.project.hub)
    if person.pk != actor.pk and not can_lead(actor, slot.project):
        raise PermissionDenied("Only the lead or a coordinator can put someone else on the rota.")
    _check_can_take(slot, person)
    assignment = Assignment.objects.create(slot=slot, person=person)
    audit(
        hub=slot.project.hub,
        actor=actor,
        on_behalf_of=person,
        event="rota.taken",
        subject=assignment,
        new={"slot": slot.pk, "person": person.pk},
    )
    return assignment


def _lock_assignment(assignment: Assignment) -> Assignment:
    return (
        Assignment.objects.select_for_update()
        .select_related("slot__project__hub", "person")
        .get(pk=assignment.pk)
    )


def _require_self_or_lead(actor: Person, assignment: Assignment) -> None:
    access.require_member(actor, assignment.slot.project.hub)
    if assignment.person_id != actor.pk and not can_lead(actor, assignment.slot.project):
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
        event="rota.given_up",
        subject=assignment,
        new={"reason": reason},
    )


@transaction.atomic
def assignment_give_up(*, actor: Person, assignment: Assignment, reason: str = "") -> Assignment:
    assignment = _lock_assignment(assignment)
    _require_self_or_lead(actor, assignment)
    _give_up(actor, assignment, reason.strip())
    project = assignment.slot.project
    email_after_commit(
        to=[project.lead.email],
        subject=f"A gap on the {project} rota",
        template="referrals/email/gap.txt",
        context={"assignment": assignment, "project": project},
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
    _give_up(actor, assignment, f"swapped to slot {to_slot.pk}")
    slot = _lock_slot(to_slot)
    _check_can_take(slot, assignment.person)
    moved = Assignment.objects.create(slot=slot, person=assignment.person)
    audit(
        hub=slot.project.hub,
        actor=actor,
        on_behalf_of=assignment.person,
        event="rota.swapped",
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
        event="rota.attended",
        subject=assignment,
        new={"minutes": minutes},
    )
    return assignment


@transaction.atomic
def assignment_missed(*, actor: Person, assignment: Assignment) -> Assignment:
    assignment = _lock_assignment(assignment)
    _require_lead(actor, assignment.slot.project)
    if assignment.status not in (AssignmentStatus.ON_ROTA, AssignmentStatus.ATTENDED):
        raise ApplicationError("Only a slot not yet confirmed can be marked as missed.")
    old = assignment.status
    assignment.status = AssignmentStatus.MISSED
    assignment.save(update_fields=["status"])
    audit(
        hub=assignment.slot.project.hub,
        actor=actor,
        event="rota.missed",
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
    _require_lead(actor, project)
    if assignment.person_id == actor.pk:
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
        event="rota.confirmed",
        subject=assignment,
        new={"minutes": assignment.minutes, "exchange": exchange.pk},
    )
    if slot.referral_id:
        referral = _lock(slot.referral)
        if referral.status == ReferralStatus.MATCHED:
            _change_status(referral, actor, ReferralStatus.ACTIVE)
    return assignment
