"""Every change of state in the time bank. Hours move only through `ledger.post_transfer`."""

import datetime
import hashlib
import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from coproduce.bulk import insert_rows
from coproduce.errors import ApplicationError
from coproduce.hubs import access
from coproduce.hubs import selectors as hub_selectors
from coproduce.hubs.models import Hub, Membership, Organisation, Person
from coproduce.hubs.notify import email_after_commit
from coproduce.hubs.services import audit

from . import timesheet
from .ledger import (
    MAX_MINUTES_ANY_LEG,
    MAX_MINUTES_PER_LEG,
    Leg,
    NewTransfer,
    policy_for,
    post_transfer,
    post_transfers,
)
from .models import (
    Account,
    AccountKind,
    Category,
    Exchange,
    ExchangeParty,
    ExchangeStatus,
    Listing,
    ListingKind,
    TimebankPolicy,
    TransferKind,
    format_minutes,
)

# --- accounts -----------------------------------------------------------------------------


def _system_account(hub: Hub, kind: str) -> Account:
    account, _ = Account.objects.get_or_create(hub=hub, kind=kind)
    return account


def chest_of(hub: Hub) -> Account:
    return _system_account(hub, AccountKind.CHEST)


def hub_account_of(hub: Hub) -> Account:
    return _system_account(hub, AccountKind.HUB)


@transaction.atomic
def account_for_membership(membership: Membership) -> Account:
    """The member's account, opened (with the hub's opening grant) on first use."""
    account = Account.objects.filter(membership=membership).first()
    if account:
        return account
    account, created = Account.objects.get_or_create(
        membership=membership, defaults={"hub_id": membership.hub_id, "kind": AccountKind.MEMBER}
    )
    grant = policy_for(membership.hub).opening_grant_minutes
    if created and grant:
        post_transfer(
            hub=membership.hub,
            kind=TransferKind.OPENING,
            legs=[Leg(hub_account_of(membership.hub), -grant), Leg(account, grant)],
            idempotency_key=f"opening:{membership.pk}",
            memo="Welcome: opening hours",
            max_leg=MAX_MINUTES_ANY_LEG,
        )
        account.refresh_from_db()
    return account


def account_for_organisation(organisation: Organisation) -> Account:
    account, _ = Account.objects.get_or_create(
        organisation=organisation,
        defaults={"hub_id": organisation.hub_id, "kind": AccountKind.ORGANISATION},
    )
    return account


def account_of(person: Person, hub: Hub) -> Account:
    return account_for_membership(access.require_member(person, hub))


def can_act_for(person: Person, account: Account) -> bool:
    """The account's owner, staff of its organisation, or the hub's coordinators."""
    membership = access.membership_of(person, account.hub)
    if membership is None:
        return False
    if membership.can_coordinate:
        return True
    if account.kind == AccountKind.MEMBER:
        return account.membership_id == membership.pk
    if account.kind == AccountKind.ORGANISATION:
        return membership.organisation_id == account.organisation_id
    return False


def _require_act_for(person: Person, account: Account) -> None:
    if not can_act_for(person, account):
        raise PermissionDenied("You cannot act for this account.")


def _owner(account: Account) -> Person | None:
    return account.membership.person if account.kind == AccountKind.MEMBER else None


def _on_behalf(actor: Person, account: Account) -> Person | None:
    owner = _owner(account)
    return owner if owner and owner.pk != actor.pk else None


# --- community chest ---------------------------------------------------------------------


@transaction.atomic
def chest_donate(*, actor: Person, account: Account, minutes: int, key: str | None = None):
    """A member (or organisation) gives hours to the community chest."""
    _require_act_for(actor, account)
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
    audit(
        hub=account.hub,
        actor=actor,
        on_behalf_of=_owner(account),
        event="chest.donated",
        subject=transfer,
        new={"minutes": minutes, "account": account.pk},
    )
    return transfer


@transaction.atomic
def chest_grant(
    *, actor: Person, account: Account, minutes: int, reason: str, key: str | None = None
):
    """A coordinator gives hours from the chest to a member who needs them."""
    access.require_coordinator(actor, account.hub)
    if not reason.strip():
        raise ApplicationError("Say why these hours are being granted.", field="reason")
    if account.kind != AccountKind.MEMBER:
        raise ApplicationError("Grants from the chest go to members.", field="account")
    transfer = post_transfer(
        hub=account.hub,
        kind=TransferKind.GRANT,
        legs=[Leg(chest_of(account.hub), -minutes), Leg(account, minutes)],
        idempotency_key=key or f"grant:{uuid.uuid4()}",
        memo=reason.strip()[:300],
        actor=actor,
        on_behalf_of=_owner(account),
        max_leg=MAX_MINUTES_ANY_LEG,
    )
    audit(
        hub=account.hub,
        actor=actor,
        on_behalf_of=_owner(account),
        event="chest.granted",
        subject=transfer,
        new={"minutes": minutes, "reason": reason.strip()},
    )
    return transfer


# --- listings ----------------------------------------------------------------------------

LISTING_FIELDS = (
    "title",
    "description",
    "category",
    "neighbourhood",
    "postcode_district",
    "availability",
    "needs_check",
    "expires_on",
)


@transaction.atomic
def listing_create(*, actor: Person, account: Account, kind: str, title: str, **details):
    _require_act_for(actor, account)
    if kind not in ListingKind.values:
        raise ApplicationError("Choose offer or request.", field="kind")
    if not title.strip():
        raise ApplicationError("Give it a short title.", field="title")
    unknown = set(details) - set(LISTING_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown detail: {', '.join(sorted(unknown))}.")
    category = details.get("category")
    if category is not None and category.hub_id != account.hub_id:
        raise ApplicationError("Choose one of this hub's categories.", field="category")
    listing = Listing(
        hub=account.hub,
        account=account,
        kind=kind,
        title=title.strip(),
        created_by=actor,
        **details,
    )
    listing.full_clean()
    listing.save()
    audit(
        hub=account.hub,
        actor=actor,
        on_behalf_of=_owner(account),
        event="listing.created",
        subject=listing,
        new={"kind": kind, "title": listing.title},
    )
    return listing


@transaction.atomic
def listing_close(*, actor: Person, listing: Listing) -> Listing:
    _require_act_for(actor, listing.account)
    listing.is_active = False
    listing.save(update_fields=["is_active"])
    audit(
        hub=listing.hub,
        actor=actor,
        event="listing.closed",
        subject=listing,
        old={"is_active": True},
        new={"is_active": False},
    )
    return listing


@transaction.atomic
def category_create(*, actor: Person, hub: Hub, name: str) -> Category:
    access.require_coordinator(actor, hub)
    name = " ".join(name.split())
    if not name:
        raise ApplicationError("Give the category a name.", field="name")
    if Category.objects.filter(hub=hub, name__iexact=name).exists():
        raise ApplicationError("This hub already has that category.", field="name")
    category = Category.objects.create(hub=hub, name=name)
    audit(hub=hub, actor=actor, event="category.created", subject=category, new={"name": name})
    return category


@transaction.atomic
def policy_update(
    *,
    actor: Person,
    hub: Hub,
    floor_minutes: int,
    ceiling_minutes: int,
    limits_are_hard: bool,
    opening_grant_minutes: int,
    auto_confirm_days: int,
) -> TimebankPolicy:
    """Coordinators set the hub's rules for hours. Balances already past a new limit stay
    as they are; the limit applies to the next exchange."""
    access.require_coordinator(actor, hub)
    if floor_minutes > 0:
        raise ApplicationError("The lowest balance must be zero or below.", field="floor_hours")
    if ceiling_minutes < 0:
        raise ApplicationError("The highest balance must be zero or above.", field="ceiling_hours")
    if opening_grant_minutes < 0 or opening_grant_minutes > ceiling_minutes:
        raise ApplicationError(
            "New members cannot start above the highest balance.", field="opening_grant_hours"
        )
    if not 1 <= auto_confirm_days <= 90:
        raise ApplicationError("Choose between 1 and 90 days.", field="auto_confirm_days")
    policy_for(hub)
    policy = TimebankPolicy.objects.select_for_update().get(hub=hub)
    fields = {
        "floor_minutes": floor_minutes,
        "ceiling_minutes": ceiling_minutes,
        "limits_are_hard": limits_are_hard,
        "opening_grant_minutes": opening_grant_minutes,
        "auto_confirm_days": auto_confirm_days,
    }
    old = {name: getattr(policy, name) for name in fields}
    if old == fields:
        return policy
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.save(update_fields=list(fields))
    audit(
        hub=hub, actor=actor, event="timebank.policy_changed", subject=policy, old=old, new=fields
    )
    return policy


# --- exchanges ---------------------------------------------------------------------------


def _lock(exchange: Exchange) -> Exchange:
    return Exchange.objects.select_for_update().get(pk=exchange.pk)


def _party_accounts(exchange: Exchange) -> list[Account]:
    return [p.account for p in exchange.parties.select_related("account__membership__person")]


def _owned_by(person: Person | None, exchange: Exchange) -> set[int]:
    """The exchange's accounts this person holds themselves (not as a coordinator)."""
    if person is None:
        return set()
    membership = access.membership_of(person, exchange.hub)
    if membership is None:
        return set()
    return {
        a.pk
        for a in _party_accounts(exchange)
        if (a.kind == AccountKind.MEMBER and a.membership_id == membership.pk)
        or (a.kind == AccountKind.ORGANISATION and a.organisation_id == membership.organisation_id)
    }


def is_party(person: Person, exchange: Exchange) -> bool:
    return bool(_owned_by(person, exchange))


def is_coordinator(person: Person, hub: Hub) -> bool:
    return access.is_coordinator(person, hub)


def is_other_side(person: Person, exchange: Exchange, than: Person | None) -> bool:
    """The person holds an account in the exchange that `than` does not."""
    return bool(_owned_by(person, exchange) - _owned_by(than, exchange))


def _other_side_of(person: Person, exchange: Exchange) -> list[Account]:
    mine = _owned_by(person, exchange)
    return [a for a in _party_accounts(exchange) if a.pk not in mine]


@transaction.atomic
def exchange_propose(
    *, actor: Person, listing: Listing, account: Account | None = None, note: str = ""
) -> Exchange:
    """Answer a listing: help with a request, or ask for an offer."""
    account = account or account_of(actor, listing.hub)
    _require_act_for(actor, account)
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
    return _exchange_create(
        actor=actor,
        hub=listing.hub,
        title=listing.title,
        note=note,
        giver=giver,
        receiver=receiver,
        listing=listing,
    )


def _exchange_create(
    *, actor, hub, title, note, giver, receiver, listing=None, status=ExchangeStatus.PROPOSED
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
    )
    ExchangeParty.objects.create(exchange=exchange, account=giver, side=ExchangeParty.GIVES)
    ExchangeParty.objects.create(exchange=exchange, account=receiver, side=ExchangeParty.RECEIVES)
    audit(
        hub=hub,
        actor=actor,
        on_behalf_of=_on_behalf(actor, giver),
        event="exchange.proposed",
        subject=exchange,
        new={"title": exchange.title, "giver": giver.pk, "receiver": receiver.pk},
    )
    return exchange


@transaction.atomic
def exchange_record(
    *,
    actor: Person,
    hub: Hub,
    giver: Account,
    receiver: Account,
    title: str,
    minutes: int,
    done_on: datetime.date | None = None,
    note: str = "",
) -> Exchange:
    """Record help already given, without a listing. Either side, or a coordinator."""
    if not (can_act_for(actor, giver) or can_act_for(actor, receiver)):
        raise PermissionDenied("You can only record exchanges you took part in.")
    if not title.strip():
        raise ApplicationError("Say what the help was.", field="title")
    exchange = _exchange_create(
        actor=actor,
        hub=hub,
        title=title,
        note=note,
        giver=giver,
        receiver=receiver,
        status=ExchangeStatus.AGREED,
    )
    return _log_done(actor, exchange, minutes, done_on)


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
    if not (
        is_other_side(actor, exchange, exchange.proposed_by) or is_coordinator(actor, exchange.hub)
    ):
        raise PermissionDenied("The other person agrees to an exchange, not the one proposing it.")
    exchange.status = ExchangeStatus.AGREED
    exchange.save(update_fields=["status"])
    audit(
        hub=exchange.hub,
        actor=actor,
        event="exchange.agreed",
        subject=exchange,
        old={"status": "proposed"},
        new={"status": "agreed"},
    )
    return exchange


def _log_done(actor, exchange, minutes, done_on, *, notify: bool = True) -> Exchange:
    if not isinstance(minutes, int) or minutes <= 0:
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
        event="exchange.logged",
        subject=exchange,
        new={"minutes": minutes, "done_on": done_on},
    )
    if not notify:
        return exchange
    others = [a for a in _other_side_of(actor, exchange) if a.kind == AccountKind.MEMBER]
    email_after_commit(
        to=[a.membership.person.email for a in others if a.membership.person.email],
        subject=f"Please confirm {format_minutes(minutes)}: {exchange.title}",
        template="timebank/email/confirm.txt",
        context={"exchange": exchange, "minutes": format_minutes(minutes), "actor": actor},
    )
    return exchange


@transaction.atomic
def exchange_log_done(
    *, actor: Person, exchange: Exchange, minutes: int, done_on: datetime.date | None = None
) -> Exchange:
    exchange = _lock(exchange)
    if not (is_party(actor, exchange) or is_coordinator(actor, exchange.hub)):
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
    exchange.transfer = transfer
    exchange.status = ExchangeStatus.CONFIRMED
    exchange.confirmed_by = actor
    exchange.confirmed_at = timezone.now()
    exchange.save()
    audit(
        hub=exchange.hub,
        actor=actor,
        event="exchange.confirmed",
        subject=exchange,
        new={"transfer": transfer.pk},
    )
    return exchange


@transaction.atomic
def exchange_confirm(*, actor: Person, exchange: Exchange) -> Exchange:
    """The other side (or a coordinator) confirms the hours; only now do hours move."""
    exchange = _lock(exchange)
    if exchange.status == ExchangeStatus.CONFIRMED:
        raise ApplicationError("This exchange is already confirmed.")
    if exchange.status not in (ExchangeStatus.DONE, ExchangeStatus.DISPUTED):
        raise ApplicationError("Hours can be confirmed once they are logged.")
    coordinating = is_coordinator(actor, exchange.hub)
    if exchange.status == ExchangeStatus.DISPUTED and not coordinating:
        raise PermissionDenied("A coordinator settles a disputed exchange.")
    if not (is_other_side(actor, exchange, exchange.logged_by) or coordinating):
        raise PermissionDenied("The other person confirms the hours, or a coordinator.")
    return _settle(exchange, actor)


@transaction.atomic
def exchange_dispute(*, actor: Person, exchange: Exchange, reason: str) -> Exchange:
    exchange = _lock(exchange)
    if exchange.status != ExchangeStatus.DONE:
        raise ApplicationError("Only logged hours that are not yet confirmed can be disputed.")
    if not is_party(actor, exchange):
        raise PermissionDenied("Only the people in this exchange can dispute it.")
    if not reason.strip():
        raise ApplicationError("Say what is wrong, so the coordinator can help.", field="reason")
    exchange.status = ExchangeStatus.DISPUTED
    exchange.dispute_reason = reason.strip()[:500]
    exchange.confirm_by = None
    exchange.save(update_fields=["status", "dispute_reason", "confirm_by"])
    audit(
        hub=exchange.hub,
        actor=actor,
        event="exchange.disputed",
        subject=exchange,
        new={"reason": exchange.dispute_reason},
    )
    email_after_commit(
        to=hub_selectors.coordinator_emails(exchange.hub),
        subject=f"Exchange disputed: {exchange.title}",
        template="timebank/email/disputed.txt",
        context={"exchange": exchange, "actor": actor},
    )
    return exchange


@transaction.atomic
def exchange_cancel(*, actor: Person, exchange: Exchange, reason: str = "") -> Exchange:
    exchange = _lock(exchange)
    if exchange.status == ExchangeStatus.CONFIRMED:
        raise ApplicationError("A confirmed exchange is corrected by a coordinator, not cancelled.")
    if not (is_party(actor, exchange) or is_coordinator(actor, exchange.hub)):
        raise PermissionDenied("Only the people in this exchange can cancel it.")
    old = exchange.status
    exchange.status = ExchangeStatus.CANCELLED
    exchange.save(update_fields=["status"])
    audit(
        hub=exchange.hub,
        actor=actor,
        event="exchange.cancelled",
        subject=exchange,
        old={"status": old},
        new={"status": "cancelled", "reason": reason},
    )
    return exchange


@dataclass(frozen=True)
class ExchangeRow:
    """One line of a time sheet: who gave, who received, what, how long, when."""

    line: int
    giver: Account
    receiver: Account
    title: str
    minutes: int
    done_on: datetime.date


def _check_row(hub: Hub, row: ExchangeRow, today: datetime.date) -> None:
    for side, account in (("giver", row.giver), ("receiver", row.receiver)):
        if account.hub_id != hub.pk:
            raise ApplicationError(f"The {side} is not in this hub.", field=side)
        if account.kind not in (AccountKind.MEMBER, AccountKind.ORGANISATION):
            raise ApplicationError(f"The {side} must be a member or an organisation.", field=side)
    if row.giver.pk == row.receiver.pk:
        raise ApplicationError("The giver and the receiver are the same.", field="receiver")
    if not row.title.strip():
        raise ApplicationError("Say what the help was.", field="title")
    if not isinstance(row.minutes, int) or row.minutes <= 0:
        raise ApplicationError("The time must be above zero.", field="minutes")
    if row.minutes > MAX_MINUTES_PER_LEG:
        raise ApplicationError("One exchange can be at most 24 hours.", field="minutes")
    if row.done_on > today:
        raise ApplicationError("The date is in the future.", field="done_on")


@dataclass(frozen=True)
class Recorded:
    """What an import recorded."""

    exchange_ids: list[int]
    minutes: int


@transaction.atomic
def exchanges_import(*, actor: Person, hub: Hub, rows: list[ExchangeRow], key: str) -> Recorded:
    """A coordinator records many exchanges that already happened (from paper time
    sheets), confirmed at once: all of them, or none with the first problem's line. `key`
    names the batch (e.g. a hash of the file), so the same sheet cannot be counted twice.
    Rows are written in bulk: a sheet of thousands takes about a second."""
    access.require_coordinator(actor, hub)
    if not rows:
        raise ApplicationError("There are no exchanges to record.", field="file")
    today = timezone.localdate()
    for row in rows:
        try:
            _check_row(hub, row, today)
        except ApplicationError as error:
            raise ApplicationError(
                f"Line {row.line}: {error.message}", field=error.field, details={"line": row.line}
            ) from error
    try:
        transfer_ids = post_transfers(
            hub=hub,
            actor=actor,
            transfers=[
                NewTransfer(
                    kind=TransferKind.EXCHANGE,
                    legs=[Leg(row.giver, row.minutes), Leg(row.receiver, -row.minutes)],
                    idempotency_key=f"import:{key[:60]}:{row.line}",
                    memo=row.title.strip()[:300],
                )
                for row in rows
            ],
        )
    except ApplicationError as error:
        line = rows[error.details["at"] - 1].line
        raise ApplicationError(
            f"Line {line}: {error.details['reason']}", field=error.field, details={"line": line}
        ) from error
    now = timezone.now()
    exchange_ids = insert_rows(
        Exchange,
        [
            {
                "hub_id": hub.pk,
                "title": row.title.strip()[:120],
                "note": f"Recorded from a time sheet, line {row.line}.",
                "status": ExchangeStatus.CONFIRMED,
                "proposed_by_id": actor.pk,
                "created_at": now,
                "done_on": row.done_on,
                "logged_by_id": actor.pk,
                "logged_at": now,
                "confirmed_by_id": actor.pk,
                "confirmed_at": now,
                "transfer_id": transfer_id,
            }
            for row, transfer_id in zip(rows, transfer_ids, strict=True)
        ],
        returning_ids=True,
    )
    insert_rows(
        ExchangeParty,
        [
            {
                "exchange_id": exchange_id,
                "account_id": account.pk,
                "side": side,
                "minutes": row.minutes,
            }
            for row, exchange_id in zip(rows, exchange_ids, strict=True)
            for account, side in (
                (row.giver, ExchangeParty.GIVES),
                (row.receiver, ExchangeParty.RECEIVES),
            )
        ],
    )
    minutes = sum(row.minutes for row in rows)
    # One event for the whole sheet (each exchange names its line): a sheet of a
    # thousand lines is one thing a coordinator did, not a thousand.
    audit(
        hub=hub,
        actor=actor,
        event="exchanges.imported",
        subject=hub,
        new={
            "batch": key[:60],
            "exchanges": len(rows),
            "minutes": minutes,
            "first_exchange": exchange_ids[0],
            "last_exchange": exchange_ids[-1],
        },
    )
    return Recorded(exchange_ids=exchange_ids, minutes=minutes)


@transaction.atomic
def exchanges_import_sheet(*, actor: Person, hub: Hub, data: bytes) -> Recorded:
    """Record a time sheet (see `timesheet`): members named by email address or by their
    name in the hub, organisations by name. The same file twice is refused."""
    access.require_coordinator(actor, hub)
    lines, problems = timesheet.read_sheet(data)
    find = _account_finder(hub)
    rows = []
    for line in lines:
        try:
            rows.append(
                ExchangeRow(
                    line=line.line,
                    giver=find(line.line, "giver", line.giver),
                    receiver=find(line.line, "receiver", line.receiver),
                    title=line.description,
                    minutes=line.minutes,
                    done_on=line.done_on,
                )
            )
        except ApplicationError as error:
            problems.append((line.line, error.message))
    if problems:
        timesheet.raise_problems(problems)
    try:
        return exchanges_import(
            actor=actor, hub=hub, rows=rows, key=hashlib.sha256(data).hexdigest()
        )
    except ApplicationError as error:
        raise ApplicationError(error.message, field="file", details=error.details) from error


def _account_finder(hub: Hub):
    """Look up who a sheet means: an email address, or a name nobody else in the hub has."""
    by_email: dict[str, Membership] = {}
    by_name: dict[str, list[Membership | Organisation]] = {}
    for membership in Membership.objects.filter(hub=hub, is_active=True).select_related("person"):
        if membership.person.email:
            by_email[membership.person.email.lower()] = membership
        by_name.setdefault(membership.person.display_name.casefold(), []).append(membership)
    for organisation in hub.organisations.all():
        by_name.setdefault(organisation.name.casefold(), []).append(organisation)
    opened: dict[tuple[str, int], Account] = {}

    def account(owner: Membership | Organisation) -> Account:
        key = (type(owner).__name__, owner.pk)
        if key not in opened:
            opened[key] = (
                account_for_membership(owner)
                if isinstance(owner, Membership)
                else account_for_organisation(owner)
            )
        return opened[key]

    def find(number: int, column: str, value: str) -> Account:
        where = f"Line {number}, column '{column}'"
        if "@" in value:
            if value.lower() not in by_email:
                raise ApplicationError(f"{where}: no member of this hub has the email {value}.")
            return account(by_email[value.lower()])
        owners = by_name.get(value.casefold(), [])
        if not owners:
            raise ApplicationError(f"{where}: no member or organisation here is called {value}.")
        if len(owners) > 1:
            raise ApplicationError(
                f"{where}: more than one member is called {value}. Use their email address."
            )
        return account(owners[0])

    return find


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
                count += 1
    return count


def group_payer_accounts(actor: Person, hub: Hub):
    """The organisation accounts `actor` may pay a group from: any for a coordinator,
    their own organisation's for staff. Accounts not yet opened are opened."""
    membership = access.require_member(actor, hub)
    organisations = hub.organisations.all()
    if not membership.can_coordinate:
        if membership.organisation_id is None:
            raise PermissionDenied("Coordinators, or staff of an organisation, record groups.")
        organisations = organisations.filter(pk=membership.organisation_id)
    for organisation in organisations.filter(account__isnull=True):
        account_for_organisation(organisation)
    return Account.objects.filter(organisation__in=organisations).select_related("organisation")


@transaction.atomic
def exchange_record_group(
    *,
    actor: Person,
    hub: Hub,
    title: str,
    givers: list[tuple[Account, int]],
    receivers: list[tuple[Account, int]],
    done_on: datetime.date | None = None,
) -> Exchange:
    """A coordinator (or staff of the paying organisation) records a group exchange.

    One giver to many receivers (a class), or many givers to an organisation (a workshop).
    Minutes per party; the two sides must be equal. Confirmed at once: the recorder vouches.
    """
    membership = access.require_member(actor, hub)
    accounts = [a for a, _ in givers + receivers]
    organisation_sides = [a for a in accounts if a.kind == AccountKind.ORGANISATION]
    if not membership.can_coordinate and not any(
        membership.organisation_id == a.organisation_id for a in organisation_sides
    ):
        raise PermissionDenied("A coordinator, or staff of the organisation, records groups.")
    if not givers or not receivers:
        raise ApplicationError("A group exchange needs people giving and receiving.")
    if not title.strip():
        raise ApplicationError("Say what the group did.", field="title")
    if len({a.pk for a in accounts}) != len(accounts):
        raise ApplicationError("Each account can appear once.", field="receivers")
    for _, minutes in givers + receivers:
        if not isinstance(minutes, int) or minutes <= 0:
            raise ApplicationError("Each person's time must be above zero.", field="minutes")
    exchange = Exchange.objects.create(
        hub=hub,
        title=title.strip()[:120],
        proposed_by=actor,
        is_group=True,
        status=ExchangeStatus.DONE,
        logged_by=actor,
        logged_at=timezone.now(),
        done_on=done_on or timezone.localdate(),
    )
    ExchangeParty.objects.bulk_create(
        [
            ExchangeParty(exchange=exchange, account=a, side=ExchangeParty.GIVES, minutes=m)
            for a, m in givers
        ]
        + [
            ExchangeParty(exchange=exchange, account=a, side=ExchangeParty.RECEIVES, minutes=m)
            for a, m in receivers
        ]
    )
    audit(
        hub=hub,
        actor=actor,
        event="exchange.group_recorded",
        subject=exchange,
        new={"givers": len(givers), "receivers": len(receivers)},
    )
    return _settle(exchange, actor)
