"""Who is told what, and who chooses how."""

from django.core.exceptions import PermissionDenied

from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Hub, Person


def reached_by_email(person: Person) -> bool:
    """Someone with no email is not online: what concerns them goes to the coordinators."""
    return bool(person.email) and person.is_active


def person_whose_choices(actor: Person, *, hub: Hub | None = None, person_id=None) -> Person:
    """Whose notification choices `actor` may set: their own (no hub), or, for a
    coordinator, those of a member of their hub who is not online (hubs' MemberRights)."""
    if hub is None:
        return actor
    viewer = hub_access.require_coordinator(actor, hub)
    membership, rights = hub_access.member_for(viewer, person_id)
    if not rights.set_notifications:
        raise PermissionDenied(
            "People who sign in choose for themselves what they are told, on their profile."
        )
    return membership.person
