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


def test_the_filtered_log_downloads_as_sentences_with_local_times(world, dated, client_for):
    client = client_for(world.coordinator)
    url = reverse("audit-log", args=[world.hub.slug])
    response = client.get(
        url,
        {"kind": AuditKind.CATEGORY_CREATED, "date_from": "2026-06-02", "format": "csv"},
    )
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["Date and time"] for r in rows] == ["2026-06-03 00:30", "2026-06-02 00:30"]
    assert rows[0]["Done by"] == "Grace Coordinator"
    assert "Kind 2" in rows[0]["What happened"]
    assert rows[0]["Kind of change"] == "Kind of help added"
    page = client.get(url, {"date_from": "2026-06-02"}).content.decode()
    assert "date_from=2026-06-02&amp;format=csv" in page
    assert client_for(world.member).get(url, {"format": "csv"}).status_code == 403
