"""Participants: a person's (or a link visitor's) place in a conversation. Reading a
conversation never makes one; the first vote, statement or flag saves it."""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from coproduce.errors import ApplicationError
from coproduce.hubs.models import Membership, Person, Role
from coproduce.idempotency import owner_of

from .. import access as rights
from ..models import Conversation, Participant, ParticipantRole

# A participant's role in the analysis, from their role in the hub.
ROLE_OF = {
    Role.MEMBER: ParticipantRole.USER,
    Role.STAFF: ParticipantRole.STAFF,
    Role.COORDINATOR: ParticipantRole.COORDINATOR,
    Role.ADMIN: ParticipantRole.COORDINATOR,
}


def _area(membership: Membership) -> str:
    if membership.neighbourhood_id:
        return membership.neighbourhood.name
    return membership.person.postcode_district


def participant_of(person: Person, conversation: Conversation) -> Participant:
    """The person's place in the conversation: their saved one, or (before their first
    vote or statement) an unsaved one, so that reading the page never writes. Only
    members of the hub (and, for a staff conversation, its staff) take part."""
    membership = rights.require_take_part(person, conversation)
    found = Participant.objects.filter(conversation=conversation, person=person).first()
    if found is not None:
        found.conversation, found.person = conversation, person  # loaded already
        return found
    return Participant(
        conversation=conversation,
        person=person,
        role=ROLE_OF[membership.role],
        area=_area(membership),
    )


def saved_participant_of(person: Person, slug: str, conversation_id: int) -> Participant | None:
    """The person's saved place in the conversation, found with the conversation and its
    hub in one query (a vote's request needs all three); None before their first vote or
    statement, or if there is no such conversation in that hub. The same rule as
    `participant_of`: only those who may take part."""
    found = (
        Participant.objects.select_related("conversation__hub")
        .filter(person=person, conversation__id=conversation_id, conversation__hub__slug=slug)
        .first()
    )
    if found is None:
        return None
    rights.require_take_part(person, found.conversation)
    found.person = person  # loaded already
    return found


def anonymous_participant_of(conversation: Conversation, token: str, key: str) -> Participant:
    """Someone without an account who came by the conversation's link (unsaved until
    they first vote or add a statement)."""
    if not conversation.link_token or token != conversation.link_token:
        raise PermissionDenied("This link does not open the conversation.")
    if not key:
        raise ApplicationError("Your browser did not keep your place. Try again.")
    found = Participant.objects.filter(conversation=conversation, anonymous_key=key).first()
    if found is not None:
        found.conversation = conversation
        return found
    return Participant(conversation=conversation, anonymous_key=key, role=ParticipantRole.ANONYMOUS)


def key_owner(participant: Participant) -> str:
    """Whose idempotency keys these are (coproduce/idempotency.py): the person's, or the
    link visitor's."""
    return owner_of(
        participant.person if participant.person_id else None,
        anonymous_key=participant.anonymous_key,
    )


def participant_save(participant: Participant) -> Participant:
    """Save a participant on their first vote, statement or flag. Two first votes at
    once make one participant. The object passed in becomes the saved one."""
    if participant.pk is not None:
        return participant
    lookup = (
        {"person": participant.person}
        if participant.person_id
        else {"anonymous_key": participant.anonymous_key}
    )
    try:
        with transaction.atomic():
            saved, _ = Participant.objects.get_or_create(
                conversation=participant.conversation,
                **lookup,
                defaults={"role": participant.role, "area": participant.area},
            )
    except IntegrityError:
        saved = Participant.objects.get(conversation=participant.conversation, **lookup)
    participant.pk = saved.pk
    participant._state.adding, participant._state.db = False, saved._state.db
    return participant


@transaction.atomic
def participant_for(person: Person, conversation: Conversation) -> Participant:
    """The person's saved place in the conversation (for a coordinator typing in a paper
    response, and for tests)."""
    return participant_save(participant_of(person, conversation))


def anonymous_participant(conversation: Conversation, token: str, key: str) -> Participant:
    return participant_save(anonymous_participant_of(conversation, token, key))
