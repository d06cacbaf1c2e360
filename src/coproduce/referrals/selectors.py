"""Reads used by the services and the pages: commitments, rotas, escalations (candidate
givers for matching are in candidates.py)."""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Max, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from coproduce.hubs.models import (
    AVAILABILITY_CHOICES,
    Hub,
    Membership,
    Person,
)
from coproduce.timebank.models import Account, ExchangeParty, ExchangeStatus

from . import access
from .models import (
    FILLED_STATUSES,
    OPEN_REFERRAL_STATUSES,
    Assignment,
    AssignmentStatus,
    Escalation,
    MatchOffer,
    OfferStatus,
    Referral,
    Slot,
)

AVAILABILITY_BIT = {slot: 1 << i for i, (slot, _label) in enumerate(AVAILABILITY_CHOICES)}
AVAILABILITY_LABEL = dict(AVAILABILITY_CHOICES)
RECIPROCITY_DAYS = 365


def availability_bits(slots: list[str]) -> int:
    bits = 0
    for slot in slots:
        bits |= AVAILABILITY_BIT.get(slot, 0)
    return bits


def availability_labels(bits: int) -> list[str]:
    return [AVAILABILITY_LABEL[slot] for slot, bit in AVAILABILITY_BIT.items() if bits & bit]


def commitments(
    hub: Hub, *, person: Person | None = None, among: list[int] | None = None
) -> Counter:
    """Current commitments per person (or for one person, or for the people `among`):
    referrals they are helping with, exchanges they have agreed to give, and projects
    they are on the rota for."""
    people = [person.pk] if person is not None else among

    def only(field: str) -> dict:
        return {} if people is None else {f"{field}__in": people}

    accounts = {} if people is None else {"account_id__in": _accounts_of(hub, people)}

    load: Counter = Counter()
    for person_id in MatchOffer.objects.filter(
        referral__hub=hub,
        status=OfferStatus.ACCEPTED,
        referral__status__in=OPEN_REFERRAL_STATUSES,
        **only("volunteer_id"),
    ).values_list("volunteer_id", flat=True):
        load[person_id] += 1
    for person_id in ExchangeParty.objects.filter(
        **({"exchange__hub": hub} if people is None else accounts),
        side=ExchangeParty.GIVES,
        exchange__status__in=[ExchangeStatus.PROPOSED, ExchangeStatus.AGREED],
        account__membership__isnull=False,
        exchange__listing__isnull=False,
    ).values_list("account__membership__person_id", flat=True):
        load[person_id] += 1
    for row in (
        Assignment.objects.filter(
            slot__project__hub=hub,
            status=AssignmentStatus.ON_ROTA,
            slot__starts_at__gte=timezone.now(),
            **only("person_id"),
        )
        .values("person_id")
        .annotate(projects=Count("slot__project", distinct=True))
    ):
        load[row["person_id"]] += row["projects"]
    return load


def _accounts_of(hub: Hub, people: list[int]) -> list[int]:
    # Read first, so that the parties are found through their accounts' index rather
    # than by reading every exchange of the hub (an account's exchanges are all in its
    # hub, so the hub need not be asked again).
    return list(
        Account.objects.filter(hub=hub, membership__person_id__in=people).values_list(
            "pk", flat=True
        )
    )


def minutes_given_and_received(
    hub: Hub, since: datetime.datetime, *, among: list[int] | None = None
) -> dict[int, list[int]]:
    """Minutes each member gave and received in confirmed exchanges since `since` (for
    the people `among` only, when given)."""
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    only = {"exchange__hub": hub} if among is None else {"account_id__in": _accounts_of(hub, among)}
    rows = (
        ExchangeParty.objects.filter(
            exchange__status=ExchangeStatus.CONFIRMED,
            exchange__confirmed_at__gte=since,
            account__membership__isnull=False,
            **only,
        )
        .values("account__membership__person_id", "side")
        .annotate(minutes=Sum("minutes"))
    )
    for row in rows:
        index = 0 if row["side"] == ExchangeParty.GIVES else 1
        totals[row["account__membership__person_id"]][index] += row["minutes"] or 0
    return totals


def referrals_for(person: Person, membership: Membership):
    """The referrals a person may follow: all of them for coordinators; for staff, the
    ones they or their organisation made."""
    return access.referrals_followed_by(membership).select_related(
        "person", "referred_by", "category"
    )


def offers_for(person: Person, hub: Hub):
    return (
        MatchOffer.objects.filter(volunteer=person, referral__hub=hub)
        .exclude(status=OfferStatus.WITHDRAWN)
        .select_related("referral__category", "referral__neighbourhood", "referral__person")
    )


def rota(
    project, *, start: datetime.datetime, viewer: Person, leads: bool, days: int = 28
) -> list[dict]:
    """The project's slots from `start` for `days`: who is on each, the gaps, the
    viewer's own place, and who the slot helps, shown only to its lead and the people on
    it (the person helped is private)."""
    now = timezone.now()
    slots = (
        Slot.objects.filter(
            project=project,
            cancelled=False,
            starts_at__gte=start,
            starts_at__lt=start + datetime.timedelta(days=days),
        )
        .select_related("receiver")
        .prefetch_related("assignments__person")
    )
    rows = []
    for slot in slots:
        on = [a for a in slot.assignments.all() if a.status in FILLED_STATUSES]
        mine = next((a for a in on if a.person_id == viewer.pk), None)
        rows.append(
            {
                "slot": slot,
                "assignments": on,
                "gaps": max(slot.places - len(on), 0),
                "upcoming": slot.starts_at > now,
                "mine": mine,
                "receiver": slot.receiver if leads or mine else None,
            }
        )
    return rows


def my_assignments(person: Person, hub: Hub):
    return (
        Assignment.objects.filter(person=person, slot__project__hub=hub)
        .exclude(status=AssignmentStatus.GIVEN_UP)
        .select_related("slot__project", "slot__receiver")
        .order_by("slot__starts_at")
    )


def hub_home_counts(person: Person, hub: Hub, membership: Membership) -> dict:
    """What the hub's front page shows a member from here (see hubs.panels): offers
    waiting for their answer, and for staff the escalations assigned to them."""
    counts = {
        "offers_waiting": MatchOffer.objects.filter(
            referral__hub=hub, volunteer=person, status="sent"
        ).count()
    }
    if membership.is_staff_or_above:
        counts["escalations_mine"] = Escalation.objects.filter(
            hub=hub, assigned_to=person, status="open"
        ).count()
    return counts


@dataclass(frozen=True)
class HelpProgress:
    """That help is under way, for the referrer: how many contacts, how long, and when the
    last one was; never who the volunteer is."""

    contacts: int
    minutes: int
    last_contact: datetime.date | None

    @property
    def hours(self) -> str:
        from coproduce.timebank.models import format_minutes

        return format_minutes(self.minutes)


def help_progress(referral: Referral) -> HelpProgress:
    """Rota turns done on the referral's slots, and its one-off exchange once hours are
    logged. Two queries."""
    turns = Assignment.objects.filter(
        slot__referral=referral,
        status__in=[AssignmentStatus.ATTENDED, AssignmentStatus.CONFIRMED],
    ).aggregate(n=Count("id"), minutes=Sum("minutes"), last=Max("slot__starts_at"))
    contacts, minutes = turns["n"] or 0, turns["minutes"] or 0
    last = timezone.localtime(turns["last"]).date() if turns["last"] else None
    if referral.exchange_id:
        given = ExchangeParty.objects.filter(
            exchange_id=referral.exchange_id,
            side=ExchangeParty.GIVES,
            exchange__status__in=[ExchangeStatus.DONE, ExchangeStatus.CONFIRMED],
        ).aggregate(n=Count("id"), minutes=Sum("minutes"), done_on=Max("exchange__done_on"))
        if given["n"]:
            contacts += 1
            minutes += given["minutes"] or 0
            done_on = given["done_on"]
            if done_on and (last is None or done_on > last):
                last = done_on
    return HelpProgress(contacts=contacts, minutes=minutes, last_contact=last)


URGENCY_RANK = {"urgent": 0, "soon": 1, "routine": 2}
URGENCY_WORDS = {0: "Urgent", 1: "Soon", 2: "Routine"}


def _by_urgency(field: str) -> list[When]:
    """A referral's urgency as the rank queues sort by (URGENCY_WORDS): urgent 0, soon 1;
    the caller's default is 2, routine."""
    return [When(**{field: "urgent"}, then=Value(0)), When(**{field: "soon"}, then=Value(1))]


def escalations_listed(hub: Hub, *, show: str = "open", person: Person | None = None):
    """Escalations to list. Open ones by urgency (a referral's own urgency; a rota gap,
    or a panel short of its mix, about to start is urgent; someone giving too much, soon;
    the rest routine), then by age, oldest first: how long the thing has waited, not when
    the sweep noticed it.
    Resolved ones, latest first. `show`: "open", "mine" (open, given to `person`) or
    "resolved"."""
    from .models import EscalationKind, EscalationStatus

    found = Escalation.objects.filter(hub=hub).select_related(
        "assigned_to", "resolved_by", "referral"
    )
    found = found.annotate(
        urgency_rank=Case(
            When(kind=EscalationKind.UNFILLED_SLOT, then=Value(0)),
            When(kind=EscalationKind.INVOLVEMENT_SHORT, then=Value(0)),
            *_by_urgency("referral__urgency"),
            When(kind=EscalationKind.OVERWORK, then=Value(1)),
            When(kind=EscalationKind.OVERDUE_REPORT, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
        waiting_since=Coalesce("referral__created_at", "listing__created_at", "created_at"),
    )
    if show == "resolved":
        return found.filter(status=EscalationStatus.RESOLVED).order_by("-resolved_at", "-id")
    found = found.filter(status=EscalationStatus.OPEN)
    if show == "mine":
        found = found.filter(assigned_to=person)
    return found.order_by("urgency_rank", "waiting_since", "id")


def referrals_in_order(referrals, showing: str):
    """The open queue is worked most urgent first, then longest waiting, so an urgent
    referral is never on page 2 behind routine ones; any other list is newest first."""
    if showing != "open":
        return referrals.order_by("-created_at", "-id")
    return referrals.annotate(
        urgency_rank=Case(*_by_urgency("urgency"), default=Value(2))
    ).order_by("urgency_rank", "created_at", "id")


def accepted_volunteer(referral: Referral) -> Person | None:
    """The volunteer who said yes to the referral, if anyone has."""
    offer = (
        MatchOffer.objects.filter(referral=referral, status=OfferStatus.ACCEPTED)
        .select_related("volunteer")
        .first()
    )
    return offer.volunteer if offer else None


def plan_of(referral: Referral):
    """The referral's regular help, if it has any."""
    from .models import HelpPlan

    return HelpPlan.objects.filter(referral=referral).select_related("project", "volunteer").first()


TURN_WORDS = {
    AssignmentStatus.ON_ROTA: "Planned",
    AssignmentStatus.ATTENDED: "Done",
    AssignmentStatus.CONFIRMED: "Done",
    AssignmentStatus.MISSED: "Did not happen",
}


def plan_turns(plan, *, viewer: Person, view: str | None) -> list[dict]:
    """The referral's turns, in time order: when, and whether done, planned, missed or
    without anyone. Who was on a turn is shown only to coordinators (and 'You' to the
    volunteer on it): the referrer and the person see that help comes, not who gives it."""
    slots = (
        Slot.objects.filter(referral_id=plan.referral_id, cancelled=False)
        .prefetch_related("assignments__person")
        .order_by("starts_at", "id")
    )
    rows = []
    for slot in slots:
        on = [a for a in slot.assignments.all() if a.status != AssignmentStatus.GIVEN_UP]
        done = [
            a for a in on if a.status in (AssignmentStatus.ATTENDED, AssignmentStatus.CONFIRMED)
        ]
        shown = done[0] if done else (on[0] if on else None)
        who = None
        if shown is not None and view == access.COORDINATOR:
            who = shown.person.display_name
        elif shown is not None and shown.person_id == viewer.pk:
            who = "You"
        rows.append(
            {
                "slot": slot,
                "status": TURN_WORDS.get(shown.status, "Planned") if shown else "Nobody on it yet",
                "who": who,
                "duration": shown.duration if done else "",
            }
        )
    return rows


def referral_on_exchange(membership: Membership | None, exchange) -> dict | None:
    """For an exchange's page (see timebank.panels): the open referral whose help this
    exchange is, with a button to close it as helped, for whoever may close it."""
    referral = (
        Referral.objects.filter(exchange=exchange, hub_id=exchange.hub_id)
        .select_related("person")
        .first()
    )
    if referral is None or not referral.is_open:
        return None
    if not access.referral_rights(membership, referral).close:
        return None
    return {"template": "referrals/_exchange_close.html", "referral": referral}
