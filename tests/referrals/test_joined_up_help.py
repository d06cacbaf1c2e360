"""Joined-up help: regular help set up in one step from a referral a volunteer said yes
to; a project's training gating the matcher as it gates the rota; turns logged once
started, and past turns a coordinator records; a helped request closed from its
exchange."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coproduce.audit import sentence_of
from coproduce.errors import ApplicationError
from coproduce.hubs.models import AuditEvent
from coproduce.notify.models import Kind, Notification
from coproduce.referrals import access, matching, selectors, services
from coproduce.referrals.models import (
    Assignment,
    AssignmentStatus,
    HelpPlan,
    MatchOffer,
    Outcome,
    Referral,
    ReferralStatus,
    Slot,
    TrainingRecord,
)
from coproduce.timebank import services as timebank
from coproduce.timebank.ledger import verify
from coproduce.timebank.models import Exchange, ExchangeParty

from .conftest import friend_on_the_phone, triage
from .test_projects import at


def matched(world, scene, **triage_changes) -> Referral:
    referral = triage(world, scene.referral, **triage_changes)
    offer = services.offer_send(
        actor=world.coordinator, referral=referral, volunteer=scene.volunteer
    )
    services.offer_accept(actor=scene.volunteer, offer=offer)
    return Referral.objects.get(pk=referral.pk)


def plan_for(world, referral, key="k1", **changes):
    values = {
        "actor": world.coordinator,
        "referral": referral,
        "key": key,
        "first_at": at(2, 10),
        "weeks": 6,
    }
    return services.help_plan_create(**{**values, **changes})


# --- 1. regular help in one step ---------------------------------------------------------


def test_weekly_calls_for_six_weeks_in_one_step(world, scene):
    referral = matched(world, scene)
    plan = plan_for(world, referral)
    slots = list(Slot.objects.filter(referral=referral).order_by("starts_at"))
    assert len(slots) == plan.turns == 6
    assert [s.starts_at for s in slots] == [at(2 + 7 * n, 10) for n in range(6)]
    assert all(s.receiver_id == referral.person_id and s.role == "caller" for s in slots)
    on = Assignment.objects.filter(slot__in=slots, status=AssignmentStatus.ON_ROTA)
    assert {a.person_id for a in on} == {scene.volunteer.pk} and on.count() == 6
    # The volunteer is told once, of the whole plan, not once per turn.
    told = Notification.objects.filter(recipient=scene.volunteer, kind=Kind.ROTA)
    assert [n.subject for n in told] == ["Your turns helping Molly"]
    referral.refresh_from_db()
    assert referral.project_id == plan.project_id  # a rota of its own, linked
    assert plan.project.lead_id == world.coordinator.pk
    assert plan.how_often == "every week" and plan.length == "30 min"
    sentence = sentence_of(AuditEvent.objects.filter(event="referral.planned").get())
    assert "set up 6 phone calls for the referral of Molly Jenkins" in sentence


def test_a_retry_of_the_setup_creates_one_plan(world, scene):
    referral = matched(world, scene)
    first = plan_for(world, referral, key="same")
    again = plan_for(world, referral, key="same")
    assert again.pk == first.pk
    assert HelpPlan.objects.count() == 1
    assert Slot.objects.filter(referral=referral).count() == 6
    with pytest.raises(ApplicationError, match="already set up"):
        plan_for(world, referral, key="another")


def test_regular_help_needs_a_yes_and_a_coordinator(world, scene):
    referral = triage(world, scene.referral)
    with pytest.raises(ApplicationError, match="once a volunteer has said yes"):
        plan_for(world, referral)
    referral = matched(world, scene)
    for someone in (world.staff, scene.volunteer, world.member):
        with pytest.raises(PermissionDenied):
            plan_for(world, referral, actor=someone)
    assert not HelpPlan.objects.exists() and not Slot.objects.exists()


def test_every_three_days_on_an_existing_project(world, scene):
    project = friend_on_the_phone(world, training="")
    referral = matched(world, scene)
    plan = plan_for(world, referral, project=project, every_days=3, weeks=2, minutes=45)
    assert plan.project == project and plan.turns == 5
    assert plan.how_often == "every 3 days" and plan.length == "45 min"


def test_a_project_whose_training_the_volunteer_lacks_is_refused_whole(world, scene):
    project = friend_on_the_phone(world)  # needs "Listening well"
    referral = matched(world, scene)
    with pytest.raises(ApplicationError, match="needs the project's training"):
        plan_for(world, referral, project=project)
    assert not Slot.objects.exists() and not HelpPlan.objects.exists()


def test_turns_logged_give_hours_and_progress(world, scene):
    referral = matched(world, scene)
    plan = plan_for(world, referral)
    first = Slot.objects.filter(referral=referral).order_by("starts_at").first()
    # The first call has started (moved back, as the clock would).
    Slot.objects.filter(pk=first.pk).update(
        starts_at=timezone.now() - datetime.timedelta(minutes=5),
        ends_at=timezone.now() + datetime.timedelta(minutes=25),
    )
    turn = Assignment.objects.get(slot=first)
    services.assignment_log(actor=scene.volunteer, assignment=turn, minutes=40)
    services.assignment_confirm(actor=world.coordinator, assignment=turn)
    turn.refresh_from_db()
    assert turn.status == AssignmentStatus.CONFIRMED
    gave = ExchangeParty.objects.get(exchange=turn.exchange, side=ExchangeParty.GIVES)
    assert gave.minutes == 40
    assert selectors.help_progress(referral).contacts == 1
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.ACTIVE
    assert plan.turns == 6
    assert verify(world.hub).ok


def test_the_referral_page_shows_the_plan_to_each_as_they_may_see(world, scene, client_for):
    referral = matched(world, scene)
    url = f"/hubs/millbrook/referrals/{referral.pk}/"
    page = client_for(world.coordinator).get(url).content.decode()
    assert "Set up regular help" in page
    form = client_for(world.coordinator).get(url + "plan/")
    assert form.status_code == 200
    key = form.context["form"]["key"].value()
    day = timezone.localdate() + datetime.timedelta(days=2)
    data = {
        "kind": "call",
        "starts_on": day.isoformat(),
        "starts_at": "10:00",
        "every_days": "7",
        "weeks": "6",
        "minutes": "30",
        "project": "new",
        "key": key,
    }
    client = client_for(world.coordinator)
    assert client.post(url + "plan/", data).status_code == 302
    assert client.post(url + "plan/", data).status_code == 302  # a double click
    assert HelpPlan.objects.count() == 1
    page = client.get(url).content.decode()
    assert "Phone calls every week, 30 min each: 6 turns" in page
    assert "Vera Volunteer" in page and "Set up regular help" not in page
    referrer = client_for(world.staff).get(url).content.decode()
    assert "Phone calls every week" in referrer and "Planned" in referrer
    assert "Vera" not in referrer and "vera@example.org" not in referrer
    volunteer = client_for(scene.volunteer).get(url).content.decode()
    assert "You are on each turn" in volunteer and "· You" in volunteer
    projects = client_for(scene.volunteer).get("/hubs/millbrook/projects/").content.decode()
    assert "Regular help for Molly" in projects  # their turns, on their projects page


def test_the_plan_form_offers_only_projects_that_accept_the_volunteer(world, scene, client_for):
    gated = friend_on_the_phone(world)
    open_to_all = friend_on_the_phone(world, name="Good neighbours", training="")
    referral = matched(world, scene)
    form = client_for(world.coordinator).get(f"/hubs/millbrook/referrals/{referral.pk}/plan/")
    choices = dict(form.context["form"].fields["project"].choices)
    assert str(open_to_all.pk) in choices and str(gated.pk) not in choices


# --- 2. the matcher gates on the project's training --------------------------------------

# Each volunteer's training, as (given, renew by) in days from today; None: not trained,
# and a renew-by of None: it lasts.
TRAINING = st.one_of(
    st.none(),
    st.tuples(st.integers(-800, 0), st.one_of(st.none(), st.integers(-400, 400))).filter(
        lambda t: t[1] is None or t[1] > t[0]
    ),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(trainings=st.tuples(TRAINING, TRAINING))
def test_the_matcher_never_proposes_anyone_the_project_would_refuse(world, scene, trainings):
    project = friend_on_the_phone(world) if not world.hub.projects.exists() else None
    project = project or world.hub.projects.get()
    referral = triage(world, scene.referral, needs_check=False, project=project)
    MatchOffer.objects.all().delete()
    TrainingRecord.objects.all().delete()
    today = timezone.localdate()
    for person, training in zip((scene.volunteer, scene.unchecked), trainings, strict=True):
        if training:
            given_on, renew = training
            TrainingRecord.objects.create(
                project=project,
                person=person,
                trained_by=world.coordinator,
                trained_on=today + datetime.timedelta(days=given_on),
                expires_on=None if renew is None else today + datetime.timedelta(days=renew),
            )
    trained = {
        person
        for person, t in zip((scene.volunteer, scene.unchecked), trainings, strict=True)
        if t and (t[1] is None or t[1] > 0)
    }
    suggested = {
        s.membership.person
        for s in services.match_suggestions(actor=world.coordinator, referral=referral)
    }
    assert suggested == trained  # Sam fits the need too, but has no training
    [slot] = (
        services.slots_add(
            actor=world.coordinator,
            project=project,
            periods=[matching_period()],
            role="caller",
        )
        if not Slot.objects.exists()
        else [Slot.objects.get()]
    )
    for person in (scene.volunteer, scene.unchecked, world.member):
        may_ask = person in suggested
        try:
            services.offer_send(actor=world.coordinator, referral=referral, volunteer=person)
        except ApplicationError as error:
            assert not may_ask, error.message
            assert "training" in error.message
        else:
            assert may_ask
        # The rota's gate agrees, judged on the turn's own day (training that runs out
        # before then does not count for it).
        on_the_day = access.accepted_by(project, [person], on=timezone.localdate(slot.starts_at))
        with_slot = Assignment.objects.filter(slot=slot, person=person)
        try:
            services.assignment_take(actor=world.coordinator, slot=slot, person=person)
        except ApplicationError:
            assert person not in on_the_day
        else:
            assert person in on_the_day and person in trained
            with_slot.delete()


def matching_period():
    from coproduce.referrals import schedule

    return schedule.Period(at(3), at(3, 11))


@settings(max_examples=200, deadline=None)
@given(
    held=st.lists(st.frozensets(st.integers(1, 3), max_size=3), min_size=1, max_size=12),
    training=st.one_of(st.none(), st.integers(1, 3)),
)
def test_the_engine_returns_only_holders_of_the_training(held, training):
    candidates = [
        matching.Candidate(member_id=i, trainings=t, categories=frozenset([1]))
        for i, t in enumerate(held, start=1)
    ]
    need = matching.Need(today=1, category=1, training=training)
    fast = matching.Pool(candidates).rank(need, k=20)
    assert fast == matching.rank_naive(candidates, need, k=20)
    for ranked in fast:
        assert training is None or training in held[ranked.member_id - 1]


def test_no_ask_button_for_someone_the_project_refuses(world, scene, client_for):
    project = friend_on_the_phone(world)
    referral = triage(world, scene.referral, needs_check=False, project=project)
    page = client_for(world.coordinator).get(f"/hubs/millbrook/referrals/{referral.pk}/")
    assert "Ask Vera Volunteer" not in page.content.decode()
    services.training_record(actor=world.coordinator, project=project, person=scene.volunteer)
    page = client_for(world.coordinator).get(f"/hubs/millbrook/referrals/{referral.pk}/")
    assert "Ask Vera Volunteer" in page.content.decode()
    assert "Trained for the project that gives this help" in page.content.decode()


def test_expired_training_closes_the_rota(world, scene):
    project = friend_on_the_phone(world)
    today = timezone.localdate()
    services.training_record(
        actor=world.coordinator,
        project=project,
        person=scene.volunteer,
        trained_on=today - datetime.timedelta(days=400),
        expires_on=today - datetime.timedelta(days=35),
    )
    [slot] = services.slots_add(
        actor=world.coordinator, project=project, periods=[matching_period()], role="caller"
    )
    with pytest.raises(ApplicationError, match="needs the project's training"):
        services.assignment_take(actor=scene.volunteer, slot=slot)
    services.training_record(actor=world.coordinator, project=project, person=scene.volunteer)
    services.assignment_take(actor=scene.volunteer, slot=slot)  # renewed


def test_put_on_the_rota_lists_only_people_the_project_accepts(world, scene, client_for):
    project = friend_on_the_phone(world)
    services.slots_add(
        actor=world.coordinator, project=project, periods=[matching_period()], role="caller"
    )
    services.training_record(actor=world.coordinator, project=project, person=world.member)
    client = client_for(world.coordinator)
    page = client.get(f"/hubs/millbrook/projects/{project.pk}/")
    assert 'name="person__q"' in page.text and "<option" not in page.text
    found = client.get(
        "/hubs/millbrook/people/search/", {"for": "project-rota", "project": project.pk, "q": "e"}
    )
    people = set(
        re.findall(r'<label for="id_person_m\d+">([^<]+?)(?: \([^)]*\))?</label>', found.text)
    )
    assert people == {"Sam Member"}
    # Grace, Helen and the others match "e" too, but are not trained.
    everyone = client.get(
        "/hubs/millbrook/people/search/",
        {"for": "project-trained", "project": project.pk, "q": "e"},
    )
    assert {"Sam Member", "Grace Coordinator"} <= set(
        re.findall(r'<label for="id_person_m\d+">([^<]+?)(?: \([^)]*\))?</label>', everyone.text)
    )


# --- 3. turns logged once started; past turns recorded -----------------------------------


def _started_turn(world, project, person):
    [slot] = services.slots_add(
        actor=world.coordinator, project=project, periods=[matching_period()], role="caller"
    )
    turn = services.assignment_take(actor=world.coordinator, slot=slot, person=person)
    now = timezone.now()
    Slot.objects.filter(pk=slot.pk).update(
        starts_at=now - datetime.timedelta(minutes=10), ends_at=now + datetime.timedelta(hours=1)
    )
    return turn


def test_a_turn_is_logged_once_it_has_started(world, scene, client_for):
    project = friend_on_the_phone(world, training="")
    turn = _started_turn(world, project, world.member)
    page = client_for(world.member).get(f"/hubs/millbrook/projects/{project.pk}/")
    assert "It happened: log my time" in page.content.decode()
    services.assignment_log(actor=world.member, assignment=turn, minutes=20)
    assert Assignment.objects.get(pk=turn.pk).status == AssignmentStatus.ATTENDED


def past(world, project, person, key="p1", **changes):
    values = {
        "actor": world.coordinator,
        "project": project,
        "person": person,
        "starts_at": at(-3, 14),
        "minutes": 90,
        "role": "caller",
        "key": key,
    }
    return services.turn_record_past(**{**values, **changes})


def test_a_coordinators_past_turn_records_hours_once(world, scene, bank):
    project = friend_on_the_phone(world, training="")
    first = past(world, project, world.member)
    again = past(world, project, world.member)  # the form sent twice
    assert again.pk == first.pk
    assert first.status == AssignmentStatus.CONFIRMED
    assert Exchange.objects.filter(pk=first.exchange_id).count() == 1
    assert Assignment.objects.filter(person=world.member).count() == 1
    gave = ExchangeParty.objects.get(exchange=first.exchange, side=ExchangeParty.GIVES)
    assert gave.minutes == 90
    bank.member.refresh_from_db()
    assert verify(world.hub).ok
    sentence = sentence_of(AuditEvent.objects.filter(event="rota.recorded").get())
    assert sentence.startswith("Grace Coordinator recorded a past turn by Sam Member")
    assert "1 h 30 min" in sentence


def test_only_a_coordinator_records_a_past_turn(world, scene):
    project = friend_on_the_phone(world, training="", lead=world.member)
    for someone in (world.member, world.staff, scene.volunteer):  # the lead too
        with pytest.raises(PermissionDenied):
            past(world, project, scene.volunteer, actor=someone)
    assert not Slot.objects.exists()


def test_a_coordinators_own_past_turn_waits_for_someone_else(world, scene):
    project = friend_on_the_phone(world, training="")
    own = past(world, project, world.coordinator)
    assert own.status == AssignmentStatus.ATTENDED and own.exchange_id is None
    with pytest.raises(PermissionDenied):
        services.assignment_confirm(actor=world.coordinator, assignment=own)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"starts_at": at(1)}, "once it has started"),
        ({"minutes": 0}, "above zero"),
        ({"role": "driver"}, "jobs"),
        ({"starts_at": at(-400)}, "last year"),
    ],
)
def test_bad_past_turns_are_refused(world, scene, changes, message):
    project = friend_on_the_phone(world, training="")
    with pytest.raises(ApplicationError, match=message):
        past(world, project, world.member, **changes)
    assert not Slot.objects.exists()


def test_a_past_turn_cannot_clash_or_skip_training(world, scene):
    project = friend_on_the_phone(world)
    with pytest.raises(ApplicationError, match="training"):
        past(world, project, world.member)
    open_project = friend_on_the_phone(world, name="Calls", training="")
    past(world, open_project, world.member)
    with pytest.raises(ApplicationError, match="already on the rota"):
        past(
            world,
            open_project,
            world.member,
            key="p2",
            starts_at=at(-3, 14) + (datetime.timedelta(minutes=30)),
        )


def test_recording_a_past_turn_from_the_page(world, scene, client_for):
    project = friend_on_the_phone(world, training="")
    client = client_for(world.coordinator)
    url = f"/hubs/millbrook/projects/{project.pk}/turns/record/"
    assert (
        "Record a past turn"
        in client.get(f"/hubs/millbrook/projects/{project.pk}/").content.decode()
    )
    key = client.get(url).context["form"]["key"].value()
    day = timezone.localdate() - datetime.timedelta(days=2)
    data = {
        "person": world.member.pk,
        "starts_on": day.isoformat(),
        "starts_at": "15:00",
        "minutes": "45",
        "role": "caller",
        "referral": "",
        "key": key,
    }
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    [turn] = Assignment.objects.filter(person=world.member)
    assert turn.status == AssignmentStatus.CONFIRMED and turn.minutes == 45
    page = client_for(world.member).get(f"/hubs/millbrook/projects/{project.pk}/")
    assert "Record a past turn" not in page.content.decode()


# --- 4. a helped request closed from its exchange ----------------------------------------


def test_closing_a_referral_from_its_exchange(world, scene, client_for):
    referral = matched(world, scene)
    url = f"/hubs/millbrook/timebank/exchanges/{referral.exchange_id}/"
    for someone in (scene.volunteer, referral.person):
        if someone.is_assisted_digital:
            continue
        page = client_for(someone).get(url).content.decode()
        assert "Close the request: help given" not in page
    page = client_for(world.coordinator).get(url).content.decode()
    assert "Close the request: help given" in page
    response = client_for(world.coordinator).post(
        f"/hubs/millbrook/referrals/{referral.pk}/close/",
        {"outcome": "helped", "note": "Help given (closed from the exchange)"},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED and referral.outcome == Outcome.HELPED
    assert AuditEvent.objects.filter(event="referral.closed").count() == 1
    page = client_for(world.coordinator).get(url).content.decode()
    assert "Close the request: help given" not in page  # closed now


def test_closing_a_request_from_its_exchange(world, scene, bank, client_for):
    listing = timebank.listing_create(
        actor=world.member, account=bank.member, kind="request", title="Lift to the clinic"
    )
    exchange = timebank.exchange_propose(actor=world.staff, listing=listing)
    url = f"/hubs/millbrook/timebank/exchanges/{exchange.pk}/"
    assert "Close the request: help given" not in client_for(world.staff).get(url).content.decode()
    assert "Close the request: help given" in client_for(world.member).get(url).content.decode()
    refused = client_for(world.staff).post(url + "close-request/")
    assert refused.status_code == 403
    listing.refresh_from_db()
    assert listing.is_active
    assert client_for(world.member).post(url + "close-request/").status_code == 302
    listing.refresh_from_db()
    assert not listing.is_active
    sentence = sentence_of(AuditEvent.objects.filter(event="listing.closed").get())
    assert sentence == "Sam Member closed the request “Lift to the clinic”: help given."
    assert "Close the request: help given" not in client_for(world.member).get(url).content.decode()
