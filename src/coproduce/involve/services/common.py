"""What the joining and waiting-list services share: the opportunity's lock (which
serialises everyone taking its places), telling people, and the audit row."""

from django.core.exceptions import PermissionDenied
from django.urls import reverse

from coproduce.audit import AuditKind, audit
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Person
from coproduce.notify.models import Kind
from coproduce.notify.services import tell

from .. import access
from ..models import (
    Opportunity,
    SignUp,
)


def lock(opportunity: Opportunity) -> Opportunity:
    return (
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("hub", "lead")
        .get(pk=opportunity.pk)
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
