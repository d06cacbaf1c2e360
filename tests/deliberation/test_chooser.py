"""The next statement: always one the person has not voted on, and new or divisive ones
more often than settled ones."""

import random

from hypothesis import given
from hypothesis import strategies as st

from coproduce.deliberation import services
from coproduce.deliberation.chooser import Candidate, choose, weight

candidates = st.lists(
    st.builds(
        Candidate,
        statement=st.integers(1, 10_000),
        votes=st.integers(0, 500),
        agree=st.integers(0, 250),
        disagree=st.integers(0, 250),
        is_divide=st.booleans(),
    ),
    max_size=30,
)


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
