"""Taking part: asking for a place, invitations, the fair shortlist, the waiting list
that offers freed places on, and saying "I can't come".

Every function here locks the opportunity's row first, so two people taking the last
place at once are served one after the other: one gets it, the other the waiting list.
"""

from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Person

from .. import access, selectors
from .. import shortlist as engine
from ..models import (
    Attendance,
    AttendanceStatus,
    Joining,
    Opportunity,
    Session,
    SignUp,
    SignUpStatus,
)
from .common import (
    _audit,
    _locked_signup,
    _require_answer,
    _require_manager,
    _side_words,
    _tell,
    _tell_lead,
    lock,
)
from .waitlist import promote


@transaction.atomic
def signup_ask(
    *,
    actor: Person,
    opportunity: Opportunity,
    person: Person | None = None,
    lived_experience: bool = False,
    message: str = "",
    key: str = "",
) -> SignUp:
    """Ask for a place (or, for a coordinator, sign up someone who is not online). An
    instant opportunity gives a place at once if one is left, else the waiting list; a
    request-and-confirm one waits for the lead's shortlist."""
    person = person or actor
    opportunity = lock(opportunity)
    hub = opportunity.hub
    hub_access.require_member(actor, hub)
    if person.pk != actor.pk:
        hub_access.require_coordinator(actor, hub)
        if hub_access.manages_own_account(person):
            raise ApplicationError(
                f"{person} signs in: they ask for a place themselves.", field="person"
            )
    membership = hub_access.membership_of(person, hub)
    earlier = access.live_signup(opportunity, person)
    if earlier is not None:
        if key and earlier.key == key:
            return earlier  # the same form sent again
        raise ApplicationError(
            f"{person} is already on this ({earlier.get_status_display().lower()}).",
            field="person",
        )
    why = access.refusal(opportunity, membership, lived_experience=lived_experience)
    if why:
        field = "lived_experience" if "lived experience" in why else "person"
        raise ApplicationError(why, field=field)
    side = access.side_of(membership)
    if opportunity.joining == Joining.INSTANT:
        fits = engine.fits(selectors.places_of(opportunity), selectors.held_of(opportunity), side)
        status = SignUpStatus.CONFIRMED if fits else SignUpStatus.WAITLIST
    else:
        status = SignUpStatus.REQUESTED
    signup = SignUp.objects.create(
        opportunity=opportunity,
        person=person,
        side=side,
        status=status,
        lived_experience=bool(lived_experience and opportunity.lived_experience),
        message=message.strip()[:500],
        entered_by=actor if person.pk != actor.pk else None,
        decided_at=timezone.now() if status == SignUpStatus.CONFIRMED else None,
        key=key[:60],
    )
    _audit(signup, actor, AuditKind.SIGNUP_ASKED)
    if status == SignUpStatus.CONFIRMED:
        _tell(signup, f"You have a place: {opportunity}", "confirmed", actor)
    elif status == SignUpStatus.WAITLIST:
        _tell(signup, f"On the waiting list: {opportunity}", "waitlist", actor)
    else:
        _tell_lead(
            opportunity,
            f"{person} asked for a place on {opportunity}",
            actor,
            what=f"{person} asked for a place.",
        )
    return signup


@transaction.atomic
def signup_invite(*, actor: Person, opportunity: Opportunity, person: Person) -> SignUp:
    """The lead invites someone to a reserved place; it is theirs until they answer."""
    opportunity = lock(opportunity)
    membership = _require_manager(actor, opportunity)
    del membership
    target = hub_access.membership_of(person, opportunity.hub)
    if access.live_signup(opportunity, person) is not None:
        raise ApplicationError(f"{person} is already on this.", field="person")
    why = access.refusal(opportunity, target, invited=True)
    if why:
        raise ApplicationError(why, field="person")
    side = access.side_of(target)
    places, held = selectors.places_of(opportunity), selectors.held_of(opportunity)
    if not engine.fits(places, held, side, True):
        raise ApplicationError(
            f"There is no {_side_words(side)} place left to invite {person} to.", field="person"
        )
    signup = SignUp.objects.create(
        opportunity=opportunity,
        person=person,
        side=side,
        status=SignUpStatus.INVITED,
        invited=True,
        lived_experience=bool(opportunity.lived_experience),
        decided_by=actor,
    )
    _audit(signup, actor, AuditKind.SIGNUP_INVITED)
    _tell(signup, f"You are invited: {opportunity}", "invited", actor)
    return signup


@transaction.atomic
def signup_answer(*, actor: Person, signup: SignUp, yes: bool) -> SignUp:
    """Say yes or no to an invitation, or to a place offered from the waiting list."""
    _require_answer(actor, signup)
    opportunity, signup = _locked_signup(signup)
    if signup.status not in (SignUpStatus.INVITED, SignUpStatus.OFFERED):
        if (yes and signup.status == SignUpStatus.CONFIRMED) or (
            not yes and signup.status == SignUpStatus.DECLINED
        ):
            return signup  # answered already, the same way
        raise ApplicationError(f"This place is {signup.get_status_display().lower()}.")
    if signup.status == SignUpStatus.OFFERED and signup.offer_expires_at <= timezone.now():
        raise ApplicationError(
            "The time to say yes has passed: the place has gone to the next person."
        )
    if yes and access.has_started(opportunity):
        raise ApplicationError("This has already started: it is too late to join.")
    signup.status = SignUpStatus.CONFIRMED if yes else SignUpStatus.DECLINED
    signup.decided_at = timezone.now()
    signup.offer_expires_at = signup.offer_expires_at if yes else None
    signup.save(update_fields=["status", "decided_at", "offer_expires_at"])
    _audit(signup, actor, AuditKind.SIGNUP_CONFIRMED if yes else AuditKind.SIGNUP_DECLINED)
    word = "said yes to" if yes else "said no to"
    _tell_lead(
        opportunity,
        f"{signup.person} {word} {opportunity}",
        actor,
        what=f"{signup.person} {word} their place.",
    )
    if not yes:
        promote(opportunity, actor=None)
    return signup


@transaction.atomic
def signup_withdraw(*, actor: Person, signup: SignUp, reason: str = "") -> SignUp:
    """ "I can't come": give up a place (or a request, or a place on the waiting list);
    a place freed goes to the next person waiting."""
    _require_answer(actor, signup)
    opportunity, signup = _locked_signup(signup)
    if signup.status == SignUpStatus.WITHDRAWN:
        return signup  # said already
    if signup.status not in (
        SignUpStatus.REQUESTED,
        SignUpStatus.WAITLIST,
        SignUpStatus.CONFIRMED,
        SignUpStatus.OFFERED,
        SignUpStatus.INVITED,
    ):
        raise ApplicationError(f"This place is {signup.get_status_display().lower()}.")
    held = signup.holds_place
    signup.status = SignUpStatus.WITHDRAWN
    signup.decided_at = timezone.now()
    signup.offer_expires_at = None
    signup.save(update_fields=["status", "decided_at", "offer_expires_at"])
    _audit(signup, actor, AuditKind.SIGNUP_WITHDRAWN, reason=reason.strip()[:300])
    _tell_lead(
        opportunity,
        f"{signup.person} cannot come to {opportunity}",
        actor,
        what=f"{signup.person} cannot come.",
        reason=reason.strip()[:300],
    )
    if held:
        promote(opportunity, actor=None)
    return signup


@transaction.atomic
def apologies_send(*, actor: Person, signup: SignUp, session: Session) -> Attendance:
    """Can't come to one meeting of a series, but keeping the place."""
    _require_answer(actor, signup)
    opportunity, signup = _locked_signup(signup)
    if session.opportunity_id != opportunity.pk or session.cancelled:
        raise ApplicationError("Choose one of this opportunity's meetings.", field="session")
    if signup.status != SignUpStatus.CONFIRMED:
        raise ApplicationError("Only someone with a place sends apologies.")
    if session.starts_at <= timezone.now():
        raise ApplicationError("That meeting has begun: tell the lead instead.", field="session")
    attendance, created = Attendance.objects.get_or_create(
        session=session,
        person=signup.person,
        defaults={"signup": signup, "status": AttendanceStatus.APOLOGIES, "recorded_by": actor},
    )
    if created:
        audit(
            hub=opportunity.hub,
            actor=actor,
            on_behalf_of=signup.person,
            event=AuditKind.APOLOGIES_SENT,
            subject=attendance,
            new={"opportunity": opportunity.pk, "session": session.pk},
        )
        start = timezone.localtime(session.starts_at)
        _tell_lead(
            opportunity,
            f"Apologies from {signup.person}",
            actor,
            what=f"{signup.person} cannot come on {start:%-d %B at %H:%M}, and keeps their place.",
        )
    return attendance
