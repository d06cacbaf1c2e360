"""The data migration that renames the audit kinds whose verbs did not fit the list."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from coproduce.audit import AuditKind

BEFORE = [("hubs", "0003_neighbourhood_adjacent")]
AFTER = [("hubs", "0004_audit_kinds")]
RENAMED = {
    "person.created_assisted": AuditKind.PERSON_CREATED,
    "referral.active": AuditKind.REFERRAL_STARTED,
    "slots.added": AuditKind.SLOT_ADDED,
    "exchange.group_recorded": AuditKind.GROUP_EXCHANGE_RECORDED,
    "exchanges.imported": AuditKind.TIMESHEET_IMPORTED,
    "timebank.policy_changed": AuditKind.TIMEBANK_POLICY_UPDATED,
}


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_stored_events_get_the_new_names_and_back():
    old = migrate(BEFORE)
    AuditEvent = old.get_model("hubs", "AuditEvent")
    for name in [*RENAMED, "rota.taken"]:
        AuditEvent.objects.create(event=name, subject_type="hub", subject_id=1)

    new = migrate(AFTER)
    stored = set(new.get_model("hubs", "AuditEvent").objects.values_list("event", flat=True))
    assert stored == {kind.value for kind in RENAMED.values()} | {"rota.taken"}
    assert stored <= set(AuditKind.values)

    old = migrate(BEFORE)
    stored = set(old.get_model("hubs", "AuditEvent").objects.values_list("event", flat=True))
    assert stored == {*RENAMED, "rota.taken"}
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
