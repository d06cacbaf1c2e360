"""Reads the involvement services and pages share: who was involved when, who fits an
opportunity (for many people at once), the shortlist as it stands, cover for a meeting
short of people, and the running totals the benefits guard compares."""

import datetime
from collections import Counter

from django.db.models import Exists, Max, OuterRef, Q, Sum
from django.utils import timezone

from coproduce.hubs.models import STAFF_ROLES, Hub, Membership, SafeguardingCheck

from . import guard
from . import shortlist as engine
from .access import first_day, has_started, side_of
from .models import (
    HOLDING_STATUSES,
    LIVE_STATUSES,
    Attendance,
    AttendanceStatus,
    InvolvementPolicy,
    Opportunity,
    OpportunityStatus,
    Recompense,
    Session,
    Side,
    SignUp,
    SignUpStatus,
    Training,
)

# The look-back for "areas less involved so far".
FAVOUR_DAYS = 365


def policy_for(hub: Hub) -> InvolvementPolicy:
    """The hub's rules; the defaults (unsaved) if it has none yet, so reading never writes."""
    return InvolvementPolicy.objects.filter(hub=hub).first() or InvolvementPolicy(hub=hub)


def places_of(opportunity: Opportunity) -> engine.Places:
    return engine.Places(
        staff=opportunity.staff_places,
        user=opportunity.user_places,
        any=opportunity.any_places,
        reserved=opportunity.reserved_places,
    )


def held_of(opportunity: Opportunity) -> engine.Held:
    return engine.Held.of(
        opportunity.signups.filter(status__in=HOLDING_STATUSES).values_list("side", "invited")
    )


def last_involved(hub: Hub, person_ids) -> dict[int, datetime.date]:
    """The day each person last came to a meeting in this hub."""
    rows = (
        Attendance.objects.filter(
            session__opportunity__hub=hub,
            status=AttendanceStatus.ATTENDED,
            person_id__in=list(person_ids),
        )
        .values("person_id")
        .annotate(last=Max("session__starts_at"))
    )
    return {row["person_id"]: timezone.localdate(row["last"]) for row in rows}


def favour_for(hub: Hub, now: datetime.datetime | None = None) -> engine.Favour:
    """The areas the hub's shortlists favour, if it chose to: its priority areas, and
    areas whose share of the people involved in the last year is below their share of
    the hub's members."""
    policy = policy_for(hub)
    if not policy.favour_areas:
        return engine.Favour()
    now = now or timezone.now()
    members = Counter(
        Membership.objects.filter(hub=hub, is_active=True, neighbourhood__isnull=False).values_list(
            "neighbourhood__name", flat=True
        )
    )
    involved_ids = set(
        Attendance.objects.filter(
            session__opportunity__hub=hub,
            status=AttendanceStatus.ATTENDED,
            session__starts_at__gte=now - datetime.timedelta(days=FAVOUR_DAYS),
        ).values_list("person_id", flat=True)
    )
    involved = Counter(
        Membership.objects.filter(
            hub=hub, person_id__in=involved_ids, neighbourhood__isnull=False
        ).values_list("neighbourhood__name", flat=True)
    )
    total_members, total_involved = sum(members.values()), sum(involved.values())
    less = set()
    for area, count in members.items():
        # Compared as whole numbers: involved[area]/total_involved < count/total_members.
        if involved[area] * total_members < count * total_involved or not total_involved:
            less.add(area)
    priority = set(policy.priority_areas.values_list("name", flat=True)) if policy.pk else set()
    return engine.Favour(less_involved=frozenset(less), priority=frozenset(priority))


def area_of(membership: Membership | None) -> str:
    return membership.neighbourhood.name if membership and membership.neighbourhood_id else ""


def shortlist_for(opportunity: Opportunity) -> list[tuple[SignUp, engine.Ranked]]:
    """Everyone asking or waiting, in the fair order, with who the places left go to."""
    waiting = list(
        opportunity.signups.filter(status__in=[SignUpStatus.REQUESTED, SignUpStatus.WAITLIST])
        .select_related("person")
        .order_by("asked_at", "id")
    )
    hub = opportunity.hub
    last = last_involved(hub, [s.person_id for s in waiting])
    areas = dict(
        Membership.objects.filter(hub=hub, person_id__in=[s.person_id for s in waiting])
        .exclude(neighbourhood__isnull=True)
        .values_list("person_id", "neighbourhood__name")
    )
    by_id = {s.pk: s for s in waiting}
    candidates = [
        engine.Candidate(
            id=s.pk,
            side=s.side,
            asked_at=s.asked_at,
            last_involved=last.get(s.person_id),
            area=areas.get(s.person_id, ""),
            invited=s.invited,
        )
        for s in waiting
    ]
    ranked = engine.shortlist(
        candidates, places_of(opportunity), held_of(opportunity), favour_for(hub)
    )
    return [(by_id[r.candidate.id], r) for r in ranked]


def eligible_memberships(opportunity: Opportunity, memberships: list[Membership]):
    """Those of `memberships` who may take a place (training, check, side), read in a few
    queries for many people: who the pack and the announcements offer it to. Lived
    experience is the person's own to say, so it is not a bar here."""
    first = first_day(opportunity)
    day = timezone.localdate(first.starts_at) if first else timezone.localdate()
    ids = {m.person_id for m in memberships}
    if opportunity.training:
        ids &= {
            t.person_id
            for t in Training.objects.filter(
                hub=opportunity.hub, person_id__in=ids, name__iexact=opportunity.training
            )
            if t.is_valid_on(day)
        }
    if opportunity.needs_check:
        ids &= set(
            SafeguardingCheck.objects.filter(
                hub=opportunity.hub, person_id__in=ids, issued_on__lte=day, expires_on__gt=day
            ).values_list("person_id", flat=True)
        )
    allowed_sides = set()
    if opportunity.staff_places or opportunity.any_places:
        allowed_sides.add(Side.STAFF)
    if opportunity.user_places or opportunity.any_places:
        allowed_sides.add(Side.USER)
    return [m for m in memberships if m.person_id in ids and side_of(m) in allowed_sides]


def cover_for(opportunity: Opportunity, session: Session, limit: int = 5) -> list[dict]:
    """People who could fill a place short of the mix: who fit, are free at the time
    (by the times they gave), and were least recently asked; with why, in words."""
    held = held_of(opportunity)
    short = engine.missing(places_of(opportunity), held)
    if not short:
        return []
    taken = set(
        opportunity.signups.filter(status__in=LIVE_STATUSES).values_list("person_id", flat=True)
    )
    members = Membership.objects.filter(hub=opportunity.hub, is_active=True).select_related(
        "person", "neighbourhood"
    )
    if set(short) == {Side.STAFF}:
        members = members.filter(role__in=STAFF_ROLES)
    elif set(short) == {Side.USER}:
        members = members.exclude(role__in=STAFF_ROLES)
    members = [m for m in members.exclude(person_id__in=taken) if m.person.is_active]
    # `refusal`'s rules, for many people at once: for the opportunity as a whole (open,
    # not begun) once, and for each person (side, training, check) by
    # `eligible_memberships` in a few queries, not once a member.
    if opportunity.status != OpportunityStatus.OPEN or has_started(opportunity):
        return []
    fitting = [m for m in eligible_memberships(opportunity, members) if side_of(m) in short]
    asked = dict(
        SignUp.objects.filter(
            opportunity__hub=opportunity.hub, person_id__in=[m.person_id for m in fitting]
        )
        .values("person_id")
        .annotate(last=Max("asked_at"))
        .values_list("person_id", "last")
    )
    local = timezone.localtime(session.starts_at)
    part = "am" if local.hour < 12 else "pm" if local.hour < 17 else "eve"
    slot = f"{local:%a}".lower() + f"-{part}"

    def key(m: Membership):
        free = slot in (m.person.availability or [])
        last = asked.get(m.person_id)
        return (not free, last is not None, last or timezone.now(), m.person.display_name)

    found = []
    for m in sorted(fitting, key=key)[:limit]:
        last = asked.get(m.person_id)
        why = ["Free at that time" if slot in (m.person.availability or []) else "Times not given"]
        why.append(
            f"Last asked {timezone.localdate(last):%-d %B %Y}" if last else "Never asked before"
        )
        found.append({"person": m.person, "side": side_of(m), "reasons": why})
    return found


def week_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    start = day - datetime.timedelta(days=day.weekday())
    return start, start + datetime.timedelta(days=7)


def paid_totals(hub: Hub, person, day: datetime.date, *, leave_out: int | None = None):
    """What the person has been paid (payments and vouchers) in the week of `day`, and
    the time paid for in its month: what the benefits guard adds a new payment to."""
    paid = Attendance.objects.filter(
        session__opportunity__hub=hub,
        person=person,
        recompense__in=[Recompense.PAYMENT, Recompense.VOUCHER],
    )
    if leave_out is not None:
        paid = paid.exclude(pk=leave_out)
    start, end = week_of(day)
    week = [(timezone.localdate(a.session.starts_at), a) for a in paid.select_related("session")]
    week_pence = sum(a.amount_pence for d, a in week if start <= d < end)
    month_minutes = sum(a.minutes for d, a in week if (d.year, d.month) == (day.year, day.month))
    return guard.Totals(week_pence=week_pence, month_minutes=month_minutes)


def limits_of(policy: InvolvementPolicy) -> guard.Limits:
    return guard.Limits(
        weekly_pay_pence=policy.weekly_pay_limit_pence,
        monthly_minutes=policy.monthly_minutes_cap,
        hard=policy.limits_are_hard,
    )


def rate_of(policy: InvolvementPolicy) -> guard.Rate:
    return guard.Rate(payment_pence=policy.payment_pence, block_minutes=policy.block_minutes)


def attended_minutes(hub: Hub, person) -> int:
    return (
        Attendance.objects.filter(
            session__opportunity__hub=hub, person=person, status=AttendanceStatus.ATTENDED
        ).aggregate(total=Sum("minutes"))["total"]
        or 0
    )


def still_to_come(opportunities, now: datetime.datetime | None = None):
    """Those of `opportunities` with a meeting still to come, or ongoing: what a list of
    open opportunities shows (one already held waits for its lead to close it)."""
    now = now or timezone.now()
    coming = Session.objects.filter(opportunity=OuterRef("pk"), cancelled=False, starts_at__gt=now)
    return opportunities.filter(Q(when="ongoing") | Exists(coming))


def open_for(membership: Membership, kinds: list[str] | None = None):
    """Open opportunities with a meeting still to come (or ongoing), for a pack."""
    now = timezone.now()
    found = Opportunity.objects.filter(hub_id=membership.hub_id, status="open").filter(
        Q(when="ongoing") | Q(sessions__starts_at__gt=now, sessions__cancelled=False)
    )
    if kinds:
        found = found.filter(kind__in=kinds)
    return found.distinct().order_by("kind", "title")
