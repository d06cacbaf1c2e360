"""Who may see and do what in insight and people's data: the one place these rules live.
Services, views, templates and the API all read them.

- A hub's staff and coordinators see its insight dashboard and board report; figures
  about named members (the busiest tenth, signs of burnout) only its coordinators. The
  public summary is shown to anyone only if the hub allows it, every group under
  SMALL_GROUP hidden. Nobody sees another hub's insight.
- Coordinators set the hub's valuation, catchment and areas' figures.
- Every active member takes the hub's health check, on the staff side if they are staff
  or above, otherwise on the users' side; a coordinator may enter paper answers for
  someone who is not online.
- A person may download their own data and delete their own account; a coordinator may
  ask for the erasure of someone who is not online, in hubs they coordinate.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Hub, Membership, Person

SMALL_GROUP = 5  # any group smaller than this is hidden in every figure shown


# --- insight: the dashboard, board report and settings ----------------------------------


def hub_for(slug: str) -> Hub:
    return get_object_or_404(Hub, slug=slug)


def sees_insight(membership: Membership | None) -> bool:
    return membership is not None and membership.is_staff_or_above


def sees_member_detail(membership: Membership | None) -> bool:
    return membership is not None and membership.can_coordinate


def changes_settings(membership: Membership | None) -> bool:
    return membership is not None and membership.can_coordinate


def require_insight(person: Person, hub: Hub) -> Membership:
    membership = hub_access.membership_of(person, hub)
    if not sees_insight(membership):
        raise PermissionDenied("Only the hub's staff and coordinators can see its insight.")
    return membership


# --- the health check ----------------------------------------------------------------------

# --- people's data -------------------------------------------------------------------------


def downloads_own_data(person: Person | None) -> bool:
    """Anyone signed in may download their own data."""
    return person is not None and person.is_authenticated and person.is_active


def export_of(person: Person, token: str):
    """The person's own export with this token; 404 for anyone else's, or none."""
    from .models import PersonalExport

    return get_object_or_404(PersonalExport, token=token, person_id=person.pk)


def member_for_download(coordinator: Person, hub: Hub, person_id: int) -> Person:
    """A member of a hub the coordinator coordinates, whose data the coordinator may print
    and post to them: only someone who does not manage their own account (404 for anyone
    not in the hub; 403, with why, for someone who can download it themselves)."""
    membership = hub_access.membership_of(coordinator, hub)
    if membership is None or not membership.can_coordinate:
        raise PermissionDenied("Only the hub's coordinators can download a member's data.")
    member = hub_access.member_in_hub(hub, person_id)
    if hub_access.manages_own_account(member.person):
        raise PermissionDenied(
            "This member manages their own account online: they can download it themselves."
        )
    return member.person
