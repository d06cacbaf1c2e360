"""Who may see and do what in a hub's conversations: the one place these rules live.

Rules:
- A conversation for the whole hub is open to its members, and to anyone who came by
  the conversation's own link (without an account); a staff conversation only to the
  hub's staff, coordinators and admins.
- Coordinators start conversations, type in paper and phone responses, mark hub
  priorities and appoint moderators; moderators (and coordinators) review statements.
- Small groups: a finer group (sub-group) of fewer than SMALL_GROUP people is shown only
  as "a few people", never with figures of its own (as insight.access.SMALL_GROUP).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from coproduce.hubs import access as hub_access
from coproduce.hubs import pickers
from coproduce.hubs.models import Hub, Membership, Person

from .models import Audience, Conversation, Moderator

SMALL_GROUP = 5


@dataclass(frozen=True)
class ConversationRights:
    take_part: bool = False
    coordinate: bool = False

    @property
    def read(self) -> bool:
        """Reports are for the people who may take part."""
        return self.take_part


def conversation_rights(
    membership: Membership | None, conversation: Conversation, *, came_by_link: bool = False
) -> ConversationRights:
    if membership is None or membership.hub_id != conversation.hub_id:
        return ConversationRights(take_part=came_by_link)
    return ConversationRights(
        take_part=conversation.audience == Audience.HUB or membership.is_staff_or_above,
        coordinate=membership.can_coordinate,
    )


def conversations_open_to(membership: Membership):
    """The hub's conversations this member may take part in, as a queryset."""
    found = Conversation.objects.filter(hub_id=membership.hub_id)
    if not membership.is_staff_or_above:
        found = found.filter(audience=Audience.HUB)
    return found


def require_take_part(person: Person, conversation: Conversation) -> Membership:
    membership = hub_access.require_member(person, conversation.hub)
    if not conversation_rights(membership, conversation).take_part:
        raise PermissionDenied("This conversation is for staff.")
    return membership


def is_moderator(membership: Membership | None) -> bool:
    """Coordinators, and the members they appointed as moderators."""
    if membership is None:
        return False
    return (
        membership.can_coordinate
        or Moderator.objects.filter(
            hub_id=membership.hub_id, person_id=membership.person_id
        ).exists()
    )


def can_moderate(person: Person | None, hub: Hub) -> bool:
    return is_moderator(hub_access.membership_of(person, hub))


def require_moderator(person: Person, hub: Hub) -> None:
    if not can_moderate(person, hub):
        raise PermissionDenied("Only this hub's moderators can review statements.")


# --- who may be chosen in this app's people pickers (see hubs/pickers.py) -------------------


def _coordinator(membership: Membership, _params):
    return membership.hub if membership.can_coordinate else None


def _not_yet_moderators(hub: Hub, _context=None):
    return hub_access.active_members(hub).exclude(
        person__in=Moderator.objects.filter(hub=hub).values("person")
    )


pickers.register(pickers.Purpose("response-person", _coordinator, hub_access.active_members))
pickers.register(pickers.Purpose("moderator", _coordinator, _not_yet_moderators))
