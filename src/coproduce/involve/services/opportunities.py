"""Opportunities and their meetings: opening one, arranging meetings, changing or
cancelling it, and recording how many people a recruitment panel hired."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError, validated_save
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Hub, Organisation, Person
from coproduce.notify.models import Kind
from coproduce.notify.services import tell

from .. import access, selectors
from ..models import (
    HOLDING_STATUSES,
    LIVE_STATUSES,
    CoKind,
    HowOften,
    InvolvementChoice,
    Joining,
    Mode,
    Opportunity,
    OpportunityStatus,
    Session,
    When,
)
from .common import lock

MAX_MEETINGS = 52
MAX_PLACES = 30


def _check_meetings(when: str, meetings: list[tuple[datetime.datetime, datetime.datetime]]):
    if when == When.ONE_OFF and len(meetings) != 1:
        raise ApplicationError(
            "A one-off has exactly one meeting: give its date and time.", field="meetings"
        )
    if when == When.SERIES and len(meetings) < 2:
        raise ApplicationError("A series needs at least two meetings.", field="meetings")
    if len(meetings) > MAX_MEETINGS:
        raise ApplicationError(f"Add at most {MAX_MEETINGS} meetings at once.", field="meetings")
    now = timezone.now()
    for number, (start, end) in enumerate(meetings, 1):
        which = "The meeting" if len(meetings) == 1 else f"Meeting {number}"
        if start <= now:
            raise ApplicationError(f"{which} starts in the past.", field="meetings")
        if end <= start:
            raise ApplicationError(f"{which} ends before it starts.", field="meetings")
        if end - start > datetime.timedelta(hours=12):
            raise ApplicationError(f"{which} is longer than 12 hours.", field="meetings")


def _check_places(staff: int, user: int, anyone: int, reserved: int) -> None:
    for field, value in (
        ("staff_places", staff),
        ("user_places", user),
        ("any_places", anyone),
        ("reserved_places", reserved),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_PLACES:
            raise ApplicationError(f"Enter a number of places from 0 to {MAX_PLACES}.", field=field)
    if staff + user + anyone == 0:
        raise ApplicationError("Give it at least one place.", field="user_places")
    if reserved > staff + user + anyone:
        raise ApplicationError(
            "More places are reserved than there are places.", field="reserved_places"
        )


@transaction.atomic
def opportunity_create(
    *,
    actor: Person,
    hub: Hub,
    kind: str,
    title: str,
    description: str,
    lead: Person,
    meetings: list[tuple[datetime.datetime, datetime.datetime]],
    when: str = When.ONE_OFF,
    mode: str = Mode.IN_PERSON,
    place: str = "",
    accessibility: str = "",
    training: str = "",
    needs_check: bool = False,
    lived_experience: str = "",
    staff_places: int = 0,
    user_places: int = 0,
    any_places: int = 0,
    reserved_places: int = 0,
    joining: str = Joining.REQUEST,
    organisation: Organisation | None = None,
    is_recruitment: bool = False,
    confirm_hours: int = 48,
    key: str = "",
) -> Opportunity:
    """Open an opportunity (staff and coordinators), with its meetings; people who asked
    to hear of each new one of its kind are told."""
    hub_access.require_staff(actor, hub, "Only staff and coordinators open opportunities.")
    if key:
        earlier = Opportunity.objects.filter(hub=hub, created_by=actor, key=key).first()
        if earlier is not None:
            return earlier  # the same form sent again
    if kind not in CoKind.values:
        raise ApplicationError("Choose what kind of involvement it is.", field="kind")
    if not title.strip():
        raise ApplicationError("Give it a title.", field="title")
    if not description.strip():
        raise ApplicationError("Say what it involves.", field="description")
    if when not in When.values:
        raise ApplicationError("Choose one-off, a series or ongoing.", field="when")
    if joining not in Joining.values:
        raise ApplicationError("Choose how people join.", field="joining")
    if hub_access.membership_of(lead, hub) is None:
        raise ApplicationError("The lead must be a member of this hub.", field="lead")
    if organisation is not None and organisation.hub_id != hub.pk:
        raise ApplicationError("Choose one of this hub's organisations.", field="organisation")
    _check_places(staff_places, user_places, any_places, reserved_places)
    _check_meetings(when, meetings)
    opportunity = Opportunity(
        hub=hub,
        kind=kind,
        title=title.strip(),
        description=description.strip(),
        when=when,
        mode=mode,
        place=place.strip(),
        accessibility=accessibility.strip(),
        training=training.strip(),
        needs_check=needs_check,
        lived_experience=lived_experience.strip(),
        staff_places=staff_places,
        user_places=user_places,
        any_places=any_places,
        reserved_places=reserved_places,
        joining=joining,
        lead=lead,
        organisation=organisation,
        is_recruitment=is_recruitment,
        confirm_hours=confirm_hours,
        created_by=actor,
        key=key[:60],
    )
    validated_save(opportunity)
    Session.objects.bulk_create(
        Session(opportunity=opportunity, starts_at=start, ends_at=end) for start, end in meetings
    )
    audit(
        hub=hub,
        actor=actor,
        event=AuditKind.OPPORTUNITY_CREATED,
        subject=opportunity,
        new={"title": opportunity.title, "kind": kind, "lead": lead.pk, "meetings": len(meetings)},
    )
    _announce(opportunity, actor)
    return opportunity


def _announce(opportunity: Opportunity, actor: Person) -> None:
    """Tell the people who chose to hear of each new opportunity of this kind, and may
    take it (never for an invitation-only one)."""
    if opportunity.joining == Joining.INVITATION:
        return
    wanting = {
        c.person_id
        for c in InvolvementChoice.objects.filter(hub=opportunity.hub, how_often=HowOften.EACH)
        if not c.kinds or opportunity.kind in c.kinds
    }
    if not wanting:
        return
    memberships = list(
        opportunity.hub.memberships.filter(is_active=True, person_id__in=wanting).select_related(
            "person"
        )
    )
    people = [m.person for m in selectors.eligible_memberships(opportunity, memberships)]
    tell(
        people,
        actor=actor,
        kind=Kind.INVOLVEMENT_NEWS,
        hub=opportunity.hub,
        subject=f"A new way to be involved: {opportunity}",
        template="involve/email/announced.txt",
        context={"opportunity": opportunity},
        url=reverse("involve-opportunity", args=[opportunity.hub.slug, opportunity.pk]),
    )


def _require_manager(actor: Person, opportunity: Opportunity) -> None:
    membership = hub_access.require_member(actor, opportunity.hub)
    if not access.opportunity_rights(membership, opportunity).manage:
        raise PermissionDenied("Only the lead or a coordinator can do this.")


@transaction.atomic
def meeting_add(
    *,
    actor: Person,
    opportunity: Opportunity,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
) -> Session:
    """Arrange another meeting of a series or an ongoing opportunity."""
    opportunity = lock(opportunity)
    _require_manager(actor, opportunity)
    if opportunity.when == When.ONE_OFF:
        raise ApplicationError("A one-off has one meeting: open another opportunity instead.")
    if opportunity.status == OpportunityStatus.CANCELLED:
        raise ApplicationError("This opportunity was cancelled.")
    _check_meetings(When.ONGOING, [(starts_at, ends_at)])
    if opportunity.sessions.count() >= 200:
        raise ApplicationError("This has 200 meetings already.", field="meetings")
    session = Session.objects.create(opportunity=opportunity, starts_at=starts_at, ends_at=ends_at)
    audit(
        hub=opportunity.hub,
        actor=actor,
        event=AuditKind.MEETING_ADDED,
        subject=session,
        new={"opportunity": opportunity.pk, "starts_at": starts_at},
    )
    holders = [
        s.person for s in opportunity.signups.filter(status="confirmed").select_related("person")
    ]
    tell(
        holders,
        actor=actor,
        kind=Kind.INVOLVEMENT,
        hub=opportunity.hub,
        subject=f"Another meeting: {opportunity}",
        template="involve/email/meeting_added.txt",
        context={"opportunity": opportunity, "session": session},
        url=reverse("involve-opportunity", args=[opportunity.hub.slug, opportunity.pk]),
    )
    return session


# What a lead may change once people have signed up, without opening it again.
CHANGEABLE = ("description", "place", "accessibility", "status")


@transaction.atomic
def opportunity_change(*, actor: Person, opportunity: Opportunity, **changes) -> Opportunity:
    """Change what it involves, where, its accessibility notes, or close and reopen it."""
    opportunity = lock(opportunity)
    _require_manager(actor, opportunity)
    unknown = set(changes) - set(CHANGEABLE)
    if unknown:
        raise ApplicationError(f"{sorted(unknown)[0]} cannot be changed here.")
    if opportunity.status == OpportunityStatus.CANCELLED:
        raise ApplicationError("This opportunity was cancelled.")
    if changes.get("status") not in (None, OpportunityStatus.OPEN, OpportunityStatus.CLOSED):
        raise ApplicationError("Choose open or closed.", field="status")
    if "description" in changes and not str(changes["description"]).strip():
        raise ApplicationError("Say what it involves.", field="description")
    old = {name: getattr(opportunity, name) for name in changes}
    for name, value in changes.items():
        setattr(opportunity, name, value.strip() if isinstance(value, str) else value)
    validated_save(opportunity)
    new = {name: getattr(opportunity, name) for name in changes}
    if old != new:
        audit(
            hub=opportunity.hub,
            actor=actor,
            event=AuditKind.OPPORTUNITY_CHANGED,
            subject=opportunity,
            old=old,
            new=new,
        )
    return opportunity


@transaction.atomic
def opportunity_cancel(*, actor: Person, opportunity: Opportunity, reason: str) -> Opportunity:
    """Cancel it: everyone on it is told why; their places end."""
    opportunity = lock(opportunity)
    _require_manager(actor, opportunity)
    if opportunity.status == OpportunityStatus.CANCELLED:
        return opportunity
    if not reason.strip():
        raise ApplicationError("Say why it is cancelled: everyone on it is told.", field="reason")
    live = list(opportunity.signups.filter(status__in=LIVE_STATUSES).select_related("person"))
    opportunity.status = OpportunityStatus.CANCELLED
    opportunity.save(update_fields=["status"])
    opportunity.sessions.filter(starts_at__gt=timezone.now()).update(cancelled=True)
    opportunity.signups.filter(status__in=LIVE_STATUSES).update(
        status="withdrawn", decided_at=timezone.now(), offer_expires_at=None
    )
    audit(
        hub=opportunity.hub,
        actor=actor,
        event=AuditKind.OPPORTUNITY_CANCELLED,
        subject=opportunity,
        new={"reason": reason.strip()[:300], "people": len(live)},
    )
    tell(
        [s.person for s in live],
        actor=actor,
        kind=Kind.INVOLVEMENT,
        hub=opportunity.hub,
        subject=f"Cancelled: {opportunity}",
        template="involve/email/cancelled.txt",
        context={"opportunity": opportunity, "reason": reason.strip()},
        url=reverse("involve-opportunity", args=[opportunity.hub.slug, opportunity.pk]),
    )
    return opportunity


@transaction.atomic
def hired_record(*, actor: Person, opportunity: Opportunity, hired: int) -> Opportunity:
    """How many people a recruitment panel hired, for the hub's figures."""
    opportunity = lock(opportunity)
    _require_manager(actor, opportunity)
    if not opportunity.is_recruitment:
        raise ApplicationError("Only a recruitment panel hires people.")
    if not isinstance(hired, int) or isinstance(hired, bool) or not 0 <= hired <= 100:
        raise ApplicationError("Enter how many people were hired, from 0 to 100.", field="hired")
    if not opportunity.sessions.filter(starts_at__lte=timezone.now()).exists():
        raise ApplicationError("Record who was hired once the panel has met.", field="hired")
    old = opportunity.hired
    opportunity.hired = hired
    opportunity.save(update_fields=["hired"])
    audit(
        hub=opportunity.hub,
        actor=actor,
        event=AuditKind.OPPORTUNITY_HIRED,
        subject=opportunity,
        old={"hired": old},
        new={"hired": hired},
    )
    return opportunity


def holders_of(opportunity: Opportunity):
    return opportunity.signups.filter(status__in=HOLDING_STATUSES).select_related("person")
