"""Consent and safeguarding: what a person agreed to and how they agreed, and the checks
that let them help where one is needed."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError, validated_save

from .. import access
from ..models import (
    CheckType,
    ConsentMethod,
    ConsentRecord,
    Hub,
    Membership,
    Person,
    SafeguardingCheck,
)


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
    validated_save(consent)
    audit(
        hub=hub,
        actor=actor,
        on_behalf_of=person,
        event=AuditKind.CONSENT_GIVEN if given else AuditKind.CONSENT_WITHDRAWN,
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
    validated_save(check)
    audit(
        hub=hub,
        actor=actor,
        on_behalf_of=person,
        event=AuditKind.CHECK_ADDED,
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
        event=AuditKind.CHECK_REMOVED,
        subject=check,
        old={
            "check_type": check.check_type,
            "reference": check.reference,
            "expires_on": check.expires_on,
        },
        new={"reason": reason.strip()},
    )
    check.delete()
