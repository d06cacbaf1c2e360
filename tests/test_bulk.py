"""insert_rows writes what bulk_create would: defaults, dates, times and JSON, in order."""

import datetime

import pytest
from django.utils import timezone

from coproduce.bulk import insert_rows
from coproduce.hubs.models import AuditEvent


def test_rows_read_back_as_written_with_ids_in_order(world):
    when = timezone.make_aware(datetime.datetime(2026, 3, 14, 9, 30, 15, 123456))
    rows = [
        {
            "hub_id": world.hub.pk,
            "actor_id": world.coordinator.pk,
            "event": f"test.{n}",
            "subject_type": "exchange",
            "subject_id": n,
            "new": {"line": n, "note": "café", "nested": [1, {"a": None}]},
            "created_at": when + datetime.timedelta(minutes=n),
        }
        for n in range(1, 2500)
    ]
    ids = insert_rows(AuditEvent, rows, returning_ids=True)
    assert len(ids) == len(rows) == len(set(ids))
    stored = AuditEvent.objects.in_bulk(ids)
    for pk, row in zip(ids, rows, strict=True):
        event = stored[pk]
        assert (event.event, event.subject_id, event.new) == (
            row["event"],
            row["subject_id"],
            row["new"],
        )
        assert event.created_at == row["created_at"]
        assert event.on_behalf_of_id is None
        assert event.old == {}  # the field's default


def test_missing_values_take_the_fields_defaults(world):
    before = timezone.now()
    insert_rows(AuditEvent, [{"event": "test.defaults", "subject_type": "hub"}])
    event = AuditEvent.objects.get(event="test.defaults")
    assert event.created_at >= before
    assert (event.hub_id, event.new, event.old) == (None, {}, {})


def test_an_unknown_field_is_refused_before_anything_is_written(world):
    with pytest.raises(TypeError, match="AuditEvent has no field colour"):
        insert_rows(AuditEvent, [{"event": "a", "subject_type": "hub"}, {"colour": "red"}])
    assert not AuditEvent.objects.filter(event="a").exists()


def test_nothing_to_insert_is_not_an_error(db):
    assert insert_rows(AuditEvent, [], returning_ids=True) == []
