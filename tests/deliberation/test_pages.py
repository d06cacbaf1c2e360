"""Conversation pages: voting with and without JavaScript, the list, flags, moderation,
paper responses, the report and its exports, and what each person sees. Who may open each
page is in the permission matrix, tests/test_permission_matrix.py."""

import csv
import io
import json

import pytest

from coproduce.deliberation import services
from coproduce.deliberation.models import (
    AnalysisResult,
    Audience,
    Moderator,
    Priority,
    Statement,
    StatementStatus,
    Vote,
)
from coproduce.hubs.models import AuditEvent, Membership, Person, Role
from coproduce.hubs.services import membership_add, person_register
from coproduce.notify.models import Delivery, Kind, Notification

SEEDS = [
    "Repairs should get a date within a week.",
    "The bins should be emptied twice a week.",
    "Cars should be kept out of the courtyards.",
]


@pytest.fixture
def conversation(world):
    return services.conversation_create(
        actor=world.coordinator,
        hub=world.hub,
        question="What would make repairs and the estate better?",
        seeds=SEEDS,
        flag_threshold=2,
        anonymous_link=True,
    )


def url(conversation, name="", **parts):
    base = f"/hubs/{conversation.hub.slug}/conversations/{conversation.pk}/"
    return base + name


def test_a_member_votes_without_javascript_and_gets_the_next_statement(
    world, conversation, client_for
):
    client = client_for(world.member)
    page = client.get(url(conversation))
    assert page.status_code == 200
    shown = page.context["statement"]
    response = client.post(url(conversation, "vote/"), {"statement": shown.pk, "value": "1"})
    assert response.status_code == 302
    assert response.url.endswith("#vote")
    vote = Vote.objects.get()
    assert (vote.statement, vote.value, vote.participant.person) == (shown, 1, world.member)
    following = client.get(url(conversation)).context["statement"]
    assert following is not None and following != shown


def test_with_htmx_the_next_card_comes_back_in_place(world, conversation, client_for):
    client = client_for(world.member)
    first = Statement.objects.filter(conversation=conversation).first()
    response = client.post(
        url(conversation, "vote/"), {"statement": first.pk, "value": "-1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="vote"')
    assert "You have voted on 1 statement." in body
    assert first.text not in body


def test_a_bad_vote_value_is_refused_and_nothing_is_saved(world, conversation, client_for):
    client = client_for(world.member)
    first = Statement.objects.filter(conversation=conversation).first()
    response = client.post(
        url(conversation, "vote/"), {"statement": first.pk, "value": "7"}, HTTP_HX_REQUEST="true"
    )
    assert "Choose agree, disagree or pass." in response.content.decode()
    assert not Vote.objects.exists()


def test_the_list_saves_only_changed_votes(world, conversation, client_for):
    client = client_for(world.member)
    statements = list(Statement.objects.filter(conversation=conversation))
    answers = {f"statement_{statements[0].pk}": "1", f"statement_{statements[1].pk}": "0"}
    response = client.post(url(conversation, "statements/"), answers, follow=True)
    assert "Saved 2 votes." in response.content.decode()
    response = client.post(url(conversation, "statements/"), answers, follow=True)
    assert "Nothing changed." in response.content.decode()
    assert Vote.objects.count() == 2
    page = client.get(url(conversation, "statements/")).content.decode()
    assert f'name="statement_{statements[0].pk}" value="1"' in page
    assert 'value="1" required' not in page and "checked" in page


def test_a_new_statement_is_added_and_a_repeat_is_refused_by_name(world, conversation, client_for):
    client = client_for(world.member)
    response = client.post(url(conversation), {"text": "Stairwell lights should be fixed first."})
    assert response.status_code == 302
    assert Statement.objects.filter(text="Stairwell lights should be fixed first.").exists()
    repeat = client.post(url(conversation), {"text": "stairwell LIGHTS should be fixed first!"})
    assert repeat.status_code == 400
    assert "Someone has already said this" in repeat.content.decode()
    assert Statement.objects.filter(conversation=conversation).count() == 4


def test_the_code_of_conduct_is_open_on_the_first_visit_only(world, conversation, client_for):
    world.hub.code_of_conduct = "Talk about the problem, not the person."
    world.hub.save()
    client = client_for(world.member)
    first = client.get(url(conversation)).content.decode()
    assert "Talk about the problem, not the person." in first
    assert '<details class="panel code-of-conduct" open id="code-of-conduct">' in first
    services.vote_cast(
        participant=services.participant_for(world.member, conversation),
        statement=conversation.statements.first(),
        value=1,
    )
    later = client.get(url(conversation)).content.decode()
    assert '<details class="panel code-of-conduct" id="code-of-conduct">' in later


def test_people_without_an_account_take_part_by_the_link(conversation, client):
    assert client.get(url(conversation)).status_code == 302  # sign in first
    joined = client.get(f"/join/{conversation.link_token}/")
    assert joined.url == url(conversation)
    shown = client.get(url(conversation)).context["statement"]
    client.post(url(conversation, "vote/"), {"statement": shown.pk, "value": "1"})
    assert Vote.objects.get().participant.role == "anonymous"
    assert client.get("/join/not-the-token/").status_code == 404


def test_a_link_visitor_who_signs_in_as_someone_of_another_hub_sees_no_report(
    world, conversation, client
):
    client.get(f"/join/{conversation.link_token}/")
    assert client.get(url(conversation, "report/")).status_code == 200  # by the link
    client.force_login(world.outsider)
    assert client.get(url(conversation, "report/")).status_code == 403
    assert client.get(url(conversation)).status_code == 403


def test_a_new_conversation_says_it_has_no_votes_yet_rather_than_wait(
    world, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        conversation = services.conversation_create(
            actor=world.coordinator, hub=world.hub, question="What next?", seeds=SEEDS
        )
    page = client_for(world.member).get(url(conversation, "report/"))
    assert page.status_code == 200
    assert "being prepared" not in page.text


def test_a_statement_flagged_by_enough_people_goes_to_the_moderators_who_decide(
    world, conversation, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    author = services.participant_for(world.coordinator, conversation)
    statement = services.statement_add(participant=author, text="The caretaker is lazy.")
    for person in (world.staff, world.admin):
        client = client_for(person)
        client.post(url(conversation, f"statements/{statement.pk}/flag/"), {"reason": "Personal"})
    statement.refresh_from_db()
    assert statement.status == StatementStatus.HIDDEN

    client = client_for(world.member)
    assert client.get(f"/hubs/{world.hub.slug}/conversations/moderation/").status_code == 403
    client = client_for(world.coordinator)
    client.post(f"/hubs/{world.hub.slug}/conversations/moderators/", {"person": world.member.pk})
    assert Moderator.objects.filter(hub=world.hub, person=world.member).exists()

    moderator = client_for(world.member)
    queue = moderator.get(f"/hubs/{world.hub.slug}/conversations/moderation/")
    assert "The caretaker is lazy." in queue.content.decode()
    prefix = f"s{statement.pk}"
    missing_reason = moderator.post(
        f"/hubs/{world.hub.slug}/conversations/moderation/",
        {"statement": statement.pk, f"{prefix}-decision": "remove", f"{prefix}-reason": ""},
    )
    assert missing_reason.status_code == 400
    statement.refresh_from_db()
    assert statement.status == StatementStatus.HIDDEN
    with django_capture_on_commit_callbacks(execute=True):
        moderator.post(
            f"/hubs/{world.hub.slug}/conversations/moderation/",
            {
                "statement": statement.pk,
                f"{prefix}-decision": "remove",
                f"{prefix}-reason": "It is about one person, not the service.",
            },
        )
    statement.refresh_from_db()
    assert statement.status == StatementStatus.REMOVED
    event = AuditEvent.objects.get(event="statement.removed")
    assert event.actor == world.member
    assert event.new["reason"] == "It is about one person, not the service."
    # The author is told; news that needs no action waits for their daily summary.
    told = Notification.objects.get(recipient=world.coordinator, kind=Kind.MODERATION)
    assert "It is about one person, not the service." in told.body
    assert told.delivery == Delivery.DAILY
    assert mailoutbox == []


def test_a_kept_statement_is_not_hidden_again_by_more_flags(world, conversation):
    statement = conversation.statements.first()
    for person in (world.staff, world.admin):
        services.statement_flag(
            participant=services.participant_for(person, conversation), statement=statement
        )
    services.statement_moderate(
        actor=world.coordinator, statement=statement, decision="keep", reason="Fair comment."
    )
    hidden = services.statement_flag(
        participant=services.participant_for(world.member, conversation), statement=statement
    )
    assert hidden is False
    statement.refresh_from_db()
    assert statement.status == StatementStatus.VISIBLE


def test_a_coordinator_records_a_paper_response_for_ron(world, conversation, client_for):
    client = client_for(world.coordinator)
    statements = list(Statement.objects.filter(conversation=conversation))
    response = client.post(
        url(conversation, "record/"),
        {
            "person": world.assisted.pk,
            "method": "paper",
            f"statement_{statements[0].pk}": "1",
            f"statement_{statements[2].pk}": "-1",
        },
    )
    assert response.status_code == 302
    votes = Vote.objects.filter(participant__person=world.assisted).order_by("statement")
    assert [(v.statement, v.value, v.recorded_by) for v in votes] == [
        (statements[0], 1, world.coordinator),
        (statements[2], -1, world.coordinator),
    ]
    assert (
        AuditEvent.objects.filter(event="vote.recorded", on_behalf_of=world.assisted).count() == 2
    )


def many_votes(world, conversation, people=8):
    """Votes from several staff and members: everyone agrees on the first seed, the
    third splits staff from members."""
    hub = world.hub
    statements = list(conversation.statements.all())
    for n in range(6):
        services.statement_add(
            participant=services.participant_for(world.coordinator, conversation),
            text=f"Extra statement number {n}",
        )
    statements = list(conversation.statements.all())
    for index in range(people):
        is_staff = index % 2 == 0
        person = person_register(
            email=f"voter{index}@example.org", display_name=f"Voter {index}", password=None
        )
        membership_add(
            actor=world.admin, hub=hub, person=person, role=Role.STAFF if is_staff else Role.MEMBER
        )
        participant = services.participant_for(person, conversation)
        for statement in statements:
            value = 1
            if statement.text == SEEDS[2]:
                value = 1 if is_staff else -1
            elif statement.text.startswith("Extra"):
                value = 1 if (index + int(statement.text[-1])) % 2 else -1
            services.vote_cast(participant=participant, statement=statement, value=value)
    return statements


def test_the_report_shows_common_ground_across_roles_and_exports(world, conversation, client_for):
    # Ten voters: five staff, five service users (common ground needs five on each side).
    many_votes(world, conversation, people=10)
    services.analysis_refresh(conversation)
    client = client_for(world.member)
    page = client.get(url(conversation, "report/"))
    report = page.context
    assert SEEDS[0] in [row.statement.text for row in report["role_consensus"]]
    assert SEEDS[2] in [row.statement.text for row in report["role_divides"]]
    assert SEEDS[2] not in [row.statement.text for row in report["role_consensus"]]
    # Ten voters, and the coordinator: writing the extra statements was agreeing with them.
    assert report["participation"]["total"] == 10 + 1
    body = page.content.decode()
    assert "Where staff and service users agree" in body
    assert '<svg viewBox="0 0 400 300" role="img"' in body

    download = b"".join(client.get(url(conversation, "report.csv")).streaming_content)
    rows = list(csv.DictReader(io.StringIO(download.decode())))
    by_text = {row["statement"]: row for row in rows}
    assert by_text[SEEDS[0]]["agree"] == "10"
    assert by_text[SEEDS[0]]["common ground across roles"] == "yes"
    assert by_text[SEEDS[2]]["Staff agree share"] == "1.000"
    assert by_text[SEEDS[2]]["Service users and residents agree share"] == "0.000"

    data = json.loads(client.get(url(conversation, "report.json")).content)
    assert data["analysis"]["ready"] is True
    assert len(data["statements"]) == len(rows)
    printed = client.get(url(conversation, "report/print/")).content.decode()
    assert "Common ground across all groups" in printed
    assert "Make this a hub priority" not in printed


def test_coordinators_mark_common_ground_as_a_hub_priority(world, conversation, client_for):
    statement = conversation.statements.first()
    path = url(conversation, f"statements/{statement.pk}/priority/")
    client_for(world.coordinator).post(path, {"action": "mark", "note": "For the pledges"})
    priority = Priority.objects.get()
    assert (priority.hub, priority.statement, priority.marked_by) == (
        world.hub,
        statement,
        world.coordinator,
    )
    assert AuditEvent.objects.filter(event="priority.marked").exists()
    client_for(world.coordinator).post(path, {"action": "unmark"})
    assert not Priority.objects.exists()


def test_the_analysis_is_cached_and_only_redone_after_new_votes(world, conversation):
    many_votes(world, conversation, people=6)
    first = services.analysis_refresh(conversation)
    again = services.analysis_refresh(conversation)
    assert again.computed_at == first.computed_at
    services.vote_cast(
        participant=services.participant_for(world.member, conversation),
        statement=conversation.statements.first(),
        value=1,
    )
    later = services.analysis_refresh(conversation)
    assert later.last_vote_id > first.last_vote_id
    assert later.votes == first.votes + 1


def test_a_vote_asks_for_one_refresh_and_later_votes_wait_for_it(
    world, conversation, django_capture_on_commit_callbacks
):
    services.analysis_refresh(conversation)  # the one asked for when it opened
    participant = services.participant_for(world.member, conversation)
    first, second = conversation.statements.order_by("pk")[:2]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.vote_cast(participant=participant, statement=first, value=1)
        services.vote_cast(participant=participant, statement=second, value=-1)
    assert len(callbacks) == 1  # one refresh waiting, however many votes
    conversation.refresh_from_db()
    assert conversation.analysis_wanted_at is not None
    assert conversation.votes_cast == 2
    callbacks[0]()
    result = AnalysisResult.objects.get(conversation=conversation)
    assert (result.votes, result.votes_cast) == (2, 2)
    assert result.result["ready"] is False
    assert "Not enough votes yet" in result.result["message"]
    conversation.refresh_from_db()
    assert conversation.analysis_wanted_at is None
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.vote_cast(participant=participant, statement=first, value=0)
    assert len(callbacks) == 1  # the refresh began, so the next vote asks again
    assert AnalysisResult.objects.get(conversation=conversation).votes_cast == 3


def test_members_do_not_see_staff_conversations(world, client_for):
    staff_only = services.conversation_create(
        actor=world.coordinator,
        hub=world.hub,
        question="How do we make the referral forms shorter?",
        audience=Audience.STAFF,
        seeds=["One page is enough."],
    )
    assert client_for(world.member).get(url(staff_only)).status_code == 403
    listing = client_for(world.member).get(f"/hubs/{world.hub.slug}/conversations/")
    assert staff_only.question not in listing.content.decode()
    assert client_for(world.staff).get(url(staff_only)).status_code == 200


def test_a_coordinator_opens_a_conversation_from_the_form(world, client_for):
    client = client_for(world.coordinator)
    bad = client.post(
        f"/hubs/{world.hub.slug}/conversations/new/",
        {"question": "Better waiting room?", "audience": "hub", "flag_threshold": "3",
         "seeds": "Fine as it is\n" + "x" * 250},
    )  # fmt: skip
    assert bad.status_code == 400
    assert "Seed statement 2" in bad.content.decode()
    assert not Membership.objects.none().exists()
    from coproduce.deliberation.models import Conversation

    assert not Conversation.objects.exists()
    good = client.post(
        f"/hubs/{world.hub.slug}/conversations/new/",
        {"question": "Better waiting room?", "audience": "hub", "flag_threshold": "3",
         "seeds": "Fine as it is\nMore chairs", "closes_on": "2099-01-31"},
    )  # fmt: skip
    created = Conversation.objects.get()
    assert good.url == url(created)
    assert created.is_open()
    assert created.statements.count() == 2
    assert created.closes_at.date().isoformat() in ("2099-02-01", "2099-01-31")
    assert Person.objects.filter(pk=created.created_by_id).get() == world.coordinator
    backwards = client.post(
        f"/hubs/{world.hub.slug}/conversations/new/",
        {"question": "Later?", "audience": "hub", "flag_threshold": "3",
         "opens_on": "2099-03-01", "closes_on": "2099-01-31"},
    )  # fmt: skip
    assert backwards.status_code == 400
    assert "The closing date must be after the opening date." in backwards.content.decode()
    assert Conversation.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_with_the_database_backend_a_worker_brings_the_analysis_up_to_date(world, settings):
    from asgiref.local import Local
    from django.core.management import call_command
    from django.tasks import task_backends

    def read_tasks_setting_again():
        task_backends.__dict__.pop("settings", None)
        task_backends._settings = None
        task_backends._connections = Local(False)

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    read_tasks_setting_again()
    try:
        conversation = services.conversation_create(
            actor=world.coordinator, hub=world.hub, question="Q?", seeds=SEEDS
        )
        participant = services.participant_for(world.member, conversation)
        services.vote_cast(
            participant=participant, statement=conversation.statements.first(), value=1
        )
        # The vote is saved and the page could be shown: nothing has been analysed yet.
        assert not AnalysisResult.objects.filter(conversation=conversation).exists()
        call_command("db_worker", "--batch", "--no-startup-delay")
        assert AnalysisResult.objects.get(conversation=conversation).votes == 1
    finally:
        settings.TASKS = {
            "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}
        }
        read_tasks_setting_again()


def test_without_javascript_the_page_says_the_vote_was_saved(world, conversation, client_for):
    client = client_for(world.member)
    shown = client.get(url(conversation)).context["statement"]
    response = client.post(url(conversation, "vote/"), {"statement": shown.pk, "value": "-1"})
    assert response.url.endswith("?saved=-1#vote")
    page = client.get(response.url.split("#")[0])
    assert "Saved: you disagreed." in page.text
    assert "Saved:" not in client.get(url(conversation) + "?saved=<b>").text
