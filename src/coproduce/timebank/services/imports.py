"""Time sheets: many exchanges that already happened, recorded by a coordinator at once."""

import datetime
import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.bulk import insert_rows
from coproduce.errors import ApplicationError
from coproduce.hubs import access
from coproduce.hubs.models import Hub, Membership, Organisation, Person

from .. import timesheet
from ..ledger import MAX_MINUTES_PER_LEG, Leg, NewTransfer, post_transfers
from ..models import Account, AccountKind, Exchange, ExchangeParty, ExchangeStatus, TransferKind
from .accounts import account_for_membership, account_for_organisation


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
        event=AuditKind.TIMESHEET_IMPORTED,
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
