"""The emailed link with which someone who reported a problem without an account says
whether it was fixed.

The link carries a signed token (django.core.signing, with a salt of its own, so no other
signed value of the site can stand in for it) naming the report and the closing it was
sent for (`Report.closing`). It lasts `REPORT_ANSWER_LINK_DAYS` (60 by default); nothing
is stored, so there is nothing to clean up. A token that was changed, cut short or made
with another key is refused; one past its age is refused as expired; and one for an
earlier closing (the report was reopened since) is refused by `access.answers_by_link`.
"""

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from .models import Report

SALT = "coproduce.pledges.answer-link"


class Refused(Exception):
    """A link that cannot be used, with the words to say so and the status to answer."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message = message
        self.status = status


def lifetime() -> datetime.timedelta:
    return datetime.timedelta(days=getattr(settings, "REPORT_ANSWER_LINK_DAYS", 60))


def token_for(report: Report) -> str:
    """A token for the report's current closing (the report must be closed)."""
    if report.closing is None:
        raise ValueError("An answer link is made for a closed report.")
    return signing.dumps({"report": report.pk, "closing": report.closing}, salt=SALT)


def make(report: Report) -> str:
    """The answer page's path, for the report's current closing."""
    return reverse("report-answer-link", args=[report.hub.slug, report.pk, token_for(report)])


def expires(now: datetime.datetime | None = None) -> datetime.datetime:
    """When a link made now stops working."""
    return (now or timezone.now()) + lifetime()


def read(token: str, report: Report) -> int:
    """The closing a token was made for, if it is one the site made for this report and it
    has not expired; Refused otherwise."""
    try:
        found = signing.loads(token, salt=SALT, max_age=lifetime())
    except signing.SignatureExpired:
        days = lifetime().days
        raise Refused(
            f"This link has expired: a link to answer lasts {days} days. If the problem is "
            "still there, report it again, or ring the service.",
            status=410,
        ) from None
    except signing.BadSignature:
        raise Refused(
            "This link is not complete, or it was changed. Open it again from the email, "
            "or copy the whole of it into the address bar.",
            status=400,
        ) from None
    if (
        not isinstance(found, dict)
        or found.get("report") != report.pk
        or not isinstance(found.get("closing"), int)
        or isinstance(found.get("closing"), bool)
    ):
        raise Refused("This link is not for this report.", status=400)
    return found["closing"]
