"""Every change of state for hubs and people: one function per action, one transaction
each, the permission checked here, an audit row written for each change.
"""

import datetime
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from coproduce.errors import ApplicationError

from . import access, selectors
from .models import (
    ApiToken,
    AuditEvent,
    CheckType,
    ConsentMethod,
    ConsentRecord,
    Hub,
    Invitation,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    Neighbourhood,
    Organisation,
    Person,
    Role,
    SafeguardingCheck,
)
from .notify import email_after_commit

PROFILE_FIELDS = (
    "display_name",
    "phone",
    "contact_preference",
    "postcode_district",
    "assets",
    "needs",
    "availability",
    "languages",
    "about",
)


# --- audit ------------------------------------------------------------------------------


def audit(
    *,
    hub: Hub | None,
    actor: Person | None,
    event: str,
    subject: Any,
    old: dict | None = None,
    new: dict | None = None,
    on_behalf_of: Person | None = None,
) -> AuditEvent:
    if on_behalf_of is not None and actor is not None and on_behalf_of.pk == actor.pk:
        on_behalf_of = None
    return AuditEvent.objects.create(
        hub=hub,
        actor=actor,
        on_behalf_of=on_behalf_of,
        event=event,
        subject_type=type(subject).__name__.lower(),
        subject_id=subject.pk,
        old=_jsonable(old or {}),
        new=_jsonable(new or {}),
    )


def _jsonable(values: dict) -> dict:
    def convert(value):
        if isinstance(value, datetime.date | datetime.datetime):
            return value.isoformat()
        if hasattr(value, "pk"):
            return value.pk
        return value

    return {key: convert(value) for key, value in values.items()}


def _validated_save(instance, *, exclude=None) -> None:
    """full_clean() then save(); a validation error names the field."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ApplicationError(messages[0], field=None if field == "__all__" else field) from error
    instance.save()


def _validate_password(password: str, person: Person) -> None:
    try:
        validate_password(password, person)
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages), field="password") from error


# --- people ---------------------------------------------------------------------------


@transaction.atomic
def person_register(*, email: str, display_name: str, password: str | None) -> Person:
    """Someone creates their own account (they then join hubs by invitation or request).

    With no password (people brought in from an existing list), the person chooses one
    through "forgotten your password?" before first signing in.
    """
    email = (email or "").strip().lower()
    if not email:
        raise ApplicationError("Enter your email address.", field="email")
    if Person.objects.filter(email__iexact=email).exists():
        raise ApplicationError(
            "There is already an account with this email address. Sign in, or reset "
            "your password if you have forgotten it.",
            field="email",
        )
    person = Person(email=email, display_name=display_name.strip())
    if password is None:
        person.set_unusable_password()
    else:
        _validate_password(password, person)
        person.set_password(password)
    _validated_save(person, exclude=["password"])
    audit(
        hub=None,
        actor=person,
        event="person.registered",
        subject=person,
        new={"email": email, "display_name": person.display_name},
    )
    return person


@transaction.atomic
def person_create_assisted(
    *,
    actor: Person,
    hub: Hub,
    display_name: str,
    consent_purpose: str,
    consent_method: str,
    **profile: Any,
) -> Person:
    """A coordinator creates a member who is not online (assisted digital).

    The person has no email and cannot sign in; everything recorded for them is audited
    as entered by the coordinator on their behalf. Their consent to be recorded is
    required and stored with how it was given.
    """
    access.require_coordinator(actor, hub)
    return _create_assisted(
        actor=actor,
        hub=hub,
        display_name=display_name,
        consent_purpose=consent_purpose,
        consent_method=consent_method,
        consent_note="",
        profile=profile,
    )


@transaction.atomic
def person_create_referred(
    *,
    actor: Person,
    hub: Hub,
    display_name: str,
    consent_purpose: str,
    consent_method: str,
    consent_note: str = "",
    **profile: Any,
) -> Person:
    """A member of staff referring someone who is not online adds them to the hub, with
    the consent they gave (to the referrer, on paper, by phone or in person)."""
    access.require_staff(actor, hub, "Only staff can refer people to the hub.")
    return _create_assisted(
        actor=actor,
        hub=hub,
        display_name=display_name,
        consent_purpose=consent_purpose,
        consent_method=consent_method,
        consent_note=consent_note,
        profile=profile,
    )


def _create_assisted(
    *, actor, hub, display_name, consent_purpose, consent_method, consent_note, profile
) -> Person:
    if not consent_purpose.strip():
        raise ApplicationError(
            "Record what the person agreed to, for example 'to be a member of the time "
            "bank and be contacted by phone'.",
            field="consent_purpose",
        )
    if consent_method == ConsentMethod.ONLINE:
        raise ApplicationError(
            "Someone who is not online cannot consent online: choose paper, phone or in person.",
            field="consent_method",
        )
    unknown = set(profile) - set(PROFILE_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown profile fields: {', '.join(sorted(unknown))}.")
    if not display_name.strip():
        raise ApplicationError("Enter the person's name.", field="display_name")
    person = Person(email=None, display_name=display_name.strip(), created_by=actor, **profile)
    person.set_unusable_password()
    _validated_save(person, exclude=["password"])
    audit(
        hub=hub,
        actor=actor,
        on_behalf_of=person,
        event="person.created_assisted",
        subject=person,
        new={field: getattr(person, field) for field in PROFILE_FIELDS},
    )
    _membership_add(actor=actor, hub=hub, person=person, role=Role.MEMBER)
    _consent_write(
        actor=actor,
        hub=hub,
        person=person,
        purpose=consent_purpose,
        given=True,
        method=consent_method,
        note=consent_note,
    )
    return person


@transaction.atomic
def profile_update(
    *, actor: Person, person: Person, hub: Hub | None = None, changes: dict[str, Any]
) -> Person:
    """Change a person's profile: by the person, or by a coordinator of a shared hub.

    A coordinator's change is recorded as entered by the coordinator for the person.
    """
    if actor.pk != person.pk:
        if hub is None:
            raise PermissionDenied("Only the person can change their own profile.")
        access.coordinated_hub_with(actor, person, hub)
    unknown = set(changes) - set(PROFILE_FIELDS) - {"email"}
    if unknown:
        raise ApplicationError(f"Unknown profile fields: {', '.join(sorted(unknown))}.")
    person = Person.objects.select_for_update().get(pk=person.pk)
    if "email" in changes:
        _check_email_change(actor=actor, person=person, email=changes["email"])
        changes = {**changes, "email": (changes["email"] or "").strip().lower() or None}
    old = {field: getattr(person, field) for field in changes}
    changed = {field: value for field, value in changes.items() if old[field] != value}
    if not changed:
        return person
    for field, value in changed.items():
        setattr(person, field, value)
    _validated_save(person, exclude=["password"])
    audit(
        hub=hub,
        actor=actor,
        on_behalf_of=person,
        event="profile.updated",
        subject=person,
        old={field: old[field] for field in changed},
        new=changed,
    )
    return person


def _check_email_change(*, actor: Person, person: Person, email: str) -> None:
    # A coordinator may give a not-yet-online person an email (they then set a password
    # through "forgotten password"), but may never change a working sign-in: that would
    # let them take over the account.
    if actor.pk != person.pk and person.email:
        raise PermissionDenied("Only the person can change the email they sign in with.")
    email = (email or "").strip().lower()
    if email and Person.objects.filter(email__iexact=email).exclude(pk=person.pk).exists():
        raise ApplicationError("Another account already uses this email address.", field="email")


# --- hubs, organisations, neighbourhoods -----------------------------------------------


@transaction.atomic
def hub_create(*, actor: Person, slug: str, name: str, purpose: str, admin: Person) -> Hub:
    """Site operators create hubs and appoint the first hub admin."""
    if not actor.is_superuser:
        raise PermissionDenied("Only the site's operators can create hubs.")
    if Hub.objects.filter(slug=slug).exists():
        raise ApplicationError("A hub with this web address already exists.", field="slug")
    hub = Hub(slug=slug, name=name, purpose=purpose)
    _validated_save(hub)
    audit(hub=hub, actor=actor, event="hub.created", subject=hub, new={"slug": slug, "name": name})
    _membership_add(actor=actor, hub=hub, person=admin, role=Role.ADMIN)
    return hub


@transaction.atomic
def hub_update(*, actor: Person, hub: Hub, changes: dict[str, Any]) -> Hub:
    access.require_admin(actor, hub)
    allowed = {"name", "purpose", "accepts_join_requests", "code_of_conduct"}
    if set(changes) - allowed:
        raise ApplicationError("Only the name, purpose, joining and code of conduct change here.")
    hub = Hub.objects.select_for_update().get(pk=hub.pk)
    old = {field: getattr(hub, field) for field in changes}
    for field, value in changes.items():
        setattr(hub, field, value)
    _validated_save(hub)
    audit(hub=hub, actor=actor, event="hub.updated", subject=hub, old=old, new=changes)
    return hub


@transaction.atomic
def organisation_create(
    *, actor: Person, hub: Hub, name: str, kind: str, description: str = "", is_host=False
) -> Organisation:
    access.require_coordinator(actor, hub)
    if Organisation.objects.filter(hub=hub, name__iexact=name.strip()).exists():
        raise ApplicationError("This hub already has an organisation with that name.", field="name")
    if is_host and Organisation.objects.filter(hub=hub, is_host=True).exists():
        raise ApplicationError("This hub already has a host organisation.", field="is_host")
    organisation = Organisation(
        hub=hub, name=name.strip(), kind=kind, description=description, is_host=is_host
    )
    _validated_save(organisation)
    audit(
        hub=hub,
        actor=actor,
        event="organisation.created",
        subject=organisation,
        new={"name": organisation.name, "kind": kind, "is_host": is_host},
    )
    return organisation


@transaction.atomic
def neighbourhood_create(*, actor: Person, hub: Hub, name: str) -> Neighbourhood:
    access.require_coordinator(actor, hub)
    if Neighbourhood.objects.filter(hub=hub, name__iexact=name.strip()).exists():
        raise ApplicationError("This hub already has an area with that name.", field="name")
    neighbourhood = Neighbourhood(hub=hub, name=name.strip())
    _validated_save(neighbourhood)
    audit(
        hub=hub,
        actor=actor,
        event="neighbourhood.created",
        subject=neighbourhood,
        new={"name": neighbourhood.name},
    )
    return neighbourhood


# --- memberships ------------------------------------------------------------------------


def _membership_add(
    *, actor: Person, hub: Hub, person: Person, role: str, organisation=None
) -> Membership:
    """Add (or bring back) a member. Callers have checked permission."""
    membership = Membership.objects.select_for_update().filter(hub=hub, person=person).first()
    if membership and membership.is_active:
        raise ApplicationError(f"{person} is already a member of {hub}.")
    if membership:
        old = {"is_active": False, "role": membership.role}
        membership.is_active, membership.left_at, membership.role = True, None, role
        membership.organisation = organisation
        membership.save()
        event = "membership.rejoined"
    else:
        old = {}
        membership = Membership.objects.create(
            hub=hub, person=person, role=role, organisation=organisation
        )
        event = "membership.created"
    audit(
        hub=hub,
        actor=actor,
        on_behalf_of=person,
        event=event,
        subject=membership,
        old=old,
        new={"person": person.pk, "role": role, "organisation": organisation},
    )
    return membership


@transaction.atomic
def membership_add(
    *, actor: Person, hub: Hub, person: Person, role: str = Role.MEMBER, organisation=None
) -> Membership:
    """A coordinator adds an existing person (used for organisations' staff and the demo)."""
    actor_membership = access.require_coordinator(actor, hub)
    if not access.can_assign_role(actor_membership, role):
        raise PermissionDenied("You cannot give that role.")
    return _membership_add(
        actor=actor, hub=hub, person=person, role=role, organisation=organisation
    )


def _lock_membership(membership: Membership) -> Membership:
    return (
        Membership.objects.select_for_update().select_related("person", "hub").get(pk=membership.pk)
    )


def _ensure_not_last_admin(membership: Membership) -> None:
    if membership.role != Role.ADMIN:
        return
    # Lock the hub so two admins demoting each other at once cannot both succeed.
    Hub.objects.select_for_update().filter(pk=membership.hub_id).first()
    others = Membership.objects.filter(
        hub=membership.hub_id, role=Role.ADMIN, is_active=True
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise ApplicationError(
            "A hub must keep at least one admin. Make someone else an admin first.",
            field="role",
        )


@transaction.atomic
def membership_change_role(*, actor: Person, membership: Membership, role: str) -> Membership:
    actor_membership = access.require_coordinator(actor, membership.hub)
    membership = _lock_membership(membership)
    if role not in Role.values:
        raise ApplicationError("Choose one of the roles listed.", field="role")
    if not (
        access.can_assign_role(actor_membership, role)
        and access.can_assign_role(actor_membership, membership.role)
    ):
        raise PermissionDenied("Only a hub admin can give or take away that role.")
    if membership.role == role:
        return membership
    if role != Role.ADMIN:
        _ensure_not_last_admin(membership)
    old_role = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit(
        hub=membership.hub,
        actor=actor,
        on_behalf_of=membership.person,
        event="membership.role_changed",
        subject=membership,
        old={"role": old_role},
        new={"role": role},
    )
    return membership


@transaction.atomic
def membership_update(
    *, actor: Person, membership: Membership, changes: dict[str, Any]
) -> Membership:
    """The member sets their area in the hub; a coordinator also sets their organisation."""
    membership = _lock_membership(membership)
    is_self = actor.pk == membership.person_id
    allowed = {"neighbourhood"} if is_self else {"neighbourhood", "organisation"}
    if not is_self:
        access.require_coordinator(actor, membership.hub)
    elif not membership.is_active:
        raise PermissionDenied("You are no longer a member of this hub.")
    if set(changes) - allowed:
        raise PermissionDenied("You cannot change that.")
    for value in changes.values():
        if value is not None and value.hub_id != membership.hub_id:
            raise ApplicationError("Choose one of this hub's own areas and organisations.")
    old = {field: getattr(membership, field) for field in changes}
    for field, value in changes.items():
        setattr(membership, field, value)
    membership.save()
    audit(
        hub=membership.hub,
        actor=actor,
        on_behalf_of=membership.person,
        event="membership.updated",
        subject=membership,
        old=old,
        new=changes,
    )
    return membership


@transaction.atomic
def membership_end(*, actor: Person, membership: Membership, reason: str = "") -> Membership:
    """A member leaves, or a coordinator removes them. Their records stay for the audit."""
    membership = _lock_membership(membership)
    if actor.pk != membership.person_id:
        actor_membership = access.require_coordinator(actor, membership.hub)
        if not access.can_assign_role(actor_membership, membership.role):
            raise PermissionDenied("Only a hub admin can remove an admin.")
    if not membership.is_active:
        raise ApplicationError("This person has already left the hub.")
    _ensure_not_last_admin(membership)
    membership.is_active = False
    membership.left_at = timezone.now()
    membership.save(update_fields=["is_active", "left_at"])
    audit(
        hub=membership.hub,
        actor=actor,
        on_behalf_of=membership.person,
        event="membership.ended",
        subject=membership,
        old={"is_active": True},
        new={"is_active": False, "reason": reason},
    )
    return membership


# --- consent and safeguarding -----------------------------------------------------------


def _consent_write(*, actor, hub, person, purpose, given, method, note) -> ConsentRecord:
    consent = ConsentRecord(
        person=person,
        hub=hub,
        purpose=purpose.strip(),
        given=given,
        method=method,
        note=note,
        recorded_by=actor,
    )
    _validated_save(consent)
    audit(
        hub=hub,
        actor=actor,
        on_behalf_of=person,
        event="consent.given" if given else "consent.withdrawn",
        subject=consent,
        new={"purpose": consent.purpose, "method": method, "note": note},
    )
    return consent


@transaction.atomic
def consent_record(
    *,
    actor: Person,
    hub: Hub,
    person: Person,
    purpose: str,
    given: bool,
    method: str,
    note: str = "",
) -> ConsentRecord:
    """Record consent given or withdrawn: by the person online, or by a coordinator."""
    if actor.pk == person.pk:
        access.require_member(actor, hub)
        if method != ConsentMethod.ONLINE:
            raise ApplicationError(
                "Consent you give yourself here is given online.", field="method"
            )
    else:
        access.coordinated_hub_with(actor, person, hub)
        if method == ConsentMethod.ONLINE:
            raise ApplicationError(
                "Say how the person gave consent to you: paper, phone or in person.",
                field="method",
            )
    if not purpose.strip():
        raise ApplicationError("Say what the consent is for.", field="purpose")
    return _consent_write(
        actor=actor, hub=hub, person=person, purpose=purpose, given=given, method=method, note=note
    )


@transaction.atomic
def consent_record_for_referral(
    *, actor: Person, hub: Hub, person: Person, purpose: str, method: str, note: str = ""
) -> ConsentRecord:
    """The consent a member of staff took when referring someone to the hub."""
    access.require_staff(actor, hub, "Only staff can refer people to the hub.")
    if not Membership.objects.filter(hub=hub, person=person, is_active=True).exists():
        raise PermissionDenied("That person is not a member of this hub.")
    if actor.pk != person.pk and method == ConsentMethod.ONLINE:
        raise ApplicationError(
            "Say how the person gave consent to you: paper, phone or in person.",
            field="consent_method",
        )
    if not purpose.strip():
        raise ApplicationError("Say what the person agreed to.", field="consent_purpose")
    return _consent_write(
        actor=actor, hub=hub, person=person, purpose=purpose, given=True, method=method, note=note
    )


@transaction.atomic
def safeguarding_check_add(
    *,
    actor: Person,
    hub: Hub,
    person: Person,
    check_type: str,
    reference: str,
    issued_on: datetime.date,
    expires_on: datetime.date,
) -> SafeguardingCheck:
    access.coordinated_hub_with(actor, person, hub)
    if check_type not in CheckType.values:
        raise ApplicationError("Choose the type of check.", field="check_type")
    if expires_on <= issued_on:
        raise ApplicationError(
            "The expiry date must be after the date of issue.", field="expires_on"
        )
    if issued_on > timezone.localdate():
        raise ApplicationError("The date of issue cannot be in the future.", field="issued_on")
    check = SafeguardingCheck(
        person=person,
        hub=hub,
        check_type=check_type,
        reference=reference.strip(),
        issued_on=issued_on,
        expires_on=expires_on,
        recorded_by=actor,
    )
    _validated_save(check)
    audit(
        hub=hub,
        actor=actor,
        on_behalf_of=person,
        event="check.added",
        subject=check,
        new={
            "check_type": check_type,
            "reference": check.reference,
            "issued_on": issued_on,
            "expires_on": expires_on,
        },
    )
    return check


@transaction.atomic
def safeguarding_check_remove(*, actor: Person, check: SafeguardingCheck, reason: str) -> None:
    """Remove a check recorded in error; the audit log keeps what it said and why."""
    access.require_coordinator(actor, check.hub)
    if not reason.strip():
        raise ApplicationError("Say why the check is being removed.", field="reason")
    audit(
        hub=check.hub,
        actor=actor,
        on_behalf_of=check.person,
        event="check.removed",
        subject=check,
        old={
            "check_type": check.check_type,
            "reference": check.reference,
            "expires_on": check.expires_on,
        },
        new={"reason": reason.strip()},
    )
    check.delete()


# --- invitations and join requests --------------------------------------------------------


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
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        hub=hub,
        email=email,
        role=role,
        token_hash=_token_hash(token),
        invited_by=actor,
        expires_at=timezone.now() + datetime.timedelta(days=settings.INVITATION_DAYS),
    )
    _validated_save(invitation)
    audit(
        hub=hub,
        actor=actor,
        event="invitation.created",
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
        event="invitation.accepted",
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
            _validated_save(join_request)
    except IntegrityError as error:  # a double submit racing the check above
        raise ApplicationError("You have already asked to join.") from error
    audit(
        hub=hub,
        actor=person,
        event="join_request.created",
        subject=join_request,
        new={"message": join_request.message},
    )
    email_after_commit(
        to=selectors.coordinator_emails(hub),
        subject=f"{person} asks to join {hub.name}",
        template="hubs/email/join_request.txt",
        context={"hub": hub, "person": person, "join_request": join_request},
    )
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
        event=f"join_request.{join_request.status}",
        subject=join_request,
        old={"status": JoinRequestStatus.PENDING},
        new={"status": join_request.status, "note": join_request.decision_note},
    )
    if approve and not access.membership_of(join_request.person, join_request.hub):
        _membership_add(
            actor=actor, hub=join_request.hub, person=join_request.person, role=Role.MEMBER
        )
    email_after_commit(
        to=[join_request.person.email],
        subject=f"Your request to join {join_request.hub.name}",
        template="hubs/email/join_decision.txt",
        context={"join_request": join_request, "hub": join_request.hub},
    )
    return join_request


@transaction.atomic
def join_request_approve(*, actor: Person, join_request: JoinRequest, note: str = ""):
    return _join_request_decide(actor=actor, join_request=join_request, approve=True, note=note)


@transaction.atomic
def join_request_decline(*, actor: Person, join_request: JoinRequest, note: str = ""):
    return _join_request_decide(actor=actor, join_request=join_request, approve=False, note=note)


# --- API keys -------------------------------------------------------------------------------

API_TOKEN_PREFIX = "cp_"  # noqa: S105 (a marker that makes keys easy to spot in leaks)


@transaction.atomic
def api_token_create(*, person: Person, hub: Hub, name: str = "") -> tuple[ApiToken, str]:
    """A key for the JSON API, acting as this person in this hub. Returns it and its secret,
    which is shown once and never stored."""
    access.require_member(person, hub)
    if not person.is_active:
        raise ApplicationError("This account is switched off.", field="email")
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        person=person,
        hub=hub,
        name=name.strip()[:80],
        prefix=secret[:10],
        token_hash=_token_hash(secret),
    )
    audit(hub=hub, actor=person, event="api_token.created", subject=token, new={"name": name})
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: Person, token: ApiToken) -> ApiToken:
    if actor.pk != token.person_id and not actor.is_superuser:
        access.require_admin(actor, token.hub)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit(hub=token.hub, actor=actor, event="api_token.revoked", subject=token)
    return token


def api_token_authenticate(secret: str) -> ApiToken | None:
    """The live key for this secret, if its person is still an active member of its hub."""
    if not secret.startswith(API_TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("person", "hub")
        .filter(token_hash=_token_hash(secret), revoked_at__isnull=True, person__is_active=True)
        .first()
    )
    if token is None or access.membership_of(token.person, token.hub) is None:
        return None
    now = timezone.now()
    # Note use at most once a minute, so reading the API does not mean a write per request.
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
