"""Exchanges between two accounts: proposed, agreed, done (hours logged), then confirmed
(only now do hours move), disputed or cancelled."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import selectors as hub_selectors
from coproduce.hubs.models import Hub, Person
from coproduce.idempotency import SAME_CONTENT_WINDOW, once, owner_of

from .. import access
from ..access import require_act_for
from ..ledger import MAX_MINUTES_ANY_LEG, MAX_MINUTES_PER_LEG, Leg, policy_for, post_transfer
from ..models import (
    Account,
    AccountKind,
    ApprovalKind,
    Exchange,
    ExchangeParty,
    ExchangeStatus,
    Listing,
    ListingKind,
    TransferKind,
)
from .accounts import _on_behalf, account_of
from .approvals import approval_request_settle, approvals_withdraw_for
from .messages import (
    ask_to_confirm,
    tell_coordinators_of_dispute,
    tell_of_change,
    tell_other_side,
)


def _lock(exchange: Exchange) -> Exchange:
    return Exchange.objects.select_for_update().select_related("hub").get(pk=exchange.pk)


@transaction.atomic
def exchange_propose(
    *,
    actor: Person,
    listing: Listing,
    account: Account | None = None,
    note: str = "",
    key: str | None = None,
) -> Exchange:
    """Answer a listing: help with a request, or ask for an offer. With a `key`, sent
    again it gives the first exchange (see coproduce/idempotency.py)."""
    return once(
        hub_id=listing.hub_id,
        owner=owner_of(actor),
        key=key,
        kind="exchange-propose",
        content={"listing": listing.pk, "account": account, "note": note},
        action=lambda: _propose(actor, listing, account, note),
        same_content_within=SAME_CONTENT_WINDOW,
    )


def _propose(actor: Person, listing: Listing, account: Account | None, note: str) -> Exchange:
    account = account or account_of(actor, listing.hub)
    require_act_for(actor, account)
    if not listing.is_open():
        raise ApplicationError("This listing is closed.")
    if listing.account_id == account.pk:
        raise ApplicationError("You cannot exchange with yourself.")
    giver, receiver = (
        (listing.account, account)
        if listing.kind == ListingKind.OFFER
        else (account, listing.account)
    )
    if listing.needs_check and giver.kind == AccountKind.MEMBER:
        person = giver.membership.person
        if hub_selectors.valid_check_until(listing.hub, person, timezone.localdate()) is None:
            raise ApplicationError(
                "This help needs a valid safeguarding check, and the helper has none. "
                "Ask a coordinator."
            )
    exchange = _exchange_create(
        actor=actor,
        hub=listing.hub,
        title=listing.title,
        note=note,
        giver=giver,
        receiver=receiver,
        listing=listing,
    )
    # The listing's holder is asked to agree, with the proposer's message if any.
    tell_other_side(
        actor=actor,
        exchange=exchange,
        subject=f"{actor} answered your listing: {exchange.title}",
        text=exchange.note or "(No message.)",
    )
    return exchange


def _exchange_create(
    *,
    actor,
    hub,
    title,
    note,
    giver,
    receiver,
    listing=None,
    status=ExchangeStatus.PROPOSED,
    key="",
    fingerprint="",
) -> Exchange:
    if giver.pk == receiver.pk:
        raise ApplicationError("You cannot exchange with yourself.")
    exchange = Exchange.objects.create(
        hub=hub,
        listing=listing,
        title=title.strip()[:120],
        note=note,
        proposed_by=actor,
        status=status,
        idempotency_key=key,
        fingerprint=fingerprint,
    )
    ExchangeParty.objects.create(exchange=exchange, account=giver, side=ExchangeParty.GIVES)
    ExchangeParty.objects.create(exchange=exchange, account=receiver, side=ExchangeParty.RECEIVES)
    audit(
        hub=hub,
        actor=actor,
        on_behalf_of=_on_behalf(actor, giver),
        event=AuditKind.EXCHANGE_PROPOSED,
        subject=exchange,
        new={"title": exchange.title, "giver": giver.pk, "receiver": receiver.pk},
    )
    return exchange


def exchange_arrange(*, actor: Person, hub: Hub, giver: Account, receiver: Account, title: str):
    """An exchange agreed on both sides by someone who arranged it: a coordinator's match
    that the volunteer accepted. The caller has checked the actor may arrange it."""
    return _exchange_create(
        actor=actor,
        hub=hub,
        title=title,
        note="",
        giver=giver,
        receiver=receiver,
        status=ExchangeStatus.AGREED,
    )


def exchange_record_settled(
    *,
    actor: Person,
    hub: Hub,
    giver: Account,
    receiver: Account,
    title: str,
    minutes: int,
    done_on: datetime.date,
) -> Exchange:
    """Help already confirmed by someone with the authority to confirm it (a project lead
    confirming a rota slot): logged and settled through the ledger at once. The caller has
    checked the actor's authority."""
    exchange = _exchange_create(
        actor=actor,
        hub=hub,
        title=title,
        note="",
        giver=giver,
        receiver=receiver,
        status=ExchangeStatus.AGREED,
    )
    _log_done(actor, exchange, minutes, done_on, notify=False)
    return _settle(exchange, actor)


@transaction.atomic
def exchange_agree(*, actor: Person, exchange: Exchange) -> Exchange:
    exchange = _lock(exchange)
    if exchange.status != ExchangeStatus.PROPOSED:
        raise ApplicationError("Only a proposed exchange can be agreed.")
    if not access.rights_on_exchange(actor, exchange).agree:
        raise PermissionDenied("The other person agrees to an exchange, not the one proposing it.")
    exchange.status = ExchangeStatus.AGREED
    exchange.save(update_fields=["status"])
    audit(
        hub=exchange.hub,
        actor=actor,
        event=AuditKind.EXCHANGE_AGREED,
        subject=exchange,
        old={"status": "proposed"},
        new={"status": "agreed"},
    )
    tell_of_change(actor=actor, exchange=exchange, what="agreed")
    return exchange


def _log_done(actor, exchange, minutes, done_on, *, notify: bool = True) -> Exchange:
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
        raise ApplicationError("Enter the time spent, above zero.", field="minutes")
    if minutes > MAX_MINUTES_PER_LEG:
        raise ApplicationError(
            "One exchange can be at most 24 hours. For a group or a longer project, ask a "
            "coordinator to record it.",
            field="minutes",
        )
    today = timezone.localdate()
    done_on = done_on or today
    if done_on > today:
        raise ApplicationError("The help cannot be done in the future.", field="done_on")
    exchange.parties.update(minutes=minutes)
    exchange.status = ExchangeStatus.DONE
    exchange.done_on = done_on
    exchange.logged_by = actor
    exchange.logged_at = timezone.now()
    days = policy_for(exchange.hub).auto_confirm_days
    exchange.confirm_by = exchange.logged_at + datetime.timedelta(days=days)
    exchange.save()
    audit(
        hub=exchange.hub,
        actor=actor,
        event=AuditKind.EXCHANGE_LOGGED,
        subject=exchange,
        new={"minutes": minutes, "done_on": done_on},
    )
    if not notify:
        return exchange
    ask_to_confirm(actor=actor, exchange=exchange, minutes=minutes)
    return exchange


@transaction.atomic
def exchange_log_done(
    *, actor: Person, exchange: Exchange, minutes: int, done_on: datetime.date | None = None
) -> Exchange:
    exchange = _lock(exchange)
    if not access.rights_on_exchange(actor, exchange).see:
        raise PermissionDenied("Only the people in this exchange can log its hours.")
    if exchange.status != ExchangeStatus.AGREED:
        raise ApplicationError("Hours are logged once the exchange is agreed and done.")
    return _log_done(actor, exchange, minutes, done_on)


def _settle(exchange: Exchange, actor: Person | None) -> Exchange:
    parties = list(exchange.parties.select_related("account"))
    legs = [
        Leg(p.account, p.minutes if p.side == ExchangeParty.GIVES else -p.minutes) for p in parties
    ]
    transfer = post_transfer(
        hub=exchange.hub,
        kind=TransferKind.EXCHANGE,
        legs=legs,
        idempotency_key=f"exchange:{exchange.pk}",
        memo=exchange.title[:300],
        actor=actor,
        max_leg=MAX_MINUTES_ANY_LEG if exchange.is_group else MAX_MINUTES_PER_LEG,
    )
    approvals_withdraw_for(exchange)
    exchange.transfer = transfer
    exchange.status = ExchangeStatus.CONFIRMED
    exchange.confirmed_by = actor
    exchange.confirmed_at = timezone.now()
    exchange.save()
    audit(
        hub=exchange.hub,
        actor=actor,
        event=AuditKind.EXCHANGE_CONFIRMED,
        subject=exchange,
        new={
            "transfer": transfer.pk,
            "minutes": sum(p.minutes or 0 for p in parties if p.side == ExchangeParty.GIVES),
        },
    )
    return exchange


@transaction.atomic
def exchange_confirm(*, actor: Person, exchange: Exchange) -> Exchange:
    """The other side (or a coordinator) confirms the hours; only now do hours move. A
    coordinator who is part of the exchange (and confirms only as coordinator) asks a
    second coordinator instead: the exchange is returned unchanged, waiting."""
    exchange = _lock(exchange)
    if exchange.status == ExchangeStatus.CONFIRMED:
        raise ApplicationError("This exchange is already confirmed.")
    if exchange.status not in (ExchangeStatus.DONE, ExchangeStatus.DISPUTED):
        raise ApplicationError("Hours can be confirmed once they are logged.")
    rights = access.rights_on_exchange(actor, exchange)
    if exchange.status == ExchangeStatus.DISPUTED and not rights.coordinating:
        raise PermissionDenied("A coordinator settles a disputed exchange.")
    if not rights.confirm:
        raise PermissionDenied("The other person confirms the hours, or a coordinator.")
    if rights.confirm_waits:
        # Four eyes: hours in the coordinator's own exchange wait for someone else.
        approval_request_settle(actor=actor, exchange=exchange)
        return exchange
    tell_of_change(actor=actor, exchange=exchange, what="hours confirmed")
    return _settle(exchange, actor)


@transaction.atomic
def exchange_dispute(*, actor: Person, exchange: Exchange, reason: str) -> Exchange:
    exchange = _lock(exchange)
    if exchange.status != ExchangeStatus.DONE:
        raise ApplicationError("Only logged hours that are not yet confirmed can be disputed.")
    if not access.rights_on_exchange(actor, exchange).dispute:
        raise PermissionDenied(
            "Only the other side of logged hours can dispute them (a coordinator can help)."
        )
    if not reason.strip():
        raise ApplicationError("Say what is wrong, so the coordinator can help.", field="reason")
    exchange.status = ExchangeStatus.DISPUTED
    exchange.dispute_reason = reason.strip()[:500]
    exchange.confirm_by = None
    exchange.save(update_fields=["status", "dispute_reason", "confirm_by"])
    audit(
        hub=exchange.hub,
        actor=actor,
        event=AuditKind.EXCHANGE_DISPUTED,
        subject=exchange,
        new={"reason": exchange.dispute_reason},
    )
    tell_coordinators_of_dispute(actor=actor, exchange=exchange)
    return exchange


@transaction.atomic
def exchange_cancel(*, actor: Person, exchange: Exchange, reason: str = "") -> Exchange:
    """A party calls off an exchange before hours are logged; once they are logged (or
    disputed) only a coordinator can, and confirmed hours are reversed, never cancelled.
    A coordinator who is part of the exchange asks a second coordinator to cancel logged
    hours: the exchange is returned unchanged, waiting."""
    exchange = _lock(exchange)
    if exchange.status == ExchangeStatus.CONFIRMED:
        raise ApplicationError("A confirmed exchange is corrected by a coordinator, not cancelled.")
    if exchange.status == ExchangeStatus.CANCELLED:
        raise ApplicationError("This exchange is already cancelled.")
    rights = access.rights_on_exchange(actor, exchange)
    if not rights.see:
        raise PermissionDenied("Only the people in this exchange can cancel it.")
    if not rights.cancel:
        raise PermissionDenied(
            "Hours are logged, so a coordinator settles this exchange now: tell them what is wrong."
        )
    if rights.cancel_waits:
        # Four eyes: cancelling logged hours in the coordinator's own exchange waits.
        approval_request_settle(
            actor=actor, exchange=exchange, kind=ApprovalKind.CANCEL, reason=reason
        )
        return exchange
    return _cancel(exchange, actor, reason)


def _cancel(exchange: Exchange, actor: Person, reason: str) -> Exchange:
    old = exchange.status
    approvals_withdraw_for(exchange)
    exchange.status = ExchangeStatus.CANCELLED
    exchange.save(update_fields=["status"])
    audit(
        hub=exchange.hub,
        actor=actor,
        event=AuditKind.EXCHANGE_CANCELLED,
        subject=exchange,
        old={"status": old},
        new={"status": "cancelled", "reason": reason},
    )
    tell_of_change(actor=actor, exchange=exchange, what="called off")
    return exchange


def exchanges_auto_confirm(*, now: datetime.datetime | None = None) -> int:
    """Confirm logged exchanges nobody answered within the hub's days. Returns how many."""
    now = now or timezone.now()
    count = 0
    due = Exchange.objects.filter(status=ExchangeStatus.DONE, confirm_by__lte=now)
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            exchange = Exchange.objects.select_for_update().get(pk=pk)
            if exchange.status == ExchangeStatus.DONE:
                _settle(exchange, None)
                tell_of_change(actor=None, exchange=exchange, what="hours confirmed")
                count += 1
    return count
