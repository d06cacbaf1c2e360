"""Email to people, sent after the transaction commits so a rolled-back change sends nothing."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from coproduce.siteurl import site_url


def unique_addresses(addresses) -> list[str]:
    """Each address once (ignoring case and spaces), in the order first given; no blanks."""
    seen, unique = set(), []
    for address in addresses:
        address = (address or "").strip()
        if address and address.lower() not in seen:
            seen.add(address.lower())
            unique.append(address)
    return unique


def email_after_commit(*, to: list[str], subject: str, template: str, context: dict) -> None:
    """Email about a change, sent once the change commits (never if it rolls back)."""
    message = _message(to=to, subject=subject, template=template, context=context)
    if message:
        transaction.on_commit(lambda: send_mail(*message))


def email_now(*, to: list[str], subject: str, template: str, context: dict) -> None:
    """Email that is not about a change (a sign-in link someone asked for): sent at once."""
    message = _message(to=to, subject=subject, template=template, context=context)
    if message:
        send_mail(*message)


def _message(*, to, subject, template, context) -> tuple | None:
    recipients = unique_addresses(to)
    if not recipients:
        return None
    # Rendered now, while the request (and so the address it came in on) is known.
    body = render_to_string(template, {"site_url": site_url(), **context})
    return subject, body, settings.DEFAULT_FROM_EMAIL, recipients
