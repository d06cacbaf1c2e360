"""The rota forms (add slots, record a past turn) choose the referral their turns are for by
a search, as people are chosen: by the person's name or what they need, among the hub's
open referrals (whichever project they were sent to), for coordinators only; never a list
of every referral. Without JavaScript, "Find" shows the same form with the matches."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from coproduce.referrals import services
from coproduce.referrals.models import Assignment, Referral, Slot

from .conftest import friend_on_the_phone, refer_molly
from .test_joined_up_help import matched

MATCH = re.compile(r'<label for="id_referral_m(\d+)">([^<]+)</label>')
CHOSEN = re.compile(r'name="referral" value="(\d+)" id="id_referral_c\d+" checked')


def found(response) -> dict[int, str]:
    assert response.status_code == 200, response.status_code
    return {int(pk): label for pk, label in MATCH.findall(response.text)}


@pytest.fixture
def project(world):
    return friend_on_the_phone(world, training="")


def slots_url(project):
    return f"/hubs/millbrook/projects/{project.pk}/slots/new/"


def turn_url(project):
    return f"/hubs/millbrook/projects/{project.pk}/turns/record/"


def slot_data(**changes):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    values = {
        "pattern": "once",
        "starts_on": tomorrow.isoformat(),
        "starts_at": "10:00",
        "minutes": "30",
        "role": "caller",
        "places": "1",
        "note": "A chat",
    }
    return {**values, **changes}


def turn_data(client, project, **changes):
    key = client.get(turn_url(project)).context["form"]["key"].value()
    day = timezone.localdate() - datetime.timedelta(days=2)
    values = {
        "starts_on": day.isoformat(),
        "starts_at": "15:00",
        "minutes": "45",
        "role": "caller",
        "key": key,
    }
    return {**values, **changes}


def northfield_referral(world) -> Referral:
    return refer_molly(
        world,
        actor=world.other_coordinator,
        hub=world.other_hub,
        new_person={"display_name": "Molly Northfield", "phone": "01632 960 556"},
    )


def closed_referral(world) -> Referral:
    referral = refer_molly(
        world, new_person={"display_name": "Molly Closed", "phone": "01632 960 557"}
    )
    return services.referral_close(
        actor=world.coordinator, referral=referral, outcome="no_longer_needed"
    )


def test_slots_are_for_a_referral_found_by_name_then_chosen_without_scripts(
    world, scene, project, client_for
):
    client = client_for(world.coordinator)
    url = slots_url(project)
    shown = client.post(url, slot_data(referral__q="molly", _find="referral"))
    assert "There is a problem" not in shown.text
    assert 'value="A chat"' in shown.text  # what was typed is kept
    [(pk, label)] = found(shown).items()
    assert pk == scene.referral.pk
    assert label.startswith("Molly Jenkins: Phone calls (new, referred ")
    assert not Slot.objects.filter(project=project).exists()  # Find saves nothing
    done = client.post(url, slot_data(referral=scene.referral.pk))
    assert done.status_code == 302
    slot = Slot.objects.get(project=project)
    assert slot.referral == scene.referral
    assert slot.receiver == scene.referral.person  # the referral's person, unless said


def test_a_referral_is_found_by_what_they_need(world, scene, project, client_for):
    client = client_for(world.coordinator)
    other = refer_molly(
        world,
        new_person={"display_name": "Ken Park", "phone": "01632 960 558"},
        description="Shopping on Fridays: cannot carry heavy bags since his operation.",
    )
    need = found(client.post(slots_url(project), slot_data(referral__q="bags", _find="referral")))
    assert set(need) == {other.pk}
    assert need[other.pk].startswith("Ken Park: Shopping on Fridays: cannot carry heavy…")
    category = found(
        client.post(slots_url(project), slot_data(referral__q="phone", _find="referral"))
    )
    assert set(category) == {scene.referral.pk}
    both = found(client.post(slots_url(project), slot_data(referral__q="Ken bags", _find="x")))
    assert set(both) == {other.pk}


def test_a_matched_referral_sent_to_no_project_can_be_chosen(world, scene, project, client_for):
    """The old rule: any open referral of the hub, not only those sent to this project."""
    referral = matched(world, scene)
    assert referral.project_id is None and referral.is_open
    client = client_for(world.coordinator)
    page = client.post(slots_url(project), slot_data(referral__q="Jenkins", _find="referral"))
    assert set(found(page)) == {referral.pk}
    assert client.post(slots_url(project), slot_data(referral=referral.pk)).status_code == 302
    assert Slot.objects.get(project=project).referral == referral


def test_a_past_turn_is_for_a_referral_found_then_chosen(world, scene, project, client_for):
    client = client_for(world.coordinator)
    url = turn_url(project)
    data = turn_data(client, project, person=world.member.pk)
    shown = client.post(url, {**data, "referral__q": "Molly", "_find": "referral"})
    assert set(found(shown)) == {scene.referral.pk}
    assert CHOSEN.findall(shown.text) == []
    # Chosen, then another Find: the choice stays chosen.
    again = client.post(
        url, {**data, "referral": scene.referral.pk, "referral__q": "Molly", "_find": "referral"}
    )
    assert CHOSEN.findall(again.text) == [str(scene.referral.pk)]
    assert "No other open referral matches “Molly”." in again.text
    assert client.post(url, {**data, "referral": scene.referral.pk}).status_code == 302
    turn = Assignment.objects.get(person=world.member)
    assert turn.slot.referral == scene.referral


@pytest.mark.parametrize("form", ["slots", "turn"])
def test_a_closed_referral_or_another_hubs_cannot_be_chosen_even_by_its_id(
    world, scene, project, client_for, form
):
    closed = closed_referral(world)
    northfield = northfield_referral(world)
    client = client_for(world.coordinator)
    if form == "slots":
        url, data = slots_url(project), slot_data()
    else:
        url, data = turn_url(project), turn_data(client, project, person=world.member.pk)
    search = found(client.post(url, {**data, "referral__q": "Molly", "_find": "referral"}))
    assert set(search) == {scene.referral.pk}  # neither the closed one nor Northfield's
    for forged in (closed.pk, northfield.pk, "1 OR 1=1", 2**63):
        refused = client.post(url, {**data, "referral": forged})
        assert refused.status_code == 400, forged
        assert "For a referral: Choose an open referral of this hub" in refused.text
    assert not Slot.objects.filter(project=project).exists()
    # The search itself, asked directly, says the same.
    direct = client.get(
        reverse("people-search", args=["millbrook"]),
        {"for": "rota-referral", "project": project.pk, "field": "referral", "q": "Molly"},
    )
    assert set(found(direct)) == {scene.referral.pk}
    assert "Northfield" not in direct.text and "Molly Closed" not in direct.text


def test_a_lead_who_does_not_coordinate_is_not_asked_for_a_referral(world, scene, client_for):
    project = friend_on_the_phone(world, training="", lead=world.member)
    client = client_for(world.member)
    page = client.get(slots_url(project))
    assert page.status_code == 200
    assert "For a referral" not in page.text and "Molly" not in page.text
    search = client.get(
        reverse("people-search", args=["millbrook"]),
        {"for": "rota-referral", "project": project.pk, "q": "Molly"},
    )
    assert search.status_code == 403
    # A referral sent anyway is ignored: the slot is for no referral.
    assert client.post(slots_url(project), slot_data(referral=scene.referral.pk)).status_code == 302
    assert Slot.objects.get(project=project).referral is None


def form_part(page) -> str:
    """The page from its heading on (the header counts the coordinator's unread news)."""
    return page.text[page.text.index("<h1>") :]


def test_the_forms_do_not_grow_with_the_referrals(world, scene, project, client_for):
    client = client_for(world.coordinator)
    urls = (slots_url(project), turn_url(project))
    before = {url: len(form_part(client.get(url))) for url in urls}
    for i in range(30):
        refer_molly(
            world, new_person={"display_name": f"Pat Referred {i:02d}", "phone": "01632 960 560"}
        )
    for url, size in before.items():
        page = client.get(url)
        assert len(form_part(page)) == size, url
        assert "Pat Referred" not in page.text
    # Searching shows at most ten, and says to type more.
    many = client.post(slots_url(project), slot_data(referral__q="Pat", _find="referral"))
    assert len(found(many)) == 10
    assert "The first 10 that match: type more of the name or the need" in many.text


# --- "Find" on the rota keeps the week the page was showing ----------------------------


def test_find_on_the_rota_comes_back_to_the_week_shown(world, scene, project, client_for):
    later = timezone.localdate() + datetime.timedelta(days=40)
    [slot] = services.slots_add(
        actor=world.coordinator,
        project=project,
        periods=[
            services.schedule.Period(
                timezone.make_aware(datetime.datetime.combine(later, datetime.time(10))),
                timezone.make_aware(datetime.datetime.combine(later, datetime.time(11))),
            )
        ],
        role="caller",
    )
    client = client_for(world.coordinator)
    week = (later - datetime.timedelta(days=2)).isoformat()
    page = client.get(f"/hubs/millbrook/projects/{project.pk}/?from={week}")
    assert f'id="assign-{slot.pk}"' in page.text  # not in the default four weeks
    assert f'<input type="hidden" name="from" value="{week}">' in page.text
    take = reverse("slot-take", args=["millbrook", slot.pk])
    sent = {"assign": "1", "person__q": "Sam", "_find": "person", "from": week}
    found_page = client.post(take, sent)
    assert found_page.status_code == 302
    assert found_page.url.startswith(f"/hubs/millbrook/projects/{project.pk}/?from={week}&")
    assert f"assign={slot.pk}" in found_page.url and "person__q=Sam" in found_page.url
    shown = client.get(found_page.url)
    assert f'id="assign{slot.pk}_person_m{world.member.pk}"' in shown.text  # Sam, to choose
    # Chosen: back to the same week; a week that is not a date is left out.
    done = client.post(take, {"assign": "1", "person": world.member.pk, "from": week})
    assert done.url == f"/hubs/millbrook/projects/{project.pk}/?from={week}"
    assert Assignment.objects.filter(slot=slot, person=world.member).exists()
    odd = client.post(take, {"assign": "1", "person__q": "x", "_find": "person", "from": "<b>"})
    assert "from=" not in odd.url
