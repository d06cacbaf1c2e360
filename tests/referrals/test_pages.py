"""Referral, project and escalation pages: what each person sees and does not see, and the
forms working without JavaScript. Who may open each page is in the permission matrix,
tests/test_permission_matrix.py."""

import pytest
from django.utils import timezone

from coproduce.referrals import escalations, schedule, services
from coproduce.referrals.models import Escalation, MatchOffer, Project, Referral, ReferralStatus

from .conftest import friend_on_the_phone, triage
from .test_escalations import age
from .test_projects import at


@pytest.fixture
def places(world, scene):
    project = friend_on_the_phone(world)
    [slot] = services.slots_add(
        actor=world.coordinator,
        project=project,
        periods=[schedule.Period(at(5), at(5, 11))],
        role="caller",
        receiver=scene.referral.person,
    )
    age(scene.referral, 30)
    [escalation] = escalations.sweep(hub=world.hub)
    base = "/hubs/millbrook/"
    return {
        "referrals": base + "referrals/",
        "referral-new": base + "referrals/new/",
        "referral": f"{base}referrals/{scene.referral.pk}/",
        "triage": f"{base}referrals/{scene.referral.pk}/triage/",
        "settings": base + "referrals/settings/",
        "offers": base + "offers/",
        "projects": base + "projects/",
        "project": f"{base}projects/{project.pk}/",
        "slots-new": f"{base}projects/{project.pk}/slots/new/",
        "project-end": f"{base}projects/{project.pk}/end/",
        "escalations": base + "escalations/",
        "escalation": f"{base}escalations/{escalation.pk}/",
        "slot": slot,
    }


def test_the_referrer_sees_progress_but_not_the_volunteer(world, scene, client_for):
    referral = triage(world, scene.referral)
    offer = services.offer_send(
        actor=world.coordinator, referral=referral, volunteer=scene.volunteer
    )
    services.offer_accept(actor=scene.volunteer, offer=offer)
    page = client_for(world.staff).get(f"/hubs/millbrook/referrals/{referral.pk}/").content.decode()
    assert "Matched with a volunteer" in page
    assert "Widowed in March" in page
    assert "Vera" not in page and "vera@example.org" not in page


def test_the_volunteer_sees_only_what_is_shared(world, scene, client_for):
    referral = triage(world, scene.referral)
    offer = services.offer_send(
        actor=world.coordinator, referral=referral, volunteer=scene.volunteer
    )
    client = client_for(scene.volunteer)
    page = client.get(f"/hubs/millbrook/referrals/{referral.pk}/").content.decode()
    assert "Could you help Molly?" in page
    assert "hard of hearing" in page  # the coordinator's shared note
    assert "Widowed" not in page and "low mood" not in page
    assert "01632 960 555" not in page  # contact details only once they say yes
    response = client.post(f"/hubs/millbrook/offers/{offer.pk}/", {"answer": "accept"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "01632 960 555" in page
    assert "Widowed" not in page


def test_referring_without_javascript_and_without_consent(world, scene, client_for):
    client = client_for(world.staff)
    form = {
        "person": "new",
        "new_name": "Albert Shaw",
        "consent_given_by": "The person themselves",
        "consent_method": "phone",
        "consent_given_on": timezone.localdate().isoformat(),
        "consent_purpose": "To be referred",
        "description": "Lonely since his wife died.",
        "urgency": "routine",
    }
    response = client.post("/hubs/millbrook/referrals/new/", form)
    assert response.status_code == 400
    assert "only be referred with their consent" in response.content.decode()
    assert Referral.objects.count() == 1
    # Every problem at once: the missing consent beside the missing description.
    response = client.post("/hubs/millbrook/referrals/new/", {**form, "description": ""})
    problems = response.context["form"].errors
    assert set(problems) == {"consent_given", "description"}
    assert "The person agreed to be referred (optional)" not in response.content.decode()
    response = client.post("/hubs/millbrook/referrals/new/", {**form, "consent_given": "on"})
    assert response.status_code == 302
    assert Referral.objects.filter(person__display_name="Albert Shaw").exists()


def test_coordinator_triages_matches_and_closes_by_forms(world, scene, client_for):
    client = client_for(world.coordinator)
    url = f"/hubs/millbrook/referrals/{scene.referral.pk}/"
    response = client.post(
        url + "triage/",
        {
            "shared_note": "A weekly chat",
            "assets": "knitting",
            "urgency": "soon",
            "needs_check": "on",
        },
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Ask Vera Volunteer" in page and "Uma Unchecked" not in page
    response = client.post(url + "offer/", {"volunteer": scene.unchecked.pk})
    assert response.status_code == 302
    assert not MatchOffer.objects.exists()  # refused: no check
    client.post(url + "offer/", {"volunteer": scene.volunteer.pk})
    offer = MatchOffer.objects.get()
    assert "Gives help with Phone calls" in offer.reasons
    client.post(url + "close/", {"outcome": "no_longer_needed"})
    assert Referral.objects.get().status == ReferralStatus.CLOSED


def test_rota_receiver_is_private_to_the_lead_and_the_person_on_the_slot(world, places, client_for):
    url = places["project"]
    assert "for Molly Jenkins" in client_for(world.coordinator).get(url).content.decode()
    assert "for Molly Jenkins" not in client_for(world.member).get(url).content.decode()


def test_slots_form_refuses_the_past(world, places, client_for):
    client = client_for(world.coordinator)
    response = client.post(
        places["slots-new"],
        {
            "pattern": "weekly",
            "starts_on": "2020-01-06",
            "starts_at": "10:00",
            "minutes": "30",
            "weeks": "4",
            "role": "caller",
            "places": "1",
        },
    )
    assert response.status_code == 400
    assert "cannot start in the past" in response.content.decode()
    assert Project.objects.get().slots.count() == 1


def test_resolving_an_escalation_by_form(world, places, client_for):
    client = client_for(world.staff)
    response = client.post(places["escalation"], {"resolution": ""})
    assert response.status_code == 400
    response = client.post(places["escalation"], {"resolution": "Rang Molly myself."})
    assert response.status_code == 302
    assert Escalation.objects.get().resolution == "Rang Molly myself."


def test_another_hubs_coordinator_sees_only_their_own_referrals(world, places, client_for):
    client = client_for(world.other_coordinator)
    assert client.get("/hubs/northfield/referrals/").status_code == 200
    assert "Molly" not in client.get("/hubs/northfield/referrals/").content.decode()
