"""The report reads every figure from the stored analysis: "we are 90% sure that at least
N% of each group agrees" is the engine's own common-ground score (stored as `surely`),
so opening the report never loads the engine or SciPy."""

import math
import os
import subprocess
import sys

import pytest
from django.db import connection

from coproduce.deliberation import engine, evidence, selectors, services
from coproduce.deliberation.models import AnalysisResult, Participant
from coproduce.deliberation.services.analysis import RESULT_FORMAT, analysis_as_json
from coproduce.hubs.models import Role
from coproduce.hubs.services import membership_add, person_register

SEEDS = [
    "Repairs should get a date within a week.",
    "The bins should be emptied twice a week.",
    "Cars should be kept out of the courtyards.",
]


def hand_made(world, people=10):
    """Ten people (staff and members in turn) vote on nine statements: all ten agree
    with the first; nine of ten with the second; the third splits staff from members;
    the six others are mixed."""
    conversation = services.conversation_create(
        actor=world.coordinator, hub=world.hub, question="What would help?", seeds=SEEDS
    )
    author = services.participant_for(world.coordinator, conversation)
    for n in range(6):
        services.statement_add(participant=author, text=f"Extra statement number {n}")
    statements = list(conversation.statements.order_by("id"))
    for index in range(people):
        is_staff = index % 2 == 0
        person = person_register(
            email=f"voter{index}@example.org", display_name=f"Voter {index}", password=None
        )
        role = Role.STAFF if is_staff else Role.MEMBER
        membership_add(actor=world.admin, hub=world.hub, person=person, role=role)
        participant = services.participant_for(person, conversation)
        for statement in statements:
            if statement.text == SEEDS[0]:
                value = 1
            elif statement.text == SEEDS[1]:
                value = -1 if index == 3 else 1
            elif statement.text == SEEDS[2]:
                value = 1 if is_staff else -1
            else:
                value = 1 if (index + int(statement.text[-1])) % 2 else -1
            services.vote_cast(participant=participant, statement=statement, value=value)
    services.analysis_refresh(conversation)
    return conversation


def engine_analysis(conversation):
    votes = engine.Votes.from_log(services.vote_log(conversation))
    sides = {
        p.pk: ("staff" if p.role in ("staff", "coordinator") else "users")
        for p in Participant.objects.filter(conversation=conversation)
    }
    return engine.analyse(votes, roles=sides)


def test_each_common_ground_figure_is_the_engines_score(world, client_for):
    conversation = hand_made(world)
    analysis = engine_analysis(conversation)
    assert analysis.consensus, "the hand-made votes have common ground"
    stored = AnalysisResult.objects.get(conversation=conversation).result
    assert stored["format"] == RESULT_FORMAT
    report = selectors.report(conversation)
    assert [row.statement.pk for row in report["consensus"]] == analysis.consensus
    body = client_for(world.member).get(
        f"/hubs/{world.hub.slug}/conversations/{conversation.pk}/report/"
    )
    body = body.content.decode()
    for row in report["consensus"]:
        score = analysis.surely[row.statement.pk]
        assert row.surely == math.floor(100 * score)
        assert f"We are 90% sure that at least {row.surely}% of each group agrees." in body
    # By hand: all ten agree with the first seed, so each group's bound is the 10% point
    # of Beta(agrees + 1, 1), which is 0.1 ** (1 / (agrees + 1)); the least is the
    # smallest group's.
    first = next(row for row in report["consensus"] if row.statement.text == SEEDS[0])
    smallest = min(len(group.members) for group in analysis.groups)
    assert first.surely == math.floor(100 * 0.1 ** (1 / (smallest + 1)))
    # The same figure across roles: five staff, five members, all agreeing.
    assert stored["role_surely"][str(first.statement.pk)] == math.floor(100 * 0.1 ** (1 / 6))


def test_the_stored_scores_are_those_common_ground_is_ranked_by():
    log = [(p, s, 1 if (s < 2 or (p + s) % 3) else -1) for p in range(30) for s in range(9)]
    analysis = engine.analyse(engine.Votes.from_log(log))
    result = analysis_as_json(analysis)
    assert list(result["surely"]) == result["consensus"]
    figures = [result["surely"][s] for s in result["consensus"]]
    assert figures == sorted(figures, reverse=True)
    for statement in result["consensus"]:
        agrees, voted = zip(*result["tallies"][statement], strict=True)
        score = evidence.common_ground_scores([agrees], [voted])[0]
        assert result["surely"][statement] == math.floor(100 * score)


def test_a_result_from_before_the_upgrade_is_shown_until_it_is_worked_out_again(world, client_for):
    """Format 3 lacks only the figures: its report keeps its groups and common ground
    (without "We are 90% sure...") instead of going blank until the next vote."""
    conversation = hand_made(world)
    stored = AnalysisResult.objects.get(conversation=conversation)
    stored.result = {**stored.result, "format": 3}
    del stored.result["surely"]
    stored.save()
    report = f"/hubs/{world.hub.slug}/conversations/{conversation.pk}/report/"
    body = client_for(world.member).get(report).content.decode()
    assert "The groups are being worked out again" not in body
    assert "Common ground" in body and "Group A" in body
    assert "We are 90% sure" not in body
    assert services.analysis_refresh(conversation).result["surely"]
    body = client_for(world.member).get(report).content.decode()
    assert "We are 90% sure" in body


OPEN_THE_REPORT = """
import sys
import django

django.setup()
from django.test import Client
from coproduce.hubs.models import Person

client = Client()
client.force_login(Person.objects.get(pk={person}))
page = client.get("{url}")
assert page.status_code == 200, page.status_code
assert "We are 90% sure that at least" in page.content.decode()
for url in ("{url}print/", "{url}".rstrip("/") + ".csv", "{url}".rstrip("/") + ".json"):
    assert client.get(url).status_code == 200, url
print(sorted(name for name in sys.modules if name.split(".")[0] == "scipy"))
"""


@pytest.mark.django_db(transaction=True)
def test_opening_the_report_does_not_load_scipy(world, tmp_path):
    conversation = hand_made(world)
    url = f"/hubs/{world.hub.slug}/conversations/{conversation.pk}/report/"
    database = connection.settings_dict["NAME"]
    if connection.vendor != "sqlite":
        pytest.skip("the fresh interpreter opens the test database's file")
    script = OPEN_THE_REPORT.format(person=world.member.pk, url=url)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "coproduce.settings",
        "DEBUG": "1",
        "ALLOWED_HOSTS": "testserver",
        "COPRODUCE_HOME": str(tmp_path),
    }
    done = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
