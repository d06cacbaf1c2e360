"""Email to people, sent by a task after the transaction commits, so a rolled-back change
sends nothing and a failed send never turns a committed change into an error page."""

import logging

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

logger = logging.getLogger("coproduce.notify")


def one_line(subject: str) -> str:
    """A subject on one line: every run of whitespace (line breaks included) becomes one
    space, so a title with a line break can never raise BadHeaderError or add a header."""
    return " ".join(str(subject).split())


def email_after_commit(*, to: list[str], subject: str, template: str, context: dict) -> None:
    recipients = [address for address in to if address]
    if not recipients:
        return
    body = render_to_string(template, {"site_url": settings.SITE_URL, **context})
    subject = one_line(subject)

    def enqueue():
        from .tasks import send_email

        try:
            send_email.enqueue(subject=subject, body=body, recipients=recipients)
        except Exception:
            # The change is committed: whatever happens to its email, the person's page
            # must still say so. Log it for the operator instead.
            logger.exception(
                "Could not queue email %r to %d recipient(s)", subject, len(recipients)
            )

    transaction.on_commit(enqueue)
