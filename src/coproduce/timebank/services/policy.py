"""The hub's rules for hours: the lowest and highest balance, the opening grant, and how
long logged hours wait before they are confirmed."""

from django.db import transaction

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access
from coproduce.hubs.models import Hub, Person
from coproduce.models_util import model_update

from ..models import TimebankPolicy


@transaction.atomic
def policy_update(
    *,
    actor: Person,
    hub: Hub,
    floor_minutes: int,
    ceiling_minutes: int,
    limits_are_hard: bool,
    opening_grant_minutes: int,
    auto_confirm_days: int,
) -> TimebankPolicy:
    """Coordinators set the hub's rules for hours. Balances already past a new limit stay
    as they are; the limit applies to the next exchange."""
    access.require_coordinator(actor, hub)
    if floor_minutes > 0:
        raise ApplicationError("The lowest balance must be zero or below.", field="floor_hours")
    if ceiling_minutes < 0:
        raise ApplicationError("The highest balance must be zero or above.", field="ceiling_hours")
    if opening_grant_minutes < 0 or opening_grant_minutes > ceiling_minutes:
        raise ApplicationError(
            "New members cannot start above the highest balance.", field="opening_grant_hours"
        )
    if not 1 <= auto_confirm_days <= 90:
        raise ApplicationError("Choose between 1 and 90 days.", field="auto_confirm_days")
    TimebankPolicy.objects.get_or_create(hub=hub)  # made with the hub; older hubs too
    policy = TimebankPolicy.objects.select_for_update().get(hub=hub)
    fields = {
        "floor_minutes": floor_minutes,
        "ceiling_minutes": ceiling_minutes,
        "limits_are_hard": limits_are_hard,
        "opening_grant_minutes": opening_grant_minutes,
        "auto_confirm_days": auto_confirm_days,
    }
    policy, changed = model_update(policy, fields=list(fields), data=fields)
    if not changed:
        return policy
    audit(
        hub=hub,
        actor=actor,
        event=AuditKind.TIMEBANK_POLICY_UPDATED,
        subject=policy,
        old=changed.old,
        new=changed.new,
    )
    return policy
