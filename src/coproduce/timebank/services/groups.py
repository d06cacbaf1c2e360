"""Group exchanges: one giver to many (a class), or many givers to an organisation."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access
from coproduce.hubs.models import Hub, Person
from coproduce.idempotency import SAME_CONTENT_WINDOW, once, owner_of

from .. import access as rights
from ..models import Account, AccountKind, Exchange, ExchangeParty, ExchangeStatus
from .exchanges import _settle


def group_payer_accounts(actor: Person, hub: Hub):
    """The organisation accounts `actor` may pay a group from: any for a coordinator,
    their own organisation's for staff."""
    membership = access.require_member(actor, hub)
    if not rights.may_pay_for_groups(membership):
        raise PermissionDenied("Coordinators, or staff of an organisation, record groups.")
    accounts = Account.objects.filter(hub=hub, kind=AccountKind.ORGANISATION)
    allowed = [a.pk for a in accounts if rights.can_record_group(membership, [a])]
    return accounts.filter(pk__in=allowed).select_related("organisation")


@transaction.atomic
def exchange_record_group(
    *,
    actor: Person,
    hub: Hub,
    title: str,
    givers: list[tuple[Account, int]],
    receivers: list[tuple[Account, int]],
    done_on: datetime.date | None = None,
    key: str | None = None,
) -> Exchange:
    """A coordinator (or staff of the paying organisation) records a group exchange.

    One giver to many receivers (a class), or many givers to an organisation (a workshop).
    Minutes per party; the two sides must be equal. Confirmed at once: the recorder vouches.
    With a `key`, sent again it gives the first exchange (see coproduce/idempotency.py).
    """
    return once(
        hub_id=hub.pk,
        owner=owner_of(actor),
        key=key,
        kind="group-exchange",
        content={
            "title": title.strip(),
            "givers": [(a.pk, m) for a, m in givers],
            "receivers": [(a.pk, m) for a, m in receivers],
            "done_on": done_on,
        },
        action=lambda: _record_group(actor, hub, title, givers, receivers, done_on),
        same_content_within=SAME_CONTENT_WINDOW,
    )


def _record_group(actor, hub, title, givers, receivers, done_on) -> Exchange:
    membership = access.require_member(actor, hub)
    accounts = [a for a, _ in givers + receivers]
    organisation_sides = [a for a in accounts if a.kind == AccountKind.ORGANISATION]
    if not rights.can_record_group(membership, organisation_sides):
        raise PermissionDenied("A coordinator, or staff of the organisation, records groups.")
    if not givers or not receivers:
        raise ApplicationError("A group exchange needs people giving and receiving.")
    if not title.strip():
        raise ApplicationError("Say what the group did.", field="title")
    if len({a.pk for a in accounts}) != len(accounts):
        raise ApplicationError("Each account can appear once.", field="receivers")
    for _, minutes in givers + receivers:
        if not isinstance(minutes, int) or minutes <= 0:
            raise ApplicationError("Each person's time must be above zero.", field="minutes")
    exchange = Exchange.objects.create(
        hub=hub,
        title=title.strip()[:120],
        proposed_by=actor,
        is_group=True,
        status=ExchangeStatus.DONE,
        logged_by=actor,
        logged_at=timezone.now(),
        done_on=done_on or timezone.localdate(),
    )
    ExchangeParty.objects.bulk_create(
        [
            ExchangeParty(exchange=exchange, account=a, side=ExchangeParty.GIVES, minutes=m)
            for a, m in givers
        ]
        + [
            ExchangeParty(exchange=exchange, account=a, side=ExchangeParty.RECEIVES, minutes=m)
            for a, m in receivers
        ]
    )
    audit(
        hub=hub,
        actor=actor,
        event=AuditKind.GROUP_EXCHANGE_RECORDED,
        subject=exchange,
        new={"givers": len(givers), "receivers": len(receivers)},
    )
    return _settle(exchange, actor)
