"""Expenses repaid for coming to a meeting (mileage at the hub's rate, other costs with
a note), and payments marked paid once the finance team has paid them."""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Person

from .. import access, selectors
from ..models import (
    Attendance,
    Expense,
    ExpenseKind,
    ExpenseStatus,
    Recompense,
)
from .thanks import _locked_attendance, _require_choose

MAX_MILES = Decimal(500)
MAX_EXPENSE_PENCE = 50_000


def _pence(value, field: str) -> int:
    try:
        amount = Decimal(str(value).strip().lstrip("£").replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ApplicationError("Enter an amount in pounds, like 4.50.", field=field) from None
    if not amount.is_finite() or amount <= 0:
        raise ApplicationError("Enter an amount above zero.", field=field)
    pence = int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if pence > MAX_EXPENSE_PENCE:
        raise ApplicationError("An expense is at most £500.00: check the amount.", field=field)
    return pence


@transaction.atomic
def expense_claim(
    *,
    actor: Person,
    attendance: Attendance,
    kind: str,
    miles=None,
    amount=None,
    note: str = "",
    key: str = "",
) -> Expense:
    """Claim costs of coming: miles at the hub's rate, or another cost with a note."""
    _require_choose(actor, attendance)
    attendance = _locked_attendance(attendance)
    if key:
        earlier = attendance.expenses.filter(key=key).first()
        if earlier is not None:
            return earlier
    policy = selectors.policy_for(attendance.session.opportunity.hub)
    if kind == ExpenseKind.MILEAGE:
        try:
            distance = Decimal(str(miles).strip())
        except (InvalidOperation, ValueError):
            message = "Enter the miles as a number, like 6.5."
            raise ApplicationError(message, field="miles") from None
        if not distance.is_finite() or distance <= 0:
            raise ApplicationError("Enter the miles travelled, above zero.", field="miles")
        if distance > MAX_MILES:
            raise ApplicationError(
                "That is more than 500 miles: check the distance.", field="miles"
            )
        distance = distance.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        pence = int((distance * policy.mileage_pence).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        if pence < 1:
            raise ApplicationError("Enter the miles travelled, above zero.", field="miles")
    elif kind == ExpenseKind.OTHER:
        distance = None
        pence = _pence(amount, "amount")
        if not note.strip():
            raise ApplicationError("Say what the cost was for.", field="note")
    else:
        raise ApplicationError("Choose mileage or another cost.", field="kind")
    expense = Expense.objects.create(
        attendance=attendance,
        kind=kind,
        miles=distance,
        amount_pence=pence,
        note=note.strip()[:300],
        claimed_by=actor,
        key=key[:60],
    )
    audit(
        hub=attendance.session.opportunity.hub,
        actor=actor,
        on_behalf_of=attendance.person,
        event=AuditKind.EXPENSE_CLAIMED,
        subject=expense,
        new={"kind": kind, "amount_pence": pence},
    )
    return expense


@transaction.atomic
def expense_decide(*, actor: Person, expense: Expense, approve: bool) -> Expense:
    """A coordinator approves a claim to be repaid, or not; never their own."""
    expense = (
        Expense.objects.select_for_update(of=("self",))
        .select_related("attendance__session__opportunity__hub", "attendance__person")
        .get(pk=expense.pk)
    )
    membership = hub_access.require_member(actor, expense.attendance.session.opportunity.hub)
    if not access.attendance_rights(membership, expense.attendance).decide_expenses:
        raise PermissionDenied("Another coordinator decides your own expenses.")
    wanted = ExpenseStatus.APPROVED if approve else ExpenseStatus.REJECTED
    if expense.status == wanted:
        return expense
    if expense.status != ExpenseStatus.CLAIMED:
        raise ApplicationError(f"This claim is {expense.get_status_display().lower()} already.")
    expense.status, expense.decided_by, expense.decided_at = wanted, actor, timezone.now()
    expense.save(update_fields=["status", "decided_by", "decided_at"])
    audit(
        hub=expense.attendance.session.opportunity.hub,
        actor=actor,
        on_behalf_of=expense.attendance.person,
        event=AuditKind.EXPENSE_DECIDED,
        subject=expense,
        new={"status": wanted, "amount_pence": expense.amount_pence},
    )
    return expense


@transaction.atomic
def payments_mark_paid(*, actor: Person, hub, up_to: datetime.datetime) -> int:
    """Mark every payment and voucher chosen, and expense approved, up to `up_to` as
    paid: what the finance team has paid from the payments list."""
    hub_access.require_coordinator(actor, hub)
    now = timezone.now()
    payments = Attendance.objects.filter(
        session__opportunity__hub=hub,
        recompense__in=[Recompense.PAYMENT, Recompense.VOUCHER],
        paid_at__isnull=True,
        chosen_at__lte=up_to,
    ).exclude(person=actor)
    expenses = Expense.objects.filter(
        attendance__session__opportunity__hub=hub,
        status=ExpenseStatus.APPROVED,
        decided_at__lte=up_to,
    ).exclude(attendance__person=actor)
    count = payments.update(paid_at=now) + expenses.update(status=ExpenseStatus.PAID)
    if count:
        audit(
            hub=hub,
            actor=actor,
            event=AuditKind.PAYMENTS_RECORDED,
            subject=hub,
            new={"count": count, "up_to": up_to},
        )
    return count
