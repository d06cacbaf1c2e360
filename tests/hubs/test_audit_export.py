"""The audit log filters by date range (local days, both ends included) and exports the
filtered log as a CSV of sentences with local times."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from coproduce.audit import AuditKind
from coproduce.hubs.models import AuditEvent
from coproduce.timebank import services as timebank
from coproduce.timebank.models import Export

pytestmark = pytest.mark.django_db


def _at(day, hour=0, minute=30):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def dated(world, bank):
    """Three categories created on three days, just after midnight (local time: the day
    before in UTC)."""
    days = [datetime.date(2026, 6, d) for d in (1, 2, 3)]
    for n, day in enumerate(days):
        timebank.category_create(actor=world.coordinator, hub=world.hub, name=f"Kind {n}")
        event = AuditEvent.objects.filter(event=AuditKind.CATEGORY_CREATED).latest("id")
        AuditEvent.objects.filter(pk=event.pk).update(created_at=_at(day))
    return days


def test_the_log_filters_by_dates_in_local_time(world, dated, client_for):
    client = client_for(world.coordinator)
    url = reverse("audit-log", args=[world.hub.slug])
    page = client.get(url, {"date_from": "2026-06-02", "date_to": "2026-06-02"})
    text = page.content.decode()
    assert "“Kind 1”" in text and "“Kind 0”" not in text and "“Kind 2”" not in text
    backwards = client.get(url, {"date_from": "2026-06-03", "date_to": "2026-06-01"})
    assert "The end date is before the start date" in backwards.content.decode()
    assert client.get(url, {"date_from": "0001-01-01"}).status_code == 200


def test_the_filtered_log_is_prepared_as_a_file_with_sentences_and_local_times(
    world, dated, client_for, django_capture_on_commit_callbacks
):
    """Asked for on the audit page with the filter chosen there, written by a task (a log
    grows with the hub), and downloaded through the link only the asker may use."""
    client = client_for(world.coordinator)
    url = reverse("audit-log", args=[world.hub.slug])
    chosen = {"kind": AuditKind.CATEGORY_CREATED, "date_from": "2026-06-02"}
    page = client.get(url, chosen).content.decode()
    # The page's form keeps the filter (prefixed: "kind" is the file's kind there).
    assert f'action="{reverse("exports", args=[world.hub.slug])}"' in page
    assert 'name="audit-kind" value="category.created"' in page
    assert 'name="audit-date_from" value="2026-06-02"' in page
    asked = {"kind": "audit", "audit-kind": chosen["kind"], "audit-date_from": "2026-06-02"}
    with django_capture_on_commit_callbacks(execute=True):
        listed = client.post(reverse("exports", args=[world.hub.slug]), asked, follow=True)
    export = Export.objects.get()
    assert (export.kind, export.requested_by, export.status) == (
        "audit",
        world.coordinator,
        "ready",
    )
    assert export.params == {"kind": "category.created", "date_from": "2026-06-02"}
    assert "The audit log (Kind of help added; from 2 Jun 2026)" in listed.content.decode()
    download = reverse("export-download", args=[world.hub.slug, export.token])
    response = client.get(download)
    assert response["Content-Disposition"].startswith('attachment; filename="millbrook-audit-')
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["Date and time"] for r in rows] == ["2026-06-03 00:30", "2026-06-02 00:30"]
    assert rows[0]["Done by"] == "Grace Coordinator"
    assert "Kind 2" in rows[0]["What happened"]
    assert rows[0]["Kind of change"] == "Kind of help added"
    assert export.rows == 2
    # Asking again for the same changes gives the same file, not a copy.
    client.post(reverse("exports", args=[world.hub.slug]), asked)
    assert Export.objects.count() == 1
    # Another coordinator (the admin) with the same link: as if it never was.
    assert client_for(world.admin).get(download).status_code == 404


def test_the_audit_file_keeps_whose_changes_and_the_page_permission(
    world, dated, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.coordinator)
    exports_url = reverse("exports", args=[world.hub.slug])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(exports_url, {"kind": "audit", "audit-person": str(world.member.pk)})
    export = Export.objects.get()
    body = client.get(reverse("export-download", args=[world.hub.slug, export.token]))
    rows = list(csv.DictReader(io.StringIO(b"".join(body.streaming_content).decode("utf-8-sig"))))
    assert rows and all(world.member.display_name in (r["Done by"], r["Done for"]) for r in rows)
    assert not any("Kind 0" in r["What happened"] for r in rows)
    # A filter the page would refuse is refused here too, by name, and makes no file.
    bad = client.post(
        exports_url,
        {"kind": "audit", "audit-date_from": "2026-06-03", "audit-date_to": "2026-06-01"},
        follow=True,
    )
    assert "To (date, included): The end date is before the start date." in bad.content.decode()
    assert Export.objects.count() == 1
    # Only those who read the audit log may take it away.
    for person in (world.member, world.staff, world.other_coordinator):
        refused = client_for(person).post(exports_url, {"kind": "audit"})
        assert refused.status_code in (403, 404)
    assert Export.objects.count() == 1
    # The old link to a CSV of the page goes to the files page.
    client = client_for(world.coordinator)
    old = client.get(reverse("audit-log", args=[world.hub.slug]), {"format": "csv"})
    assert old.status_code == 302 and old.url == exports_url
    assert (
        client_for(world.member)
        .get(reverse("audit-log", args=[world.hub.slug]), {"format": "csv"})
        .status_code
        == 403
    )
