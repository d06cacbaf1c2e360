"""The data migration that opens the accounts earlier versions opened on first use: every
membership gets its account and the hub's opening grant, balanced, once."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("timebank", "0002_ledger_rules"), ("hubs", "0003_neighbourhood_adjacent")]
AFTER = [("timebank", "0003_open_accounts_with_memberships")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_memberships_without_accounts_get_them_with_the_opening_grant():
    old = migrate(BEFORE)
    Person = old.get_model("hubs", "Person")
    Hub = old.get_model("hubs", "Hub")
    Membership = old.get_model("hubs", "Membership")
    Policy = old.get_model("timebank", "TimebankPolicy")
    hub = Hub.objects.create(slug="oldhub", name="Old hub", purpose="From before")
    Policy.objects.create(hub=hub, opening_grant_minutes=120)
    people = [
        Person.objects.create(email=f"p{n}@example.org", display_name=f"P{n}") for n in range(3)
    ]
    for person in people:
        Membership.objects.create(hub=hub, person=person, role="member")

    new = migrate(AFTER)
    Account = new.get_model("timebank", "Account")
    Transfer = new.get_model("timebank", "Transfer")
    members = Account.objects.filter(hub_id=hub.pk, kind="member")
    assert members.count() == 3
    assert set(members.values_list("balance_minutes", flat=True)) == {120}
    hub_account = Account.objects.get(hub_id=hub.pk, kind="hub")
    assert hub_account.balance_minutes == -360
    assert Account.objects.filter(hub_id=hub.pk, kind="chest").exists()
    openings = Transfer.objects.filter(hub_id=hub.pk, kind="opening")
    assert openings.count() == 3 and all(t.sealed for t in openings)

    # Run again (as a re-applied migration would): nothing more is opened or granted.
    from importlib import import_module

    module = import_module("coproduce.timebank.migrations.0003_open_accounts_with_memberships")
    module.open_accounts(new, None)
    assert Transfer.objects.filter(hub_id=hub.pk, kind="opening").count() == 3
    assert Account.objects.filter(hub_id=hub.pk).count() == 5

    from coproduce.hubs.models import Hub as CurrentHub
    from coproduce.timebank.ledger import verify

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert verify(CurrentHub.objects.get(slug="oldhub")).ok
