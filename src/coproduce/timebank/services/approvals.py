"""Four eyes: a coordinator's grant to themselves, or their confirming of hours in an
exchange they are part of, waits for a second coordinator (or the hub's admin). The
ledger posts only when someone else approves."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs.models import Person
from coproduce.idempotency import mark_replayed
from coproduce.notify.models import Kind
from coproduce.notify.services import coordinators_of, tell

from .. import access
from ..models import (
    Account,
    ApprovalKind,
    ApprovalStatus,
    Exchange,
    ExchangeStatus,
    SecondApproval,
)


def _what(approval: SecondApproval) -> str:
    if approval.kind == ApprovalKind.GRANT:
        return f"{approval.minutes_display} from the community chest to {approval.account.name}"
    if approval.kind == ApprovalKind.CANCEL:
        return f"cancelling the hours for “{approval.exchange.title}”"
    return f"confirming the hours for “{approval.exchange.title}”"


def _ask(approval: SecondApproval, actor: Person) -> SecondApproval:
    audit(
        hub=approval.hub,
        actor=actor,
        event=AuditKind.APPROVAL_REQUESTED,
        subject=approval,
        new={
            "kind": approval.kind,
            "minutes": approval.minutes,
            "reason": approval.reason,
            "account": approval.account_id,
            "exchange": approval.exchange_id,
        },
    )
    tell(
        coordinators_of(approval.hub),
        actor=actor,
        kind=Kind.APPROVAL,
        hub=approval.hub,
        subject=f"Please approve: {_what(approval)}",
        template="timebank/email/approval.txt",
        context={"approval": approval, "actor": actor, "what": _what(approval)},
        url=reverse("approval-detail", args=[approval.hub.slug, approval.pk]),
    )
    return approval


def approval_request_grant(
    *, actor: Person, account: Account, minutes: int, reason: str, key: str
) -> SecondApproval:
    """Called by `chest_grant` (which has checked the actor coordinates and the grant is
    valid) when the grant would go to the actor's own account."""
    earlier = SecondApproval.objects.filter(
        hub=account.hub, kind=ApprovalKind.GRANT, idempotency_key=key
    ).first()
    if earlier is not None:
        if (earlier.account_id, earlier.minutes, earlier.reason) != (account.pk, minutes, reason):
            raise ApplicationError(
                "This request was already made with different details.",
                field="idempotency_key",
                status=409,
            )
        return mark_replayed(earlier)
    approval = SecondApproval.objects.create(
        hub=account.hub,
        kind=ApprovalKind.GRANT,
        requested_by=actor,
        account=account,
        minutes=minutes,
        reason=reason[:300],
        idempotency_key=key,
    )
    return _ask(approval, actor)


def approval_request_settle(
    *, actor: Person, exchange: Exchange, kind: str = ApprovalKind.SETTLE, reason: str = ""
) -> SecondApproval:
    """Called by `exchange_confirm` or `exchange_cancel` (exchange locked, rights checked)
    when the actor would confirm or cancel hours in an exchange they are part of."""
    if SecondApproval.objects.filter(exchange=exchange, status=ApprovalStatus.WAITING).exists():
        raise ApplicationError("This is already waiting for a second coordinator.")
    approval = SecondApproval.objects.create(
        hub=exchange.hub,
        kind=kind,
        requested_by=actor,
        exchange=exchange,
        reason=reason.strip()[:300],
    )
    return _ask(approval, actor)


def approvals_withdraw_for(exchange: Exchange) -> None:
    """The exchange was settled or cancelled another way: nothing is left to approve. Part
    of that change's transaction (its audit event says what happened)."""
    SecondApproval.objects.filter(exchange=exchange, status=ApprovalStatus.WAITING).update(
        status=ApprovalStatus.WITHDRAWN, decided_at=timezone.now()
    )


@transaction.atomic
def approval_decide(
    *, actor: Person, approval: SecondApproval, approve: bool, note: str = ""
) -> SecondApproval:
    """A second coordinator approves (the hours move now) or declines (nothing moves)."""
    from .chest import post_grant
    from .exchanges import _cancel, _lock, _settle

    approval = SecondApproval.objects.select_for_update().select_related("hub").get(pk=approval.pk)
    if not approval.is_waiting:
        raise ApplicationError("This has already been decided.")
    rights = access.rights_on_approval(actor, approval)
    if not rights.decide:
        raise PermissionDenied(rights.why_not or "A second coordinator decides this.")
    note = note.strip()[:300]
    if not approve and not note:
        raise ApplicationError("Say why, so the coordinator who asked knows.", field="note")
    approval.decided_by = actor
    approval.decided_at = timezone.now()
    approval.note = note
    if approve:
        if approval.kind == ApprovalKind.GRANT:
            approval.transfer = post_grant(
                actor=approval.requested_by,
                account=approval.account,
                minutes=approval.minutes,
                reason=approval.reason,
                key=approval.idempotency_key or f"approval:{approval.pk}",
                approved_by=actor,
            )
        else:
            exchange = _lock(approval.exchange)
            if exchange.status not in (ExchangeStatus.DONE, ExchangeStatus.DISPUTED):
                raise ApplicationError("This exchange is no longer waiting to be settled.")
            approval.status = ApprovalStatus.APPROVED  # so settling does not withdraw it
            approval.save(update_fields=["status"])
            if approval.kind == ApprovalKind.CANCEL:
                _cancel(exchange, approval.requested_by, approval.reason)
            else:
                approval.transfer = _settle(exchange, approval.requested_by).transfer
        approval.status = ApprovalStatus.APPROVED
    else:
        approval.status = ApprovalStatus.DECLINED
    approval.save()
    audit(
        hub=approval.hub,
        actor=actor,
        event=AuditKind.APPROVAL_GIVEN if approve else AuditKind.APPROVAL_DECLINED,
        subject=approval,
        old={"status": "waiting"},
        new={"status": approval.status, "note": note},
    )
    tell(
        [approval.requested_by],
        actor=actor,
        kind=Kind.APPROVAL,
        hub=approval.hub,
        subject=f"{'Approved' if approve else 'Declined'}: {_what(approval)}",
        template="timebank/email/approval_decided.txt",
        context={"approval": approval, "actor": actor, "what": _what(approval)},
        url=reverse("approval-detail", args=[approval.hub.slug, approval.pk]),
    )
    return approval


def approvals_waiting(hub, *, kind: str | None = None):
    """Requests waiting for a second coordinator, oldest first."""
    found = SecondApproval.objects.filter(hub=hub, status=ApprovalStatus.WAITING)
    if kind:
        found = found.filter(kind=kind)
    return found.select_related("requested_by", "account__membership__person", "exchange").order_by(
        "requested_at", "id"
    )
