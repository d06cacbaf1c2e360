"""The Open311 GeoReport v2 endpoints, and FixMyStreet's service request updates. Each view
reads the request's parameters (`params`), calls a query or a service, and answers in the
format the address ends with. Every refusal is the spec's error array: 400 for a request
that cannot be done, 403 for a missing or wrong api_key, 404 for something that does not
exist (and 409 for an Idempotency-Key sent again with something else).

Reading needs no key (and so writes nothing, not even a key's last use); posting needs one
of the hub's API keys, given as `api_key` in the form or the query.
"""

import functools

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from coproduce.errors import ApplicationError
from coproduce.pledges.models import OPEN_STATUSES, Report
from coproduce.siteurl import site_url

from . import params, queries, services
from .formats import Open311Error, errors, respond
from .params import MAX_IDS, MAX_PAGE, MAX_PAGE_SIZE


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
                params.all_text(request)
                return view(request, fmt, **kwargs)
            except Open311Error as error:
                return errors(fmt, error.status, error.description)
            except ApplicationError as error:
                # The services name fields as the pages do; the client hears Open311's.
                field = f"{params.open311_name(error.field)}: " if error.field else ""
                return errors(fmt, error.status, field + error.message)
            except PermissionDenied as error:
                return errors(fmt, 403, str(error) or "This API key may not do that.")

        return run

    return wrap


# --- the endpoints --------------------------------------------------------------------


@endpoint("GET")
def discovery(request, fmt):
    here = reverse("open311:discovery", kwargs={"fmt": fmt})
    base = site_url(request) + here.rsplit("/discovery.", 1)[0]
    return respond(fmt, "discovery", queries.discovery(request, base))


@endpoint("GET")
def services_list(request, fmt):
    hub = params.hub(request)
    return respond(fmt, "services", [queries.service(c) for c in queries.services_of(hub)])


@endpoint("GET")
def service_definition(request, fmt, service_code):
    hub = params.hub(request)
    category = params.category(hub, service_code, fmt)
    return respond(fmt, "service_definition", queries.definition(category))


@endpoint("GET", "POST")
def requests(request, fmt):
    if request.method == "POST":
        return _create(request, fmt)
    hub = params.hub(request)
    found = queries.HubReports(hub)
    reports = found.reports()
    following = None
    wanted = params.listed(request, "service_request_id")
    if wanted:  # "This overrides all other arguments."
        if len(wanted) > MAX_IDS:
            raise Open311Error(400, f"service_request_id: at most {MAX_IDS:,} at once.")
        ids = [params.request_id(each) for each in wanted]
        if None in ids:
            bad = wanted[ids.index(None)][:60]
            raise Open311Error(400, f"service_request_id: “{bad}” is not a request id.")
        rows = queries.read(reports.filter(pk__in=ids))
    else:
        start, end = params.window(request)
        reports = _filtered(request, found, reports)
        window = reports.filter(created_at__gte=start, created_at__lte=end)
        rows, following = _page(request, window, queries.read)
    shown = found.shown(rows)
    response = respond(fmt, "service_requests", shown)
    return _linked(response, request, following)


def _page(request, rows, read=list) -> tuple[list, int | None]:
    """One page of `rows` (`page`, `page_size`), read with `read`, and the next page's
    number if there is one: a row more than the page is read, rather than counting them."""
    size = params.whole(request, "page_size", MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    page = params.whole(request, "page", 1, MAX_PAGE)
    found = read(rows[(page - 1) * size : page * size + 1])
    return found[:size], page + 1 if len(found) > size else None


def _linked(response, request, following: int | None):
    if following is not None:
        query = request.GET.copy()
        query["page"] = str(following)
        response["Link"] = f'<{site_url(request)}{request.path}?{query.urlencode()}>; rel="next"'
    return response


def _filtered(request, found, reports):
    codes = params.listed(request, "service_code")
    if codes:
        known = found.codes()
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise Open311Error(
                400,
                f"service_code: there is no service “{unknown[0][:60]}” in “{found.hub.slug}”.",
            )
        reports = reports.filter(category_id__in={known[code] for code in codes})
    wanted = set(params.listed(request, "status"))
    if wanted - {"open", "closed"}:
        raise Open311Error(400, "status: give open or closed (or both, comma separated).")
    if wanted == {"open"}:
        reports = reports.filter(status__in=OPEN_STATUSES)
    elif wanted == {"closed"}:
        reports = reports.exclude(status__in=OPEN_STATUSES)
    return reports


def _create(request, fmt):
    hub = params.hub(request)
    token = params.api_key(request, hub)
    category = params.category(hub, params.param(request, "service_code"), fmt)
    report = services.open311_request_create(
        token=token,
        category=category,
        description=params.param(request, "description"),
        attributes=params.attributes(request),
        email=params.param(request, "email"),
        first_name=params.param(request, "first_name"),
        last_name=params.param(request, "last_name"),
        phone=params.param(request, "phone"),
        media_url=params.param(request, "media_url"),
        account_id=params.param(request, "account_id"),
        device_id=params.param(request, "device_id"),
        **params.place(request, hub),
        key=params.idempotency_key(request),
    )
    found = queries.HubReports(hub)
    [created] = found.shown(queries.read(found.reports().filter(pk=report.pk)))
    answer = {
        "service_request_id": created["service_request_id"],
        "service_notice": created["service_notice"],
        "account_id": None,
    }
    return respond(fmt, "service_requests", [answer])


def _report(found, value: str) -> dict:
    """A report of the hub's published pledges, as a row of `found.reports()`."""
    hub = found.hub
    wanted = params.request_id(value)
    rows = queries.read(found.reports().filter(pk=wanted)) if wanted else []
    if not rows:
        raise Open311Error(
            404,
            f"service_request_id: there is no request “{value[:60]}” in “{hub.slug}”.",
        )
    return rows[0]


@endpoint("GET")
def request_detail(request, fmt, service_request_id):
    found = queries.HubReports(params.hub(request))
    report = _report(found, service_request_id)
    return respond(fmt, "service_requests", found.shown([report]))


@endpoint("GET", "POST")
def updates(request, fmt):
    hub = params.hub(request)
    if request.method == "POST":
        return _update(request, fmt, hub)
    start, end = params.window(request)
    found = queries.HubReports(hub).updates().filter(created_at__gte=start, created_at__lte=end)
    rows, following = _page(request, found)
    response = respond(fmt, "service_request_updates", [queries.update_of(u) for u in rows])
    return _linked(response, request, following)


def _update(request, fmt, hub):
    token = params.api_key(request, hub)
    wanted = params.param(request, "service_request_id")
    if not wanted:
        raise Open311Error(400, "service_request_id: required: the request to update.")
    report = Report.objects.get(pk=_report(queries.HubReports(hub), wanted)["id"])
    if not params.param(request, "status"):
        raise Open311Error(400, "status: required, e.g. IN_PROGRESS or FIXED.")
    params.moment(request, "updated_datetime")  # checked if given; the update is dated now
    update = services.open311_update_create(
        token=token,
        report=report,
        status=params.param(request, "status"),
        description=params.param(request, "description"),
        client_update_id=params.param(request, "update_id"),
        media_url=params.param(request, "media_url"),
    )
    return respond(fmt, "service_request_updates", [{"update_id": str(update.pk)}])


@csrf_exempt
def not_found(request, rest=""):
    fmt = "json" if rest.endswith(".json") else "xml"
    return errors(
        fmt, 404, "There is no such Open311 resource here: discovery.xml lists what there is."
    )
