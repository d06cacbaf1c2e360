"""Corrections: confirmed hours are never edited or deleted. A coordinator reverses a
transfer (the same entries the other way round, linked to the original) with a reason;
a transfer is reversed once, and never past what the community chest holds."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Person
from coproduce.idempotency import once, owner_of

from .. import access
from ..ledger import reverse_transfer
from ..models import Exchange, Transfer


@transaction.atomic
def transfer_reverse(
    *, actor: Person, transfer: Transfer, reason: str, key: str | None = None
) -> Transfer:
    """Put a mistake right. Sent twice, the second is refused: nothing moves twice.
    Sent again with its key, it gives the first reversal (see coproduce/idempotency.py)."""
    membership = hub_access.require_coordinator(actor, transfer.hub)
    return once(
        hub_id=transfer.hub_id,
        owner=owner_of(actor),
        key=key,
        kind="transfer-reverse",
        content={"transfer": transfer.pk, "reason": reason.strip()},
        action=lambda: _reverse(actor, membership, transfer, reason),
    )


def _reverse(actor, membership, transfer: Transfer, reason: str) -> Transfer:
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if access.reversal_credits_holder(membership, transfer):
        raise PermissionDenied(
            "This correction would give you hours back: ask another coordinator or the "
            "hub's admin to make it."
        )
    reversal = reverse_transfer(transfer=transfer, actor=actor, reason=reason)
    audit(
        hub=transfer.hub,
        actor=actor,
        event=AuditKind.TRANSFER_REVERSED,
        subject=transfer,
        new={"reversal": reversal.pk, "reason": reason.strip()},
    )
    return reversal


@transaction.atomic
def exchange_reverse(
    *, actor: Person, exchange: Exchange, reason: str, key: str | None = None
) -> Transfer:
    """Reverse a confirmed exchange's hours (the button on the exchange's page)."""
    exchange = Exchange.objects.select_for_update().select_related("hub").get(pk=exchange.pk)
    if not access.rights_on_exchange(actor, exchange).coordinating:
        raise PermissionDenied("Only this hub's coordinators can do this.")
    if exchange.transfer_id is None:
        raise ApplicationError("Only confirmed hours can be reversed.")
    return transfer_reverse(actor=actor, transfer=exchange.transfer, reason=reason, key=key)
