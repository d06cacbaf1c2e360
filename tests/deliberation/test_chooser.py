"""The next statement: always one the person has not voted on, and new, divisive or
uncertain ones more often than settled ones."""

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coproduce.deliberation import chooser, services
from coproduce.deliberation.chooser import Candidate, choose, uncertainty, weight
from coproduce.deliberation.models import AnalysisResult

unit = st.floats(0, 1, allow_nan=False)


@st.composite
def predictions(draw):
    """(share, low, high) with low <= share <= high, all in 0..1."""
    low, share, high = sorted(draw(st.tuples(unit, unit, unit)))
    return (share, low, high)


candidates = st.lists(
    st.builds(
        Candidate,
        statement=st.integers(1, 10_000),
        votes=st.integers(0, 500),
        agree=st.integers(0, 250),
        disagree=st.integers(0, 250),
        is_divide=st.booleans(),
        predicted=st.none() | predictions(),
    ),
    max_size=30,
)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(candidates, st.integers(0, 2**32))
def test_the_choice_is_always_one_of_the_candidates(options, seed):
    chosen = choose(options, random.Random(seed))
    if options:
        assert chosen in {c.statement for c in options}
        assert all(weight(c) > 0 for c in options)
    else:
        assert chosen is None


def test_new_and_divisive_statements_are_shown_more_often_than_settled_ones():
    settled = Candidate(1, votes=60, agree=58, disagree=2)
    new = Candidate(2, votes=0, agree=0, disagree=0)
    divisive = Candidate(3, votes=60, agree=30, disagree=30, is_divide=True)
    rng = random.Random(5)
    shown = [choose([settled, new, divisive], rng) for _ in range(3000)]
    assert shown.count(2) > 4 * shown.count(1)
    assert shown.count(3) > 4 * shown.count(1)
    assert shown.count(1) > 0  # never starved


def test_next_statement_skips_what_was_voted_on_and_what_is_hidden(world):
    conversation = services.conversation_create(
        actor=world.coordinator, hub=world.hub, question="Q?", seeds=["One", "Two", "Three"]
    )
    one, two, three = conversation.statements.all()
    participant = services.participant_for(world.member, conversation)
    services.vote_cast(participant=participant, statement=one, value=1)
    three.status = "hidden"
    three.save()
    for _ in range(20):
        assert services.next_statement(participant) == two
    services.vote_cast(participant=participant, statement=two, value=0)
    assert services.next_statement(participant) is None


@given(predictions(), unit, unit)
def test_a_wider_range_never_lowers_the_weight(predicted, wider_low, wider_high):
    share, low, high = predicted
    wider = (share, low * wider_low, high + (1 - high) * wider_high)  # contains the first
    known = Candidate(1, votes=12, agree=8, disagree=4, predicted=(share, share, share))
    narrow = Candidate(1, 12, 8, 4, predicted=predicted)
    wide = Candidate(1, 12, 8, 4, predicted=wider)
    unknown = Candidate(1, 12, 8, 4, predicted=None)  # not predicted yet: as wide as can be
    assert weight(unknown) >= weight(wide) >= weight(narrow) >= weight(known) > 0
    assert uncertainty(wider) >= uncertainty(predicted) >= 1


@given(unit, unit, st.floats(0, 0.5, allow_nan=False))
def test_a_share_nearer_one_half_weighs_at_least_as_much_for_the_same_width(a, b, half):
    nearer, further = sorted((a, b), key=lambda share: abs(share - 0.5))
    assert uncertainty((nearer, 0.0, half)) >= uncertainty((further, 0.0, half))


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(candidates)
def test_no_statement_is_starved(options):
    for option in options:
        assert weight(option) > 0
        assert uncertainty(option.predicted) <= 1 + chooser.UNCERTAINTY_BONUS


def test_an_uncertain_outcome_is_asked_about_more_often_than_a_known_one():
    known = Candidate(1, votes=40, agree=30, disagree=10, predicted=(0.75, 0.73, 0.77))
    uncertain = Candidate(2, votes=40, agree=30, disagree=10, predicted=(0.5, 0.2, 0.8))
    rng = random.Random(7)
    shown = [choose([known, uncertain], rng) for _ in range(3000)]
    assert shown.count(2) > 1.5 * shown.count(1) > 0


def test_the_voting_card_reads_each_statements_prediction_from_the_last_analysis(
    world, monkeypatch
):
    conversation = services.conversation_create(
        actor=world.coordinator, hub=world.hub, question="Q?", seeds=["One", "Two", "Three"]
    )
    one, two, three = conversation.statements.order_by("id")
    AnalysisResult.objects.create(
        conversation=conversation,
        result={},
        divides=[str(two.pk)],
        predicted={str(one.pk): [0.5, 0.25, 0.75], str(two.pk): [0.9, 0.85, 0.95]},
    )
    seen = []
    monkeypatch.setattr(
        chooser, "choose", lambda options, rng=None: seen.extend(options) or options[0].statement
    )
    participant = services.participant_for(world.member, conversation)
    services.voting_card(participant)
    by_id = {c.statement: c for c in seen}
    assert by_id[one.pk].predicted == (0.5, 0.25, 0.75)
    assert by_id[two.pk].predicted == (0.9, 0.85, 0.95) and by_id[two.pk].is_divide
    assert by_id[three.pk].predicted is None and not by_id[three.pk].is_divide


def test_an_older_analysis_without_predictions_still_gives_a_card(world):
    conversation = services.conversation_create(
        actor=world.coordinator, hub=world.hub, question="Q?", seeds=["One", "Two"]
    )
    AnalysisResult.objects.create(conversation=conversation, result={}, divides=["1", "2"])
    participant = services.participant_for(world.member, conversation)
    assert services.voting_card(participant).statement in conversation.statements.all()
