"""Asking for one's data, the task that makes it, the link only the person may use and
that expires, a coordinator's download for a member who is not online."""

import datetime
import io
import logging
import socket
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from coproduce.hubs.models import AuditEvent
from coproduce.insight import exports
from coproduce.insight.models import ExportStatus, PersonalExport
from coproduce.notify.models import Kind, Notification

from .export_fixtures import rich  # noqa: F401 (a fixture)


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """Ask for one's data, and run what happens after the request commits (the task)."""

    def asking(client, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("my-data-export"), **kwargs)

    return asking


def test_a_member_asks_and_downloads_their_data(world, client_for, ask):
    client = client_for(world.member)
    page = client.get(reverse("my-data"))
    assert page.status_code == 200
    assert reverse("my-account-delete") in page.content.decode()
    response = ask(client)
    assert response.status_code == 302 and response["Location"] == reverse("my-data")
    export = PersonalExport.objects.get(person=world.member)
    assert export.status == ExportStatus.READY
    assert export.expires_at - export.ready_at == datetime.timedelta(hours=48)
    assert AuditEvent.objects.filter(event="data_export.requested", actor=world.member).count() == 1
    told = Notification.objects.get(recipient=world.member, kind=Kind.EXPORT)
    assert told.url == reverse("my-data-download", args=[export.token])
    page = client.get(reverse("my-data")).content.decode()
    assert "Download your data" in page and told.url in page
    download = client.get(told.url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert download["Content-Disposition"].startswith("attachment;")
    body = b"".join(download.streaming_content)
    assert "data.json" in zipfile.ZipFile(io.BytesIO(body)).namelist()


def test_asking_twice_gives_one_download(world, client_for, ask):
    client = client_for(world.member)
    ask(client)
    ask(client)
    assert PersonalExport.objects.filter(person=world.member).count() == 1
    assert AuditEvent.objects.filter(event="data_export.requested").count() == 1


def test_asking_while_one_is_being_made_returns_it(world, client_for, settings, ask):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    client = client_for(world.member)
    ask(client)
    response = client.get(reverse("my-data"))
    assert "We are making your download" in response.content.decode()
    second = ask(client, follow=True)
    assert "You already asked" in second.content.decode()
    export = PersonalExport.objects.get(person=world.member)
    assert export.status == ExportStatus.WAITING
    waiting = client.get(reverse("my-data-download", args=[export.token]))
    assert waiting.status_code == 409
    assert exports.run(export.pk) == ExportStatus.READY
    assert exports.run(export.pk) == ExportStatus.READY  # a second worker writes nothing


def test_someone_else_s_link_is_not_found(world, client_for, ask):
    ask(client_for(world.member))
    export = PersonalExport.objects.get(person=world.member)
    url = reverse("my-data-download", args=[export.token])
    assert client_for(world.coordinator).get(url).status_code == 404
    assert client_for(world.operator).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302  # to sign in
    assert client_for(world.member).get(url + "x/").status_code == 404
    bad = reverse("my-data-download", args=["not-a-token"])
    assert client_for(world.member).get(bad).status_code == 404


def test_the_link_expires_and_clean_deletes_the_file(world, client_for, ask):
    client = client_for(world.member)
    ask(client)
    export = PersonalExport.objects.get(person=world.member)
    path = exports.path_of(export)
    assert path.is_file()
    PersonalExport.objects.filter(pk=export.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    gone = client.get(reverse("my-data-download", args=[export.token]))
    assert gone.status_code == 410
    text = gone.content.decode()
    assert "expired" in text and reverse("my-data-export") in text  # a button to ask again
    assert exports.clean() == "Deleted 1 expired download of people's data."
    assert not path.exists()
    assert exports.clean() == "Deleted 0 expired downloads of people's data."
    assert "Expired" in client.get(reverse("my-data")).content.decode()
    # Asking again makes a new one.
    ask(client)
    assert PersonalExport.objects.filter(person=world.member).count() == 2


def test_a_download_about_to_expire_still_works(world, client_for, ask):
    client = client_for(world.member)
    ask(client)
    export = PersonalExport.objects.get(person=world.member)
    PersonalExport.objects.filter(pk=export.pk).update(
        expires_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    assert exports.clean().startswith("Deleted 0")
    assert client.get(reverse("my-data-download", args=[export.token])).status_code == 200


def test_asking_is_post_only(world, client_for):
    response = client_for(world.member).get(reverse("my-data-export"))
    assert response.status_code == 405
    assert not PersonalExport.objects.exists()


def test_the_tick_cleans_expired_downloads(world, client_for, ask):
    ask(client_for(world.member))
    PersonalExport.objects.update(expires_at=timezone.now() - datetime.timedelta(hours=1))
    out = io.StringIO()
    call_command("insight", "tick", stdout=out)
    assert "Deleted 1 expired download" in out.getvalue()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_a_down_mail_server_still_makes_the_download(world, client_for, settings, caplog, ask):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": closed_port(), "timeout": 2},
        }
    }
    client = client_for(world.member)
    with caplog.at_level(logging.WARNING, logger="coproduce.mail"):
        response = ask(client)
    assert response.status_code == 302
    export = PersonalExport.objects.get(person=world.member)
    assert export.status == ExportStatus.READY
    page = client.get(reverse("my-data")).content.decode()
    assert reverse("my-data-download", args=[export.token]) in page


# --- a coordinator's download for someone not online ---------------------------------------


def member_url(world, person):
    return reverse("member-data", args=[world.hub.slug, person.pk])


def test_a_coordinator_downloads_the_data_of_someone_not_online(world, client_for):
    response = client_for(world.coordinator).get(member_url(world, world.assisted))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    body = b"".join(response.streaming_content)
    names = zipfile.ZipFile(io.BytesIO(body)).read("data.json").decode()
    assert "Ron Assisted" in names  # their own name, in their own details
    assert "Grace Coordinator" not in names
    assert not PersonalExport.objects.exists()  # reading changes nothing


def test_not_for_someone_who_manages_their_own_account(world, client_for):
    response = client_for(world.coordinator).get(member_url(world, world.member))
    assert response.status_code == 403
    assert "download it themselves" in response.content.decode()


@pytest.mark.parametrize("who", ["staff", "member", "other_coordinator", "outsider"])
def test_only_the_hub_s_coordinators(world, client_for, who):
    response = client_for(getattr(world, who)).get(member_url(world, world.assisted))
    assert response.status_code == 403


def test_not_for_someone_outside_the_hub(world, client_for):
    url = reverse("member-data", args=[world.hub.slug, world.outsider.pk])
    assert client_for(world.coordinator).get(url).status_code == 404


def test_a_download_that_fails_is_marked_and_the_person_told(world, client_for, ask, monkeypatch):
    def broken(person, path):
        raise OSError("disk full")

    monkeypatch.setattr(exports, "write_zip", broken)
    client = client_for(world.member)
    ask(client)
    export = PersonalExport.objects.get(person=world.member)
    assert export.status == ExportStatus.FAILED
    told = Notification.objects.get(recipient=world.member, kind=Kind.EXPORT)
    assert "could not be prepared" in told.subject
    assert "Could not be made" in client.get(reverse("my-data")).content.decode()
    # Asking again starts a new one.
    monkeypatch.undo()
    ask(client)
    assert PersonalExport.objects.filter(status=ExportStatus.READY).count() == 1
