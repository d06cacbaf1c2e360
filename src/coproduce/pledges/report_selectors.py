"""Reads of reports used by the pages and the API: the staff queue, a pledge's public
list, and when a report is due, in plain words."""

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Pledge,
    Report,
    ReportStatus,
    ReportSubscription,
)

QUEUE_SHOWS = {
    "open": "Open",
    "late": "Open and late",
    "closed": "Closed",
    "all": "Everything",
}


def queue(hub, *, show: str = "open", category: str = "", status: str = "") -> QuerySet:
    """The staff queue: soonest due first, so whatever is late comes first."""
    found = Report.objects.filter(hub=hub).select_related(
        "category__pledge", "service_point", "area", "reporter"
    )
    if status:
        found = found.filter(status=status)
    elif show == "open":
        found = found.filter(status__in=OPEN_STATUSES)
    elif show == "late":
        found = found.filter(status__in=OPEN_STATUSES, expected_at__lt=timezone.now())
    elif show == "closed":
        found = found.filter(status__in=CLOSED_STATUSES)
    if category:
        found = found.filter(category__code=category)
    return found.order_by("expected_at", "pk")


def public_reports(pledge: Pledge) -> QuerySet:
    """A pledge's reports, newest first, for anyone to read (the template shows no
    personal data: no names, contact details, street addresses or photos)."""
    return (
        Report.objects.filter(category__pledge=pledge)
        .select_related("category", "service_point", "area")
        .order_by("-created_at", "-pk")
    )


def mine(person) -> QuerySet:
    """Reports this person made or said "me too" to, in every hub, newest first: a
    report they made for themselves, or one a member of staff took from them on the
    phone. Only their own: nobody else's appear, whoever they were made by."""
    followed = ReportSubscription.objects.filter(person=person).values("report_id")
    return (
        Report.objects.filter(Q(reporter=person) | Q(pk__in=followed))
        .select_related("hub", "category__pledge", "service_point", "area")
        .order_by("-created_at", "-pk")
    )


def span_words(delta: datetime.timedelta) -> str:
    """A length of time in words, roughly: "40 minutes", "5 hours", "3 days" (to the nearest)."""
    minutes = max(1, round(delta.total_seconds() / 60))
    if minutes < 60:
        return f"{minutes} minute{'' if minutes == 1 else 's'}"
    hours = round(minutes / 60)
    if hours < 48:
        return f"{hours} hour{'' if hours == 1 else 's'}"
    return f"{round(hours / 24)} days"


def is_late(report: Report, now: datetime.datetime) -> bool:
    """Open past its expected date, or closed after it (when_words' "late")."""
    if report.is_open:
        return report.expected_at < now
    return bool(report.closed_at) and report.closed_at > report.expected_at


def when_words(report: Report, now: datetime.datetime | None = None) -> dict:
    """When the report is due and whether it is late, for a page: {"due": "Thursday
    4 December 2026, 17:00", "late": bool, "how": "in 2 days" / "3 days late" /
    "fixed on time" / "fixed 2 days late" / "closed without a fix"}."""
    now = now or timezone.now()
    due = timezone.localtime(report.expected_at)
    words = {
        "due": f"{due:%A} {due.day} {due:%B %Y, %H:%M}",
        "late": is_late(report, now),
        "how": "",
    }
    if report.is_open:
        if words["late"]:
            words["how"] = f"{span_words(now - report.expected_at)} late"
        else:
            words["how"] = f"in {span_words(report.expected_at - now)}"
    elif report.closed_at:
        # As the scorecard counts: only a fix keeps the promise, on time or late.
        late = words["late"]
        fixed = report.status == ReportStatus.FIXED
        if not fixed:
            words["how"] = "closed without a fix"
        elif late:
            words["how"] = f"fixed {span_words(report.closed_at - report.expected_at)} late"
        else:
            words["how"] = "fixed on time"
    return words


def hub_home_counts(person, hub, membership) -> dict:
    """For the hub's front page: how many open reports are late, for staff."""
    if not membership.is_staff_or_above:
        return {}
    late = Report.objects.filter(
        hub=hub, status__in=OPEN_STATUSES, expected_at__lt=timezone.now()
    ).count()
    return {"reports_late": late}


CHOICES = ("singlevaluelist", "multivaluelist")


def answers(report: Report, *, private: bool) -> list[tuple[str, str]]:
    """The category's questions and this report's answers, in words. The public (and
    other members) see only answers chosen from a list ("Which block? Oak Tower"): a
    written answer may say who or where someone is, so it is for staff and the reporter."""
    shown = []
    for question in report.category.attributes or []:
        value = (report.attributes or {}).get(question["code"])
        if not value or (not private and question.get("datatype") not in CHOICES):
            continue
        names = {str(v["key"]): v.get("name") or str(v["key"]) for v in question.get("values", [])}
        parts = value if isinstance(value, list) else str(value).split(",")
        words = ", ".join(names.get(str(part), str(part)) for part in parts)
        shown.append((question.get("description") or question["code"], words))
    return shown
