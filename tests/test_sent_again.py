"""Back, then send again: the form is fetched again (a new key) and the browser fills the
fields in as they were. What makes something new is saved once (the page says it was
already saved and opens what was saved); a vote changed after going back is a change of
mind and counts; the refusal that is left speaks plain English on a page."""

import datetime
import re

import pytest
from django.urls import reverse

from coproduce.deliberation import services as deliberation
from coproduce.deliberation.models import Statement, Vote
from coproduce.errors import ApplicationError
from coproduce.hubs.models import Person, UsedKey
from coproduce.idempotency import REUSED, REUSED_FOR_PEOPLE, replayed
from coproduce.pledges import services as pledges
from coproduce.pledges.models import Pledge
from coproduce.timebank import services as timebank
from coproduce.timebank.models import Exchange, Listing
from tests.timebank.test_concurrency import run_at_once


def key_in(html: str) -> str:
    return re.search(r'name="key" value="([0-9a-f]+)"', html)[1]


def back_then_send(client, url, fields):
    """Show the form, send it; go back (the form is fetched again, with a new key) and
    send the same fields again."""
    first_key = key_in(client.get(url).text)
    first = client.post(url, {**fields, "key": first_key})
    second_key = key_in(client.get(url).text)
    assert second_key != first_key
    again = client.post(url, {**fields, "key": second_key}, follow=True)
    return first, again


def a_while_ago():
    """Every key used so far was used longer ago than the window."""
    UsedKey.objects.update(created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))


# --- what makes something new: saved once --------------------------------------------


def test_a_listing_sent_again_after_going_back_is_listed_once(world, bank, client_for):
    client = client_for(world.member)
    url = reverse("listing-new", args=[world.hub.slug])
    fields = {"kind": "offer", "title": "Lifts to the health centre", "description": "Weekdays"}
    first, again = back_then_send(client, url, fields)
    listing = Listing.objects.get(title="Lifts to the health centre")
    assert first.status_code == 302
    assert again.redirect_chain[-1][0] == first["Location"]
    assert reverse("listing-detail", args=[world.hub.slug, listing.pk]) == first["Location"]
    assert "already saved" in again.text


def test_a_person_added_again_after_going_back_is_added_once(world, client_for):
    client = client_for(world.coordinator)
    url = reverse("assisted-create", args=[world.hub.slug])
    fields = {
        "display_name": "Edna Paper",
        "consent_purpose": "To be a member",
        "consent_method": "phone",
        "contact_preference": "phone",
        "phone": "01632 960 555",
    }
    first, again = back_then_send(client, url, fields)
    assert first.status_code == 302, first.content.decode()[:2000]
    assert again.redirect_chain[-1][0] == first["Location"]
    assert "already saved" in again.text
    assert Person.objects.filter(display_name="Edna Paper").count() == 1


def test_help_recorded_again_after_going_back_is_recorded_once(world, bank, client_for):
    client = client_for(world.member)
    url = reverse("exchange-record", args=[world.hub.slug])
    fields = {
        "direction": "gave",
        "other": world.staff.pk,
        "title": "Lift to the clinic",
        "hours": "1",
        "minutes": "0",
    }
    first, again = back_then_send(client, url, fields)
    assert first.status_code == 302
    assert again.redirect_chain[-1][0] == first["Location"]
    assert "already saved" in again.text
    assert Exchange.objects.filter(title="Lift to the clinic").count() == 1


def test_the_same_content_with_new_keys_gives_the_first_result(world, bank):
    def offer(key, title="Gardening"):
        return timebank.listing_create(
            actor=world.member, account=bank.member, kind="offer", title=title, key=key
        )

    first = offer("k1")
    again = offer("k2")
    assert again.pk == first.pk and replayed(again) and not replayed(first)
    # Other content, or the same from someone else, is new.
    assert offer("k3", title="Ironing").pk != first.pk
    other = timebank.listing_create(
        actor=world.staff, account=bank.staff, kind="offer", title="Gardening", key="k1"
    )
    assert other.pk != first.pk
    # Without a key (an API client that sends none) there is no protection, as before.
    assert offer(None).pk != offer(None).pk
    # After the window, the same again is taken as meant.
    a_while_ago()
    later = offer("k4")
    assert later.pk != first.pk and not replayed(later)
    assert Listing.objects.filter(title="Gardening", account=bank.member).count() == 4


def test_a_deleted_first_result_does_not_stop_a_new_one(world, bank):
    first = timebank.listing_create(
        actor=world.member, account=bank.member, kind="offer", title="Gardening", key="k1"
    )
    Listing.objects.filter(pk=first.pk).delete()
    again = timebank.listing_create(
        actor=world.member, account=bank.member, kind="offer", title="Gardening", key="k2"
    )
    assert again.pk != first.pk and not replayed(again)


def test_other_actions_that_make_something_new_are_saved_once(world, bank):
    timebank.category_create(actor=world.coordinator, hub=world.hub, name="Lifts")
    listing = timebank.listing_create(
        actor=world.staff, account=bank.staff, kind="request", title="Lift"
    )
    proposals = [
        timebank.exchange_propose(actor=world.member, listing=listing, note="Me!", key=key)
        for key in ("p1", "p2")
    ]
    assert proposals[0].pk == proposals[1].pk and replayed(proposals[1])

    groups = [
        timebank.exchange_record_group(
            actor=world.coordinator,
            hub=world.hub,
            title="Workshop",
            givers=[(bank.health_centre, 120)],
            receivers=[(bank.member, 60), (bank.assisted, 60)],
            key=key,
        )
        for key in ("g1", "g2")
    ]
    assert groups[0].pk == groups[1].pk and replayed(groups[1])
    assert Exchange.objects.filter(is_group=True).count() == 1

    drafts = [
        pledges.pledge_create(actor=world.coordinator, hub=world.hub, title="Repairs", key=key)
        for key in ("d1", "d2")
    ]
    assert drafts[0].pk == drafts[1].pk and replayed(drafts[1])
    assert Pledge.objects.filter(title="Repairs").count() == 1


@pytest.fixture
def conversation(world):
    return deliberation.conversation_create(
        actor=world.coordinator,
        hub=world.hub,
        question="What would help?",
        seeds=["More benches.", "Longer opening hours.", "A bus to the clinic."],
    )


def test_a_statement_sent_again_after_going_back_is_added_once(world, conversation, client_for):
    client = client_for(world.member)
    url = reverse("conversation", args=[world.hub.slug, conversation.pk])
    first, again = back_then_send(client, url, {"text": "The lifts should work."})
    assert first.status_code == 302
    assert "already saved" in again.text
    assert Statement.objects.filter(text="The lifts should work.").count() == 1


# --- votes: going back and choosing otherwise is a change of mind ---------------------


def test_a_vote_changed_after_going_back_counts(world, conversation):
    participant = deliberation.participant_of(world.member, conversation)
    statement = conversation.statements.first()

    def vote(value):
        return deliberation.vote_cast(
            participant=participant, statement=statement, value=value, key="card"
        )

    first = vote(1)
    changed = vote(-1)
    assert changed.pk != first.pk and not replayed(changed)
    assert deliberation.latest_votes(participant)[statement.pk] == -1
    # Sent twice (a double click), the new choice is still given back, not added.
    again = vote(-1)
    assert again.pk == changed.pk and replayed(again)
    # And back to the first choice: counted again.
    assert vote(1).pk not in (first.pk, changed.pk)
    assert deliberation.latest_votes(participant)[statement.pk] == 1
    assert Vote.objects.filter(statement=statement).count() == 3


def test_a_list_of_votes_changed_after_going_back_counts(world, conversation):
    participant = deliberation.participant_of(world.member, conversation)
    ids = [s.pk for s in conversation.statements.all()]
    assert deliberation.votes_cast(participant=participant, answers=dict.fromkeys(ids, 1), key="l")
    changed = {**dict.fromkeys(ids, 1), ids[0]: -1}
    assert deliberation.votes_cast(participant=participant, answers=changed, key="l") == 1
    assert deliberation.latest_votes(participant)[ids[0]] == -1


def test_a_vote_recorded_for_someone_and_corrected_counts(world, conversation):
    statement = conversation.statements.first()

    def record(value):
        return deliberation.vote_record_for(
            actor=world.coordinator,
            person=world.assisted,
            statement=statement,
            value=value,
            method="paper",
            key="paper",
        )

    record(1)
    record(0)
    participant = deliberation.participant_of(world.assisted, conversation)
    assert deliberation.latest_votes(participant)[statement.pk] == 0


def test_a_vote_changed_without_javascript_is_saved_and_said(world, conversation, client_for):
    client = client_for(world.member)
    url = reverse("conversation", args=[world.hub.slug, conversation.pk])
    page = client.get(url).text
    statement = re.search(r'name="statement" value="(\d+)"', page)[1]
    sent = {"statement": statement, "key": key_in(page)}
    vote_url = reverse("conversation-vote", args=[world.hub.slug, conversation.pk])
    client.post(vote_url, {**sent, "value": "1"})
    changed = client.post(vote_url, {**sent, "value": "-1"}, follow=True)
    assert "Saved: you disagreed" in changed.text
    assert "different details" not in changed.text
    assert list(Vote.objects.order_by("pk").values_list("value", flat=True)) == [1, -1]


@pytest.mark.django_db(transaction=True)
def test_changes_of_mind_at_once_with_one_key_leave_the_key_with_the_latest(world, conversation):
    statement = conversation.statements.first()
    participant = deliberation.participant_for(world.member, conversation)

    def work(index):
        deliberation.vote_cast(
            participant=participant, statement=statement, value=index % 3 - 1, key="card"
        )

    assert run_at_once(work, 6) == []
    latest = deliberation.latest_votes(participant)[statement.pk]
    used = UsedKey.objects.get(key="card")
    assert used.result["pk"] == Vote.objects.filter(statement=statement).latest("pk").pk
    assert Vote.objects.get(pk=used.result["pk"]).value == latest


@pytest.mark.django_db(transaction=True)
def test_the_same_listing_sent_at_once_with_new_keys_fails_nothing(world, bank):
    """Two at once with different keys are not held back (no worse than before): every
    request succeeds, and the ones that came after the first was saved are given it."""

    def work(index):
        timebank.listing_create(
            actor=world.member, account=bank.member, kind="offer", title="Ironing", key=f"k{index}"
        )

    assert run_at_once(work, 4) == []
    assert 1 <= Listing.objects.filter(title="Ironing").count() <= 4


# --- the refusal that is left: plain English on a page, unchanged in the API ---------


def test_a_form_sent_again_with_other_details_says_so_plainly(world, conversation, client_for):
    """Back (with the page kept, and its key), then other words, then send: refused in
    plain English, and the form comes back with a new key, so sending it saves them."""
    client = client_for(world.member)
    url = reverse("conversation", args=[world.hub.slug, conversation.pk])
    key = key_in(client.get(url).text)
    client.post(url, {"text": "More trees on the estate.", "key": key})
    changed = client.post(url, {"text": "More benches by the shops.", "key": key})
    assert changed.status_code == 400
    assert REUSED_FOR_PEOPLE in changed.text
    assert "Idempotency-Key" not in changed.text
    assert "More benches by the shops." in changed.text  # what they wrote is kept
    new_key = key_in(changed.text[changed.text.index('id="add-heading"') :])
    assert new_key != key
    sent = client.post(url, {"text": "More benches by the shops.", "key": new_key})
    assert sent.status_code == 302
    assert Statement.objects.filter(text="More benches by the shops.").count() == 1
    # The API keeps its words, for its clients.
    with pytest.raises(ApplicationError) as refused:
        deliberation.statement_add(
            participant=deliberation.participant_of(world.member, conversation),
            text="Something else.",
            key=key,
        )
    assert (refused.value.message, refused.value.status) == (REUSED, 409)


def test_a_refused_vote_says_why_in_the_vote_card(world, conversation, client_for):
    """Without JavaScript the page opens at the vote card: the reason is there, with the
    same statement, not at the top of the page."""
    client = client_for(world.member)
    url = reverse("conversation", args=[world.hub.slug, conversation.pk])
    page = client.get(url).text
    statement = re.search(r'name="statement" value="(\d+)"', page)[1]
    vote_url = reverse("conversation-vote", args=[world.hub.slug, conversation.pk])
    refused = client.post(vote_url, {"statement": statement, "value": "7", "key": key_in(page)})
    assert refused.status_code == 400
    card = refused.text[refused.text.index('id="vote"') :]
    card = card[: card.index("</section>")]
    assert "Choose agree, disagree or pass." in card
    assert f'name="statement" value="{statement}"' in card
    assert 'class="messages"' not in refused.text
    # The statement form on that page still goes to the conversation, not the vote.
    assert f'action="{url}"' in refused.text
