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

Back, then send again. A form's key is new each time the form is shown, and a browser
that goes Back (without a back-forward cache, as many phones behave) fetches the form
again, so it gets a new key, while the browser fills the visible fields in again as they
were. Sent again, it arrives with the same content and a new key. For actions that make
something new (a referral, a person, a listing, a statement...), the caller opts in with
`same_content_within=SAME_CONTENT_WINDOW`: the same owner sending the same kind with
the same content (the same fingerprint) in that hub within the window, with any key, is
answered as the first was (marked `already_saved`), and nothing is saved twice. It is
opt-in because for other actions a repeat is legitimate (an answer, a turn taken again
after leaving it). The look-up uses the index `used_key_same_content`. Two such requests
at the very same moment with different keys are not held back (at worst, as before).

Choices that set something (a vote: "my vote on this statement is ..."). Going back and
choosing otherwise sends the same key with other content: that is a change of mind, not
a mistake. With `latest_wins=True` the action runs again and the key remembers the new
content and result; the same content again is still given back as before.

The refusal (same key, other content) speaks to API clients in `message` (409) and to
people on a page in `for_people` (see `ApplicationError.add_to_form`).
"""

import datetime
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from coproduce.errors import ApplicationError
from coproduce.hubs.models import Person, UsedKey

MAX_KEY_LENGTH = 100
REUSED = (
    "This was already sent once with different details. Nothing new was saved: to save "
    "something else, open the form again (or, in the API, send a new Idempotency-Key)."
)
# The same refusal, as a page shows it to a person.
# A form refused so is shown again with a new key (ApplicationError.add_to_form), so
# sending it again saves what it says; a button's page is fetched again, with a new key.
REUSED_FOR_PEOPLE = (
    "This form was already sent once with different details, so what it says now has "
    "not been saved yet. Check it and send it again to save it."
)
# How long the same content sent again with a new key counts as the same request (Back,
# then send again): long enough to go back and press the button, short enough that doing
# the same thing again later on purpose is not taken for a repeat.
SAME_CONTENT_WINDOW = datetime.timedelta(minutes=15)


def reused_error() -> ApplicationError:
    return ApplicationError(
        REUSED, field="idempotency_key", status=409, for_people=REUSED_FOR_PEOPLE
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
    same_content_within: datetime.timedelta | None = None,
    latest_wins: bool = False,
) -> T:
    """Run `action` once for this key. `kind` names the action and `content` is what
    was sent: together they decide whether a second request is the same one. `action`
    returns a model instance, a list of them, or a plain JSON value.

    `same_content_within`: the same content sent by the same owner within this time,
    with another key, is given the first result too (for actions that make something
    new). `latest_wins`: the same key with other content runs `action` again and keeps
    its result (for choices that set something, like a vote)."""
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
            return _again(found, print_, action, latest_wins)
        if same_content_within is not None:
            earlier = _same_content(hub_id, owner, print_, same_content_within, used.pk)
            if earlier is not None:
                # This key, too, answers with what was saved before.
                used.result = _encode(earlier)
                used.save(update_fields=["result"])
                return earlier
        result = action()
        used.result = _encode(result)
        used.save(update_fields=["result"])
        return result


def _again(found: UsedKey, print_: str, action, latest_wins: bool):
    """The key was used: give its result back, or (a change of mind) run it again."""
    if found.fingerprint == print_ or not latest_wins:
        return _replay(found, print_)
    # Locked, so two changes with one key are made one after the other.
    found = UsedKey.objects.select_for_update().get(pk=found.pk)
    if found.fingerprint == print_:
        return _replay(found, print_)
    result = action()
    found.fingerprint = print_
    found.result = _encode(result)
    found.save(update_fields=["fingerprint", "result"])
    return result


def _same_content(hub_id: int, owner: str, print_: str, within: datetime.timedelta, claimed: int):
    """The result of the same content sent lately with another key (not the one just
    `claimed`), or None (also when what it saved is gone: then it may be saved again)."""
    earlier = (
        UsedKey.objects.filter(
            hub_id=hub_id,
            owner=owner,
            fingerprint=print_,
            created_at__gte=timezone.now() - within,
        )
        .exclude(pk=claimed)
        .order_by("-created_at")
        .first()
    )
    if earlier is None or not earlier.result:
        return None
    try:
        return _replay(earlier, print_)
    except ApplicationError:
        return None


def _encode(result) -> dict:
    if isinstance(result, models.Model):
        return {"model": result._meta.label, "pk": result.pk}
    if isinstance(result, list) and result and all(isinstance(r, models.Model) for r in result):
        return {"model": result[0]._meta.label, "pks": [r.pk for r in result]}
    json.dumps(result)  # a plain answer must be JSON (a TypeError here is a bug)
    return {"value": result}


def _replay(used: UsedKey, print_: str):
    if used.fingerprint != print_:
        raise reused_error()
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
