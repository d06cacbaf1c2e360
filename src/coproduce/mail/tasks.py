"""Sending email, run by Django's task framework.

Neither `django.tasks` nor django-tasks-db retries a failed task, so the task counts its
own attempts: a failed send is logged and, when the backend can run a task later (the
database backend), enqueued again after a growing delay, up to `EMAIL_ATTEMPTS` attempts.
With the immediate backend (no deferred runs) a failed send is logged and dropped; it is
never raised into the request that caused it.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.utils import timezone

logger = logging.getLogger("coproduce.mail")


def retry_delay(attempt: int) -> timedelta:
    """How long to wait after failed attempt `attempt` (1, 2, ...): 1, 5, 25 minutes..."""
    base = getattr(settings, "EMAIL_RETRY_DELAY_SECONDS", 60)
    return timedelta(seconds=base * 5 ** (attempt - 1))


@task
def send_email(*, subject: str, body: str, recipients: list[str], attempt: int = 1) -> bool:
    """Send one email; True when it went. A failure is logged and retried later if the
    backend can defer, never raised."""
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception as error:
        attempts = getattr(settings, "EMAIL_ATTEMPTS", 4)
        backend = send_email.get_backend()
        if attempt < attempts and backend.supports_defer:
            delay = retry_delay(attempt)
            logger.warning(
                "Email %r to %d recipient(s) failed (attempt %d of %d: %s); retrying in %s",
                subject,
                len(recipients),
                attempt,
                attempts,
                error,
                delay,
            )
            try:
                send_email.using(run_after=timezone.now() + delay).enqueue(
                    subject=subject, body=body, recipients=recipients, attempt=attempt + 1
                )
            except Exception:
                logger.exception("Could not queue a retry of email %r", subject)
        else:
            logger.error(
                "Email %r to %d recipient(s) failed (attempt %d of %d: %s); giving up",
                subject,
                len(recipients),
                attempt,
                attempts,
                error,
            )
        return False
    return True
