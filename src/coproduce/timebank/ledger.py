"""The hour ledger: the only code that moves hours.

`post_transfer` writes a balanced set of entries and the new balances in one
transaction, with accounts locked in a fixed order (row locks on PostgreSQL; SQLite's
immediate transactions already serialise writers). `verify` recomputes everything from
the entries and reports any disagreement.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, DateTimeField, F, Max, Q, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from coproduce.bulk import insert_rows
from coproduce.errors import ApplicationError
from coproduce.hubs.models import Hub, Person
from coproduce.idempotency import mark_replayed

from . import tallies
from .models import (
    Account,
    AccountKind,
    Entry,
    TimebankPolicy,
    Transfer,
    TransferKind,
    format_minutes,
)

# One exchange between two people above a day is almost certainly a typing mistake;
# a coordinator recording a group is the exception.
MAX_MINUTES_PER_LEG = 24 * 60
MAX_MINUTES_ANY_LEG = 10_000 * 60


@dataclass(frozen=True)
class Leg:
    """Minutes into (+) or out of (-) one account."""

    account: Account
    minutes: int


def policy_for(hub: Hub) -> TimebankPolicy:
    """The hub's rules, made with the hub; the defaults (unsaved) if it has none yet, so
    that reading them never writes."""
    return TimebankPolicy.objects.filter(hub=hub).first() or TimebankPolicy(hub=hub)


def fingerprint(kind: str, legs: Iterable[Leg], memo: str, reverses_id: int | None) -> str:
    content = {
        "kind": kind,
        "legs": sorted((leg.account.pk, leg.minutes) for leg in legs),
        "memo": memo,
        "reverses": reverses_id,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _validate_legs(hub: Hub, legs: list[Leg], max_leg: int) -> None:
    if len(legs) < 2:
        raise ApplicationError("A transfer needs an account paying and an account receiving.")
    seen = set()
    for leg in legs:
        if not isinstance(leg.minutes, int) or isinstance(leg.minutes, bool):
            raise ApplicationError("Hours must be whole minutes.", field="minutes")
        if leg.minutes == 0:
            raise ApplicationError("Enter a time above zero.", field="minutes")
        if abs(leg.minutes) > max_leg:
            raise ApplicationError(
                f"{abs(leg.minutes) // 60} hours is more than one transfer allows "
                f"({max_leg // 60} hours). Check the time entered.",
                field="minutes",
            )
        if leg.account.hub_id != hub.pk:
            raise ApplicationError("Hours can only move between accounts in the same hub.")
        if leg.account.pk in seen:
            raise ApplicationError("An account cannot pay itself.", field="account")
        seen.add(leg.account.pk)
    if sum(leg.minutes for leg in legs) != 0:
        raise ApplicationError("The hours paid and received must be equal.")


@dataclass
class _Breaches:
    """What a transfer would break: the chest's balance (never allowed) and members'
    limits (refused or flagged, as the hub decides)."""

    chest: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)

    @property
    def all(self) -> list[str]:
        return self.chest + self.members


def _limit_breaches(policy: TimebankPolicy, locked: dict[int, Account], legs) -> _Breaches:
    breaches = _Breaches()
    for leg in legs:
        account = locked[leg.account.pk]
        new_balance = account.balance_minutes + leg.minutes
        if account.kind == AccountKind.CHEST and leg.minutes < 0 and new_balance < 0:
            breaches.chest.append(
                f"The community chest has {account.balance_display}, not enough for this."
            )
        if account.kind != AccountKind.MEMBER:
            continue
        if leg.minutes < 0 and new_balance < policy.floor_minutes:
            breaches.members.append(
                f"{account.name} would go below the hub's lowest balance "
                f"({format_minutes(policy.floor_minutes)})."
            )
        if leg.minutes > 0 and new_balance > policy.ceiling_minutes:
            breaches.members.append(
                f"{account.name} would go above the hub's highest balance "
                f"({format_minutes(policy.ceiling_minutes)})."
            )
    return breaches


def _check_kind_and_key(kind: str, idempotency_key: str) -> None:
    if kind not in TransferKind.values:
        raise ApplicationError("Unknown kind of transfer.", field="kind")
    if not idempotency_key or len(idempotency_key) > 100:
        raise ApplicationError(
            "Each transfer needs a key of up to 100 characters.", field="idempotency_key"
        )


def post_transfer(
    *,
    hub: Hub,
    kind: str,
    legs: list[Leg],
    idempotency_key: str,
    memo: str = "",
    actor: Person | None = None,
    on_behalf_of: Person | None = None,
    reverses: Transfer | None = None,
    max_leg: int = MAX_MINUTES_PER_LEG,
    created_at=None,
) -> Transfer:
    """Move hours. Same key and same content: the first transfer, not a second one."""
    _check_kind_and_key(kind, idempotency_key)
    _validate_legs(hub, legs, max_leg)
    print_ = fingerprint(kind, legs, memo, reverses.pk if reverses else None)
    try:
        with transaction.atomic():
            return _post(
                hub,
                kind,
                legs,
                idempotency_key,
                print_,
                memo,
                actor,
                on_behalf_of,
                reverses,
                created_at,
            )
    except IntegrityError:
        # Another request with the same key won the race; answer as it did.
        existing = Transfer.objects.filter(hub=hub, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return _same_or_refuse(existing, print_)


def _same_or_refuse(existing: Transfer, print_: str) -> Transfer:
    if existing.fingerprint != print_:
        raise ApplicationError(
            "This key was already used for a different transfer.",
            field="idempotency_key",
            status=409,
        )
    return mark_replayed(existing)


def _latest(moment):
    """An account's kept last activity after a transfer at `moment` (an import may post
    a transfer older than the account's latest)."""
    value = Value(moment, output_field=DateTimeField())
    return Greatest(Coalesce("last_activity_at", value), value)


def _post(
    hub, kind, legs, key, print_, memo, actor, on_behalf_of, reverses, created_at=None
) -> Transfer:
    existing = Transfer.objects.filter(hub=hub, idempotency_key=key).first()
    if existing:
        return _same_or_refuse(existing, print_)
    ids = sorted(leg.account.pk for leg in legs)
    locked = {
        a.pk: a for a in Account.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }
    # A correction must always be possible past members' limits, but the community chest
    # can never give hours it does not hold.
    policy = policy_for(hub)
    breaches = _limit_breaches(policy, locked, legs)
    if kind == TransferKind.REVERSAL:
        breaches.members = []
    if breaches.chest or (breaches.members and policy.limits_are_hard):
        raise ApplicationError(" ".join(breaches.all), details={"breaches": breaches.all})
    over_limit = bool(breaches.members)
    transfer = Transfer.objects.create(
        hub=hub,
        kind=kind,
        idempotency_key=key,
        fingerprint=print_,
        memo=memo,
        created_by=actor,
        on_behalf_of=on_behalf_of,
        reverses=reverses,
        over_limit=over_limit,
        # Only imports of earlier records (and the demo's history) pass a time.
        created_at=created_at or timezone.now(),
    )
    Entry.objects.bulk_create(
        Entry(
            transfer=transfer,
            account_id=leg.account.pk,
            amount_minutes=abs(leg.minutes),
            direction=Entry.CREDIT if leg.minutes > 0 else Entry.DEBIT,
        )
        for leg in legs
    )
    for leg in legs:
        Account.objects.filter(pk=leg.account.pk).update(
            balance_minutes=F("balance_minutes") + leg.minutes,
            last_activity_at=_latest(transfer.created_at),
        )
        leg.account.balance_minutes = locked[leg.account.pk].balance_minutes + leg.minutes
    tallies.record(
        hub.pk,
        [
            tallies.Posting(
                kind,
                transfer.created_at,
                [(leg.account.pk, locked[leg.account.pk].kind, leg.minutes) for leg in legs],
                (reverses.kind, reverses.created_at) if reverses else None,
            )
        ],
    )
    transfer.sealed = True
    transfer.save(update_fields=["sealed"])
    return transfer


@dataclass(frozen=True)
class NewTransfer:
    """One transfer of a batch for `post_transfers`."""

    kind: str
    legs: list[Leg]
    idempotency_key: str
    memo: str = ""
    on_behalf_of: Person | None = None
    created_at: object = None
    max_leg: int = MAX_MINUTES_PER_LEG


def post_transfers(
    *, hub: Hub, transfers: list[NewTransfer], actor: Person | None = None
) -> list[int]:
    """Move hours for many transfers at once, all or none (imports of paper time sheets,
    a partner's system catching up). The same rules as `post_transfer`, checked in order as
    if each were posted alone; a problem is reported by its position, counting from 1.
    The rows are written in bulk, so a batch costs a handful of queries, not a few per
    transfer. Returns the new transfers' ids, in order."""
    if not transfers:
        return []
    keys = set()
    prints = []
    for number, new in enumerate(transfers, start=1):
        try:
            if new.kind == TransferKind.REVERSAL:  # reversals go one at a time, linked
                raise ApplicationError("Unknown kind of transfer.", field="kind")
            _check_kind_and_key(new.kind, new.idempotency_key)
            if new.idempotency_key in keys:
                raise ApplicationError("This key appears twice.", field="idempotency_key")
            _validate_legs(hub, new.legs, new.max_leg)
        except ApplicationError as error:
            raise ApplicationError(
                f"Transfer {number}: {error.message}",
                field=error.field,
                details={"at": number, "reason": error.message},
            ) from error
        keys.add(new.idempotency_key)
        prints.append(fingerprint(new.kind, new.legs, new.memo, None))
    try:
        with transaction.atomic():
            _refuse_used_keys(hub, transfers)
            return _post_many(hub, transfers, prints, actor)
    except IntegrityError:
        # Another batch with some of the same keys committed first.
        _refuse_used_keys(hub, transfers)
        raise


def _refuse_used_keys(hub: Hub, transfers: list[NewTransfer]) -> None:
    keys = [new.idempotency_key for new in transfers]
    used = set(
        Transfer.objects.filter(hub=hub, idempotency_key__in=keys).values_list(
            "idempotency_key", flat=True
        )
    )
    if used:
        number = next(n for n, key in enumerate(keys, start=1) if key in used)
        raise ApplicationError(
            f"Transfer {number}: this was already recorded.",
            field="idempotency_key",
            details={"at": number, "reason": "This was already recorded."},
        )


def _post_many(hub, transfers, prints, actor) -> list[int]:
    account_ids = sorted({leg.account.pk for new in transfers for leg in new.legs})
    locked = {
        a.pk: a
        for a in Account.objects.select_for_update().filter(pk__in=account_ids).order_by("pk")
    }
    policy = policy_for(hub)
    over_limit = []
    for number, new in enumerate(transfers, start=1):
        breaches = _limit_breaches(policy, locked, new.legs)
        if breaches.chest or (breaches.members and policy.limits_are_hard):
            reason = " ".join(breaches.all)
            raise ApplicationError(
                f"Transfer {number}: {reason}",
                details={"at": number, "reason": reason, "breaches": breaches.all},
            )
        over_limit.append(bool(breaches.members))
        for leg in new.legs:
            locked[leg.account.pk].balance_minutes += leg.minutes
    now = timezone.now()
    ids = insert_rows(
        Transfer,
        [
            {
                "hub_id": hub.pk,
                "kind": new.kind,
                "idempotency_key": new.idempotency_key,
                "fingerprint": print_,
                "memo": new.memo,
                "created_by_id": actor.pk if actor else None,
                "on_behalf_of_id": new.on_behalf_of.pk if new.on_behalf_of else None,
                "over_limit": flag,
                "created_at": new.created_at or now,
            }
            for new, print_, flag in zip(transfers, prints, over_limit, strict=True)
        ],
        returning_ids=True,
    )
    insert_rows(
        Entry,
        [
            {
                "transfer_id": transfer_id,
                "account_id": leg.account.pk,
                "amount_minutes": abs(leg.minutes),
                "direction": Entry.CREDIT if leg.minutes > 0 else Entry.DEBIT,
            }
            for transfer_id, new in zip(ids, transfers, strict=True)
            for leg in new.legs
        ],
    )
    deltas: dict[int, int] = {}
    latest: dict[int, object] = {}
    for new in transfers:
        for leg in new.legs:
            pk = leg.account.pk
            deltas[pk] = deltas.get(pk, 0) + leg.minutes
            moment = new.created_at or now
            latest[pk] = max(latest.get(pk, moment), moment)
    for pk, delta in deltas.items():
        Account.objects.filter(pk=pk).update(
            balance_minutes=F("balance_minutes") + delta, last_activity_at=_latest(latest[pk])
        )
    tallies.record(
        hub.pk,
        [
            tallies.Posting(
                new.kind,
                new.created_at or now,
                [(leg.account.pk, locked[leg.account.pk].kind, leg.minutes) for leg in new.legs],
            )
            for new in transfers
        ],
    )
    Transfer.objects.filter(pk__in=ids).update(sealed=True)
    for new in transfers:
        for leg in new.legs:
            leg.account.balance_minutes = locked[leg.account.pk].balance_minutes
    return ids


def reverse_transfer(*, transfer: Transfer, actor: Person | None, reason: str) -> Transfer:
    """Put a mistake right: the same entries the other way round, linked to the original."""
    if transfer.kind == TransferKind.REVERSAL:
        raise ApplicationError("A correction cannot itself be reversed; post a new transfer.")
    if Transfer.objects.filter(reverses=transfer).exists():
        raise ApplicationError("This transfer has already been reversed.")
    if not reason.strip():
        raise ApplicationError("Say why the transfer is being reversed.", field="reason")
    legs = [
        Leg(entry.account, -entry.signed_minutes)
        for entry in transfer.entries.select_related("account")
    ]
    return post_transfer(
        hub=transfer.hub,
        kind=TransferKind.REVERSAL,
        legs=legs,
        idempotency_key=f"reversal:{transfer.pk}",
        memo=reason.strip()[:300],
        actor=actor,
        reverses=transfer,
        max_leg=MAX_MINUTES_ANY_LEG,
    )


# --- verification -------------------------------------------------------------------


@dataclass
class VerifyReport:
    accounts: int = 0
    transfers: int = 0
    entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(hub: Hub | None = None) -> VerifyReport:
    """Recompute every balance and every transfer's sum from the entries, in the database,
    and every kept count (hours exchanged, members who gave...) of each hub's ledger."""
    report = VerifyReport()
    entries = Entry.objects.all()
    transfers = Transfer.objects.all()
    accounts = Account.objects.all()
    if hub is not None:
        entries = entries.filter(transfer__hub=hub)
        transfers = transfers.filter(hub=hub)
        accounts = accounts.filter(hub=hub)
    report.entries = entries.count()
    report.accounts = accounts.count()
    report.transfers = transfers.count()
    signed = F("amount_minutes") * F("direction")
    for row in (
        transfers.annotate(total=Sum(signed_entry("entries")), count=Count("entries"))
        .filter(Q(total__isnull=True) | ~Q(total=0) | Q(count__lt=2) | Q(sealed=False))
        .values("pk", "total", "count", "sealed")[:100]
    ):
        report.problems.append(
            f"Transfer {row['pk']}: entries sum to {row['total'] or 0} minutes over "
            f"{row['count']} entries{'' if row['sealed'] else ', not sealed'}."
        )
    sums = dict(
        entries.values("account").annotate(total=Sum(signed)).values_list("account", "total")
    )
    for pk, balance in accounts.values_list("pk", "balance_minutes").iterator(chunk_size=5000):
        expected = sums.get(pk) or 0
        if balance != expected:
            report.problems.append(
                f"Account {pk}: balance {balance} minutes, but its entries sum to {expected}."
            )
    latest = dict(
        entries.values("account")
        .annotate(at=Max("transfer__created_at"))
        .values_list("account", "at")
    )
    for pk, at in accounts.values_list("pk", "last_activity_at").iterator(chunk_size=5000):
        if at != latest.get(pk):
            report.problems.append(
                f"Account {pk}: last activity kept as {at}, but its latest entry is "
                f"from {latest.get(pk)}."
            )
    cross = entries.exclude(account__hub=F("transfer__hub")).count()
    if cross:
        report.problems.append(f"{cross} entries move hours between different hubs.")
    for checked in [hub] if hub is not None else Hub.objects.order_by("pk"):
        report.problems.extend(tallies.check(checked))
    return report


def signed_entry(prefix: str):
    return F(f"{prefix}__amount_minutes") * F(f"{prefix}__direction")
