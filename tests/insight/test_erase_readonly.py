"""An erased person is read-only everywhere: their member page says so and offers nothing
to change; every page that would change them or hand out their data refuses, saving
nothing. A not-online member's page offers their data download."""

import pytest
from django.urls import reverse

from coproduce.hubs import access as hub_access
from coproduce.hubs.models import AuditEvent, Person
from coproduce.insight.services import erasure

pytestmark = pytest.mark.django_db


def _erase(world):
    erasure.erasure_request(
        actor=world.coordinator, hub=world.hub, person=world.assisted, how="paper", note=""
    )
    return Person.objects.get(pk=world.assisted.pk)


def _url(name, world, person):
    return reverse(name, args=[world.hub.slug, person.pk])


def test_the_rule_tells_an_erased_person_from_one_not_online(world):
    assert not hub_access.is_erased(world.assisted)
    assert hub_access.is_erased(_erase(world))


def test_an_erased_members_page_says_so_and_offers_nothing_to_change(world, client_for):
    ron = _erase(world)
    page = client_for(world.coordinator).get(_url("member-detail", world, ron))
    text = page.content.decode()
    assert page.status_code == 200
    assert "This person's account was erased on " in text
    assert "what they did is kept under this name" in text
    for name in (
        "member-edit",
        "member-consent",
        "member-check-add",
        "member-role",
        "member-data",
        "member-erase",
        "member-notification-choices",
        "member-password-invite",
    ):
        assert _url(name, world, ron) not in text, name
    assert "Edit profile for them" not in text


POSTS = {
    "member-edit": {"display_name": "Patrick Doyle", "email": "patrick@example.org"},
    "member-consent": {"purpose": "Photos", "given": "on", "method": "paper"},
    "member-check-add": {"check_type": "dbs_basic", "reference": "X1"},
    "member-role": {"role": "staff"},
    "member-password-invite": {},
    "member-notification-choices": {},
}


@pytest.mark.parametrize("name", [*POSTS, "member-data"])
def test_every_page_that_would_change_them_refuses(world, client_for, name):
    ron = _erase(world)
    client = client_for(world.coordinator)
    before = AuditEvent.objects.count()
    if name != "member-password-invite":
        shown = client.get(_url(name, world, ron))
        assert shown.status_code == 403, name
        if name != "member-notification-choices":
            assert "account was erased" in shown.content.decode()
    if name != "member-data":
        sent = client.post(_url(name, world, ron), POSTS[name])
        assert sent.status_code == 403, name
    ron.refresh_from_db()
    assert ron.display_name.startswith("Former member ") and ron.email is None
    assert AuditEvent.objects.count() == before


def test_a_not_online_members_page_offers_their_data_and_the_erase_page_suggests_it(
    world, client_for
):
    client = client_for(world.coordinator)
    data = _url("member-data", world, world.assisted)
    page = client.get(_url("member-detail", world, world.assisted))
    assert data in page.content.decode()
    assert "Download their data (to print or post)" in page.content.decode()
    erase = client.get(_url("member-erase", world, world.assisted)).content.decode()
    assert data in erase
    assert "(optional) (optional)" not in erase and "Note (optional)" in erase
    # Someone who signs in downloads their own: no link on their page.
    own = client.get(_url("member-detail", world, world.member)).content.decode()
    assert _url("member-data", world, world.member) not in own
