"""Watching over reports: moderation of the public text (the original is kept), and the
failsafe for a report past its expected date, handed to a named member of staff once.

The overdue finder is registered with the referrals app's sweep (`register_finder`, from
the app's ready()), so the hourly sweep that catches unmatched referrals and unfilled
rota slots catches late reports too: the escalation's key is "report:<id>", unique in
its hub, so a report is escalated once and never again, even if it is reopened and
late a second time.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs.models import Person
from coproduce.notify.models import Kind
from coproduce.notify.services import tell
from coproduce.referrals.escalations import Finding, Sweep
from coproduce.referrals.models import EscalationKind

from .. import access
from ..models import DESCRIPTION_MAX_LENGTH, OPEN_STATUSES, Report
from ..wording import mid_sentence
from .contacts import tell_contact
from .progress import followers_of
from .reports import NOTE_MAX_LENGTH, page_of


@transaction.atomic
def report_moderate(*, actor: Person, report: Report, description: str, reason: str) -> Report:
    """A coordinator replaces the public text of a report (personal details, abuse). The
    reporter's own words are kept in `original_description`, for staff, and the reporter
    is told why."""
    report = Report.objects.select_for_update().select_related("hub", "category").get(pk=report.pk)
    if not access.report_rights(access.membership(actor, report.hub), report).moderate:
        raise PermissionDenied("Only the hub's coordinators moderate reports.")
    description = (description or "").strip()
    reason = (reason or "").strip()
    if not description:
        raise ApplicationError("Give the text to show instead.", field="description")
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ApplicationError(
            f"Keep the description to {DESCRIPTION_MAX_LENGTH:,} characters.", field="description"
        )
    if not reason:
        raise ApplicationError("Say why, for the person who reported it.", field="reason")
    if len(reason) > NOTE_MAX_LENGTH:
        raise ApplicationError(
            f"Keep the reason to {NOTE_MAX_LENGTH:,} characters.", field="reason"
        )
    if description == report.description:
        raise ApplicationError("The text is the same as before.", field="description")
    if not report.original_description:
        report.original_description = report.description
    report.description = description
    report.save(update_fields=["description", "original_description"])
    audit(
        hub=report.hub,
        actor=actor,
        event=AuditKind.REPORT_MODERATED,
        subject=report,
        new={"reason": reason},
    )
    tell(
        [report.reporter],
        actor=actor,
        kind=Kind.MODERATION,
        hub=report.hub,
        subject=(
            f"Your report of {mid_sentence(report.category.name)} was edited before it is shown"
        ),
        template="pledges/email/report_moderated.txt",
        context={"report": report, "reason": reason},
        url=page_of(report),
    )
    return report


def overdue_reports(sweep: Sweep) -> list[Finding]:
    """Open reports of the hub past their expected date and not yet escalated."""
    late = (
        Report.objects.filter(
            hub=sweep.hub,
            status__in=OPEN_STATUSES,
            expected_at__lt=sweep.now,
            escalated_at__isnull=True,
        )
        .select_related("hub", "category__pledge")
        .prefetch_related(Prefetch("category__staff", queryset=Person.objects.order_by("pk")))
        .order_by("expected_at", "pk")
    )
    findings = []
    for report in late:  # the categories' staff read once for all, not per report
        staff = [p for p in report.category.staff.all() if p.pk in sweep.staff]
        findings.append(
            Finding(
                kind=EscalationKind.OVERDUE_REPORT,
                key=f"report:{report.pk}",
                summary=f"A report of {mid_sentence(report.category.name)} under "
                f"“{report.category.pledge.title}” was due "
                f"{timezone.localtime(report.expected_at):%-d %B %Y, %H:%M} "
                f"({report.target}) and is still {report.get_status_display().lower()}.",
                assigned_to=staff[0] if staff else sweep.failsafe,
                about_url=page_of(report),
                raised=_escalated(report, sweep.now),
            )
        )
    return findings


def _escalated(report: Report, now):
    def raised(escalation) -> None:
        Report.objects.filter(pk=report.pk).update(escalated_at=now)
        report.escalated_at = now
        audit(
            hub=report.hub,
            actor=None,
            event=AuditKind.REPORT_ESCALATED,
            subject=report,
            new={"escalation": escalation.pk, "assigned_to": escalation.assigned_to_id},
        )
        tell(
            report.category.staff.all(),
            kind=Kind.REPORT_STAFF,
            hub=report.hub,
            subject=f"Overdue: {report.category.name}, due {report.target}",
            template="pledges/email/report_overdue.txt",
            context={"report": report, "escalation": escalation, "for_staff": True},
            url=page_of(report),
        )
        tell(
            followers_of(report),
            kind=Kind.REPORT,
            hub=report.hub,
            subject=f"Your report of {mid_sentence(report.category.name)} is late",
            template="pledges/email/report_overdue.txt",
            context={"report": report, "escalation": escalation, "for_staff": False},
            url=page_of(report),
        )
        tell_contact(
            report,
            actor=None,
            subject=f"Your report of {mid_sentence(report.category.name)} is late",
            late=True,
        )

    return raised
