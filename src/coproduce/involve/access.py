"""Who may see and do what in the involvement bank: the one place these rules live.
Services enforce them; views, templates and the API read them.

Rules:
- Every active member of a hub sees its open opportunities (an invitation-only one too,
  marked so); a cancelled one only its lead, coordinators and the people who were on it.
  Anyone else gets a 404.
- The lead of an opportunity and the hub's coordinators manage it: its meetings, its
  invitations, the shortlist, attendance. Nobody records their own attendance: the
  thanks it brings is theirs.
- Staff fill staff places; everyone else (service users, carers, neighbours) fills the
  service-user places. `refusal` says why a person cannot take a place, naming what is
  missing: the one gate for asking, being signed up, invited, offered a place from the
  waiting list or suggested as cover.
- A person answers for their own place (or a coordinator for someone not online).
- Payments are for service users: staff are paid for their time already. The payments
  list and expenses are for coordinators, never about themselves.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, TruncDate
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from coproduce.hubs import access as hub_access
from coproduce.hubs import pickers
from coproduce.hubs import selectors as hub_selectors
from coproduce.hubs.models import Hub, Membership, Person, SafeguardingCheck

from .models import (
    LIVE_STATUSES,
    Attendance,
    Joining,
    Opportunity,
    OpportunityStatus,
    Pack,
    Recompense,
    Session,
    Side,
    SignUp,
    SignUpStatus,
    Training,
    When,
)


def side_of(membership: Membership) -> str:
    return Side.STAFF if membership.is_staff_or_above else Side.USER


@dataclass(frozen=True)
class OpportunityRights:
    see: bool = False
    manage: bool = False  # meetings, invitations, the shortlist, attendance
    coordinate: bool = False  # sign up someone not online; cancel


def opportunity_rights(membership: Membership | None, opportunity: Opportunity):
    if membership is None or membership.hub_id != opportunity.hub_id or not membership.is_active:
        return OpportunityRights()
    coordinate = membership.can_coordinate
    manage = coordinate or opportunity.lead_id == membership.person_id
    see = manage or opportunity.status != OpportunityStatus.CANCELLED
    if not see:
        see = opportunity.signups.filter(person_id=membership.person_id).exists()
    return OpportunityRights(see=see, manage=manage, coordinate=coordinate)


def hub_and_membership(person, slug: str) -> tuple[Hub, Membership]:
    """The hub and this person's membership of it; anyone else gets a 404, never a hint
    that the hub's involvement exists."""
    hub = get_object_or_404(Hub, slug=slug)
    membership = hub_access.membership_of(person, hub)
    if membership is None:
        raise Http404("No such hub page.")
    return hub, membership


def opportunity_for(membership: Membership | None, hub: Hub, pk: int) -> Opportunity:
    """The opportunity, if this member may see it; otherwise 404."""
    if not 0 < pk < 2**63:
        raise Http404("No such opportunity.")
    opportunity = get_object_or_404(
        Opportunity.objects.select_related("hub", "lead", "organisation"), hub=hub, pk=pk
    )
    if not opportunity_rights(membership, opportunity).see:
        raise Http404("No such opportunity.")
    return opportunity


def visible_opportunities(membership: Membership):
    found = Opportunity.objects.filter(hub_id=membership.hub_id)
    if membership.can_coordinate:
        return found
    return found.exclude(status=OpportunityStatus.CANCELLED)


def first_day(opportunity: Opportunity, now: datetime.datetime | None = None):
    """The first meeting still to come, or None (an ongoing one with none arranged)."""
    now = now or timezone.now()
    return opportunity.sessions.filter(cancelled=False, starts_at__gt=now).first()


def has_started(opportunity: Opportunity, now: datetime.datetime | None = None) -> bool:
    """A one-off cannot be joined once it has begun; a series or an ongoing opportunity
    can, for the meetings still to come."""
    if opportunity.when != When.ONE_OFF:
        return False
    now = now or timezone.now()
    first = opportunity.sessions.filter(cancelled=False).first()
    return first is not None and first.starts_at <= now


def is_trained(hub: Hub, person: Person, name: str, on: datetime.date) -> bool:
    return any(
        t.is_valid_on(on)
        for t in Training.objects.filter(hub=hub, person=person, name__iexact=name.strip())
    )


def refusal(
    opportunity: Opportunity,
    membership: Membership | None,
    *,
    lived_experience: bool = True,
    now: datetime.datetime | None = None,
    invited: bool = False,
) -> str | None:
    """Why this member cannot take a place on the opportunity, naming what is missing;
    None when they can. `lived_experience`: whether they said they have the lived
    experience it asks for (service users only). Places are counted separately."""
    now = now or timezone.now()
    if membership is None or not membership.is_active or membership.hub_id != opportunity.hub_id:
        return "Only members of this hub can take part."
    person = membership.person
    if opportunity.status != OpportunityStatus.OPEN:
        return "This opportunity is not taking people now."
    if has_started(opportunity, now):
        return "This has already started: it is too late to join."
    if opportunity.joining == Joining.INVITATION and not invited:
        return "This is by invitation only: ask the lead if you would like to be involved."
    side = side_of(membership)
    if side == Side.STAFF and not (opportunity.staff_places or opportunity.any_places):
        return "This is for service users and carers, not staff."
    if side == Side.USER and not (opportunity.user_places or opportunity.any_places):
        return "This is for staff only."
    first = first_day(opportunity, now)
    day = timezone.localdate(first.starts_at) if first else timezone.localdate(now)
    hub = opportunity.hub
    if opportunity.training and not is_trained(hub, person, opportunity.training, day):
        # Said the same way whether the person reads it or a coordinator acting for them.
        return (
            f"This needs {opportunity.training} first, valid on {day:%-d %B %Y}, and none "
            "is on record: ask a coordinator about the next course."
        )
    if opportunity.needs_check and hub_selectors.valid_check_until(hub, person, day) is None:
        return (
            f"This needs a safeguarding check valid on {day:%-d %B %Y}, and none is on "
            "record: ask a coordinator."
        )
    if opportunity.lived_experience and side == Side.USER and not lived_experience:
        return f"This asks for lived experience {opportunity.lived_experience}."
    return None


def live_signup(opportunity: Opportunity, person: Person) -> SignUp | None:
    return opportunity.signups.filter(person=person, status__in=LIVE_STATUSES).first()


@dataclass(frozen=True)
class SignUpRights:
    answer: bool = False  # withdraw, accept an invitation or an offered place
    decide: bool = False  # confirm or not choose a request


def signup_rights(membership: Membership | None, signup: SignUp) -> SignUpRights:
    rights = opportunity_rights(membership, signup.opportunity)
    if not rights.see:
        return SignUpRights()
    own = signup.person_id == membership.person_id
    for_offline = rights.coordinate and not hub_access.manages_own_account(signup.person)
    return SignUpRights(answer=own or for_offline or rights.coordinate, decide=rights.manage)


def signup_for(membership: Membership | None, hub: Hub, pk: int) -> SignUp:
    if not 0 < pk < 2**63:
        raise Http404("No such place.")
    signup = get_object_or_404(
        SignUp.objects.select_related("opportunity__hub", "person"), opportunity__hub=hub, pk=pk
    )
    rights = signup_rights(membership, signup)
    if not (rights.answer or rights.decide):
        raise Http404("No such place.")
    return signup


@dataclass(frozen=True)
class AttendanceRights:
    see: bool = False
    choose: bool = False  # choose the thanks, claim expenses
    decide_expenses: bool = False


def attendance_rights(membership: Membership | None, attendance: Attendance):
    hub_id = attendance.session.opportunity.hub_id
    if membership is None or membership.hub_id != hub_id or not membership.is_active:
        return AttendanceRights()
    own = attendance.person_id == membership.person_id
    coordinate = membership.can_coordinate
    for_offline = coordinate and not hub_access.manages_own_account(attendance.person)
    return AttendanceRights(
        see=own or coordinate or attendance.session.opportunity.lead_id == membership.person_id,
        choose=(own or for_offline) and attendance.status == "attended",
        decide_expenses=coordinate and not own,
    )


def attendance_for(membership: Membership | None, hub: Hub, pk: int) -> Attendance:
    if not 0 < pk < 2**63:
        raise Http404("No such meeting.")
    attendance = get_object_or_404(
        Attendance.objects.select_related("session__opportunity__hub", "person", "signup"),
        session__opportunity__hub=hub,
        pk=pk,
    )
    if not attendance_rights(membership, attendance).see:
        raise Http404("No such meeting.")
    return attendance


def thanks_offered(attendance: Attendance) -> list[str]:
    """The kinds of thanks this person may choose: staff are paid already, so no
    payment or voucher for them."""
    if attendance.signup.side == Side.STAFF:
        return [Recompense.CREDITS, Recompense.DECLINE, Recompense.DONATE]
    return list(Recompense.values)


def can_see_payments(membership: Membership | None) -> bool:
    return membership is not None and membership.can_coordinate


def can_see_record(viewer: Membership | None, person: Person) -> bool:
    """A person's record of involvement: theirs, and their hub's coordinators'."""
    if viewer is None or not viewer.is_active:
        return False
    if viewer.person_id == person.pk:
        return True
    return viewer.can_coordinate and hub_access.membership_of(person, viewer.hub) is not None


def answered(signup: SignUp) -> bool:
    return signup.status not in (SignUpStatus.INVITED, SignUpStatus.OFFERED)


def can_open(membership: Membership | None) -> bool:
    """Staff and coordinators open opportunities."""
    return membership is not None and membership.is_active and membership.is_staff_or_above


def takeable(opportunities, membership: Membership, now: datetime.datetime | None = None):
    """Those of `opportunities` this member could take a place on: `refusal`'s rules
    said for many at once, in the database (a hub may have hundreds). Lived experience
    is the person's own to say, so it is not a bar here."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    person = membership.person_id
    found = opportunities.filter(status=OpportunityStatus.OPEN).exclude(joining=Joining.INVITATION)
    found = found.exclude(Q(when=When.ONE_OFF) & Exists(_sessions().filter(starts_at__lte=now)))
    if side_of(membership) == Side.STAFF:
        found = found.filter(Q(staff_places__gt=0) | Q(any_places__gt=0))
    else:
        found = found.filter(Q(user_places__gt=0) | Q(any_places__gt=0))
    first = Coalesce(
        TruncDate(
            Subquery(_sessions().filter(starts_at__gt=now).values("starts_at")[:1]),
            tzinfo=timezone.get_current_timezone(),
        ),
        Value(today),
    )
    found = found.annotate(first_day=first)
    trained = Training.objects.filter(
        hub_id=membership.hub_id,
        person_id=person,
        name__iexact=OuterRef("training"),
        trained_on__lte=OuterRef("first_day"),
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gt=OuterRef("first_day")))
    checked = SafeguardingCheck.objects.filter(
        hub_id=membership.hub_id,
        person_id=person,
        issued_on__lte=OuterRef("first_day"),
        expires_on__gt=OuterRef("first_day"),
    )
    return found.filter(Q(training="") | Exists(trained)).filter(
        Q(needs_check=False) | Exists(checked)
    )


def _sessions():
    return Session.objects.filter(opportunity=OuterRef("pk"), cancelled=False).order_by(
        "starts_at", "id"
    )


# --- who may be chosen in this app's people pickers (see hubs/pickers.py) -------------------


def _staff(membership: Membership, _params):
    return membership.hub if can_open(membership) else None


def _coordinator(membership: Membership, _params):
    return membership.hub if membership.can_coordinate else None


def _manager(membership: Membership, params):
    raw = str(params.get("opportunity", ""))
    if not raw.isdigit():
        raise Http404("No such opportunity.")
    opportunity = opportunity_for(membership, membership.hub, int(raw))
    return opportunity if opportunity_rights(membership, opportunity).manage else None


def _members(hub, _context=None):
    return hub_access.active_members(hub)


def _not_online(_context, people: list) -> list:
    return [p for p in people if not hub_access.manages_own_account(p)]


def _signs_in(_context, person) -> str | None:
    if hub_access.manages_own_account(person):
        return f"{person} signs in: they ask for a place themselves."
    return None


pickers.register(pickers.Purpose("involve-lead", _staff, _members))
pickers.register(pickers.Purpose("involve-invite", _manager, _members))
pickers.register(
    pickers.Purpose(
        "involve-offline", _coordinator, _members, refine=_not_online, why_not=_signs_in
    )
)

# --- people: choices, packs, records, figures, payments, settings, training -------------
#
# - A person sets how much they want to be asked; a coordinator sets it for someone who
#   does not manage their own account (not online, or never signed in).
# - A pack is its person's, and the hub's coordinators' (who print and post it).
# - The hub's figures are for its staff and coordinators: counts of people, hours and
#   money, never a list of names; groups under five people are not counted out loud.
# - The hub's rules (rates, limits, what shortlists favour), the packs to post and the
#   training record are for coordinators.

SMALL_GROUP = 5  # fewer people than this are said as "fewer than 5", never counted


def can_set_choices_for(viewer: Membership | None, person: Person) -> bool:
    if viewer is None or not viewer.is_active:
        return False
    if viewer.person_id == person.pk:
        return True
    return (
        viewer.can_coordinate
        and not hub_access.manages_own_account(person)
        and hub_access.membership_of(person, viewer.hub) is not None
    )


def can_see_figures(membership: Membership | None) -> bool:
    return membership is not None and membership.is_staff_or_above


def can_coordinate_people(membership: Membership | None) -> bool:
    """Print and post packs, change the hub's rules, record training."""
    return membership is not None and membership.can_coordinate


def pack_for(membership: Membership | None, hub: Hub, pk: int):
    """The pack, if it is this member's or they coordinate the hub; otherwise 404."""
    if membership is None or not 0 < pk < 2**63:
        raise Http404("No such pack.")
    pack = get_object_or_404(Pack.objects.select_related("person", "hub"), hub=hub, pk=pk)
    if pack.person_id != membership.person_id and not membership.can_coordinate:
        raise Http404("No such pack.")
    return pack


def _training_coordinator(membership: Membership, _params):
    return membership.hub if membership.can_coordinate else None


def _training_members(hub: Hub, _context=None):
    return hub_access.active_members(hub)


pickers.register(pickers.Purpose("involve-trained", _training_coordinator, _training_members))
