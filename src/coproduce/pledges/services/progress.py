"""Reports move on: staff change the status with a note the reporter reads, people with
the same problem say "me too", and the reporter answers "was it fixed?" once it is closed,
where "not fixed" reopens it. The reporter and everyone who said "me too" hear of every
change, and so does someone who reported without an account, by email (`contacts`); the
category's staff hear of a reopening.

"Was it fixed?" is answered three ways, each recorded once per closing and audited: by
the reporter signed in (`report_answer`); by someone who reported without an account,
with the link emailed at closing (`report_answer_by_link`); and by staff for a reporter
who cannot answer online, who rang in or was rung (`report_answer_for`). What the
reporter adds to their answer is private (staff and the reporter read it): the public
timeline, Open311 and the followers hear only that it was reopened."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs.models import Person
from coproduce.idempotency import once, owner_of
from coproduce.notify.models import Kind
from coproduce.notify.services import tell
from coproduce.referrals import escalations

from .. import access
from ..models import (
    CLOSED_STATUSES,
    AnswerWay,
    Report,
    ReportFeedback,
    ReportStatus,
    ReportSubscription,
    ReportUpdate,
)
from ..wording import mid_sentence
from .contacts import tell_contact
from .reports import NOTE_MAX_LENGTH, page_of

# The public update when the reporter says it is not fixed. Their own words stay private.
REOPENED = "Reopened: the person who reported it says it is not fixed."
SPENT = (
    "This link was for an earlier closing of the report: it has been reopened since. "
    "If it is closed again, a new link is emailed."
)


def answered_since_closing(report: Report) -> bool:
    """Whether the reporter has answered "was it fixed?" for this closing."""
    return (
        report.closed_at is not None
        and report.feedback.filter(created_at__gte=report.closed_at).exists()
    )


def _lock(report: Report) -> Report:
    return Report.objects.select_for_update().select_related("hub", "category").get(pk=report.pk)


def followers_of(report: Report) -> list[Person]:
    """Who is told of every change through the notification system: the reporter's
    account (if they have one) and everyone who said "me too". Someone who reported
    without an account is emailed instead (contacts.tell_contact)."""
    me_too = [s.person for s in report.subscriptions.select_related("person")]
    return ([report.reporter] if report.reporter_id else []) + me_too


def _tell_followers(
    report: Report, actor: Person | None, subject: str, note: str, *, reporter: bool = True
) -> None:
    """Tell the followers; only the reporter is asked whether it was fixed (so they are
    told on their own). `reporter=False` leaves the reporter out (it was their answer)."""
    me_too = [s.person for s in report.subscriptions.select_related("person")]
    groups = [(me_too, False)]
    if reporter and report.reporter_id:
        groups.insert(0, ([report.reporter], True))
    for people, for_reporter in groups:
        tell(
            people,
            actor=actor,
            kind=Kind.REPORT,
            hub=report.hub,
            subject=subject,
            template="pledges/email/report_update.txt",
            context={"report": report, "note": note, "for_reporter": for_reporter},
            url=page_of(report),
        )


@transaction.atomic
def report_update(
    *, actor: Person, report: Report, status: str, note: str = "", key: str | None = None
) -> Report:
    """Staff move a report on, with a note the reporter reads. With a `key`, the same
    update sent twice is recorded once."""
    return once(
        hub_id=report.hub_id,
        owner=owner_of(actor),
        key=key,
        kind="report_update",
        content={"report": report.pk, "status": status, "note": note},
        action=lambda: _update(actor, report, status, note),
    )


# The same update from the same person this soon after is the form sent again (Back,
# then Send: the page was shown afresh, with a new key), not news for anyone.
REPEAT_WINDOW = datetime.timedelta(minutes=30)


def _sent_again(report: Report, actor: Person, status: str, note: str, now) -> bool:
    last = report.updates.order_by("-created_at", "-id").first()
    return bool(
        last is not None
        and last.author_id == actor.pk
        and (last.status, last.note) == (status, note)
        and now - last.created_at < REPEAT_WINDOW
    )


def _update(actor: Person, report: Report, status: str, note: str) -> Report:
    report = _lock(report)
    if not access.report_rights(access.membership(actor, report.hub), report).update:
        raise PermissionDenied("Only the service's staff can update a report.")
    if status not in ReportStatus.values:
        raise ApplicationError("Choose what is happening.", field="status")
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ApplicationError(f"Keep the note to {NOTE_MAX_LENGTH:,} characters.", field="note")
    if status == report.status and not note:
        raise ApplicationError("Nothing has changed: choose a new status or write a note.")
    if status in CLOSED_STATUSES and not note:
        raise ApplicationError("Say what was done, for the person who reported it.", field="note")
    now = timezone.now()
    if _sent_again(report, actor, status, note, now):
        return report
    old = report.status
    report.status, report.status_note, report.updated_at = status, note, now
    if status in CLOSED_STATUSES and old not in CLOSED_STATUSES:
        report.closed_at = now
    elif status not in CLOSED_STATUSES:
        report.closed_at = None
    report.save()
    ReportUpdate.objects.create(
        report=report, author=actor, old_status=old, status=status, note=note
    )
    audit(
        hub=report.hub,
        actor=actor,
        event=AuditKind.REPORT_UPDATED,
        subject=report,
        old={"status": old},
        new={"status": status, "note": note},
    )
    label = ReportStatus(status).label.lower()
    if status in CLOSED_STATUSES and old not in CLOSED_STATUSES:
        # A late report's escalation is settled by closing it: nobody need chase it.
        escalations.escalation_settled(
            hub=report.hub,
            key=f"report:{report.pk}",
            actor=actor,
            resolution=f"The report was closed as {label}: {note}",
        )
    subject = f"Your report of {mid_sentence(report.category.name)}: {label}"
    _tell_followers(report, actor, subject, note)
    tell_contact(report, actor=actor, subject=subject, note=note)
    return report


@transaction.atomic
def report_me_too(*, actor: Person, report: Report) -> bool:
    """Someone with the same problem follows the report. True when newly joined."""
    if not access.report_rights(access.membership(actor, report.hub), report).me_too:
        raise PermissionDenied("Members of the hub can say “me too” while a report is open.")
    _, created = ReportSubscription.objects.get_or_create(report=report, person=actor)
    if created:
        audit(hub=report.hub, actor=actor, event=AuditKind.REPORT_JOINED, subject=report)
    return created


@transaction.atomic
def report_answer(
    *, actor: Person, report: Report, fixed: bool, note: str = "", key: str | None = None
) -> Report:
    """The reporter says whether it was fixed, once for each closing; "not fixed" reopens
    the report (its expected date stays, so a late fix stays late)."""

    def answer() -> Report:
        locked = _lock(report)
        if not access.report_rights(access.membership(actor, locked.hub), locked).answer:
            raise PermissionDenied("The person who reported it answers, once it is closed.")
        return _record(locked, fixed, note, actor=actor, person=actor, way=AnswerWay.SIGNED_IN)

    return once(
        hub_id=report.hub_id,
        owner=owner_of(actor),
        key=key,
        kind="report_answer",
        content={"report": report.pk, "fixed": fixed, "note": note},
        action=answer,
    )


@transaction.atomic
def report_answer_for(
    *, actor: Person, report: Report, fixed: bool, note: str = "", key: str | None = None
) -> Report:
    """Staff record the answer of a reporter who cannot give it online (no account, or
    not online), who rang in or whom they rang: audited as entered for them."""

    def answer() -> Report:
        locked = _lock(report)
        if not access.report_rights(access.membership(actor, locked.hub), locked).answer_for:
            raise PermissionDenied(
                "Staff record the answer for someone who reported without being online, "
                "once it is closed."
            )
        return _record(
            locked,
            fixed,
            note,
            actor=actor,
            person=locked.reporter,
            way=AnswerWay.RECORDED,
            entered_by=actor,
        )

    return once(
        hub_id=report.hub_id,
        owner=owner_of(actor),
        key=key,
        kind="report_answer_for",
        content={"report": report.pk, "fixed": fixed, "note": note},
        action=answer,
    )


@transaction.atomic
def report_answer_by_link(
    *, report: Report, closing: int, fixed: bool, note: str = "", key: str | None = None
) -> Report:
    """Someone who reported without an account answers with the link emailed at closing
    (`closing` is the one it was made for: answer_links.read checked its signature and
    age). There is no account to act as: the audit says it was the person who reported
    it, by the link. With a `key`, the same answer sent twice is recorded once."""

    def answer() -> Report:
        locked = _lock(report)
        if not access.answers_by_link(locked, closing):
            raise ApplicationError(SPENT, status=410)
        return _record(locked, fixed, note, actor=None, person=None, way=AnswerWay.EMAIL_LINK)

    return once(
        hub_id=report.hub_id,
        owner=owner_of(None, anonymous_key=f"answer-link:{report.pk}"),
        key=key,
        kind="report_answer_by_link",
        content={"report": report.pk, "closing": closing, "fixed": fixed, "note": note},
        action=answer,
    )


def _record(
    report: Report,
    fixed: bool,
    note: str,
    *,
    actor: Person | None,
    person: Person | None,
    way: str,
    entered_by: Person | None = None,
) -> Report:
    """Keep the answer for this closing (apart from the staff's status) and, if it is not
    fixed, reopen the report: publicly with a fixed sentence, the note for staff only."""
    if answered_since_closing(report):
        raise ApplicationError("You have already said whether it was fixed.", field="fixed")
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ApplicationError(f"Keep the note to {NOTE_MAX_LENGTH:,} characters.", field="note")
    ReportFeedback.objects.create(
        report=report, person=person, fixed=fixed, note=note, way=way, entered_by=entered_by
    )
    audit(
        hub=report.hub,
        actor=actor,
        on_behalf_of=person if entered_by else None,
        event=AuditKind.REPORT_ANSWERED,
        subject=report,
        new={"fixed": fixed, "note": note, "way": way},
    )
    if not fixed:
        old = report.status
        report.status, report.closed_at = ReportStatus.NEW, None
        report.reopened += 1
        report.updated_at = timezone.now()
        report.save()
        ReportUpdate.objects.create(
            report=report, author=actor, old_status=old, status=report.status, note=REOPENED
        )
        tell(
            report.category.staff.all(),
            actor=actor,
            kind=Kind.REPORT_STAFF,
            hub=report.hub,
            subject=f"Reopened, not fixed: {report.category.name}",
            template="pledges/email/report_reopened.txt",
            context={"report": report, "note": note, "way": way, "entered_by": entered_by},
            url=page_of(report),
        )
        # The reporter said it: the others following it hear only that it was reopened.
        _tell_followers(
            report,
            actor,
            f"Reopened: {mid_sentence(report.category.name)}",
            REOPENED,
            reporter=False,
        )
    return report
