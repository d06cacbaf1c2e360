"""Joining a hub: by a coordinator's invitation (a link sent by email), or by asking."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError, validated_save
from coproduce.mail import email_after_commit

from .. import access, signals, throttle
from ..models import Hub, Invitation, JoinRequest, JoinRequestStatus, Membership, Person, Role
from .memberships import _membership_add
from .people import person_register


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(
    *, actor: Person, hub: Hub, email: str, role: str = Role.MEMBER
) -> tuple[Invitation, str]:
    """A coordinator invites someone by email. Returns the invitation and the link token."""
    actor_membership = access.require_coordinator(actor, hub)
    if role not in Role.values:
        raise ApplicationError("Choose one of the roles listed.", field="role")
    if not access.can_assign_role(actor_membership, role):
        raise ApplicationError("Only a hub admin can invite someone as an admin.", field="role")
    email = (email or "").strip().lower()
    if Membership.objects.filter(hub=hub, person__email__iexact=email, is_active=True).exists():
        raise ApplicationError("This person is already a member of the hub.", field="email")
    if not throttle.account_email_allowed(email):
        raise ApplicationError(
            "This address has been sent several invitations or sign-in emails in the last "
            "hour. Wait an hour before sending another.",
            field="email",
        )
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        hub=hub,
        email=email,
        role=role,
        token_hash=_token_hash(token),
        invited_by=actor,
        expires_at=timezone.now() + datetime.timedelta(days=settings.INVITATION_DAYS),
    )
    validated_save(invitation)
    audit(
        hub=hub,
        actor=actor,
        event=AuditKind.INVITATION_CREATED,
        subject=invitation,
        new={"email": email, "role": role},
    )
    email_after_commit(
        to=[email],
        subject=f"You are invited to join {hub.name}",
        template="hubs/email/invitation.txt",
        context={"hub": hub, "inviter": actor, "token": token, "invitation": invitation},
    )
    return invitation, token


def invitation_for_token(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("hub").filter(token_hash=_token_hash(token)).first()
    )
    if invitation is None:
        raise ApplicationError("This invitation link is not valid. Check you copied all of it.")
    if invitation.accepted_at:
        raise ApplicationError("This invitation has already been used. Sign in to continue.")
    if not invitation.is_open():
        raise ApplicationError(
            "This invitation has expired. Ask the hub's coordinator to send a new one."
        )
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, person: Person) -> Membership:
    invitation = invitation_for_token(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:  # a second click raced the first
        raise ApplicationError("This invitation has already been used.")
    if (person.email or "").lower() != invitation.email:
        raise ApplicationError(
            f"This invitation was sent to {invitation.email}. Sign in with that address to "
            "accept it."
        )
    membership = _membership_add(
        actor=person, hub=invitation.hub, person=person, role=invitation.role
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = person
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit(
        hub=invitation.hub,
        actor=person,
        event=AuditKind.INVITATION_ACCEPTED,
        subject=invitation,
        new={"role": invitation.role},
    )
    return membership


@transaction.atomic
def invitation_sign_up(*, token: str, display_name: str, password: str) -> Person:
    """Create an account from an invitation (its email is the sign-in) and join the hub."""
    invitation = invitation_for_token(token)
    person = person_register(email=invitation.email, display_name=display_name, password=password)
    invitation_accept(token=token, person=person)
    return person


@transaction.atomic
def join_request_create(*, person: Person, hub: Hub, message: str = "") -> JoinRequest:
    if not hub.accepts_join_requests:
        raise ApplicationError("This hub takes new members by invitation only.")
    if access.membership_of(person, hub):
        raise ApplicationError("You are already a member of this hub.")
    if JoinRequest.objects.filter(
        hub=hub, person=person, status=JoinRequestStatus.PENDING
    ).exists():
        raise ApplicationError("You have already asked to join. A coordinator will reply.")
    join_request = JoinRequest(hub=hub, person=person, message=message.strip())
    try:
        with transaction.atomic():
            validated_save(join_request)
    except IntegrityError as error:  # a double submit racing the check above
        raise ApplicationError("You have already asked to join.") from error
    audit(
        hub=hub,
        actor=person,
        event=AuditKind.JOIN_REQUEST_CREATED,
        subject=join_request,
        new={"message": join_request.message},
    )
    signals.join_requested.send(sender=JoinRequest, join_request=join_request)
    return join_request


def _join_request_decide(*, actor, join_request, approve: bool, note: str) -> JoinRequest:
    access.require_coordinator(actor, join_request.hub)
    join_request = (
        JoinRequest.objects.select_for_update()
        .select_related("hub", "person")
        .get(pk=join_request.pk)
    )
    if join_request.status != JoinRequestStatus.PENDING:
        raise ApplicationError("This request has already been answered.")
    join_request.status = JoinRequestStatus.APPROVED if approve else JoinRequestStatus.DECLINED
    join_request.decided_by = actor
    join_request.decided_at = timezone.now()
    join_request.decision_note = note.strip()
    join_request.save()
    audit(
        hub=join_request.hub,
        actor=actor,
        on_behalf_of=join_request.person,
        event=AuditKind.JOIN_REQUEST_APPROVED if approve else AuditKind.JOIN_REQUEST_DECLINED,
        subject=join_request,
        old={"status": JoinRequestStatus.PENDING},
        new={"status": join_request.status, "note": join_request.decision_note},
    )
    if approve and not access.membership_of(join_request.person, join_request.hub):
        _membership_add(
            actor=actor, hub=join_request.hub, person=join_request.person, role=Role.MEMBER
        )
    signals.join_request_decided.send(sender=JoinRequest, join_request=join_request)
    return join_request


@transaction.atomic
def join_request_approve(*, actor: Person, join_request: JoinRequest, note: str = ""):
    return _join_request_decide(actor=actor, join_request=join_request, approve=True, note=note)


@transaction.atomic
def join_request_decline(*, actor: Person, join_request: JoinRequest, note: str = ""):
    return _join_request_decide(actor=actor, join_request=join_request, approve=False, note=note)
