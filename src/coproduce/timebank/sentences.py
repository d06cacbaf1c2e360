"""How the audit log words the time bank's events: listings, exchanges, the community
chest, corrections, time sheets and the hub's rules for hours. Imported by
TimebankConfig.ready()."""

from coproduce.audit import AuditKind, Line, day, listed, load_in_bulk, quote, renders

from .models import (
    Account,
    AccountKind,
    Category,
    Exchange,
    ExchangeParty,
    Listing,
    ListingKind,
    SecondApproval,
    Transfer,
    TransferKind,
    format_minutes,
)

load_in_bulk(
    listing=Listing.objects,
    exchange=Exchange.objects.prefetch_related("parties"),
    account=Account.objects.select_related("membership__person", "organisation", "hub"),
    transfer=Transfer.objects.prefetch_related("entries"),
    category=Category.objects,
    secondapproval=SecondApproval.objects.select_related(
        "requested_by", "account__membership__person", "account__hub", "exchange"
    ),
)


def _minutes(value) -> str | None:
    return format_minutes(value) if isinstance(value, int) and not isinstance(value, bool) else None


def account_name(account: Account | None) -> str | None:
    if account is None:
        return None
    if account.kind == AccountKind.CHEST:
        return "the community chest"
    if account.kind == AccountKind.HUB:
        return "the hub"
    return account.name


def _title(line: Line) -> str | None:
    """The exchange or listing's title, quoted; from the stored values if it has gone."""
    title = getattr(line.subject, "title", None) or line.new.get("title")
    return quote(title) if title else None


def _the(line: Line, what: str = "exchange") -> str:
    """ "the exchange “Help in the garden”", or "an exchange" if nothing says which."""
    title = _title(line)
    return f"the {what} {title}" if title else f"a{'n' if what[0] in 'aeiou' else ''} {what}"


def _for(line: Line) -> str:
    return f" for {line.person}" if line.person else ""


def _given_minutes(exchange: Exchange | None) -> int | None:
    if exchange is None:
        return None
    return sum(p.minutes or 0 for p in exchange.parties.all() if p.side == ExchangeParty.GIVES)


# --- listings ------------------------------------------------------------------------------


@renders(AuditKind.LISTING_CREATED)
def _listing_created(line: Line) -> str:
    kind = line.new.get("kind")
    what = "an offer of help" if kind == ListingKind.OFFER else "a request for help"
    title = _title(line)
    return f"{line.actor} posted {what}{_for(line)}" + (f": {title}" if title else "")


@renders(AuditKind.LISTING_CLOSED)
def _listing_closed(line: Line) -> str:
    listing = line.subject
    if listing is None:
        return f"{line.actor} closed an offer or request"
    what = "offer" if listing.kind == ListingKind.OFFER else "request"
    helped = ": help given" if line.new.get("outcome") == "helped" else ""
    return f"{line.actor} closed the {what} {quote(listing.title)}{helped}"


@renders(AuditKind.CATEGORY_CREATED)
def _category_created(line: Line) -> str:
    name = line.new.get("name")
    return f"{line.actor} added " + (
        f"the kind of help {quote(name)}" if name else "a kind of help"
    )


# --- exchanges -------------------------------------------------------------------------------


@renders(AuditKind.EXCHANGE_MESSAGE_SENT)
def _message_sent(line: Line) -> str:
    return f"{line.actor} wrote a message on {_the(line)}"


@renders(AuditKind.EXCHANGE_PROPOSED, refs={"giver": "account", "receiver": "account"})
def _proposed(line: Line) -> str:
    giver = account_name(line.ref("giver"))
    receiver = account_name(line.ref("receiver"))
    title = _title(line) or "an exchange"
    if not (giver and receiver):
        return f"{line.actor} proposed {_the(line)}{_for(line)}"
    if not line.person and line.actor == giver:
        return f"{line.actor} offered to help {receiver} with {title}"
    if not line.person and line.actor == receiver:
        return f"{line.actor} asked {giver} for help with {title}"
    entered = f" (for {line.person})" if line.person not in (None, giver, receiver) else ""
    return f"{line.actor} proposed that {giver} help {receiver} with {title}{entered}"


@renders(AuditKind.EXCHANGE_AGREED)
def _agreed(line: Line) -> str:
    return f"{line.actor} agreed to {_the(line)}"


@renders(AuditKind.EXCHANGE_LOGGED)
def _logged(line: Line) -> str:
    minutes = _minutes(line.new.get("minutes")) or "the hours"
    done = line.new.get("done_on")
    on = f", done on {day(done)}" if done else ""
    return f"{line.actor} logged {minutes} for {_title(line) or 'an exchange'}{on}"


@renders(AuditKind.EXCHANGE_CONFIRMED)
def _confirmed(line: Line) -> str:
    minutes = _minutes(line.new.get("minutes"))
    if minutes is None:
        minutes = _minutes(_given_minutes(line.subject)) or "the hours"
    title = _title(line) or "an exchange"
    if line.automatic:
        verb = "were" if minutes == "the hours" else "was"
        return f"{minutes} for {title} {verb} confirmed automatically, as nobody answered in time"
    return f"{line.actor} confirmed {minutes} for {title}"


@renders(AuditKind.EXCHANGE_DISPUTED)
def _disputed(line: Line) -> str:
    reason = line.new.get("reason")
    return f"{line.actor} disputed the hours for {_title(line) or 'an exchange'}" + (
        f": {quote(reason)}" if reason else ""
    )


@renders(AuditKind.EXCHANGE_CANCELLED)
def _cancelled(line: Line) -> str:
    reason = line.new.get("reason")
    return f"{line.actor} cancelled {_the(line)}" + (f": {quote(reason)}" if reason else "")


@renders(AuditKind.GROUP_EXCHANGE_RECORDED)
def _group(line: Line) -> str:
    givers, receivers = line.new.get("givers"), line.new.get("receivers")
    counts = []
    if isinstance(givers, int):
        counts.append(f"{givers} {'person' if givers == 1 else 'people'} gave")
    if isinstance(receivers, int):
        counts.append(f"{receivers} received")
    detail = f" ({listed(counts)})" if counts else ""
    return f"{line.actor} recorded {_the(line, 'group exchange')}{detail}"


@renders(AuditKind.TIMESHEET_IMPORTED)
def _imported(line: Line) -> str:
    count = line.new.get("exchanges")
    minutes = _minutes(line.new.get("minutes"))
    parts = []
    if isinstance(count, int):
        parts.append(f"{count} exchange{'' if count == 1 else 's'}")
    if minutes:
        parts.append(f"{minutes} in all")
    return f"{line.actor} imported a time sheet" + (f": {', '.join(parts)}" if parts else "")


# --- the community chest and corrections -----------------------------------------------------


@renders(AuditKind.CHEST_DONATED, refs={"account": "account"})
def _donated(line: Line) -> str:
    minutes = _minutes(line.new.get("minutes")) or "hours"
    account = line.ref("account")
    source = account_name(account) or line.person
    if source and source != line.actor:
        return f"{line.actor} gave {minutes} from {source} to the community chest"
    return f"{line.actor} gave {minutes} to the community chest"


@renders(AuditKind.CHEST_GRANTED, refs={"account": "account"})
def _granted(line: Line) -> str:
    minutes = _minutes(line.new.get("minutes")) or "hours"
    to = account_name(line.ref("account")) or line.person or "a member"
    reason = line.new.get("reason")
    approved = line.new.get("approved_by")
    return (
        f"{line.actor} granted {minutes} from the community chest to {to}"
        + (f": {quote(reason)}" if reason else "")
        + (f" (approved by {approved})" if approved else "")
    )


# --- four eyes -------------------------------------------------------------------------------


def _asked_for(approval: SecondApproval | None, line: Line) -> str:
    """ "2 h from the community chest to Grace Okafor" or "the hours for “Shopping”"."""
    kind = approval.kind if approval else line.new.get("kind")
    if kind == "grant":
        minutes = _minutes(approval.minutes if approval else line.new.get("minutes")) or "hours"
        to = account_name(approval.account) if approval else None
        return f"{minutes} from the community chest" + (f" to {to}" if to else "")
    title = approval.exchange.title if approval and approval.exchange_id else None
    return f"the hours for {quote(title)}" if title else "the hours of an exchange"


APPROVAL_VERBS = {"grant": "granting", "settle": "confirming", "cancel": "cancelling"}


@renders(AuditKind.APPROVAL_REQUESTED)
def _approval_requested(line: Line) -> str:
    what = _asked_for(line.subject, line)
    reason = line.new.get("reason")
    verb = APPROVAL_VERBS.get(line.new.get("kind"), "confirming")
    return f"{line.actor} asked a second coordinator to approve {verb} {what}" + (
        f": {quote(reason)}" if reason else ""
    )


@renders(AuditKind.APPROVAL_GIVEN, AuditKind.APPROVAL_DECLINED)
def _approval_decided(line: Line) -> str:
    approval = line.subject
    verb = "approved" if line.event.event == AuditKind.APPROVAL_GIVEN else "declined"
    asker = f"{approval.requested_by.display_name}'s request for " if approval else ""
    if approval is not None and approval.kind == "cancel":
        asker += "cancelling "
    note = line.new.get("note")
    return f"{line.actor} {verb} {asker}{_asked_for(approval, line)}" + (
        f": {quote(note)}" if note else ""
    )


@renders(AuditKind.TRANSFER_REVERSED)
def _reversed(line: Line) -> str:
    transfer = line.subject
    reason = line.new.get("reason")
    because = f": {quote(reason)}" if reason else ""
    if transfer is None:
        return f"{line.actor} reversed a transfer of hours{because}"
    moved = sum(e.amount_minutes for e in transfer.entries.all() if e.direction == e.CREDIT)
    what = (
        f"the hours for {quote(transfer.memo)}"
        if transfer.kind == TransferKind.EXCHANGE and transfer.memo
        else f"a {_kind_words(transfer.kind)}"
    )
    return f"{line.actor} reversed {what} ({format_minutes(moved)}){because}"


def _kind_words(kind: str) -> str:
    try:
        return TransferKind(kind).label.split(" (")[0].lower()
    except ValueError:
        return "transfer"


# --- the hub's rules for hours ---------------------------------------------------------------


def _policy_change(key: str, value) -> str | None:
    if key == "floor_minutes":
        return f"the lowest balance to {_minutes(value)}"
    if key == "ceiling_minutes":
        return f"the highest balance to {_minutes(value)}"
    if key == "limits_are_hard":
        return (
            "exchanges past a limit to be refused"
            if value
            else "exchanges past a limit to be allowed and flagged"
        )
    if key == "opening_grant_minutes":
        return f"the opening grant to {_minutes(value)}"
    if key == "auto_confirm_days":
        return f"logged hours to be confirmed after {value} day{'' if value == 1 else 's'}"
    return None


@renders(AuditKind.TIMEBANK_POLICY_UPDATED)
def _policy(line: Line) -> str:
    changes = listed(
        words
        for key, value in line.new.items()
        if (words := _policy_change(key, value)) and line.old.get(key) != value
    )
    if not changes:
        return f"{line.actor} changed the time bank's rules"
    return f"{line.actor} changed the time bank's rules: {changes}"
