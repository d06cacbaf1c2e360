"""Reports against a pledge: made (by a member, by staff for someone on the phone, by the
public or an Open311 client), given an expected date from the category's target, moved
through the open and closed states with a note the reporter reads, joined ("me too"),
and answered by the reporter ("was it fixed?"), where "not fixed" reopens it."""

import datetime
import decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs.models import Neighbourhood, Person
from coproduce.notify.models import Kind
from coproduce.notify.services import tell

from .. import access, workdays
from ..models import (
    CLOSED_STATUSES,
    DESCRIPTION_MAX_LENGTH,
    Holiday,
    PledgeCategory,
    Report,
    ReportFeedback,
    ReportStatus,
    ReportSubscription,
    ReportUpdate,
    ServicePoint,
    WorkingCalendar,
)

NOTE_MAX_LENGTH = 1000


def calendar_of(hub) -> workdays.Calendar:
    """The hub's working calendar (Monday to Friday, 9 to 5, if it has not set one)."""
    stored = WorkingCalendar.objects.filter(hub=hub).first()
    holidays = frozenset(Holiday.objects.filter(hub=hub).values_list("day", flat=True))
    if stored is None:
        return workdays.Calendar(holidays=holidays)
    return workdays.Calendar(
        working_days=frozenset(stored.working_days or [1, 2, 3, 4, 5]),
        opens=stored.day_starts,
        closes=stored.day_ends,
        holidays=holidays,
    )


def expected_for(category: PledgeCategory, at: datetime.datetime) -> tuple[str, datetime.datetime]:
    """The target in words and when a report made at `at` is due."""
    local = timezone.localtime(at).replace(tzinfo=None)
    due = workdays.due(
        local, category.target_amount, category.target_unit, calendar_of(category.pledge.hub)
    )
    return (
        workdays.describe(category.target_amount, category.target_unit),
        timezone.make_aware(due),
    )


def _page(report: Report) -> str:
    return reverse("report", args=[report.hub.slug, report.pk])


def _location(*, hub, address, area, service_point, lat, long) -> dict:
    if (lat is None) != (long is None):
        raise ApplicationError(
            "Give both latitude and longitude, or neither.", field="long" if lat else "lat"
        )
    if lat is not None:
        try:
            lat, long = decimal.Decimal(str(lat)), decimal.Decimal(str(long))
        except decimal.InvalidOperation:
            raise ApplicationError("Latitude and longitude must be numbers.", field="lat") from None
        if not (-90 <= lat <= 90) or not (-180 <= long <= 180):
            raise ApplicationError("That is not a place on Earth.", field="lat")
        lat, long = round(lat, 6), round(long, 6)
    if area is not None and area.hub_id != hub.pk:
        raise ApplicationError("Choose one of this hub's areas.", field="area")
    if service_point is not None and service_point.hub_id != hub.pk:
        raise ApplicationError("Choose one of this hub's places.", field="service_point")
    address = (address or "").strip()[:300]
    if not (address or area or service_point or lat is not None):
        raise ApplicationError(
            "Say where: an address, an area, one of the service's places, or a point on a map.",
            field="address",
        )
    return {
        "address": address,
        "area": area,
        "service_point": service_point,
        "lat": lat,
        "long": long,
    }


def checked_attributes(category: PledgeCategory, given: dict) -> dict:
    """The category's questions answered: required ones present, choices from the list.
    Returns the answers, keyed by question code, as text."""
    answers = {}
    for question in category.attributes or []:
        code = question["code"]
        value = given.get(code)
        # A multivaluelist question takes several answers: kept comma separated.
        many = question.get("datatype") == "multivaluelist"
        if many and isinstance(value, list | tuple):
            value = ",".join(str(v).strip() for v in value if str(v).strip())
        value = "" if value is None else str(value).strip()
        if not value:
            if question.get("required") and question.get("variable", True):
                raise ApplicationError(
                    f"Answer “{question.get('description', code)}”.", field=f"attribute[{code}]"
                )
            continue
        keys = [str(v["key"]) for v in question.get("values", [])]
        chosen = [part.strip() for part in value.split(",")] if many else [value]
        if keys and any(part not in keys for part in chosen):
            raise ApplicationError(
                f"Choose one of the answers for “{question.get('description', code)}”.",
                field=f"attribute[{code}]",
            )
        answers[code] = value[:300]
    return answers


@transaction.atomic
def report_create(
    *,
    category: PledgeCategory,
    description: str,
    reporter: Person | None = None,
    entered_by: Person | None = None,
    address: str = "",
    area: Neighbourhood | None = None,
    service_point: ServicePoint | None = None,
    lat=None,
    long=None,
    attributes: dict | None = None,
    photo=None,
    contact_name: str = "",
    contact_email: str = "",
    source: str = "web",
    key: str = "",
) -> Report:
    """Record a report. `reporter` is the member it is from (None from the public or an
    Open311 client); `entered_by` the member of staff who took it for them. With a `key`,
    a retry returns the first report."""
    pledge = category.pledge
    hub = pledge.hub
    if key:
        existing = Report.objects.filter(hub=hub, idempotency_key=key).first()
        if existing is not None:
            return existing
    if not pledge.is_published or not category.is_active:
        raise ApplicationError(
            "This pledge is not published, so it does not take reports yet.", field="service_code"
        )
    if entered_by is not None:
        access.hub_access.require_staff(entered_by, hub, "Only staff can report for someone else.")
    description = (description or "").strip()
    if not description:
        raise ApplicationError("Describe the problem.", field="description")
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ApplicationError(
            f"Keep the description to {DESCRIPTION_MAX_LENGTH:,} characters "
            f"({len(description):,} now).",
            field="description",
        )
    place = _location(
        hub=hub, address=address, area=area, service_point=service_point, lat=lat, long=long
    )
    now = timezone.now()
    target, expected_at = expected_for(category, now)
    try:
        with transaction.atomic():
            report = Report.objects.create(
                hub=hub,
                category=category,
                description=description,
                reporter=reporter,
                entered_by=entered_by,
                attributes=checked_attributes(category, attributes or {}),
                photo=photo or "",
                contact_name=(contact_name or "").strip()[:120],
                contact_email=(contact_email or "").strip()[:254],
                target=target,
                expected_at=expected_at,
                created_at=now,
                updated_at=now,
                source=source,
                idempotency_key=key,
                **place,
            )
    except IntegrityError:
        if key:  # the same key at the same moment: the first one won
            return Report.objects.get(hub=hub, idempotency_key=key)
        raise
    audit(
        hub=hub,
        actor=entered_by or reporter,
        on_behalf_of=reporter if entered_by else None,
        event=AuditKind.REPORT_CREATED,
        subject=report,
        new={"category": category.code, "expected_at": expected_at, "source": source},
    )
    tell(
        category.staff.all(),
        actor=entered_by or reporter,
        kind=Kind.REPORT_STAFF,
        hub=hub,
        subject=f"New report: {category.name}, due {timezone.localtime(expected_at):%d %b %H:%M}",
        template="pledges/email/report_new.txt",
        context={"report": report},
        url=_page(report),
    )
    return report


def _lock(report: Report) -> Report:
    return Report.objects.select_for_update().select_related("hub", "category").get(pk=report.pk)


def _tell_followers(report: Report, actor: Person | None, subject: str, note: str) -> None:
    followers = [report.reporter] + [
        s.person for s in report.subscriptions.select_related("person")
    ]
    tell(
        followers,
        actor=actor,
        kind=Kind.REPORT,
        hub=report.hub,
        subject=subject,
        template="pledges/email/report_update.txt",
        context={"report": report, "note": note},
        url=_page(report),
    )


@transaction.atomic
def report_update(*, actor: Person, report: Report, status: str, note: str = "") -> Report:
    """Staff move a report on, with a note the reporter reads."""
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
    old = report.status
    now = timezone.now()
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
    _tell_followers(report, actor, f"Your report of {report.category.name.lower()}: {label}", note)
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
def report_answer(*, actor: Person, report: Report, fixed: bool, note: str = "") -> Report:
    """The reporter says whether it was fixed; "not fixed" reopens the report (its
    expected date stays, so a late fix stays late)."""
    report = _lock(report)
    if not access.report_rights(access.membership(actor, report.hub), report).answer:
        raise PermissionDenied("The person who reported it answers, once it is closed.")
    note = (note or "").strip()[:NOTE_MAX_LENGTH]
    ReportFeedback.objects.create(report=report, person=actor, fixed=fixed, note=note)
    audit(
        hub=report.hub,
        actor=actor,
        event=AuditKind.REPORT_ANSWERED,
        subject=report,
        new={"fixed": fixed, "note": note},
    )
    if not fixed:
        old = report.status
        report.status, report.closed_at = ReportStatus.NEW, None
        report.reopened += 1
        report.updated_at = timezone.now()
        report.save()
        ReportUpdate.objects.create(
            report=report,
            author=actor,
            old_status=old,
            status=report.status,
            note=f"Reopened: the person who reported it says it is not fixed. {note}".strip(),
        )
        tell(
            report.category.staff.all(),
            actor=actor,
            kind=Kind.REPORT_STAFF,
            hub=report.hub,
            subject=f"Reopened, not fixed: {report.category.name}",
            template="pledges/email/report_update.txt",
            context={"report": report, "note": note},
            url=_page(report),
        )
    return report
