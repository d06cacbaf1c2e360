"""The core flows through the real views: forms, redirects, emails and what gets saved."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

from coproduce.hubs.models import (
    AuditEvent,
    ConsentRecord,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    Person,
    Role,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def link_in(message, pattern: str) -> str:
    match = re.search(rf"https?://[^/\s]+({pattern})", message.body)
    assert match, f"no link matching {pattern} in:\n{message.body}"
    return match.group(1)


# --- signing up and in ---------------------------------------------------------------


def test_someone_creates_an_account_and_is_signed_in(client):
    response = client.post(
        reverse("sign-up"),
        {"display_name": "Priya", "email": "Priya@Example.org", "password": PASSWORD},
    )
    assert response.status_code == 302
    person = Person.objects.get(email="priya@example.org")
    assert client.session[SESSION_KEY] == str(person.pk)
    assert person.check_password(PASSWORD)


def test_a_sign_up_with_mistakes_shows_each_error_next_to_its_field_and_saves_nothing(client):
    response = client.post(
        reverse("sign-up"), {"display_name": "", "email": "not-an-email", "password": "123"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_email_error"' in page
    assert re.search(r'<input[^>]*name="email"[^>]*aria-invalid="true"', page)
    assert re.search(r'<input[^>]*name="display_name"[^>]*aria-invalid="true"', page)
    assert "There is a problem" in page
    assert not Person.objects.exists()


def test_signing_up_with_an_email_in_use_emails_its_owner_a_link(world, client):
    # Not a dead end, and no second account: the owner gets a link to choose a password
    # (tests/hubs/test_getting_in.py follows it).
    response = client.post(
        reverse("sign-up"),
        {"display_name": "Sam again", "email": "SAM@example.org", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert Person.objects.filter(email="sam@example.org").count() == 1
    assert [message.to for message in mail.outbox] == [["sam@example.org"]]


def test_members_sign_in_with_their_email_and_password(world, client):
    response = client.post(reverse("login"), {"username": "sam@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(world.member.pk)


def test_a_wrong_password_is_refused_in_plain_english(world, client):
    response = client.post(reverse("login"), {"username": "sam@example.org", "password": "nope"})
    assert response.status_code in (200, 400)
    assert SESSION_KEY not in client.session
    assert "email address and password" in response.content.decode()


def test_signing_out_needs_a_post_and_ends_the_session(world, client_for):
    client = client_for(world.member)
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert SESSION_KEY not in client.session


def test_a_forgotten_password_is_reset_through_an_emailed_link(world, client):
    client.post(reverse("password_reset"), {"email": "sam@example.org"})
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sam@example.org"]
    link = link_in(mail.outbox[0], r"/accounts/password-reset/[^\s]+/")
    form_page = client.get(link, follow=True)
    new_password = "a-brand-new-passphrase"
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    world.member.refresh_from_db()
    assert world.member.check_password(new_password)


def test_asking_to_reset_an_unknown_email_reveals_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


# --- profile ------------------------------------------------------------------------------


def test_a_member_edits_their_profile_and_the_change_is_audited(world, client_for):
    client = client_for(world.member)
    response = client.post(
        reverse("my-profile-edit"),
        {
            "display_name": "Sam M",
            "contact_preference": "email",
            "postcode_district": "mb2",
            "assets": "gardening, dog walking\nphone calls",
            "needs": "",
            "languages": "English, Polish",
            "availability": ["mon-am", "sat-pm"],
            "about": "",
            "phone": "",
        },
    )
    assert response.status_code == 302, response.content.decode()
    world.member.refresh_from_db()
    assert world.member.display_name == "Sam M"
    assert world.member.postcode_district == "MB2"
    assert world.member.assets == ["gardening", "dog walking", "phone calls"]
    assert world.member.languages == ["English", "Polish"]
    assert world.member.availability == ["mon-am", "sat-pm"]
    event = AuditEvent.objects.filter(event="profile.updated").latest("pk")
    assert event.actor == world.member
    assert event.old["display_name"] == "Sam Member" and event.new["display_name"] == "Sam M"


def test_a_bad_postcode_is_shown_on_its_field_and_nothing_is_saved(world, client_for):
    client = client_for(world.member)
    response = client.post(
        reverse("my-profile-edit"),
        {"display_name": "Changed", "contact_preference": "email", "postcode_district": "xx"},
    )
    assert response.status_code == 400
    assert re.search(r'name="postcode_district"[^>]*aria-invalid="true"', response.content.decode())
    world.member.refresh_from_db()
    assert world.member.display_name == "Sam Member"


# --- invitations and join requests --------------------------------------------------------


def test_a_coordinator_invites_someone_who_signs_up_from_the_link(
    world, client_for, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.coordinator).post(
            reverse("invite", args=[world.hub.slug]),
            {"email": "new@example.org", "role": "member"},
        )
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["new@example.org"]
    link = link_in(mail.outbox[-1], r"/invitations/[^/\s]+/")

    client.logout()
    response = client.post(link, {"display_name": "New Neighbour", "password": PASSWORD})
    assert response.status_code == 302
    person = Person.objects.get(email="new@example.org")
    assert Membership.objects.get(hub=world.hub, person=person).role == Role.MEMBER
    assert client.get(link).status_code == 404  # a used link does not work twice


def test_a_coordinator_cannot_invite_someone_as_admin(world, client_for):
    response = client_for(world.coordinator).post(
        reverse("invite", args=[world.hub.slug]), {"email": "boss@example.org", "role": "admin"}
    )
    assert response.status_code == 400
    assert mail.outbox == []


def test_someone_asks_to_join_and_a_coordinator_approves(
    world, client_for, django_capture_on_commit_callbacks
):
    outsider = client_for(world.outsider)
    with django_capture_on_commit_callbacks(execute=True):
        outsider.post(reverse("hub-join", args=[world.hub.slug]), {"message": "I live nearby"})
    join_request = JoinRequest.objects.get(hub=world.hub, person=world.outsider)
    assert {to for m in mail.outbox for to in m.to} == {"grace@example.org", "helen@example.org"}

    coordinator = client_for(world.coordinator)
    assert (
        "Jean Outsider"
        in coordinator.get(reverse("coordinate", args=[world.hub.slug])).content.decode()
    )
    coordinator.post(
        reverse("join-request-decide", args=[world.hub.slug, join_request.pk, "approve"]),
        {"note": "Welcome"},
    )
    join_request.refresh_from_db()
    assert join_request.status == JoinRequestStatus.APPROVED
    assert Membership.objects.get(hub=world.hub, person=world.outsider).is_active


# --- assisted digital -------------------------------------------------------------------


def test_a_coordinator_adds_someone_not_online_and_is_recorded_as_entering_it(world, client_for):
    response = client_for(world.coordinator).post(
        reverse("assisted-create", args=[world.hub.slug]),
        {
            "display_name": "Edna Price",
            "phone": "01632 960 555",
            "contact_preference": "phone",
            "postcode_district": "MB3",
            "assets": "knitting",
            "needs": "shopping",
            "consent_purpose": "To be a member and be phoned by volunteers",
            "consent_method": "in_person",
        },
    )
    assert response.status_code == 302, response.content.decode()
    edna = Person.objects.get(display_name="Edna Price")
    assert edna.email is None and edna.is_assisted_digital and not edna.has_usable_password()
    consent = ConsentRecord.objects.get(person=edna)
    assert consent.recorded_by == world.coordinator and consent.given
    events = AuditEvent.objects.filter(on_behalf_of=edna)
    assert events.exists() and all(e.actor == world.coordinator for e in events)
    page = client_for(world.coordinator).get(reverse("audit-log", args=[world.hub.slug]))
    assert "Edna Price" in page.content.decode()


# --- the directory, with and without htmx --------------------------------------------------


def test_the_directory_searches_by_skill(world, client_for):
    response = client_for(world.staff).get(
        reverse("directory", args=[world.hub.slug]), {"q": "garden"}
    )
    names = [m.person.display_name for m in response.context["page"]]
    assert names == ["Sam Member"]
    assert "<html" in response.content.decode()


def test_htmx_gets_only_the_results(world, client_for):
    # A coordinator, who sees Ron though he is not listed to members.
    response = client_for(world.coordinator).get(
        reverse("directory", args=[world.hub.slug]), {"q": "ron"}, headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert "<html" not in page and "Ron Assisted" in page and "Sam Member" not in page


# --- pages that help when something is wrong -------------------------------------------------


def test_an_unknown_page_helps_the_person_on(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and 'href="/"' in page


def test_a_refused_page_says_why_and_what_to_do(world, client_for):
    response = client_for(world.member).get(reverse("coordinate", args=[world.hub.slug]))
    assert response.status_code == 403
    page = response.content.decode()
    assert "You cannot see this page" in page and "coordinator" in page
