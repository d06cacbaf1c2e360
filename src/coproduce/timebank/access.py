"""Who may see and do what in the time bank: the one place these rules live.

For each kind of object, one function fetches it for a person and says what they may do
with it as a small frozen dataclass of rights. Services enforce those rights; views,
templates and the API read them and never work them out again.

Rules:
- An account is *held* by its member, or, for an organisation's account, by staff of that
  organisation. Holders and the hub's coordinators act for it.
- An exchange is seen by its parties and the hub's coordinators; anyone else gets a 404.
- The other side agrees to a proposal and confirms logged hours: never the person who
  proposed or logged them. Coordinators may do both.
- A party may cancel an exchange until hours are logged; once hours are logged (or
  disputed) a coordinator settles it, and a confirmed exchange is corrected only by a
  coordinator reversing its transfer.
- Four eyes: nobody approves their own benefit. A coordinator's grant from the chest to
  their own account, their confirming of hours in an exchange they are part of (a
  dispute, or hours only their coordinating lets them confirm), or their cancelling of
  logged or disputed hours in one, waits for a second coordinator or the hub's admin,
  who must not be part of it either.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from coproduce.hubs import access as hub_access
from coproduce.hubs import pickers
from coproduce.hubs.models import Membership, Person

from .models import (
    Account,
    AccountKind,
    ApprovalKind,
    Exchange,
    ExchangeParty,
    ExchangeStatus,
    Listing,
    SecondApproval,
    Transfer,
)


def holds(membership: Membership | None, account: Account) -> bool:
    """The membership's own account, or its organisation's (not as a coordinator)."""
    if membership is None or account.hub_id != membership.hub_id:
        return False
    if account.kind == AccountKind.MEMBER:
        return account.membership_id == membership.pk
    if account.kind == AccountKind.ORGANISATION:
        return bool(membership.organisation_id) and (
            membership.organisation_id == account.organisation_id
        )
    return False


def can_act_for(membership: Membership | None, account: Account) -> bool:
    """The account's holder, or the hub's coordinators."""
    if membership is None or account.hub_id != membership.hub_id:
        return False
    return membership.can_coordinate or holds(membership, account)


def letter_addressee(viewer: Person, membership: Membership, account: Account) -> Person | None:
    """Whose name and postal address head a printed statement: the member who holds the
    account, when the viewer may see their contact details (themselves, or the hub's
    coordinators: hubs.access.can_see_private_details); else nobody."""
    if account.kind != AccountKind.MEMBER or account.membership is None:
        return None
    person = account.membership.person
    if not hub_access.can_see_private_details(viewer, membership, person):
        return None
    return person


def require_act_for(person: Person, account: Account) -> Membership:
    membership = hub_access.membership_of(person, account.hub)
    if not can_act_for(membership, account):
        raise PermissionDenied("You cannot act for this account.")
    return membership


def can_record_group(membership: Membership | None, accounts: list[Account]) -> bool:
    """Group hours (a class, a workshop) are recorded by a coordinator, or by staff of the
    organisation that pays or is paid."""
    if membership is None:
        return False
    return membership.can_coordinate or any(
        holds(membership, a) for a in accounts if a.kind == AccountKind.ORGANISATION
    )


def may_pay_for_groups(membership: Membership) -> bool:
    """Coordinators, and staff who belong to an organisation."""
    return membership.can_coordinate or membership.organisation_id is not None


def accounts_acted_for(membership: Membership):
    """The hub's accounts this member acts for, as a queryset: every one for a
    coordinator; their own and their organisation's for anyone else."""
    accounts = Account.objects.filter(hub_id=membership.hub_id)
    if membership.can_coordinate:
        return accounts
    own = Q(membership_id=membership.pk)
    if membership.organisation_id:
        own |= Q(organisation_id=membership.organisation_id)
    return accounts.filter(own)


def can_see_transfer(membership: Membership, transfer: Transfer) -> bool:
    """Coordinators see every transfer; others those into or out of accounts they act for."""
    return membership.can_coordinate or any(
        can_act_for(membership, entry.account) for entry in transfer.entries.all()
    )


# --- exchanges ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExchangeRights:
    see: bool = False
    message: bool = False  # write to the other side (not once cancelled)
    agree: bool = False
    log: bool = False
    confirm: bool = False
    dispute: bool = False
    cancel: bool = False
    reverse: bool = False
    is_party: bool = False
    coordinating: bool = False
    # Confirming (or cancelling logged hours) is allowed, but only as a request to a
    # second coordinator (four eyes).
    confirm_waits: bool = False
    cancel_waits: bool = False


def _held(membership: Membership | None, accounts: list[Account]) -> set[int]:
    return {a.pk for a in accounts if holds(membership, a)}


def _membership_in(hub_id: int, person_id: int | None, cache: dict) -> Membership | None:
    if person_id is None:
        return None
    if person_id not in cache:
        cache[person_id] = (
            Membership.objects.filter(hub_id=hub_id, person_id=person_id, is_active=True)
            .only("pk", "hub_id", "organisation_id", "role")
            .first()
        )
    return cache[person_id]


def exchange_rights(membership: Membership | None, exchange: Exchange) -> ExchangeRights:
    """What the holder of this membership may do with the exchange, in its current state."""
    if membership is None or membership.hub_id != exchange.hub_id:
        return ExchangeRights()
    accounts = party_accounts(exchange)
    mine = _held(membership, accounts)
    coordinating = membership.can_coordinate
    if not (mine or coordinating):
        return ExchangeRights()
    others = {membership.person_id: membership}

    def other_side_of(person_id: int | None) -> bool:
        """I hold an account in the exchange that this person does not."""
        if person_id is None:
            return bool(mine)
        theirs = {
            a.pk
            for a in accounts
            if a.kind == AccountKind.MEMBER and a.membership.person_id == person_id
        }
        if any(a.kind == AccountKind.ORGANISATION for a in accounts):
            # Their organisation's account too: that needs their membership.
            theirs |= _held(_membership_in(exchange.hub_id, person_id, others), accounts)
        return bool(mine - theirs)

    status = exchange.status
    party = bool(mine)
    confirm_as_party = status == ExchangeStatus.DONE and other_side_of(exchange.logged_by_id)
    settling = status in (ExchangeStatus.DONE, ExchangeStatus.DISPUTED)
    return ExchangeRights(
        message=status != ExchangeStatus.CANCELLED,
        cancel_waits=coordinating and party and settling,
        confirm_waits=coordinating
        and party
        and status in (ExchangeStatus.DONE, ExchangeStatus.DISPUTED)
        and not confirm_as_party,
        see=True,
        is_party=party,
        coordinating=coordinating,
        agree=status == ExchangeStatus.PROPOSED
        and (coordinating or other_side_of(exchange.proposed_by_id)),
        log=status == ExchangeStatus.AGREED,
        confirm=(
            status == ExchangeStatus.DONE and (coordinating or other_side_of(exchange.logged_by_id))
        )
        or (status == ExchangeStatus.DISPUTED and coordinating),
        dispute=status == ExchangeStatus.DONE and party and other_side_of(exchange.logged_by_id),
        cancel=(status in (ExchangeStatus.PROPOSED, ExchangeStatus.AGREED))
        or (status in (ExchangeStatus.DONE, ExchangeStatus.DISPUTED) and coordinating),
        reverse=status == ExchangeStatus.CONFIRMED
        and coordinating
        and not _reversal_favours(membership, exchange, accounts)
        and exchange.transfer_id is not None
        and not Transfer.objects.filter(reverses_id=exchange.transfer_id).exists(),
    )


def _reversal_favours(membership: Membership, exchange: Exchange, accounts) -> bool:
    """Reversing would give this member hours back: their own account (or their
    organisation's) paid for the help. Nobody approves their own benefit."""
    return any(
        holds(membership, party.account)
        for party in exchange_parties(exchange)
        if party.side == ExchangeParty.RECEIVES
    )


def reversal_credits_holder(membership: Membership | None, transfer: Transfer) -> bool:
    """The reversal of this transfer would credit an account the member holds."""
    if membership is None:
        return False
    return any(
        holds(membership, entry.account)
        for entry in transfer.entries.select_related("account")
        if entry.signed_minutes < 0
    )


def exchange_parties(exchange: Exchange) -> list[ExchangeParty]:
    """The exchange's parties with their accounts and holders, read once per exchange
    object (or taken from a prefetch of its parties), for its rights and its page."""
    cached = getattr(exchange, "_parties", None)
    if cached is None:
        prefetched = getattr(exchange, "_prefetched_objects_cache", {}).get("parties")
        cached = list(
            prefetched
            if prefetched is not None
            else exchange.parties.select_related(
                "account__membership__person", "account__organisation"
            )
        )
        exchange._parties = cached
    return cached


def party_accounts(exchange: Exchange) -> list[Account]:
    """The exchange's accounts (see `exchange_parties`)."""
    return [party.account for party in exchange_parties(exchange)]


def rights_on_exchange(person: Person | None, exchange: Exchange) -> ExchangeRights:
    """For services, which are given a person: one membership lookup."""
    return exchange_rights(hub_access.membership_of(person, exchange.hub), exchange)


def exchange_for(membership: Membership, exchange_id: int) -> tuple[Exchange, ExchangeRights]:
    """The exchange and this member's rights over it; 404 unless they may see it (other
    people's exchanges are not shown, nor said to exist)."""
    exchange = get_object_or_404(
        Exchange.objects.select_related("hub"), pk=exchange_id, hub_id=membership.hub_id
    )
    rights = exchange_rights(membership, exchange)
    if not rights.see:
        raise Http404("No such exchange.")
    return exchange, rights


# --- seeing balances and statements -------------------------------------------------------


def may_see_all_balances(membership: Membership | None) -> bool:
    """Coordinators (and admins) see every member's balance and statement."""
    return membership is not None and membership.can_coordinate


def statement_account_for(membership: Membership, account_id) -> Account:
    """Whose statement to show: the member's own, or, for a coordinator, any member's or
    organisation's in the hub (someone who is not online gets theirs by post). Anyone
    else asking for another account gets a 404."""
    account = get_object_or_404(
        Account.objects.select_related("hub", "membership__person", "organisation"),
        pk=account_id,
        hub_id=membership.hub_id,
    )
    if not can_act_for(membership, account):
        raise Http404("No such account.")
    return account


# --- four eyes ---------------------------------------------------------------------------


def grant_needs_second(membership: Membership | None, account: Account) -> bool:
    """A grant from the chest to an account this coordinator holds waits for another."""
    return holds(membership, account)


@dataclass(frozen=True)
class ApprovalRights:
    see: bool = False
    decide: bool = False
    # Why this person cannot decide, in words, when they can see it.
    why_not: str = ""


def approval_rights(membership: Membership | None, approval: SecondApproval) -> ApprovalRights:
    """Coordinators (and admins) of the hub see requests for a second pair of eyes; any of
    them may decide one except the person who asked and anyone it would benefit."""
    if membership is None or membership.hub_id != approval.hub_id:
        return ApprovalRights()
    if not membership.can_coordinate:
        return ApprovalRights()
    if not approval.is_waiting:
        return ApprovalRights(see=True, why_not="This has been decided.")
    if membership.person_id == approval.requested_by_id:
        return ApprovalRights(see=True, why_not="Another coordinator must decide what you asked.")
    if approval.kind == ApprovalKind.GRANT:
        benefits = holds(membership, approval.account)
    else:
        benefits = any(holds(membership, a) for a in party_accounts(approval.exchange))
    if benefits:
        return ApprovalRights(see=True, why_not="You are part of this, so someone else decides.")
    return ApprovalRights(see=True, decide=True)


def approval_for(membership: Membership, approval_id: int) -> tuple[SecondApproval, ApprovalRights]:
    approval = get_object_or_404(
        SecondApproval.objects.select_related(
            "hub", "requested_by", "account__membership__person", "exchange"
        ),
        pk=approval_id,
        hub_id=membership.hub_id,
    )
    rights = approval_rights(membership, approval)
    if not rights.see:
        raise Http404("No such request.")
    return approval, rights


def rights_on_approval(person: Person, approval: SecondApproval) -> ApprovalRights:
    return approval_rights(hub_access.membership_of(person, approval.hub), approval)


# --- listings -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ListingRights:
    see: bool = False
    mine: bool = False
    answer: bool = False
    close: bool = False


def listing_rights(membership: Membership | None, listing: Listing) -> ListingRights:
    if membership is None or membership.hub_id != listing.hub_id:
        return ListingRights()
    mine = holds(membership, listing.account)
    own_account = listing.account.membership_id == membership.pk  # nobody answers themselves
    return ListingRights(
        see=True,
        mine=mine,
        answer=not own_account and listing.is_open(),
        close=listing.is_open() and (mine or membership.can_coordinate),
    )


def listing_for(membership: Membership, listing_id: int) -> tuple[Listing, ListingRights]:
    listing = get_object_or_404(
        Listing.objects.select_related("account", "hub", "category", "neighbourhood"),
        pk=listing_id,
        hub_id=membership.hub_id,
    )
    return listing, listing_rights(membership, listing)


def may_export(membership: Membership | None, kind: str = "ledger") -> bool:
    """The whole ledger (every member's hours) leaves the site only with a coordinator;
    every balance with whoever sees every balance; the audit log with whoever reads it
    (its page: hubs' coordinators)."""
    if kind == "balances":
        return may_see_all_balances(membership)
    return bool(membership and membership.can_coordinate)


def export_for(person: Person, hub, token: str):
    """An export for its download link: only the person who asked for it may download it;
    anyone else (another coordinator included) gets a 404, as for a link that never was."""
    from .models import Export

    if not token or len(token) > 64:
        raise Http404("No such file.")
    return get_object_or_404(
        Export.objects.select_related("hub"), hub=hub, token=token, requested_by=person
    )


# --- who may be chosen in this app's people pickers (see hubs/pickers.py) -------------------


def _searcher(membership: Membership, _params):
    """Any member recording help with someone else: the search knows who is asking."""
    return membership


def _other_members(hub, searcher: Membership):
    """The other side of an exchange: a current member with an account, not oneself.
    Someone not listed in the directory (people a coordinator or a referrer adds start
    unlisted) is found only by whoever sees unlisted members, or by someone who has
    exchanged with them before: nobody else can list them by typing letters. A new
    exchange with them goes through a coordinator (the form says so)."""
    members = hub_access.active_members(hub).filter(account__isnull=False).exclude(pk=searcher.pk)
    if hub_access.sees_unlisted_members(searcher):
        return members
    partners = ExchangeParty.objects.filter(exchange__parties__account__membership=searcher).values(
        "account__membership"
    )
    return members.filter(Q(listed_in_directory=True) | Q(pk__in=partners))


def _coordinating(membership: Membership, _params):
    return membership if membership.can_coordinate else None


def _group_payer(membership: Membership, _params):
    return membership if may_pay_for_groups(membership) else None


def _members_with_accounts(hub, _context=None):
    return hub_access.active_members(hub).filter(account__isnull=False)


pickers.register(pickers.Purpose("exchange-other", _searcher, _other_members))
pickers.register(pickers.Purpose("chest-grant", _coordinating, _members_with_accounts))
pickers.register(
    pickers.Purpose("group-members", _group_payer, _members_with_accounts, multiple=True)
)
