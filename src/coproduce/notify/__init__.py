"""Email to people, sent after the transaction commits so a rolled-back change sends nothing."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string


def email_after_commit(*, to: list[str], subject: str, template: str, context: dict) -> None:
    recipients = [address for address in to if address]
    if not recipients:
        return
    body = render_to_string(template, {"site_url": settings.SITE_URL, **context})

    def send():
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)

    transaction.on_commit(send)
