"""The health check's scoring: pure, so tested with generated answers."""

import datetime
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coproduce.insight import healthcheck as h

answer_values = st.sampled_from(sorted(h.VALUES))
one_response = st.fixed_dictionaries({key: answer_values for key in h.QUESTION_KEYS})
responses = st.lists(st.tuples(st.sampled_from(h.SIDES), one_response), max_size=16)
# Generating many answers is slow on a busy machine; the checks are what matter.
generous = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@generous
@given(responses)
def test_a_side_under_five_shows_nothing(rows):
    result = h.score(rows)
    for side in h.SIDES:
        people = sum(1 for s, _ in rows if s == side)
        shown = people >= h.SMALL_GROUP
        assert result["sides"][side] == {"people": people if shown else None, "shown": shown}
        for row in result["questions"] + result["themes"]:
            if not shown:
                assert row[side] == {"answers": None, "dont_know": None, "mean": None}
                assert row["gap"] is None and not row["large"]


@generous
@given(responses)
def test_means_are_of_scored_answers_only(rows):
    result = h.score(rows)
    for row in result["questions"]:
        for side in h.SIDES:
            values = [a[row["key"]] for s, a in rows if s == side]
            scored = [v for v in values if v != h.DONT_KNOW]
            if row[side]["mean"] is None:
                continue
            assert len(scored) >= h.SMALL_GROUP
            assert row[side]["mean"] == round(sum(scored) / len(scored), 2)
            assert 1 <= row[side]["mean"] <= 5
            assert row[side]["dont_know"] == len(values) - len(scored)


@generous
@given(responses)
def test_gaps_are_staff_minus_users_and_large_from_one_point(rows):
    result = h.score(rows)
    for row in result["themes"]:
        keys = [q.key for q in h.QUESTIONS if q.theme == row["key"]]
        means = {}
        for side in h.SIDES:
            scored = [a[k] for s, a in rows if s == side for k in keys if a[k] != h.DONT_KNOW]
            means[side] = Fraction(sum(scored), len(scored)) if scored else None
        if row["gap"] is None:
            continue
        exact = means["staff"] - means["users"]
        assert row["gap"] == round(float(exact), 2)
        assert row["large"] == (abs(exact) >= 1)
        theme = h.THEME_BY_KEY[row["key"]]
        if row["large"]:
            expected = theme.staff_higher if exact > 0 else theme.users_higher
            assert row["words"] == expected and expected in result["large_gaps"]
        else:
            assert row["words"] == ""


def test_a_voice_gap_is_said_in_words():
    staff = [("staff", dict.fromkeys(h.QUESTION_KEYS, 5)) for _ in range(5)]
    users = [("users", dict.fromkeys(h.QUESTION_KEYS, 5) | {"say": 2, "listened": 3})] * 6
    result = h.score(staff + users)
    voice = next(t for t in result["themes"] if t["key"] == "voice")
    assert voice["gap"] == 2.5 and voice["large"]
    assert result["large_gaps"] == ["Staff think users have more voice than users do."]


def test_a_gap_just_under_a_point_is_not_large():
    staff = [("staff", dict.fromkeys(h.QUESTION_KEYS, 4))] * 5
    # Users' voice: (3 + 4) * 5 / 10 = 3.5, then one 4 more each way -> mean 3.x above 3
    users = [("users", dict.fromkeys(h.QUESTION_KEYS, 4) | {"say": 3, "listened": 4})] * 5
    voice = next(t for t in h.score(staff + users)["themes"] if t["key"] == "voice")
    assert voice["gap"] == 0.5 and not voice["large"]


def test_dont_know_is_not_scored_and_few_scored_hides_the_mean():
    rows = [("users", dict.fromkeys(h.QUESTION_KEYS, 4) | {"say": h.DONT_KNOW})] * 6
    say = next(q for q in h.score(rows)["questions"] if q["key"] == "say")
    assert say["users"] == {"answers": 6, "dont_know": 6, "mean": None}


@generous
@given(st.lists(responses, max_size=4))
def test_the_trend_has_a_row_per_round_in_order(rounds):
    named = [(f"Round {n}", rows) for n, rows in enumerate(rounds)]
    trend = h.trend(named)
    assert [row["title"] for row in trend] == [title for title, _ in named]
    for row, (_, rows) in zip(trend, named, strict=True):
        overall = h.score(rows)["overall"]
        assert (row["staff"], row["users"]) == (overall["staff"], overall["users"])


def test_check_answers_names_the_first_wrong_question():
    good = dict.fromkeys(h.QUESTION_KEYS, 3)
    assert h.check_answers(good) is None
    assert h.check_answers(good | {"say": 6}) == "say"
    assert h.check_answers(good | {"say": True}) == "say"
    assert h.check_answers(good | {"extra": 3}) == "extra"
    missing = dict(good)
    del missing["listened"]
    assert h.check_answers(missing) == "listened"


@given(st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2090, 1, 1)))
def test_the_next_round_is_three_months_on_and_open_four_weeks(last):
    today = last + datetime.timedelta(days=10)
    opens, closes = h.suggest_next(last, today)
    assert opens == h.add_months(last, 3) and closes - opens == datetime.timedelta(weeks=4)
    assert 89 <= (opens - last).days <= 92
    later = last + datetime.timedelta(days=400)
    assert h.suggest_next(last, later)[0] == later
    assert h.suggest_next(None, today)[0] == today
