"""Conversations: who takes part, statements, votes that can change, flags that hide."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from coproduce.deliberation import engine, services
from coproduce.deliberation.models import (
    Audience,
    Participant,
    ParticipantRole,
    Statement,
    StatementStatus,
    Vote,
)
from coproduce.errors import ApplicationError
from coproduce.hubs.models import AuditEvent

SEEDS = ["Repairs should be done within a week.", "The bins are emptied too rarely."]


@pytest.fixture
def conversation(world):
    return services.conversation_create(
        actor=world.coordinator,
        hub=world.hub,
        question="What would make repairs and the estate better?",
        seeds=SEEDS,
        flag_threshold=2,
    )


def test_a_coordinator_opens_a_conversation_with_seed_statements(world, conversation):
    assert [s.text for s in conversation.statements.all()] == SEEDS
    assert all(s.is_seed and s.author is None for s in conversation.statements.all())
    assert AuditEvent.objects.filter(event="conversation.created", hub=world.hub).exists()


@pytest.mark.parametrize("persona", ["member", "staff", "outsider", "other_coordinator"])
def test_only_coordinators_open_conversations(world, persona):
    with pytest.raises(PermissionDenied):
        services.conversation_create(actor=world.persona(persona), hub=world.hub, question="Q?")


def test_bad_conversations_are_refused_and_name_the_field(world):
    now = timezone.now()
    cases = [
        ({"question": "  "}, "question"),
        ({"question": "Q?", "closes_at": now - datetime.timedelta(days=1)}, "closes_at"),
        ({"question": "Q?", "flag_threshold": 0}, "flag_threshold"),
        ({"question": "Q?", "seeds": ["Fine", "x" * 201]}, "seeds"),
        ({"question": "Q?", "seeds": ["Bins!", "bins"]}, "seeds"),
    ]
    for values, field in cases:
        with pytest.raises(ApplicationError) as caught:
            services.conversation_create(actor=world.coordinator, hub=world.hub, **values)
        assert caught.value.field == field
    assert not world.hub.conversations.exists()


@pytest.mark.parametrize(
    ("persona", "role"),
    [
        ("member", ParticipantRole.USER),
        ("staff", ParticipantRole.STAFF),
        ("coordinator", ParticipantRole.COORDINATOR),
        ("admin", ParticipantRole.COORDINATOR),
    ],
)
def test_members_take_part_with_their_role(world, conversation, persona, role):
    participant = services.participant_for(world.persona(persona), conversation)
    assert participant.role == role
    assert services.participant_for(world.persona(persona), conversation) == participant


def test_people_outside_the_hub_cannot_take_part(world, conversation):
    with pytest.raises(PermissionDenied):
        services.participant_for(world.outsider, conversation)


def test_a_staff_conversation_is_for_staff(world):
    staff_only = services.conversation_create(
        actor=world.coordinator, hub=world.hub, question="Rota?", audience=Audience.STAFF
    )
    services.participant_for(world.staff, staff_only)
    with pytest.raises(PermissionDenied):
        services.participant_for(world.member, staff_only)


def test_the_same_statement_twice_is_caught_however_it_is_written(world, conversation):
    participant = services.participant_for(world.member, conversation)
    with pytest.raises(ApplicationError, match="already said this") as caught:
        services.statement_add(participant=participant, text="  the BINS are emptied too rarely!! ")
    assert caught.value.field == "text"
    statement = services.statement_add(participant=participant, text="Fix the lifts first.")
    assert statement.author == participant
    with pytest.raises(ApplicationError, match="200 characters"):
        services.statement_add(participant=participant, text="word " * 60)


def test_the_last_vote_counts(world, conversation):
    participant = services.participant_for(world.member, conversation)
    statement = conversation.statements.first()
    services.vote_cast(participant=participant, statement=statement, value=1)
    services.vote_cast(participant=participant, statement=statement, value=-1)
    votes = engine.Votes.from_log(services.vote_log(conversation))
    assert votes.values.tolist() == [-1]
    assert Vote.objects.count() == 2  # the log keeps both


@pytest.mark.parametrize("value", [2, -2, True, "1", None])
def test_a_vote_must_be_agree_disagree_or_pass(world, conversation, value):
    participant = services.participant_for(world.member, conversation)
    with pytest.raises(ApplicationError, match="agree, disagree or pass"):
        services.vote_cast(
            participant=participant, statement=conversation.statements.first(), value=value
        )
    assert not Vote.objects.exists()


def test_a_closed_conversation_takes_no_votes_or_statements(world, conversation):
    participant = services.participant_for(world.member, conversation)
    conversation.closes_at = timezone.now()
    conversation.save()
    with pytest.raises(ApplicationError, match="closed"):
        services.vote_cast(
            participant=participant, statement=conversation.statements.first(), value=1
        )
    with pytest.raises(ApplicationError, match="closed"):
        services.statement_add(participant=participant, text="Too late")


def test_a_coordinator_records_a_paper_response_for_someone_not_online(world, conversation):
    statement = conversation.statements.first()
    vote = services.vote_record_for(
        actor=world.coordinator, person=world.assisted, statement=statement, value=1, method="paper"
    )
    assert vote.recorded_by == world.coordinator
    assert vote.participant.person == world.assisted
    event = AuditEvent.objects.get(event="vote.recorded")
    assert (event.actor, event.on_behalf_of) == (world.coordinator, world.assisted)
    with pytest.raises(PermissionDenied):
        services.vote_record_for(
            actor=world.member, person=world.assisted, statement=statement, value=1, method="phone"
        )


def test_enough_flags_from_different_people_hide_a_statement(world, conversation):
    statement = conversation.statements.first()
    first = services.participant_for(world.member, conversation)
    second = services.participant_for(world.staff, conversation)
    assert services.statement_flag(participant=first, statement=statement) is False
    with pytest.raises(ApplicationError, match="already flagged"):
        services.statement_flag(participant=first, statement=statement)
    assert services.statement_flag(participant=second, statement=statement, reason="Rude")
    statement.refresh_from_db()
    assert statement.status == StatementStatus.HIDDEN
    assert AuditEvent.objects.filter(event="statement.hidden", subject_id=statement.pk).exists()
    with pytest.raises(ApplicationError, match="moderators"):
        services.vote_cast(participant=first, statement=statement, value=1)


def test_anonymous_people_need_the_link(world):
    with_link = services.conversation_create(
        actor=world.coordinator, hub=world.hub, question="Open to all?", anonymous_link=True
    )
    participant = services.anonymous_participant(with_link, with_link.link_token, "browser-1")
    assert participant.role == ParticipantRole.ANONYMOUS
    assert services.anonymous_participant(with_link, with_link.link_token, "browser-1") == (
        participant
    )
    with pytest.raises(PermissionDenied):
        services.anonymous_participant(with_link, "guess", "browser-2")
    assert Participant.objects.filter(conversation=with_link).count() == 1


def test_statements_are_unique_per_conversation_in_the_database(world, conversation):
    other = services.conversation_create(
        actor=world.coordinator, hub=world.hub, question="Another?", seeds=SEEDS[:1]
    )
    assert Statement.objects.filter(normalised=services.normalise(SEEDS[0])).count() == 2
    assert other.statements.count() == 1


def test_a_new_statement_is_its_authors_agree_vote_and_is_not_offered_back(world):
    conversation = services.conversation_create(
        actor=world.coordinator, hub=world.hub, question="What next?", seeds=[]
    )
    author = services.participant_for(world.member, conversation)
    statement = services.statement_add(participant=author, text="Open the hall on Sundays.")
    assert services.latest_votes(author) == {statement.pk: 1}
    assert services.next_statement(author) is None
    other = services.participant_for(world.staff, conversation)
    assert services.next_statement(other) == statement
