"""Messages on an exchange: the two sides (and coordinators) arrange the help there. The
other side is told (notify); someone not online is reached through the coordinators."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Person
from coproduce.notify.models import Kind
from coproduce.notify.services import coordinators_of, tell

from .. import access
from ..models import AccountKind, Exchange, ExchangeMessage, format_minutes

MESSAGE_MAX_LENGTH = 2000


def other_side(actor: Person, exchange: Exchange) -> list[Person]:
    """The people on the exchange's side(s) that `actor` does not hold."""
    membership = hub_access.membership_of(actor, exchange.hub)
    others = [a for a in access.party_accounts(exchange) if not access.holds(membership, a)]
    return [a.membership.person for a in others if a.kind == AccountKind.MEMBER]


def tell_other_side(*, actor: Person, exchange: Exchange, subject: str, text: str) -> None:
    """Tell the other side what `actor` said (someone not online hears through the
    coordinators: notify.services.tell)."""
    tell(
        other_side(actor, exchange),
        actor=actor,
        kind=Kind.MESSAGE,
        hub=exchange.hub,
        subject=subject,
        template="timebank/email/message.txt",
        context={"exchange": exchange, "actor": actor, "text": text},
        url=_page(exchange),
    )


def ask_to_confirm(*, actor: Person, exchange: Exchange, minutes: int) -> None:
    """Hours are logged: the other side is asked to confirm them."""
    tell(
        other_side(actor, exchange),
        actor=actor,
        kind=Kind.CONFIRM,
        hub=exchange.hub,
        subject=f"Please confirm {format_minutes(minutes)}: {exchange.title}",
        template="timebank/email/confirm.txt",
        context={"exchange": exchange, "minutes": format_minutes(minutes), "actor": actor},
        url=_page(exchange),
    )


def tell_coordinators_of_dispute(*, actor: Person, exchange: Exchange) -> None:
    tell(
        coordinators_of(exchange.hub),
        actor=actor,
        kind=Kind.DISPUTE,
        hub=exchange.hub,
        subject=f"Exchange disputed: {exchange.title}",
        template="timebank/email/disputed.txt",
        context={"exchange": exchange, "actor": actor},
        url=_page(exchange),
    )


def _page(exchange: Exchange) -> str:
    return reverse("exchange-detail", args=[exchange.hub.slug, exchange.pk])


def tell_of_change(*, actor: Person | None, exchange: Exchange, what: str) -> None:
    """Tell both sides (but whoever did it) that the exchange changed: "agreed" etc."""
    tell(
        [
            a.membership.person
            for a in access.party_accounts(exchange)
            if a.kind == AccountKind.MEMBER
        ],
        actor=actor,
        kind=Kind.EXCHANGE,
        hub=exchange.hub,
        subject=f"{exchange.title}: {what}",
        template="timebank/email/exchange_news.txt",
        context={"exchange": exchange, "actor": actor, "what": what},
        url=_page(exchange),
    )


@transaction.atomic
def exchange_message_send(*, actor: Person, exchange: Exchange, text: str) -> ExchangeMessage:
    exchange = Exchange.objects.select_related("hub").get(pk=exchange.pk)
    rights = access.rights_on_exchange(actor, exchange)
    if not rights.see:
        raise PermissionDenied("Only the people in this exchange can write on it.")
    if not rights.message:
        raise ApplicationError("This exchange is cancelled.")
    text = (text or "").strip()
    if not text:
        raise ApplicationError("Write your message.", field="text")
    if len(text) > MESSAGE_MAX_LENGTH:
        raise ApplicationError(
            f"Keep it to {MESSAGE_MAX_LENGTH} characters ({len(text)} now).", field="text"
        )
    message = ExchangeMessage.objects.create(exchange=exchange, author=actor, text=text)
    audit(
        hub=exchange.hub,
        actor=actor,
        event=AuditKind.EXCHANGE_MESSAGE_SENT,
        subject=exchange,
        new={"title": exchange.title},
    )
    tell_other_side(
        actor=actor, exchange=exchange, subject=f"A message about {exchange.title}", text=text
    )
    return message
