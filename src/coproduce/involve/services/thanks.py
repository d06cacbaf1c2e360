"""The thanks a person chooses for a meeting they came to: time credits through the
ledger (from the organisation's account), a payment by the hub's rate with the benefits
guard, a voucher, nothing, or the hours given to the community chest."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Person
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
    Recompense,
)


def _require_choose(actor: Person, attendance: Attendance) -> None:
    membership = hub_access.require_member(actor, attendance.session.opportunity.hub)
    if not access.attendance_rights(membership, attendance).choose:
        raise PermissionDenied("Only the person who came (or a coordinator for them) chooses.")


def _locked_attendance(attendance: Attendance) -> Attendance:
    return (
        Attendance.objects.select_for_update(of=("self",))
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
