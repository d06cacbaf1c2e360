"""The report speaks of staff and service users only when both took part. A conversation
imported from Polis has no roles (everyone is anonymous): its report, print view, CSV and
JSON say nothing about roles. The demo's conversation, with tenants and staff, keeps
its comparison across roles."""

import csv
import html
import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from coproduce.deliberation import selectors, services
from coproduce.demo import deliberation as story
from coproduce.demo.clock import story_time
from tests.deliberation.test_report_figures import hand_made

DATA = Path(__file__).resolve().parent.parent / "data" / "polis"
ROLE_WORDS = re.compile(r"\b(staff|service users?|residents?|roles?|anonymous)\b", re.IGNORECASE)


def pages(client, conversation):
    base = f"/hubs/{conversation.hub.slug}/conversations/{conversation.pk}/"
    report = client.get(base + "report/")
    printed = client.get(base + "report/print/")
    assert report.status_code == printed.status_code == 200
    table = b"".join(client.get(base + "report.csv").streaming_content).decode()
    data = json.loads(client.get(base + "report.json").content)
    return report.content.decode(), printed.content.decode(), table, data


def words_of(body: str, conversation) -> str:
    """What a reader of the page's main part reads, without what people wrote."""
    main = body[body.index("<main") : body.index("</main>")]
    text = html.unescape(re.sub(r"<[^>]+>", " ", main))
    for written in [conversation.question, *conversation.statements.values_list("text", flat=True)]:
        text = text.replace(written, " ")
    return " ".join(text.split())


@pytest.fixture
def imported(world, capsys):
    call_command("opinion", "import", str(DATA / "15-per-hour-seattle"), "--hub", "millbrook")
    conversation = world.hub.conversations.get()
    services.analysis_refresh(conversation)
    return conversation


def test_an_imported_conversation_says_nothing_about_roles(world, imported, client_for):
    report = selectors.report(imported)
    assert report["ready"] and report["groups"], "the import is analysed into groups"
    assert not report["has_roles"]
    body, printed, table, data = pages(client_for(world.member), imported)
    for page in (body, printed):
        said = words_of(page, imported)
        assert "Common ground across all groups" in said  # the report is there
        assert "Opinion groups" in said and "Every statement" in said
        assert ROLE_WORDS.findall(said) == [], ROLE_WORDS.findall(said)[:5]
    header = next(csv.reader(io.StringIO(table)))
    assert "common ground" in header and "divide" in header
    assert [column for column in header if ROLE_WORDS.search(column)] == []
    rows = list(csv.reader(io.StringIO(table)))
    assert {len(row) for row in rows} == {len(header)}
    statement = next(iter(data["statements"].values()))
    assert "agree_share_by_role" not in statement
    assert "by_role" not in data["participation"] and data["participation"]["by_area"]
    analysis = data["analysis"]
    assert analysis["groups"] and analysis["consensus"] is not None
    for key in ("role_consensus", "role_divides", "role_surely", "staff"):
        assert key not in analysis
    assert all("staff" not in g and "users" not in g for g in analysis["groups"])


def test_the_demo_conversation_compares_staff_and_tenants(world, client_for):
    with story_time(timezone.localdate()) as clock:
        conversation = story.load(world.other_hub, world.other_coordinator, clock=clock)
    services.analysis_refresh(conversation)
    assert selectors.report(conversation)["has_roles"]
    body, printed, table, data = pages(client_for(world.outsider), conversation)
    for page in (body, printed):
        said = words_of(page, conversation)
        assert "Staff and service users" in said
        assert "Where staff and service users agree" in said
        assert "Circles are service users and residents; squares are staff." in said
        assert "By role" in said
    header = next(csv.reader(io.StringIO(table)))
    assert "common ground across roles" in header
    assert "Staff agree share" in header
    assert "Service users and residents agree share" in header
    statement = next(iter(data["statements"].values()))
    assert set(statement["agree_share_by_role"]) == {"staff", "users"}
    assert data["participation"]["by_role"]
    assert "role_consensus" in data["analysis"] and "staff" in data["analysis"]["groups"][0]


def test_with_one_side_only_there_is_no_comparison_of_roles(world, client_for):
    conversation = hand_made(world)
    # Staff took part; now only the members' votes are kept.
    from coproduce.deliberation.models import Participant

    for participant in Participant.objects.filter(conversation=conversation, role="staff"):
        participant.votes.all().delete()
    Participant.objects.filter(conversation=conversation, role="coordinator").update(role="user")
    assert not selectors.report(conversation)["has_roles"]
    body, *_ = pages(client_for(world.member), conversation)
    assert ROLE_WORDS.findall(words_of(body, conversation)) == []
