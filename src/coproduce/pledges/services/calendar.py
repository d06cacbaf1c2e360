"""The working calendar targets are counted on (working days and hours, bank holidays),
and the service's places (for reports with no street address): kept by coordinators.
A change applies to reports made from then on; those already in keep their date."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs.models import Hub, Person

from .. import access, coordinates
from ..models import Holiday, ServicePoint, WorkingCalendar

DAY_NAMES = {
    1: "Monday",
    2: "Tuesday",
    3: "Wednesday",
    4: "Thursday",
    5: "Friday",
    6: "Saturday",
    7: "Sunday",
}


def _require(actor: Person, hub: Hub) -> None:
    if not access.may_run_calendar(access.membership(actor, hub), hub):
        raise PermissionDenied("Only the hub's coordinators can change the working calendar.")


@transaction.atomic
def calendar_update(
    *,
    actor: Person,
    hub: Hub,
    working_days: list[int],
    day_starts: datetime.time,
    day_ends: datetime.time,
) -> bool:
    """Set the working week. Returns whether anything changed."""
    _require(actor, hub)
    days = sorted({int(d) for d in working_days})
    if not days or not set(days) <= set(DAY_NAMES):
        raise ApplicationError("Choose at least one working day.", field="working_days")
    if day_starts is None or day_ends is None or day_ends <= day_starts:
        raise ApplicationError("The working day must end after it starts.", field="day_ends")
    stored, _ = WorkingCalendar.objects.select_for_update().get_or_create(
        hub=hub, defaults={"working_days": [1, 2, 3, 4, 5]}
    )
    old = {
        "working_days": stored.working_days,
        "day_starts": str(stored.day_starts),
        "day_ends": str(stored.day_ends),
    }
    new = {"working_days": days, "day_starts": str(day_starts), "day_ends": str(day_ends)}
    if old == new:
        return False
    stored.working_days, stored.day_starts, stored.day_ends = days, day_starts, day_ends
    stored.save()
    audit(hub=hub, actor=actor, event=AuditKind.CALENDAR_CHANGED, subject=stored, old=old, new=new)
    return True


@transaction.atomic
def holiday_add(*, actor: Person, hub: Hub, day: datetime.date, name: str) -> Holiday:
    _require(actor, hub)
    name = " ".join((name or "").split())
    if not name:
        raise ApplicationError("Name the day, such as “Christmas Day”.", field="name")
    if len(name) > 80:
        raise ApplicationError("Keep the name to 80 characters.", field="name")
    if day is None:
        raise ApplicationError("Give the date.", field="day")
    if Holiday.objects.filter(hub=hub, day=day).exists():
        raise ApplicationError("That day is already a holiday.", field="day")
    holiday = Holiday.objects.create(hub=hub, day=day, name=name)
    audit(
        hub=hub,
        actor=actor,
        event=AuditKind.CALENDAR_CHANGED,
        subject=holiday,
        new={"holiday": str(day), "name": name},
    )
    return holiday


@transaction.atomic
def holiday_remove(*, actor: Person, holiday: Holiday) -> None:
    _require(actor, holiday.hub)
    audit(
        hub=holiday.hub,
        actor=actor,
        event=AuditKind.CALENDAR_CHANGED,
        subject=holiday,
        old={"holiday": str(holiday.day), "name": holiday.name},
    )
    holiday.delete()


def calendar_description(hub: Hub) -> str:
    """The working week in words: "Monday to Friday, 09:00 to 17:00, except bank holidays"."""
    from .reports import calendar_of

    calendar = calendar_of(hub)
    days = sorted(calendar.working_days)
    if days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        span = f"{DAY_NAMES[days[0]]} to {DAY_NAMES[days[-1]]}"
    else:
        span = ", ".join(DAY_NAMES[d] for d in days)
    holidays = " except the holidays listed" if calendar.holidays else ""
    return f"{span}, {calendar.opens:%H:%M} to {calendar.closes:%H:%M}{holidays}"


@transaction.atomic
def service_point_save(
    *,
    actor: Person,
    hub: Hub,
    point: ServicePoint | None = None,
    name: str,
    address: str = "",
    lat=None,
    long=None,
) -> ServicePoint:
    """Add one of the service's places (a surgery, an estate office), or change one."""
    _require(actor, hub)
    if point is not None and point.hub_id != hub.pk:
        raise PermissionDenied("That place belongs to another hub.")
    name = " ".join((name or "").split())
    if not name or len(name) > 120:
        raise ApplicationError("Name the place (at most 120 characters).", field="name")
    address = " ".join((address or "").split())
    if len(address) > 300:
        raise ApplicationError("Keep the address to 300 characters.", field="address")
    lat, long = coordinates.point(lat, long)
    if (
        ServicePoint.objects.filter(hub=hub, name=name)
        .exclude(pk=getattr(point, "pk", None))
        .exists()
    ):
        raise ApplicationError("The hub already has a place with that name.", field="name")
    old = {"name": point.name, "address": point.address} if point else {}
    point = point or ServicePoint(hub=hub)
    point.name, point.address, point.lat, point.long = name, address, lat, long
    point.save()
    audit(
        hub=hub,
        actor=actor,
        event=AuditKind.CALENDAR_CHANGED,
        subject=point,
        old=old,
        new={"place": name, "address": address},
    )
    return point
