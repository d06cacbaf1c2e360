"""The Open311 GeoReport v2 endpoints, and FixMyStreet's service request updates. Each view
reads the request's parameters, calls a query or a service, and answers in the format the
address ends with. Every refusal is the spec's error array: 400 for a request that cannot
be done, 403 for a missing or wrong api_key, 404 for something that does not exist.

Reading needs no key (and so writes nothing, not even a key's last use); posting needs one
of the hub's API keys, given as `api_key` in the form or the query.
"""

import datetime
import functools
import math
import re

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from coproduce.errors import ApplicationError
from coproduce.forms import EARLIEST_DATE, LATEST_DATE
from coproduce.hubs.services import api_token_authenticate
from coproduce.pledges.models import PledgeCategory, Report, ServicePoint
from coproduce.siteurl import site_url

from . import queries, services, statuses
from .formats import Open311Error, errors, respond

WINDOW = datetime.timedelta(days=90)  # the most one query may span, and the default
MAX_PAGE_SIZE = 1000  # "the first 1,000 requests", and no more in one page
MAX_PAGE = 100_000
MAX_IDS = 1000
MAX_ID = 2**63 - 1
_ATTRIBUTE = re.compile(r"attribute\[([^\[\]]{1,60})\](\[\])?")


def endpoint(*methods):
    """An Open311 view: refuses other methods, takes no session or CSRF token (a client
    proves itself with its api_key), and turns every refusal into the error array."""

    def wrap(view):
        @csrf_exempt
        @functools.wraps(view)
        def run(request, fmt, **kwargs):
            if request.method not in methods and not (
                request.method == "HEAD" and "GET" in methods
            ):
                response = errors(fmt, 405, f"Use {' or '.join(methods)} here.")
                response["Allow"] = ", ".join(methods)
                return response
            try:
                _all_text(request)
                return view(request, fmt, **kwargs)
            except Open311Error as error:
                return errors(fmt, error.status, error.description)
            except ApplicationError as error:
                field = f"{error.field}: " if error.field else ""
                return errors(fmt, 400, field + error.message)
            except PermissionDenied as error:
                return errors(fmt, 403, str(error) or "This API key may not do that.")

        return run

    return wrap


# --- reading the request --------------------------------------------------------------


def _all_text(request) -> None:
    for source in (request.GET, request.POST):
        for name, values in source.lists():
            if any("\x00" in value for value in values):
                raise Open311Error(400, f"{name[:60]}: holds a character that is not text.")


def _param(request, name: str) -> str:
    value = request.POST.get(name) if request.method == "POST" else None
    if value is None:
        value = request.GET.get(name)
    return (value or "").strip()


def _listed(request, name: str) -> list[str]:
    return [part.strip() for part in _param(request, name).split(",") if part.strip()]


def _hub(request):
    slug = _param(request, "jurisdiction_id")
    if not slug:
        raise Open311Error(
            400, "jurisdiction_id: required. It is the hub's short name, e.g. millbrook."
        )
    hub = queries.hub_by_slug(slug) if len(slug) <= 60 else None
    if hub is None:
        raise Open311Error(404, f"jurisdiction_id: there is no jurisdiction “{slug[:60]}”.")
    return hub


def _key(request, hub):
    secret = _param(request, "api_key")
    if not secret:
        raise Open311Error(403, "api_key: required to post. Ask the hub's coordinators for one.")
    token = api_token_authenticate(secret)
    if token is None:
        raise Open311Error(403, "api_key: this key is not valid, or has been switched off.")
    if token.hub_id != hub.pk:
        raise Open311Error(403, f"api_key: this key is not for jurisdiction “{hub.slug}”.")
    return token


def _id(value: str) -> int | None:
    """A request's id as a number a database can hold, or None."""
    value = value.strip()
    if not value.isascii() or not value.isdigit() or int(value) > MAX_ID or int(value) < 1:
        return None
    return int(value)


def _category(hub, code: str, fmt: str) -> PledgeCategory:
    if not code:
        raise Open311Error(400, f"service_code: required. services.{fmt} lists them.")
    category = queries.services_of(hub).filter(code=code[:60]).first()
    if category is not None:
        return category
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


def _moment(request, name: str) -> datetime.datetime | None:
    raw = _param(request, name)
    if not raw:
        return None
    # A "+" in a query string arrives as a space: "…T10:00:00 01:00".
    try:
        moment = datetime.datetime.fromisoformat(raw.replace(" ", "+"))
    except ValueError:
        raise Open311Error(
            400, f"{name}: give a date and time in W3C format, e.g. 2026-03-01T00:00:00Z."
        ) from None
    if not EARLIEST_DATE <= moment.date() <= LATEST_DATE:
        raise Open311Error(400, f"{name}: give a date between 1900 and 2100.")
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _window(request) -> tuple[datetime.datetime, datetime.datetime]:
    """start_date and end_date: at most 90 days apart; the last 90 days if neither."""
    start, end = _moment(request, "start_date"), _moment(request, "end_date")
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


def _whole(request, name: str, default: int, most: int) -> int:
    raw = _param(request, name)
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= most:
        raise Open311Error(400, f"{name}: give a whole number from 1 to {most:,}.")
    return int(raw)


def _attributes(request) -> dict:
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


def _coordinate(request, name: str, limit: int) -> float | None:
    raw = _param(request, name)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not -limit <= value <= limit:
        raise Open311Error(400, f"{name}: give a number of degrees from -{limit} to {limit}.")
    return raw


def _place(request, hub) -> dict:
    lat, long = _coordinate(request, "lat", 90), _coordinate(request, "long", 180)
    if (lat is None) != (long is None):
        missing = "long" if lat is not None else "lat"
        raise Open311Error(400, f"{missing}: send lat and long together, or neither.")
    address_string = _param(request, "address_string")
    point = None
    raw_point = _param(request, "address_id")
    if raw_point:
        found = _id(raw_point)
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


# --- the endpoints --------------------------------------------------------------------


@endpoint("GET")
def discovery(request, fmt):
    here = reverse("open311:discovery", kwargs={"fmt": fmt})
    base = site_url(request) + here.rsplit("/discovery.", 1)[0]
    return respond(fmt, "discovery", queries.discovery(request, base))


@endpoint("GET")
def services_list(request, fmt):
    hub = _hub(request)
    return respond(fmt, "services", [queries.service(c) for c in queries.services_of(hub)])


@endpoint("GET")
def service_definition(request, fmt, service_code):
    hub = _hub(request)
    category = _category(hub, service_code, fmt)
    return respond(fmt, "service_definition", queries.definition(category))


@endpoint("GET", "POST")
def requests(request, fmt):
    if request.method == "POST":
        return _create(request, fmt)
    hub = _hub(request)
    found = queries.HubReports(hub)
    reports = found.reports()
    following = None
    wanted = _listed(request, "service_request_id")
    if wanted:  # "This overrides all other arguments."
        if len(wanted) > MAX_IDS:
            raise Open311Error(400, f"service_request_id: at most {MAX_IDS:,} at once.")
        ids = [_id(each) for each in wanted]
        if None in ids:
            bad = wanted[ids.index(None)][:60]
            raise Open311Error(400, f"service_request_id: “{bad}” is not a request id.")
        rows = queries.read(reports.filter(pk__in=ids))
    else:
        start, end = _window(request)
        reports = _filtered(request, found, reports)
        window = reports.filter(created_at__gte=start, created_at__lte=end)
        rows, following = _page(request, window, queries.read)
    shown = found.shown(rows, site_url(request))
    response = respond(fmt, "service_requests", shown)
    return _linked(response, request, following)


def _page(request, rows, read=list) -> tuple[list, int | None]:
    """One page of `rows` (`page`, `page_size`), read with `read`, and the next page's
    number if there is one: a row more than the page is read, rather than counting them."""
    size = _whole(request, "page_size", MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    page = _whole(request, "page", 1, MAX_PAGE)
    found = read(rows[(page - 1) * size : page * size + 1])
    return found[:size], page + 1 if len(found) > size else None


def _linked(response, request, following: int | None):
    if following is not None:
        query = request.GET.copy()
        query["page"] = str(following)
        response["Link"] = f'<{site_url(request)}{request.path}?{query.urlencode()}>; rel="next"'
    return response


def _filtered(request, found, reports):
    codes = _listed(request, "service_code")
    if codes:
        known = found.codes()
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise Open311Error(
                400,
                f"service_code: there is no service “{unknown[0][:60]}” in “{found.hub.slug}”.",
            )
        reports = reports.filter(category_id__in={known[code] for code in codes})
    wanted = set(_listed(request, "status"))
    if wanted - {"open", "closed"}:
        raise Open311Error(400, "status: give open or closed (or both, comma separated).")
    if wanted == {"open"}:
        reports = reports.filter(status__in=statuses.OPEN)
    elif wanted == {"closed"}:
        reports = reports.exclude(status__in=statuses.OPEN)
    return reports


def _create(request, fmt):
    hub = _hub(request)
    token = _key(request, hub)
    category = _category(hub, _param(request, "service_code"), fmt)
    report = services.open311_request_create(
        token=token,
        category=category,
        description=_param(request, "description"),
        attributes=_attributes(request),
        email=_param(request, "email"),
        first_name=_param(request, "first_name"),
        last_name=_param(request, "last_name"),
        phone=_param(request, "phone"),
        media_url=_param(request, "media_url"),
        account_id=_param(request, "account_id"),
        device_id=_param(request, "device_id"),
        **_place(request, hub),
    )
    found = queries.HubReports(hub)
    [created] = found.shown(queries.read(found.reports().filter(pk=report.pk)), site_url(request))
    answer = {
        "service_request_id": created["service_request_id"],
        "service_notice": created["service_notice"],
        "account_id": None,
    }
    return respond(fmt, "service_requests", [answer])


def _report(found, value: str) -> dict:
    """A report of the hub's published pledges, as a row of `found.reports()`."""
    hub = found.hub
    wanted = _id(value)
    rows = queries.read(found.reports().filter(pk=wanted)) if wanted else []
    if not rows:
        raise Open311Error(
            404,
            f"service_request_id: there is no request “{value[:60]}” in “{hub.slug}”.",
        )
    return rows[0]


@endpoint("GET")
def request_detail(request, fmt, service_request_id):
    found = queries.HubReports(_hub(request))
    report = _report(found, service_request_id)
    return respond(fmt, "service_requests", found.shown([report], site_url(request)))


@endpoint("GET", "POST")
def updates(request, fmt):
    hub = _hub(request)
    if request.method == "POST":
        return _update(request, fmt, hub)
    start, end = _window(request)
    found = queries.HubReports(hub).updates().filter(created_at__gte=start, created_at__lte=end)
    rows, following = _page(request, found)
    response = respond(fmt, "service_request_updates", [queries.update_of(u) for u in rows])
    return _linked(response, request, following)


def _update(request, fmt, hub):
    token = _key(request, hub)
    wanted = _param(request, "service_request_id")
    if not wanted:
        raise Open311Error(400, "service_request_id: required: the request to update.")
    report = Report.objects.get(pk=_report(queries.HubReports(hub), wanted)["id"])
    if not _param(request, "status"):
        raise Open311Error(400, "status: required, e.g. IN_PROGRESS or FIXED.")
    _moment(request, "updated_datetime")  # checked if given; the update is dated now
    update = services.open311_update_create(
        token=token,
        report=report,
        status=_param(request, "status"),
        description=_param(request, "description"),
        client_update_id=_param(request, "update_id"),
        media_url=_param(request, "media_url"),
    )
    return respond(fmt, "service_request_updates", [{"update_id": str(update.pk)}])


@csrf_exempt
def not_found(request, rest=""):
    fmt = "json" if rest.endswith(".json") else "xml"
    return errors(
        fmt, 404, "There is no such Open311 resource here: discovery.xml lists what there is."
    )
