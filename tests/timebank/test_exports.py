"""The whole ledger as a CSV: asked for on a page, written by a task in chunks to private
storage, announced through the notification system with a link only the asker may use,
which expires; asking twice makes one file; a mail server that is down, a file deleted
or a writer that fails is said plainly, never a 500."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from coproduce.notify.models import Kind, Notification
from coproduce.timebank import exports, services
from coproduce.timebank.ledger import Leg, post_transfer
from coproduce.timebank.models import Export, ExportStatus, TransferKind

from ..test_email_failure import mail_server_down  # noqa: F401 - a fixture


@pytest.fixture
def ledger(world, bank):
    for n, memo in enumerate(["Gardening", '=HYPERLINK("http://x")', "Lifts"]):
        post_transfer(
            hub=world.hub,
            kind=TransferKind.EXCHANGE,
            idempotency_key=f"e{n}",
            legs=[Leg(bank.staff, -30 - n), Leg(bank.member, 30 + n)],
            memo=memo,
        )
    return bank


def ask(client, hub, capture):
    with capture(execute=True):
        return client.post(reverse("exports", args=[hub.slug]), {"kind": "ledger"}, follow=True)


def test_a_coordinator_asks_is_told_and_downloads_a_csv_only_they_can(
    world, ledger, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.coordinator)
    page = ask(client, world.hub, django_capture_on_commit_callbacks)
    assert "We are preparing your file; we will tell you when it is ready." in page.content.decode()
    export = Export.objects.get()
    assert export.status == ExportStatus.READY and export.rows == 6
    told = Notification.objects.get(recipient=world.coordinator, kind=Kind.EXPORT)
    assert told.url == reverse("export-download", args=[world.hub.slug, export.token])
    assert "is ready" in told.subject and len(export.token) >= 40
    listed = client.get(reverse("exports", args=[world.hub.slug])).content.decode()
    assert "Ready to download" in listed and told.url in listed
    response = client.get(told.url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="millbrook-ledger-')
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeffDate and time,")
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert sum(int(r["Minutes"]) for r in rows) == 0
    assert export.rows == len(rows)
    assert {r["Description"] for r in rows} >= {"Gardening", '\'=HYPERLINK("http://x")'}
    assert {r["Account"] for r in rows} >= {"Sam Member", "Dr Amir Staff"}
    # Another coordinator, the hub's admin, with the same link: as if it never was.
    assert client_for(world.admin).get(told.url).status_code == 404
    assert client_for(world.member).get(told.url).status_code == 404


def test_asking_twice_makes_one_file(world, ledger, client_for):
    client = client_for(world.coordinator)
    url = reverse("exports", args=[world.hub.slug])
    first = client.post(url, {"kind": "ledger"}, follow=True)  # the task waits for commit
    second = client.post(url, {"kind": "ledger"}, follow=True)
    assert Export.objects.count() == 1
    assert "You already asked for this file" in second.content.decode()
    assert "We are preparing your file" in first.content.decode()
    export = Export.objects.get()
    waiting = client.get(reverse("export-download", args=[world.hub.slug, export.token]))
    assert waiting.status_code == 409 and "still being prepared" in waiting.content.decode()


def test_asking_twice_when_the_first_was_written_at_once_makes_one_file(
    world, ledger, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.coordinator)
    ask(client, world.hub, django_capture_on_commit_callbacks)
    assert Export.objects.get().status == ExportStatus.READY
    again = ask(client, world.hub, django_capture_on_commit_callbacks)
    assert "Your file is ready: download it below." in again.content.decode()
    assert Export.objects.count() == 1


def test_a_lost_export_does_not_block_a_new_one(world, ledger):
    export, new = services.export_request(actor=world.coordinator, hub=world.hub, kind="ledger")
    Export.objects.filter(pk=export.pk).update(
        requested_at=timezone.now() - datetime.timedelta(hours=2)
    )
    again, new = services.export_request(actor=world.coordinator, hub=world.hub, kind="ledger")
    assert new and again.pk != export.pk
    assert Export.objects.get(pk=export.pk).status == ExportStatus.FAILED


def test_with_the_mail_server_down_the_file_is_ready_and_listed(
    world,
    ledger,
    client_for,
    django_capture_on_commit_callbacks,
    mail_server_down,  # noqa: F811
):
    client = client_for(world.coordinator)
    page = ask(client, world.hub, django_capture_on_commit_callbacks)
    assert page.status_code == 200
    export = Export.objects.get()
    assert export.status == ExportStatus.READY
    assert Notification.objects.filter(recipient=world.coordinator, kind=Kind.EXPORT).exists()


def test_a_deleted_or_expired_file_says_so_and_is_cleaned_up(
    world, ledger, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.coordinator)
    ask(client, world.hub, django_capture_on_commit_callbacks)
    export = Export.objects.get()
    url = reverse("export-download", args=[world.hub.slug, export.token])
    exports.path_of(export).unlink()
    gone = client.get(url)
    assert gone.status_code == 410 and "no longer here" in gone.content.decode()
    Export.objects.filter(pk=export.pk).update(
        requested_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    ask(client, world.hub, django_capture_on_commit_callbacks)
    newer = Export.objects.exclude(pk=export.pk).get()
    assert exports.path_of(newer).is_file()
    assert exports.clean(timezone.now()) == 0  # within its days: kept
    later = timezone.now() + datetime.timedelta(days=8)
    assert exports.clean(later) == 2
    assert not exports.path_of(newer).is_file()
    assert Export.objects.get(pk=newer.pk).status == ExportStatus.EXPIRED
    expired = client.get(reverse("export-download", args=[world.hub.slug, newer.token]))
    assert expired.status_code == 410


def test_a_writer_that_fails_says_so(world, ledger, monkeypatch, client_for):
    export, _ = services.export_request(actor=world.coordinator, hub=world.hub, kind="ledger")

    def broken(hub):
        yield ["half a line"]
        raise OSError("disk full")

    monkeypatch.setitem(exports.WRITERS, "ledger", (exports.LEDGER_HEADER, broken))
    assert exports.run(export.pk) == ExportStatus.FAILED
    assert exports.run(export.pk) == ExportStatus.FAILED  # run twice: written once at most
    told = Notification.objects.get(recipient=world.coordinator, kind=Kind.EXPORT)
    assert "could not be prepared" in told.subject
    page = client_for(world.coordinator).get(
        reverse("export-download", args=[world.hub.slug, export.token])
    )
    assert page.status_code == 410 and "could not be prepared" in page.content.decode()


def test_members_and_staff_cannot_ask(world, ledger):
    from coproduce.errors import ApplicationError

    for person in (world.member, world.staff):
        with pytest.raises((ApplicationError, Exception)):
            services.export_request(actor=person, hub=world.hub, kind="ledger")
    assert not Export.objects.exists()


def test_the_daily_clean_up_command(world, ledger, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    with django_capture_on_commit_callbacks(execute=True):
        export, _ = services.export_request(actor=world.coordinator, hub=world.hub, kind="ledger")
    Export.objects.filter(pk=export.pk).update(expires_at=timezone.now())
    out = io.StringIO()
    call_command("timebank", "clean-exports", stdout=out)
    assert "Deleted 1 exported file past their days." in out.getvalue()
    assert not exports.path_of(export).exists()


def test_every_balance_is_a_file_of_its_own_in_the_order_chosen(
    world, ledger, client_for, django_capture_on_commit_callbacks
):
    from coproduce.hubs.models import Person

    Person.objects.filter(pk=world.member.pk).update(display_name="=Sam Member")
    client = client_for(world.coordinator)
    url = reverse("exports", args=[world.hub.slug])
    page = client.get(reverse("balances", args=[world.hub.slug]), {"order": "-balance"})
    assert 'name="order" value="-balance"' in page.content.decode()
    client.post(url, {"kind": "ledger"})  # waiting: one of each kind at a time
    with django_capture_on_commit_callbacks(execute=True):
        listed = client.post(url, {"kind": "balances", "order": "-balance"}, follow=True)
    assert Export.objects.count() == 2
    export = Export.objects.get(kind="balances")
    assert (export.params, export.status) == ({"order": "-balance"}, ExportStatus.READY)
    assert "Every balance (highest balance first)" in listed.content.decode()
    told = Notification.objects.get(recipient=world.coordinator, kind=Kind.EXPORT)
    assert told.url == reverse("export-download", args=[world.hub.slug, export.token])
    response = client.get(told.url)
    assert response["Content-Disposition"].startswith('attachment; filename="millbrook-balances-')
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows[0]["Name"] == "'=Sam Member"  # the formula guard, as in every CSV
    assert rows[0]["Balance (h:mm)"] == "1:33" and rows[-1]["Balance (h:mm)"] == "-1:33"
    assert export.rows == len(rows) >= 5
    # Asking twice for the same makes one file; nobody else may download it.
    client.post(url, {"kind": "balances", "order": "-balance"})
    assert Export.objects.filter(kind="balances").count() == 1
    assert client_for(world.admin).get(told.url).status_code == 404
    assert client_for(world.staff).post(url, {"kind": "balances"}).status_code == 403
    assert Export.objects.filter(kind="balances").count() == 1
