"""The time bank: listings, exchanges, and the hour ledger.

Hours move only through the ledger (`services.post_transfer`): a transfer is a set of
entries in whole minutes that sums to zero. Entries are never changed or deleted; a
mistake is put right with a reversing transfer. Each account keeps its balance, updated
in the same transaction as its entries, so the balance always equals their sum.
The database enforces the same rules (see migrations/0002_ledger_rules.py).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from coproduce.hubs.models import (
    AVAILABILITY_CHOICES,
    Hub,
    Membership,
    Neighbourhood,
    Organisation,
    Person,
)

MINUTES_PER_HOUR = 60


def format_minutes(minutes: int) -> str:
    """90 -> '1 h 30 min', -45 -> '-45 min'."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), MINUTES_PER_HOUR)
    if hours and rest:
        return f"{sign}{hours} h {rest} min"
    if hours:
        return f"{sign}{hours} h"
    return f"{sign}{rest} min"


class TimebankPolicy(models.Model):
    """A hub's rules for hours. Limits apply to members' accounts."""

    hub = models.OneToOneField(Hub, on_delete=models.CASCADE, related_name="timebank_policy")
    floor_minutes = models.IntegerField(
        default=-10 * 60, help_text="Lowest balance a member may reach (negative: owing)."
    )
    ceiling_minutes = models.IntegerField(
        default=100 * 60, help_text="Highest balance a member may reach."
    )
    limits_are_hard = models.BooleanField(
        default=True,
        help_text="Hard limits refuse a transfer past them; soft limits allow it and flag it.",
    )
    opening_grant_minutes = models.PositiveIntegerField(
        default=0, help_text="Hours given to each member when their account opens."
    )
    auto_confirm_days = models.PositiveIntegerField(
        default=14,
        help_text="Days after hours are logged before they are confirmed without a reply.",
    )

    class Meta:
        verbose_name_plural = "time bank policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(floor_minutes__lte=0) & Q(ceiling_minutes__gte=0),
                name="policy_limits_around_zero",
            )
        ]

    def __str__(self):
        return f"Time bank rules for {self.hub}"


class Category(models.Model):
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(max_length=60)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"
        constraints = [models.UniqueConstraint(fields=["hub", "name"], name="category_unique_name")]

    def __str__(self):
        return self.name


class AccountKind(models.TextChoices):
    MEMBER = "member", "Member"
    ORGANISATION = "organisation", "Organisation"
    CHEST = "chest", "Community chest"
    HUB = "hub", "Hub (opening grants)"


class Account(models.Model):
    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="accounts")
    kind = models.CharField(max_length=12, choices=AccountKind.choices)
    membership = models.OneToOneField(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="account"
    )
    organisation = models.OneToOneField(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="account"
    )
    balance_minutes = models.BigIntegerField(default=0)
    opened_at = models.DateTimeField(default=timezone.now)
    # The time of the latest transfer with an entry on this account, kept by the ledger
    # with the balance so the balances page sorts and pages in the database.
    last_activity_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["hub", "balance_minutes"], name="account_hub_balance"),
            models.Index(fields=["hub", "last_activity_at"], name="account_hub_activity"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="member", membership__isnull=False, organisation__isnull=True)
                    | Q(kind="organisation", membership__isnull=True, organisation__isnull=False)
                    | Q(
                        kind__in=["chest", "hub"],
                        membership__isnull=True,
                        organisation__isnull=True,
                    )
                ),
                name="account_owner_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["hub", "kind"],
                condition=Q(kind__in=["chest", "hub"]),
                name="account_one_chest_and_hub_account_per_hub",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        if self.kind == AccountKind.MEMBER:
            return self.membership.person.display_name
        if self.kind == AccountKind.ORGANISATION:
            return self.organisation.name
        return f"{self.hub.name}: {self.get_kind_display().lower()}"

    @property
    def balance_display(self) -> str:
        return format_minutes(self.balance_minutes)


class TransferKind(models.TextChoices):
    EXCHANGE = "exchange", "Exchange"
    DONATION = "donation", "Donation to the community chest"
    GRANT = "grant", "Grant from the community chest"
    OPENING = "opening", "Opening grant"
    REVERSAL = "reversal", "Correction (reverses an earlier transfer)"
    RECOMPENSE = "recompense", "Time credits for taking part in running the service"


class Transfer(models.Model):
    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="transfers")
    kind = models.CharField(max_length=10, choices=TransferKind.choices)
    # The same key with the same content returns the first transfer; never a second one.
    idempotency_key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    memo = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    # Set once every entry is written; the database refuses to seal an unbalanced transfer
    # and refuses entries for a sealed one.
    sealed = models.BooleanField(default=False)
    # A soft limit was passed: allowed, but shown to coordinators.
    over_limit = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["hub", "idempotency_key"], name="transfer_unique_idempotency_key"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class Entry(models.Model):
    """One side of a transfer: `amount_minutes` (always positive) in or out of an account."""

    CREDIT, DEBIT = 1, -1

    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount_minutes = models.PositiveIntegerField()
    direction = models.SmallIntegerField(choices=[(CREDIT, "in"), (DEBIT, "out")])

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "entries"
        constraints = [
            models.CheckConstraint(condition=Q(amount_minutes__gt=0), name="entry_amount_positive"),
            models.CheckConstraint(
                condition=Q(direction__in=[1, -1]), name="entry_direction_valid"
            ),
            models.UniqueConstraint(
                fields=["transfer", "account"], name="entry_one_per_account_per_transfer"
            ),
        ]

    def __str__(self):
        return f"{format_minutes(self.signed_minutes)} {self.account}"

    @property
    def signed_minutes(self) -> int:
        return self.amount_minutes * self.direction

    @property
    def amount_display(self) -> str:
        return format_minutes(self.amount_minutes)

    def delete(self, *args, **kwargs):
        raise TypeError("Ledger entries are never deleted: post a reversing transfer.")


class ListingKind(models.TextChoices):
    OFFER = "offer", "Offer of help"
    REQUEST = "request", "Request for help"


class Listing(models.Model):
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="listings")
    kind = models.CharField(max_length=8, choices=ListingKind.choices)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="listings")
    title = models.CharField(max_length=120)
    description = models.TextField(max_length=2000, blank=True)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="listings"
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    postcode_district = models.CharField(max_length=4, blank=True)
    availability = models.JSONField(default=list, blank=True)
    needs_check = models.BooleanField(
        default=False,
        help_text="Home visits, children or vulnerable adults: only people with a valid "
        "safeguarding check can take it on.",
    )
    is_active = models.BooleanField(default=True)
    expires_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["hub", "kind", "is_active"], name="listing_browse"),
            # The newest open listings a page at a time, without sorting them all.
            models.Index(fields=["hub", "is_active", "-created_at"], name="listing_recent"),
        ]

    def __str__(self):
        return self.title

    def availability_labels(self) -> list[str]:
        labels = dict(AVAILABILITY_CHOICES)
        return [labels[slot] for slot in self.availability if slot in labels]

    def is_open(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.is_active and (self.expires_on is None or self.expires_on >= today)


class ExchangeStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    AGREED = "agreed", "Agreed"
    DONE = "done", "Done, waiting for confirmation"
    CONFIRMED = "confirmed", "Confirmed"
    DISPUTED = "disputed", "Disputed, with the coordinator"
    CANCELLED = "cancelled", "Cancelled"


class Exchange(models.Model):
    """Help given and received. One-to-one, or a group (parties on each side)."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="exchanges")
    listing = models.ForeignKey(
        Listing, null=True, blank=True, on_delete=models.SET_NULL, related_name="exchanges"
    )
    title = models.CharField(max_length=120)
    note = models.TextField(max_length=1000, blank=True)
    status = models.CharField(
        max_length=10, choices=ExchangeStatus.choices, default=ExchangeStatus.PROPOSED
    )
    is_group = models.BooleanField(default=False)
    proposed_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    done_on = models.DateField(null=True, blank=True)
    logged_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    logged_at = models.DateTimeField(null=True, blank=True)
    confirm_by = models.DateTimeField(
        null=True, blank=True, help_text="Confirmed automatically after this, if no reply."
    )
    confirmed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    dispute_reason = models.CharField(max_length=500, blank=True)
    transfer = models.OneToOneField(
        Transfer, null=True, blank=True, on_delete=models.PROTECT, related_name="exchange"
    )
    # Recording help already given may be retried (a lost answer, a form sent twice): the
    # same key with the same content returns this exchange, never a second one.
    idempotency_key = models.CharField(max_length=100, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["hub", "status"], name="exchange_hub_status"),
            # The same help recorded again lately with a new key (Back, then send again).
            models.Index(
                fields=["hub", "fingerprint", "created_at"],
                condition=~models.Q(fingerprint=""),
                name="exchange_same_content",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(transfer__isnull=False),
                name="exchange_confirmed_has_transfer",
            ),
            models.UniqueConstraint(
                fields=["hub", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="exchange_unique_idempotency_key",
            ),
        ]

    def __str__(self):
        return self.title

    def givers(self):
        return [p for p in self.parties.all() if p.side == ExchangeParty.GIVES]

    def receivers(self):
        return [p for p in self.parties.all() if p.side == ExchangeParty.RECEIVES]


class ExchangeMessage(models.Model):
    """A message between the sides of an exchange ("Flat 2, Oak Tower, on Saturday"),
    shown to both and to coordinators. The proposer's first note is `Exchange.note`."""

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        Person, null=True, on_delete=models.SET_NULL, related_name="exchange_messages"
    )
    text = models.TextField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Message from {self.author} on {self.exchange}"


class ExchangeParty(models.Model):
    GIVES, RECEIVES = "gives", "receives"

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="parties")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="parties")
    side = models.CharField(max_length=8, choices=[(GIVES, "gives"), (RECEIVES, "receives")])
    minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["exchange", "account"], name="party_once"),
            models.CheckConstraint(
                condition=Q(minutes__isnull=True) | Q(minutes__gt=0), name="party_minutes_positive"
            ),
        ]

    def __str__(self):
        return f"{self.account} {self.side}"

    @property
    def duration(self) -> str:
        """The time, in words: '1 h 30 min'."""
        return format_minutes(self.minutes or 0)


class ApprovalKind(models.TextChoices):
    GRANT = "grant", "Hours from the community chest to the coordinator who asked"
    SETTLE = "settle", "Confirming hours in an exchange the coordinator is part of"
    CANCEL = "cancel", "Cancelling logged hours in an exchange the coordinator is part of"


class ApprovalStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for a second coordinator"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "No longer needed"


class SecondApproval(models.Model):
    """Four eyes: a coordinator's grant to themselves, or their confirming of hours in an
    exchange they are part of, waits here for a second coordinator (or the hub's admin).
    Nothing moves in the ledger until someone else approves it."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="second_approvals")
    kind = models.CharField(max_length=8, choices=ApprovalKind.choices)
    status = models.CharField(
        max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.WAITING
    )
    requested_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    # A grant: to which account, how much, why, and the key the grant will be posted with.
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    minutes = models.PositiveIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    idempotency_key = models.CharField(max_length=100, blank=True)
    # Confirming or cancelling: which exchange.
    exchange = models.ForeignKey(
        Exchange, null=True, blank=True, on_delete=models.CASCADE, related_name="approvals"
    )
    decided_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    transfer = models.OneToOneField(
        Transfer, null=True, blank=True, on_delete=models.PROTECT, related_name="approval"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="grant", account__isnull=False, minutes__gt=0, exchange__isnull=True)
                    | Q(kind__in=["settle", "cancel"], exchange__isnull=False, account__isnull=True)
                ),
                name="approval_kind_has_its_fields",
            ),
            models.UniqueConstraint(
                fields=["exchange"],
                condition=Q(status="waiting"),
                name="approval_one_waiting_per_exchange",
            ),
            models.UniqueConstraint(
                fields=["hub", "idempotency_key"],
                condition=Q(kind="grant"),
                name="approval_unique_grant_key",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_status_display().lower()})"

    @property
    def is_waiting(self) -> bool:
        return self.status == ApprovalStatus.WAITING

    @property
    def minutes_display(self) -> str:
        return format_minutes(self.minutes or 0)


class HubTally(models.Model):
    """The hub's ledger counted as it is written: all time (`month` empty) and for each
    calendar month (its first day, in the site's time zone). Updated in the same
    transaction as every transfer, so the hub ledger page and the totals API read a row a
    month instead of summing the ledger; `coproduce ledger verify` recounts and compares.

    Exchanges and their hours count while not reversed, in the month of the exchange;
    members who gave, received or both are counted once each in a month (and all time);
    the chest's movements count in the month they happened, corrections included."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(null=True, blank=True)
    minutes_exchanged = models.BigIntegerField(default=0)
    exchanges = models.IntegerField(default=0)
    gave = models.IntegerField(default=0)
    received = models.IntegerField(default=0)
    both = models.IntegerField(default=0)
    chest_in = models.BigIntegerField(default=0)
    chest_out = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hub", "month"], name="hub_tally_once_a_month"),
            models.UniqueConstraint(
                fields=["hub"], condition=Q(month__isnull=True), name="hub_tally_once_all_time"
            ),
        ]

    def __str__(self):
        return f"{self.hub} {self.month or 'all time'}"


class AccountTally(models.Model):
    """How many exchanges (not reversed) a member's account gave or received in a month
    (or all time, `month` empty): what tells the hub's count of members who gave when an
    account's first exchange of the month is posted or its last one reversed."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(null=True, blank=True)
    gave = models.IntegerField(default=0)
    received = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "month"], name="account_tally_once_a_month"),
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(month__isnull=True),
                name="account_tally_once_all_time",
            ),
        ]

    def __str__(self):
        return f"{self.account_id} {self.month or 'all time'}"


class ExportKind(models.TextChoices):
    LEDGER = "ledger", "The whole ledger"
    BALANCES = "balances", "Every balance"
    AUDIT = "audit", "The audit log"


class ExportStatus(models.TextChoices):
    WAITING = "waiting", "Waiting to start"
    WRITING = "writing", "Being prepared"
    READY = "ready", "Ready to download"
    FAILED = "failed", "Could not be prepared"
    EXPIRED = "expired", "Deleted after its days were up"


class Export(models.Model):
    """A CSV whose size grows with the hub (the whole ledger, every balance, the audit
    log) a coordinator asked for, written by a task to private storage (EXPORT_ROOT) and
    downloaded only by them, through a link that cannot be guessed, until it expires
    (EXPORT_KEEP_DAYS). Also the record of who took the data away, and what they chose
    (`params`: the audit log's filter, the balances' order)."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=ExportKind.choices)
    requested_by = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=8, choices=ExportStatus.choices, default=ExportStatus.WAITING
    )
    token = models.CharField(max_length=64, unique=True)
    params = models.JSONField(default=dict, blank=True)
    rows = models.BigIntegerField(default=0)
    size_bytes = models.BigIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["hub", "kind", "requested_by"],
                condition=Q(status__in=["waiting", "writing"]),
                name="export_one_at_a_time",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_status_display().lower()})"

    @property
    def filename(self) -> str:
        stamp = timezone.localtime(self.requested_at).strftime("%Y-%m-%d")
        return f"{self.hub.slug}-{self.kind}-{stamp}.csv"

    @property
    def is_pending(self) -> bool:
        return self.status in (ExportStatus.WAITING, ExportStatus.WRITING)
