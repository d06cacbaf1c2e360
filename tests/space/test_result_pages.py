"""Your Space's pages after the vote: the public result that explains itself, a voter's
share, overrides, delivery, and the ballots as a pabulib file (out and back in)."""

import datetime
import html
import json
import re
from collections import Counter
from fractions import Fraction

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coproduce.hubs.models import AuditEvent, Membership, Neighbourhood
from coproduce.involve import pabulib
from coproduce.involve.space import explain, services
from coproduce.involve.space.models import Ballot, Idea, Resource, Round
from tests.space.conftest import (
    date_words,
    propose,
    room_round,
    tenant,
    to_vote,
    tuesday_to_come,
)

pytestmark = pytest.mark.django_db


def counted(world, extra_voters=0, first=0):
    """Six tenants in Eastfield approve football (12 h) and the shed (8 h); Sam and three
    more approve the coffee morning (4 h). Equal shares funds the shed and the coffee
    morning; votes alone would fund football and the shed."""
    round_ = room_round(world)
    football = propose(world, round_, "Youth football", 12)
    shed = propose(world, round_, "Men's shed", 8)
    coffee = propose(world, round_, "Coffee morning", 4)
    round_ = to_vote(world, round_, [football, shed, coffee])
    east, _ = Neighbourhood.objects.get_or_create(hub=world.hub, name="Eastfield")
    majority = [tenant(world, first + n) for n in range(6 + extra_voters)]
    Membership.objects.filter(person__in=majority, hub=world.hub).update(neighbourhood=east)
    minority = [world.member, *(tenant(world, first + n) for n in range(100, 103))]
    for person in majority:
        services.ballot_cast(actor=person, round_=round_, ideas=[football, shed])
    for person in minority:
        services.ballot_cast(actor=person, round_=round_, ideas=[coffee])
    round_ = services.round_count(actor=world.coordinator, round_=round_)
    return round_, football, shed, coffee


def url(name, round_, idea=None):
    args = [round_.hub.slug, round_.pk] + ([idea.pk] if idea else [])
    return reverse(name, args=args)


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


# --- the result ---------------------------------------------------------------------------


def test_the_result_is_not_there_before_the_count(world, client, voting):
    round_, _ = voting
    assert client.get(url("space-result", round_)).status_code == 404
    assert client.get(url("space-export", round_)).status_code == 404


def test_anyone_reads_the_result_and_it_explains_itself(world, client):
    round_, football, _shed, _coffee = counted(world)
    page = text(client.get(url("space-result", round_)))
    assert "Shared 20 h a week" in page
    assert "Used by the funded projects 12 h a week" in page
    # The losing project says how many more supporters it needed.
    football.refresh_from_db()
    assert football.needed >= 1
    more = "supporter" if football.needed == 1 else "supporters"
    assert f"Youth football had 6 votes; it needed {football.needed} more {more}" in page
    # Both counts, and the difference named with its reason.
    assert "Equal shares funds Coffee morning, which counting by votes alone would not" in page
    assert "Counting by votes alone would fund Youth football, but equal shares does not" in page
    # Who took part: Eastfield's six; the four others (fewer than five) together.
    assert "Eastfield 6 voters" in page
    assert "Other areas (each with fewer than 5 voters) or none 4 voters" in page
    assert "Every voter has an equal share." in page
    assert "How your share was spent" not in page  # nobody signed in
    assert "Sam Member" not in page and "Tenant" not in page


def test_a_voter_sees_how_their_share_was_spent(world, client):
    round_, *_ = counted(world)
    client.force_login(world.member)
    page = text(client.get(url("space-result", round_)))
    # 20 h among 10 voters: 2 h each; the four coffee voters pay 1 h each.
    assert "How your share was spent" in page
    assert "Your share was 2 h a week" in page
    assert "1 h a week towards Coffee morning" in page
    assert "Left unspent: 1 h a week" in page


def test_a_voter_whose_project_lost_is_told_why(world, client):
    round_, football, *_ = counted(world)
    voter = Ballot.objects.filter(round=round_, ideas=football).first().voter
    client.force_login(voter)
    page = text(client.get(url("space-result", round_)))
    assert "Projects you voted for that were not funded" in page
    assert "Youth football had 6 votes; it needed" in page


@pytest.mark.parametrize("persona", ["staff", "coordinator", "outsider", "other_coordinator"])
def test_members_and_others_without_a_ballot_see_the_result_only(world, client, persona):
    round_, *_ = counted(world)
    client.force_login(getattr(world, persona))
    response = client.get(url("space-result", round_))
    assert response.status_code == 200
    assert "How your share was spent" not in text(response)
    assert ("Change the result" in text(response)) == (persona == "coordinator")


def test_the_result_page_reads_as_many_queries_for_50_voters_as_for_5(world, client):
    small, *_ = counted(world)
    large, *_ = counted(world, extra_voters=45, first=1000)
    assert Round.objects.get(pk=large.pk).result["voters"] == 55
    client.force_login(world.member)

    def queries(round_):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("space-result", round_)).status_code == 200
        return len(captured)

    assert queries(large) == queries(small)


def test_amounts_in_words_round_sensibly(world):
    room = Round(resource=Resource.ROOM, amount=60)
    money = Round(resource=Resource.MONEY, amount=100)
    chest = Round(resource=Resource.CHEST, amount=60)
    assert explain.amount_words(room, "181/2") == "1 h 31 min a week"
    assert explain.amount_words(chest, Fraction(1, 3)) == "less than a minute"
    assert explain.amount_words(money, "100/3") == "£33.33"
    assert explain.amount_words(money, "2001/2") == "£1,000.50"
    assert explain.amount_words(money, 12) == "£12"


# --- override -----------------------------------------------------------------------------


def test_a_coordinator_overrides_only_with_a_reason_and_everyone_sees_it(world, client):
    round_, football, shed, coffee = counted(world)
    client.force_login(world.coordinator)
    form = client.get(url("space-override", round_))
    assert form.status_code == 200
    refused = client.post(url("space-override", round_), {"funded": [football.pk, coffee.pk]})
    assert refused.status_code == 400
    assert "This field is required" in refused.content.decode()
    football.refresh_from_db()
    assert not football.funded
    too_much = client.post(
        url("space-override", round_),
        {"funded": [football.pk, shed.pk, coffee.pk], "reason": "The football club asked us."},
    )
    assert too_much.status_code == 400
    assert "more than the 20 h a week shared" in too_much.content.decode()
    done = client.post(
        url("space-override", round_),
        {"funded": [football.pk, coffee.pk], "reason": "The shed has found another home."},
    )
    assert done.status_code == 302
    client.logout()
    page = text(client.get(url("space-result", round_)))
    assert "A coordinator changed this result" in page
    assert "The shed has found another home." in page
    assert "Grace Coordinator changed which projects are funded" in page
    assert "The count funded Men's shed, but a coordinator's change left it out." in page


def test_members_cannot_override(world, client):
    round_, football, *_ = counted(world)
    client.force_login(world.member)
    response = client.post(
        url("space-override", round_), {"funded": [football.pk], "reason": "Because I say so."}
    )
    assert response.status_code == 403
    assert Round.objects.get(pk=round_.pk).override_reason == ""


# --- delivery -----------------------------------------------------------------------------


def test_a_coordinator_sets_a_funded_project_up_and_books_the_room(world, client):
    round_, football, shed, coffee = counted(world)
    client.force_login(world.member)
    assert client.get(url("space-idea-deliver", round_, shed)).status_code == 403
    client.force_login(world.coordinator)
    assert client.get(url("space-idea-deliver", round_, football)).status_code == 403  # lost
    response = client.post(
        url("space-idea-deliver", round_, shed),
        {"lead": str(world.member.pk), "roles": "host, helper"},
    )
    shed.refresh_from_db()
    assert shed.project is not None and shed.project.lead == world.member
    assert response["Location"] == reverse("project", args=[world.hub.slug, shed.project_id])
    booking = {
        "weekday": "1",
        "starts": "10:00",
        "hours": "2",
        "minutes": "0",
        "first_date": tuesday_to_come().isoformat(),
    }
    assert client.post(url("space-idea-book", round_, coffee), booking).status_code == 302
    # The same time for the shed clashes; more than it won is refused.
    clash = client.post(url("space-idea-book", round_, shed), booking)
    assert clash.status_code == 400
    assert "booked then for Coffee morning" in clash.content.decode()
    over = client.post(
        url("space-idea-book", round_, coffee),
        {
            **booking,
            "weekday": "2",
            "first_date": (tuesday_to_come() + datetime.timedelta(days=1)).isoformat(),
            "hours": "3",
        },
    )
    assert over.status_code == 400
    assert "It won 4 h a week; 2 h a week is booked already." in over.content.decode()
    assert coffee.bookings.count() == 1
    page = text(client.get(url("space-idea-book", round_, coffee)))
    assert f"Tuesdays 10:00 to 12:00 from {date_words(tuesday_to_come())}" in page


def test_progress_is_for_the_people_running_it_and_coordinators(world, client):
    round_, football, _shed, coffee = counted(world)  # Sam (member) proposed them all
    client.force_login(world.staff)
    assert client.get(url("space-idea-progress", round_, coffee)).status_code == 403
    client.force_login(world.member)
    assert client.get(url("space-idea-progress", round_, football)).status_code == 403  # lost
    empty = client.post(url("space-idea-progress", round_, coffee), {"progress": " "})
    assert empty.status_code == 400
    done = client.post(url("space-idea-progress", round_, coffee), {"progress": "Twelve came."})
    assert done.status_code == 302
    coffee.refresh_from_db()
    assert coffee.progress == "Twelve came."


def test_the_delivery_panel_says_what_is_happening(world, rf):
    from django.template.loader import render_to_string

    from coproduce.hubs import access as hub_access
    from coproduce.involve.space import access

    round_, _football, _shed, coffee = counted(world)
    services.idea_deliver(actor=world.coordinator, idea=coffee, lead=world.member, roles=["host"])
    services.idea_progress(actor=world.member, idea=coffee, progress="Twelve came.")
    coffee = Idea.objects.select_related("project__lead", "round__hub").get(pk=coffee.pk)
    membership = hub_access.membership_of(world.coordinator, world.hub)
    html = render_to_string(
        "involve/space/deliver_panel.html",
        {"idea": coffee, "rights": access.idea_rights(membership, coffee), "round": round_},
    )
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "It runs as the project Coffee morning , led by Sam Member." in page
    assert "Twelve came." in page
    assert "Book the community room" in page
    assert "Set it up as a project" not in page  # already is


# --- open data ----------------------------------------------------------------------------


def test_the_export_round_trips_and_counts_the_same(world, client, tmp_path):
    round_, football, shed, coffee = counted(world)
    response = client.get(url("space-export", round_))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    body = response.content.decode()
    assert "Sam Member" not in body and "Tenant" not in body
    parsed = pabulib.read(body)
    assert parsed.meta["currency"] == "minutes" and parsed.meta["country"] == "United Kingdom"
    assert parsed.costs == {str(i.pk): i.cost for i in (football, shed, coffee)}
    stored = Counter(
        frozenset(str(pk) for pk in b.ideas.values_list("pk", flat=True))
        for b in Ballot.objects.filter(round=round_)
    )
    assert Counter(ballot for _, ballot, _ in parsed.votes) == stored
    # Voter ids are a sequence, not people; areas with fewer than five are not named.
    assert sorted(int(v) for v, _, _ in parsed.votes) == list(range(1, 11))
    assert {extra["neighborhood"] for _, _, extra in parsed.votes} == {"Eastfield", ""}
    pb, out = tmp_path / "round.pb", tmp_path / "out.json"
    pb.write_text(body, encoding="utf-8")
    call_command("allocation", "run", str(pb), "--rule", "equal-shares", "--json", str(out))
    funded = {str(i.pk) for i in Idea.objects.filter(round=round_, funded_by_count=True)}
    assert set(json.loads(out.read_text())["selected"]) == funded


GOOD = """META
key;value
description;Golden
budget;100
vote_type;approval
PROJECTS
project_id;cost;name
A1;40;Garden
A2;40;Mural
A3;20;Benches
B1;30;Library
B2;20;Lights
VOTES
voter_id;vote
1;A1,A2,A3
2;A1,A2,A3
3;A1,A2,A3
4;A1,A2,A3
5;A1,A2,A3
6;A1,A3
7;B1,B2
8;B1,B2
9;B1,B2
10;B1
"""


def _upload(client, world, content: bytes, key="k1"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.coordinator)
    return client.post(
        reverse("space-import", args=[world.hub.slug]),
        {
            "file": SimpleUploadedFile("golden.pb", content, "text/plain"),
            "title": "Golden",
            "resource": "money",
            "key": key,
        },
    )


def test_a_good_file_becomes_a_counted_round_once(world, client):
    response = _upload(client, world, GOOD.encode())
    assert response.status_code == 302
    round_ = Round.objects.get(title="Golden")
    assert response["Location"] == url("space-result", round_)
    funded = set(round_.ideas.filter(funded=True).values_list("title", flat=True))
    greedy = set(round_.ideas.filter(funded_by_greedy=True).values_list("title", flat=True))
    assert funded == {"Garden", "Benches", "Library"}
    assert greedy == {"Garden", "Mural", "Benches"}
    assert round_.ballots.count() == 10
    assert not round_.ballots.filter(voter__isnull=False).exists()
    imported = set(round_.ballots.values_list("imported_id", flat=True))
    assert imported == {str(n) for n in range(1, 11)}
    events = AuditEvent.objects.filter(hub=world.hub, actor=world.coordinator)
    assert events.filter(event="space_round.created").count() == 1
    assert events.filter(event="space_round.counted").count() == 1
    again = _upload(client, world, GOOD.encode())
    assert again.status_code == 302 and Round.objects.filter(title="Golden").count() == 1
    assert events.filter(event="space_round.counted").count() == 1
    page = text(client.get(url("space-result", round_)))
    assert "Equal shares funds Library, which counting by votes alone would not" in page


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (GOOD.replace("10;B1", "10;C9"), "line 24: voter 10 approves unknown project C9"),
        (GOOD.replace("A2;40;Mural", "A2;forty;Mural"), "line 9: the cost"),
        (GOOD.replace("A1;40;Garden", "A1;400;Garden"), "costs more than the whole budget"),
        (b"\xff\xfe not text", "must be text"),
        ("Hello", "line 1: expected the META heading"),
    ],
)
def test_a_malformed_file_says_which_line_and_saves_nothing(world, client, content, says):
    response = _upload(client, world, content if isinstance(content, bytes) else content.encode())
    assert response.status_code == 400
    assert says in response.content.decode()
    assert not Round.objects.exists() and not Idea.objects.exists()


def test_a_file_too_large_is_refused(world, client, monkeypatch):
    from coproduce.involve.space import result_forms

    monkeypatch.setattr(result_forms, "MAX_UPLOAD", 100)
    response = _upload(client, world, GOOD.encode())
    assert response.status_code == 400
    assert "files up to 5 MB can be read" in response.content.decode()
    assert not Round.objects.exists()


def test_only_coordinators_import(world, client):
    client.force_login(world.member)
    assert client.get(reverse("space-import", args=[world.hub.slug])).status_code == 403
    client.force_login(world.outsider)
    assert client.get(reverse("space-import", args=[world.hub.slug])).status_code == 404


def test_a_tie_and_the_weighting_are_said_in_words(world, client):
    from coproduce.hubs import services as hubs

    hubs.neighbourhood_create(
        actor=world.coordinator, hub=world.hub, name="Low Street", deprivation_decile=1
    )
    round_ = room_round(
        world,
        weighting="deprivation",
        extra_share_percent=100,
        weighting_reason="The estate's poorest streets rarely get a say.",
    )
    left = propose(world, round_, "Art club", 12)
    right = propose(world, round_, "Chess club", 12)
    round_ = to_vote(world, round_, [left, right])
    # Two each, and one for both: the same votes, the same cost, the same payment.
    for n, ideas in enumerate([[left], [left], [right], [right], [left, right]]):
        services.ballot_cast(actor=tenant(world, n), round_=round_, ideas=ideas)
    round_ = services.round_count(actor=world.coordinator, round_=round_)
    [tie] = round_.result["equal_shares"]["ties"]
    assert tie["decided_by"] == "draw"
    winner = Idea.objects.get(pk=int(tie["chosen"]))
    loser = right if winner == left else left
    page = text(client.get(url("space-result", round_)))
    assert (
        f"“{winner.title}” and “{loser.title}” had as much support for each hour they "
        f"cost, so they tied; “{winner.title}” went first by a draw" in page
    )
    assert "deprivation deciles 1 to 2) have a share twice as large as others" in page
    assert "The estate's poorest streets rarely get a say." in page
