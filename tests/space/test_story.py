"""The story of a round through the services: ideas, checks, votes, the count."""

from fractions import Fraction

import pytest
from django.core.exceptions import PermissionDenied

from coproduce.errors import ApplicationError
from coproduce.hubs.models import AuditEvent
from coproduce.involve.space import services
from coproduce.involve.space.models import Ballot, Idea, Phase
from tests.space.conftest import HOUR, propose, room_round, tenant, to_vote


def test_equal_shares_funds_what_a_minority_wants_where_greedy_would_not(world):
    round_ = room_round(world)
    football = propose(world, round_, "Youth football", 12)
    shed = propose(world, round_, "Men's shed", 8)
    coffee = propose(world, round_, "Coffee morning", 4)
    round_ = to_vote(world, round_, [football, shed, coffee])
    majority = [tenant(world, n) for n in range(6)]
    minority = [tenant(world, n) for n in range(6, 10)]
    for person in majority:
        services.ballot_cast(actor=person, round_=round_, ideas=[football, shed])
    for person in minority:
        services.ballot_cast(actor=person, round_=round_, ideas=[coffee])
    round_ = services.round_count(actor=world.coordinator, round_=round_)
    assert round_.phase == Phase.RESULT
    funded = set(Idea.objects.filter(round=round_, funded=True).values_list("title", flat=True))
    greedy = set(
        Idea.objects.filter(round=round_, funded_by_greedy=True).values_list("title", flat=True)
    )
    # The six share 12 hours: the shed (cheaper, with as many votes) fits, football does
    # not; the four's 8 hours buy the coffee morning, which greedy counting leaves out.
    assert funded == {"Men's shed", "Coffee morning"}
    assert greedy == {"Youth football", "Men's shed"}
    # Each of the four pays a quarter of the coffee morning, out of a share of 2 hours.
    ballot = Ballot.objects.get(round=round_, voter=minority[0])
    assert Fraction(ballot.spent["share"]) == Fraction(20 * HOUR, 10)
    assert ballot.spent["paid"] == [[coffee.pk, str(Fraction(4 * HOUR, 4))]]
    football.refresh_from_db()
    # Counted again, not estimated: that many more supporters fund football, one fewer not.
    from coproduce.involve import allocation
    from coproduce.involve.space.services.counting import election_of

    election, _ = election_of(round_)
    assert round_.result["needed_counted"] is True

    def funded_with(extra: int) -> bool:
        more = [*election.ballots, *([frozenset({str(football.pk)})] * extra)]
        bigger = allocation.Election(election.budget, election.costs, more, seed=election.seed)
        return str(football.pk) in allocation.equal_shares(bigger).selected

    assert funded_with(football.needed) and not funded_with(football.needed - 1)
    assert AuditEvent.objects.filter(event="space_round.counted").count() == 1


def test_a_ballot_outside_the_rule_or_after_the_close_is_refused_and_nothing_saved(world):
    round_ = room_round(world, max_projects=1)
    a, b = propose(world, round_, "A", 2), propose(world, round_, "B", 2)
    round_ = to_vote(world, round_, [a, b])
    with pytest.raises(ApplicationError, match="at most 1"):
        services.ballot_cast(actor=world.member, round_=round_, ideas=[a, b])
    assert not Ballot.objects.exists()
    services.ballot_cast(actor=world.member, round_=round_, ideas=[a])
    services.round_count(actor=world.coordinator, round_=round_)
    with pytest.raises(ApplicationError, match="closed"):
        services.ballot_cast(actor=world.member, round_=round_, ideas=[b])
    assert list(Ballot.objects.get().ideas.all()) == [a]


def test_an_idea_costing_more_than_the_whole_round_is_refused(world):
    round_ = room_round(world)
    with pytest.raises(ApplicationError) as refused:
        propose(world, round_, "Every evening", 21)
    assert refused.value.field == "cost"
    assert not Idea.objects.exists()


def test_a_coordinator_votes_for_someone_not_online_and_the_log_says_so(world):
    round_ = room_round(world)
    idea = propose(world, round_, "Coffee morning", 2, by=world.assisted)
    round_ = to_vote(world, round_, [idea])
    services.ballot_cast(actor=world.coordinator, round_=round_, ideas=[idea], voter=world.assisted)
    event = AuditEvent.objects.get(event="space_ballot.recorded")
    assert event.on_behalf_of == world.assisted
    with pytest.raises(PermissionDenied):
        services.ballot_cast(actor=world.member, round_=round_, ideas=[idea], voter=world.assisted)


def test_a_coordinator_never_replaces_a_ballot_a_member_cast_themself(world):
    round_ = room_round(world)
    a, b = propose(world, round_, "A", 2), propose(world, round_, "B", 2)
    round_ = to_vote(world, round_, [a, b])
    with pytest.raises(ApplicationError, match="votes online themself"):
        services.ballot_cast(actor=world.coordinator, round_=round_, ideas=[a], voter=world.member)
    services.ballot_cast(actor=world.member, round_=round_, ideas=[a])
    for paper in (False, True):
        with pytest.raises(ApplicationError, match="their own ballot stands"):
            services.ballot_cast(
                actor=world.coordinator, round_=round_, ideas=[b], voter=world.member, paper=paper
            )
    assert list(Ballot.objects.get(voter=world.member).ideas.all()) == [a]
    # A paper ballot from a member who is online but has not voted here is entered.
    services.ballot_cast(
        actor=world.coordinator, round_=round_, ideas=[b], voter=world.staff, paper=True
    )
    assert Ballot.objects.get(voter=world.staff).paper is True


def test_the_hourly_tick_counts_a_round_whose_vote_has_closed_once(world):
    import datetime

    from django.utils import timezone

    from coproduce.involve.services import sweeps

    round_ = room_round(world)
    idea = propose(world, round_, "Coffee morning", 2)
    round_ = to_vote(world, round_, [idea])
    services.round_change(
        actor=world.coordinator,
        round_=round_,
        changes={"vote_closes_at": timezone.now() + datetime.timedelta(hours=1)},
    )
    services.ballot_cast(actor=world.member, round_=round_, ideas=[idea])
    assert sweeps.tick()["counted"] == 0
    later = timezone.now() + datetime.timedelta(hours=2)
    assert sweeps.tick(later)["counted"] == 1
    assert sweeps.tick(later)["counted"] == 0
    round_.refresh_from_db()
    assert round_.phase == Phase.RESULT
    event = AuditEvent.objects.get(event="space_round.counted")
    assert event.actor is None


def test_an_override_never_strands_a_project_set_up_to_run_and_tells_proposers(world):
    from coproduce.notify.models import Notification

    round_ = room_round(world)
    coffee = propose(world, round_, "Coffee morning", 2)
    shed = propose(world, round_, "Men's shed", 4)
    round_ = to_vote(world, round_, [coffee, shed])
    services.ballot_cast(actor=world.staff, round_=round_, ideas=[coffee])
    round_ = services.round_count(actor=world.coordinator, round_=round_)
    coffee.refresh_from_db()
    services.idea_deliver(actor=world.coordinator, idea=coffee, lead=world.member, roles=["host"])
    with pytest.raises(ApplicationError, match="already set up to run"):
        services.round_override(
            actor=world.coordinator, round_=round_, funded=[shed], reason="The shed matters more."
        )
    coffee.refresh_from_db()
    assert coffee.funded is True
    before = Notification.objects.filter(recipient=world.member).count()
    services.round_override(
        actor=world.coordinator,
        round_=round_,
        funded=[coffee, shed],
        reason="A grant covers the shed too.",
    )
    told = Notification.objects.filter(recipient=world.member).order_by("-pk").first()
    assert Notification.objects.filter(recipient=world.member).count() == before + 1
    assert "Men's shed: now funded" in told.subject


def test_an_imported_file_in_minutes_is_not_counted_as_pounds(world):
    from coproduce.involve.space.models import Round
    from coproduce.involve.space.services.imports import round_import

    text = (
        "META\nkey;value\nbudget;600\ncurrency;minutes\nvote_type;approval\n"
        "PROJECTS\nproject_id;cost;name\n1;120;Coffee\nVOTES\nvoter_id;vote\n1;1\n"
    )
    with pytest.raises(ApplicationError) as refused:
        round_import(actor=world.coordinator, hub=world.hub, text=text, title="T", resource="money")
    assert refused.value.field == "resource"
    assert not Round.objects.exists()
    round_ = round_import(
        actor=world.coordinator, hub=world.hub, text=text, title="T", resource="room"
    )
    assert round_.amount_words == "10 h a week"
    assert round_.description.startswith("Imported from a pabulib file")
