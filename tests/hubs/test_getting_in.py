"""Getting in: every account with an email can get a working set-password link, sign-up
with a known address is not a dead end, links follow the served address, and guessing
passwords or flooding someone with emails is throttled."""

import re

import pytest
from django.contrib.auth import authenticate
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from coproduce import audit
from coproduce.errors import ApplicationError
from coproduce.hubs import services, throttle
from coproduce.hubs.models import AuditEvent, Person
from coproduce.mail import email_after_commit, unique_addresses
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase"
LINK = re.compile(r"https?://[^\s]+/accounts/password-reset/[^\s]+/")


@pytest.fixture(autouse=True)
def mail_sent_at_once(monkeypatch):
    # Each test runs in a transaction that never commits: send what would be sent on commit.
    import coproduce.mail

    monkeypatch.setattr(coproduce.mail.transaction, "on_commit", lambda send, **kw: send())


def link_in(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(0)


def choose_password(client, link: str, password: str = NEW_PASSWORD):
    """Open the emailed link and choose a password, as a person would."""
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    assert response.status_code == 302, response.content[:300]  # the token moves to the session
    response = client.post(
        response["Location"], {"new_password1": password, "new_password2": password}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_complete")


def test_forgotten_password_gives_a_working_link_to_an_account_that_never_had_one(client):
    person = services.person_register(
        email="lena@example.org", display_name="Lena Fischer", password=None
    )
    assert not person.has_usable_password()

    response = client.post(reverse("password_reset"), {"email": "Lena@Example.org "})

    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    [message] = mail.outbox
    assert message.to == ["lena@example.org"]
    assert "choose your password" in message.body
    choose_password(client, link_in(message))
    assert authenticate(username="lena@example.org", password=NEW_PASSWORD) is not None


def test_forgotten_password_for_an_account_with_a_password_is_a_reset(client, world):
    client.post(reverse("password_reset"), {"email": world.member.email})
    [message] = mail.outbox
    assert "reset the password" in message.body
    choose_password(client, link_in(message))
    assert authenticate(username=world.member.email, password=NEW_PASSWORD) is not None
    # The link works once.
    path = "/" + link_in(message).split("://", 1)[1].split("/", 1)[1]
    assert "no longer works" in client.get(path, follow=True).content.decode()


def test_an_unknown_address_gets_the_same_page_and_no_email(client, world):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert "If that address has an account" in response.content.decode()
    assert mail.outbox == []


def test_a_bad_address_is_named(client):
    response = client.post(reverse("password_reset"), {"email": "not an address"})
    assert response.status_code == 400
    assert "Enter a valid email address" in response.content.decode()


def test_signing_up_with_a_known_address_emails_a_link_and_says_so(client, world):
    response = client.post(
        reverse("sign-up"),
        {"display_name": "Sam again", "email": world.member.email, "password": NEW_PASSWORD},
        follow=True,
    )
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("password_reset_done")
    assert "There is already an account with" in page
    [message] = mail.outbox
    assert message.to == [world.member.email]
    assert Person.objects.filter(email=world.member.email).count() == 1
    choose_password(client, link_in(message))


def test_a_coordinator_invites_someone_not_online_who_now_has_an_email(client_for, world):
    services.profile_update(
        actor=world.coordinator,
        person=world.assisted,
        hub=world.hub,
        changes={"email": "ron@example.org"},
    )
    page_url = reverse("member-detail", args=[world.hub.slug, world.assisted.pk])
    invite_url = reverse("member-password-invite", args=[world.hub.slug, world.assisted.pk])
    client = client_for(world.coordinator)
    assert invite_url in client.get(page_url).content.decode()

    response = client.post(invite_url, follow=True)

    assert "a link to choose a password" in response.content.decode()
    [message] = mail.outbox
    assert message.to == ["ron@example.org"]
    assert "Grace Coordinator" in message.body
    event = AuditEvent.objects.get(event="person.password_invited")
    assert event.actor == world.coordinator
    [described] = audit.describe([event], strict=True)
    assert "Grace Coordinator invited Ron" in described.sentence
    choose_password(client_for(None), link_in(message))
    assert authenticate(username="ron@example.org", password=NEW_PASSWORD) is not None
    # Now that Ron has a password, the button is gone.
    assert invite_url not in client_for(world.coordinator).get(page_url).content.decode()


def test_only_someone_with_an_email_and_no_password_can_be_invited_to_sign_in(world, client_for):
    with pytest.raises(ApplicationError) as error:
        services.password_invitation_send(
            actor=world.coordinator, hub=world.hub, person=world.assisted
        )
    assert error.value.field == "email"
    with pytest.raises(PermissionDenied):
        services.password_invitation_send(
            actor=world.coordinator, hub=world.hub, person=world.member
        )
    invitee = services.person_register(email="pat@example.org", display_name="Pat", password=None)
    services.membership_add(actor=world.coordinator, hub=world.hub, person=invitee, role="member")
    with pytest.raises(PermissionDenied):
        services.password_invitation_send(actor=world.member, hub=world.hub, person=invitee)
    with pytest.raises(PermissionDenied):  # another hub's coordinator
        services.password_invitation_send(
            actor=world.other_coordinator, hub=world.hub, person=invitee
        )
    url = reverse("member-password-invite", args=[world.hub.slug, invitee.pk])
    assert client_for(world.member).post(url).status_code == 403
    assert mail.outbox == []


def test_links_follow_the_address_the_site_is_served_on(client, settings):
    settings.ALLOWED_HOSTS = ["localhost"]
    settings.SITE_URL = ""
    services.person_register(email="lena@example.org", display_name="Lena", password=None)
    client.post(
        reverse("password_reset"), {"email": "lena@example.org"}, HTTP_HOST="localhost:8080"
    )
    assert link_in(mail.outbox[-1]).startswith("http://localhost:8080/accounts/password-reset/")


def test_site_url_wins_when_it_is_set(client, settings):
    settings.SITE_URL = "https://coproduce.example.org/"
    services.person_register(email="lena@example.org", display_name="Lena", password=None)
    client.post(reverse("password_reset"), {"email": "lena@example.org"})
    assert link_in(mail.outbox[-1]).startswith("https://coproduce.example.org/accounts/")


def test_without_a_request_or_site_url_links_use_the_port(settings, monkeypatch):
    from coproduce.siteurl import site_url

    settings.SITE_URL = ""
    monkeypatch.setenv("PORT", "8080")
    assert site_url() == "http://127.0.0.1:8080"


def test_the_sign_in_page_is_titled_sign_in_not_the_host_name(client):
    page = client.get(reverse("login")).content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert title.startswith("Sign in")
    assert "testserver" not in title


def sign_in(client, email, password, address="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=address
    )


def test_forty_wrong_passwords_then_the_right_one_is_refused_until_the_lockout_ends(
    client, world, monkeypatch
):
    now = [1_000_000.0]
    monkeypatch.setattr(throttle, "_now", lambda: now[0])
    email = world.member.email
    for attempt in range(40):
        assert sign_in(client, email, f"wrong-{attempt}").status_code in (400, 429)
    response = sign_in(client, email, PASSWORD)
    assert response.status_code == 429  # the form again, not signed in
    assert "Too many attempts to sign in" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # From another address too: the account itself is paused.
    assert "Too many attempts" in sign_in(client, email, PASSWORD, "10.0.0.2").content.decode()

    now[0] += 16 * 60  # after the lockout
    response = sign_in(client, email, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.member.pk)


def test_choosing_a_new_password_through_the_link_ends_the_pause(client, world):
    for _ in range(5):
        sign_in(client, world.member.email, "wrong-password")
    assert sign_in(client, world.member.email, PASSWORD).status_code == 429
    client.post(reverse("password_reset"), {"email": world.member.email})
    choose_password(client, link_in(mail.outbox[-1]))
    assert sign_in(client, world.member.email, NEW_PASSWORD, "10.0.0.3").status_code == 302


def test_one_address_guessing_many_accounts_is_paused(client, world, settings):
    settings.SIGNIN_MAX_FAILURES_PER_CLIENT = 6
    for number in range(6):
        sign_in(client, f"guess{number}@example.org", "wrong-password")
    response = sign_in(client, world.member.email, PASSWORD)
    assert "Too many attempts" in response.content.decode()
    assert sign_in(client, world.member.email, PASSWORD, "10.9.9.9").status_code == 302


def test_a_right_password_before_the_limit_clears_the_count(client, world):
    email = world.member.email
    for _ in range(4):
        sign_in(client, email, "wrong-password")
    assert sign_in(client, email, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        sign_in(client, email, "wrong-password")
    assert sign_in(client, email, PASSWORD).status_code == 302


def test_reset_emails_to_one_address_are_limited_per_hour(client, world, settings, monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(throttle, "_now", lambda: now[0])
    for _ in range(10):
        response = client.post(reverse("password_reset"), {"email": world.member.email})
        assert response.status_code == 302  # the same answer every time
    assert len(mail.outbox) == settings.ACCOUNT_EMAILS_PER_HOUR
    now[0] += 3601
    client.post(reverse("password_reset"), {"email": world.member.email})
    assert len(mail.outbox) == settings.ACCOUNT_EMAILS_PER_HOUR + 1


def test_invitations_to_one_address_are_limited_too(world, settings):
    invitee = services.person_register(email="pat@example.org", display_name="Pat", password=None)
    services.membership_add(actor=world.coordinator, hub=world.hub, person=invitee, role="member")
    for _ in range(settings.ACCOUNT_EMAILS_PER_HOUR):
        services.password_invitation_send(actor=world.coordinator, hub=world.hub, person=invitee)
    with pytest.raises(ApplicationError, match="last hour"):
        services.password_invitation_send(actor=world.coordinator, hub=world.hub, person=invitee)
    for _ in range(settings.ACCOUNT_EMAILS_PER_HOUR):
        services.invitation_create(actor=world.coordinator, hub=world.hub, email="new@example.org")
    with pytest.raises(ApplicationError, match="last hour") as error:
        services.invitation_create(actor=world.coordinator, hub=world.hub, email="new@example.org")
    assert error.value.field == "email"


def test_one_person_gets_one_copy_of_an_email(django_capture_on_commit_callbacks):
    assert unique_addresses(["a@x.org", "", None, "A@x.org ", "b@x.org"]) == ["a@x.org", "b@x.org"]
    with django_capture_on_commit_callbacks(execute=True):
        email_after_commit(
            to=["grace@example.org", "Grace@example.org", "helen@example.org"],
            subject="Hello",
            template="hubs/email/join_request.txt",
            context={"hub": {"name": "Millbrook", "slug": "millbrook"}, "person": "Sam"},
        )
    [message] = mail.outbox
    assert message.to == ["grace@example.org", "helen@example.org"]
