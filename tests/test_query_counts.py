"""No page's number of queries grows with the hub: every GET of the permission matrix
(tests/test_permission_matrix.py), as every persona, counted on the matrix's small world
and again after the hub has grown several times over (more members, listings, exchanges,
referrals, escalations, offers, rota turns, statements and votes, pledges, reports,
checks, invitations and join requests). A count that grows is an N+1 (a query per row
shown): it fails here, naming the page, both counts and the statements that repeat.

Every page also stays under CEILING queries.

A page in BEING_REWORKED is reported (printed) but not failed: those pages are being
changed elsewhere, and the set is to be emptied once that work is in. A page in
GROWS_AND_WHY may differ for a reason that is not an N+1, given there.
"""

import datetime
import re
from collections import Counter

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.db import connection, reset_queries, transaction
from django.test import TestCase
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from coproduce.deliberation import services as deliberation
from coproduce.deliberation.models import StatementStatus
from coproduce.hubs import services as hubs
from coproduce.hubs.models import CheckType
from coproduce.involve import services as involve
from coproduce.pledges import services as pledges
from coproduce.pledges.models import Pledge, Report
from coproduce.referrals import escalations
from coproduce.referrals import services as referrals
from coproduce.referrals.models import Referral
from coproduce.referrals.schedule import Period
from coproduce.timebank import services as timebank
from coproduce.timebank.models import ListingKind
from tests.matrix_objects import PERSONAS, Things, built_once, keys_used_just_now
from tests.pledges import scorecard_world
from tests.referrals.conftest import refer_molly, triage
from tests.test_permission_matrix import GETS, Case

# Pages being changed elsewhere (kept tallies, matching, pagination, kept totals, people
# pickers): their growth is printed, not failed. Empty this set once that work is in.
BEING_REWORKED: dict[str, str] = {}

# Pages whose count may differ between the two worlds for a reason that is not an N+1:
# (fewest, most) queries more on the grown hub than on the small one, and why.
_SHARES = (
    "the shares of the statements it grew from read the voters' roles in one query, which "
    "is skipped while nobody has voted (nobody has on the small hub)"
)
GROWS_AND_WHY: dict[str, tuple[int, int, str]] = {
    "pledge": (0, 1, _SHARES),
    "pledge-draft": (0, 1, _SHARES),
    "api-v1:pledge_detail": (0, 1, _SHARES),
    "api-v1:pledge_list": (0, 1, _SHARES),
    "member-detail": (
        -10,
        0,
        "the person's latest 20 events fetch what they are about with one query per kind of "
        "thing; on the grown hub fewer kinds are among the latest 20 (the small hub's latest "
        "include its involvement: places, attendance, thanks, expenses, choices, training)",
    ),
    "audit-log": (
        -10,
        0,
        "the log's latest events fetch what they are about with one query per kind of thing; "
        "on the grown hub fewer kinds are among the latest (the small hub's include its "
        "involvement)",
    ),
    "statement-flag": (
        -1,
        0,
        "Sam and Dr Amir have voted on the grown hub, so their place in the conversation is "
        "found, not looked for and made afresh",
    ),
    "conversation": (
        -1,
        0,
        "on the small hub Sam and Dr Amir have not voted, so their place in the conversation "
        "comes without its person and the person is read once more; never more on the grown hub",
    ),
}

# No page needs more than this many queries, whatever the hub's size.
CEILING = 60
# Pages with a higher ceiling of their own, and why (they still must not grow with the hub).
OWN_CEILING: dict[str, tuple[int, str]] = {
    "member-data": (
        200,
        "a person's whole data download, made on the spot: a query or two for each kind of "
        "record about them (insight/export_sections.py), the same at any hub size",
    ),
}

# How many times over the small world grows.
GROWTH = 6


# --- growing the world ---------------------------------------------------------------------


def _at(days: int, hour: int = 10) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def grow(t: Things, n: int = GROWTH) -> None:
    """Add n of everything the matrix's pages list, through the services, each touching the
    personas (so it shows on their pages): Sam's exchanges, offers and reports, Dr Amir's
    referrals and escalations, Grace's rota, the conversation, the hub's pledges."""
    world, hub = t.world, t.world.hub
    today = timezone.localdate()
    lights = t.report_pledge.categories.get(name="Broken light")
    newcomers = []
    # Sam takes on more than the usual three commitments.
    referrals.policy_update(actor=world.coordinator, hub=hub, changes={"commitment_cap": 50})
    for i in range(n):
        person = hubs.person_register(
            email=f"grown{i}@example.org", display_name=f"Quokka Member {i}", password=None
        )
        hubs.membership_add(actor=world.coordinator, hub=hub, person=person)
        newcomers.append(person)
        account = timebank.account_of(person, hub)
        # Listings, and exchanges with Sam in each state.
        listing = timebank.listing_create(
            actor=person, account=account, kind=ListingKind.OFFER, title=f"Quokka walk {i}"
        )
        timebank.exchange_propose(actor=world.member, listing=listing)
        timebank.exchange_propose(actor=person, listing=t.listing, note=f"Quokka {i}")
        done = timebank.exchange_record(
            actor=world.member,
            hub=hub,
            giver=t.member_account,
            receiver=account,
            title=f"Quokka shopping {i}",
            minutes=30,
        )
        timebank.exchange_confirm(actor=person, exchange=done)
        timebank.exchange_record(
            actor=person,
            hub=hub,
            giver=account,
            receiver=t.staff_account,
            title=f"Quokka lift {i}",
            minutes=45,
        )
        timebank.chest_donate(actor=person, account=account, minutes=10)
        # Checks, invitations and join requests.
        hubs.safeguarding_check_add(
            actor=world.coordinator,
            hub=hub,
            person=person,
            check_type=CheckType.DBS_ENHANCED,
            reference=f"DBS-GROWN-{i}",
            issued_on=today - datetime.timedelta(days=10),
            expires_on=today + datetime.timedelta(days=700),
        )
        hubs.invitation_create(actor=world.coordinator, hub=hub, email=f"invited{i}@example.org")
        asking = hubs.person_register(
            email=f"asking{i}@example.org", display_name=f"Quokka Asking {i}", password=None
        )
        hubs.join_request_create(person=asking, hub=hub, message=f"Hello {i}")
        # Referrals: waiting, offered to Sam, and forgotten (escalated).
        waiting = triage(
            world,
            refer_molly(
                world,
                needs_check=False,
                description=f"Quokka needs a hand {i}.",
                new_person={"display_name": f"Quokka Referred {i}", "phone": "01632 960 001"},
            ),
            needs_check=False,
        )
        referrals.offer_send(actor=world.coordinator, referral=waiting, volunteer=person)
        offered = triage(
            world,
            refer_molly(
                world,
                needs_check=False,
                description=f"Quokka would like a chat {i}.",
                new_person={"display_name": f"Quokka Referred {i}", "phone": "01632 960 001"},
            ),
            needs_check=False,
        )
        referrals.offer_send(actor=world.coordinator, referral=offered, volunteer=world.member)
        forgotten = refer_molly(world, needs_check=False)
        Referral.objects.filter(pk=forgotten.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=30)
        )
        # Rota turns on Grace's project, for the newcomer and for Sam.
        _free, mine, sams = referrals.slots_add(
            actor=world.coordinator,
            project=t.project,
            periods=[Period(_at(10 + 3 * i + d), _at(10 + 3 * i + d, 11)) for d in (0, 1, 2)],
            role="caller",
        )
        referrals.assignment_take(actor=person, slot=mine)
        referrals.assignment_take(actor=world.member, slot=sams)
        # The conversation: a statement each, and votes on every statement.
        participant = deliberation.participant_for(person, t.conversation)
        deliberation.statement_add(participant=participant, text=f"Quokka idea number {i}.")
        # Reports: Sam's, the newcomer's, and one taken on the phone.
        for reporter in (world.member, person):
            pledges.report_create(
                category=lights,
                description=f"Quokka light {i} is out.",
                reporter=reporter,
                address=f"Flat {i} Quokka House",
                attributes={"block": "c"},
            )
        Report.objects.create(
            hub=hub,
            category=t.pledged.lights,
            description=f"Quokka stair light {i}.",
            address="Ash House",
            attributes={"block": "ash"},
            reporter=person,
            target=t.stair_light.target,
            expected_at=t.stair_light.expected_at,
        )
        # Pledges: published, with a report each.
        grown = scorecard_world.published_pledge(world, slug=f"grown-promise-{i}")
        Pledge.objects.filter(pk=grown.pk).update(title=f"Quokka promise {i}")
        pledges.report_create(
            category=grown.categories.first(),
            description=f"Quokka call back {i}",
            reporter=person,
            address="1 High Street",
        )
    # --- involvement: an opportunity each, Sam and the newcomer on it; the newcomers ask
    # for a place on the matrix's panel (its shortlist and sign-ups grow).
    for i, person in enumerate(newcomers):
        start = timezone.localtime() + datetime.timedelta(days=20 + i)
        grown_opportunity = involve.opportunity_create(
            actor=world.staff,
            hub=hub,
            kind="co_design",
            title=f"Quokka group {i}",
            description="Grown",
            lead=world.staff,
            meetings=[(start, start + datetime.timedelta(hours=2))],
            any_places=3,
            joining="instant",
        )
        for who in (world.member, person):
            involve.signup_ask(actor=who, opportunity=grown_opportunity)
        involve.signup_ask(actor=person, opportunity=t.involvement_api.panel)
    # Sam belongs to more hubs (his home page and profile list them).
    for i in range(n):
        other = hubs.hub_create(
            actor=world.operator,
            slug=f"grown-hub-{i}",
            name=f"Quokka hub {i}",
            purpose="Another hub Sam belongs to.",
            admin=world.admin,
        )
        hubs.membership_add(actor=world.admin, hub=other, person=world.member)
    # --- involvement: opportunities
    _grow_involvement(t, newcomers)
    escalations.sweep(hub=hub)
    statements = list(t.conversation.statements.filter(status=StatementStatus.VISIBLE))
    for person in (*newcomers, world.member, world.staff):
        participant = deliberation.participant_for(person, t.conversation)
        for number, statement in enumerate(statements):
            deliberation.vote_cast(
                participant=participant, statement=statement, value=number % 3 - 1
            )


# --- involvement: opportunities -----------------------------------------------------------------


def _grow_involvement(t: Things, newcomers) -> None:
    """More opportunities, and the newcomers asking for places, coming and claiming."""
    from coproduce.involve import services as involve

    world = t.world
    for i, person in enumerate(newcomers):
        involve.opportunity_create(
            actor=world.staff,
            hub=world.hub,
            kind="co_evaluating",
            title=f"Quokka review {i}",
            description="Look back at what happened.",
            lead=world.staff,
            meetings=[(_at(20 + i, 10), _at(20 + i, 12))],
            user_places=2,
        )
        involve.signup_ask(actor=person, opportunity=t.involve.panel, message=f"Quokka {i}")
    # The group has three places: Sam and two newcomers hold them, the rest wait.
    for person in newcomers:
        involve.signup_ask(actor=person, opportunity=t.involve.group)
    holding = t.involve.group.signups.filter(status="confirmed").exclude(person=world.member)
    involve.attendance_record(
        actor=world.coordinator,
        session=t.involve.past,
        marks={s.pk: ("attended", None) for s in holding},
    )


# --- counting ------------------------------------------------------------------------------

NUMBERS = re.compile(r"\b\d+\b|'[^']*'")


def _shape(sql: str) -> str:
    """A statement with its values taken out, so the same query for another row matches."""
    return NUMBERS.sub("?", sql)


def count(client, case: Case, t: Things, persona: str) -> tuple[list[str], bool]:
    """The statements a GET of the page runs as the persona, from a cold cache, and whether
    the page shows any of what grow() added (all named Quokka)."""
    url = case.url(t)
    headers = {}
    if case.is_api or case.is_open311:
        keys_used_just_now()
    if case.is_api:
        if persona != "anonymous":
            headers["Authorization"] = f"Bearer {t.api_keys[persona]}"
    elif not case.is_open311 and persona != "anonymous":
        client.force_login(t.person(persona))
    for cache in caches.all(initialized_only=True):
        cache.clear()
    ContentType.objects.clear_cache()
    # A request empties the connection's log of queries as it starts; the capture counts
    # from where the log stood, so it must start from an empty log too.
    reset_queries()
    with transaction.atomic():
        with (
            CaptureQueriesContext(connection) as captured,
            TestCase.captureOnCommitCallbacks(execute=True),
        ):
            response = client.get(url, headers=headers)
            body = b"".join(response.streaming_content) if response.streaming else response.content
        transaction.set_rollback(True)
    client.logout()
    return [q["sql"] for q in captured.captured_queries], b"Quokka" in body


def count_all(client, t: Things) -> dict[tuple[str, str], tuple[list[str], bool]]:
    return {
        (case.id, persona): count(client, case, t, persona) for case in GETS for persona in PERSONAS
    }


pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def counts(django_db_setup, django_db_blocker):
    """The statements of every page as every persona: on the small world, then grown."""
    from django.conf import settings
    from django.test import Client

    # As tests/conftest.py sets for each test: static files from the apps, a quick hasher.
    quick = override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        WHITENOISE_USE_FINDERS=True,
        WHITENOISE_AUTOREFRESH=True,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    for t in built_once(django_db_blocker):
        with django_db_blocker.unblock(), quick:
            client = Client()
            small = count_all(client, t)
            with transaction.atomic():
                grow(t)
            large = count_all(client, t)
        yield small, large


def _params():
    return [
        pytest.param(case, persona, id=f"{case.id} as {persona}")
        for case in GETS
        for persona in PERSONAS
    ]


@pytest.mark.parametrize(("case", "persona"), _params())
def test_no_query_count_grows_with_the_hub(counts, case, persona):
    small, large = (c[(case.id, persona)][0] for c in counts)
    if len(large) == len(small):
        return
    repeated = Counter(_shape(s) for s in large) - Counter(_shape(s) for s in small)
    detail = (
        f"{case.id} as {persona}: {len(small)} queries on the small hub, {len(large)} on "
        f"the grown one; added: " + " | ".join(s[:200] for s in list(repeated)[:3])
    )
    if case.name in BEING_REWORKED:
        print(f"known ({BEING_REWORKED[case.name]}): {detail}")
        return
    if case.name in GROWS_AND_WHY:
        fewest, most, why = GROWS_AND_WHY[case.name]
        assert fewest <= len(large) - len(small) <= most, f"{detail} (allowed: {why})"
        return
    pytest.fail(detail)


@pytest.mark.parametrize(("case", "persona"), _params())
def test_no_page_needs_more_than_a_ceiling_of_queries(counts, case, persona):
    large = counts[1][(case.id, persona)][0]
    if case.name in BEING_REWORKED and len(large) > CEILING:
        print(f"known (being reworked): {case.id} as {persona}: {len(large)} queries")
        return
    ceiling, why = OWN_CEILING.get(case.name, (CEILING, ""))
    assert len(large) <= ceiling, f"{case.id} as {persona}: {len(large)} queries {why}".strip()


def test_the_grown_hub_shows_on_the_pages(counts):
    """What grow() adds is on the pages that list such things, so comparing the counts
    means something: none showed it on the small hub; these do on the grown one."""
    small, large = counts
    assert not any(shows for _, shows in small.values())
    showing = {case for (case, _persona), (_, shows) in large.items() if shows}
    print(f"{len(showing)} of {len(GETS)} pages show the grown hub's rows: {sorted(showing)}")
    expected = {
        "GET directory",
        "GET timebank",
        "GET referrals",
        "GET conversation-statements",
        "GET report-queue",
        "GET pledges",
        "GET coordinate",
        "GET api-v1:exchanges",
        "GET open311:requests",
        "GET api-v1:opportunity_list",
        "GET api-v1:shortlist_view",
    }
    assert expected <= showing, sorted(expected - showing)
