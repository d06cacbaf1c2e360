"""Four eyes: nobody approves their own benefit. A coordinator's grant to themselves, or
their confirming of hours in an exchange they are part of, waits for a second coordinator
(or the hub's admin); the ledger posts only on approval."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import TestCase
from django.urls import reverse

from coproduce.audit import AuditKind, describe
from coproduce.errors import ApplicationError
from coproduce.hubs.models import AuditEvent
from coproduce.timebank import services
from coproduce.timebank.models import (
    ApprovalStatus,
    ExchangeStatus,
    SecondApproval,
    Transfer,
    TransferKind,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked(world, bank):
    services.chest_donate(actor=world.staff, account=bank.staff, minutes=300)
    bank.chest.refresh_from_db()
    return bank


def sentences(kind):
    events = AuditEvent.objects.filter(event=kind).select_related("actor", "on_behalf_of")
    return [d.sentence for d in describe(events, strict=True)]


def test_a_coordinator_granting_to_themselves_waits_for_a_second(world, stocked):
    with TestCase.captureOnCommitCallbacks(execute=True):
        waiting = services.chest_grant(
            actor=world.coordinator, account=stocked.coordinator, minutes=120, reason="Housebound"
        )
    assert isinstance(waiting, SecondApproval) and waiting.is_waiting
    assert not Transfer.objects.filter(kind=TransferKind.GRANT).exists()
    stocked.coordinator.refresh_from_db()
    assert stocked.coordinator.balance_minutes == 0
    # The other coordinators and admins are told; never the one who asked.
    [email] = mail.outbox
    assert email.to == ["helen@example.org"]
    assert "2 h from the community chest to Grace Coordinator" in email.subject
    assert sentences(AuditKind.APPROVAL_REQUESTED) == [
        "Grace Coordinator asked a second coordinator to approve granting 2 h from the "
        "community chest to Grace Coordinator: “Housebound”."
    ]

    with pytest.raises(PermissionDenied):
        services.approval_decide(actor=world.coordinator, approval=waiting, approve=True)
    with pytest.raises(PermissionDenied):
        services.approval_decide(actor=world.member, approval=waiting, approve=True)
    approved = services.approval_decide(actor=world.admin, approval=waiting, approve=True)
    assert approved.status == ApprovalStatus.APPROVED and approved.transfer is not None
    stocked.coordinator.refresh_from_db()
    stocked.chest.refresh_from_db()
    assert (stocked.coordinator.balance_minutes, stocked.chest.balance_minutes) == (120, 180)
    assert sentences(AuditKind.CHEST_GRANTED) == [
        "Grace Coordinator granted 2 h from the community chest to Grace Coordinator: "
        "“Housebound” (approved by Helen Admin)."
    ]
    assert sentences(AuditKind.APPROVAL_GIVEN) == [
        "Helen Admin approved Grace Coordinator's request for 2 h from the community chest "
        "to Grace Coordinator."
    ]
    with pytest.raises(ApplicationError, match="already been decided"):
        services.approval_decide(actor=world.admin, approval=waiting, approve=True)


def test_a_grant_to_someone_else_is_not_held_and_a_decline_moves_nothing(world, stocked):
    transfer = services.chest_grant(
        actor=world.coordinator, account=stocked.member, minutes=60, reason="Shopping"
    )
    assert isinstance(transfer, Transfer)
    waiting = services.chest_grant(
        actor=world.admin,
        account=services.account_of(world.admin, world.hub),
        minutes=60,
        reason="Lifts",
    )
    with pytest.raises(ApplicationError, match="Say why"):
        services.approval_decide(actor=world.coordinator, approval=waiting, approve=False)
    declined = services.approval_decide(
        actor=world.coordinator, approval=waiting, approve=False, note="Not for us"
    )
    assert declined.status == ApprovalStatus.DECLINED
    assert Transfer.objects.filter(kind=TransferKind.GRANT).count() == 1
    assert sentences(AuditKind.APPROVAL_DECLINED) == [
        "Grace Coordinator declined Helen Admin's request for 1 h from the community chest "
        "to Helen Admin: “Not for us”."
    ]


def test_a_grant_request_is_not_made_twice_nor_for_more_than_the_chest_holds(world, stocked):
    first = services.chest_grant(
        actor=world.coordinator, account=stocked.coordinator, minutes=60, reason="x", key="k1"
    )
    again = services.chest_grant(
        actor=world.coordinator, account=stocked.coordinator, minutes=60, reason="x", key="k1"
    )
    assert again.pk == first.pk
    with pytest.raises(ApplicationError, match="different details"):
        services.chest_grant(
            actor=world.coordinator, account=stocked.coordinator, minutes=90, reason="x", key="k1"
        )
    with pytest.raises(ApplicationError, match="holds 5 h"):
        services.chest_grant(
            actor=world.coordinator, account=stocked.coordinator, minutes=600, reason="x"
        )


def _disputed(world, bank, giver, receiver):
    exchange = services.exchange_record(
        actor=world.member if giver == bank.member else world.coordinator,
        hub=world.hub,
        giver=giver,
        receiver=receiver,
        title="Garden clearing",
        minutes=90,
    )
    return exchange


def test_settling_a_dispute_one_is_part_of_waits_for_a_second(world, bank):
    exchange = services.exchange_record(
        actor=world.member,
        hub=world.hub,
        giver=bank.member,
        receiver=bank.coordinator,
        title="Garden clearing",
        minutes=90,
    )
    exchange = services.exchange_dispute(actor=world.coordinator, exchange=exchange, reason="1 h")
    result = services.exchange_confirm(actor=world.coordinator, exchange=exchange)
    assert result.status == ExchangeStatus.DISPUTED and result.transfer_id is None
    with pytest.raises(ApplicationError, match="already waiting"):
        services.exchange_confirm(actor=world.coordinator, exchange=exchange)
    approval = SecondApproval.objects.get(exchange=exchange)
    approved = services.approval_decide(actor=world.admin, approval=approval, approve=True)
    exchange.refresh_from_db()
    assert exchange.status == ExchangeStatus.CONFIRMED
    assert approved.transfer_id == exchange.transfer_id
    bank.coordinator.refresh_from_db()
    assert bank.coordinator.balance_minutes == -90


def test_hours_a_coordinator_logged_for_themselves_are_not_confirmed_by_them(world, bank):
    exchange = services.exchange_record(
        actor=world.coordinator,
        hub=world.hub,
        giver=bank.coordinator,
        receiver=bank.member,
        title="Lift to the clinic",
        minutes=60,
    )
    services.exchange_confirm(actor=world.coordinator, exchange=exchange)
    exchange.refresh_from_db()
    assert exchange.status == ExchangeStatus.DONE
    # The member confirming settles it as usual, and the request is no longer needed.
    services.exchange_confirm(actor=world.member, exchange=exchange)
    approval = SecondApproval.objects.get(exchange=exchange)
    assert approval.status == ApprovalStatus.WITHDRAWN


def test_a_coordinator_on_the_other_side_confirms_as_anyone_would(world, bank):
    exchange = services.exchange_record(
        actor=world.member,
        hub=world.hub,
        giver=bank.member,
        receiver=bank.coordinator,
        title="Shopping",
        minutes=60,
    )
    confirmed = services.exchange_confirm(actor=world.coordinator, exchange=exchange)
    assert confirmed.status == ExchangeStatus.CONFIRMED
    assert not SecondApproval.objects.exists()


def test_whoever_is_part_of_an_exchange_cannot_be_its_second_pair_of_eyes(world, bank):
    exchange = services.exchange_record(
        actor=world.admin,
        hub=world.hub,
        giver=services.account_of(world.admin, world.hub),
        receiver=bank.coordinator,
        title="Both coordinators",
        minutes=60,
    )
    services.exchange_dispute(actor=world.coordinator, exchange=exchange, reason="No")
    services.exchange_confirm(actor=world.admin, exchange=exchange)
    approval = SecondApproval.objects.get(exchange=exchange)
    with pytest.raises(PermissionDenied, match="part of this"):
        services.approval_decide(actor=world.coordinator, approval=approval, approve=True)


def test_the_pages_show_and_decide_the_request(world, stocked, client_for):
    client = client_for(world.coordinator)
    chest = reverse("chest", args=[world.hub.slug])
    page = client.post(
        chest,
        {
            "form": "grant",
            "grant-member": world.coordinator.pk,
            "grant-hours": "1",
            "grant-minutes": "30",
            "grant-reason": "Housebound",
            "grant-key": "abc",
        },
        follow=True,
    )
    assert "a second coordinator must approve" in page.content.decode()
    approval = SecondApproval.objects.get()
    assert "1 h 30 min from the chest to Grace Coordinator" in page.content.decode()
    url = reverse("approval-detail", args=[world.hub.slug, approval.pk])
    own = client.get(url)
    assert "Another coordinator must decide what you asked" in own.content.decode()
    assert client.post(url, {"decision": "approve"}).status_code == 403
    assert client_for(world.member).get(url).status_code == 404
    admin = client_for(world.admin)
    assert "Send my decision" in admin.get(url).content.decode()
    assert admin.post(url, {"decision": "approve"}).status_code == 302
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED
    assert "Helen Admin" in admin.get(url).content.decode()


def test_cancelling_disputed_hours_one_would_pay_waits_for_a_second(world, bank, client_for):
    exchange = services.exchange_record(
        actor=world.member,
        hub=world.hub,
        giver=bank.member,
        receiver=bank.coordinator,
        title="Window cleaning",
        minutes=60,
    )
    services.exchange_dispute(actor=world.coordinator, exchange=exchange, reason="Not done")
    client = client_for(world.coordinator)
    page = client.get(reverse("exchange-detail", args=[world.hub.slug, exchange.pk]))
    assert "Ask a second coordinator to cancel" in page.content.decode()
    kept = services.exchange_cancel(actor=world.coordinator, exchange=exchange, reason="Not done")
    assert kept.status == ExchangeStatus.DISPUTED
    approval = SecondApproval.objects.get(exchange=exchange)
    assert approval.kind == "cancel"
    page = client.get(reverse("exchange-detail", args=[world.hub.slug, exchange.pk]))
    assert "Ask a second coordinator" not in page.content.decode()  # already asked
    assert "for the hours to be cancelled" in page.content.decode()
    services.approval_decide(actor=world.admin, approval=approval, approve=True)
    exchange.refresh_from_db()
    assert exchange.status == ExchangeStatus.CANCELLED
    assert sentences(AuditKind.APPROVAL_GIVEN) == [
        "Helen Admin approved Grace Coordinator's request for cancelling the hours for "
        "“Window cleaning”."
    ]
