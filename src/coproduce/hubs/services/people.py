"""People: signing up, people added by a coordinator or by a referrer (people who
are not online), and profiles."""

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError, validated_save
from coproduce.idempotency import SAME_CONTENT_WINDOW, once, owner_of
from coproduce.models_util import model_update

from .. import access
from ..models import ConsentMethod, ContactPreference, Hub, Person, Role, tidy_postal_address
from .consent import _consent_write
from .memberships import _membership_add

PROFILE_FIELDS = (
    "display_name",
    "phone",
    "postal_address",
    "contact_preference",
    "postcode_district",
    "assets",
    "needs",
    "availability",
    "languages",
    "about",
)

# Kept out of the audit log: it says the address was given, changed or removed, never the
# address itself (the log outlives a change of address, and is shown to every coordinator).
NOT_COPIED_TO_AUDIT = ("postal_address",)
ADDRESS_KEPT_OUT = "(address not copied into the log)"


def for_audit(values: dict[str, Any]) -> dict[str, Any]:
    """Profile values as the audit log keeps them: a postal address only as whether one
    is held."""
    return {
        key: (ADDRESS_KEPT_OUT if value else "") if key in NOT_COPIED_TO_AUDIT else value
        for key, value in values.items()
    }


class AccountExists(ApplicationError):
    """Signing up with an address that already has an account."""


def _validate_password(password: str, person: Person) -> None:
    try:
        validate_password(password, person)
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages), field="password") from error


@transaction.atomic
def person_register(*, email: str, display_name: str, password: str | None) -> Person:
    """Someone creates their own account (they then join hubs by invitation or request).

    With no password (people brought in from an existing list), the person chooses one
    through a link (services.passwords) before first signing in.
    """
    email = (email or "").strip().lower()
    if not email:
        raise ApplicationError("Enter your email address.", field="email")
    if Person.objects.filter(email__iexact=email).exists():
        raise AccountExists(
            "There is already an account with this email address. Sign in, or use "
            "'Forgotten your password?' on the sign-in page to get a link by email.",
            field="email",
        )
    person = Person(email=email, display_name=display_name.strip())
    if password is None:
        person.set_unusable_password()
    else:
        _validate_password(password, person)
        person.set_password(password)
    validated_save(person, exclude=["password"])
    audit(
        hub=None,
        actor=person,
        event=AuditKind.PERSON_REGISTERED,
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
    key: str | None = None,
    **profile: Any,
) -> Person:
    """A coordinator creates a member who is not online (assisted digital).

    The person has no email and cannot sign in; everything recorded for them is audited
    as entered by the coordinator on their behalf. Their consent to be recorded is
    required and stored with how it was given. With a `key`, the form sent twice (or
    again after going back) adds them once (coproduce/idempotency.py).
    """
    access.require_coordinator(actor, hub)
    return once(
        hub_id=hub.pk,
        owner=owner_of(actor),
        key=key,
        kind="person-assisted",
        content={
            "display_name": display_name,
            "consent_purpose": consent_purpose,
            "consent_method": consent_method,
            **profile,
        },
        action=lambda: _create_assisted(
            actor=actor,
            hub=hub,
            display_name=display_name,
            consent_purpose=consent_purpose,
            consent_method=consent_method,
            consent_note="",
            profile=profile,
        ),
        same_content_within=SAME_CONTENT_WINDOW,
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
    if profile.get("contact_preference", ContactPreference.EMAIL) == ContactPreference.EMAIL:
        # They have no email: by phone if there is a number, else through the coordinator.
        profile["contact_preference"] = (
            ContactPreference.PHONE if profile.get("phone") else ContactPreference.IN_PERSON
        )
    if "postal_address" in profile:
        profile["postal_address"] = tidy_postal_address(profile["postal_address"])
    person = Person(email=None, display_name=display_name.strip(), created_by=actor, **profile)
    person.set_unusable_password()
    validated_save(person, exclude=["password"])
    audit(
        hub=hub,
        actor=actor,
        on_behalf_of=person,
        event=AuditKind.PERSON_CREATED,
        subject=person,
        new=for_audit({field: getattr(person, field) for field in PROFILE_FIELDS}),
    )
    # They consented to be recorded (or referred), not to be shown to every member.
    _membership_add(
        actor=actor, hub=hub, person=person, role=Role.MEMBER, listed_in_directory=False
    )
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
    if "postal_address" in changes:
        changes = {**changes, "postal_address": tidy_postal_address(changes["postal_address"])}
    if "email" in changes:
        _check_email_change(actor=actor, person=person, email=changes["email"])
        changes = {**changes, "email": (changes["email"] or "").strip().lower() or None}
    person, changed = model_update(
        person, fields=list(changes), data=changes, exclude_from_clean=["password"]
    )
    if changed:
        audit(
            hub=hub,
            actor=actor,
            on_behalf_of=person,
            event=AuditKind.PROFILE_UPDATED,
            subject=person,
            old=for_audit(changed.old),
            new=for_audit(changed.new),
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
