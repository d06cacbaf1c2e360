"""The community chest: members give hours to it, coordinators grant hours from it."""

import uuid

from django.db import transaction

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access
from coproduce.hubs.models import Person
from coproduce.idempotency import SAME_CONTENT_WINDOW, once, owner_of, replayed

from ..access import grant_needs_second, require_act_for
from ..ledger import MAX_MINUTES_ANY_LEG, Leg, post_transfer
from ..models import Account, AccountKind, SecondApproval, Transfer, TransferKind, format_minutes
from .accounts import _on_behalf, _owner, chest_of
from .approvals import approval_request_grant


@transaction.atomic
def chest_donate(*, actor: Person, account: Account, minutes: int, key: str | None = None):
    """A member (or organisation) gives hours to the community chest. With a key, the
    same gift sent again (the same key, or the form sent again after going back) is
    given once (coproduce/idempotency.py)."""
    require_act_for(actor, account)
    return once(
        hub_id=account.hub_id,
        owner=owner_of(actor),
        key=key,
        kind="chest-donate",
        content={"account": account.pk, "minutes": minutes},
        action=lambda: _donate(actor, account, minutes, key),
        same_content_within=SAME_CONTENT_WINDOW,
    )


def _donate(actor: Person, account: Account, minutes: int, key: str | None) -> Transfer:
    transfer = post_transfer(
        hub=account.hub,
        kind=TransferKind.DONATION,
        legs=[Leg(account, -minutes), Leg(chest_of(account.hub), minutes)],
        idempotency_key=key or f"donation:{uuid.uuid4()}",
        memo="Donation to the community chest",
        actor=actor,
        on_behalf_of=_on_behalf(actor, account),
        max_leg=MAX_MINUTES_ANY_LEG,
    )
    if replayed(transfer):  # sent again with its key: recorded (and audited) already
        return transfer
    audit(
        hub=account.hub,
        actor=actor,
        on_behalf_of=_owner(account),
        event=AuditKind.CHEST_DONATED,
        subject=transfer,
        new={"minutes": minutes, "account": account.pk},
    )
    return transfer


@transaction.atomic
def chest_grant(
    *, actor: Person, account: Account, minutes: int, reason: str, key: str | None = None
) -> Transfer | SecondApproval:
    """A coordinator gives hours from the chest to a member who needs them. A grant to the
    coordinator's own account does not take effect alone: it waits for a second
    coordinator (four eyes) and the request is returned instead of a transfer."""
    membership = access.require_coordinator(actor, account.hub)
    if not reason.strip():
        raise ApplicationError("Say why these hours are being granted.", field="reason")
    if account.kind != AccountKind.MEMBER:
        raise ApplicationError("Grants from the chest go to members.", field="account")
    # The same grant sent again (the same key, or the form sent again after going back)
    # is made once (coproduce/idempotency.py); without a key, the ledger's is new.
    ledger_key = key or f"grant:{uuid.uuid4()}"
    return once(
        hub_id=account.hub_id,
        owner=owner_of(actor),
        key=key,
        kind="chest-grant",
        content={"account": account.pk, "minutes": minutes, "reason": reason.strip()},
        action=lambda: _grant(actor, membership, account, minutes, reason, ledger_key),
        same_content_within=SAME_CONTENT_WINDOW,
    )


def _grant(actor, membership, account, minutes, reason, key) -> Transfer | SecondApproval:
    if grant_needs_second(membership, account):
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
            raise ApplicationError("Enter the time, above zero.", field="minutes")
        held = chest_of(account.hub).balance_minutes
        if minutes > held:
            raise ApplicationError(
                f"The community chest holds {format_minutes(held)}: it cannot give more.",
                field="minutes",
            )
        return approval_request_grant(
            actor=actor, account=account, minutes=minutes, reason=reason.strip(), key=key
        )
    return post_grant(actor=actor, account=account, minutes=minutes, reason=reason, key=key)


def post_grant(
    *,
    actor: Person,
    account: Account,
    minutes: int,
    reason: str,
    key: str,
    approved_by: Person | None = None,
) -> Transfer:
    """Move the granted hours (the caller has checked who may grant them)."""
    transfer = post_transfer(
        hub=account.hub,
        kind=TransferKind.GRANT,
        legs=[Leg(chest_of(account.hub), -minutes), Leg(account, minutes)],
        idempotency_key=key,
        memo=reason.strip()[:300],
        actor=actor,
        on_behalf_of=_owner(account),
        max_leg=MAX_MINUTES_ANY_LEG,
    )
    if replayed(transfer):
        return transfer
    new = {"minutes": minutes, "reason": reason.strip(), "account": account.pk}
    if approved_by is not None:
        new["approved_by"] = approved_by.display_name
    audit(
        hub=account.hub,
        actor=actor,
        on_behalf_of=_owner(account),
        event=AuditKind.CHEST_GRANTED,
        subject=transfer,
        new=new,
    )
    return transfer
