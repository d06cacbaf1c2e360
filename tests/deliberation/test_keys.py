"""Statements, flags and votes sent twice with one key: saved once, the first result given
back and the page says so; the same key with other content refused, except a vote (a
change of mind, which counts); racing votes with one key add one vote."""

import re

import pytest
from django.test import Client

from coproduce.deliberation import services
from coproduce.deliberation.models import Flag, Statement, Vote
from coproduce.hubs.models import AuditEvent
from coproduce.idempotency import replayed
from tests.timebank.test_concurrency import run_at_once

from .test_pages import SEEDS, url


@pytest.fixture
def conversation(world):
    return services.conversation_create(
        actor=world.coordinator, hub=world.hub, question="What would help?", seeds=SEEDS
    )


def key_in(html: str) -> str:
    return re.search(r'name="key" value="([0-9a-f]+)"', html)[1]


def test_a_vote_sent_twice_with_its_key_is_counted_once(world, conversation, client_for):
    client = client_for(world.member)
    page = client.get(url(conversation)).text
    statement = Statement.objects.get(pk=re.search(r'name="statement" value="(\d+)"', page)[1])
    sent = {"statement": statement.pk, "value": "1", "key": key_in(page)}
    client.post(url(conversation, "vote/"), sent)
    again = client.post(url(conversation, "vote/"), sent, follow=True)
    assert "already saved" in again.text
    assert Vote.objects.filter(participant__person=world.member).count() == 1
    # The same card sent back with another answer is a change of mind: it counts.
    changed = client.post(
        url(conversation, "vote/"), {**sent, "value": "-1"}, HTTP_HX_REQUEST="true"
    )
    assert "different details" not in changed.text
    assert list(Vote.objects.order_by("pk").values_list("value", flat=True)) == [1, -1]


def test_votes_cast_with_a_key_give_the_first_vote(world, conversation):
    participant = services.participant_of(world.member, conversation)
    statement = conversation.statements.first()
    first = services.vote_cast(participant=participant, statement=statement, value=0, key="v")
    again = services.vote_cast(participant=participant, statement=statement, value=0, key="v")
    assert again.pk == first.pk and replayed(again)
    # Another vote with the key (the card sent back with another choice) counts.
    changed = services.vote_cast(participant=participant, statement=statement, value=1, key="v")
    assert changed.pk != first.pk and not replayed(changed)
    # Someone else's identical key is their own.
    other = services.participant_of(world.staff, conversation)
    services.vote_cast(participant=other, statement=statement, value=0, key="v")
    assert Vote.objects.count() == 3


def test_the_list_of_statements_sent_twice_says_it_was_already_saved(
    world, conversation, client_for
):
    client = client_for(world.member)
    page = client.get(url(conversation, "statements/")).text
    sent = {f"statement_{s.pk}": "1" for s in conversation.statements.all()}
    sent["key"] = key_in(page)
    first = client.post(url(conversation, "statements/"), sent, follow=True)
    assert "Saved 3 votes" in first.text
    again = client.post(url(conversation, "statements/"), sent, follow=True)
    assert "already saved" in again.text
    assert Vote.objects.count() == 3


def test_a_paper_response_typed_in_twice_is_recorded_once(world, conversation, client_for):
    client = client_for(world.coordinator)
    page = client.get(url(conversation, "record/")).text
    sent = {f"statement_{s.pk}": "-1" for s in conversation.statements.all()}
    sent.update(person=world.assisted.pk, method="paper", key=key_in(page))
    client.post(url(conversation, "record/"), sent)
    again = client.post(url(conversation, "record/"), sent, follow=True)
    assert "already saved" in again.text
    assert Vote.objects.filter(participant__person=world.assisted).count() == 3
    assert AuditEvent.objects.filter(event="vote.recorded").count() == 3
    changed = client.post(url(conversation, "record/"), {**sent, "method": "phone"})
    assert changed.status_code == 400 and "different details" in changed.text


def test_a_new_statement_sent_twice_is_added_once(world, conversation, client_for):
    client = client_for(world.member)
    key = key_in(client.get(url(conversation)).text)
    sent = {"text": "The lifts should be fixed within a day.", "key": key}
    client.post(url(conversation), sent)
    again = client.post(url(conversation), sent, follow=True)
    assert "already saved" in again.text
    assert "already said this" not in again.text
    assert Statement.objects.filter(text__startswith="The lifts").count() == 1
    changed = client.post(url(conversation), {**sent, "text": "Another idea."})
    assert changed.status_code == 400 and "different details" in changed.text


def test_a_flag_sent_twice_is_counted_once(world, conversation, client_for):
    statement = conversation.statements.first()
    client = client_for(world.member)
    flag_url = url(conversation, f"statements/{statement.pk}/flag/")
    sent = {"reason": "Names a neighbour", "key": key_in(client.get(flag_url).text)}
    client.post(flag_url, sent)
    again = client.post(flag_url, sent, follow=True)
    assert "already saved" in again.text
    assert Flag.objects.count() == 1
    changed = client.post(flag_url, {**sent, "reason": "Rude"})
    assert changed.status_code == 400 and "different details" in changed.text


@pytest.mark.django_db(transaction=True)
def test_racing_votes_with_the_same_key_add_one_vote(world, conversation):
    statement = conversation.statements.first()
    signed_in = Client()
    signed_in.force_login(world.member)
    statuses = []

    def work(_index):
        client = Client()
        client.cookies = signed_in.cookies
        response = client.post(
            url(conversation, "vote/"),
            {"statement": statement.pk, "value": "1", "key": "race"},
            HTTP_HX_REQUEST="true",
        )
        statuses.append((response.status_code, 'role="alert"' in response.text))

    assert run_at_once(work, 6) == []
    assert statuses == [(200, False)] * 6
    assert Vote.objects.filter(statement=statement).count() == 1
