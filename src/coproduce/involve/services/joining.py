"""Taking part: asking for a place, invitations, the fair shortlist, the waiting list
that offers freed places on, and saying "I can't come".

Every function here locks the opportunity's row first, so two people taking the last
place at once are served one after the other: one gets it, the other the waiting list.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Person
from coproduce.notify.models import Kind
from coproduce.notify.services import tell

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
    When,
)


def lock(opportunity: Opportunity) -> Opportunity:
    return (
        Opportunity.objects.select_for_update().select_related("hub", "lead").get(pk=opportunity.pk)
    )


def _url(signup: SignUp) -> str:
    return reverse("involve-signup", args=[signup.opportunity.hub.slug, signup.pk])


def _tell(signup: SignUp, subject: str, template: str, actor: Person | None, **context):
    tell(
        [signup.person],
        actor=actor,
        kind=Kind.INVOLVEMENT,
        hub=signup.opportunity.hub,
        subject=subject,
        template=f"involve/email/{template}.txt",
        context={"signup": signup, "opportunity": signup.opportunity, **context},
        url=_url(signup),
    )


def _tell_lead(opportunity: Opportunity, subject: str, actor: Person | None, **context):
    tell(
        [opportunity.lead],
        actor=actor,
        kind=Kind.INVOLVEMENT,
        hub=opportunity.hub,
        subject=subject,
        template="involve/email/for_lead.txt",
        context={"opportunity": opportunity, **context},
        url=reverse("involve-opportunity", args=[opportunity.hub.slug, opportunity.pk]),
    )


def _audit(signup: SignUp, actor: Person | None, event: AuditKind, **new) -> None:
    audit(
        hub=signup.opportunity.hub,
        actor=actor,
        on_behalf_of=signup.person,
        event=event,
        subject=signup,
        new={"opportunity": signup.opportunity.pk, "status": signup.status, **new},
    )


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


def _side_words(side: str) -> str:
    return "staff" if side == "staff" else "service-user"


def _require_manager(actor: Person, opportunity: Opportunity):
    membership = hub_access.require_member(actor, opportunity.hub)
    if not access.opportunity_rights(membership, opportunity).manage:
        raise PermissionDenied("Only the lead or a coordinator can do this.")
    return membership


def _require_answer(actor: Person, signup: SignUp) -> None:
    membership = hub_access.require_member(actor, signup.opportunity.hub)
    if not access.signup_rights(membership, signup).answer:
        raise PermissionDenied("Only the person (or a coordinator for them) can answer.")


def _locked_signup(signup: SignUp) -> tuple[Opportunity, SignUp]:
    opportunity = lock(signup.opportunity)
    signup = SignUp.objects.select_related("person").get(pk=signup.pk)
    signup.opportunity = opportunity
    return opportunity, signup


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
            event=AuditKind.ATTENDANCE_APOLOGIES,
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
