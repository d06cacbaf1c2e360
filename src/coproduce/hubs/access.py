"""Who may see and do what in a hub. Every view and service asks here.

Rules:
- A hub's public page (what it is for, who hosts it) is open to anyone.
- Everything else in a hub is for its active members only; nothing crosses hubs.
- Coordinators and hub admins manage people, read the audit log and see
  safeguarding checks, consent records, needs and contact details.
- A person always sees and edits their own profile.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import Http404

from . import pickers
from .models import ROLE_RANK, STAFF_ROLES, Hub, Membership, Person, Role

# While a request is served, each person's membership of a hub is looked up once and kept
# here (by person and hub), so the view, the services it calls and the templates ask the
# database once between them. Any save or deletion of a membership empties it, so a request
# that changes a role, ends a membership or adds one reads the new state afterwards.
_memberships: ContextVar[dict | None] = ContextVar("memberships_this_request", default=None)


@contextmanager
def memberships_kept():
    """Keep the memberships looked up inside this block (one request) until it ends."""
    kept: dict = {}
    token = _memberships.set(kept)
    try:
        yield kept
    finally:
        _memberships.reset(token)


def forget_memberships() -> None:
    """Empty the memberships kept for this request: call after changing memberships with
    a queryset's update(), which sends no signal."""
    kept = _memberships.get()
    if kept is not None:
        kept.clear()


@receiver(post_save, sender=Membership, dispatch_uid="forget-memberships-on-save")
@receiver(post_delete, sender=Membership, dispatch_uid="forget-memberships-on-delete")
def _membership_changed(sender, **kwargs):
    forget_memberships()


def membership_of(person: Person | None, hub: Hub) -> Membership | None:
    if person is None or not person.is_authenticated:
        return None
    kept = _memberships.get()
    key = (person.pk, hub.pk)
    if kept is not None and key in kept:
        return kept[key]
    found = (
        Membership.objects.select_related("hub")
        .filter(person=person, hub=hub, is_active=True)
        .first()
    )
    if kept is not None:
        kept[key] = found
    return found


def require_member(person: Person, hub: Hub) -> Membership:
    membership = membership_of(person, hub)
    if membership is None:
        raise PermissionDenied("Only members of this hub can see this.")
    return membership


def require_coordinator(person: Person, hub: Hub) -> Membership:
    membership = require_member(person, hub)
    if not membership.can_coordinate:
        raise PermissionDenied("Only this hub's coordinators can do this.")
    return membership


def require_staff(person: Person, hub: Hub, message: str = "Only staff can do this."):
    membership = require_member(person, hub)
    if not membership.is_staff_or_above:
        raise PermissionDenied(message)
    return membership


def is_staff(person: Person | None, hub: Hub) -> bool:
    """Staff, coordinator or admin, and still active in the hub."""
    membership = membership_of(person, hub)
    return membership is not None and membership.is_staff_or_above


def staff_of(hub: Hub):
    """The hub's staff (coordinators and admins too) still active in it, by name."""
    return Person.objects.filter(
        memberships__hub=hub, memberships__is_active=True, memberships__role__in=STAFF_ROLES
    ).order_by("display_name", "pk")


def is_coordinator(person: Person | None, hub: Hub) -> bool:
    membership = membership_of(person, hub)
    return membership is not None and membership.can_coordinate


def require_admin(person: Person, hub: Hub) -> Membership:
    membership = require_member(person, hub)
    if membership.role != Role.ADMIN:
        raise PermissionDenied("Only this hub's admins can do this.")
    return membership


def member_in_hub(hub: Hub, person_id: int) -> Membership:
    """The membership of a person in this hub, or 404: never reveal people of other hubs."""
    if not 0 < person_id < 2**63:
        # Beyond any id a database holds (SQLite cannot even compare it with a column).
        raise Http404("No such person in this hub.")
    membership = (
        Membership.objects.select_related("person", "neighbourhood", "organisation")
        .filter(hub=hub, person_id=person_id)
        .first()
    )
    if membership is None:
        raise Http404("No such person in this hub.")
    return membership


def sees_unlisted_members(viewer: Membership) -> bool:
    """Coordinators see every member in the directory; others only those who chose to be
    listed (people referred or added by a coordinator start unlisted)."""
    return viewer.can_coordinate


def can_assign_role(actor: Membership, role: str) -> bool:
    """Coordinators can give any role up to coordinator; only admins make admins."""
    if not actor.can_coordinate:
        return False
    if role == Role.ADMIN or actor.role == Role.ADMIN:
        return actor.role == Role.ADMIN
    return ROLE_RANK[role] <= ROLE_RANK[actor.role]


def can_see_private_details(viewer: Person, hub_membership: Membership | None, subject: Person):
    """Needs, contact details and consent records: the person and their coordinators."""
    if viewer.pk == subject.pk:
        return True
    return bool(hub_membership and hub_membership.can_coordinate)


def coordinated_hub_with(actor: Person, person: Person, hub: Hub) -> Membership:
    """The actor's coordinator membership of a hub the person also belongs to."""
    actor_membership = require_coordinator(actor, hub)
    if not Membership.objects.filter(hub=hub, person=person).exists():
        raise PermissionDenied("That person is not a member of this hub.")
    return actor_membership


# --- erased people: read-only everywhere ------------------------------------------------------

ERASED = (
    "{name}'s account was erased: what they did is kept under this name, and nothing "
    "about them can be changed or downloaded. Nothing was saved."
)


def is_erased(person: Person) -> bool:
    """An erased person (or one of the rows an erased person was split into): the rule
    every page about a member reads. Erasure (insight/services/erasure.py) is the only
    thing that makes a person inactive, and it also takes away their email and their
    password; an account merely not online keeps `is_active`. Hubs cannot read insight's
    Erasure records (it sits below insight), so the rule is read off the person's row."""
    return not person.is_active and not person.email and not person.has_usable_password()


def require_not_erased(person: Person) -> None:
    """403, saying why, for anything that would change or hand out an erased person's data."""
    if is_erased(person):
        raise PermissionDenied(ERASED.format(name=person.display_name))


@dataclass(frozen=True)
class MemberRights:
    """What a viewer may see and do on another member's page."""

    see: bool = False
    see_private: bool = False  # needs, contact details
    manage: bool = False  # role, checks, consent, history (coordinators)
    invite_to_sign_in: bool = False  # email them a link to choose a first password
    set_notifications: bool = False  # choose what they are told, for someone not online
    change: bool = False  # edit, consent, checks, role, erase (coordinators; never the erased)
    erased: bool = False  # read-only everywhere (is_erased)


def member_for(viewer: Membership, person_id: int) -> tuple[Membership, MemberRights]:
    """A member of the viewer's hub and what the viewer may do there; 404 for people of
    other hubs, 403 for someone who has left (except to coordinators)."""
    membership = member_in_hub(viewer.hub, person_id)
    coordinating = viewer.can_coordinate
    if not membership.is_active and not coordinating:
        raise PermissionDenied("This person has left the hub.")
    erased = is_erased(membership.person)
    return membership, MemberRights(
        see=True,
        see_private=can_see_private_details(viewer.person, viewer, membership.person),
        manage=coordinating,
        invite_to_sign_in=coordinating
        and membership.is_active
        and not erased
        and can_invite_to_sign_in(membership.person),
        set_notifications=coordinating
        and membership.is_active
        and not erased
        and not manages_own_account(membership.person),
        change=coordinating and not erased,
        erased=erased,
    )


def member_to_change(actor: Person, hub: Hub, person_id: int) -> tuple[Membership, Membership]:
    """The coordinator's membership and the member they would change (edit, consent,
    checks, role, sign-in link): 403 if not a coordinator, 404 for someone not in the
    hub, 403 for someone erased (read-only everywhere)."""
    actor_membership = require_coordinator(actor, hub)
    membership = member_in_hub(hub, person_id)
    require_not_erased(membership.person)
    return actor_membership, membership


def manages_own_account(person: Person) -> bool:
    """Signs in with an email and a password, so chooses for themselves what they are told;
    for anyone else (not online, or never signed in) a coordinator chooses."""
    return bool(person.email) and person.has_usable_password()


def not_managing_own_account(prefix: str = "person__") -> Q:
    """`manages_own_account` turned round, as a query on a relation to Person: no email,
    or no password to sign in with (a coordinator chooses for them)."""
    return (
        Q(**{f"{prefix}email__isnull": True})
        | Q(**{f"{prefix}email": ""})
        | Q(**{f"{prefix}password__startswith": UNUSABLE_PASSWORD_PREFIX})
    )


def can_invite_to_sign_in(person: Person) -> bool:
    """A person with an email but no password yet (never online, or given an email by a
    coordinator) can be sent a link to choose one; anyone else resets their own."""
    return bool(person.email) and person.is_active and not person.has_usable_password()


# --- who may be chosen in a people picker (see pickers.py) ----------------------------------


def active_members(hub: Hub, _context=None):
    """The memberships a form may choose by default: the hub's current members."""
    return Membership.objects.filter(hub=hub, is_active=True)


def active_staff(hub: Hub, _context=None):
    """Staff, coordinators and admins still active in the hub (never plain members)."""
    return active_members(hub).filter(role__in=STAFF_ROLES)


def may_search_by_email(membership: Membership) -> bool:
    """Staff and above may find a person by their whole email address too; members find
    people by name only."""
    return membership.is_staff_or_above


def _coordinators(membership: Membership, _params):
    return membership.hub if membership.can_coordinate else None


def _audit_people(hub: Hub, _context=None):
    """Anyone who is or was a member: the log names people who have left."""
    return Membership.objects.filter(hub=hub)


pickers.register(pickers.Purpose("audit", _coordinators, _audit_people))
