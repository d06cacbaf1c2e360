"""Listings (offers and requests for help) and their categories."""

from django.db import transaction
from django.urls import reverse

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access
from coproduce.hubs.models import Hub, Person
from coproduce.idempotency import SAME_CONTENT_WINDOW, once, owner_of
from coproduce.notify.models import Kind
from coproduce.notify.services import tell

from ..access import require_act_for
from ..models import Account, Category, Exchange, Listing, ListingKind
from .accounts import _on_behalf, _owner

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
def listing_create(
    *, actor: Person, account: Account, kind: str, title: str, key: str | None = None, **details
):
    """Offer help or ask for it. With a `key`, a form sent twice (or sent again after
    going back) saves one listing (coproduce/idempotency.py)."""
    return once(
        hub_id=account.hub_id,
        owner=owner_of(actor),
        key=key,
        kind="listing",
        content={"account": account.pk, "kind": kind, "title": title, **details},
        action=lambda: _create(actor, account, kind, title, details),
        same_content_within=SAME_CONTENT_WINDOW,
    )


def _create(actor: Person, account: Account, kind: str, title: str, details: dict) -> Listing:
    require_act_for(actor, account)
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
        event=AuditKind.LISTING_CREATED,
        subject=listing,
        new={"kind": kind, "title": listing.title},
    )
    return listing


@transaction.atomic
def listing_close(*, actor: Person, listing: Listing, helped_by: Exchange | None = None) -> Listing:
    """Close a listing; for a request, `helped_by` is the exchange that gave the help
    (closed from that exchange's page: the outcome is 'help given'). Closing one that is
    closed already (the form sent twice, two coordinators at once) changes nothing. Its
    owner is told when someone else (a coordinator) closed it."""
    require_act_for(actor, listing.account)
    locked = Listing.objects.select_for_update().get(pk=listing.pk)
    if helped_by is not None:
        if helped_by.listing_id != listing.pk or listing.kind != ListingKind.REQUEST:
            raise ApplicationError("This exchange did not answer that request.")
        if not locked.is_active:
            raise ApplicationError("This request is already closed.")
    listing.is_active = False
    if not locked.is_active:
        return listing
    listing.save(update_fields=["is_active"])
    helped = {"outcome": "helped", "exchange": helped_by.pk} if helped_by is not None else {}
    owner = _on_behalf(actor, listing.account)
    audit(
        hub=listing.hub,
        actor=actor,
        on_behalf_of=owner,
        event=AuditKind.LISTING_CLOSED,
        subject=listing,
        old={"is_active": True},
        new={"is_active": False, **helped},
    )
    if owner is not None:
        tell(
            [owner],
            actor=actor,
            kind=Kind.MESSAGE,
            hub=listing.hub,
            subject=f"Your listing was closed: {listing.title}",
            template="timebank/email/listing_closed.txt",
            context={"listing": listing, "actor": actor},
            url=reverse("listing-detail", args=[listing.hub.slug, listing.pk]),
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
    audit(
        hub=hub, actor=actor, event=AuditKind.CATEGORY_CREATED, subject=category, new={"name": name}
    )
    return category
