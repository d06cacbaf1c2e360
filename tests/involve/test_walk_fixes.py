"""What a walk through the involvement pages as their users found: each email says where
to act, a pack gives an ongoing group's next meeting (not one gone by), the choices page
starts with no kind ticked, and a refusal reads the same to the person and to a
coordinator acting for them."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from coproduce.involve import access, services
from coproduce.involve.models import CoKind, HowOften, Opportunity, Pack, PackFormat, When
from coproduce.notify.models import Notification

from .conftest import group, meeting, panel
from .people_setup import move_to_past

pytestmark = pytest.mark.django_db


def test_the_reminder_email_links_to_the_place_where_i_cant_come_is(world, people):
    ann = people["ann"]
    soon = timezone.localtime() + datetime.timedelta(hours=30)
    opportunity = group(world, meetings=[(soon, soon + datetime.timedelta(hours=2)), meeting(40)])
    signup = services.signup_ask(actor=ann, opportunity=opportunity)
    call_command("involve", "tick")
    told = Notification.objects.get(recipient=ann, subject__startswith="Reminder")
    place = reverse("involve-signup", args=[world.hub.slug, signup.pk])
    last = told.body.rstrip().splitlines()[-1]
    assert last.startswith("http") and last.endswith(place)


def test_a_pack_links_to_itself_and_gives_the_next_meeting_not_a_past_one(world, people):
    ann = people["ann"]
    ongoing = group(world, when=When.ONGOING, meetings=[meeting(20), meeting(50)])
    move_to_past(ongoing.sessions.order_by("starts_at").first(), days_ago=10)
    services.choices_set(
        actor=ann,
        person=ann,
        hub=world.hub,
        kinds=[CoKind.CO_DESIGN],
        how_often=HowOften.MONTHLY,
        format=PackFormat.EMAIL,
    )
    assert services.packs_make() == 1
    pack = Pack.objects.get(person=ann)
    body = Notification.objects.get(recipient=ann, subject__startswith="Your involvement").body
    assert reverse("involve-pack", args=[world.hub.slug, pack.pk]) in body
    assert reverse("involve-choices", args=[world.hub.slug]) in body
    upcoming = ongoing.sessions.order_by("starts_at").last().starts_at
    past = timezone.localtime() - datetime.timedelta(days=10)
    assert f"{timezone.localtime(upcoming):%A %-d %B, %H:%M}, the next meeting" in body
    assert f"{past:%A %-d %B}" not in body


def test_the_choices_page_starts_with_no_kind_ticked(world, client, people):
    """Every kind is the default and reads "None ticked": ticking one kind must not leave
    the other six ticked as well."""
    client.force_login(people["ann"])
    body = client.get(reverse("involve-choices", args=[world.hub.slug])).content.decode()
    assert 'name="kinds"' in body and 'name="kinds" value="co_managing"' in body
    assert "checked" not in body.split('name="how_often"')[0].split('name="kinds"', 1)[1]


def test_a_missing_training_is_said_without_naming_the_reader_as_someone_else(world, people):
    opportunity = panel(world, training="Recruitment panel training")
    membership = world.hub.memberships.get(person=people["ann"])
    why = access.refusal(opportunity, membership)
    assert why.startswith("This needs Recruitment panel training first, valid on ")
    assert "Ann Patient" not in why and "ask a coordinator" in why


def test_an_ongoing_one_opens_with_the_date_left_as_it_came_and_no_times(world, client):
    """The form fills in a date; someone opening an ongoing group with no meeting yet
    leaves it, types no times, and is not told to enter them."""
    from .test_pages import _new

    client.force_login(world.staff)
    address = reverse("involve-new", args=[world.hub.slug])
    response = client.post(address, _new(world, when="ongoing", starts_at="", ends_at=""))
    assert response.status_code == 302
    assert Opportunity.objects.get().sessions.count() == 0
    half = client.post(address, _new(world, when="ongoing", ends_at="", key="k-half"))
    assert half.status_code == 400 and 'id="id_ends_at_error"' in half.content.decode()


def test_a_full_one_whose_meetings_are_over_offers_no_waiting_list(world, client, people):
    opportunity = group(world, user_places=1)
    services.signup_ask(actor=people["ann"], opportunity=opportunity)
    client.force_login(people["bob"])
    address = reverse("involve-opportunity", args=[world.hub.slug, opportunity.pk])
    listing = reverse("involve-list", args=[world.hub.slug])
    assert "ask to go on the waiting list" in client.get(address).content.decode()
    assert "ask to go on the waiting list" in client.get(listing).content.decode()
    for days_ago, session in enumerate(opportunity.sessions.all(), start=1):
        move_to_past(session, days_ago=days_ago)
    assert "ask to go on the waiting list" not in client.get(address).content.decode()
    assert "ask to go on the waiting list" not in client.get(listing).content.decode()


def test_a_coordinator_reads_the_thanks_chosen_for_someone_in_the_third_person(world, client):
    ron = world.assisted
    opportunity = group(world)
    signup = services.signup_ask(actor=world.coordinator, opportunity=opportunity, person=ron)
    session = move_to_past(opportunity.sessions.order_by("starts_at").first())
    marks = {signup.pk: ("attended", None)}
    [came] = services.attendance_record(actor=world.coordinator, session=session, marks=marks)
    services.thanks_choose(actor=world.coordinator, attendance=came, choice="decline")
    client.force_login(world.coordinator)
    body = client.get(reverse("involve-attendance", args=[world.hub.slug, came.pk])).content
    assert "Chosen: <strong>Declined, with thanks</strong>" in body.decode()
    record = reverse("involve-record-person", args=[world.hub.slug, ron.pk])
    said = client.get(record).content.decode()
    assert "Declined, with thanks" in said and "Nothing, thank you" not in said


def test_the_log_says_who_went_on_the_waiting_list_when_a_coordinator_signs_someone_up(
    world, client
):
    opportunity = group(world, title="Full group", user_places=1)
    services.signup_ask(actor=world.member, opportunity=opportunity)
    services.signup_ask(actor=world.coordinator, opportunity=opportunity, person=world.assisted)
    client.force_login(world.admin)
    body = client.get(reverse("audit-log", args=[world.hub.slug])).content.decode()
    assert "signed up Ron Assisted for" in body
    assert ", who went on the waiting list" in body
    assert "and went on the waiting list" not in body


def test_a_meeting_already_held_is_said_to_be(world, client, people):
    opportunity = group(world)
    move_to_past(opportunity.sessions.order_by("starts_at").first())
    client.force_login(people["ann"])
    address = reverse("involve-opportunity", args=[world.hub.slug, opportunity.pk])
    assert client.get(address).content.decode().count("(already held)") == 1


def test_a_pack_page_lists_only_meetings_still_to_come(world, client, people):
    ann = people["ann"]
    ongoing = group(world, when=When.ONGOING, meetings=[meeting(20), meeting(50)])
    services.choices_set(
        actor=ann,
        person=ann,
        hub=world.hub,
        kinds=[],
        how_often=HowOften.MONTHLY,
        format=PackFormat.EMAIL,
    )
    services.packs_make()
    first, later = ongoing.sessions.order_by("starts_at")
    move_to_past(first, days_ago=3)
    client.force_login(ann)
    pack = Pack.objects.get(person=ann)
    body = client.get(reverse("involve-pack", args=[world.hub.slug, pack.pk])).content.decode()
    gone = timezone.localtime(first.starts_at)
    assert f"{timezone.localtime(later.starts_at):%A %-d %B %Y}" in body
    assert f"{gone:%A %-d %B %Y}" not in body


def test_an_attendance_error_names_whose_hours_are_wrong(world, client, people):
    opportunity = group(world)
    signup = services.signup_ask(actor=people["ann"], opportunity=opportunity)
    session = move_to_past(opportunity.sessions.order_by("starts_at").first())
    client.force_login(world.coordinator)
    address = reverse(
        "involve-attendance-record", args=[world.hub.slug, opportunity.pk, session.pk]
    )
    response = client.post(
        address,
        {
            f"status_{signup.pk}": "attended",
            f"hours_{signup.pk}": "99999999999999999999",
            f"minutes_{signup.pk}": "0",
        },
    )
    assert response.status_code == 400
    assert "Hours for Ann Patient: Enter 12 hours or fewer." in response.content.decode()
    assert not session.attendance.exists()


def test_the_choices_page_leads_to_my_latest_pack(world, client, people):
    ann = people["ann"]
    group(world)
    services.choices_set(
        actor=ann,
        person=ann,
        hub=world.hub,
        kinds=[],
        how_often=HowOften.MONTHLY,
        format=PackFormat.EMAIL,
    )
    client.force_login(ann)
    address = reverse("involve-choices", args=[world.hub.slug])
    assert "Your latest pack" not in client.get(address).content.decode()
    services.packs_make()
    pack = Pack.objects.get(person=ann)
    body = client.get(address).content.decode()
    assert (
        f'href="{reverse("involve-pack", args=[world.hub.slug, pack.pk])}">Your latest pack' in body
    )


def test_a_pack_says_when_every_place_is_taken(world, client):
    from coproduce.involve import services
    from coproduce.involve.models import InvolvementChoice, Pack

    from .conftest import group, member

    full = group(world, user_places=1, title="Patient forum")
    services.signup_ask(actor=member(world, "zed@example.org", "Zed Patient"), opportunity=full)
    InvolvementChoice.objects.create(person=world.member, hub=world.hub, how_often="monthly")
    services.packs_make()
    pack = Pack.objects.get(person=world.member)
    client.force_login(world.member)
    body = client.get(f"/hubs/{world.hub.slug}/involvement/packs/{pack.pk}/").content.decode()
    assert "Patient forum" in body
    assert "All taken for now" in body


def test_a_one_off_already_held_leaves_the_list_but_not_for_its_lead(world, client):
    import datetime

    from django.utils import timezone

    from .conftest import panel

    held = panel(world, title="Panel that met")
    session = held.sessions.get()
    session.starts_at = timezone.now() - datetime.timedelta(days=2)
    session.ends_at = session.starts_at + datetime.timedelta(hours=1)
    session.save()
    coming = panel(world, title="Panel to come")
    address = f"/hubs/{world.hub.slug}/involvement/"
    client.force_login(world.member)
    body = client.get(address).content.decode()
    assert coming.title in body and held.title not in body
    client.force_login(world.staff)  # its lead, who still records who came and hires
    assert held.title in client.get(address).content.decode()


def test_a_form_page_is_titled_with_its_hub(world, client):
    import re

    client.force_login(world.staff)
    page = client.get(f"/hubs/{world.hub.slug}/involvement/new/").content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert title.startswith("New opportunity \N{EN DASH} Millbrook Time Bank")
