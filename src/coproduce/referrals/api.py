"""Referrals, offers and escalations in the JSON API, for practice systems that refer
people and for staff following them.

As on the pages: the services check every permission, the hub comes from the key, and a
referral someone has no part in is answered 404, never shown. What a referral shows
depends on who asks (`access.referral_rights`): volunteers get the coordinator's note,
never the referrer's description; referrers get progress, never the volunteer.
"""

import datetime
from typing import Literal

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from coproduce.api.common import ERRORS, Id, Mapped, Pages, SaneDate, key_header
from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Neighbourhood
from coproduce.timebank.models import Category

from . import access, escalations, selectors, services
from .models import Escalation, MatchOffer, Referral

router = Router(tags=["referrals"])


class ConsentIn(Schema):
    given: bool = Field(description="The person agreed to be referred. Required: true.")
    given_by: str = Field(description="The person themselves, or who agreed for them.")
    method: Literal["paper", "phone", "in_person", "online"]
    given_on: SaneDate
    purpose: str = Field(description="What they agreed to.")


class ReferralIn(Schema):
    person_id: Id | None = Field(None, description="A member of the hub; or give new_person.")
    new_person_name: str | None = Field(None, description="Someone new, who is not online.")
    new_person_phone: str = ""
    consent: ConsentIn
    category_id: Id | None = None
    description: str = Field(description="What they need. Never shown to volunteers.")
    urgency: Literal["routine", "soon", "urgent"] = "routine"
    preferred_times: list[str] = Field([], description="Like tue-am, thu-pm, sat-eve.")
    neighbourhood_id: Id | None = None
    postcode_district: str = Field("", max_length=4)
    needs_check: bool = False


class ReferralOut(Schema):
    id: int
    status: str
    urgency: str
    category: str | None
    area: str
    needs_check: bool
    person: str = Field(description="Full name; first name only for a volunteer.")
    created_at: datetime.datetime
    triaged_at: datetime.datetime | None = None
    matched_at: datetime.datetime | None = None
    closed_at: datetime.datetime | None = None
    outcome: str = ""
    description: str | None = Field(None, description="For coordinators and the referrer.")
    shared_note: str | None = Field(None, description="What volunteers are told.")
    phone: str | None = Field(None, description="For a volunteer who said yes.")


def _referral_out(referral: Referral, view: str, *, volunteer_accepted=False) -> dict:
    out = {
        "id": referral.pk,
        "status": referral.status,
        "urgency": referral.urgency,
        "category": referral.category.name if referral.category_id else None,
        "area": referral.area,
        "needs_check": referral.needs_check,
        "person": referral.person.display_name,
        "created_at": referral.created_at,
    }
    if view == "volunteer":
        out["person"] = referral.first_name
        out["shared_note"] = referral.shared_note
        if volunteer_accepted:
            out["phone"] = referral.person.phone
        return out
    out.update(
        triaged_at=referral.triaged_at,
        matched_at=referral.matched_at,
        closed_at=referral.closed_at,
        outcome=referral.outcome,
        description=referral.description,
        shared_note=referral.shared_note,
    )
    return out


def _staff(request):
    hub_access.require_staff(
        request.user, request.hub, "Only staff and coordinators follow referrals."
    )


@router.get("/referrals", response={200: list[ReferralOut], **ERRORS})
@paginate(Pages)
def referral_list(request, status: str = Query("")):
    """Referrals you (or your organisation) made; every referral for coordinators. Newest
    first, a page at a time."""
    _staff(request)
    referrals = selectors.referrals_for(request.user, request.membership)
    if status:
        referrals = referrals.filter(status=status)
    referrals = referrals.select_related("neighbourhood").order_by("-created_at", "-id")
    return Mapped(referrals, lambda r: _referral_out(r, "referrer"))


@router.post("/referrals", response={201: ReferralOut, **ERRORS})
def referral_create(request, data: ReferralIn, key: str | None = key_header()):
    """Refer a member, or someone new who is not online, with their consent.

    Send an `Idempotency-Key` header to retry safely: the same key and the same content
    return the first referral (201 again, no second referral or person); the same key
    with different content is a 409."""
    hub = request.hub
    person = hub_access.member_in_hub(hub, data.person_id).person if data.person_id else None
    category = None
    if data.category_id is not None:
        category = Category.objects.filter(pk=data.category_id, hub=hub).first()
        if category is None:
            raise ApplicationError("Choose one of this hub's categories.", field="category_id")
    neighbourhood = None
    if data.neighbourhood_id is not None:
        neighbourhood = Neighbourhood.objects.filter(pk=data.neighbourhood_id, hub=hub).first()
        if neighbourhood is None:
            raise ApplicationError("Choose one of this hub's areas.", field="neighbourhood_id")
    referral = services.referral_create(
        actor=request.user,
        hub=hub,
        person=person,
        new_person=(
            {"display_name": data.new_person_name, "phone": data.new_person_phone}
            if data.new_person_name is not None
            else None
        ),
        consent=services.Consent(**data.consent.dict()),
        category=category,
        description=data.description,
        urgency=data.urgency,
        preferred_times=data.preferred_times,
        neighbourhood=neighbourhood,
        postcode_district=data.postcode_district.replace(" ", "").upper(),
        needs_check=data.needs_check,
        key=key,
    )
    return Status(201, _referral_out(referral, "referrer"))


@router.get("/referrals/{referral_id}", response={200: ReferralOut, **ERRORS})
def referral_detail(request, referral_id: int):
    referral, rights = access.referral_for(request.membership, referral_id)
    view = rights.view
    accepted = referral.offers.filter(volunteer=request.user, status="accepted").exists()
    return _referral_out(referral, view, volunteer_accepted=accepted)


class OfferOut(Schema):
    id: int
    status: str
    referral_id: int
    sent_at: datetime.datetime


class DeclineIn(Schema):
    reason: str = Field("", max_length=300)


def _my_offer(request, offer_id: int) -> MatchOffer:
    return get_object_or_404(
        MatchOffer, pk=offer_id, referral__hub=request.hub, volunteer=request.user
    )


@router.get("/offers", response={200: list[OfferOut], **ERRORS})
@paginate(Pages)
def offers(request):
    """Help you have been asked to give, newest first, a page at a time.
    GET /referrals/{referral_id} shows what is shared."""
    return selectors.offers_for(request.user, request.hub).order_by("-sent_at", "-id")


@router.post("/offers/{offer_id}/accept", response={200: OfferOut, **ERRORS})
def offer_accept(request, offer_id: int, key: str | None = key_header()):
    """Say yes. With an `Idempotency-Key`, a retry gives the accepted offer again."""
    offer = _my_offer(request, offer_id)
    return services.offer_accept(actor=request.user, offer=offer, key=key)


@router.post("/offers/{offer_id}/decline", response={200: OfferOut, **ERRORS})
def offer_decline(request, offer_id: int, data: DeclineIn, key: str | None = key_header()):
    """Say no. With an `Idempotency-Key`, a retry gives the declined offer again."""
    offer = _my_offer(request, offer_id)
    return services.offer_decline(actor=request.user, offer=offer, reason=data.reason, key=key)


class EscalationOut(Schema):
    id: int
    kind: str
    status: str
    summary: str
    assigned_to: str
    created_at: datetime.datetime
    referral_id: int | None
    slot_id: int | None
    project_id: int | None
    about_url: str = Field("", description="The page of what it is about (a late report).")
    resolution: str
    resolved_by: str | None = Field(None, description="Who recorded what was done.")
    resolved_at: datetime.datetime | None = None
    urgency: str | None = Field(None, description="Urgent, Soon or Routine (in lists).")

    @staticmethod
    def resolve_assigned_to(escalation: Escalation) -> str:
        return escalation.assigned_to.display_name

    @staticmethod
    def resolve_resolved_by(escalation: Escalation) -> str | None:
        return escalation.resolved_by.display_name if escalation.resolved_by_id else None

    @staticmethod
    def resolve_urgency(escalation: Escalation) -> str | None:
        rank = getattr(escalation, "urgency_rank", None)
        return selectors.URGENCY_WORDS.get(rank) if rank is not None else None


class ResolveIn(Schema):
    resolution: str = Field(description="What was done.")


@router.get("/escalations", response={200: list[EscalationOut], **ERRORS})
@paginate(Pages)
def escalation_list(request, show: Literal["open", "mine", "resolved"] = "open"):
    """What the community could not do in time, for staff: open ones by urgency, then
    oldest first; resolved ones latest first; a page at a time."""
    _staff(request)
    return selectors.escalations_listed(request.hub, show=show, person=request.user)


@router.post("/escalations/{escalation_id}/resolve", response={200: EscalationOut, **ERRORS})
def escalation_resolve(request, escalation_id: int, data: ResolveIn):
    escalation = get_object_or_404(Escalation, pk=escalation_id, hub=request.hub)
    return escalations.escalation_resolve(
        actor=request.user, escalation=escalation, resolution=data.resolution
    )
