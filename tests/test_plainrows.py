"""plain_rows and plain_dicts read what Django's own values() reads, in the same order,
and an impossible filter reads nothing rather than failing."""

import datetime

from django.db.models import CharField, F
from django.db.models.functions import Cast

from coproduce.hubs.models import Person
from coproduce.plainrows import plain_dicts, plain_rows


def test_rows_match_values_list_in_order(world):
    query = Person.objects.order_by("-pk").values_list("pk", "display_name", "email")
    assert plain_rows(query) == list(query)
    assert len(plain_rows(query)) > 3
    assert plain_rows(query.all()[1:3]) == list(query)[1:3]


def test_dicts_are_keyed_by_the_query_names(world):
    query = (
        Person.objects.filter(pk=world.coordinator.pk)
        .annotate(name=F("display_name"), joined=Cast("date_joined", CharField()))
        .values("pk", "name", "joined")
    )
    [row] = plain_dicts(query)
    assert set(row) == {"pk", "name", "joined"}
    assert (row["pk"], row["name"]) == (world.coordinator.pk, world.coordinator.display_name)
    # The database's own text of the moment, in UTC, to the second.
    joined = world.coordinator.date_joined.astimezone(datetime.UTC)
    assert row["joined"][:19] == joined.strftime("%Y-%m-%d %H:%M:%S")


def test_an_empty_list_of_ids_reads_nothing(world):
    assert plain_rows(Person.objects.filter(pk__in=[]).values_list("pk")) == []
    assert plain_dicts(Person.objects.filter(pk__in=[]).values("pk")) == []
