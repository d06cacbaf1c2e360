"""After a meeting: who came, the thanks each chose (time credits through the ledger, a
payment by the hub's rate with the benefits guard, a voucher, nothing, or the hours
given to the community chest), and expenses repaid."""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Person
from coproduce.notify.models import Kind
from coproduce.notify.services import tell
from coproduce.timebank.ledger import Leg, post_transfer
from coproduce.timebank.models import TransferKind
from coproduce.timebank.services.accounts import (
    account_for_membership,
    account_for_organisation,
    chest_of,
)

from .. import access, guard, selectors
from ..models import (
    Attendance,
    AttendanceStatus,
    Expense,
    ExpenseKind,
    ExpenseStatus,
    Recompense,
    Session,
    SignUp,
    SignUpStatus,
    When,
)
from .joining import lock, promote

MAX_MILES = Decimal(500)
MAX_EXPENSE_PENCE = 50_000


def _manage(actor: Person, session: Session):
    membership = hub_access.require_member(actor, session.opportunity.hub)
    if not access.opportunity_rights(membership, session.opportunity).manage:
        raise PermissionDenied("Only the lead or a coordinator records attendance.")


@transaction.atomic
def attendance_record(
    *, actor: Person, session: Session, marks: dict[int, tuple[str, int | None]]
) -> list[Attendance]:
    """Record who came (`marks`: sign-up id -> (status, minutes or None for the
    meeting's length)). Recording again corrects a mark, until thanks are chosen. A
    no-show with meetings still to come frees the place for the waiting list."""
    opportunity = lock(session.opportunity)
    session.opportunity = opportunity
    _manage(actor, session)
    if session.cancelled:
        raise ApplicationError("This meeting was cancelled.")
    if session.starts_at > timezone.now():
        raise ApplicationError("Attendance is recorded once the meeting has begun.")
    signups = {
        s.pk: s for s in opportunity.signups.filter(pk__in=list(marks)).select_related("person")
    }
    existing = {a.signup_id: a for a in session.attendance.filter(signup_id__in=list(marks))}
    for pk, (status, minutes) in marks.items():
        signup = signups.get(pk)
        if signup is None or (signup.status != SignUpStatus.CONFIRMED and pk not in existing):
            raise ApplicationError("Mark only people with a place on this.", field="attendance")
        if signup.person_id == actor.pk:
            raise ApplicationError(
                "Someone else records your own attendance: the thanks it brings are yours.",
                field="attendance",
            )
        if status not in AttendanceStatus.values:
            raise ApplicationError(f"Say whether {signup.person} came.", field="attendance")
        if minutes is not None and not (isinstance(minutes, int) and 1 <= minutes <= 12 * 60):
            raise ApplicationError(
                f"Give {signup.person}'s time as 1 minute to 12 hours.", field="minutes"
            )
        earlier = existing.get(pk)
        if earlier and earlier.recompense and earlier.status != status:
            raise ApplicationError(
                f"{signup.person} has chosen their thanks already: their attendance stands.",
                field="attendance",
            )
    recorded = []
    freed = False
    for pk, (status, minutes) in marks.items():
        signup = signups[pk]
        came = status == AttendanceStatus.ATTENDED
        length = (minutes or session.minutes) if came else 0
        attendance = existing.get(pk)
        if attendance is None:
            attendance = Attendance(session=session, signup=signup, person=signup.person)
        elif attendance.status == status and attendance.minutes == length:
            recorded.append(attendance)
            continue
        attendance.status, attendance.minutes = status, length
        attendance.recorded_by, attendance.recorded_at = actor, timezone.now()
        attendance.save()
        recorded.append(attendance)
        audit(
            hub=opportunity.hub,
            actor=actor,
            on_behalf_of=signup.person,
            event=AuditKind.ATTENDANCE_RECORDED,
            subject=attendance,
            new={"opportunity": opportunity.pk, "status": status, "minutes": length},
        )
        if came:
            _tell_thanks(attendance, actor)
        elif status == AttendanceStatus.NO_SHOW:
            freed |= _release_after_no_show(signup, session, actor)
    if freed:
        promote(opportunity, actor=None)
    return recorded


def _tell_thanks(attendance: Attendance, actor: Person) -> None:
    tell(
        [attendance.person],
        actor=actor,
        kind=Kind.INVOLVEMENT,
        hub=attendance.session.opportunity.hub,
        subject=f"Thank you for taking part: {attendance.session.opportunity}",
        template="involve/email/thanks.txt",
        context={"attendance": attendance, "opportunity": attendance.session.opportunity},
        url=reverse(
            "involve-attendance", args=[attendance.session.opportunity.hub.slug, attendance.pk]
        ),
    )


def _release_after_no_show(signup: SignUp, session: Session, actor: Person) -> bool:
    """A series or an ongoing opportunity with meetings to come frees the place of
    someone who missed one without sending apologies, for the next person waiting."""
    opportunity = session.opportunity
    if opportunity.when == When.ONE_OFF or signup.status != SignUpStatus.CONFIRMED:
        return False
    if not opportunity.sessions.filter(cancelled=False, starts_at__gt=timezone.now()).exists():
        return False
    signup.status, signup.decided_at = SignUpStatus.RELEASED, timezone.now()
    signup.save(update_fields=["status", "decided_at"])
    audit(
        hub=opportunity.hub,
        actor=actor,
        on_behalf_of=signup.person,
        event=AuditKind.SIGNUP_RELEASED,
        subject=signup,
        new={"opportunity": opportunity.pk, "status": signup.status},
    )
    tell(
        [signup.person],
        actor=actor,
        kind=Kind.INVOLVEMENT,
        hub=opportunity.hub,
        subject=f"We missed you: {opportunity}",
        template="involve/email/released.txt",
        context={"signup": signup, "opportunity": opportunity, "session": session},
        url=reverse("involve-opportunity", args=[opportunity.hub.slug, opportunity.pk]),
    )
    return True


def _require_choose(actor: Person, attendance: Attendance) -> None:
    membership = hub_access.require_member(actor, attendance.session.opportunity.hub)
    if not access.attendance_rights(membership, attendance).choose:
        raise PermissionDenied("Only the person who came (or a coordinator for them) chooses.")


def _locked_attendance(attendance: Attendance) -> Attendance:
    return (
        Attendance.objects.select_for_update(of=("self",))  # the organisation may be null
        .select_related(
            "session__opportunity__hub", "session__opportunity__organisation", "signup", "person"
        )
        .get(pk=attendance.pk)
    )


def payment_check(attendance: Attendance, choice: str) -> tuple[int, guard.Verdict]:
    """The amount a payment or voucher would be, and what the benefits guard says."""
    hub = attendance.session.opportunity.hub
    policy = selectors.policy_for(hub)
    if choice == Recompense.PAYMENT:
        pence = guard.payment_for(attendance.minutes, selectors.rate_of(policy))
    elif choice == Recompense.VOUCHER:
        pence = policy.voucher_pence
    else:
        return 0, guard.Verdict()
    day = timezone.localdate(attendance.session.starts_at)
    totals = selectors.paid_totals(hub, attendance.person, day, leave_out=attendance.pk)
    return pence, guard.check(totals, pence, attendance.minutes, selectors.limits_of(policy))


@transaction.atomic
def thanks_choose(
    *, actor: Person, attendance: Attendance, choice: str, understood: bool = False
) -> Attendance:
    """Choose how to be thanked for one meeting, once. A payment past the hub's limits
    needs `understood` (the person read the warning), or is refused if they are hard."""
    _require_choose(actor, attendance)
    attendance = _locked_attendance(attendance)
    if attendance.recompense:
        if attendance.recompense == choice:
            return attendance  # the same choice sent again
        raise ApplicationError(
            f"You chose already: {attendance.get_recompense_display().lower()}.",
            field="recompense",
        )
    if choice not in access.thanks_offered(attendance):
        raise ApplicationError("Choose one of the kinds of thanks offered.", field="recompense")
    hub = attendance.session.opportunity.hub
    policy = selectors.policy_for(hub)
    pence, verdict = payment_check(attendance, choice)
    if verdict.warnings:
        message = " ".join(verdict.warnings)
        if verdict.refused:
            raise ApplicationError(
                f"{message} The hub cannot pay past its limits: choose time credits or "
                f"another kind of thanks. {policy.advice}",
                field="recompense",
                details={"warnings": list(verdict.warnings)},
            )
        if not understood:
            raise ApplicationError(
                f"{message} Payments can affect benefits. {policy.advice} Tick the box to "
                "say you understand, if you still want it.",
                field="understood",
                details={"warnings": list(verdict.warnings)},
            )
    attendance.recompense = choice
    attendance.amount_pence = pence
    attendance.taxable = choice == Recompense.PAYMENT and policy.payment_taxable
    attendance.warned = bool(verdict.warnings)
    attendance.chosen_by, attendance.chosen_at = actor, timezone.now()
    if choice in (Recompense.CREDITS, Recompense.DONATE):
        attendance.transfer = _post_credits(actor, attendance, to_chest=choice == Recompense.DONATE)
    attendance.save()
    audit(
        hub=hub,
        actor=actor,
        on_behalf_of=attendance.person,
        event=AuditKind.THANKS_CHOSEN,
        subject=attendance,
        new={
            "recompense": choice,
            "amount_pence": pence,
            "minutes": attendance.minutes,
            "warned": attendance.warned,
        },
    )
    return attendance


def _post_credits(actor: Person, attendance: Attendance, *, to_chest: bool):
    opportunity = attendance.session.opportunity
    hub = opportunity.hub
    organisation = opportunity.organisation or hub.host
    if organisation is None:
        raise ApplicationError(
            "This hub has no organisation to give time credits from: choose another kind of "
            "thanks, or ask a coordinator to add one.",
            field="recompense",
        )
    if to_chest:
        receiving = chest_of(hub)
    else:
        membership = hub_access.membership_of(attendance.person, hub)
        if membership is None:
            raise ApplicationError("Time credits go to members of the hub.", field="recompense")
        receiving = account_for_membership(membership)
    minutes = attendance.minutes
    return post_transfer(
        hub=hub,
        kind=TransferKind.RECOMPENSE,
        legs=[Leg(account_for_organisation(organisation), -minutes), Leg(receiving, minutes)],
        idempotency_key=f"involve:{attendance.pk}",
        memo=f"For taking part: {opportunity.title}"[:300],
        actor=actor,
        on_behalf_of=attendance.person if actor.pk != attendance.person_id else None,
    )


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
        Expense.objects.select_for_update()
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
            event=AuditKind.THANKS_PAID,
            subject=hub,
            new={"count": count, "up_to": up_to},
        )
    return count
