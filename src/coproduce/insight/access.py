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

from collections import Counter

from django.core.exceptions import PermissionDenied
from django.http import Http404
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


def comments_shown(check) -> dict:
    """What people added, oldest first, from each side on which at least SMALL_GROUP
    people have answered: fewer, and a comment (with who has not answered yet) would tell
    who wrote it. `comments_held` when some are held back for now."""
    from .models import HealthCheckResponse

    rows = list(
        HealthCheckResponse.objects.filter(health_check=check).values_list(
            "side", "answered_at", "comment"
        )
    )
    answered = Counter(side for side, _at, _comment in rows)
    shown, held = [], False
    for side, _at, comment in sorted(rows, key=lambda row: row[1]):
        if not comment:
            continue
        if answered[side] >= SMALL_GROUP:
            shown.append(comment)
        else:
            held = True
    return {"comments": shown, "comments_held": held}


def sees_health_checks(membership: Membership | None) -> bool:
    """Every active member of the hub sees its rounds and their results."""
    return membership is not None and membership.is_active


def opens_health_checks(membership: Membership | None) -> bool:
    return membership is not None and membership.can_coordinate


def enters_answers_for_others(membership: Membership | None) -> bool:
    """Coordinators enter paper answers for someone who is not online."""
    return membership is not None and membership.can_coordinate


def health_check_side(membership: Membership) -> str:
    """The side a member answers on: staff if staff or above, otherwise users'."""
    return "staff" if membership.is_staff_or_above else "users"


def member_for_health(person: Person, slug: str) -> tuple[Hub, Membership]:
    """The hub and the person's membership; anyone else gets a 404 (a hub's health
    checks are never hinted at to other hubs)."""
    hub = hub_for(slug)
    membership = hub_access.membership_of(person, hub)
    if not sees_health_checks(membership):
        raise Http404("No such page.")
    return hub, membership


def answers_for_refusal(actor: Membership, person: Person) -> str:
    """Why a coordinator may not enter this person's answers ("" when they may): only
    for someone not online, never for themself."""
    if person.pk == actor.person_id:
        return "Answer for yourself on the health check's own page."
    if hub_access.manages_own_account(person):
        return f"{person} answers online themself."
    return ""


# --- equality monitoring: a person's own answers only; nobody else sees them ----------------

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
    hub_access.require_not_erased(member.person)
    if hub_access.manages_own_account(member.person):
        raise PermissionDenied(
            "This member manages their own account online: they can download it themselves."
        )
    return member.person


def may_download_for(membership: Membership | None, person: Person) -> bool:
    """Shows "Download their data" on a member's page: coordinators, for someone not
    online who has not been erased (the rule member_for_download enforces)."""
    return (
        membership is not None
        and membership.can_coordinate
        and not hub_access.is_erased(person)
        and not hub_access.manages_own_account(person)
    )


# --- erasure (erase) -----------------------------------------------------------------------


def may_delete_own_account(person) -> bool:
    """Anyone signed in may delete their own account (erasure refuses, saying why, if it
    would leave a hub without an admin)."""
    return bool(getattr(person, "is_authenticated", False)) and person.is_active


def erasure_request_refusal(hub: Hub, person: Person) -> str:
    """Why a coordinator of `hub` may not ask for this person's erasure, or "" if they may:
    only for someone who does not manage their own account, and who is in no other hub
    (which is the operator's to do; the other hub is never named)."""
    if hub_access.manages_own_account(person):
        return (
            f"{person.display_name} signs in and manages their own account: they can "
            "delete it themselves under “Delete my account”."
        )
    if Membership.objects.filter(person=person).exclude(hub=hub).exists():
        return (
            f"{person.display_name} is also known somewhere else on this site, so a "
            "coordinator cannot erase them: ask the site's operator to."
        )
    return ""


def may_request_erasure(membership: Membership | None, person: Person) -> bool:
    """Shows the link on a member's page: coordinators, for someone not online."""
    return (
        membership is not None
        and membership.can_coordinate
        and not hub_access.is_erased(person)
        and not hub_access.manages_own_account(person)
    )


def require_erasure_request(actor: Person, hub: Hub, person_id: int) -> Membership:
    """The membership whose person a coordinator of `hub` is asking to erase (404 for
    someone not in the hub)."""
    hub_access.require_coordinator(actor, hub)
    return hub_access.member_in_hub(hub, person_id)
