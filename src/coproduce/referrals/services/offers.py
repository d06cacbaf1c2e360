"""Matching: the best volunteers for a referral, with their reasons, and the offers a
coordinator sends them. Safeguarding is never traded for a good match."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access
from coproduce.hubs import selectors as hub_selectors
from coproduce.hubs.models import Membership, Person
from coproduce.idempotency import once, owner_of
from coproduce.notify.models import Kind
from coproduce.notify.services import coordinators_of, tell
from coproduce.timebank import services as timebank

from .. import access as rights
from .. import candidates, matching, selectors
from ..models import MatchOffer, OfferStatus, Referral, ReferralStatus
from .policy import policy_for
from .referrals import _change_status, _lock, _withdraw_waiting_offers


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
        return f"Safeguarding check valid until {until:%-d %B %Y}"
    if reason.kind == "trained":
        return "Trained for the project that gives this help"
    return reason.kind


def match_suggestions(*, actor: Person, referral: Referral, k: int = 10) -> list[Suggestion]:
    """The best givers for a referral, each with the reasons for their rank."""
    access.require_coordinator(actor, referral.hub)
    hub = referral.hub
    cap = policy_for(hub).commitment_cap
    categories = candidates.category_names(hub)
    ranked, areas = candidates.ranked_for(referral, load_cap=cap, k=k, categories=categories)
    memberships = {
        m.person_id: m
        for m in Membership.objects.filter(
            hub=hub, person_id__in=[r.member_id for r in ranked]
        ).select_related("person", "neighbourhood")
    }
    names = {
        "category_names": categories,
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
    """Safeguarding is never traded for a good match; nor is the training of the project
    the help comes through (the same gate as its rota)."""
    if (
        referral.needs_check
        and hub_selectors.valid_check_until(referral.hub, volunteer, on) is None
    ):
        raise ApplicationError(
            f"This help needs a valid safeguarding check, and {volunteer} has none valid "
            f"on {on:%-d %B %Y}. Record their check first, or choose someone else.",
            field="volunteer",
        )
    if referral.project_id:
        refused = rights.project_refuses(referral.project, volunteer, on=on)
        if refused:
            raise ApplicationError(
                f"The help comes through {referral.project}. {refused}", field="volunteer"
            )


@transaction.atomic
def offer_send(
    *,
    actor: Person,
    referral: Referral,
    volunteer: Person,
    reasons: list[str] | None = None,
    key: str | None = None,
) -> MatchOffer:
    """Ask a volunteer. With a `key`, sent again it gives the first offer (see
    coproduce/idempotency.py); without one, asking the same person twice is refused."""
    return once(
        hub_id=referral.hub_id,
        owner=owner_of(actor),
        key=key,
        kind="offer-send",
        content={"referral": referral.pk, "volunteer": volunteer.pk},
        action=lambda: _send(actor, referral, volunteer, reasons),
    )


def _send(actor, referral, volunteer, reasons) -> MatchOffer:
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
        event=AuditKind.OFFER_SENT,
        subject=offer,
        new={"referral": referral.pk, "volunteer": volunteer.pk},
    )
    tell(
        [volunteer],
        actor=actor,
        kind=Kind.OFFER,
        hub=referral.hub,
        subject="Could you help someone?",
        template="referrals/email/offer.txt",
        context={"offer": offer, "referral": referral},
        url=reverse("offer-answer", args=[referral.hub.slug, offer.pk]),
    )
    return offer


def _lock_offer(offer: MatchOffer) -> MatchOffer:
    return MatchOffer.objects.select_for_update().select_related("referral__hub").get(pk=offer.pk)


def _kind_of_help(referral: Referral) -> str:
    return referral.category.name if referral.category_id else "Help"


def _answer(actor: Person, offer: MatchOffer, key: str | None, answer: str, action):
    return once(
        hub_id=offer.referral.hub_id,
        owner=owner_of(actor),
        key=key,
        kind="offer-answer",
        content={"offer": offer.pk, "answer": answer},
        action=action,
    )


@transaction.atomic
def offer_accept(*, actor: Person, offer: MatchOffer, key: str | None = None) -> MatchOffer:
    """The volunteer says yes: the exchange is agreed, and the referral is matched. With
    a `key`, sent again it gives the accepted offer back instead of an error."""
    return _answer(actor, offer, key, "accept", lambda: _accept(actor, offer))


def _accept(actor: Person, offer: MatchOffer) -> MatchOffer:
    offer = _lock_offer(offer)
    if not rights.rights_on_offer(actor, offer).answer:
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
    tell(
        [referral.referred_by, *coordinators_of(hub)],
        actor=actor,
        kind=Kind.REFERRAL_PROGRESS,
        hub=hub,
        subject=f"Referral matched: {referral.first_name}",
        template="referrals/email/matched.txt",
        context={"referral": referral},
        url=reverse("referral", args=[hub.slug, referral.pk]),
    )
    return offer


@transaction.atomic
def offer_decline(
    *, actor: Person, offer: MatchOffer, reason: str = "", key: str | None = None
) -> MatchOffer:
    return _answer(
        actor, offer, key, f"decline: {reason.strip()}", lambda: _decline(actor, offer, reason)
    )


def _decline(actor: Person, offer: MatchOffer, reason: str) -> MatchOffer:
    offer = _lock_offer(offer)
    if not rights.rights_on_offer(actor, offer).answer:
        raise PermissionDenied("Only the person asked can decline.")
    if offer.status != OfferStatus.SENT:
        raise ApplicationError("This offer has already been answered or withdrawn.")
    offer.status, offer.answered_at = OfferStatus.DECLINED, timezone.now()
    offer.decline_reason = reason.strip()[:300]
    offer.save()
    audit(
        hub=offer.referral.hub,
        actor=actor,
        event=AuditKind.OFFER_DECLINED,
        subject=offer,
        new={"reason": offer.decline_reason},
    )
    hub = offer.referral.hub
    tell(
        coordinators_of(hub),
        actor=actor,
        kind=Kind.REFERRAL,
        hub=hub,
        subject=f"{actor} cannot take on a referral",
        template="referrals/email/declined.txt",
        context={"offer": offer},
        url=reverse("referral", args=[hub.slug, offer.referral_id]),
    )
    return offer


@transaction.atomic
def offer_withdraw(*, actor: Person, offer: MatchOffer) -> MatchOffer:
    offer = _lock_offer(offer)
    if not rights.rights_on_offer(actor, offer).withdraw:
        raise PermissionDenied("Only this hub's coordinators can do this.")
    if offer.status != OfferStatus.SENT:
        raise ApplicationError("Only an offer still waiting for an answer can be withdrawn.")
    offer.status, offer.answered_at = OfferStatus.WITHDRAWN, timezone.now()
    offer.save()
    audit(hub=offer.referral.hub, actor=actor, event=AuditKind.OFFER_WITHDRAWN, subject=offer)
    return offer
