"""Reports against a pledge, made: by a member, by staff for someone on the phone
(assisted: `entered_by`, audited on the reporter's behalf), by the public or an Open311
client; checked (where, the category's questions, a photo cleaned of its metadata) and
given an expected date from the category's target on the hub's working calendar.
Moving on, "me too" and "was it fixed?" are in `progress`; moderation and lateness in
`oversight`."""

import datetime
import decimal
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.forms import EARLIEST_DATE, LATEST_DATE
from coproduce.hubs.models import Neighbourhood, Person
from coproduce.idempotency import check_key, mark_replayed, reused_error
from coproduce.notify.models import Kind
from coproduce.notify.services import tell

from .. import access, coordinates, workdays
from ..models import (
    DESCRIPTION_MAX_LENGTH,
    Holiday,
    PledgeCategory,
    Report,
    ServicePoint,
    WorkingCalendar,
)
from ..photos import cleaned_photo
from .contacts import tell_contact

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
    words = workdays.describe(category.target_amount, category.target_unit)
    if category.target_unit == workdays.HOURS:  # elapsed hours, whatever the clocks do
        # In UTC: Python adds to a zoned time by the clock, which a change of the clocks
        # would make an hour more or less.
        return words, at.astimezone(datetime.UTC) + datetime.timedelta(hours=category.target_amount)
    local = timezone.localtime(at).replace(tzinfo=None)
    due = workdays.due(
        local, category.target_amount, category.target_unit, calendar_of(category.pledge.hub)
    )
    return (
        workdays.describe(category.target_amount, category.target_unit),
        timezone.make_aware(due),
    )


def page_of(report: Report) -> str:
    return reverse("report", args=[report.hub.slug, report.pk])


def _location(*, hub, address, area, service_point, lat, long) -> dict:
    lat, long = coordinates.point(lat, long)
    if len((address or "").strip()) > 300:
        raise ApplicationError("Keep the address to 300 characters.", field="address")
    if area is not None and area.hub_id != hub.pk:
        raise ApplicationError("Choose one of this hub's areas.", field="area")
    if service_point is not None and service_point.hub_id != hub.pk:
        raise ApplicationError("Choose one of this hub's places.", field="service_point")
    address = (address or "").strip()
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


PHONE_CHARACTERS = frozenset("0123456789 +-().")


def _email(email: str) -> str:
    """An address to tell someone without an account what happens (it is emailed)."""
    email = (email or "").strip()
    if email:
        try:
            if len(email) > 254:
                raise ValidationError("too long")
            validate_email(email)
        except ValidationError:
            raise ApplicationError("That is not an email address.", field="contact_email") from None
    return email


def _phone(phone: str) -> str:
    """A phone number for staff to ring back: digits, spaces and + - ( ) . only."""
    phone = (phone or "").strip()
    if len(phone) > 40 or not set(phone) <= PHONE_CHARACTERS:
        raise ApplicationError(
            "Give a phone number in digits (at most 40 characters).", field="contact_phone"
        )
    return phone


def checked_attributes(category: PledgeCategory, given: dict) -> dict:
    """The category's questions answered, for every way a report comes in (the pages, the
    JSON API, Open311): required ones present, one answer unless the question takes
    several, choices from the list, numbers and dates and times as such. Returns the
    answers, keyed by question code, as text; an error names the question as
    `attribute[code]`."""
    answers = {}
    for question in category.attributes or []:
        code = question["code"]
        field = f"attribute[{code}]"
        label = question.get("description") or code
        kind = question.get("datatype", "string")
        many = kind == "multivaluelist"
        value = given.get(code)
        if isinstance(value, list | tuple):  # a multivaluelist: several keys
            parts = [str(v).strip() for v in value if str(v).strip()]
            if len(parts) > 1 and not many:
                raise ApplicationError(f"Give one answer to “{label}”.", field=field)
            value = ",".join(parts)
        value = "" if value is None else str(value).strip()
        if not value:
            if question.get("required") and question.get("variable", True):
                raise ApplicationError(f"Answer “{label}”.", field=field)
            continue
        keys = [str(v["key"]) for v in question.get("values", [])]
        # A multivaluelist question may also come as one comma-separated string.
        chosen = [part.strip() for part in value.split(",")] if many else [value]
        if keys and any(part not in keys for part in chosen):
            word = "from the answers" if many else "one of the answers"
            raise ApplicationError(f"Choose {word} for “{label}”.", field=field)
        _check_type(kind, value, label, field)
        answers[code] = value[:300]
    return answers


def _check_type(kind: str, value: str, label: str, field: str) -> None:
    """A number question takes a number, a datetime question a date and time (ISO 8601,
    as a browser's date-and-time box sends it: 2026-12-03T14:00)."""
    if kind == "number":
        try:
            if decimal.Decimal(value).is_finite():
                return
        except decimal.InvalidOperation:
            pass
        raise ApplicationError(f"Give a number for “{label}”, such as 3.", field=field)
    if kind == "datetime":
        moment = None
        # A "+" in a query string arrives as a space: "2026-12-03T14:00:00 01:00".
        for text in (value, value.replace(" ", "+")):
            try:
                moment = datetime.datetime.fromisoformat(text)
                break
            except ValueError:
                continue
        if moment is None:
            raise ApplicationError(
                f"Give a date and time for “{label}”, such as 2026-12-03T14:00.", field=field
            )
        if not EARLIEST_DATE <= moment.date() <= LATEST_DATE:
            raise ApplicationError(f"Give a date between 1900 and 2100 for “{label}”.", field=field)


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
    contact_phone: str = "",
    source: str = "web",
    key: str = "",
    sent_by: Person | None = None,
) -> Report:
    """Record a report. `reporter` is the member it is from (None from the public or an
    Open311 client); `entered_by` the member of staff who took it for them; `sent_by` the
    holder of the API key an Open311 client sent it with (the audit log's actor: the
    report is still from its contact). With a `key`, a retry returns the first report."""
    pledge = category.pledge
    hub = pledge.hub
    if key:
        check_key(key)
        existing = Report.objects.filter(hub=hub, idempotency_key=key).first()
        if existing is not None:
            return _replay(existing, category, description, reporter, entered_by)
    if not pledge.is_published or not category.is_active:
        raise ApplicationError(
            "This pledge is not published, so it does not take reports yet.", field="service_code"
        )
    if entered_by is not None:
        access.hub_access.require_staff(entered_by, hub, "Only staff can report for someone else.")
        if reporter is not None and access.membership(reporter, hub) is None:
            raise ApplicationError(
                f"{reporter} is not a member of {hub.name} now: take the report for them "
                "as someone who is not a member, with their name.",
                field="for_member",
            )
    description = (description or "").strip()
    if not _visible(description):
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
    answers = checked_attributes(category, attributes or {})
    contact_email = _email(contact_email)
    contact_phone = _phone(contact_phone)
    if photo:
        photo = cleaned_photo(photo)
    now = timezone.now()
    if key and source in ("web", "phone"):  # a form on a page, with its key
        again = _sent_again(category, description, reporter, entered_by, contact_email, now)
        if again is not None:
            return mark_replayed(again)
    target, expected_at = expected_for(category, now)
    try:
        with transaction.atomic():
            report = Report.objects.create(
                hub=hub,
                category=category,
                description=description,
                reporter=reporter,
                entered_by=entered_by,
                attributes=answers,
                photo=photo or "",
                contact_name=(contact_name or "").strip()[:120],
                contact_email=contact_email,
                contact_phone=contact_phone,
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
            first = Report.objects.get(hub=hub, idempotency_key=key)
            return _replay(first, category, description, reporter, entered_by)
        raise
    audit(
        hub=hub,
        actor=entered_by or reporter or sent_by,
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
        subject=f"New report: {category.name}, due {timezone.localtime(expected_at):%-d %b %H:%M}",
        template="pledges/email/report_new.txt",
        context={"report": report},
        url=page_of(report),
    )
    if entered_by is not None and reporter is not None:
        tell(
            [reporter],
            actor=entered_by,
            kind=Kind.REPORT,
            hub=hub,
            subject=f"We have your report: {category.name}",
            template="pledges/email/report_taken.txt",
            context={"report": report},
            url=page_of(report),
        )
    if entered_by is not None and reporter is None:  # someone else, with an email perhaps
        tell_contact(
            report, actor=entered_by, subject=f"We have your report: {category.name}", taken=True
        )
    return report


# The same report from the same person this soon after, from a page, is the form sent
# again (Back, then Send: the page was shown afresh, with a new key), not a second
# problem. Clients of the API and Open311 say what they mean with their own keys.
REPEAT_WINDOW = datetime.timedelta(minutes=30)


def _visible(text: str) -> bool:
    """Whether the text has anything to read: not only spaces and invisible characters
    (zero-width spaces, joiners, direction marks)."""
    return any(unicodedata.category(ch)[0] not in "ZC" for ch in text)


def _sent_again(category, description, reporter, entered_by, contact_email, now):
    """The report this one repeats, if the same person sent the same words under the same
    category within REPEAT_WINDOW. Someone not signed in is known only by an email."""
    if reporter is None and entered_by is None and not contact_email:
        return None
    return (
        Report.objects.filter(
            category=category,
            reporter=reporter,
            entered_by=entered_by,
            contact_email=contact_email,
            created_at__gte=now - REPEAT_WINDOW,
        )
        .filter(Q(description=description) | Q(original_description=description))
        .order_by("-created_at")
        .first()
    )


def _replay(existing: Report, category, description, reporter, entered_by) -> Report:
    """The report a retry with the same key made first; refused when the key was used by
    someone else or for something else (keys are chosen by the client)."""
    same_sender = (existing.reporter_id, existing.entered_by_id) == (
        reporter.pk if reporter else None,
        entered_by.pk if entered_by else None,
    )
    same_content = (
        existing.category_id == category.pk
        and (existing.original_description or existing.description) == (description or "").strip()
    )
    if not (same_sender and same_content):
        raise reused_error()
    return mark_replayed(existing)
