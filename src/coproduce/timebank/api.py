"""The time bank in the JSON API: listings, exchanges, balances and transfers.

Views here only parse and shape: the services check every permission, as for the pages.
The hub always comes from the key (`request.hub`), so no address reaches another hub.
"""

import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from coproduce.api.common import ERRORS, Id, Pages, SaneDate, key_header
from coproduce.errors import ApplicationError

from . import access, selectors, services
from .ledger import policy_for
from .models import Account, AccountKind, Category, Entry, Exchange, Listing, Transfer

router = Router(tags=["time bank"])


# --- shapes ---------------------------------------------------------------------------------


class AccountOut(Schema):
    id: int
    kind: str
    name: str
    balance_minutes: int
    balance: str = Field(description="The balance in words, e.g. '3 h 30 min'.")

    @staticmethod
    def resolve_balance(account: Account) -> str:
        return account.balance_display


class AccountRef(Schema):
    id: int
    name: str


class ListingOut(Schema):
    id: int
    kind: str
    title: str
    description: str
    category: str | None
    area: str = Field(description="Postcode district, e.g. MB3.")
    needs_check: bool
    is_active: bool
    expires_on: datetime.date | None
    account: AccountRef
    created_at: datetime.datetime

    @staticmethod
    def resolve_category(listing: Listing) -> str | None:
        return listing.category.name if listing.category else None

    @staticmethod
    def resolve_area(listing: Listing) -> str:
        return listing.postcode_district


class ListingIn(Schema):
    kind: Literal["offer", "request"]
    title: str = Field(min_length=1, max_length=120)
    description: str = Field("", max_length=2000)
    category_id: Id | None = None
    area: str = Field("", max_length=4, description="Postcode district, e.g. MB3.")
    needs_check: bool = Field(
        False, description="Home visits, children or vulnerable adults: helpers need a check."
    )
    expires_on: SaneDate | None = None


class PartyOut(Schema):
    account: AccountRef
    side: Literal["gives", "receives"]
    minutes: int | None


class ExchangeOut(Schema):
    id: int
    title: str
    note: str
    status: str
    is_group: bool
    listing_id: int | None
    created_at: datetime.datetime
    done_on: datetime.date | None
    confirm_by: datetime.datetime | None = Field(
        description="Confirmed automatically at this time if nobody answers."
    )
    dispute_reason: str
    transfer_id: int | None
    parties: list[PartyOut]

    @staticmethod
    def resolve_parties(exchange: Exchange) -> list:
        return access.exchange_parties(exchange)


class ProposeIn(Schema):
    note: str = Field("", max_length=1000)


class RecordIn(Schema):
    other_account_id: Id = Field(description="The member or organisation on the other side.")
    direction: Literal["gave", "received"] = Field(description="What you did: gave or received.")
    title: str = Field(min_length=1, max_length=120)
    minutes: int = Field(gt=0, strict=True, description="Whole minutes, at most 1440 (24 hours).")
    done_on: SaneDate | None = None
    account_id: Id | None = Field(
        None, description="Your account by default; a coordinator may record for another."
    )


class LogIn(Schema):
    minutes: int = Field(gt=0, strict=True, description="Whole minutes, at most 1440 (24 hours).")
    done_on: SaneDate | None = None


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=500)


class DonationIn(Schema):
    minutes: int = Field(gt=0, strict=True)
    account_id: Id | None = Field(None, description="Your account by default.")


class GrantIn(Schema):
    account_id: Id
    minutes: int = Field(gt=0, strict=True)
    reason: str = Field(min_length=1, max_length=300)


class EntryOut(Schema):
    account: AccountRef
    minutes: int = Field(description="Into the account (+) or out of it (-).")


class TransferOut(Schema):
    id: int
    kind: str
    memo: str
    created_at: datetime.datetime
    over_limit: bool
    reverses_id: int | None
    exchange_id: int | None
    entries: list[EntryOut]

    @staticmethod
    def resolve_exchange_id(transfer: Transfer) -> int | None:
        exchange = getattr(transfer, "exchange", None)
        return exchange.pk if exchange else None

    @staticmethod
    def resolve_entries(transfer: Transfer) -> list[dict]:
        return [{"account": e.account, "minutes": e.signed_minutes} for e in transfer.entries.all()]


class WaitingOut(Schema):
    """A request waiting for a second coordinator (four eyes): nothing has moved yet."""

    approval_id: int
    status: str
    detail: str


class PolicyOut(Schema):
    floor_minutes: int
    ceiling_minutes: int
    limits_are_hard: bool
    opening_grant_minutes: int
    auto_confirm_days: int


class TotalsOut(Schema):
    minutes_exchanged: int
    exchanges: int
    members_gave: int
    members_received: int
    members_both: int
    accounts: int


# --- helpers --------------------------------------------------------------------------------


def _my_account(request) -> Account:
    return selectors.account_of(request.membership)


def _account(request, account_id: int | None) -> Account:
    """An account of the key's hub; 404 for any other, so no other hub's ids are revealed."""
    if account_id is None:
        return _my_account(request)
    return get_object_or_404(
        Account.objects.select_related("membership__person", "organisation", "hub"),
        pk=account_id,
        hub=request.hub,
    )


def _visible_exchange(request, exchange_id: int) -> Exchange:
    # As on the pages: other people's exchanges are not shown, nor said to exist.
    exchange, _rights = access.exchange_for(request.membership, exchange_id)
    return exchange


def _exchange_out(exchange: Exchange) -> Exchange:
    return selectors.with_parties(Exchange.objects.filter(pk=exchange.pk)).get()


def _accounts():
    return Account.objects.select_related("membership__person", "organisation", "hub")


# --- listings -------------------------------------------------------------------------------


class ListingFilters(Schema):
    q: str = Field("", max_length=200, description="Words to search for.")
    kind: Literal["offer", "request", ""] = ""
    category_id: int | None = None
    area: str = Field("", max_length=4)
    mine: bool = Field(False, description="Only your own listings, open or closed.")


@router.get("/listings", response=list[ListingOut])
@paginate(Pages)
def listings(request, filters: Query[ListingFilters]):
    """Open offers and requests in the hub, newest first; or your own with `mine=true`."""
    if filters.mine:
        return (
            Listing.objects.filter(account=_my_account(request))
            .select_related("category", "account__membership__person", "account__organisation")
            .order_by("-created_at")
        )
    category = None
    if filters.category_id is not None:
        category = get_object_or_404(Category, pk=filters.category_id, hub=request.hub)
    return selectors.listings(
        request.hub, q=filters.q, kind=filters.kind, category=category, area=filters.area
    ).order_by("-created_at")


@router.post("/listings", response={201: ListingOut, **ERRORS})
def listing_create(request, data: ListingIn):
    """Offer help or ask for it. Services only: time given earns hours, goods never do."""
    category = None
    if data.category_id is not None:
        category = Category.objects.filter(pk=data.category_id, hub=request.hub).first()
        if category is None:
            raise ApplicationError("Choose one of this hub's categories.", field="category_id")
    listing = services.listing_create(
        actor=request.user,
        account=_my_account(request),
        kind=data.kind,
        title=data.title,
        description=data.description,
        category=category,
        postcode_district=data.area.replace(" ", "").upper(),
        needs_check=data.needs_check,
        expires_on=data.expires_on,
    )
    return Status(201, listing)


@router.get("/listings/{listing_id}", response={200: ListingOut, **ERRORS})
def listing_detail(request, listing_id: int):
    return get_object_or_404(Listing, pk=listing_id, hub=request.hub)


@router.post("/listings/{listing_id}/close", response={200: ListingOut, **ERRORS})
def listing_close(request, listing_id: int):
    listing = get_object_or_404(Listing, pk=listing_id, hub=request.hub)
    return services.listing_close(actor=request.user, listing=listing)


@router.post("/listings/{listing_id}/exchanges", response={201: ExchangeOut, **ERRORS})
def exchange_propose(request, listing_id: int, data: ProposeIn, key: str | None = key_header()):
    """Answer a listing: offer to help with a request, or ask for an offer. Send an
    `Idempotency-Key` to retry safely: the same key gives the first exchange again."""
    listing = get_object_or_404(Listing, pk=listing_id, hub=request.hub)
    exchange = services.exchange_propose(
        actor=request.user, listing=listing, note=data.note, key=key
    )
    return Status(201, _exchange_out(exchange))


# --- exchanges ------------------------------------------------------------------------------


class ExchangeFilters(Schema):
    status: str = Field("", description="proposed, agreed, done, confirmed, disputed…")
    account_id: int | None = Field(
        None, description="Your account by default; coordinators may ask for any."
    )


@router.get("/exchanges", response={200: list[ExchangeOut], **ERRORS})
@paginate(Pages)
def exchanges(request, filters: Query[ExchangeFilters]):
    """Exchanges you take part in (not cancelled), newest first."""
    account = _account(request, filters.account_id)
    if not access.can_act_for(request.membership, account):
        raise PermissionDenied("You can only list exchanges of accounts you act for.")
    found = selectors.with_parties(selectors.exchanges_for(account)).order_by("-created_at")
    if filters.status:
        found = found.filter(status=filters.status)
    return found


@router.post("/exchanges", response={201: ExchangeOut, **ERRORS})
def exchange_record(
    request,
    data: RecordIn,
    idempotency_key: str | None = key_header(),
):
    """Record help already given. The other side is asked to confirm before hours move.

    Send an `Idempotency-Key` header to retry safely: the same key and the same content
    return the first exchange (201 again); the same key with different content is a 409."""
    mine = _account(request, data.account_id)
    other = _account(request, data.other_account_id)
    if other.kind not in (AccountKind.MEMBER, AccountKind.ORGANISATION):
        raise ApplicationError(
            "Exchanges are between members and organisations.", field="other_account_id"
        )
    giver, receiver = (mine, other) if data.direction == "gave" else (other, mine)
    exchange = services.exchange_record(
        actor=request.user,
        hub=request.hub,
        giver=giver,
        receiver=receiver,
        title=data.title,
        minutes=data.minutes,
        done_on=data.done_on,
        key=idempotency_key and f"api:{request.user.pk}:{idempotency_key}",
    )
    return Status(201, _exchange_out(exchange))


@router.get("/exchanges/{exchange_id}", response={200: ExchangeOut, **ERRORS})
def exchange_detail(request, exchange_id: int):
    # Its parties were read with their accounts to find the caller's rights.
    return _visible_exchange(request, exchange_id)


@router.post("/exchanges/{exchange_id}/agree", response={200: ExchangeOut, **ERRORS})
def exchange_agree(request, exchange_id: int):
    exchange = _visible_exchange(request, exchange_id)
    return _exchange_out(services.exchange_agree(actor=request.user, exchange=exchange))


@router.post("/exchanges/{exchange_id}/log", response={200: ExchangeOut, **ERRORS})
def exchange_log(request, exchange_id: int, data: LogIn):
    """Log the time the help took. The other side is asked to confirm it."""
    exchange = _visible_exchange(request, exchange_id)
    return _exchange_out(
        services.exchange_log_done(
            actor=request.user, exchange=exchange, minutes=data.minutes, done_on=data.done_on
        )
    )


@router.post("/exchanges/{exchange_id}/confirm", response={200: ExchangeOut, **ERRORS})
def exchange_confirm(request, exchange_id: int):
    """Confirm the logged hours: only now do they move between the accounts."""
    exchange = _visible_exchange(request, exchange_id)
    return _exchange_out(services.exchange_confirm(actor=request.user, exchange=exchange))


@router.post("/exchanges/{exchange_id}/dispute", response={200: ExchangeOut, **ERRORS})
def exchange_dispute(request, exchange_id: int, data: ReasonIn):
    """Say the logged hours are wrong; the hub's coordinators are told."""
    exchange = _visible_exchange(request, exchange_id)
    return _exchange_out(
        services.exchange_dispute(actor=request.user, exchange=exchange, reason=data.reason)
    )


@router.post("/exchanges/{exchange_id}/cancel", response={200: ExchangeOut, **ERRORS})
def exchange_cancel(request, exchange_id: int, data: ReasonIn):
    exchange = _visible_exchange(request, exchange_id)
    return _exchange_out(
        services.exchange_cancel(actor=request.user, exchange=exchange, reason=data.reason)
    )


# --- balances, transfers, the chest -----------------------------------------------------------


@router.get("/balances", response=list[AccountOut])
@paginate(Pages)
def balances(request):
    """The accounts you act for: yours, your organisation's; a coordinator sees them all."""
    found = _accounts().filter(pk__in=access.accounts_acted_for(request.membership))
    return found.order_by("kind", "pk")


@router.get("/transfers", response={200: list[TransferOut], **ERRORS})
@paginate(Pages)
def transfers(request, account_id: int | None = None):
    """Every transfer into or out of an account (yours by default), newest first."""
    account = _account(request, account_id)
    if not access.can_act_for(request.membership, account):
        raise PermissionDenied("You can only see the transfers of accounts you act for.")
    return _transfers().filter(entries__account=account)


def _transfers():
    return (
        Transfer.objects.select_related("exchange")
        .prefetch_related(
            Prefetch(
                "entries",
                queryset=Entry.objects.select_related(
                    "account__membership__person", "account__organisation", "account__hub"
                ),
            )
        )
        .order_by("-created_at", "-pk")
    )


@router.get("/transfers/{transfer_id}", response={200: TransferOut, **ERRORS})
def transfer_detail(request, transfer_id: int):
    transfer = get_object_or_404(_transfers(), pk=transfer_id, hub=request.hub)
    if not access.can_see_transfer(request.membership, transfer):
        raise Http404("No such transfer.")
    return transfer


@router.post("/transfers/{transfer_id}/reverse", response={201: TransferOut, **ERRORS})
def transfer_reverse(request, transfer_id: int, data: ReasonIn, key: str | None = key_header()):
    """Coordinators correct a mistake: the same hours back the other way, with a reason.
    Nothing is deleted; a transfer is reversed once, and never past an empty chest. Send
    an `Idempotency-Key` to retry safely: the same key gives the first reversal again."""
    transfer = get_object_or_404(Transfer, pk=transfer_id, hub=request.hub)
    reversal = services.transfer_reverse(
        actor=request.user, transfer=transfer, reason=data.reason, key=key
    )
    return Status(201, _transfers().get(pk=reversal.pk))


@router.post("/chest/donations", response={201: TransferOut, **ERRORS})
def chest_donate(
    request,
    data: DonationIn,
    idempotency_key: str | None = key_header(),
):
    """Give hours to the hub's community chest. Send an Idempotency-Key to retry safely."""
    transfer = services.chest_donate(
        actor=request.user,
        account=_account(request, data.account_id),
        minutes=data.minutes,
        key=idempotency_key and f"api:{request.user.pk}:{idempotency_key}",
    )
    return Status(201, _transfers().get(pk=transfer.pk))


@router.post("/chest/grants", response={201: TransferOut, 202: WaitingOut, **ERRORS})
def chest_grant(
    request,
    data: GrantIn,
    idempotency_key: str | None = key_header(),
):
    """Coordinators: give a member hours from the community chest, with a reason. A grant
    to the coordinator's own account waits for a second coordinator: 202, nothing moved."""
    transfer = services.chest_grant(
        actor=request.user,
        account=_account(request, data.account_id),
        minutes=data.minutes,
        reason=data.reason,
        key=idempotency_key and f"api:{request.user.pk}:{idempotency_key}",
    )
    if not isinstance(transfer, Transfer):
        return Status(
            202,
            {
                "approval_id": transfer.pk,
                "status": transfer.status,
                "detail": "The hours are for you, so a second coordinator must approve them.",
            },
        )
    return Status(201, _transfers().get(pk=transfer.pk))


@router.get("/policy", response=PolicyOut)
def policy(request):
    """The hub's rules: lowest and highest balance, opening hours, days to auto-confirm."""
    return policy_for(request.hub)


@router.get("/totals", response=TotalsOut)
def totals(request):
    """Hours exchanged in the hub, and how many members gave, received, or both."""
    return selectors.hub_totals(request.hub)
