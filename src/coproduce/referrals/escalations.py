"""The failsafe: find what the community could not do in time, and hand each finding to
a named member of staff. Running the sweep again finds the same things and makes
nothing new: each finding has a key, unique in its hub.

Findings:
- a referral, or a request for help, still unmatched after the hub's number of days;
- a rota slot with places unfilled within the hub's hours of its start;
- a project where one person covers more than the hub's share of the slots;
- a member giving more than the hub's weekly hours, or a regular giver whose hours
  dropped sharply (burnout);
- and whatever other apps register with `register_finder` (the pledges app: a reported
  problem past its expected date). The referrals app imports no app above it, so they
  come to it.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access
from coproduce.hubs.models import Hub, Membership, Person, Role
from coproduce.notify.models import Kind
from coproduce.notify.services import coordinators_of, tell
from coproduce.timebank.models import ExchangeParty, ExchangeStatus, Listing, ListingKind

from . import access as rights
from . import services
from .models import (
    FILLED_STATUSES,
    UNMATCHED_STATUSES,
    Assignment,
    AssignmentStatus,
    Escalation,
    EscalationKind,
    EscalationStatus,
    OfferStatus,
    Project,
    Referral,
    ReferralPolicy,
    Route,
    Slot,
)

# A project needs this many filled places in the window before one person's share means much.
KEY_PERSON_MIN_PLACES = 4
KEY_PERSON_WINDOW_DAYS = 28
# Someone is a regular giver with at least this many minutes per four weeks before.
REGULAR_GIVER_MINUTES = 4 * 60


def failsafe_for(hub: Hub) -> Person:
    """Who takes an escalation nobody else owns: the hub's chosen failsafe, else staff of
    the host organisation, else a coordinator, else an admin (a hub always has one)."""
    policy = services.policy_for(hub)
    if policy.failsafe_id and access.is_staff(policy.failsafe, hub):
        return policy.failsafe
    active = Membership.objects.filter(hub=hub, is_active=True).select_related("person")
    host = hub.host
    for candidates in (
        active.filter(organisation=host, role=Role.STAFF) if host else active.none(),
        active.filter(role=Role.COORDINATOR),
        active.filter(role=Role.ADMIN),
    ):
        first = candidates.order_by("joined_at", "id").first()
        if first:
            return first.person
    raise ApplicationError(f"{hub} has no staff to take escalations.")


@dataclass
class Sweep:
    """One hub's sweep: what it needs to know once, not once per finding."""

    hub: Hub
    now: datetime.datetime
    policy: ReferralPolicy
    staff: set[int] = field(default_factory=set)  # people who are staff or above

    @classmethod
    def of(cls, hub: Hub, now: datetime.datetime) -> "Sweep":
        staff = Membership.objects.filter(
            hub=hub, is_active=True, role__in=[Role.STAFF, Role.COORDINATOR, Role.ADMIN]
        ).values_list("person_id", flat=True)
        return cls(hub, now, services.policy_for(hub), set(staff))

    @cached_property
    def failsafe(self) -> Person:
        return failsafe_for(self.hub)

    def owner(self, person: Person | None) -> Person:
        """The person, if they are (still) staff; otherwise the failsafe."""
        return person if person is not None and person.pk in self.staff else self.failsafe

    @cached_property
    def coordinator(self) -> Person:
        """Who takes what the hub routes to its coordinators (all of them are emailed):
        the longest-serving coordinator, else an admin, else the failsafe."""
        active = Membership.objects.filter(hub=self.hub, is_active=True).select_related("person")
        for role in (Role.COORDINATOR, Role.ADMIN):
            first = active.filter(role=role).order_by("joined_at", "id").first()
            if first:
                return first.person
        return self.failsafe

    def route(
        self,
        setting: str,
        *,
        referrer: Person | None = None,
        lead: Person | None = None,
        about: Person | None = None,
    ) -> Person:
        """Who takes an escalation, by the hub's setting for its kind (ReferralPolicy
        route_*): the referrer or the project's lead while they are staff, with the
        failsafe as backup; the coordinators; or the failsafe. Never the person the risk
        is about: theirs goes to the failsafe (or, if that is them, an admin)."""
        route = getattr(self.policy, setting)
        if route == Route.REFERRER:
            owner = self.owner(referrer)
        elif route == Route.LEAD:
            owner = self.owner(lead)
        elif route == Route.COORDINATORS:
            owner = self.coordinator
        else:
            owner = self.failsafe
        if about is not None and owner.pk == about.pk:
            owner = self.failsafe
            if owner.pk == about.pk:
                admin = (
                    Membership.objects.filter(hub=self.hub, is_active=True, role=Role.ADMIN)
                    .exclude(person=about)
                    .select_related("person")
                    .order_by("joined_at", "id")
                    .first()
                )
                owner = admin.person if admin else owner
        return owner

    @property
    def today(self) -> datetime.date:
        return timezone.localdate(self.now)


@dataclass(frozen=True)
class Finding:
    kind: str
    key: str
    summary: str
    assigned_to: Person
    referral: Referral | None = None
    listing: Listing | None = None
    slot: Slot | None = None
    project: Project | None = None
    person: Person | None = None
    # For risks that recur (a person, a project): skip while one of the same is open.
    open_alike: dict | None = None
    # The page it is about, for findings of other apps (a path).
    about_url: str = ""
    # Called with the escalation once it is recorded (never when it already was), in the
    # sweep's transaction: the app that found it marks its own object and tells its people.
    raised: Callable[["Escalation"], None] | None = None


def _iso_week(day: datetime.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def unmatched_referrals(sweep: Sweep) -> list[Finding]:
    cutoff = sweep.now - datetime.timedelta(days=sweep.policy.unmatched_days)
    waiting = (
        Referral.objects.filter(
            hub=sweep.hub, status__in=UNMATCHED_STATUSES, created_at__lte=cutoff
        )
        .exclude(offers__status=OfferStatus.ACCEPTED)
        .select_related("person", "referred_by")
    )
    return [
        Finding(
            kind=EscalationKind.UNMATCHED_REFERRAL,
            key=f"referral:{referral.pk}",
            summary=f"Referral of {referral.first_name} ({referral.urgency}) has waited"
            f" {(sweep.now - referral.created_at).days} days without a volunteer.",
            assigned_to=sweep.route("route_unmatched_referral", referrer=referral.referred_by),
            referral=referral,
        )
        for referral in waiting
    ]


def unmatched_requests(sweep: Sweep) -> list[Finding]:
    cutoff = sweep.now - datetime.timedelta(days=sweep.policy.unmatched_days)
    waiting = (
        Listing.objects.filter(
            hub=sweep.hub, kind=ListingKind.REQUEST, is_active=True, created_at__lte=cutoff
        )
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=sweep.today))
        .annotate(answers=Count("exchanges", filter=~Q(exchanges__status="cancelled")))
        .filter(answers=0)
    )
    return [
        Finding(
            kind=EscalationKind.UNMATCHED_REQUEST,
            key=f"request:{listing.pk}",
            summary=f"Request “{listing.title}” has had no answer in "
            f"{(sweep.now - listing.created_at).days} days.",
            assigned_to=sweep.route("route_unmatched_request"),
            listing=listing,
        )
        for listing in waiting
    ]


def unfilled_slots(sweep: Sweep) -> list[Finding]:
    soon = sweep.now + datetime.timedelta(hours=sweep.policy.unfilled_slot_hours)
    slots = (
        Slot.objects.filter(
            project__hub=sweep.hub,
            project__is_active=True,
            cancelled=False,
            starts_at__gt=sweep.now,
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
            f"{timezone.localtime(slot.starts_at):%a %-d %b at %H:%M}.",
            assigned_to=sweep.route("route_unfilled_slot", lead=slot.project.lead),
            slot=slot,
            project=slot.project,
        )
        for slot in slots
    ]


def key_people(sweep: Sweep) -> list[Finding]:
    window = datetime.timedelta(days=KEY_PERSON_WINDOW_DAYS)
    rows = (
        Assignment.objects.filter(
            slot__project__hub=sweep.hub,
            slot__project__is_active=True,
            slot__cancelled=False,
            slot__starts_at__gte=sweep.now - window,
            slot__starts_at__lt=sweep.now + window,
            status__in=FILLED_STATUSES,
        )
        .values("slot__project_id", "person_id")
        .annotate(places=Count("id"))
    )
    per_project: dict[int, Counter] = defaultdict(Counter)
    for row in rows:
        per_project[row["slot__project_id"]][row["person_id"]] = row["places"]
    findings = []
    week = _iso_week(sweep.today)
    share = sweep.policy.key_person_percent
    projects = Project.objects.select_related("lead").in_bulk(list(per_project))
    people = Person.objects.in_bulk([p for c in per_project.values() for p in c])
    for project_id, counts in per_project.items():
        total = sum(counts.values())
        if total < KEY_PERSON_MIN_PLACES:
            continue
        project = projects[project_id]
        for person_id, places in counts.items():
            if places * 100 > share * total:
                person = people[person_id]
                findings.append(
                    Finding(
                        kind=EscalationKind.KEY_PERSON,
                        key=f"key_person:{project_id}:{person_id}:{week}",
                        summary=f"{person} covers {places} of {total} places on {project} "
                        f"(over {share}%): if they stop, the project stops.",
                        assigned_to=sweep.route(
                            "route_key_person", lead=project.lead, about=person
                        ),
                        project=project,
                        person=person,
                        open_alike={"project": project, "person": person},
                    )
                )
    return findings


def _minutes_given_by_day(hub: Hub, start: datetime.date, end: datetime.date) -> Counter:
    """Minutes given per (person, day) with days in [start, end): logged or confirmed
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
        .values("account__membership__person_id", "exchange__done_on")
        .annotate(minutes=Sum("minutes"))
    )
    for row in rows:
        key = (row["account__membership__person_id"], row["exchange__done_on"])
        given[key] += row["minutes"] or 0
    attended = Assignment.objects.filter(
        slot__project__hub=hub,
        status=AssignmentStatus.ATTENDED,
        # A day either side: the local date is settled below, in the hub's time zone.
        slot__starts_at__date__gte=start - datetime.timedelta(days=1),
        slot__starts_at__date__lt=end + datetime.timedelta(days=1),
    ).select_related("slot")
    for assignment in attended:
        day = timezone.localdate(assignment.slot.starts_at)
        if start <= day < end:
            given[(assignment.person_id, day)] += assignment.minutes or 0
    return given


def _per_person(given: Counter, start: datetime.date, end: datetime.date) -> Counter:
    totals: Counter = Counter()
    for (person_id, day), minutes in given.items():
        if start <= day < end:
            totals[person_id] += minutes
    return totals


def burnout(sweep: Sweep) -> list[Finding]:
    policy, today = sweep.policy, sweep.today
    tomorrow = today + datetime.timedelta(days=1)
    four_weeks_ago = tomorrow - datetime.timedelta(days=28)
    twelve_weeks_ago = tomorrow - datetime.timedelta(days=84)
    given = _minutes_given_by_day(sweep.hub, twelve_weeks_ago, tomorrow)
    week = _per_person(given, tomorrow - datetime.timedelta(days=7), tomorrow)
    recent = _per_person(given, four_weeks_ago, tomorrow)
    before = _per_person(given, twelve_weeks_ago, four_weeks_ago)
    active = set(
        Membership.objects.filter(hub=sweep.hub, is_active=True).values_list("person_id", flat=True)
    )
    people = Person.objects.in_bulk(list((set(week) | set(before)) & active))
    findings = []
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
                    assigned_to=sweep.route("route_burnout", about=person),
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
                    assigned_to=sweep.route("route_burnout", about=person),
                    person=person,
                    open_alike={"person": person},
                )
            )
    return findings


FINDERS = [unmatched_referrals, unmatched_requests, unfilled_slots, key_people, burnout]


def register_finder(finder: Callable[[Sweep], list[Finding]]) -> Callable:
    """Add `finder` (once) to what every sweep looks for; called from an AppConfig.ready()."""
    if finder not in FINDERS:
        FINDERS.append(finder)
    return finder


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
                about_url=finding.about_url,
                assigned_to=finding.assigned_to,
            )
    except IntegrityError:
        return None  # a sweep running at the same moment recorded it first
    audit(
        hub=hub,
        actor=None,
        event=AuditKind.ESCALATION_RAISED,
        subject=escalation,
        new={"kind": finding.kind, "assigned_to": finding.assigned_to.pk},
    )
    if finding.referral:
        services.referral_escalate(finding.referral)
    if finding.raised:
        finding.raised(escalation)
    tell(
        [finding.assigned_to, *coordinators_of(hub)],
        kind=Kind.ESCALATION,
        hub=hub,
        # What it is about, not only its kind: "Escalated: A report of broken light…".
        subject=f"Escalated: {Truncator(escalation.summary).chars(90)}",
        template="referrals/email/escalation.txt",
        context={"escalation": escalation},
        url=reverse("escalation", args=[hub.slug, escalation.pk]),
    )
    return escalation


def _reassign_orphans(sweep: Sweep) -> int:
    """Open escalations whose owner has left the staff go to the failsafe: none is dropped."""
    orphans = Escalation.objects.filter(hub=sweep.hub, status=EscalationStatus.OPEN).exclude(
        assigned_to_id__in=sweep.staff
    )
    for escalation in orphans:
        _reassign(escalation, sweep.failsafe, actor=None)
    return len(orphans)


def _reassign(escalation: Escalation, to: Person, *, actor: Person | None) -> None:
    old = escalation.assigned_to_id
    escalation.assigned_to = to
    escalation.save(update_fields=["assigned_to"])
    audit(
        hub=escalation.hub,
        actor=actor,
        event=AuditKind.ESCALATION_REASSIGNED,
        subject=escalation,
        old={"assigned_to": old},
        new={"assigned_to": to.pk},
    )
    tell(
        [to],
        actor=actor,
        kind=Kind.ESCALATION,
        hub=escalation.hub,
        subject=f"Escalated to you: {escalation.get_kind_display()}",
        template="referrals/email/escalation.txt",
        context={"escalation": escalation},
        url=reverse("escalation", args=[escalation.hub.slug, escalation.pk]),
    )


def sweep(*, hub: Hub | None = None, now: datetime.datetime | None = None) -> list[Escalation]:
    """Look for everything the failsafe must catch, in every hub (or one)."""
    now = now or timezone.now()
    raised = []
    for each in [hub] if hub else Hub.objects.all():
        with transaction.atomic():
            context = Sweep.of(each, now)
            _reassign_orphans(context)
            for finder in FINDERS:
                for finding in finder(context):
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
    if not rights.escalation_rights(membership, escalation).resolve:
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
        event=AuditKind.ESCALATION_RESOLVED,
        subject=escalation,
        new={"resolution": escalation.resolution},
    )
    return escalation


def escalation_settled(*, hub: Hub, key: str, actor: Person | None, resolution: str) -> bool:
    """Resolve the open escalation with this key, because what it was about is settled
    (a late report closed): nobody need chase what is done. Called inside the change
    that settled it, by a person who may make that change; returns whether one was open."""
    escalation = (
        Escalation.objects.select_for_update()
        .filter(hub=hub, key=key, status=EscalationStatus.OPEN)
        .first()
    )
    if escalation is None:
        return False
    escalation.status = EscalationStatus.RESOLVED
    escalation.resolution = resolution[:1000]
    escalation.resolved_by, escalation.resolved_at = actor, timezone.now()
    escalation.save()
    audit(
        hub=hub,
        actor=actor,
        event=AuditKind.ESCALATION_RESOLVED,
        subject=escalation,
        new={"resolution": escalation.resolution, "settled": key},
    )
    return True


@transaction.atomic
def escalation_reassign(*, actor: Person, escalation: Escalation, to: Person) -> Escalation:
    access.require_coordinator(actor, escalation.hub)
    escalation = _lock(escalation)
    if escalation.status != EscalationStatus.OPEN:
        raise ApplicationError("This escalation is already resolved.")
    if not access.is_staff(to, escalation.hub):
        raise ApplicationError("Give it to a member of staff.", field="to")
    _reassign(escalation, to, actor=actor)
    return escalation
