"""Telling someone who reported a problem without an account: on the public form, through
an Open311 client, or on the phone to staff ("someone else"). They left a name and perhaps
an email (`contact_email`) instead of an account, so the notification system, which tells
people, cannot reach them: their email is sent here, through coproduce.mail (queued once
the change commits, sent by the retrying task). They hear what a follower hears (every
status change and note, closing, reopening by staff, lateness) and, when it is closed, get
a link to say whether it was fixed (pledges.answer_links). A reporter with an account is
told through the notification system instead, and nobody is emailed about their own doing.
"""

from coproduce.hubs.models import Person
from coproduce.mail import email_after_commit

from .. import answer_links
from ..models import Report

TEMPLATE = "pledges/email/report_contact.txt"


def contact_to_tell(report: Report, actor: Person | None) -> str:
    """The address to email about a change to the report, or "" when there is none to
    email: the reporter has an account, left no email, or is the one who made the change."""
    email = (report.contact_email or "").strip()
    if report.reporter_id is not None or not email:
        return ""
    if actor is not None and (actor.email or "").strip().lower() == email.lower():
        return ""
    return email


def tell_contact(
    report: Report,
    *,
    actor: Person | None,
    subject: str,
    note: str = "",
    late: bool = False,
    taken: bool = False,
) -> bool:
    """Email the contact about a change (a status, a note, lateness; `taken`: staff took
    the report for them); a closed report's email carries the link to say whether it was
    fixed. True when an email was queued."""
    email = contact_to_tell(report, actor)
    if not email:
        return False
    answer_url = "" if report.is_open else answer_links.make(report)
    email_after_commit(
        to=[email],
        subject=subject,
        template=TEMPLATE,
        context={
            "report": report,
            "note": note,
            "late": late,
            "taken": taken,
            "answer_url": answer_url,
            "answer_until": answer_links.expires() if answer_url else None,
        },
    )
    return True
