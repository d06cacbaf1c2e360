"""Messages on an exchange: the two sides (and coordinators) arrange the help there. The
other side is emailed; someone not online is reached through the coordinators."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs import selectors as hub_selectors
from coproduce.hubs.models import Person
from coproduce.notify import email_after_commit

from .. import access
from ..models import AccountKind, Exchange, ExchangeMessage

MESSAGE_MAX_LENGTH = 2000


def tell_other_side(*, actor: Person, exchange: Exchange, subject: str, text: str) -> None:
    """Email what `actor` said to the people on the other side of the exchange; for a
    member who is not online (no email), the coordinators, who pass it on."""
    membership = hub_access.membership_of(actor, exchange.hub)
    others = [a for a in access.party_accounts(exchange) if not access.holds(membership, a)]
    people = [a.membership.person for a in others if a.kind == AccountKind.MEMBER]
    to = [person.email for person in people if person.email]
    offline = [person for person in people if not person.email]
    if offline:
        to += hub_selectors.coordinator_emails(exchange.hub)
    email_after_commit(
        to=to,
        subject=subject,
        template="timebank/email/message.txt",
        context={"exchange": exchange, "actor": actor, "text": text, "offline": offline},
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
