"""The involvement bank in the JSON API: opportunities, places on them, the fair
shortlist, attendance and the thanks each person chooses.

As on the pages: the hub comes from the key; who may see and do what is in access.py,
and every change goes through the services, which check it again. An opportunity, a
place or a meeting someone may not see is answered 404, never shown. Time is given in
whole minutes with the same time in words beside it (`length`); money in whole pence
with the amount in pounds beside it (`amount`).
"""

import datetime
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from coproduce.api.common import ERRORS, Id, Mapped, Pages, When_, key_header, named_as
from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Organisation
from coproduce.idempotency import once, owner_of
from coproduce.timebank.models import format_minutes

from . import access, selectors, services
from . import shortlist as engine
from .guard import money
from .models import (
    HOLDING_STATUSES,
    Attendance,
    AttendanceStatus,
    CoKind,
    Joining,
    Mode,
    Opportunity,
    OpportunityStatus,
    Recompense,
    Session,
    Side,
    SignUp,
    When,
)

router = Router(tags=["involvement"])


# --- shapes ---------------------------------------------------------------------------------


class MeetingOut(Schema):
    id: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    minutes: int
    length: str = Field(description="The length in words, e.g. '1 h 30 min'.")
    cancelled: bool


class PlacesOut(Schema):
    staff: int = Field(description="Places for staff of the service.")
    user: int = Field(description="Places for service users and carers.")
    any: int = Field(description="Places either may take.")
    reserved: int = Field(description="Of all the places, kept for people invited.")
    total: int
    mix: str = Field(description="In words: '2 staff and 1 service user'.")


class PlacesLeftOut(Schema):
    total: int = Field(description="Places nobody holds yet.")
    staff: int = Field(description="How many more staff could take a place now.")
    user: int = Field(description="How many more service users could take a place now.")


class RequirementsOut(Schema):
    training: str = Field(description="Training needed, valid on the day; empty if none.")
    needs_check: bool = Field(description="A safeguarding check valid on the first day.")
    lived_experience: str = Field(description="Lived experience asked of service users.")
    sides: list[Literal["staff", "user"]] = Field(description="Who may take a place.")


class JoiningOut(Schema):
    mode: str = Field(description="instant, request or invitation.")
    how: str = Field(description="How people join, in words.")
    can_ask: bool = Field(description="Whether you may ask for a place now.")
    why_not: str | None = Field(None, description="Why not, naming what is missing.")


class SignUpOut(Schema):
    id: int
    opportunity_id: int
    opportunity: str = Field(description="The opportunity's title.")
    person_id: int
    person: str
    side: str
    status: str
    status_label: str
    invited: bool
    lived_experience: bool
    message: str
    reasons: list[str] = Field(description="Why the fair shortlist placed them so.")
    entered_by: str | None = Field(None, description="The coordinator who signed them up.")
    asked_at: datetime.datetime
    decided_at: datetime.datetime | None
    offer_expires_at: datetime.datetime | None = Field(
        None, description="An offered place: the time to say yes by."
    )


def _signup_out(signup: SignUp) -> dict:
    return {
        "id": signup.pk,
        "opportunity_id": signup.opportunity_id,
        "opportunity": signup.opportunity.title,
        "person_id": signup.person_id,
        "person": signup.person.display_name,
        "side": signup.side,
        "status": signup.status,
        "status_label": signup.get_status_display(),
        "invited": signup.invited,
        "lived_experience": signup.lived_experience,
        "message": signup.message,
        "reasons": list(signup.reasons or []),
        "entered_by": signup.entered_by.display_name if signup.entered_by_id else None,
        "asked_at": signup.asked_at,
        "decided_at": signup.decided_at,
        "offer_expires_at": signup.offer_expires_at,
    }


def _signups():
    return SignUp.objects.select_related("opportunity", "person", "entered_by")


class OpportunityOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    when: str
    mode: str
    joining: str
    status: str
    lead: str
    places: PlacesOut
    places_left: PlacesLeftOut
    next_meeting: datetime.datetime | None = Field(
        None, description="The next meeting still to come, if one is arranged."
    )
    is_recruitment: bool


class OpportunityDetailOut(OpportunityOut):
    description: str
    kind_means: str
    place: str = Field(description="Where, or how to join (a room, a phone line).")
    accessibility: str
    requirements: RequirementsOut
    how_to_join: JoiningOut
    meetings: list[MeetingOut]
    hired: int | None
    confirm_hours: int = Field(description="Hours someone offered a place has to say yes.")
    my_signup: SignUpOut | None = Field(None, description="Your own place or request, if any.")
    signups: list[SignUpOut] | None = Field(
        None, description="Everyone on it, for its lead and the coordinators; else null."
    )


def _left(opportunity: Opportunity, held: engine.Held) -> dict:
    places = selectors.places_of(opportunity)

    def more(side: str) -> int:
        count, now = 0, held
        while count < places.total and engine.fits(places, now, side):
            now, count = now.plus(side, False), count + 1
        return count

    taken = held.staff + held.user
    return {
        "total": max(0, places.total - taken),
        "staff": more(engine.STAFF),
        "user": more(engine.USER),
    }


def _summary(opportunity: Opportunity, held: engine.Held, next_meeting) -> dict:
    return {
        "id": opportunity.pk,
        "kind": opportunity.kind,
        "kind_label": opportunity.get_kind_display(),
        "title": opportunity.title,
        "when": opportunity.when,
        "mode": opportunity.mode,
        "joining": opportunity.joining,
        "status": opportunity.status,
        "lead": opportunity.lead.display_name,
        "places": {
            "staff": opportunity.staff_places,
            "user": opportunity.user_places,
            "any": opportunity.any_places,
            "reserved": opportunity.reserved_places,
            "total": opportunity.places,
            "mix": opportunity.mix,
        },
        "places_left": _left(opportunity, held),
        "next_meeting": next_meeting,
        "is_recruitment": opportunity.is_recruitment,
    }


def _listed(opportunity: Opportunity) -> dict:
    held = engine.Held(
        staff=opportunity.held_staff,
        user=opportunity.held_user,
        uninvited=opportunity.held_uninvited,
    )
    return _summary(opportunity, held, opportunity.next_meeting)


def _detail(request, opportunity: Opportunity) -> dict:
    membership = request.membership
    rights = access.opportunity_rights(membership, opportunity)
    meetings = list(opportunity.sessions.all())
    now = timezone.now()
    coming = [m for m in meetings if not m.cancelled and m.starts_at > now]
    out = _summary(
        opportunity,
        selectors.held_of(opportunity),
        coming[0].starts_at if coming else None,
    )
    sides = []
    if opportunity.staff_places or opportunity.any_places:
        sides.append(Side.STAFF)
    if opportunity.user_places or opportunity.any_places:
        sides.append(Side.USER)
    mine = access.live_signup(opportunity, request.user)
    if mine is not None:
        why_not = f"You are on this already: {mine.get_status_display().lower()}."
    else:
        why_not = access.refusal(opportunity, membership)
        mine = opportunity.signups.filter(person=request.user).order_by("-asked_at", "-id").first()
    out.update(
        description=opportunity.description,
        kind_means=opportunity.kind_means,
        place=opportunity.place,
        accessibility=opportunity.accessibility,
        requirements={
            "training": opportunity.training,
            "needs_check": opportunity.needs_check,
            "lived_experience": opportunity.lived_experience,
            "sides": sides,
        },
        how_to_join={
            "mode": opportunity.joining,
            "how": opportunity.get_joining_display(),
            "can_ask": why_not is None,
            "why_not": why_not,
        },
        meetings=[
            {
                "id": m.pk,
                "starts_at": m.starts_at,
                "ends_at": m.ends_at,
                "minutes": m.minutes,
                "length": m.length,
                "cancelled": m.cancelled,
            }
            for m in meetings
        ],
        hired=opportunity.hired,
        confirm_hours=opportunity.confirm_hours,
        my_signup=_signup_out(_signups().get(pk=mine.pk)) if mine else None,
        signups=(
            [_signup_out(s) for s in _signups().filter(opportunity=opportunity)]
            if rights.manage
            else None
        ),
    )
    return out


# --- opportunities --------------------------------------------------------------------------


class OpportunityFilters(Schema):
    kind: Literal[(*CoKind.values, "")] = ""  # type: ignore[valid-type]
    status: Literal[(*OpportunityStatus.values, "")] = ""  # type: ignore[valid-type]


@router.get("/opportunities", response={200: list[OpportunityOut], **ERRORS})
@paginate(Pages)
def opportunity_list(request, filters: Query[OpportunityFilters]):
    """Ways to be involved in the hub, newest first, a page at a time; by `kind` and
    `status` if asked. Cancelled ones are for coordinators."""
    found = access.visible_opportunities(request.membership).select_related("lead")
    if filters.kind:
        found = found.filter(kind=filters.kind)
    if filters.status:
        found = found.filter(status=filters.status)
    holding = Q(signups__status__in=HOLDING_STATUSES)
    found = found.annotate(
        held_staff=Count("signups", filter=holding & Q(signups__side=Side.STAFF), distinct=True),
        held_user=Count("signups", filter=holding & Q(signups__side=Side.USER), distinct=True),
        held_uninvited=Count("signups", filter=holding & Q(signups__invited=False), distinct=True),
        next_meeting=Min(
            "sessions__starts_at",
            filter=Q(sessions__cancelled=False, sessions__starts_at__gt=timezone.now()),
        ),
    ).order_by("-created_at", "-id")
    return Mapped(found, _listed)


@router.get("/opportunities/{opportunity_id}", response={200: OpportunityDetailOut, **ERRORS})
def opportunity_detail(request, opportunity_id: int):
    """One opportunity: its meetings, places by side and how many are left, how to join
    (and whether you may), what it requires, your own place if you have one, and for its
    lead and the coordinators everyone on it."""
    opportunity = access.opportunity_for(request.membership, request.hub, opportunity_id)
    return _detail(request, opportunity)


class MeetingIn(Schema):
    starts_at: When_ = Field(description="ISO 8601; without an offset, the hub's local time.")
    ends_at: When_


Places = Annotated[int, Field(strict=True, ge=0, le=30)]


class OpportunityIn(Schema):
    kind: Literal[tuple(CoKind.values)]  # type: ignore[valid-type]
    title: str = Field(min_length=1, max_length=120)
    description: str = Field(min_length=1, max_length=2000, description="What it involves.")
    when: Literal[tuple(When.values)] = When.ONE_OFF  # type: ignore[valid-type]
    meetings: list[MeetingIn] = Field(
        max_length=52, description="One for a one-off, two or more for a series."
    )
    mode: Literal[tuple(Mode.values)] = Mode.IN_PERSON  # type: ignore[valid-type]
    place: str = Field("", max_length=200)
    accessibility: str = Field("", max_length=1000)
    training: str = Field("", max_length=120)
    needs_check: bool = False
    lived_experience: str = Field("", max_length=200)
    staff_places: Places = 0
    user_places: Places = 0
    any_places: Places = 0
    reserved_places: Places = 0
    joining: Literal[tuple(Joining.values)] = Joining.REQUEST  # type: ignore[valid-type]
    lead_id: Id | None = Field(None, description="A member of the hub; you by default.")
    organisation_id: Id | None = Field(
        None, description="Whose account pays the time credits; the hub's host by default."
    )
    is_recruitment: bool = False
    confirm_hours: int = Field(48, strict=True, ge=1, le=336)


def _member_of_hub(request, person_id: int, field: str):
    try:
        return hub_access.member_in_hub(request.hub, person_id).person
    except Http404:
        raise ApplicationError("Choose a member of this hub.", field=field) from None


@router.post("/opportunities", response={201: OpportunityDetailOut, **ERRORS})
def opportunity_create(request, data: OpportunityIn, key: str | None = key_header()):
    """Staff and coordinators: open an opportunity with its meetings. People who asked to
    hear of each new one of its kind are told. Send an `Idempotency-Key` to retry
    safely: the same key gives the first opportunity again."""
    hub = request.hub
    lead = _member_of_hub(request, data.lead_id, "lead_id") if data.lead_id else request.user
    organisation = None
    if data.organisation_id is not None:
        organisation = Organisation.objects.filter(pk=data.organisation_id, hub=hub).first()
        if organisation is None:
            raise ApplicationError(
                "Choose one of this hub's organisations.", field="organisation_id"
            )
    values = data.dict(exclude={"lead_id", "organisation_id", "meetings"})
    meetings = [(m.starts_at, m.ends_at) for m in data.meetings]
    with named_as(lead="lead_id", organisation="organisation_id"):
        opportunity = once(
            hub_id=hub.pk,
            owner=owner_of(request.user),
            key=key,
            kind="involve.opportunity_create",
            content=data.dict(),
            action=lambda: services.opportunity_create(
                actor=request.user,
                hub=hub,
                lead=lead,
                organisation=organisation,
                meetings=meetings,
                **values,
            ),
        )
    return Status(
        201, _detail(request, access.opportunity_for(request.membership, hub, opportunity.pk))
    )


# --- places ---------------------------------------------------------------------------------


class SignUpIn(Schema):
    person_id: Id | None = Field(
        None, description="Coordinators: someone who is not online. You by default."
    )
    lived_experience: bool = Field(
        False, description="You have the lived experience the opportunity asks for."
    )
    message: str = Field("", max_length=500, description="For the lead: access needs.")


@router.post("/opportunities/{opportunity_id}/signups", response={201: SignUpOut, **ERRORS})
def signup_ask(request, opportunity_id: int, data: SignUpIn, key: str | None = key_header()):
    """Ask for a place: an instant opportunity gives one at once if any is left (else
    the waiting list); a request-and-confirm one waits for the lead's shortlist. A
    coordinator may sign up someone who is not online (`person_id`). Send an
    `Idempotency-Key` to retry safely: the same key gives the first sign-up again."""
    opportunity = access.opportunity_for(request.membership, request.hub, opportunity_id)
    person = None
    if data.person_id is not None:
        person = _member_of_hub(request, data.person_id, "person_id")
    with named_as(person="person_id" if person else "person"):
        signup = once(
            hub_id=request.hub.pk,
            owner=owner_of(request.user),
            key=key,
            kind="involve.signup_ask",
            content={"opportunity": opportunity.pk, **data.dict()},
            action=lambda: services.signup_ask(
                actor=request.user,
                opportunity=opportunity,
                person=person,
                lived_experience=data.lived_experience,
                message=data.message,
            ),
        )
    return Status(201, _signup_out(_signups().get(pk=signup.pk)))


def _managed(request, opportunity_id: int) -> Opportunity:
    opportunity = access.opportunity_for(request.membership, request.hub, opportunity_id)
    if not access.opportunity_rights(request.membership, opportunity).manage:
        raise PermissionDenied("Only the lead or a coordinator can see this.")
    return opportunity


@router.get("/opportunities/{opportunity_id}/signups", response={200: list[SignUpOut], **ERRORS})
@paginate(Pages)
def opportunity_signups(request, opportunity_id: int):
    """Its lead and the coordinators: everyone who asked, was invited or holds a place,
    in the order they asked."""
    opportunity = _managed(request, opportunity_id)
    return Mapped(
        _signups().filter(opportunity=opportunity).order_by("asked_at", "id"), _signup_out
    )


@router.get("/signups", response={200: list[SignUpOut], **ERRORS})
@paginate(Pages)
def my_signups(request):
    """Your own places and requests in the hub, latest first."""
    found = _signups().filter(person=request.user, opportunity__hub=request.hub)
    return Mapped(found.order_by("-asked_at", "-id"), _signup_out)


class AnswerIn(Schema):
    yes: bool = Field(description="Yes to an invitation or a place offered; or no.")


@router.post("/signups/{signup_id}/answer", response={200: SignUpOut, **ERRORS})
def signup_answer(request, signup_id: int, data: AnswerIn):
    """Say yes or no to an invitation, or to a place offered from the waiting list by
    its deadline. Answering again the same way changes nothing."""
    signup = access.signup_for(request.membership, request.hub, signup_id)
    signup = services.signup_answer(actor=request.user, signup=signup, yes=data.yes)
    return _signup_out(_signups().get(pk=signup.pk))


class WithdrawIn(Schema):
    reason: str = Field("", max_length=300, description="For the lead, if you want to say.")


@router.post("/signups/{signup_id}/withdraw", response={200: SignUpOut, **ERRORS})
def signup_withdraw(request, signup_id: int, data: WithdrawIn):
    """ "I can't come": give up a place, a request or a place on the waiting list. A place
    freed is offered to the next person waiting."""
    signup = access.signup_for(request.membership, request.hub, signup_id)
    signup = services.signup_withdraw(actor=request.user, signup=signup, reason=data.reason)
    return _signup_out(_signups().get(pk=signup.pk))


# --- the fair shortlist ---------------------------------------------------------------------


class RankedOut(Schema):
    position: int
    proposed: bool = Field(description="The fair shortlist gives them one of the places left.")
    reasons: list[str] = Field(description="Why they are placed so, in words.")
    signup: SignUpOut


class ShortlistOut(Schema):
    mix: str
    places_left: PlacesLeftOut
    ranked: list[RankedOut] = Field(description="Everyone asking or waiting, in the fair order.")


def _shortlist(opportunity: Opportunity) -> dict:
    ranked = selectors.shortlist_for(opportunity)
    return {
        "mix": opportunity.mix,
        "places_left": _left(opportunity, selectors.held_of(opportunity)),
        "ranked": [
            {
                "position": number,
                "proposed": r.chosen,
                "reasons": list(r.reasons),
                "signup": _signup_out(signup),
            }
            for number, (signup, r) in enumerate(ranked, 1)
        ],
    }


@router.get("/opportunities/{opportunity_id}/shortlist", response={200: ShortlistOut, **ERRORS})
def shortlist_view(request, opportunity_id: int):
    """Its lead and the coordinators: everyone asking or waiting in the fair order (least
    recently involved first; invited people first; the hub's favoured areas if it chose
    so), who the places left would go to, and why."""
    opportunity = _managed(request, opportunity_id)
    return _shortlist(opportunity)


class ChooseIn(Schema):
    chosen: list[Id] = Field(
        max_length=60, description="Sign-up ids to give places to, usually those proposed."
    )


class ConfirmedOut(Schema):
    confirmed: list[SignUpOut]
    shortlist: ShortlistOut = Field(description="Who is still waiting, in the fair order.")


@router.post("/opportunities/{opportunity_id}/shortlist", response={200: ConfirmedOut, **ERRORS})
def shortlist_confirm(request, opportunity_id: int, data: ChooseIn, key: str | None = key_header()):
    """Its lead and the coordinators: give places to the people chosen; everyone else
    asking goes on the waiting list in the fair order. Past the places or the mix is
    refused, naming `chosen`, and nothing is saved. With an `Idempotency-Key`, a retry
    gives the first answer again."""
    opportunity = access.opportunity_for(request.membership, request.hub, opportunity_id)
    given = once(
        hub_id=request.hub.pk,
        owner=owner_of(request.user),
        key=key,
        kind="involve.shortlist_confirm",
        content={"opportunity": opportunity.pk, "chosen": data.chosen},
        action=lambda: services.shortlist_confirm(
            actor=request.user, opportunity=opportunity, chosen=list(data.chosen)
        ),
    )
    ids = [s.pk for s in given]
    confirmed = {s.pk: s for s in _signups().filter(pk__in=ids)}
    return {
        "confirmed": [_signup_out(confirmed[pk]) for pk in ids],
        "shortlist": _shortlist(Opportunity.objects.get(pk=opportunity.pk)),
    }


# --- attendance and thanks ------------------------------------------------------------------


class MarkIn(Schema):
    signup_id: Id
    status: Literal[tuple(AttendanceStatus.values)]  # type: ignore[valid-type]
    minutes: int | None = Field(
        None, strict=True, ge=1, le=720, description="Time given; the meeting's length if left out."
    )


class AttendanceIn(Schema):
    marks: list[MarkIn] = Field(min_length=1, max_length=60)


class AttendanceOut(Schema):
    id: int
    meeting_id: int
    opportunity_id: int
    signup_id: int
    person: str
    status: str
    minutes: int
    length: str
    recompense: str = Field(description="The thanks chosen; empty until chosen.")
    thanks_offered: list[str]
    amount_pence: int
    amount: str = Field(description="The payment or voucher in pounds, e.g. '£20.00'.")
    taxable: bool
    warned: bool = Field(description="They read the benefits warning and chose it anyway.")
    transfer_id: int | None = Field(None, description="The time credits' transfer.")
    chosen_at: datetime.datetime | None


def _attendance_out(attendance: Attendance) -> dict:
    return {
        "id": attendance.pk,
        "meeting_id": attendance.session_id,
        "opportunity_id": attendance.session.opportunity_id,
        "signup_id": attendance.signup_id,
        "person": attendance.person.display_name,
        "status": attendance.status,
        "minutes": attendance.minutes,
        "length": format_minutes(attendance.minutes),
        "recompense": attendance.recompense,
        "thanks_offered": (
            list(access.thanks_offered(attendance))
            if attendance.status == AttendanceStatus.ATTENDED
            else []
        ),
        "amount_pence": attendance.amount_pence,
        "amount": money(attendance.amount_pence),
        "taxable": attendance.taxable,
        "warned": attendance.warned,
        "transfer_id": attendance.transfer_id,
        "chosen_at": attendance.chosen_at,
    }


def _attendances():
    return Attendance.objects.select_related("session", "person", "signup")


@router.post("/meetings/{meeting_id}/attendance", response={200: list[AttendanceOut], **ERRORS})
def attendance_record(request, meeting_id: int, data: AttendanceIn):
    """Its lead and the coordinators, once the meeting has begun: who came, who sent
    apologies, who did not come (`minutes` if not the meeting's length). Recording again
    corrects a mark until thanks are chosen. A no-show in a series frees the place."""
    if not 0 < meeting_id < 2**63:
        raise Http404("No such meeting.")
    session = get_object_or_404(
        Session.objects.select_related("opportunity__hub", "opportunity__lead"),
        pk=meeting_id,
        opportunity__hub=request.hub,
    )
    if not access.opportunity_rights(request.membership, session.opportunity).see:
        raise Http404("No such meeting.")
    ids = [mark.signup_id for mark in data.marks]
    if len(set(ids)) != len(ids):
        raise ApplicationError("Mark each person once.", field="marks")
    marks = {mark.signup_id: (mark.status, mark.minutes) for mark in data.marks}
    with named_as(attendance="marks", minutes="marks.minutes"):
        recorded = services.attendance_record(actor=request.user, session=session, marks=marks)
    found = {a.pk: a for a in _attendances().filter(pk__in=[a.pk for a in recorded])}
    return [_attendance_out(found[a.pk]) for a in recorded]


class ThanksIn(Schema):
    recompense: Literal[tuple(Recompense.values)]  # type: ignore[valid-type]
    understood: bool = Field(
        False,
        description="You read the benefits warning and still want the payment. Without it, "
        "a payment past the hub's limits is refused (400, field `understood`, with "
        "`warnings`).",
    )


@router.post("/attendance/{attendance_id}/thanks", response={200: AttendanceOut, **ERRORS})
def thanks_choose(request, attendance_id: int, data: ThanksIn):
    """The person who came (or a coordinator for someone not online) chooses, once, how
    to be thanked: time credits (posted through the ledger), a payment at the hub's
    rate, a voucher, nothing, or the hours given to the community chest. A payment past
    the hub's weekly or monthly limits needs `understood: true` (the warnings come back
    first, with where to get independent advice), or is refused if the limits are hard."""
    attendance = access.attendance_for(request.membership, request.hub, attendance_id)
    attendance = services.thanks_choose(
        actor=request.user,
        attendance=attendance,
        choice=data.recompense,
        understood=data.understood,
    )
    return _attendance_out(_attendances().get(pk=attendance.pk))
