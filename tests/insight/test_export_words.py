"""The readable files of a person's download say things in words: each health check
statement with its answer, equality answers as chosen, and sentences about "you" in good
grammar."""

import pytest

from coproduce.insight import exports
from coproduce.insight.export_audit import worded_for_you
from coproduce.insight.export_sections import BY_KEY
from coproduce.insight.models import EqualityAnswers, HealthCheckResponse

from .health_fixtures import all_answers, open_check


@pytest.mark.parametrize(
    ("said", "actor_is_you", "worded"),
    [
        (
            "you was added to the hub as a member (by another member).",
            False,
            "You were added to the hub as a member (by another member).",
        ),
        ("you changed their postcode area", True, "You changed your postcode area"),
        (
            "another member changed their postcode area",
            False,
            "another member changed their postcode area",
        ),
        (
            "another member confirmed an exchange with you",
            False,
            "another member confirmed an exchange with you",
        ),
        ("you has left the hub", True, "You have left the hub"),
        ("", True, ""),
    ],
)
def test_sentences_about_you_read_well(said, actor_is_you, worded):
    assert worded_for_you(said, actor_is_you=actor_is_you) == worded


@pytest.mark.django_db
def test_equality_and_health_answers_are_in_words(world):
    EqualityAnswers.objects.create(
        person=world.member, age_band="65-74", ethnicity="white_british", carer="yes"
    )
    answers = all_answers(4)
    answers["assets"] = 0
    HealthCheckResponse.objects.create(
        health_check=open_check(world), person=world.member, side="users", answers=answers
    )
    who = exports.Who(world.member)
    equality = next(iter(BY_KEY["equality"].rows(world.member, who)))
    assert equality[:4] == [
        "65 to 74",
        "",
        "English, Welsh, Scottish, Northern Irish or British",
        "Yes",
    ]
    health = next(iter(BY_KEY["health_check_answers"].rows(world.member, who)))
    said = health[3]
    assert "assets" not in said and "catalysts" not in said
    assert "The service starts from what people can already do" in said
    assert "Your answer: Don't know." in said and "Your answer: Agree." in said
    assert len(said.splitlines()) == len(answers)
