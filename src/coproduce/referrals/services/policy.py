"""The hub's rules for referrals, projects and escalations."""

from django.db import transaction

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access
from coproduce.hubs.models import Hub, Person
from coproduce.models_util import model_update

from ..models import ReferralPolicy


def policy_for(hub: Hub) -> ReferralPolicy:
    """The hub's rules, made with the hub; the defaults (unsaved) if it has none yet, so
    that reading them never writes."""
    return ReferralPolicy.objects.filter(hub=hub).first() or ReferralPolicy(hub=hub)


def policy_open(hub: Hub) -> ReferralPolicy:
    """A new hub starts with the default rules."""
    policy, _ = ReferralPolicy.objects.get_or_create(hub=hub)
    return policy


POLICY_FIELDS = (
    "unmatched_days",
    "unfilled_slot_hours",
    "key_person_percent",
    "weekly_minutes_limit",
    "activity_drop_percent",
    "commitment_cap",
    "failsafe",
    "route_unmatched_referral",
    "route_unmatched_request",
    "route_unfilled_slot",
    "route_key_person",
    "route_burnout",
)


@transaction.atomic
def policy_update(*, actor: Person, hub: Hub, changes: dict) -> ReferralPolicy:
    access.require_coordinator(actor, hub)
    policy = ReferralPolicy.objects.select_for_update().get(pk=policy_open(hub).pk)
    unknown = set(changes) - set(POLICY_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown settings: {', '.join(sorted(unknown))}.")
    failsafe = changes.get("failsafe")
    if failsafe is not None and not access.is_staff(failsafe, hub):
        raise ApplicationError("Choose a member of staff to take escalations.", field="failsafe")
    policy, changed = model_update(policy, fields=POLICY_FIELDS, data=changes)
    if changed:
        audit(
            hub=hub,
            actor=actor,
            event=AuditKind.REFERRAL_POLICY_UPDATED,
            subject=policy,
            old=changed.old,
            new=changed.new,
        )
    return policy
