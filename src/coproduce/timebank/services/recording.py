"""Recording help already given, without a listing: safe to retry with a key (the same
key and content give the first exchange; other content with the same key is refused)."""

import datetime
import hashlib
import json

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Hub, Person
from coproduce.idempotency import REUSED_FOR_PEOPLE, SAME_CONTENT_WINDOW, mark_replayed

from .. import access
from ..models import Account, Exchange, ExchangeStatus
from .exchanges import _exchange_create, _log_done


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
    key: str | None = None,
) -> Exchange:
    """Record help already given, without a listing. Either side, or a coordinator.

    With a `key`, a retry is safe: the same key and the same content return the first
    exchange; the same key with different content is refused."""
    membership = hub_access.membership_of(actor, hub)
    if not (access.can_act_for(membership, giver) or access.can_act_for(membership, receiver)):
        raise PermissionDenied("You can only record exchanges you took part in.")
    if not title.strip():
        raise ApplicationError("Say what the help was.", field="title")
    if key is not None and not 0 < len(key) <= 100:
        raise ApplicationError("The key must be 1 to 100 characters.", field="idempotency_key")
    print_ = _record_fingerprint(actor, giver, receiver, title, minutes, done_on, note)
    if key is not None:
        existing = Exchange.objects.filter(hub=hub, idempotency_key=key).first()
        if existing is not None:
            return _same_exchange_or_refuse(existing, print_)
        # The same help sent again lately with a new key (the form sent again after
        # going back, see coproduce/idempotency.py): the first exchange, not a second.
        lately = timezone.now() - SAME_CONTENT_WINDOW
        earlier = (
            Exchange.objects.filter(hub=hub, fingerprint=print_, created_at__gte=lately)
            .exclude(fingerprint="")
            .order_by("-created_at")
            .first()
        )
        if earlier is not None:
            return mark_replayed(earlier)

    def record():
        exchange = _exchange_create(
            actor=actor,
            hub=hub,
            title=title,
            note=note,
            giver=giver,
            receiver=receiver,
            status=ExchangeStatus.AGREED,
            key=key or "",
            fingerprint=print_ if key is not None else "",
        )
        return _log_done(actor, exchange, minutes, done_on)

    if key is None:
        return record()
    try:
        with transaction.atomic():  # a savepoint: a lost race undoes only this attempt
            return record()
    except IntegrityError:
        # Another request with the same key committed first; answer as it did.
        existing = Exchange.objects.filter(hub=hub, idempotency_key=key).first()
        if existing is None:
            raise
        return _same_exchange_or_refuse(existing, print_)


def _record_fingerprint(actor, giver, receiver, title, minutes, done_on, note) -> str:
    content = {
        "actor": actor.pk,
        "giver": giver.pk,
        "receiver": receiver.pk,
        "title": title.strip()[:120],
        "minutes": minutes,
        "done_on": done_on.isoformat() if done_on else None,
        "note": note,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _same_exchange_or_refuse(existing: Exchange, print_: str) -> Exchange:
    if existing.fingerprint != print_:
        raise ApplicationError(
            "This key was already used to record a different exchange. Send a new key "
            "(or open the form again) to record another one.",
            field="idempotency_key",
            status=409,
            for_people=REUSED_FOR_PEOPLE,
        )
    return mark_replayed(existing)
