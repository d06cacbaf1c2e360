"""Seeing: coordinators see every balance (sorted, a page at a time, as CSV) and anyone's
statement (to print and post); the hub ledger shows a chosen month beside the eleven
before it; CSVs carry local dates and times Excel reads and hours as h:mm and decimals."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coproduce.csv_export import hours_decimal, hours_hmm, local_time, safe_cell
from coproduce.timebank import ledger, selectors, services, tallies
from coproduce.timebank.models import Account, AccountKind, Entry, Export, Transfer

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def pay(world, giver, receiver, minutes, title="Help"):
    exchange = services.exchange_record(
        actor=world.coordinator,
        hub=world.hub,
        giver=giver,
        receiver=receiver,
        title=title,
        minutes=minutes,
    )
    return services.exchange_confirm(actor=world.admin, exchange=exchange)


def test_hours_and_times_are_written_for_spreadsheets(settings):
    assert (hours_hmm(90), hours_hmm(-45), hours_hmm(0)) == ("1:30", "-0:45", "0:00")
    assert hours_decimal(-90) == "-1.50"
    summer = datetime.datetime(2026, 7, 1, 13, 5, tzinfo=datetime.UTC)
    assert local_time(summer) == "2026-07-01 14:05"  # London, not UTC, no offset
    assert safe_cell("-0:45") == "-0:45"
    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert safe_cell("-x") == "'-x"


def test_coordinators_see_every_balance_sorted_and_as_csv(
    world, bank, client_for, django_capture_on_commit_callbacks
):
    pay(world, bank.member, bank.assisted, 90)
    client = client_for(world.coordinator)
    url = reverse("balances", args=[world.hub.slug])
    page = client.get(url, {"order": "-balance"}).content.decode()
    assert page.index("Sam Member") < page.index("Grace Coordinator") < page.index("Ron Assisted")
    assert "1 h 30 min" in page and "-1 h 30 min" in page
    assert 'aria-sort="descending"' in page
    page = client.get(url, {"order": "name"}).content.decode()
    assert page.index("Dr Amir Staff") < page.index("Ron Assisted") < page.index("Sam Member")
    page = client.get(url, {"order": "-activity"}).content.decode()
    assert page.index("Ron Assisted") < page.index("Dr Amir Staff")
    # Every balance grows with the hub: prepared by a task, downloaded by the asker.
    assert client.get(url, {"format": "csv"}).url == reverse("exports", args=[world.hub.slug])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("exports", args=[world.hub.slug]), {"kind": "balances"})
    export = Export.objects.get(kind="balances")
    rows = read_csv(client.get(reverse("export-download", args=[world.hub.slug, export.token])))
    rows = {r["Name"]: r for r in rows}
    assert rows["Sam Member"]["Balance (h:mm)"] == "1:30"
    assert rows["Ron Assisted"]["Balance (decimal hours)"] == "-1.50"
    assert rows["Millbrook Health Centre"]["Kind"] == "Organisation"
    stamp = rows["Sam Member"]["Last activity"]
    assert datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M")
    assert rows["Dr Amir Staff"]["Last activity"] == ""
    assert client_for(world.member).get(url).status_code == 403
    assert client_for(world.staff).get(url).status_code == 403


def test_the_balances_page_costs_the_same_queries_for_many_members(world, bank, client_for):
    client = client_for(world.coordinator)
    url = reverse("balances", args=[world.hub.slug])

    def queries(order):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"order": order, "page": "2"}).status_code == 200
        return len(captured)

    few = {order: queries(order) for order in selectors.BALANCE_ORDERS}
    _many_members(world, 120)
    for order, count in few.items():
        assert queries(order) == count, order
    assert max(few.values()) <= 12


def _many_members(world, count):
    from coproduce.hubs.models import Membership, Person

    people = Person.objects.bulk_create(
        Person(email=f"m{n}@example.org", display_name=f"Member {n:05d}") for n in range(count)
    )
    memberships = Membership.objects.bulk_create(
        Membership(hub=world.hub, person=person) for person in people
    )
    Account.objects.bulk_create(
        Account(hub=world.hub, kind=AccountKind.MEMBER, membership=m) for m in memberships
    )


def test_a_coordinator_sees_and_prints_anyones_statement(world, bank, client_for):
    pay(world, bank.member, bank.assisted, 60, title="Shopping for Ron")
    client = client_for(world.coordinator)
    url = reverse("statement", args=[world.hub.slug])
    page = client.get(url, {"account": bank.assisted.pk}).content.decode()
    assert "Statement: Ron Assisted" in page and "Shopping for Ron" in page
    assert "-1 h" in page
    printed = client.get(url, {"account": bank.assisted.pk, "print": "1"}).content.decode()
    assert "Statement for Ron Assisted" in printed and "site-header" not in printed
    rows = read_csv(client.get(url, {"account": bank.assisted.pk, "format": "csv"}))
    assert rows[0]["Hours (h:mm)"] == "-1:00" and rows[0]["Description"] == "Shopping for Ron"
    # Members see only their own; another's is not said to exist.
    member = client_for(world.member)
    assert member.get(url, {"account": bank.assisted.pk}).status_code == 404
    assert member.get(url, {"account": "99999999999999999999"}).status_code == 404
    assert member.get(url, {"account": bank.member.pk}).status_code == 200
    other = client_for(world.other_coordinator)
    assert other.get(url, {"account": bank.assisted.pk}).status_code == 403


def test_the_hub_ledger_shows_a_month_beside_earlier_months(world, bank, client_for):
    services.chest_donate(actor=world.staff, account=bank.staff, minutes=120)
    pay(world, bank.member, bank.assisted, 90)
    pay(world, bank.assisted, bank.member, 30)
    pay(world, bank.staff, bank.member, 60)
    # One exchange moved back to last month.
    last_month = selectors.add_months(timezone.localdate().replace(day=1), -1)
    earlier = Transfer.objects.filter(kind="exchange").order_by("pk").last()
    Transfer.objects.filter(pk=earlier.pk).update(
        created_at=timezone.make_aware(datetime.datetime.combine(last_month, datetime.time(12)))
    )
    # A change made behind the ledger's back: its kept counts are recounted, as
    # `coproduce ledger retally` does (verify would name the counts that are wrong).
    assert not ledger.verify(world.hub).ok
    tallies.rebuild(world.hub.pk)
    assert ledger.verify(world.hub).ok
    months = selectors.month_summaries(world.hub, timezone.localdate(), 12)
    this, before = months[0], months[1]
    assert (this["minutes"], this["gave"], this["received"], this["both"]) == (120, 2, 2, 2)
    assert (before["minutes"], before["gave"], before["received"]) == (60, 1, 1)
    assert this["chest_in"] == 120 and this["chest_out"] == 0
    assert this["new_members"] >= 5 and len(months) == 12
    client = client_for(world.coordinator)
    url = reverse("hub-ledger", args=[world.hub.slug])
    page = client.get(url).content.decode()
    assert "The last 12 months" in page and "2 h" in page
    page = client.get(url, {"month": last_month.strftime("%Y-%m")}).content.decode()
    assert last_month.strftime("%B %Y") in page
    assert client.get(url, {"month": "0001-01"}).status_code == 200
    assert client.get(url, {"month": "nonsense"}).status_code == 200
    assert Entry.objects.exists()


def test_an_account_keeps_its_last_activity_with_its_balance(world, bank):
    pay(world, bank.member, bank.assisted, 30)
    latest = Transfer.objects.order_by("-pk").first().created_at
    bank.member.refresh_from_db()
    assert bank.member.last_activity_at == latest
    # A transfer dated earlier (an import) leaves the later activity in place.
    older = latest - datetime.timedelta(days=40)
    ledger.post_transfer(
        hub=world.hub,
        kind="exchange",
        legs=[ledger.Leg(bank.assisted, -15), ledger.Leg(bank.member, 15)],
        idempotency_key="older-one",
        created_at=older,
    )
    bank.member.refresh_from_db()
    assert bank.member.last_activity_at == latest
    assert ledger.verify(world.hub).ok
    # A value written behind the ledger's back is named by verify, and a recount mends it.
    Account.objects.filter(pk=bank.member.pk).update(last_activity_at=older)
    report = ledger.verify(world.hub)
    assert not report.ok and any("last activity" in p for p in report.problems)
    tallies.rebuild(world.hub.pk)
    assert ledger.verify(world.hub).ok
