"""One object of each kind in Millbrook, for the permission matrix and the GET-never-writes
test: built once per test module, inside a transaction that is rolled back when the
module is done; each test runs in a savepoint of its own, so it starts from the same state.

Sam (member) gives Dr Amir (staff) help in every useful state of an exchange; Molly is
referred by Dr Amir four times (looking for a volunteer; Sam asked to help; Sam matched;
left for a month, so escalated to Dr Amir); Grace (coordinator) leads a phone-friend rota
on which Sam is down, has started, and has logged time; a conversation is open with three
statements; and each persona has an API key (the outsider's and the other coordinator's for
Northfield). Millbrook has a published pledge ("Repairs and the estate") with Dr Amir on
its categories' staff; Sam has reported a broken light (open) and a leak (fixed, waiting
for his answer); Dr Amir took a report on the phone for Ada, who has no account (fixed,
waiting for her answer, by the link she was emailed or to staff who ring her).
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from coproduce.deliberation import services as deliberation
from coproduce.hubs import services as hubs
from coproduce.hubs.models import ApiToken, CheckType, JoinRequest, Role, SafeguardingCheck
from coproduce.pledges import answer_links
from coproduce.pledges import services as pledges
from coproduce.pledges.models import Holiday, Pledge, PledgeStatus, Report, ServicePoint
from coproduce.referrals import escalations
from coproduce.referrals import services as referrals
from coproduce.referrals.models import (
    Assignment,
    Escalation,
    MatchOffer,
    Project,
    ProjectKind,
    Referral,
    Slot,
)
from coproduce.referrals.schedule import Period
from coproduce.timebank import services as timebank
from coproduce.timebank.models import (
    Account,
    Exchange,
    Listing,
    ListingKind,
    SecondApproval,
    Transfer,
)
from tests import conftest
from tests.involve import api_objects as involve_api_objects
from tests.open311.objects import Pledged, pledged
from tests.pledges import scorecard_world
from tests.pledges.reports_setup import published_pledge
from tests.referrals.conftest import refer_molly, triage
from tests.space import api_objects as space_api_objects

PERSONAS = (
    "anonymous",
    "member",
    "staff",
    "coordinator",
    "admin",
    "outsider",  # a member of Northfield
    "other_coordinator",  # Northfield's coordinator
)
OTHER_HUB = ("outsider", "other_coordinator")
# Private to Millbrook: none of these may appear in a page or an answer of the API given
# to someone who is not a member of Millbrook.
SECRETS = (
    "Sam Member",
    "sam@example.org",
    "Dr Amir Staff",
    "Molly Jenkins",
    "Widowed in March",
    "Matrix walk",
    "Matrix shopping",
    "What should the health centre change first",
    "Longer opening hours on Saturdays",
    "Flat 7 Matrix House",  # the address of Sam's report: staff and Sam only
    "Ada Contactless",  # who reported without an account, her email and phone: staff only
    "ada@example.net",
    "01632 960 555",
)


@dataclass
class Things:
    world: conftest.World
    member_account: Account
    staff_account: Account
    assisted_account: Account
    health_centre_account: Account
    listing: Listing
    exchanges: dict[str, Exchange]  # by status; "others" is one Sam is not part of
    donation: Transfer  # Dr Amir gave two hours to the chest
    approval: SecondApproval  # Grace granted herself an hour: waiting for a second
    referral: Referral  # triaged, looking for a volunteer: Sam is not involved
    offered: Referral  # Sam has been asked to help
    offer: MatchOffer
    matched: Referral  # Sam said yes
    escalation: Escalation  # for Dr Amir, the referrer: nobody took on a referral
    project: Project  # Grace leads it; no training needed
    training_project: Project  # needs training; nobody has had it
    free_slot: Slot  # next week, nobody on it
    on_rota: Assignment  # Sam, in two days
    started: Assignment  # Sam, on a slot that started yesterday
    attended: Assignment  # Sam, time logged, waiting for the lead
    conversation: object
    statement: object
    invitation_token: str
    join_request: JoinRequest  # Jean (outsider) asks to join Millbrook
    check: SafeguardingCheck  # Sam's DBS check
    no_password: object  # Pat: a member with an email who has never chosen a password
    report_pledge: Pledge  # "Repairs and the estate": Dr Amir is on its categories' staff
    report: Report  # Sam's broken light: open
    closed_report: Report  # Sam's leak: fixed, waiting for his answer
    contact_report: Report  # Ada's, taken on the phone (no account): fixed, waiting
    contact_token: str  # the token of the link Ada was emailed to answer
    pledge: Pledge  # published; a change to it signed by Nina (staff) and Ron (a user)
    template: Pledge  # Northfield's, offered as a template
    holiday: Holiday
    place: ServicePoint
    scored_pledge: object = None  # published, with a report: its scorecard is public
    draft_pledge: object = None  # a draft: its scorecard is for staff
    api_keys: dict[str, str] = field(default_factory=dict)
    pledged: Pledged | None = None  # a published pledge and its services (Open311)
    stair_light: Report | None = None  # Sam's report under it
    export_token: str = ""  # Grace asked for the whole ledger (its file since deleted)
    # --- involvement (API) ---
    involvement_api: object = None  # tests/involve/api_objects.py: Dr Amir leads them
    # --- involvement: opportunities
    involve: object = None  # an Involvement (below)

    involve_people: object = None  # see "involvement: people" at the end
    # --- Your Space: pages
    space_pages: object = None  # a SpacePages (see "Your Space: pages" at the end)
    space_result: object = None  # see "Your Space: result and delivery" at the end
    # --- Your Space: the API
    space_api: object = None  # tests/space/api_objects.py: three rounds, Grace's
    # --- insight (geo)
    geo_area: object = None  # a Neighbourhood of Millbrook's (see "insight (geo)" at the end)
    # --- insight (health)
    health: object = None  # a HealthRound (see "insight (health)" at the end)
    # --- insight (export)
    my_data_token: str = ""  # Sam's download of his data, asked for an hour ago
    # --- insight (erase)
    erase_person: object = None  # a throw-away member of Millbrook who is not online
    insight_pages: object = None  # --- insight (pages): Millbrook's settings (at the end)

    @property
    def slug(self) -> str:
        return self.world.hub.slug

    def person(self, persona: str):
        return self.world.persona(persona)


def _build_world() -> conftest.World:
    # The same world as the `world` fixture, built once for the module. (If tests/conftest.py
    # grows a plain `build_world()`, call that instead of reaching under the fixture.)
    return conftest.world._get_wrapped_function()(None)


def _at(days: float, hour: int = 10) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=int(days))
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _record(world, giver, receiver, title, actor=None) -> Exchange:
    return timebank.exchange_record(
        actor=actor or world.member,
        hub=world.hub,
        giver=giver,
        receiver=receiver,
        title=title,
        minutes=60,
    )


def build() -> Things:
    world = _build_world()
    hub = world.hub
    member = timebank.account_of(world.member, hub)
    staff = timebank.account_of(world.staff, hub)
    assisted = timebank.account_of(world.assisted, hub)
    health_centre = timebank.account_for_organisation(hub.host)

    # --- time bank ----------------------------------------------------------------------
    listing = timebank.listing_create(
        actor=world.member, account=member, kind=ListingKind.OFFER, title="Matrix walk"
    )
    proposed = timebank.exchange_propose(actor=world.staff, listing=listing)
    agreed = timebank.exchange_propose(actor=world.staff, listing=listing, note="Another walk")
    timebank.exchange_agree(actor=world.member, exchange=agreed)
    done = _record(world, member, staff, "Matrix shopping (logged by Sam)")
    disputed = _record(world, member, staff, "Matrix shopping (disputed)")
    timebank.exchange_dispute(actor=world.staff, exchange=disputed, reason="It was 30 minutes")
    confirmed = _record(world, member, staff, "Matrix shopping (confirmed)")
    timebank.exchange_confirm(actor=world.staff, exchange=confirmed)
    others = _record(world, assisted, staff, "Matrix phone call for Ron", actor=world.coordinator)
    donation = timebank.chest_donate(actor=world.staff, account=staff, minutes=120)
    approval = timebank.chest_grant(
        actor=world.coordinator,
        account=timebank.account_of(world.coordinator, hub),
        minutes=60,
        reason="Matrix: for myself",
    )

    # --- referrals and escalations ------------------------------------------------------
    referral = triage(world, refer_molly(world, needs_check=False), needs_check=False)
    offered = triage(world, refer_molly(world, needs_check=False), needs_check=False)
    offer = referrals.offer_send(actor=world.coordinator, referral=offered, volunteer=world.member)
    matched = triage(world, refer_molly(world, needs_check=False), needs_check=False)
    referrals.offer_accept(
        actor=world.member,
        offer=referrals.offer_send(
            actor=world.coordinator, referral=matched, volunteer=world.member
        ),
    )
    forgotten = refer_molly(world, needs_check=False)
    Referral.objects.filter(pk=forgotten.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=30)
    )
    [escalation] = [e for e in escalations.sweep(hub=hub) if e.referral_id == forgotten.pk]

    # --- projects and the rota ----------------------------------------------------------
    project = referrals.project_create(
        actor=world.coordinator,
        hub=hub,
        name="Friend on the phone",
        kind=ProjectKind.PHONE_FRIEND,
        lead=world.coordinator,
        roles=["caller"],
        organisation=hub.host,
    )
    training_project = referrals.project_create(
        actor=world.coordinator,
        hub=hub,
        name="Buddy bench",
        kind=ProjectKind.PHONE_FRIEND,
        lead=world.coordinator,
        roles=["buddy"],
        training="Listening well (one hour)",
    )
    free_slot, taken, to_start, to_log = referrals.slots_add(
        actor=world.coordinator,
        project=project,
        periods=[Period(_at(d), _at(d, 11)) for d in (7, 2, 3, 4)],
        role="caller",
    )
    on_rota, started, attended = (
        referrals.assignment_take(actor=world.member, slot=slot)
        for slot in (taken, to_start, to_log)
    )
    Slot.objects.filter(pk__in=[to_start.pk, to_log.pk]).update(
        starts_at=_at(-1), ends_at=_at(-1, 11)
    )
    attended = referrals.assignment_log(actor=world.member, assignment=attended)

    # --- deliberation -------------------------------------------------------------------
    conversation = deliberation.conversation_create(
        actor=world.coordinator,
        hub=hub,
        question="What should the health centre change first?",
        seeds=[
            "Longer opening hours on Saturdays.",
            "A named nurse for each family.",
            "Repeat prescriptions by phone.",
        ],
        anonymous_link=True,
    )

    # --- pledges and reports ------------------------------------------------------------
    report_pledge = published_pledge(hub, staff=[world.staff])
    lights = report_pledge.categories.get(name="Broken light")
    report = pledges.report_create(
        category=lights,
        description="The stair light is out.",
        reporter=world.member,
        address="Flat 7 Matrix House",
        attributes={"block": "c"},
    )
    closed_report = pledges.report_create(
        category=report_pledge.categories.get(name="Emergency repair"),
        description="Water coming through the ceiling.",
        reporter=world.member,
        address="Flat 7 Matrix House",
    )
    closed_report = pledges.report_update(
        actor=world.staff, report=closed_report, status="fixed", note="Made safe"
    )
    contact_report = pledges.report_create(
        category=lights,
        description="The lift light is out.",
        entered_by=world.staff,
        contact_name="Ada Contactless",
        contact_email="ada@example.net",
        contact_phone="01632 960 555",
        address="Block A",
        attributes={"block": "a"},
        source="phone",
    )
    contact_report = pledges.report_update(
        actor=world.staff, report=contact_report, status="fixed", note="New fitting"
    )

    # --- people -------------------------------------------------------------------------
    _invitation, invitation_token = hubs.invitation_create(
        actor=world.coordinator, hub=hub, email="newcomer@example.org"
    )
    join_request = hubs.join_request_create(person=world.outsider, hub=hub, message="Hello")
    today = timezone.localdate()
    check = hubs.safeguarding_check_add(
        actor=world.coordinator,
        hub=hub,
        person=world.member,
        check_type=CheckType.DBS_ENHANCED,
        reference="DBS-MATRIX",
        issued_on=today - datetime.timedelta(days=100),
        expires_on=today + datetime.timedelta(days=900),
    )
    no_password = hubs.person_register(
        email="pat@example.org", display_name="Pat Nopassword", password=None
    )
    hubs.membership_add(actor=world.coordinator, hub=hub, person=no_password, role="member")
    # --- pledges ------------------------------------------------------------------------
    pledge, template = _pledges(world, conversation.statements.order_by("pk")[1])
    holiday = pledges.holiday_add(
        actor=world.coordinator, hub=hub, day=today + datetime.timedelta(days=40), name="Fair day"
    )
    place = pledges.service_point_save(
        actor=world.coordinator, hub=hub, name="Station Street surgery", address="1 Station St"
    )
    # --- pledges: a scorecard ---------------------------------------------------------
    scored_pledge = scorecard_world.published_pledge(world)
    pledges.report_create(
        category=scored_pledge.categories.first(),
        description="No call back yet",
        reporter=world.member,
        address="1 High Street",
    )
    draft_pledge = scorecard_world.published_pledge(
        world, slug="draft-promise", status=PledgeStatus.DRAFT
    )

    api_keys = {}
    for persona in PERSONAS[1:]:
        person = world.persona(persona)
        key_hub = world.other_hub if persona in OTHER_HUB else hub
        api_keys[persona] = hubs.api_token_create(person=person, hub=key_hub)[1]

    # --- pledges and reports ------------------------------------------------------------
    # With the ORM: the report services link to the report page, which may not exist here.
    published = pledged(hub)
    target, expected_at = pledges.expected_for(published.lights, timezone.now())
    stair_light = Report.objects.create(
        hub=hub,
        category=published.lights,
        description="The stair light on the second floor is out.",
        address="Ash House",
        attributes={"block": "ash"},
        reporter=world.member,
        target=target,
        expected_at=expected_at,
    )

    return Things(
        world=world,
        member_account=member,
        staff_account=staff,
        assisted_account=assisted,
        health_centre_account=health_centre,
        listing=listing,
        exchanges={
            name: Exchange.objects.get(pk=each.pk)  # as the services left them
            for name, each in [
                ("proposed", proposed),
                ("agreed", agreed),
                ("done", done),
                ("disputed", disputed),
                ("confirmed", confirmed),
                ("others", others),
            ]
        },
        donation=donation,
        approval=approval,
        referral=referral,
        offered=offered,
        offer=offer,
        matched=matched,
        escalation=escalation,
        project=project,
        training_project=training_project,
        free_slot=free_slot,
        on_rota=on_rota,
        started=started,
        attended=attended,
        conversation=conversation,
        statement=conversation.statements.order_by("pk").first(),
        invitation_token=invitation_token,
        join_request=join_request,
        check=check,
        no_password=no_password,
        pledge=pledge,
        report_pledge=report_pledge,
        report=report,
        closed_report=closed_report,
        contact_report=contact_report,
        contact_token=answer_links.token_for(contact_report),
        template=template,
        holiday=holiday,
        place=place,
        scored_pledge=scored_pledge,
        draft_pledge=draft_pledge,
        api_keys=api_keys,
        pledged=published,
        stair_light=stair_light,
        export_token=_export(world),
        # --- involvement (API) ---
        involvement_api=involve_api_objects.build(world),
        involve=_involvement_opportunities(world),  # --- involvement: opportunities
        involve_people=build_involve_people(world),
        space_pages=build_space_pages(world),  # --- Your Space: pages
        space_result=build_space_result(world),  # --- Your Space: result and delivery
        health=build_health(world),  # --- insight (health)
        space_api=space_api_objects.build(world),  # --- Your Space: the API
        geo_area=build_geo(world),  # --- insight (geo)
        my_data_token=build_my_data(world),  # --- insight (export)
        erase_person=build_erase_person(world),  # --- insight (erase)
        insight_pages=build_insight_pages(world),  # --- insight (pages)
    )


def _export(world) -> str:
    from coproduce.timebank.models import Export, ExportKind, ExportStatus

    return Export.objects.create(
        hub=world.hub,
        kind=ExportKind.LEDGER,
        requested_by=world.coordinator,
        token="matrix-export-made-by-grace",
        status=ExportStatus.READY,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    ).token


def _target(code: str, **changes) -> dict:
    return {
        "code": code,
        "name": "A call back",
        "commitment": "Someone rings you back",
        "target_amount": 1,
        "target_unit": "same_working_day",
        **changes,
    }


def _pledges(world, statement) -> tuple[Pledge, Pledge]:
    """Millbrook's published pledge with a change waiting to be published (both sides have
    signed it: Nina for the staff, Ron for the users), and Northfield's template."""
    hub = world.hub
    nina = hubs.person_register(email="nina@example.org", display_name="Nina Nurse", password=None)
    hubs.membership_add(actor=world.admin, hub=hub, person=nina, role=Role.STAFF)
    pledge = pledges.pledge_create(actor=world.staff, hub=hub, title="Health centre promises")
    pledges.pledge_update(
        actor=world.staff,
        pledge=pledge,
        title="Health centre promises",
        user_commitments=[{"text": "Cancel appointments you cannot keep", "measure": ""}],
        grown_from=[statement],
    )
    pledges.category_save(actor=world.staff, pledge=pledge, **_target("matrix-callback"))
    for person in (nina, world.assisted):
        pledges.pledge_sign(actor=person, pledge=Pledge.objects.get(pk=pledge.pk))
    pledges.pledge_publish(actor=world.coordinator, pledge=pledge)
    pledges.category_save(
        actor=world.staff,
        pledge=pledge,
        existing_code="matrix-callback",
        **_target("", target_unit="working_hours", target_amount=4),
    )
    for person in (nina, world.assisted):
        pledges.pledge_sign(actor=person, pledge=Pledge.objects.get(pk=pledge.pk))

    other = world.other_hub
    template = pledges.pledge_create(
        actor=world.other_coordinator, hub=other, title="Patient experience template"
    )
    pledges.category_save(
        actor=world.other_coordinator, pledge=template, **_target("northfield-callback")
    )
    for person in (world.other_coordinator, world.outsider):
        pledges.pledge_sign(actor=person, pledge=Pledge.objects.get(pk=template.pk))
    pledges.pledge_publish(actor=world.other_coordinator, pledge=template)
    pledges.pledge_offer_as_template(actor=world.other_coordinator, pledge=template, offered=True)
    return Pledge.objects.get(pk=pledge.pk), Pledge.objects.get(pk=template.pk)


def keys_used_just_now() -> None:
    """A key notes when it was last used, at most once a minute (so that reading the API
    is not a write per request). Mark every key as used a moment ago, as in steady use."""
    ApiToken.objects.update(last_used_at=timezone.now())


def built_once(django_db_blocker) -> Iterator[Things]:
    """For a module-scoped fixture: the objects above, built once inside a transaction that
    is rolled back after the module's last test. Each test (with the `db` fixture) runs in
    a savepoint of its own, so it starts from the same state whatever the others did."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            # The real password hasher is slow on purpose.
            with override_settings(
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
            ):
                built = build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


# --- involvement: opportunities ---------------------------------------------------------------


@dataclass
class Involvement:
    panel: object  # a recruitment panel led by Dr Amir (staff): Sam asked for a place
    asked: object  # Sam's request on it
    group: object  # a series led by Grace: Sam has a place; its first meeting has been
    past: object  # ... this one, where Sam came
    attendance: object  # Sam's: he came, and has not chosen his thanks
    expense: object  # Sam's mileage for it, waiting for a coordinator


def _involvement_opportunities(world) -> Involvement:
    from coproduce.involve import services as involve
    from coproduce.involve.models import Session

    def soon(days: int, hour: int = 14):
        return _at(days, hour), _at(days, hour + 2)

    panel = involve.opportunity_create(
        actor=world.staff,
        hub=world.hub,
        kind="co_managing",
        title="Recruitment panel: practice nurse",
        description="Read three applications and sit on the interview panel.",
        lead=world.staff,
        meetings=[soon(12)],
        staff_places=2,
        user_places=1,
        is_recruitment=True,
    )
    asked = involve.signup_ask(actor=world.member, opportunity=panel, message="Step-free please")
    group = involve.opportunity_create(
        actor=world.coordinator,
        hub=world.hub,
        kind="co_design",
        title="Research advisory group",
        description="Help shape the practice's research on loneliness.",
        lead=world.coordinator,
        when="series",
        meetings=[soon(1), soon(30), soon(60)],
        user_places=3,
        joining="instant",
    )
    place = involve.signup_ask(actor=world.member, opportunity=group)
    past = group.sessions.order_by("starts_at").first()
    Session.objects.filter(pk=past.pk).update(starts_at=_at(-1), ends_at=_at(-1, 12))
    past.refresh_from_db()
    [attendance] = involve.attendance_record(
        actor=world.coordinator, session=past, marks={place.pk: ("attended", None)}
    )
    expense = involve.expense_claim(
        actor=world.member, attendance=attendance, kind="mileage", miles="4"
    )
    return Involvement(panel, asked, group, past, attendance, expense)


# --- involvement: people ------------------------------------------------------------------
# A recruitment panel that met (Sam and Dr Amir on it; Sam chose a payment and claimed
# mileage), an open research group, Sam's and Ron's choices and the packs made for them,
# and Sam's panel training: tests/involve/people_setup.py.


def build_involve_people(world):
    from tests.involve.people_setup import build_involvement

    return build_involvement(world)


# --- Your Space: pages ------------------------------------------------------------------------
# A round taking ideas (Sam proposed a coffee morning, not checked yet) and a round open for
# votes with two projects on its ballot (nobody has voted).


@dataclass
class SpacePages:
    ideas_round: object
    idea: object  # Sam's, not checked yet
    voting_round: object
    on_ballot: object  # a project on the voting round's ballot


def build_space_pages(world) -> SpacePages:
    from coproduce.involve.space import services as space

    def round_(title):
        return space.round_create(
            actor=world.coordinator,
            hub=world.hub,
            title=title,
            resource="room",
            amount=20 * 60,
            space_name="Community room",
        )

    def idea(round_, title, hours):
        return space.idea_propose(
            actor=world.member,
            round_=round_,
            title=title,
            description=f"{title}, every week.",
            cost=hours * 60,
            run_by="Tenants' association",
        )

    ideas_round = round_("Community room: ideas")
    coffee = idea(ideas_round, "Coffee morning", 2)
    voting_round = round_("Community room: voting")
    on_ballot = [idea(voting_round, "Homework club", 6), idea(voting_round, "Men's shed", 8)]
    space.round_advance(actor=world.coordinator, round_=voting_round, to="feasibility")
    for each in on_ballot:
        space.idea_check(actor=world.staff, idea=each, feasible=True)
    voting_round = space.round_advance(actor=world.coordinator, round_=voting_round, to="vote")
    return SpacePages(ideas_round, coffee, voting_round, on_ballot[0])


# --- Your Space: result and delivery ---------------------------------------------------------
# A round sharing the community room, counted: Sam proposed the coffee morning (2 h) and
# the men's shed (4 h), and Sam, Dr Amir and Grace voted; both are funded, neither set up yet.


@dataclass
class SpaceResult:
    round: object
    coffee: object  # proposed by Sam, funded
    shed: object


def build_space_result(world) -> SpaceResult:
    from coproduce.involve.space import services as space
    from coproduce.involve.space.models import Phase, Resource

    round_ = space.round_create(
        actor=world.coordinator,
        hub=world.hub,
        title="Matrix room share",
        resource=Resource.ROOM,
        amount=20 * 60,
        space_name="Community room",
    )
    coffee, shed = (
        space.idea_propose(
            actor=world.member,
            round_=round_,
            title=title,
            description="Every week.",
            cost=minutes,
            run_by="Sam",
        )
        for title, minutes in (("Matrix coffee morning", 120), ("Matrix men's shed", 240))
    )
    space.round_advance(actor=world.coordinator, round_=round_, to=Phase.FEASIBILITY)
    for idea in (coffee, shed):
        space.idea_check(actor=world.staff, idea=idea, feasible=True)
    round_ = space.round_advance(actor=world.coordinator, round_=round_, to=Phase.VOTE)
    for voter, ideas in ((world.member, [coffee]), (world.staff, [shed]), (world.coordinator, [])):
        space.ballot_cast(actor=voter, round_=round_, ideas=ideas)
    round_ = space.round_count(actor=world.coordinator, round_=round_)
    return SpaceResult(round=round_, coffee=coffee, shed=shed)


# --- insight (geo): the areas' figures ------------------------------------------------------


def build_geo(world):
    """One of Millbrook's own areas, with no figures yet."""
    from coproduce.hubs import services as hubs

    return hubs.neighbourhood_create(actor=world.coordinator, hub=world.hub, name="Matrix Estate")


# --- insight (health) -------------------------------------------------------------------------


@dataclass
class HealthRound:
    check: object  # open now, in Millbrook, answered by nobody yet
    # Every persona signed in has equality answers, so deleting them changes something.


def build_health(world) -> HealthRound:
    from coproduce.insight.models import HealthCheck
    from coproduce.insight.services import equality

    for persona in PERSONAS:
        if persona != "anonymous":
            equality.answers_save(
                person=world.persona(persona), answers={"carer": "no"}, consent=True
            )

    today = timezone.localdate()
    check = HealthCheck.objects.create(
        hub=world.hub,
        title="Matrix health check",
        opens_on=today - datetime.timedelta(days=1),
        closes_on=today + datetime.timedelta(days=14),
        opened_by=world.coordinator,
    )
    return HealthRound(check=check)


# --- insight (export) -------------------------------------------------------------------------


def build_my_data(world) -> str:
    """Sam's download of his data, made an hour ago and ready for another 47 hours (its file
    is not in this test's folder, so it reads as gone): the token of its link."""
    from coproduce.insight.models import ExportStatus, PersonalExport

    made = timezone.now() - datetime.timedelta(hours=1)
    return PersonalExport.objects.create(
        person=world.member,
        status=ExportStatus.READY,
        token="matrix-my-data-made-by-sam",
        file_name="matrix-my-data-made-by-sam.zip",
        requested_at=made,
        ready_at=made,
        expires_at=made + datetime.timedelta(hours=48),
    ).token


# --- insight (erase) ------------------------------------------------------------------------


def build_erase_person(world):
    """Someone not online in Millbrook, whom a coordinator may be asked to erase."""
    from coproduce.hubs.models import ConsentMethod

    return hubs.person_create_assisted(
        actor=world.coordinator,
        hub=world.hub,
        display_name="Matrix Erasable",
        consent_purpose="To be a member",
        consent_method=ConsentMethod.PAPER,
    )


# --- insight (pages) ------------------------------------------------------------------------
def build_insight_pages(world):
    """Millbrook shows the public a summary of its figures (Northfield does not); a kind
    of help to give a rate for."""
    from coproduce.insight.models import InsightSettings
    from coproduce.timebank.models import Category

    Category.objects.get_or_create(hub=world.hub, name="Matrix gardening")
    return InsightSettings.objects.create(hub=world.hub, public_summary=True)
