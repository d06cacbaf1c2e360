"""Recording many exchanges at once: batches of transfers and coordinators' time sheets.

A batch is all or nothing, checked as if each line were posted alone, and every problem
names its line (and column, for a sheet)."""

import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coproduce.errors import ApplicationError
from coproduce.hubs.models import AuditEvent
from coproduce.timebank import ledger, timesheet
from coproduce.timebank.ledger import Leg, NewTransfer, post_transfer, post_transfers
from coproduce.timebank.models import (
    Account,
    Entry,
    Exchange,
    ExchangeStatus,
    Transfer,
    TransferKind,
)
from coproduce.timebank.services import ExchangeRow, exchanges_import, exchanges_import_sheet

from .test_concurrency import run_at_once

TODAY = datetime.date(2026, 3, 14)


def balance(account):
    return Account.objects.get(pk=account.pk).balance_minutes


def counts():
    return (Transfer.objects.count(), Entry.objects.count(), Exchange.objects.count())


def new(payer, payee, minutes, key):
    return NewTransfer(
        kind=TransferKind.EXCHANGE,
        legs=[Leg(payer, -minutes), Leg(payee, minutes)],
        idempotency_key=key,
    )


def row(line, giver, receiver, minutes=60, title="Gardening", done_on=TODAY):
    return ExchangeRow(
        line=line, giver=giver, receiver=receiver, title=title, minutes=minutes, done_on=done_on
    )


# The ledger's batch -----------------------------------------------------------------


def test_a_batch_moves_every_hour_and_seals_every_transfer(world, bank):
    created = post_transfers(
        hub=world.hub,
        transfers=[
            new(bank.member, bank.staff, 60, "b1"),
            new(bank.staff, bank.assisted, 45, "b2"),
            new(bank.health_centre, bank.member, 120, "b3"),
        ],
    )
    transfers = Transfer.objects.in_bulk(created)
    assert [transfers[pk].idempotency_key for pk in created] == ["b1", "b2", "b3"]
    assert all(transfers[pk].sealed for pk in created)
    assert [balance(a) for a in (bank.member, bank.staff, bank.assisted)] == [60, 15, 45]
    assert balance(bank.health_centre) == -120
    assert ledger.verify().ok


def test_a_batch_checks_limits_in_order_as_if_posted_one_by_one(world, bank):
    # The floor is -600: each 400-minute spend fits alone, the second does not after the first.
    before = counts()
    with pytest.raises(ApplicationError, match=r"Transfer 2: .*lowest balance") as caught:
        post_transfers(
            hub=world.hub,
            transfers=[
                new(bank.member, bank.staff, 400, "c1"),
                new(bank.member, bank.assisted, 400, "c2"),
            ],
        )
    assert caught.value.details["at"] == 2
    assert counts() == before
    assert balance(bank.member) == 0


@pytest.mark.parametrize(
    ("transfers", "message"),
    [
        (lambda b: [new(b.member, b.staff, 60, "k"), new(b.staff, b.member, 0, "k2")], "2: .*zero"),
        (lambda b: [new(b.member, b.member, 60, "k")], "1: .*cannot pay itself"),
        (lambda b: [new(b.member, b.staff, 60, "k"), new(b.staff, b.member, 5, "k")], "twice"),
        (lambda b: [new(b.member, b.other_hub_member, 60, "k")], "same hub"),
        (lambda b: [new(b.member, b.staff, 25 * 60, "k")], "more than one transfer allows"),
    ],
    ids=["zero", "self", "key-twice", "other-hub", "absurd"],
)
def test_a_bad_transfer_in_a_batch_writes_nothing(world, bank, transfers, message):
    before = counts()
    with pytest.raises(ApplicationError, match=message):
        post_transfers(hub=world.hub, transfers=transfers(bank))
    assert counts() == before
    assert balance(bank.member) == balance(bank.staff) == 0


def test_a_batch_with_a_key_already_used_is_refused_whole(world, bank):
    post_transfer(
        hub=world.hub,
        kind=TransferKind.EXCHANGE,
        legs=[Leg(bank.member, -30), Leg(bank.staff, 30)],
        idempotency_key="used",
    )
    before = counts()
    with pytest.raises(ApplicationError, match="Transfer 2: this was already recorded"):
        post_transfers(
            hub=world.hub,
            transfers=[
                new(bank.member, bank.staff, 60, "fresh"),
                new(bank.member, bank.staff, 30, "used"),
            ],
        )
    assert counts() == before
    assert balance(bank.staff) == 30


POSTING = st.tuples(
    st.sampled_from(["member", "staff", "coordinator", "assisted", "health_centre"]),
    st.sampled_from(["member", "staff", "coordinator", "assisted", "health_centre"]),
    st.integers(min_value=1, max_value=400),
).filter(lambda posting: posting[0] != posting[1])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(postings=st.lists(POSTING, min_size=1, max_size=12))
def test_a_batch_ends_where_posting_one_by_one_would(world, bank, postings):
    """Either every posting fits (and the balances are those of posting them one at a
    time) or the batch is refused at the first posting that would be refused alone."""
    names = ["member", "staff", "coordinator", "assisted", "health_centre"]
    start = {name: balance(getattr(bank, name)) for name in names}
    expected, first_refused = dict(start), None
    policy = ledger.policy_for(world.hub)
    for number, (payer, payee, minutes) in enumerate(postings, start=1):
        after_payer = expected[payer] - minutes
        after_payee = expected[payee] + minutes
        member = {n: getattr(bank, n).kind == "member" for n in names}
        if (member[payer] and after_payer < policy.floor_minutes) or (
            member[payee] and after_payee > policy.ceiling_minutes
        ):
            first_refused = number
            break
        expected[payer], expected[payee] = after_payer, after_payee
    run = uuid.uuid4().hex  # keys unique to this example: the database lives across examples
    batch = [
        new(getattr(bank, payer), getattr(bank, payee), minutes, f"{run}:{n}")
        for n, (payer, payee, minutes) in enumerate(postings)
    ]
    try:
        post_transfers(hub=world.hub, transfers=batch)
    except ApplicationError as error:
        assert error.details["at"] == first_refused
        expected = start
    else:
        assert first_refused is None
    assert {name: balance(getattr(bank, name)) for name in names} == expected
    assert ledger.verify().ok


@pytest.mark.django_db(transaction=True)
def test_batches_posted_at_once_lose_and_duplicate_nothing(world, bank):
    policy = ledger.policy_for(world.hub)
    policy.floor_minutes, policy.ceiling_minutes = -100_000, 100_000
    policy.save()
    accounts = [bank.member, bank.staff, bank.coordinator, bank.assisted, bank.health_centre]

    def work(index):
        post_transfers(
            hub=world.hub,
            transfers=[
                new(
                    accounts[(index + n) % 5],
                    accounts[(index + n + 1) % 5],
                    10 + n,
                    f"w{index}:{n}",
                )
                for n in range(40)
            ],
        )

    assert run_at_once(work, 4) == []
    expected = {a.pk: 0 for a in accounts}
    for index in range(4):
        for n in range(40):
            expected[accounts[(index + n) % 5].pk] -= 10 + n
            expected[accounts[(index + n + 1) % 5].pk] += 10 + n
    assert dict(Account.objects.filter(pk__in=expected).values_list("pk", "balance_minutes")) == (
        expected
    )
    assert ledger.verify().ok


@pytest.mark.django_db(transaction=True)
def test_the_same_batch_sent_twice_at_once_is_recorded_once(world, bank):
    outcomes = []

    def work(index):
        try:
            post_transfers(
                hub=world.hub,
                transfers=[new(bank.member, bank.staff, 30, f"same:{n}") for n in range(10)],
            )
            outcomes.append("posted")
        except ApplicationError as error:
            outcomes.append(error.details["reason"])

    assert run_at_once(work, 3) == []
    assert outcomes.count("posted") == 1
    assert outcomes.count("This was already recorded.") == 2
    assert balance(bank.staff) == 300
    assert ledger.verify().ok


# Coordinators' imports ----------------------------------------------------------------


def test_a_coordinator_records_confirmed_exchanges_with_an_audit_trail(world, bank):
    recorded = exchanges_import(
        actor=world.coordinator,
        hub=world.hub,
        key="sheet-1",
        rows=[row(2, bank.assisted, bank.member, 90), row(3, bank.member, bank.health_centre, 30)],
    )
    assert recorded.minutes == 120
    exchanges = [Exchange.objects.get(pk=pk) for pk in recorded.exchange_ids]
    assert [e.status for e in exchanges] == [ExchangeStatus.CONFIRMED] * 2
    assert balance(bank.assisted) == 90
    assert balance(bank.member) == -90 + 30
    assert balance(bank.health_centre) == -30
    first = exchanges[0]
    assert first.done_on == TODAY
    assert sorted((p.side, p.minutes) for p in first.parties.all()) == [
        ("gives", 90),
        ("receives", 90),
    ]
    assert first.transfer.created_by == world.coordinator
    assert first.note == "Recorded from a time sheet, line 2."
    trail = AuditEvent.objects.get(event="timesheet.imported", hub=world.hub)
    assert trail.actor == world.coordinator
    assert trail.new == {
        "batch": "sheet-1",
        "exchanges": 2,
        "minutes": 120,
        "first_exchange": recorded.exchange_ids[0],
        "last_exchange": recorded.exchange_ids[-1],
    }
    assert ledger.verify().ok


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (lambda b: row(4, b.member, b.member), "Line 4: The giver and the receiver are the same"),
        (lambda b: row(4, b.member, b.staff, minutes=0), "Line 4: The time must be above zero"),
        (lambda b: row(4, b.member, b.staff, minutes=-30), "Line 4: The time must be above zero"),
        (
            lambda b: row(4, b.member, b.staff, minutes=25 * 60),
            "Line 4: One exchange can be at most",
        ),
        (lambda b: row(4, b.member, b.staff, title="  "), "Line 4: Say what the help was"),
        (lambda b: row(4, b.member, b.other_hub_member), "Line 4: The receiver is not in this hub"),
        (
            lambda b: row(4, b.chest, b.member),
            "Line 4: The giver must be a member or an organisation",
        ),
        (
            lambda b: row(4, b.member, b.staff, done_on=datetime.date(2999, 1, 1)),
            "Line 4: The date is in the future",
        ),
        (lambda b: row(4, b.staff, b.member, minutes=11 * 60), "Line 4: .*lowest balance"),
    ],
    ids=["self", "zero", "negative", "absurd", "no-title", "other-hub", "chest", "future", "floor"],
)
def test_one_bad_line_records_nothing_and_names_the_line(world, bank, bad, message):
    before = counts()
    with pytest.raises(ApplicationError, match=message) as caught:
        exchanges_import(
            actor=world.coordinator,
            hub=world.hub,
            key="sheet",
            rows=[row(2, bank.assisted, bank.member), row(3, bank.member, bank.staff), bad(bank)],
        )
    assert caught.value.details["line"] == 4
    assert counts() == before
    assert [balance(a) for a in (bank.assisted, bank.member, bank.staff)] == [0, 0, 0]


def test_the_same_sheet_cannot_be_recorded_twice(world, bank):
    rows = [row(2, bank.assisted, bank.member)]
    exchanges_import(actor=world.coordinator, hub=world.hub, key="sheet", rows=rows)
    before = counts()
    with pytest.raises(ApplicationError, match="Line 2: This was already recorded"):
        exchanges_import(actor=world.coordinator, hub=world.hub, key="sheet", rows=rows)
    assert counts() == before
    assert balance(bank.member) == -60


@pytest.mark.parametrize("persona", ["member", "staff", "other_coordinator"])
def test_only_the_hubs_coordinators_import(world, bank, persona):
    with pytest.raises(PermissionDenied):
        exchanges_import(
            actor=world.persona(persona),
            hub=world.hub,
            key="sheet",
            rows=[row(2, bank.assisted, bank.member)],
        )
    assert Transfer.objects.filter(kind="exchange").count() == 0


# Time sheets (CSV) ------------------------------------------------------------------


def sheet(*lines, header="date,giver,receiver,description,hours"):
    return ("\r\n".join([header, *lines]) + "\r\n").encode()


def test_a_sheet_names_members_by_email_or_name_and_organisations_by_name(world, bank):
    data = sheet(
        "2026-03-14,Ron Assisted,Millbrook Health Centre,Flu clinic welcome,2:30",
        "14/03/2026,SAM@example.org,ron assisted,Shopping,1.5",
    )
    recorded = exchanges_import_sheet(actor=world.coordinator, hub=world.hub, data=data)
    exchanges = Exchange.objects.filter(pk__in=recorded.exchange_ids).order_by("pk")
    assert [(e.title, e.done_on) for e in exchanges] == [
        ("Flu clinic welcome", TODAY),
        ("Shopping", TODAY),
    ]
    assert balance(bank.assisted) == 150 - 90
    assert balance(bank.health_centre) == -150
    assert balance(bank.member) == 90


def test_a_sheet_in_minutes_with_a_byte_order_mark_and_windows_characters(world, bank):
    data = "\ufeffDate,Giver,Receiver,Description,Minutes\r\n2026-03-14,{},{},Café visit,45\r\n"
    data = data.format(world.member.email, world.staff.email)
    for content in (data.encode(), data.replace("\ufeff", "").replace("45", "30").encode("cp1252")):
        recorded = exchanges_import_sheet(actor=world.coordinator, hub=world.hub, data=content)
        assert Exchange.objects.get(pk=recorded.exchange_ids[0]).title == "Café visit"
    assert balance(bank.member) == 75


def test_every_problem_in_a_sheet_is_listed_with_its_line_and_column(world, bank):
    data = sheet(
        f"2026-03-14,{world.member.email},{world.staff.email},Fine,1",
        f"31/02/2026,{world.member.email},{world.staff.email},Bad date,1",
        f"2026-03-14,nobody@example.org,{world.staff.email},Unknown giver,1",
        f"2026-03-14,{world.member.email},{world.staff.email},Bad time,1.33",
        f"2026-03-14,{world.member.email},,No receiver,1",
    )
    before = counts()
    with pytest.raises(ApplicationError) as caught:
        exchanges_import_sheet(actor=world.coordinator, hub=world.hub, data=data)
    problems = caught.value.details["problems"]
    assert problems[0].startswith("Line 3, column 'date': '31/02/2026' is not a date")
    assert problems[1].startswith("Line 4, column 'giver': no member")
    assert problems[2].startswith("Line 5, column 'hours': '1.33'")
    assert problems[3].startswith("Line 6, column 'receiver': this is empty")
    assert len(problems) == 4
    assert counts() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"date,giver,description,hours\r\n", "Line 1: the sheet needs a column called 'receiver'"),
        (b"date,giver,receiver,description\r\n", "'hours \\(or minutes\\)'"),
        (b"date,giver,receiver,description,hours,hours\r\n", "the column 'hours' appears twice"),
        (b"date,giver,receiver,description,hours\r\n", "no exchanges"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not a CSV file"),
    ],
    ids=["empty", "no-receiver", "no-time", "twice", "no-lines", "binary"],
)
def test_a_sheet_that_is_not_a_time_sheet_says_why(world, data, message):
    with pytest.raises(ApplicationError, match=message):
        timesheet.read_sheet(data)


def test_a_name_two_members_share_needs_an_email(world, bank):
    world.staff.display_name = world.member.display_name
    world.staff.save()
    data = sheet(f"2026-03-14,{world.member.display_name},{world.assisted.email},Help,1")
    with pytest.raises(ApplicationError, match=r"more than one member is called .* email address"):
        exchanges_import_sheet(actor=world.coordinator, hub=world.hub, data=data)


def test_a_sheet_that_breaks_a_limit_opens_no_accounts(world, bank):
    # Helen (the admin) has no account yet: the first line would open one.
    accounts_before = Account.objects.count()
    data = sheet(
        f"2026-03-14,{world.admin.email},{world.member.email},Lift,1",
        f"2026-03-14,{world.member.email},{world.staff.email},Too much,12:00",
    )
    with pytest.raises(ApplicationError, match=r"Line 3: .*lowest balance"):
        exchanges_import_sheet(actor=world.coordinator, hub=world.hub, data=data)
    assert Account.objects.count() == accounts_before


@pytest.mark.parametrize(
    ("value", "minutes"),
    [("1", 60), ("1:30", 90), ("0:05", 5), ("1.5", 90), ("1.1", 66), ("0.25", 15), ("24", 1440)],
)
def test_hours_are_read_the_ways_people_write_them(value, minutes):
    data = f"date,giver,receiver,description,hours\n2026-01-02,a,b,c,{value}\n".encode()
    lines, problems = timesheet.read_sheet(data)
    assert problems == []
    assert lines[0].minutes == minutes
