"""Your Space's pages up to the count: each page as each persona, the whole flow through
the pages, bad input, a form sent twice, and query counts that do not grow."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coproduce.hubs.models import AuditEvent
from coproduce.involve.space import services
from coproduce.involve.space.models import Ballot, Feasibility, Idea, Phase, Resource, Round
from coproduce.involve.space.views import ballot_order
from tests.space.conftest import HOUR, propose, room_round, tenant, to_vote

pytestmark = pytest.mark.django_db

PERSONAS = ("coordinator", "staff", "member", "assisted", "outsider", "other_coordinator")


def url(name, round_=None, idea=None, slug="millbrook"):
    if idea is not None:
        return reverse(name, args=[slug, idea.round_id, idea.pk])
    if round_ is not None:
        return reverse(name, args=[slug, round_.pk])
    return reverse(name, args=[slug])


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def round_data(**changes):
    data = {
        "title": "Community room, autumn",
        "description": "Twenty hours a week in the community room.",
        "resource": "room",
        "hours": "20",
        "minutes": "0",
        "space_name": "Community room",
        "weighting": "none",
        "most_deprived_deciles": "2",
        "key": "round-key-1",
    }
    return {**data, **changes}


def idea_data(**changes):
    data = {
        "title": "Coffee morning",
        "description": "Tea, coffee and a chat for anyone on the estate.",
        "hours": "2",
        "minutes": "30",
        "run_by": "The tenants' association",
        "key": "idea-key-1",
    }
    return {**data, **changes}


# --- each page as each persona -------------------------------------------------------------


@pytest.fixture
def ideas_round(world):
    round_ = room_round(world)
    idea = propose(world, round_, "Coffee morning", 2)
    return round_, idea


def expected_get(world, name, persona):
    """What a GET gives each persona, for a round taking ideas (the ballot pages on a
    voting round)."""
    if persona in ("outsider", "other_coordinator"):
        return 404
    coordinator_only = {"space-round-new", "space-round-change", "space-round-advance"}
    if name in coordinator_only or name == "space-ballot-for":
        return 200 if persona == "coordinator" else 403
    if name == "space-idea-check":
        return 200 if persona in ("coordinator", "staff") else 403
    return 200


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_page_as_each_persona(world, client_for, ideas_round, voting, persona):
    round_, idea = ideas_round
    voting_round, _ = voting
    client = client_for(getattr(world, persona))
    pages = {
        "space-rounds": url("space-rounds"),
        "space-round-new": url("space-round-new"),
        "space-round": url("space-round", round_),
        "space-round-change": url("space-round-change", round_),
        "space-round-advance": url("space-round-advance", round_),
        "space-idea-new": url("space-idea-new", round_),
        "space-idea": url("space-idea", idea=idea),
        "space-idea-check": url("space-idea-check", idea=idea),
        "space-ballot": url("space-ballot", voting_round),
        "space-ballot-for": url("space-ballot-for", voting_round),
    }
    for name, address in pages.items():
        response = client.get(address)
        assert response.status_code == expected_get(world, name, persona), (name, persona)
        if response.status_code == 404:
            assert "Coffee morning" not in text(response)


def test_anonymous_is_sent_to_sign_in(client, ideas_round):
    round_, _ = ideas_round
    response = client.get(url("space-round", round_))
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]


def test_the_hub_home_links_to_your_space(world, client_for):
    response = client_for(world.member).get(reverse("hub-home", args=["millbrook"]))
    assert url("space-rounds") in text(response)


def test_the_list_says_phase_share_and_what_a_member_can_do(world, client_for, voting):
    round_ = room_round(world, title="Ideas round")
    page = text(client_for(world.member).get(url("space-rounds")))
    assert "Ideas round" in page and "Taking ideas" in page
    assert "Shares 20 h a week in the Community room" in page
    assert "Propose an idea" in page and "Vote now" in page
    assert "New round" not in page
    assert "New round" in text(client_for(world.coordinator).get(url("space-rounds")))
    # Current rounds first: a counted one goes below.
    voting_round, _ = voting
    services.round_count(actor=world.coordinator, round_=voting_round)
    page = text(client_for(world.member).get(url("space-rounds")))
    assert page.index("Ideas round") < page.index(voting_round.title)
    assert "See the result" in page
    assert round_.pk


# --- the whole flow through the pages --------------------------------------------------------


def test_the_whole_flow_through_the_pages(world, client_for):
    coordinator = client_for(world.coordinator)
    response = coordinator.post(url("space-round-new"), round_data(max_projects="2"))
    assert response.status_code == 302, text(response)[:2000]
    round_ = Round.objects.get()
    assert round_.amount == 20 * HOUR and round_.max_projects == 2
    assert round_.space_name == "Community room"

    member = client_for(world.member)
    response = member.post(url("space-idea-new", round_), idea_data())
    assert response.status_code == 302, text(response)[:2000]
    coffee = Idea.objects.get()
    assert coffee.cost == 150 and coffee.proposer == world.member
    member.post(
        url("space-idea-new", round_), idea_data(title="Homework club", hours="6", key="k2")
    )
    homework = Idea.objects.get(title="Homework club")

    coordinator = client_for(world.coordinator)
    response = coordinator.post(url("space-round-advance", round_), {"to": "feasibility"})
    assert response.status_code == 302
    staff = client_for(world.staff)
    assert staff.post(url("space-idea-check", idea=coffee), {"feasible": "yes"}).status_code == 302
    response = staff.post(
        url("space-idea-check", idea=homework), {"feasible": "no", "reason": "No tutors yet."}
    )
    assert response.status_code == 302
    coordinator = client_for(world.coordinator)
    coordinator.post(url("space-round-advance", round_), {"to": "vote"})
    round_.refresh_from_db()
    assert round_.phase == Phase.VOTE

    member = client_for(world.member)
    page = text(member.get(url("space-round", round_)))
    assert "Not feasible" in page and "No tutors yet." in page  # the proposer sees why
    ballot_page = text(member.get(url("space-ballot", round_)))
    assert "Coffee morning" in ballot_page and "2 h 30 min" in ballot_page
    assert "Homework club" not in ballot_page
    response = member.post(url("space-ballot", round_), {"ideas": [str(coffee.pk)]})
    assert response.status_code == 302
    page = text(member.get(response["Location"]))
    assert "Your vote is saved" in page and "change it until the vote closes" in page
    assert "Change your vote" in page
    assert f'value="{coffee.pk}" id="idea-{coffee.pk}" ' in text(
        member.get(url("space-ballot", round_))
    ) and "checked" in text(member.get(url("space-ballot", round_)))
    # Changing the vote: no projects at all.
    member.post(url("space-ballot", round_), {})
    assert list(Ballot.objects.get(voter=world.member).ideas.all()) == []
    member.post(url("space-ballot", round_), {"ideas": [str(coffee.pk)]})

    coordinator = client_for(world.coordinator)
    response = coordinator.post(url("space-round-advance", round_), {"to": "result"})
    assert response.status_code == 302
    assert response["Location"] == url("space-result", round_)
    round_.refresh_from_db()
    coffee.refresh_from_db()
    assert round_.phase == Phase.RESULT and coffee.funded is True and coffee.votes == 1
    page = text(client_for(world.member).get(url("space-round", round_)))
    assert "See the result" in page


def test_the_reason_an_idea_is_not_feasible_is_for_its_proposer_and_staff(world, client_for):
    round_ = room_round(world)
    idea = propose(world, round_, "Late disco", 3)
    services.idea_check(actor=world.staff, idea=idea, feasible=False, reason="Noise after 10.")
    for persona, sees in (("member", True), ("staff", True), ("assisted", False)):
        client = client_for(getattr(world, persona))
        for address in (url("space-round", round_), url("space-idea", idea=idea)):
            page = text(client.get(address))
            assert "Not feasible" in page
            assert ("Noise after 10." in page) is sees, (persona, address)


def test_a_coordinator_proposes_for_someone_not_online(world, client_for):
    round_ = room_round(world)
    client = client_for(world.coordinator)
    response = client.post(
        url("space-idea-new", round_), idea_data(proposer=str(world.assisted.pk))
    )
    assert response.status_code == 302
    idea = Idea.objects.get()
    assert idea.proposer == world.assisted and idea.entered_by == world.coordinator


def test_a_member_cannot_propose_for_someone_else(world, client_for):
    round_ = room_round(world)
    client_for(world.member).post(
        url("space-idea-new", round_), idea_data(proposer=str(world.assisted.pk))
    )
    idea = Idea.objects.get()
    assert idea.proposer == world.member  # the field is not on a member's form


def test_a_money_round_takes_whole_pounds(world, client_for):
    client = client_for(world.coordinator)
    data = round_data(resource="money", hours="", minutes="", pounds="1500", space_name="")
    assert client.post(url("space-round-new"), data).status_code == 302
    round_ = Round.objects.get()
    assert round_.resource == Resource.MONEY and round_.amount == 1500
    page = text(client.get(url("space-round", round_)))
    assert "Shares £1,500" in page
    response = client.post(url("space-idea-new", round_), {**idea_data(), "pounds": "2000"})
    assert response.status_code == 400
    assert "It needs more than the whole round shares (£1,500)" in text(response)


def test_ballot_for_someone_not_online_from_paper(world, client_for, voting):
    round_, ideas = voting
    client = client_for(world.coordinator)
    page = text(client.get(url("space-round", round_)))
    assert "Members not online who have not voted yet" in page and "Ron Assisted" in page
    response = client.post(
        url("space-ballot-for", round_),
        {"voter": str(world.assisted.pk), "paper": "on", "ideas": [str(ideas[0].pk)]},
    )
    assert response.status_code == 302, text(response)[:2000]
    ballot = Ballot.objects.get(voter=world.assisted)
    assert ballot.paper and ballot.entered_by == world.coordinator
    assert AuditEvent.objects.filter(event="space_ballot.recorded").exists()
    page = text(client.get(url("space-round", round_)))
    assert "Ron Assisted" not in page.split("have not voted yet")[1]


def test_the_not_online_list_is_paged(world, client_for, voting):
    from coproduce.hubs import services as hubs

    round_, _ = voting
    for n in range(25):
        hubs.person_create_assisted(
            actor=world.coordinator,
            hub=world.hub,
            display_name=f"Offline {n:02}",
            phone="01632 960 101",
            consent_purpose="To be a member",
            consent_method="phone",
        )
    client = client_for(world.coordinator)
    first = text(client.get(url("space-round", round_)))
    second = text(client.get(url("space-round", round_) + "?page=2"))
    assert "Offline 00" in first and "Offline 19" not in second
    assert "Page 1 of 2" in first and "Offline 24" in second


# --- bad input -------------------------------------------------------------------------------


def test_an_idea_costing_more_than_the_round_is_refused_on_the_cost(world, client_for):
    round_ = room_round(world)
    response = client_for(world.member).post(
        url("space-idea-new", round_), idea_data(hours="21", minutes="0")
    )
    assert response.status_code == 400
    page = text(response)
    assert 'id="id_hours_error"' in page and "more than the whole round shares" in page
    assert not Idea.objects.exists()


def test_a_round_with_a_bad_rule_names_the_field(world, client_for):
    client = client_for(world.coordinator)
    response = client.post(url("space-round-new"), round_data(min_projects="3", max_projects="1"))
    assert response.status_code == 400
    assert 'id="id_max_projects_error"' in text(response)
    response = client.post(
        url("space-round-new"), round_data(weighting="deprivation", extra_share_percent="50")
    )
    assert 'id="id_weighting_reason_error"' in text(response)
    # Larger shares for the most deprived areas need areas with deciles.
    response = client.post(
        url("space-round-new"),
        round_data(weighting="deprivation", extra_share_percent="50", weighting_reason="Fair."),
    )
    assert 'id="id_weighting_error"' in text(response) and "decile" in text(response)
    response = client.post(url("space-round-new"), round_data(hours="", minutes=""))
    assert 'id="id_hours_error"' in text(response)
    assert not Round.objects.exists()


def test_a_ballot_outside_the_rule_is_refused_and_nothing_saved(world, client_for):
    round_ = room_round(world, max_projects=1)
    a, b = propose(world, round_, "A", 2), propose(world, round_, "B", 2)
    round_ = to_vote(world, round_, [a, b])
    response = client_for(world.member).post(
        url("space-ballot", round_), {"ideas": [str(a.pk), str(b.pk)]}
    )
    assert response.status_code == 400
    assert "Choose at most 1 projects." in text(response)
    assert not Ballot.objects.exists()
    # An idea that is not on this ballot.
    other = room_round(world)
    stranger = propose(world, other, "Stranger", 1)
    response = client_for(world.member).post(
        url("space-ballot", round_), {"ideas": [str(stranger.pk)]}
    )
    assert response.status_code == 400 and not Ballot.objects.exists()


def test_a_vote_after_the_close_is_refused_clearly(world, client_for, voting):
    round_, ideas = voting
    Round.objects.filter(pk=round_.pk).update(
        vote_closes_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    client = client_for(world.member)
    response = client.post(url("space-ballot", round_), {"ideas": [str(ideas[0].pk)]})
    assert response.status_code == 400
    assert "The vote has closed." in text(response)
    assert not Ballot.objects.exists()
    page = text(client.get(url("space-ballot", round_)))
    assert "The vote has closed" in page and "Save my vote" not in page


def test_a_vote_before_the_vote_opens_is_refused(world, client_for, ideas_round):
    round_, _idea = ideas_round
    response = client_for(world.member).post(url("space-ballot", round_), {})
    assert response.status_code == 400 and "not voting now" in text(response)
    assert not Ballot.objects.exists()


def test_moving_on_too_early_says_why(world, client_for, ideas_round):
    round_, _ = ideas_round
    client = client_for(world.coordinator)
    client.post(url("space-round-advance", round_), {"to": "feasibility"})
    response = client.post(url("space-round-advance", round_), {"to": "vote"})
    assert response.status_code == 400
    assert "Check every idea first" in text(response)
    round_.refresh_from_db()
    assert round_.phase == Phase.FEASIBILITY
    response = client.post(url("space-round-advance", round_), {"to": "nonsense"})
    assert response.status_code == 400


def test_not_feasible_needs_a_reason(world, client_for, ideas_round):
    _, idea = ideas_round
    response = client_for(world.staff).post(
        url("space-idea-check", idea=idea), {"feasible": "no", "reason": " "}
    )
    assert response.status_code == 400 and 'id="id_reason_error"' in text(response)
    idea.refresh_from_db()
    assert idea.feasibility == Feasibility.PENDING


# --- sent twice ------------------------------------------------------------------------------


def test_the_same_forms_sent_twice_save_once(world, client_for):
    client = client_for(world.coordinator)
    client.post(url("space-round-new"), round_data())
    response = client.post(url("space-round-new"), round_data(), follow=True)
    assert Round.objects.count() == 1
    assert "already saved" in text(response)
    round_ = Round.objects.get()
    member = client_for(world.member)
    member.post(url("space-idea-new", round_), idea_data())
    response = member.post(url("space-idea-new", round_), idea_data(), follow=True)
    assert Idea.objects.count() == 1 and "already saved" in text(response)
    idea = Idea.objects.get()
    round_ = to_vote(world, round_, [idea])
    member = client_for(world.member)
    member.post(url("space-ballot", round_), {"ideas": [str(idea.pk)]})
    member.post(url("space-ballot", round_), {"ideas": [str(idea.pk)]})
    assert Ballot.objects.count() == 1
    assert AuditEvent.objects.filter(event="space_ballot.recorded").count() == 1
    coordinator = client_for(world.coordinator)
    coordinator.post(url("space-round-advance", round_), {"to": "result"})
    coordinator.post(url("space-round-advance", round_), {"to": "result"})
    assert AuditEvent.objects.filter(event="space_round.counted").count() == 1


# --- the ballot's order ----------------------------------------------------------------------


def test_each_voter_has_an_order_of_their_own_the_same_each_time(world, voting):
    round_, ideas = voting
    orders = {tuple(i.pk for i in ballot_order(round_, tenant(world, n))) for n in range(12)}
    assert len(orders) > 1
    again = [i.pk for i in ballot_order(round_, world.member)]
    assert again == [i.pk for i in ballot_order(round_, world.member)]
    assert sorted(again) == sorted(i.pk for i in ideas)


# --- queries do not grow ---------------------------------------------------------------------


def _round_with(world, ideas: int, voters: int):
    round_ = room_round(world, title=f"Round of {ideas}")
    made = [propose(world, round_, f"Idea {n}", 0.25) for n in range(ideas)]
    round_ = to_vote(world, round_, made)
    for n in range(voters):
        person = tenant(world, 1000 * ideas + n)
        services.ballot_cast(actor=person, round_=round_, ideas=made[:2])
    return round_


def _queries(client, address) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(address).status_code == 200
    return len(captured.captured_queries)


def test_queries_do_not_grow_with_ideas_or_voters(world, client_for):
    small = _round_with(world, 3, 2)
    large = _round_with(world, 30, 12)
    for persona in ("member", "coordinator"):
        client = client_for(getattr(world, persona))
        for name in ("space-round", "space-ballot"):
            few = _queries(client, url(name, small))
            many = _queries(client, url(name, large))
            assert few == many, (persona, name, few, many)


# --- changing a round, and finding a voter without JavaScript --------------------------------


def test_a_coordinator_changes_a_round_and_the_rule_is_fixed_once_the_vote_opens(
    world, client_for, voting
):
    round_ = room_round(world, title="Autumn")
    client = client_for(world.coordinator)
    response = client.post(
        url("space-round-change", round_),
        round_data(title="Autumn, renamed", hours="10", minutes="30", max_projects="2"),
    )
    assert response.status_code == 302, text(response)[:2000]
    round_.refresh_from_db()
    assert (round_.title, round_.amount, round_.max_projects) == ("Autumn, renamed", 630, 2)
    assert AuditEvent.objects.filter(event="space_round.changed").exists()
    voting_round, _ = voting
    page = text(client.get(url("space-round-change", voting_round)))
    assert 'name="hours"' not in page and 'name="max_projects"' not in page
    response = client.post(
        url("space-round-change", voting_round), round_data(title="Renamed", hours="1")
    )
    voting_round.refresh_from_db()
    assert voting_round.title == "Renamed" and voting_round.amount == 20 * HOUR


def test_finding_a_voter_without_javascript_keeps_the_ticks_and_saves_nothing(
    world, client_for, voting
):
    round_, ideas = voting
    response = client_for(world.coordinator).post(
        url("space-ballot-for", round_),
        {"voter__q": "Ron", "_find": "Find", "ideas": [str(ideas[1].pk)]},
    )
    assert response.status_code == 200
    page = text(response)
    assert "Ron Assisted" in page and not Ballot.objects.exists()
    assert re.search(rf'value="{ideas[1].pk}"[^>]*checked', page)


def test_a_member_cannot_enter_a_ballot_for_someone_else(world, client_for, voting):
    round_, ideas = voting
    response = client_for(world.member).post(
        url("space-ballot-for", round_),
        {"voter": str(world.assisted.pk), "ideas": [str(ideas[0].pk)]},
    )
    assert response.status_code == 403 and not Ballot.objects.exists()


def test_the_not_online_list_links_to_a_ballot_with_the_member_chosen(world, client_for, voting):
    round_, _ = voting
    client = client_for(world.coordinator)
    address = url("space-ballot-for", round_) + f"?voter={world.assisted.pk}"
    assert address.replace("&", "&amp;") in text(client.get(url("space-round", round_)))
    page = text(client.get(address))
    assert "Ron Assisted" in page
    # Someone the picker may not offer (another hub's member) is not filled in.
    page = text(client.get(url("space-ballot-for", round_) + f"?voter={world.outsider.pk}"))
    assert "Jean Outsider" not in page
