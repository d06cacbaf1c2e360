"""A vote costs the same number of queries however many votes and statements the
conversation has, with and without JavaScript, and reads no one's votes but the
voter's own."""

import datetime
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from coproduce.deliberation import services
from coproduce.deliberation.models import AnalysisResult, Statement, Vote
from coproduce.forms import new_key
from coproduce.hubs.models import Membership, Role
from coproduce.hubs.services import membership_add, membership_end, person_register

SEEDS = ["Fix the lifts first.", "More benches by the shops.", "Close the road at night."]


def url(conversation, rest=""):
    return f"/hubs/{conversation.hub.slug}/conversations/{conversation.pk}/{rest}"


def grow(world, conversation, *, statements: int, voters: int) -> None:
    """More statements, and people who vote on every one of them."""
    for n in range(statements):
        Statement.objects.create(
            conversation=conversation, text=f"Extra statement {n}.", normalised=f"extra {n}"
        )
    everything = list(conversation.statements.all())
    for n in range(voters):
        person = person_register(
            email=f"grow{n}@example.org", display_name=f"Grow {n}", password=None
        )
        membership_add(
            actor=world.admin,
            hub=world.hub,
            person=person,
            role=Role.STAFF if n % 2 else Role.MEMBER,
        )
        participant = services.participant_for(person, conversation)
        for statement in everything:
            services.vote_cast(participant=participant, statement=statement, value=1)


def not_voted_on(participant, conversation) -> Statement:
    voted = Vote.objects.filter(participant=participant).values("statement")
    return conversation.statements.exclude(pk__in=voted).order_by("id").first()


def vote_queries(client, conversation, participant, *, htmx: bool) -> list[str]:
    """The queries of one vote (and, without JavaScript, of the page it goes back to)."""
    statement = not_voted_on(participant, conversation)
    headers = {"HX-Request": "true"} if htmx else {}
    data = {"statement": statement.pk, "value": "1", "key": new_key()}
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url(conversation, "vote/"), data, headers=headers)
        if not htmx:
            assert response.status_code == 302
            response = client.get(response["Location"])
        assert response.status_code == 200
    assert Vote.objects.filter(participant=participant, statement=statement).exists()
    return [q["sql"] for q in captured]


def test_a_vote_costs_as_many_queries_with_many_votes_and_statements_as_with_few(world, client_for):
    conversation = services.conversation_create(
        actor=world.coordinator, hub=world.hub, question="What should change?", seeds=SEEDS
    )
    client = client_for(world.member)
    member = services.participant_for(world.member, conversation)
    services.vote_cast(participant=member, statement=conversation.statements.first(), value=1)
    few = {htmx: vote_queries(client, conversation, member, htmx=htmx) for htmx in (True, False)}
    grow(world, conversation, statements=12, voters=6)
    many = {htmx: vote_queries(client, conversation, member, htmx=htmx) for htmx in (True, False)}
    assert {k: len(v) for k, v in many.items()} == {k: len(v) for k, v in few.items()}, many
    for queries in many.values():
        reads_votes = [
            sql for sql in queries if 'FROM "deliberation_vote"' in sql and "INSERT" not in sql
        ]
        # Only the voter's own votes: their previous vote on the statement, and which
        # statements they have voted on (an EXISTS on the vote index).
        assert reads_votes
        assert all(
            re.search(rf'"participant_id" = (%s|{member.pk})\b', sql) for sql in reads_votes
        ), reads_votes
    # The voter's place, the conversation and its hub are read once, in one query; the
    # card (the next statement, the count and the divides) in another.
    htmx = many[True]
    loads = [sql for sql in htmx if '"deliberation_conversation"."question"' in sql]
    assert len(loads) == 1 and 'FROM "deliberation_participant"' in loads[0], loads
    assert sum('FROM "deliberation_participant"' in sql for sql in htmx) == 1
    assert sum('"deliberation_analysisresult"' in sql for sql in htmx) == 1
    # Session, person, place (with conversation and hub), membership, statement; the
    # vote with its key (claimed without a look first; one transaction, a savepoint
    # here because the test runs in one); the card. 19 before.
    assert len(htmx) <= 16, "\n".join(q[:90] for q in htmx)


def test_a_voter_found_with_the_conversation_is_held_to_the_same_rules(world, client_for):
    """The vote finds a saved voter's place with the conversation in one query: someone
    who has left the hub is still refused, another hub's address finds nothing, and a
    member's first vote (no place yet) goes the longer way."""
    conversation = services.conversation_create(
        actor=world.coordinator, hub=world.hub, question="What should change?", seeds=SEEDS
    )
    first, second, third = conversation.statements.order_by("id")
    client = client_for(world.member)
    headers = {"HX-Request": "true"}
    assert client.post(url(conversation, "vote/"), {"statement": first.pk, "value": "1"},
                       headers=headers).status_code == 200  # fmt: skip
    other_hub = f"/hubs/{world.other_hub.slug}/conversations/{conversation.pk}/vote/"
    assert client.post(other_hub, {"statement": second.pk, "value": "1"}).status_code == 404
    membership = Membership.objects.get(person=world.member, hub=world.hub)
    membership_end(actor=world.coordinator, membership=membership)
    refused = client.post(url(conversation, "vote/"), {"statement": second.pk, "value": "1"},
                          headers=headers)  # fmt: skip
    assert refused.status_code == 403
    assert not Vote.objects.filter(statement__in=[second, third]).exists()


def test_the_voting_card_counts_the_statements_showing_that_were_voted_on(world):
    conversation = services.conversation_create(
        actor=world.coordinator, hub=world.hub, question="What should change?", seeds=SEEDS
    )
    member = services.participant_of(world.member, conversation)
    card = services.voting_card(member)
    assert card.voted_count == 0 and card.statement in conversation.statements.all()
    first, second, third = conversation.statements.order_by("id")
    services.vote_cast(participant=member, statement=first, value=1)
    services.vote_cast(participant=member, statement=first, value=-1)  # a change of mind
    services.vote_cast(participant=member, statement=second, value=0)
    card = services.voting_card(member)
    assert card.voted_count == 2
    assert card.statement == third and card.statement.text == third.text
    services.vote_cast(participant=member, statement=third, value=1)
    assert services.voting_card(member) == services.VotingCard(None, 3)


def test_a_slow_analysis_is_refreshed_less_often(
    world, client_for, settings, django_capture_on_commit_callbacks
):
    """A refresh waits at least three times as long as the last one took (a large
    conversation), and no less than the interval; still one waiting at a time."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.ANALYSIS_MIN_INTERVAL_SECONDS = 5
    conversation = services.conversation_create(
        actor=world.coordinator, hub=world.hub, question="What should change?", seeds=SEEDS
    )
    services.analysis_refresh(conversation, force=True)
    AnalysisResult.objects.filter(conversation=conversation).update(seconds=4.0)
    member = services.participant_for(world.member, conversation)
    with django_capture_on_commit_callbacks(execute=True):
        for statement in conversation.statements.all():
            services.vote_cast(participant=member, statement=statement, value=1)
    waiting = DBTaskResult.objects.filter(status="READY")
    assert waiting.count() == 1
    conversation.refresh_from_db()
    assert waiting.get().run_after >= conversation.analysis_started_at + datetime.timedelta(
        seconds=12
    )
    assert conversation.votes_cast == len(SEEDS)
