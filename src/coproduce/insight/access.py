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


# --- area figures (geo): the hub's own areas' deciles and populations ----------------------


def require_area_figures(person: Person, hub: Hub) -> Membership:
    """Only the hub's coordinators see and set its areas' figures (anyone else: 403)."""
    membership = hub_access.membership_of(person, hub)
    if not changes_settings(membership):
        raise PermissionDenied("Only the hub's coordinators can see and set its areas' figures.")
    return membership


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
