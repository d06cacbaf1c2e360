"""Reading an Open311 request: its parameters (from the form when posting, else from the
query), each checked as the spec asks and refused as an Open311Error whose description
starts with the parameter at fault; and Open311's names for the fields the pledges
services name in their errors."""

import datetime
import math
import re

from django.utils import timezone

from coproduce.errors import ApplicationError
from coproduce.forms import EARLIEST_DATE, LATEST_DATE
from coproduce.hubs.services import api_token_authenticate
from coproduce.pledges import coordinates
from coproduce.pledges.models import PledgeCategory, ServicePoint

from . import queries
from .formats import Open311Error

WINDOW = datetime.timedelta(days=90)  # the most one query may span, and the default
MAX_PAGE_SIZE = 1000  # "the first 1,000 requests", and no more in one page
MAX_PAGE = 100_000
MAX_IDS = 1000
MAX_ID = 2**63 - 1
KEY_HEADER = "Idempotency-Key"
_ATTRIBUTE = re.compile(r"attribute\[([^\[\]]{1,60})\](\[\])?")

# The pledges services name fields as the report pages do; a client is told Open311's
# name for what it sent. Names not here are the same in both (description, lat, long,
# email, phone, media_url, status, service_code, attribute[code], ...).
FIELD_NAMES = {
    "address": "address_string",
    "area": "address_string",
    "service_point": "address_id",
    "category": "service_code",
    "contact_name": "first_name",
    "contact_email": "email",
    "note": "description",
    "idempotency_key": KEY_HEADER,
}


def open311_name(field: str) -> str:
    """Open311's name for a field a pledges service names in an error."""
    return FIELD_NAMES.get(field, field)


def all_text(request) -> None:
    for source in (request.GET, request.POST):
        for name, values in source.lists():
            if any("\x00" in value for value in values):
                raise Open311Error(400, f"{name[:60]}: holds a character that is not text.")


def param(request, name: str) -> str:
    value = request.POST.get(name) if request.method == "POST" else None
    if value is None:
        value = request.GET.get(name)
    return (value or "").strip()


def listed(request, name: str) -> list[str]:
    return [part.strip() for part in param(request, name).split(",") if part.strip()]


def hub(request):
    slug = param(request, "jurisdiction_id")
    if not slug:
        raise Open311Error(
            400, "jurisdiction_id: required. It is the hub's short name, e.g. millbrook."
        )
    found = queries.hub_by_slug(slug) if len(slug) <= 60 else None
    if found is None:
        raise Open311Error(404, f"jurisdiction_id: there is no jurisdiction “{slug[:60]}”.")
    return found


def api_key(request, hub):
    secret = param(request, "api_key")
    if not secret:
        raise Open311Error(403, "api_key: required to post. Ask the hub's coordinators for one.")
    token = api_token_authenticate(secret)
    if token is None:
        raise Open311Error(403, "api_key: this key is not valid, or has been switched off.")
    if token.hub_id != hub.pk:
        raise Open311Error(403, f"api_key: this key is not for jurisdiction “{hub.slug}”.")
    return token


def idempotency_key(request) -> str | None:
    """The `Idempotency-Key` header, as /api/v1 takes it; None when not sent (the
    services check its length)."""
    return request.headers.get(KEY_HEADER, "").strip() or None


def request_id(value: str) -> int | None:
    """A request's id as a number a database can hold, or None."""
    value = value.strip()
    if not value.isascii() or not value.isdigit() or int(value) > MAX_ID or int(value) < 1:
        return None
    return int(value)


def category(hub, code: str, fmt: str) -> PledgeCategory:
    if not code:
        raise Open311Error(400, f"service_code: required. services.{fmt} lists them.")
    found = queries.services_of(hub).filter(code=code[:60]).first()
    if found is not None:
        return found
    if PledgeCategory.objects.filter(pledge__hub=hub, code=code[:60]).exists():
        raise Open311Error(
            404,
            f"service_code: “{code[:60]}” is under a pledge that is not published (or no "
            "longer takes reports), so it takes no reports.",
        )
    raise Open311Error(
        404,
        f"service_code: there is no service “{code[:60]}” in jurisdiction “{hub.slug}”. "
        f"services.{fmt} lists them.",
    )


def moment(request, name: str) -> datetime.datetime | None:
    raw = param(request, name)
    if not raw:
        return None
    # A "+" in a query string arrives as a space: "…T10:00:00 01:00".
    try:
        found = datetime.datetime.fromisoformat(raw.replace(" ", "+"))
    except ValueError:
        raise Open311Error(
            400, f"{name}: give a date and time in W3C format, e.g. 2026-03-01T00:00:00Z."
        ) from None
    if not EARLIEST_DATE <= found.date() <= LATEST_DATE:
        raise Open311Error(400, f"{name}: give a date between 1900 and 2100.")
    return timezone.make_aware(found) if timezone.is_naive(found) else found


def window(request) -> tuple[datetime.datetime, datetime.datetime]:
    """start_date and end_date: at most 90 days apart; the last 90 days if neither."""
    start, end = moment(request, "start_date"), moment(request, "end_date")
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - WINDOW
    if end is None:
        end = start + WINDOW
    if end < start:
        raise Open311Error(400, "end_date: comes before start_date.")
    if end - start > WINDOW:
        days = math.ceil((end - start).total_seconds() / 86400)
        raise Open311Error(
            400, f"start_date, end_date: at most 90 days apart (these are {days} days apart)."
        )
    return start, end


def whole(request, name: str, default: int, most: int) -> int:
    raw = param(request, name)
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= most:
        raise Open311Error(400, f"{name}: give a whole number from 1 to {most:,}.")
    return int(raw)


def attributes(request) -> dict:
    """`attribute[code]=value` (and `attribute[code][]=…` for several answers) by code.
    What the answers must be is the pledges services' to check (checked_attributes)."""
    source = request.POST if request.method == "POST" else request.GET
    found: dict = {}
    for name, values in source.lists():
        match = _ATTRIBUTE.fullmatch(name)
        if match is None:
            continue
        code, many = match.group(1), bool(match.group(2))
        values = [value.strip() for value in values]
        if many or len(values) > 1 or isinstance(found.get(code), list):
            previous = found.get(code, [])
            found[code] = [*([previous] if isinstance(previous, str) else previous), *values]
        else:
            found[code] = values[0]
    return found


def _coordinate(request, name: str, limit: int):
    """A coordinate by the pledges' one set of rules (pledges.coordinates), in Open311's
    words when refused."""
    try:
        return coordinates.coordinate(param(request, name), name, limit)
    except ApplicationError:
        raise Open311Error(
            400, f"{name}: give a number of degrees from -{limit} to {limit}."
        ) from None


def place(request, hub) -> dict:
    lat = _coordinate(request, "lat", coordinates.LATITUDE)
    long = _coordinate(request, "long", coordinates.LONGITUDE)
    if (lat is None) != (long is None):
        missing = "long" if lat is not None else "lat"
        raise Open311Error(400, f"{missing}: send lat and long together, or neither.")
    address_string = param(request, "address_string")
    point = None
    raw_point = param(request, "address_id")
    if raw_point:
        found = request_id(raw_point)
        point = ServicePoint.objects.filter(hub=hub, pk=found).first() if found else None
        if point is None:
            raise Open311Error(
                400, f"address_id: there is no place “{raw_point[:60]}” in “{hub.slug}”."
            )
    if lat is None and not address_string and point is None:
        raise Open311Error(
            400,
            "lat, long, address_string, address_id: say where, with lat and long, "
            "address_string or address_id.",
        )
    return {"lat": lat, "long": long, "address_string": address_string, "service_point": point}
