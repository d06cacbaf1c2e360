"""Every hub page, for every persona: who gets in, who is sent to sign in, who is refused.

Outsiders belong to another hub; nothing of this hub's private pages reaches them.
"""

import pytest
from django.urls import reverse

PERSONAS = ["anonymous", "member", "staff", "coordinator", "admin", "outsider"]
PUBLIC = dict.fromkeys(PERSONAS, 200)
SIGNED_IN = {**dict.fromkeys(PERSONAS, 200), "anonymous": 302}
MEMBERS = {
    "anonymous": 302,
    "member": 200,
    "staff": 200,
    "coordinator": 200,
    "admin": 200,
    "outsider": 403,
}
COORDINATORS = {
    "anonymous": 302,
    "member": 403,
    "staff": 403,
    "coordinator": 200,
    "admin": 200,
    "outsider": 403,
}

# (url name, kwargs builder, expected status per persona)
PAGES = [
    ("home", lambda w: {}, PUBLIC),
    ("my-profile", lambda w: {}, SIGNED_IN),
    ("my-profile-edit", lambda w: {}, SIGNED_IN),
    ("hub-home", lambda w: {"slug": w.hub.slug}, PUBLIC),
    ("hub-join", lambda w: {"slug": w.hub.slug}, SIGNED_IN),
    ("hub-area", lambda w: {"slug": w.hub.slug}, MEMBERS),
    ("hub-leave", lambda w: {"slug": w.hub.slug}, MEMBERS),
    ("directory", lambda w: {"slug": w.hub.slug}, MEMBERS),
    ("member-detail", lambda w: {"slug": w.hub.slug, "person_id": w.member.pk}, MEMBERS),
    ("member-edit", lambda w: {"slug": w.hub.slug, "person_id": w.assisted.pk}, COORDINATORS),
    ("member-role", lambda w: {"slug": w.hub.slug, "person_id": w.member.pk}, COORDINATORS),
    ("member-remove", lambda w: {"slug": w.hub.slug, "person_id": w.member.pk}, COORDINATORS),
    ("member-consent", lambda w: {"slug": w.hub.slug, "person_id": w.assisted.pk}, COORDINATORS),
    ("member-check-add", lambda w: {"slug": w.hub.slug, "person_id": w.member.pk}, COORDINATORS),
    ("coordinate", lambda w: {"slug": w.hub.slug}, COORDINATORS),
    ("invite", lambda w: {"slug": w.hub.slug}, COORDINATORS),
    ("assisted-create", lambda w: {"slug": w.hub.slug}, COORDINATORS),
    ("organisation-add", lambda w: {"slug": w.hub.slug}, COORDINATORS),
    ("neighbourhood-add", lambda w: {"slug": w.hub.slug}, COORDINATORS),
    ("audit-log", lambda w: {"slug": w.hub.slug}, COORDINATORS),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("name", "kwargs", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_who_can_open_each_page(world, client_for, persona, name, kwargs, expected):
    client = client_for(world.persona(persona))
    response = client.get(reverse(name, kwargs=kwargs(world)))
    assert response.status_code == expected[persona]
    if expected[persona] == 302:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["member", "staff", "coordinator"])
def test_people_of_another_hub_are_not_found_through_this_hub(world, client_for, persona):
    client = client_for(world.persona(persona))
    url = reverse("member-detail", args=[world.hub.slug, world.outsider.pk])
    assert client.get(url).status_code == 404


def test_a_coordinator_cannot_use_their_role_on_another_hubs_people(world, client_for):
    client = client_for(world.other_coordinator)
    for name in ["member-edit", "member-role", "member-check-add", "member-consent"]:
        url = reverse(name, args=[world.hub.slug, world.member.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"role": "member"}).status_code == 403


def test_members_see_what_others_can_give_but_not_their_needs_or_contact(world, client_for):
    page = (
        client_for(world.staff)
        .get(reverse("member-detail", args=[world.hub.slug, world.member.pk]))
        .content.decode()
    )
    assert "gardening" in page
    assert "lifts to appointments" not in page
    assert "01632 960 999" not in page
    assert "Safeguarding checks" not in page


def test_coordinators_see_needs_contact_checks_and_consent(world, client_for):
    page = (
        client_for(world.coordinator)
        .get(reverse("member-detail", args=[world.hub.slug, world.member.pk]))
        .content.decode()
    )
    assert "lifts to appointments" in page
    assert "01632 960 999" in page
    assert "Safeguarding checks" in page


def test_my_own_profile_shows_my_needs(world, client_for):
    page = client_for(world.member).get(reverse("my-profile")).content.decode()
    assert "lifts to appointments" in page


def test_the_directory_lists_only_this_hubs_members(world, client_for):
    page = client_for(world.member).get(reverse("directory", args=[world.hub.slug]))
    names = {m.person.display_name for m in page.context["page"]}
    assert "Sam Member" in names and "Ron Assisted" in names
    assert "Jean Outsider" not in names


def test_post_only_actions_refuse_get_and_other_hubs(world, client_for):
    from coproduce.hubs import services

    request = services.join_request_create(person=world.outsider, hub=world.hub)
    url = reverse("join-request-decide", args=[world.hub.slug, request.pk, "approve"])
    assert client_for(world.coordinator).get(url).status_code == 405
    assert client_for(world.member).post(url).status_code == 403
    assert client_for(world.other_coordinator).post(url).status_code == 403
