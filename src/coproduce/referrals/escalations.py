"""The failsafe: find what the community could not do in time, and hand each finding to
a named member of staff. Running the sweep again finds the same things and makes
nothing new: each finding has a key, unique in its hub.

Findings:
- a referral, or a request for help, still unmatched after the hub's number of days;
- a rota slot with places unfilled within the hub's hours of its start;
- a project where one person covers more than the hub's share of the slots;
- a member giving more than the hub's weekly hours, or a regular giver whose hours
  dropped sharply (burnout).
"""

import datetime
from collections import Counter, defaultdict

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from coproduce.errors import ApplicationError
from coproduce.hubs import access
from coproduce.hubs.models import Hub, Membership, Person
from coproduce.hubs.notify import email_after_commit
from coproduce.hubs.services import audit
from coproduce.timebank.models import ExchangeParty, ExchangeStatus, Listing, ListingKind

from .models import (
    FILLED_STATUSES,
    Assignment,
    AssignmentStatus,
    Escalation,
    EscalationKind,
    EscalationStatus,
    OfferStatus,
    Project,
    Referral,
    ReferralStatus,
    Slot,
)
from .services import Finding, _coordinator_emails, _is_staff, _iso_week, failsafe_for, policy_for

# A project needs this many filled places in the window before one person's share means much.
KEY_PERSON_MIN_PLACES = 4
KEY_PERSON_WINDOW_DAYS = 28
# Someone is a regular giver with at least this many minutes per four weeks before.
REGULAR_GIVER_MINUTES = 4 * 60


def _owner(person: Person | None, hub: Hub) -> Person:
    return person if _is_staff(person, hub) else failsafe_for(hub)


def unmatched_referrals(hub: Hub, now: datetime.datetime, policy) -> list[Finding]:
    cutoff = now - datetime.timedelta(days=policy.unmatched_days)
    waiting = (
        Referral.objects.filter(
            hub=hub,
            status__in=[ReferralStatus.NEW, ReferralStatus.TRIAGED, ReferralStatus.ESCALATED],
            created_at__lte=cutoff,
        )
        .exclude(offers__status=OfferStatus.ACCEPTED)
        .select_related("person", "referred_by")
    )
    return [
        Finding(
            kind=EscalationKind.UNMATCHED_REFERRAL,
            key=f"referral:{referral.pk}",
            summary=f"Referral of {referral.first_name} ({referral.urgency}) has waited"
            f" {(now - referral.created_at).days} days without a volunteer.",
            assigned_to=_owner(referral.referred_by, hub),
            referral=referral,
        )
        for referral in waiting
    ]


def unmatched_requests(hub: Hub, now: datetime.datetime, policy) -> list[Finding]:
    cutoff = now - datetime.timedelta(days=policy.unmatched_days)
    waiting = (
        Listing.objects.filter(
            hub=hub, kind=ListingKind.REQUEST, is_active=True, created_at__lte=cutoff
        )
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=timezone.localdate(now)))
        .annotate(answers=Count("exchanges", filter=~Q(exchanges__status="cancelled")))
        .filter(answers=0)
    )
    return [
        Finding(
            kind=EscalationKind.UNMATCHED_REQUEST,
            key=f"request:{listing.pk}",
            summary=f"Request “{listing.title}” has had no answer in "
            f"{(now - listing.created_at).days} days.",
            assigned_to=failsafe_for(hub),
            listing=listing,
        )
        for listing in waiting
    ]


def unfilled_slots(hub: Hub, now: datetime.datetime, policy) -> list[Finding]:
    soon = now + datetime.timedelta(hours=policy.unfilled_slot_hours)
    slots = (
        Slot.objects.filter(
            project__hub=hub,
            project__is_active=True,
            cancelled=False,
            starts_at__gt=now,
            starts_at__lte=soon,
        )
        .annotate(filled=Count("assignments", filter=Q(assignments__status__in=FILLED_STATUSES)))
        .filter(filled__lt=F("places"))
        .select_related("project__lead")
    )
    return [
        Finding(
            kind=EscalationKind.UNFILLED_SLOT,
            key=f"slot:{slot.pk}",
            summary=f"{slot.project}: {slot.places - slot.filled} of {slot.places} "
            f"{slot.role} place{'s' if slot.places != 1 else ''} unfilled for "
            f"{timezone.localtime(slot.starts_at):%a %d %b at %H:%M}.",
            assigned_to=_owner(slot.project.lead, hub),
            slot=slot,
            project=slot.project,
        )
        for slot in slots
    ]


def key_people(hub: Hub, now: datetime.datetime, policy) -> list[Finding]:
    window = datetime.timedelta(days=KEY_PERSON_WINDOW_DAYS)
    rows = (
        Assignment.objects.filter(
            slot__project__hub=hub,
            slot__project__is_active=True,
            slot__cancelled=False,
            slot__starts_at__gte=now - window,
            slot__starts_at__lt=now + window,
            status__in=FILLED_STATUSES,
        )
        .values("slot__project_id", "person_id")
        .annotate(places=Count("id"))
    )
    per_project: dict[int, Counter] = defaultdict(Counter)
    for row in rows:
        per_project[row["slot__project_id"]][row["person_id"]] = row["places"]
    findings = []
    week = _iso_week(timezone.localdate(now))
    projects = Project.objects.in_bulk(list(per_project))
    people = Person.objects.in_bulk([p for c in per_project.values() for p in c])
    for project_id, counts in per_project.items():
        total = sum(counts.values())
        if total < KEY_PERSON_MIN_PLACES:
            continue
        project = projects[project_id]
        for person_id, places in counts.items():
            if places * 100 > policy.key_person_percent * total:
                person = people[person_id]
                findings.append(
                    Finding(
                        kind=EscalationKind.KEY_PERSON,
                        key=f"key_person:{project_id}:{person_id}:{week}",
                        summary=f"{person} covers {places} of {total} places on {project} "
                        f"(over {policy.key_person_percent}%): if they stop, the project stops.",
                        assigned_to=_owner(project.lead, hub),
                        project=project,
                        person=person,
                        open_alike={"project": project, "person": person},
                    )
                )
    return findings


def _minutes_given(hub: Hub, start: datetime.date, end: datetime.date) -> Counter:
    """Minutes each person gave with done dates in [start, end): logged or confirmed
    exchanges, and rota time logged but not yet confirmed."""
    given: Counter = Counter()
    rows = (
        ExchangeParty.objects.filter(
            exchange__hub=hub,
            side=ExchangeParty.GIVES,
            exchange__status__in=[ExchangeStatus.DONE, ExchangeStatus.CONFIRMED],
            exchange__done_on__gte=start,
            exchange__done_on__lt=end,
            account__membership__isnull=False,
        )
        .values("account__membership__person_id")
        .annotate(minutes=Sum("minutes"))
    )
    for row in rows:
        given[row["account__membership__person_id"]] += row["minutes"] or 0
    for assignment in Assignment.objects.filter(
        slot__project__hub=hub, status=AssignmentStatus.ATTENDED
    ).select_related("slot"):
        if start <= timezone.localdate(assignment.slot.starts_at) < end:
            given[assignment.person_id] += assignment.minutes or 0
    return given


def burnout(hub: Hub, now: datetime.datetime, policy) -> list[Finding]:
    today = timezone.localdate(now)
    tomorrow = today + datetime.timedelta(days=1)
    week = _minutes_given(hub, tomorrow - datetime.timedelta(days=7), tomorrow)
    recent = _minutes_given(hub, tomorrow - datetime.timedelta(days=28), tomorrow)
    before = _minutes_given(
        hub, tomorrow - datetime.timedelta(days=84), tomorrow - datetime.timedelta(days=28)
    )
    active = set(
        Membership.objects.filter(hub=hub, is_active=True).values_list("person_id", flat=True)
    )
    people = Person.objects.in_bulk(list((set(week) | set(before)) & active))
    findings = []
    failsafe = failsafe_for(hub)
    for person_id, minutes in week.items():
        if person_id in people and minutes > policy.weekly_minutes_limit:
            person = people[person_id]
            findings.append(
                Finding(
                    kind=EscalationKind.OVERWORK,
                    key=f"overwork:{person_id}:{_iso_week(today)}",
                    summary=f"{person} gave {minutes // 60} h {minutes % 60} min in the last "
                    f"7 days, over the hub's {policy.weekly_minutes_limit // 60} h: check "
                    "they are all right and share the load.",
                    assigned_to=failsafe,
                    person=person,
                    open_alike={"person": person},
                )
            )
    for person_id, earlier in before.items():
        per_four_weeks = earlier // 2  # the 8 weeks before, as a 4-week average
        if person_id not in people or per_four_weeks < REGULAR_GIVER_MINUTES:
            continue
        now_given = recent.get(person_id, 0)
        if now_given * 100 <= per_four_weeks * (100 - policy.activity_drop_percent):
            person = people[person_id]
            findings.append(
                Finding(
                    kind=EscalationKind.ACTIVITY_DROP,
                    key=f"activity_drop:{person_id}:{today:%Y-%m}",
                    summary=f"{person} gave {now_given // 60} h in the last 4 weeks, against "
                    f"{per_four_weeks // 60} h before: a regular giver may be burning out.",
                    assigned_to=failsafe,
                    person=person,
                    open_alike={"person": person},
                )
            )
    return findings


FINDERS = [unmatched_referrals, unmatched_requests, unfilled_slots, key_people, burnout]


def _record(hub: Hub, finding: Finding) -> Escalation | None:
    if (
        finding.open_alike
        and Escalation.objects.filter(
            hub=hub, kind=finding.kind, status=EscalationStatus.OPEN, **finding.open_alike
        ).exists()
    ):
        return None
    if Escalation.objects.filter(hub=hub, key=finding.key).exists():
        return None
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                hub=hub,
                kind=finding.kind,
                key=finding.key,
                summary=finding.summary[:300],
                referral=finding.referral,
                listing=finding.listing,
                slot=finding.slot,
                project=finding.project,
                person=finding.person,
                assigned_to=finding.assigned_to,
            )
    except IntegrityError:
        return None  # a sweep running at the same moment recorded it first
    audit(
        hub=hub,
        actor=None,
        event="escalation.raised",
        subject=escalation,
        new={"kind": finding.kind, "assigned_to": finding.assigned_to.pk},
    )
    if finding.referral and finding.referral.status in (
        ReferralStatus.NEW,
        ReferralStatus.TRIAGED,
    ):
        referral = Referral.objects.select_for_update().get(pk=finding.referral.pk)
        old, referral.status = referral.status, ReferralStatus.ESCALATED
        referral.save(update_fields=["status"])
        audit(
            hub=hub,
            actor=None,
            event="referral.escalated",
            subject=referral,
            old={"status": old},
            new={"status": ReferralStatus.ESCALATED},
        )
    email_after_commit(
        to=[finding.assigned_to.email, *_coordinator_emails(hub)],
        subject=f"Escalated to you: {escalation.get_kind_display()}",
        template="referrals/email/escalation.txt",
        context={"escalation": escalation},
    )
    return escalation


def _reassign_orphans(hub: Hub) -> int:
    """Open escalations whose owner has left the staff go to the failsafe: none is dropped."""
    moved = 0
    for escalation in Escalation.objects.filter(
        hub=hub, status=EscalationStatus.OPEN
    ).select_related("assigned_to"):
        if not _is_staff(escalation.assigned_to, hub):
            _reassign(escalation, failsafe_for(hub), actor=None)
            moved += 1
    return moved


def _reassign(escalation: Escalation, to: Person, *, actor: Person | None) -> None:
    old = escalation.assigned_to_id
    escalation.assigned_to = to
    escalation.save(update_fields=["assigned_to"])
    audit(
        hub=escalation.hub,
        actor=actor,
        event="escalation.reassigned",
        subject=escalation,
        old={"assigned_to": old},
        new={"assigned_to": to.pk},
    )
    email_after_commit(
        to=[to.email],
        subject=f"Escalated to you: {escalation.get_kind_display()}",
        template="referrals/email/escalation.txt",
        context={"escalation": escalation},
    )


def sweep(*, hub: Hub | None = None, now: datetime.datetime | None = None) -> list[Escalation]:
    """Look for everything the failsafe must catch, in every hub (or one)."""
    now = now or timezone.now()
    raised = []
    for each in [hub] if hub else Hub.objects.all():
        with transaction.atomic():
            policy = policy_for(each)
            _reassign_orphans(each)
            for finder in FINDERS:
                for finding in finder(each, now, policy):
                    escalation = _record(each, finding)
                    if escalation:
                        raised.append(escalation)
    return raised


def _lock(escalation: Escalation) -> Escalation:
    return Escalation.objects.select_for_update().select_related("hub").get(pk=escalation.pk)


@transaction.atomic
def escalation_resolve(*, actor: Person, escalation: Escalation, resolution: str) -> Escalation:
    """Say what was done. The person it was given to, or a coordinator."""
    escalation = _lock(escalation)
    membership = access.require_member(actor, escalation.hub)
    if not (escalation.assigned_to_id == actor.pk or membership.can_coordinate):
        raise PermissionDenied("The person it was given to, or a coordinator, resolves it.")
    if escalation.status != EscalationStatus.OPEN:
        raise ApplicationError("This escalation is already resolved.")
    if not resolution.strip():
        raise ApplicationError("Say what was done about it.", field="resolution")
    escalation.status = EscalationStatus.RESOLVED
    escalation.resolution = resolution.strip()[:1000]
    escalation.resolved_by, escalation.resolved_at = actor, timezone.now()
    escalation.save()
    audit(
        hub=escalation.hub,
        actor=actor,
        event="escalation.resolved",
        subject=escalation,
        new={"resolution": escalation.resolution},
    )
    return escalation


@transaction.atomic
def escalation_reassign(*, actor: Person, escalation: Escalation, to: Person) -> Escalation:
    access.require_coordinator(actor, escalation.hub)
    escalation = _lock(escalation)
    if escalation.status != EscalationStatus.OPEN:
        raise ApplicationError("This escalation is already resolved.")
    if not _is_staff(to, escalation.hub):
        raise ApplicationError("Give it to a member of staff.", field="to")
    _reassign(escalation, to, actor=actor)
    return escalation
