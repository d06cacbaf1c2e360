"""The fair shortlist confirmed by the lead, and the waiting list that offers each
freed place to the next person who fits, to say yes by a deadline."""

import datetime

from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs.models import Person

from .. import access, selectors
from .. import shortlist as engine
from ..models import (
    Opportunity,
    SignUp,
    SignUpStatus,
    When,
)
from .common import _audit, _locked_signup, _require_manager, _side_words, _tell, lock


@transaction.atomic
def shortlist_confirm(
    *, actor: Person, opportunity: Opportunity, chosen: list[int], key: str = ""
) -> list[SignUp]:
    """Give places to the people chosen (normally the fair shortlist as proposed), in
    that order; everyone else who asked goes on the waiting list, in the fair order."""
    opportunity = lock(opportunity)
    _require_manager(actor, opportunity)
    ranked = {signup.pk: (signup, r) for signup, r in selectors.shortlist_for(opportunity)}
    unknown = [pk for pk in chosen if pk not in ranked]
    if unknown:
        raise ApplicationError(
            "Choose from the people asking or on the waiting list.", field="chosen"
        )
    if len(set(chosen)) != len(chosen):
        raise ApplicationError("Each person can be chosen once.", field="chosen")
    places, held = selectors.places_of(opportunity), selectors.held_of(opportunity)
    for pk in chosen:
        signup, _r = ranked[pk]
        if not engine.fits(places, held, signup.side, signup.invited):
            raise ApplicationError(
                f"There are not enough {_side_words(signup.side)} places for everyone chosen: "
                f"{opportunity.mix}. Choose fewer.",
                field="chosen",
            )
        held = held.plus(signup.side, signup.invited)
    now = timezone.now()
    given = []
    for pk, (signup, r) in ranked.items():
        signup.reasons = list(r.reasons)
        if pk in chosen:
            signup.status, signup.decided_at, signup.decided_by = SignUpStatus.CONFIRMED, now, actor
            given.append(signup)
        elif signup.status == SignUpStatus.REQUESTED:
            signup.status = SignUpStatus.WAITLIST
        signup.save(update_fields=["reasons", "status", "decided_at", "decided_by"])
    audit(
        hub=opportunity.hub,
        actor=actor,
        event=AuditKind.SHORTLIST_CONFIRMED,
        subject=opportunity,
        new={"chosen": [s.person_id for s in given], "waiting": len(ranked) - len(given)},
    )
    for signup in given:
        _tell(signup, f"You have a place: {opportunity}", "confirmed", actor)
    for pk, (signup, _r) in ranked.items():
        if pk not in chosen:
            _tell(signup, f"On the waiting list: {opportunity}", "waitlist", actor)
    return given


@transaction.atomic
def signup_not_chosen(*, actor: Person, signup: SignUp, note: str = "") -> SignUp:
    opportunity, signup = _locked_signup(signup)
    _require_manager(actor, opportunity)
    if signup.status not in (SignUpStatus.REQUESTED, SignUpStatus.WAITLIST):
        raise ApplicationError(f"This place is {signup.get_status_display().lower()}.")
    signup.status, signup.decided_at, signup.decided_by = (
        SignUpStatus.NOT_CHOSEN,
        timezone.now(),
        actor,
    )
    signup.save(update_fields=["status", "decided_at", "decided_by"])
    _audit(signup, actor, AuditKind.SIGNUP_NOT_CHOSEN, note=note.strip()[:300])
    _tell(signup, f"Not this time: {opportunity}", "not_chosen", actor, note=note.strip())
    return signup


def promote(opportunity: Opportunity, *, actor: Person | None, now=None) -> list[SignUp]:
    """Offer each place left to the next person on the waiting list who fits it, in the
    fair order, to say yes by the opportunity's deadline. Called with the opportunity
    locked, whenever a place is freed or an offer lapses."""
    now = now or timezone.now()
    if opportunity.status != "open" or access.has_started(opportunity, now):
        return []
    first = access.first_day(opportunity, now)
    deadline = now + datetime.timedelta(hours=opportunity.confirm_hours)
    if first is not None and opportunity.when != When.ONGOING:
        # Never later than the start; and no offer at all with under an hour to go.
        if first.starts_at - now < datetime.timedelta(hours=1):
            return []
        deadline = min(deadline, first.starts_at)
    places, held = selectors.places_of(opportunity), selectors.held_of(opportunity)
    offered = []
    for signup, r in selectors.shortlist_for(opportunity):
        if signup.status != SignUpStatus.WAITLIST or not r.chosen:
            continue
        if not engine.fits(places, held, signup.side, signup.invited):
            continue
        held = held.plus(signup.side, signup.invited)
        signup.status, signup.offer_expires_at = SignUpStatus.OFFERED, deadline
        signup.reasons = list(r.reasons)
        signup.save(update_fields=["status", "offer_expires_at", "reasons"])
        _audit(signup, actor, AuditKind.SIGNUP_OFFERED, until=deadline)
        _tell(signup, f"A place is free: {opportunity}", "offered", actor, deadline=deadline)
        offered.append(signup)
    return offered


def offers_lapse(now: datetime.datetime | None = None) -> int:
    """Offers not answered by their deadline lapse, and the place goes to the next
    person. Returns how many lapsed."""
    now = now or timezone.now()
    due = (
        SignUp.objects.filter(status=SignUpStatus.OFFERED, offer_expires_at__lte=now)
        .values_list("opportunity_id", flat=True)
        .distinct()
    )
    lapsed = 0
    for opportunity_id in list(due):
        lapsed += _lapse_one(opportunity_id, now)
    return lapsed


@transaction.atomic
def _lapse_one(opportunity_id: int, now) -> int:
    opportunity = lock(Opportunity(pk=opportunity_id))
    late = list(
        opportunity.signups.filter(
            status=SignUpStatus.OFFERED, offer_expires_at__lte=now
        ).select_related("person")
    )
    for signup in late:
        signup.opportunity = opportunity
        signup.status, signup.decided_at = SignUpStatus.LAPSED, now
        signup.save(update_fields=["status", "decided_at"])
        _audit(signup, None, AuditKind.SIGNUP_LAPSED)
        _tell(signup, f"The place has gone to the next person: {opportunity}", "lapsed", None)
    if late:
        promote(opportunity, actor=None, now=now)
    return len(late)
