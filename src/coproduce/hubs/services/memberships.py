"""Memberships: being added, roles, a member's area and organisation, leaving. A hub
always keeps at least one admin."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.models_util import model_update

from .. import access, signals
from ..models import Hub, Membership, Person, Role


def _membership_add(
    *,
    actor: Person,
    hub: Hub,
    person: Person,
    role: str,
    organisation=None,
    listed_in_directory: bool = True,
) -> Membership:
    """Add (or bring back) a member. Callers have checked permission. Someone coming
    back keeps the directory choice they had."""
    membership = Membership.objects.select_for_update().filter(hub=hub, person=person).first()
    if membership and membership.is_active:
        raise ApplicationError(f"{person} is already a member of {hub}.")
    if membership:
        old = {"is_active": False, "role": membership.role}
        membership.is_active, membership.left_at, membership.role = True, None, role
        membership.organisation = organisation
        membership.save()
        event = AuditKind.MEMBERSHIP_REJOINED
    else:
        old = {}
        membership = Membership.objects.create(
            hub=hub,
            person=person,
            role=role,
            organisation=organisation,
            listed_in_directory=listed_in_directory,
        )
        event = AuditKind.MEMBERSHIP_CREATED
    signals.membership_started.send(sender=Membership, membership=membership)
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
        event=AuditKind.MEMBERSHIP_ROLE_CHANGED,
        subject=membership,
        old={"role": old_role},
        new={"role": role},
    )
    return membership


@transaction.atomic
def membership_update(
    *, actor: Person, membership: Membership, changes: dict[str, Any]
) -> Membership:
    """The member sets their area in the hub and whether the directory lists them; a
    coordinator also sets their organisation."""
    membership = _lock_membership(membership)
    is_self = actor.pk == membership.person_id
    allowed = {"neighbourhood", "listed_in_directory"}
    if not is_self:
        allowed.add("organisation")
    if not is_self:
        access.require_coordinator(actor, membership.hub)
    elif not membership.is_active:
        raise PermissionDenied("You are no longer a member of this hub.")
    if set(changes) - allowed:
        raise PermissionDenied("You cannot change that.")
    for value in changes.values():
        if hasattr(value, "hub_id") and value.hub_id != membership.hub_id:
            raise ApplicationError("Choose one of this hub's own areas and organisations.")
    membership, changed = model_update(
        membership,
        fields=("neighbourhood", "organisation", "listed_in_directory"),
        data=changes,
    )
    if changed:
        audit(
            hub=membership.hub,
            actor=actor,
            on_behalf_of=membership.person,
            event=AuditKind.MEMBERSHIP_UPDATED,
            subject=membership,
            old=changed.old,
            new=changed.new,
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
        event=AuditKind.MEMBERSHIP_ENDED,
        subject=membership,
        old={"is_active": True},
        new={"is_active": False, "reason": reason},
    )
    return membership
