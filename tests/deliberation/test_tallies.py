"""Running tallies and the refresh of the analysis: the counts kept with each vote equal
a recount of the log whatever the votes, the report's figures are the ones a recount of
the votes gives, pages read no more rows as votes grow, and a vote never waits for the
opinion engine."""

import datetime
import importlib
import subprocess
import sys
import threading
from collections import Counter, defaultdict

import pytest
from django.apps import apps
from django.core import signals
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coproduce.deliberation import later, selectors, services
from coproduce.deliberation.models import (
    AnalysisResult,
    Conversation,
    Participant,
    StatementTally,
    Vote,
    side_of,
)
from coproduce.deliberation.services.analysis import RESULT_FORMAT
from coproduce.errors import ApplicationError
from coproduce.hubs.models import Role
from coproduce.hubs.services import membership_add, person_register

SEEDS = ["Fix the lifts first.", "More benches by the shops.", "Close the road at night."]


def open_conversation(world, seeds=SEEDS, **options):
    return services.conversation_create(
        actor=world.coordinator,
        hub=world.hub,
        question="What should change on the estate?",
        seeds=seeds,
        **options,
    )


@pytest.fixture
def conversation(world):
    return open_conversation(world)


def url(conversation, rest=""):
    return f"/hubs/{conversation.hub.slug}/conversations/{conversation.pk}/{rest}"


def recount_report(conversation) -> dict:
    """The report's figures counted from every vote, as the report did before it kept
    tallies: statement -> (agree, disagree, pass, side shares, group shares)."""
    cached = AnalysisResult.objects.filter(conversation=conversation).first()
    result = cached.result if cached else {}
    groups = result.get("groups", []) if result.get("ready") else []
    group_of = {int(p): g for p, g in result.get("participants", {}).items() if g is not None}
    roles = dict(Participant.objects.filter(conversation=conversation).values_list("pk", "role"))
    visible = set(conversation.statements.filter(status="visible").values_list("pk", flat=True))
    latest = {}
    for p, s, value in services.vote_log(conversation):
        latest[p, s] = value
    counts = defaultdict(Counter)
    voters = set()
    for (p, s), value in latest.items():
        if s not in visible:
            continue
        voters.add(p)
        counts[s][value] += 1
        if value != 0:
            if p in group_of:
                counts[s]["group", group_of[p], "agree"] += value == 1
                counts[s]["group", group_of[p], "decided"] += 1
            if side_of(roles[p]):
                counts[s]["side", side_of(roles[p]), "agree"] += value == 1
                counts[s]["side", side_of(roles[p]), "decided"] += 1

    def share(c, *key):
        # Fewer than the result's `min_voters` took a side: "too few votes", no share.
        decided = c[(*key, "decided")]
        enough = decided and decided >= result.get("min_voters", 1)
        return (c[(*key, "agree")] / decided if enough else None, decided)

    return {
        "vote_count": len(latest),
        "people": len(voters),
        "statements": {
            s: (
                counts[s][1],
                counts[s][-1],
                counts[s][0],
                {side: share(counts[s], "side", side) for side in selectors.SIDES},
                [share(counts[s], "group", g["id"]) for g in groups],
            )
            for s in visible
        },
    }


def report_figures(conversation) -> dict:
    data = selectors.report(conversation)
    return {
        "vote_count": data["vote_count"],
        "people": data["participation"]["total"],
        "statements": {
            row.statement.pk: (
                row.agree,
                row.disagree,
                row.passed,
                row.by_side,
                [(share, decided) for _, share, decided in row.by_group],
            )
            for row in data["statements"]
        },
    }


def voters(world, conversation, count, start=0):
    """`count` new members (every other one staff), each with their place saved."""
    made = []
    for index in range(start, start + count):
        person = person_register(
            email=f"tally{index}@example.org", display_name=f"Tally {index}", password=None
        )
        membership_add(
            actor=world.admin,
            hub=world.hub,
            person=person,
            role=Role.STAFF if index % 2 else Role.MEMBER,
        )
        made.append(services.participant_for(person, conversation))
    return made


def test_votes_changes_and_passes_move_the_counts(world, conversation):
    first, second, _ = conversation.statements.order_by("pk")
    member = services.participant_for(world.member, conversation)
    staff = services.participant_for(world.staff, conversation)
    services.vote_cast(participant=member, statement=first, value=1)
    services.vote_cast(participant=staff, statement=first, value=-1)
    services.vote_cast(participant=member, statement=first, value=0)  # changed their mind
    services.vote_cast(participant=member, statement=first, value=0)  # the same again
    services.votes_cast(participant=staff, answers={first.pk: 1, second.pk: -1})
    tally = StatementTally.objects.get(statement=first)
    assert (tally.agree, tally.disagree, tally.passed) == (1, 0, 1)
    assert (tally.staff_agree, tally.staff_disagree, tally.users_agree) == (1, 0, 0)
    added = services.statement_add(participant=member, text="A lift engineer on call.")
    assert StatementTally.objects.get(statement=added).users_agree == 1
    conversation.refresh_from_db()
    assert conversation.votes_cast == 7  # the log: six votes and the author's agree
    assert services.tallies_check(conversation) == []


def test_the_check_finds_a_wrong_count_and_a_rebuild_mends_it(world, conversation):
    member = services.participant_for(world.member, conversation)
    statement = conversation.statements.first()
    services.vote_cast(participant=member, statement=statement, value=1)
    StatementTally.objects.filter(statement=statement).update(agree=5)
    Vote.objects.create(participant=member, statement=statement, value=-1)  # not counted
    problems = services.tallies_check(conversation)
    assert (
        f"statement {statement.pk}: agree 5 (should be 0), disagree 0 (should be 1)"
        in (problems[0])
    )
    assert "1 votes cast kept, 2 in the log" in problems[-1]
    with pytest.raises(CommandError, match="differ from a recount"):
        call_command("opinion", "check-tallies")
    assert services.tallies_rebuild(conversation) == 1
    assert services.tallies_check(conversation) == []
    call_command("opinion", "check-tallies")  # all agree: no error


def test_the_migration_counts_the_votes_already_cast(world, conversation):
    member = services.participant_for(world.member, conversation)
    staff = services.participant_for(world.staff, conversation)
    for statement in conversation.statements.all():
        services.vote_cast(participant=member, statement=statement, value=1)
        services.vote_cast(participant=staff, statement=statement, value=-1)
        services.vote_cast(participant=staff, statement=statement, value=0)
    StatementTally.objects.all().delete()
    Conversation.objects.update(votes_cast=0)
    fill = importlib.import_module("coproduce.deliberation.migrations.0004_fill_running_tallies")
    fill.fill(apps, None)
    assert services.tallies_check(conversation) == []
    assert StatementTally.objects.get(statement=conversation.statements.first()).passed == 1


def test_a_statement_without_a_tally_is_counted_at_its_first_vote(world, conversation):
    statement = conversation.statements.first()
    member = services.participant_for(world.member, conversation)
    services.vote_cast(participant=member, statement=statement, value=1)
    StatementTally.objects.filter(statement=statement).delete()
    services.vote_cast(participant=services.participant_for(world.staff, conversation),
                       statement=statement, value=-1)  # fmt: skip
    assert services.tallies_check(conversation) == []


# Each step: (voter 0-3, statement 0-2, vote), or (voter, None, text) for a new statement.
STEPS = st.lists(
    st.one_of(
        st.tuples(st.integers(0, 3), st.integers(0, 2), st.sampled_from([1, -1, 0])),
        st.tuples(st.integers(0, 3), st.none(), st.sampled_from(["Paint it.", "Light it."])),
    ),
    max_size=25,
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_any_votes_leave_the_tallies_equal_to_a_recount(world, steps):
    conversation = open_conversation(world, anonymous_link=True)
    statements = list(conversation.statements.order_by("pk"))
    people = [
        services.participant_for(world.member, conversation),
        services.participant_for(world.staff, conversation),
        services.participant_for(world.coordinator, conversation),
        services.anonymous_participant(conversation, conversation.link_token, "someone"),
    ]
    for who, which, what in steps:
        if which is None:
            try:
                statements.append(services.statement_add(participant=people[who], text=what))
            except ApplicationError:
                assert what in {s.text for s in statements}  # said already: nothing saved
        else:
            services.vote_cast(participant=people[who], statement=statements[which], value=what)
    assert services.tallies_check(conversation) == []
    assert services.tallies_recount(conversation) == {
        t.statement_id: t.as_dict()
        for t in StatementTally.objects.filter(conversation=conversation)
    }


def test_the_report_shows_what_a_recount_of_the_votes_shows(world, conversation):
    people = voters(world, conversation, 10)
    statements = list(conversation.statements.all())
    for index, participant in enumerate(people):
        for number, statement in enumerate(statements):
            value = [1, -1, 0][(index * (number + 1)) % 3] if number else (1 if index < 5 else -1)
            services.vote_cast(participant=participant, statement=statement, value=value)
        services.vote_cast(participant=participant, statement=statements[0], value=1)
    for number in range(6):
        services.statement_add(participant=people[number], text=f"Extra idea {number}")
    extras = list(conversation.statements.filter(text__startswith="Extra"))
    for index, participant in enumerate(people):
        for statement in extras:
            services.vote_cast(
                participant=participant, statement=statement, value=1 if index % 2 else -1
            )
    services.analysis_refresh(conversation)
    assert selectors.report(conversation)["ready"]
    assert report_figures(conversation) == recount_report(conversation)
    # A statement hidden by moderators drops out of the report and of "who took part".
    services.statement_moderate(
        actor=world.coordinator, statement=extras[0], decision="remove", reason="Off topic"
    )
    services.vote_cast(participant=people[0], statement=statements[1], value=-1)
    services.analysis_refresh(conversation)
    assert report_figures(conversation) == recount_report(conversation)


def count_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
        assert response.status_code == 200
    return len(captured)


def test_pages_read_as_many_rows_with_many_votes_as_with_few(world, conversation, client_for):
    services.analysis_refresh(conversation)
    client = client_for(world.member)
    member = services.participant_for(world.member, conversation)
    services.vote_cast(participant=member, statement=conversation.statements.first(), value=1)
    pages = ["", "report/", "report/print/", "report.json"]
    few = {page: count_queries(client, url(conversation, page)) for page in pages}
    for participant in voters(world, conversation, 8):
        for statement in conversation.statements.all():
            services.vote_cast(participant=participant, statement=statement, value=1)
    services.analysis_refresh(conversation)
    many = {page: count_queries(client, url(conversation, page)) for page in pages}
    assert many == few
    with CaptureQueriesContext(connection) as captured:
        selectors.report(conversation)
        services.next_statement(member)
    reads_votes = [q["sql"] for q in captured if 'FROM "deliberation_vote"' in q["sql"]]
    # Only the participant's own votes (what is left to vote on) and "who took part"
    # (one EXISTS per participant) touch the vote table; nothing reads all the votes.
    assert all("EXISTS" in sql or "participant_id" in sql for sql in reads_votes), reads_votes


@pytest.mark.django_db(transaction=True)
def test_a_vote_never_runs_the_analysis_in_its_request(world, client_for):
    conversation = open_conversation(world)  # committed: its refresh has run
    client = client_for(world.member)
    statement = conversation.statements.first()
    signals.request_finished.disconnect(dispatch_uid="refresh-later")
    try:
        response = client.post(
            url(conversation, "vote/"), {"statement": statement.pk, "value": "1"}
        )
        assert response.status_code == 302
        analysed = AnalysisResult.objects.get(conversation=conversation)
        assert analysed.votes_cast == 0  # the response was made without the engine
        later.request_finished()  # what the server does once the response is sent
    finally:
        signals.request_finished.connect(later.request_finished, dispatch_uid="refresh-later")
    assert AnalysisResult.objects.get(conversation=conversation).votes_cast == 1
    # With the server's own signal, the next vote's refresh runs after its response too.
    client.post(url(conversation, "vote/"), {"statement": statement.pk, "value": "-1"})
    assert AnalysisResult.objects.get(conversation=conversation).votes_cast == 2


def test_with_a_task_worker_one_refresh_waits_and_not_before_the_interval(
    world, conversation, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.ANALYSIS_MIN_INTERVAL_SECONDS = 5
    services.analysis_refresh(conversation)  # began just now
    people = voters(world, conversation, 3)
    with django_capture_on_commit_callbacks(execute=True):
        for participant in people:
            for statement in conversation.statements.all():
                services.vote_cast(participant=participant, statement=statement, value=1)
    waiting = DBTaskResult.objects.filter(status="READY")
    assert waiting.count() == 1
    conversation.refresh_from_db()
    assert waiting.get().run_after >= conversation.analysis_started_at + datetime.timedelta(
        seconds=5
    )
    # The worker runs it: the analysis sees every vote, and the next vote asks again.
    services.analysis_refresh(conversation)
    assert AnalysisResult.objects.get(conversation=conversation).votes_cast == 9
    with django_capture_on_commit_callbacks(execute=True):
        services.vote_cast(
            participant=people[0], statement=conversation.statements.first(), value=0
        )
    assert waiting.count() == 2


def test_the_report_says_how_fresh_the_groups_are(world, conversation, client_for):
    people = voters(world, conversation, 6)
    for participant in people:
        for statement in conversation.statements.all():
            services.vote_cast(participant=participant, statement=statement, value=1)
    services.analysis_refresh(conversation)
    client = client_for(world.member)
    assert "with every vote so far" in client.get(url(conversation, "report/")).content.decode()
    services.vote_cast(participant=people[0], statement=conversation.statements.first(), value=0)
    services.vote_cast(participant=people[1], statement=conversation.statements.first(), value=0)
    body = client.get(url(conversation, "report/")).content.decode()
    as_of = timezone.localtime(AnalysisResult.objects.get().computed_at).strftime("%H:%M")
    assert f"Groups as of {as_of}" in body
    assert "2 votes ago: they are being worked out again" in body


def test_an_analysis_from_before_the_upgrade_is_due_again(world):
    conversation = open_conversation(world, seeds=[f"Idea number {n}." for n in range(8)])
    people = voters(world, conversation, 6)
    for participant in people:
        for statement in conversation.statements.all():
            services.vote_cast(participant=participant, statement=statement, value=1)
    services.analysis_refresh(conversation)
    stored = AnalysisResult.objects.get()
    stored.result = {k: v for k, v in stored.result.items() if k not in ("format", "tallies")}
    stored.save()
    assert not selectors.report(conversation)["ready"]
    assert services.analysis_refresh(conversation).result["format"] == RESULT_FORMAT
    assert selectors.report(conversation)["ready"]


def run_at_once(work, count):
    start = threading.Barrier(count)
    errors = []

    def worker(index):
        try:
            start.wait()
            work(index)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@pytest.mark.django_db(transaction=True)
def test_voters_at_once_lose_no_count(world):
    conversation = open_conversation(world)
    statements = list(conversation.statements.order_by("pk"))
    people = [
        services.participant_for(world.member, conversation),
        services.participant_for(world.staff, conversation),
    ]

    def work(index):
        for round_ in range(12):
            for number, statement in enumerate(statements):
                value = [1, -1, 0][(index + round_ + number) % 3]
                services.vote_cast(participant=people[index], statement=statement, value=value)
        # The same person twice at once: both votes are in the log, one counts.
        services.vote_cast(participant=people[0], statement=statements[0], value=index - 1 or 1)

    assert run_at_once(work, 2) == []
    assert services.tallies_check(conversation) == []
    conversation.refresh_from_db()
    assert conversation.votes_cast == 2 * (12 * 3 + 1)
    assert conversation.analysis_wanted_at is None  # the last refresh saw every vote
    assert AnalysisResult.objects.get(conversation=conversation).votes_cast == 74


def test_conversation_pages_do_not_load_the_opinion_engine():
    # The engine is the only part of conversations that needs NumPy and SciPy.
    code = (
        "import sys, django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE',"
        " 'coproduce.settings'); django.setup();"
        " import coproduce.deliberation.urls, coproduce.deliberation.views,"
        " coproduce.deliberation.services, coproduce.deliberation.selectors,"
        " coproduce.deliberation.tasks;"
        " print('coproduce.deliberation.engine' in sys.modules)"
    )
    found = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert found == ["False"]
