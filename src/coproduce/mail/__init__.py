"""Email to addresses, sent by a task after the transaction commits, so a rolled-back change
sends nothing and a failed send never turns a committed change into an error page."""

import logging

from django.db import transaction
from django.template import Context
from django.template.loader import get_template

from coproduce.siteurl import site_url

logger = logging.getLogger("coproduce.mail")


def unique_addresses(addresses) -> list[str]:
    """Each address once (ignoring case and spaces), in the order first given; no blanks."""
    seen, unique = set(), []
    for address in addresses:
        address = (address or "").strip()
        if address and address.lower() not in seen:
            seen.add(address.lower())
            unique.append(address)
    return unique


def one_line(subject: str) -> str:
    """A subject on one line: every run of whitespace (line breaks included) becomes one
    space, so a title with a line break can never raise BadHeaderError or add a header."""
    return " ".join(str(subject).split())


def email_after_commit(*, to: list[str], subject: str, template: str, context: dict) -> None:
    """Email about a change, queued once the change commits (never if it rolls back)."""
    message = _message(to=to, subject=subject, template=template, context=context)
    if message:
        transaction.on_commit(lambda: _enqueue(*message))


def send_after_commit(*, to: list[str], subject: str, body: str) -> None:
    """Email a body already written (a notification's), once the change commits."""
    recipients = unique_addresses(to)
    if recipients:
        message = (one_line(subject), body, recipients)
        transaction.on_commit(lambda: _enqueue(*message))


def render_text(template: str, context: dict) -> str:
    """A plain-text email body. Text is not HTML: a title with "&" or quotes must arrive
    as written, so nothing is escaped."""
    compiled = get_template(template).template
    return compiled.render(Context({"site_url": site_url(), **context}, autoescape=False))


def email_now(*, to: list[str], subject: str, template: str, context: dict) -> None:
    """Email that is not about a change (a sign-in link someone asked for): queued at once."""
    message = _message(to=to, subject=subject, template=template, context=context)
    if message:
        _enqueue(*message)


def _message(*, to, subject, template, context) -> tuple | None:
    recipients = unique_addresses(to)
    if not recipients:
        return None
    # Rendered now, while the request (and so the address it came in on) is known.
    body = render_text(template, context)
    return one_line(subject), body, recipients


def _enqueue(subject: str, body: str, recipients: list[str]) -> None:
    from .tasks import send_email

    try:
        send_email.enqueue(subject=subject, body=body, recipients=recipients)
    except Exception:
        # Whatever happens to its email, the person's page must still say the change was
        # made. Log it for the operator instead.
        logger.exception("Could not queue email %r to %d recipient(s)", subject, len(recipients))
