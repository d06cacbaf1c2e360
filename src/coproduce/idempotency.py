"""Nothing saved twice: an action sent again with the same key gives the first result.

Every state-changing API call and form that records something takes a key: the API's
`Idempotency-Key` header, or a hidden field filled in when the form is shown. The same
key with the same content returns what the first request saved (marked
`already_saved`, so a page can say so); the same key with other content is refused
(409 in the API, an error on the form); no key, no protection.

Where keys live. The ledger keeps its own: every transfer must carry a key, so it is a
column of `Transfer` (unique per hub), and exchanges recorded without a listing have
one too (`Exchange.idempotency_key`). Everything else (referrals, reversals, group
exchanges, answers to listings and to offers, statements, flags, votes, turns on a rota)
shares one small table, `hubs.UsedKey`: (hub, owner, key) is unique, with a fingerprint
of what was sent and the identity of what it saved. One table rather than a column on each
model because several of these actions save more than one row (a referral and a new
person; several turns at once), some return a plain answer (how many votes changed),
and some make no row of their own (a reversal's transfer already has a fixed key).

How a race is settled. `once` runs inside the caller's transaction: it claims the key
by inserting its row first, in a savepoint, then does the work. A second request with
the same key waits on the unique index (PostgreSQL) or the write lock (SQLite takes it
at BEGIN) until the first commits, then finds the key taken and answers as the first
did. If the work fails, the claim rolls back with it, so a form corrected after an
error can be sent again with the same key.

Keys are scoped to a person (`owner`) in a hub: one person's key never meets another's.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.db import IntegrityError, models, transaction

from coproduce.errors import ApplicationError
from coproduce.hubs.models import Person, UsedKey

MAX_KEY_LENGTH = 100
REUSED = (
    "This was already sent once with different details. Nothing new was saved: to save "
    "something else, open the form again (or, in the API, send a new Idempotency-Key)."
)


class Replayed(int):
    """A plain answer (a count, or whether something is hidden) given again."""

    already_saved = True


def replayed(result: Any) -> bool:
    """Whether a service's result is the first request's, given again."""
    if isinstance(result, list):
        return bool(result) and all(replayed(item) for item in result)
    return getattr(result, "already_saved", False)


def mark_replayed(result):
    """Mark a result (a model instance, or a list of them) as given again."""
    for item in result if isinstance(result, list) else [result]:
        item.already_saved = True
    return result


def owner_of(person: Person | None, *, anonymous_key: str = "") -> str:
    if person is not None:
        return f"person:{person.pk}"
    if not anonymous_key:
        raise ValueError("A key belongs to a person or to an anonymous visitor's key.")
    return f"anonymous:{anonymous_key}"


def check_key(key: str | None) -> None:
    if key is not None and not 0 < len(key) <= MAX_KEY_LENGTH:
        raise ApplicationError(
            f"The key must be 1 to {MAX_KEY_LENGTH} characters.", field="idempotency_key"
        )


def fingerprint(kind: str, content: dict) -> str:
    def plain(value):
        if isinstance(value, models.Model):
            return f"{value._meta.label}:{value.pk}"
        return str(value)  # dates, times, Decimals, sets: as text

    text = json.dumps([kind, content], sort_keys=True, default=plain)
    return hashlib.sha256(text.encode()).hexdigest()


def once[T](
    *,
    hub_id: int,
    owner: str,
    key: str | None,
    kind: str,
    content: dict,
    action: Callable[[], T],
) -> T:
    """Run `action` once for this key. `kind` names the action and `content` is what
    was sent: together they decide whether a second request is the same one. `action`
    returns a model instance, a list of them, or a plain JSON value."""
    if key is None:
        return action()
    check_key(key)
    print_ = fingerprint(kind, content)
    with transaction.atomic():
        try:
            # A key is new far more often than it is sent again: claim it straight away
            # (no look first), and look only when the claim fails.
            with transaction.atomic():
                used = UsedKey.objects.create(
                    hub_id=hub_id, owner=owner, key=key, fingerprint=print_
                )
        except IntegrityError:
            # Sent before, or another request with this key committed first: answer as
            # it did.
            found = UsedKey.objects.filter(hub_id=hub_id, owner=owner, key=key).first()
            if found is None:
                raise
            return _replay(found, print_)
        result = action()
        used.result = _encode(result)
        used.save(update_fields=["result"])
        return result


def _encode(result) -> dict:
    if isinstance(result, models.Model):
        return {"model": result._meta.label, "pk": result.pk}
    if isinstance(result, list) and result and all(isinstance(r, models.Model) for r in result):
        return {"model": result[0]._meta.label, "pks": [r.pk for r in result]}
    json.dumps(result)  # a plain answer must be JSON (a TypeError here is a bug)
    return {"value": result}


def _replay(used: UsedKey, print_: str):
    if used.fingerprint != print_:
        raise ApplicationError(REUSED, field="idempotency_key", status=409)
    stored = used.result
    if "value" in stored:
        value = stored["value"]
        return Replayed(value) if isinstance(value, int) else value
    model = apps.get_model(stored["model"])
    pks = stored["pks"] if "pks" in stored else [stored["pk"]]
    found = model.objects.in_bulk(pks)
    if len(found) != len(set(pks)):
        raise ApplicationError(
            "What was saved with this key no longer exists.", field="idempotency_key", status=409
        )
    saved = mark_replayed([found[pk] for pk in pks])
    return saved if "pks" in stored else saved[0]
