"""Time-bank pages: the flow through real forms. Who may open each page is in the
permission matrix, tests/test_permission_matrix.py."""

import csv
import datetime
import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coproduce.hubs.models import AuditEvent
from coproduce.timebank import ledger, services
from coproduce.timebank.models import Account, Exchange, ExchangeStatus, Export, ListingKind


def test_offer_ask_agree_log_confirm_through_the_pages(world, bank, client_for):
    member = client_for(world.member)
    response = member.post(
        reverse("listing-new", args=[world.hub.slug]), {"kind": "offer", "title": "Dog walking"}
    )
    assert response.status_code == 302
    listing = bank.member.listings.get()
    staff = client_for(world.staff)
    response = staff.post(reverse("listing-detail", args=[world.hub.slug, listing.pk]))
    exchange = Exchange.objects.get(listing=listing)
    member = client_for(world.member)
    member.post(reverse("exchange-action", args=[world.hub.slug, exchange.pk, "agree"]))
    response = member.post(
        reverse("exchange-action", args=[world.hub.slug, exchange.pk, "log"]),
        {"hours": "1", "minutes": "30"},
    )
    assert response.status_code == 302
    client_for(world.staff).post(
        reverse("exchange-action", args=[world.hub.slug, exchange.pk, "confirm"])
    )
    exchange.refresh_from_db()
    assert exchange.status == ExchangeStatus.CONFIRMED
    assert Account.objects.get(pk=bank.member.pk).balance_minutes == 90
    assert Account.objects.get(pk=bank.staff.pk).balance_minutes == -90


def test_zero_hours_are_refused_next_to_the_field(world, bank, client_for):
    exchange = services.exchange_record(
        actor=world.member,
        hub=world.hub,
        giver=bank.member,
        receiver=bank.staff,
        title="x",
        minutes=30,
    )
    listing = services.listing_create(
        actor=world.staff, account=bank.staff, kind=ListingKind.REQUEST, title="Lift"
    )
    exchange = services.exchange_propose(actor=world.member, listing=listing)
    services.exchange_agree(actor=world.staff, exchange=exchange)
    response = client_for(world.member).post(
        reverse("exchange-action", args=[world.hub.slug, exchange.pk, "log"]),
        {"hours": "0", "minutes": "0"},
    )
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    exchange.refresh_from_db()
    assert exchange.status == ExchangeStatus.AGREED


def test_a_statement_downloads_as_csv(world, bank, client_for):
    exchange = services.exchange_record(
        actor=world.member,
        hub=world.hub,
        giver=bank.member,
        receiver=bank.staff,
        title="=cmd()",
        minutes=45,
    )
    services.exchange_confirm(actor=world.staff, exchange=exchange)
    response = client_for(world.member).get(
        reverse("statement", args=[world.hub.slug]), {"format": "csv"}
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == [
        "Date and time",
        "What",
        "Description",
        "Hours (h:mm)",
        "Hours (decimal)",
        "Minutes",
    ]
    assert rows[1][1:] == ["Exchange", "'=cmd()", "0:45", "0.75", "45"]


def test_the_hub_ledger_csv_balances_to_zero(
    world, bank, client_for, django_capture_on_commit_callbacks
):
    exchange = services.exchange_record(
        actor=world.member,
        hub=world.hub,
        giver=bank.member,
        receiver=bank.staff,
        title="Help",
        minutes=45,
    )
    services.exchange_confirm(actor=world.staff, exchange=exchange)
    client = client_for(world.coordinator)
    response = client.get(reverse("hub-ledger", args=[world.hub.slug]), {"format": "csv"})
    assert response.url == reverse("exports", args=[world.hub.slug])  # prepared by a task
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response.url, {"kind": "ledger"})
    export = Export.objects.get(requested_by=world.coordinator)
    response = client.get(reverse("export-download", args=[world.hub.slug, export.token]))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 2 and sum(int(r["Minutes"]) for r in rows) == 0


def test_listings_search_and_filter(world, bank, client_for):
    services.listing_create(
        actor=world.member,
        account=bank.member,
        kind="offer",
        title="Gardening help",
        description="Weeding and pruning",
    )
    services.listing_create(
        actor=world.staff, account=bank.staff, kind="request", title="Lifts to clinic"
    )
    client = client_for(world.coordinator)
    page = client.get(reverse("timebank", args=[world.hub.slug]), {"q": "pruning"})
    assert [listing.title for listing in page.context["listings"]] == ["Gardening help"]
    page = client.get(reverse("timebank", args=[world.hub.slug]), {"kind": "request"})
    assert [listing.title for listing in page.context["listings"]] == ["Lifts to clinic"]


def upload(client, hub, content: bytes, name="sheet.csv"):
    return client.post(
        reverse("sheet-import", args=[hub.slug]),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def test_a_coordinator_records_a_time_sheet_and_sees_the_total(world, bank, client_for):
    client = client_for(world.coordinator)
    example = client.get(reverse("sheet-import", args=[world.hub.slug]) + "?format=example")
    assert example["Content-Type"].startswith("text/csv")
    header = example.content.decode().splitlines()[0]
    sheet = (
        f"{header}\r\n"
        "2026-03-14,Ron Assisted,Millbrook Health Centre,Flu clinic welcome,2:30\r\n"
        "2026-03-15,sam@example.org,Ron Assisted,Shopping,1\r\n"
    ).encode()
    response = upload(client, world.hub, sheet)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Recorded 2 exchanges, 3 h 30 min in all." in page
    assert Account.objects.get(pk=bank.assisted.pk).balance_minutes == 150 - 60
    again = upload(client, world.hub, sheet)
    assert again.status_code == 400
    assert "Line 2: This was already recorded." in again.content.decode()
    assert Exchange.objects.filter(status=ExchangeStatus.CONFIRMED).count() == 2


def test_a_time_sheet_with_mistakes_lists_each_and_records_nothing(world, bank, client_for):
    sheet = (
        b"date,giver,receiver,description,hours\r\n"
        b"2026-03-14,sam@example.org,Nobody Here,Lift,1\r\n"
        b"tomorrow,sam@example.org,Ron Assisted,Lift,1\r\n"
    )
    response = upload(client_for(world.coordinator), world.hub, sheet)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Line 2, column &#x27;receiver&#x27;: no member or organisation" in page
    assert "Line 3, column &#x27;date&#x27;: &#x27;tomorrow&#x27; is not a date" in page
    assert Exchange.objects.count() == 0


def balance_of(account):
    return Account.objects.get(pk=account.pk).balance_minutes


def test_a_member_gives_hours_to_the_chest_once_however_often_they_click(world, bank, client_for):
    client = client_for(world.member)
    url = reverse("chest", args=[world.hub.slug])
    page = client.get(url).content.decode()
    assert "Grant hours to a member" not in page
    key = re.search(r'name="donate-key" value="([0-9a-f]+)"', page)[1]
    sent = {"form": "donate", "donate-hours": "2", "donate-minutes": "0", "donate-key": key}
    assert client.post(url, sent).status_code == 302
    assert client.post(url, sent).status_code == 302  # the same form sent again
    assert balance_of(bank.chest) == 120
    assert balance_of(bank.member) == -120


def test_a_coordinator_grants_from_the_chest_with_a_reason(world, bank, client_for):
    services.chest_donate(actor=world.staff, account=bank.staff, minutes=180)
    client = client_for(world.coordinator)
    url = reverse("chest", args=[world.hub.slug])
    sent = {
        "form": "grant",
        "grant-member": world.assisted.pk,
        "grant-hours": "1",
        "grant-minutes": "30",
        "grant-key": "first",
    }
    no_reason = client.post(url, {**sent, "grant-reason": ""})
    assert no_reason.status_code == 400
    assert balance_of(bank.assisted) == 0
    response = client.post(url, {**sent, "grant-reason": "Lifts to hospital after his fall"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Granted 1 h 30 min to Ron Assisted." in page
    assert "Lifts to hospital after his fall" in page
    too_much = client.post(
        url, {**sent, "grant-key": "second", "grant-hours": "2", "grant-reason": "x"}
    )
    assert too_much.status_code == 400
    assert "not enough" in too_much.content.decode()
    assert (balance_of(bank.assisted), balance_of(bank.chest)) == (90, 90)


def test_a_member_cannot_grant_from_the_chest(world, bank, client_for):
    services.chest_donate(actor=world.staff, account=bank.staff, minutes=180)
    response = client_for(world.member).post(
        reverse("chest", args=[world.hub.slug]),
        {
            "form": "grant",
            "grant-member": world.member.pk,
            "grant-hours": "1",
            "grant-minutes": "0",
            "grant-reason": "Me",
            "grant-key": "k",
        },
    )
    assert response.status_code == 200  # shown the page again; no grant form for members
    assert balance_of(bank.member) == 0


def test_a_coordinator_changes_the_rules_and_adds_a_category(world, bank, client_for):
    client = client_for(world.coordinator)
    url = reverse("timebank-settings", args=[world.hub.slug])
    rules = {
        "form": "policy",
        "policy-floor_hours": "-5",
        "policy-ceiling_hours": "50",
        "policy-limits": "soft",
        "policy-opening_grant_hours": "2",
        "policy-auto_confirm_days": "7",
    }
    assert client.post(url, rules).status_code == 302
    policy = ledger.policy_for(world.hub)
    assert (policy.floor_minutes, policy.ceiling_minutes, policy.limits_are_hard) == (
        -300,
        3000,
        False,
    )
    assert (policy.opening_grant_minutes, policy.auto_confirm_days) == (120, 7)
    assert AuditEvent.objects.filter(event="timebank_policy.updated", hub=world.hub).count() == 1
    bad = client.post(url, {**rules, "policy-floor_hours": "3"})
    assert bad.status_code == 400
    assert "Lowest balance, in hours" in bad.content.decode()
    assert ledger.policy_for(world.hub).floor_minutes == -300
    assert client.post(url, {"form": "category", "category-name": " Lifts "}).status_code == 302
    twice = client.post(url, {"form": "category", "category-name": "lifts"})
    assert "already has that category" in twice.content.decode()
    assert [c.name for c in world.hub.categories.all()] == ["Lifts"]


def test_a_grant_beyond_the_opening_limits_is_explained(world, bank, client_for):
    response = client_for(world.coordinator).post(
        reverse("timebank-settings", args=[world.hub.slug]),
        {
            "form": "policy",
            "policy-floor_hours": "-5",
            "policy-ceiling_hours": "1",
            "policy-limits": "hard",
            "policy-opening_grant_hours": "3",
            "policy-auto_confirm_days": "7",
        },
    )
    assert response.status_code == 400
    assert "cannot start above the highest balance" in response.content.decode()


def test_my_listings_shows_open_expired_and_closed(world, bank, client_for):
    open_one = services.listing_create(
        actor=world.member, account=bank.member, kind=ListingKind.OFFER, title="Dog walking"
    )
    old = services.listing_create(
        actor=world.member, account=bank.member, kind=ListingKind.REQUEST, title="Lift to town"
    )
    old.expires_on = datetime.date(2020, 1, 31)
    old.save()
    closed = services.listing_create(
        actor=world.member, account=bank.member, kind=ListingKind.OFFER, title="Ironing"
    )
    services.listing_close(actor=world.member, listing=closed)
    services.listing_create(
        actor=world.staff, account=bank.staff, kind=ListingKind.OFFER, title="Someone else's"
    )
    page = client_for(world.member).get(reverse("timebank", args=[world.hub.slug])).content
    mine = page.decode().split("<h2>My listings</h2>")[1].split("<h2>")[0]
    assert f"{open_one.title}</a>: offer of help, open<" in mine
    assert "Lift to town</a>: request for help, expired on 31 January 2020" in mine
    assert "Ironing</a>: offer of help, closed" in mine
    assert "Someone else" not in mine


def test_the_owner_closes_a_listing_from_its_page_and_others_cannot(world, bank, client_for):
    listing = services.listing_create(
        actor=world.member,
        account=bank.member,
        kind=ListingKind.OFFER,
        title="Dog walking",
        availability=["mon-am", "sat-pm"],
    )
    url = reverse("listing-detail", args=[world.hub.slug, listing.pk])
    page = client_for(world.staff).get(url)
    assert "Monday morning" in page.text and "Close this listing" not in page.text
    # Someone else posting "close" is refused and nothing changes.
    assert client_for(world.staff).post(url, {"action": "close"}).status_code == 403
    listing.refresh_from_db()
    assert listing.is_active
    owner = client_for(world.member)
    assert "Close this listing" in owner.get(url).text
    assert owner.post(url, {"action": "close"}).status_code == 302
    assert owner.post(url, {"action": "close"}).status_code == 302  # sent twice: once
    listing.refresh_from_db()
    assert not listing.is_active
    assert AuditEvent.objects.filter(event="listing.closed", subject_id=listing.pk).count() == 1
    page = owner.get(url)
    assert "This listing is closed" in page.text and "Close this listing" not in page.text


def test_a_coordinator_closing_a_members_listing_tells_them_once(world, bank, client_for):
    from coproduce.notify.models import Notification

    listing = services.listing_create(
        actor=world.member, account=bank.member, kind=ListingKind.OFFER, title="Dog walking"
    )
    url = reverse("listing-detail", args=[world.hub.slug, listing.pk])
    coordinator = client_for(world.coordinator)
    assert "close it for its owner" in coordinator.get(url).text
    assert coordinator.post(url, {"action": "close"}).status_code == 302
    services.listing_close(actor=world.coordinator, listing=listing)  # again: no change
    [told] = Notification.objects.filter(recipient=world.member)
    assert told.subject == "Your listing was closed: Dog walking"
    assert "Grace" in told.body and f"/timebank/listings/{listing.pk}/" in told.body
    [event] = AuditEvent.objects.filter(event="listing.closed", subject_id=listing.pk)
    assert event.on_behalf_of == world.member
