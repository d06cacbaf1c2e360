"""Conformance with Open311 GeoReport v2 (and FixMyStreet's service request updates): every
endpoint in both formats, and every way a request can be wrong, each answered with the
spec's error array and the status the spec gives it (400, 403 or 404), nothing saved."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coproduce.open311.models import ReceivedRequest, ReceivedUpdate
from coproduce.pledges.models import Report, ReportStatus, ReportUpdate
from coproduce.pledges.services import report_update
from tests.open311.conftest import FORMATS, as_text, call, parsed, url

pytestmark = pytest.mark.django_db

HUB = "millbrook"


def report_form(o, **changes) -> dict:
    """A good report of a stair light, from a member's key; `changes` replace or (None)
    leave out fields."""
    form = {
        "jurisdiction_id": HUB,
        "api_key": o.member_key,
        "service_code": o.pledged.lights.code,
        "lat": "51.5012",
        "long": "-0.1199",
        "address_string": "Ash House, stairwell B",
        "description": "The light on the second-floor landing has been out for a week.",
        "attribute[block]": "ash",
        "email": "rosa.reporter@example.org",
        "first_name": "Rosa",
        "last_name": "Reporter",
        "phone": "07700 900123",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def make_report(client, o, fmt="json", **changes) -> Report:
    response, body = call(client, "post", "requests", fmt, report_form(o, **changes))
    assert response.status_code == 200, body
    return Report.objects.get(pk=int(body[0]["service_request_id"]))


def error_of(body) -> tuple[int, str]:
    """The one error in an error array, its code as a number."""
    assert isinstance(body, list) and len(body) == 1, body
    assert set(body[0]) == {"code", "description"}, body
    return int(body[0]["code"]), body[0]["description"]


# --- every endpoint, in both formats ---------------------------------------------------

# (url name, method, url kwargs, parameters, root element) for a call that succeeds.
ENDPOINTS = [
    ("discovery", "get", lambda o, r: {}, lambda o, r: {}, "discovery"),
    ("services", "get", lambda o, r: {}, lambda o, r: {"jurisdiction_id": HUB}, "services"),
    (
        "service",
        "get",
        lambda o, r: {"service_code": o.pledged.lights.code},
        lambda o, r: {"jurisdiction_id": HUB},
        "service_definition",
    ),
    ("requests", "get", lambda o, r: {}, lambda o, r: {"jurisdiction_id": HUB}, "requests"),
    ("requests", "post", lambda o, r: {}, lambda o, r: report_form(o), "requests"),
    (
        "request",
        "get",
        lambda o, r: {"service_request_id": r.pk},
        lambda o, r: {"jurisdiction_id": HUB},
        "requests",
    ),
    (
        "request-singular",
        "get",
        lambda o, r: {"service_request_id": r.pk},
        lambda o, r: {"jurisdiction_id": HUB},
        "requests",
    ),
    ("updates", "get", lambda o, r: {}, lambda o, r: {"jurisdiction_id": HUB}, "updates"),
    (
        "updates",
        "post",
        lambda o, r: {},
        lambda o, r: {
            "jurisdiction_id": HUB,
            "api_key": o.staff_key,
            "service_request_id": str(r.pk),
            "status": "IN_PROGRESS",
            "description": "An electrician is booked.",
            "update_id": "fms-1",
            "updated_datetime": "2026-03-01T10:00:00Z",
        },
        "updates",
    ),
]
NEEDS_JURISDICTION = [e for e in ENDPOINTS if e[0] != "discovery"]
POSTS = [e for e in ENDPOINTS if e[1] == "post"]


def _id(endpoint):
    return f"{endpoint[1].upper()} {endpoint[0]}"


@pytest.fixture
def existing(client, o311):
    """A report already made (and an update on it), for the endpoints that read one."""
    report = make_report(client, o311)
    report_update(
        actor=o311.world.staff, report=report, status=ReportStatus.ACKNOWLEDGED, note="Seen."
    )
    return report


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_id)
def test_each_endpoint_answers_in_each_format(client, o311, existing, endpoint, fmt):
    name, method, kwargs, params, root = endpoint
    response, body = call(
        client, method, name, fmt, params(o311, existing), **kwargs(o311, existing)
    )
    assert response.status_code == 200, body
    if root == "discovery":
        assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
        [endpoint] = body["endpoints"]
        assert endpoint["url"].endswith("/open311/v2")
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["formats"] == ["text/xml", "application/json"]
    elif root == "service_definition":
        assert body["service_code"] == o311.pledged.lights.code
    else:
        assert isinstance(body, list) and body


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e[1] == "get"], ids=_id)
def test_json_and_xml_say_the_same(client, o311, existing, endpoint):
    name, method, kwargs, params, _root = endpoint
    answers = [
        call(client, method, name, fmt, params(o311, existing), **kwargs(o311, existing))[1]
        for fmt in FORMATS
    ]
    assert as_text(answers[0]) == answers[1]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("endpoint", NEEDS_JURISDICTION, ids=_id)
def test_a_missing_jurisdiction_is_400_and_an_unknown_one_404(
    client, o311, existing, endpoint, fmt
):
    name, method, kwargs, params, _root = endpoint
    before = (Report.objects.count(), ReportUpdate.objects.count())
    for jurisdiction, status in ((None, 400), ("", 400), ("atlantis", 404)):
        given = {**params(o311, existing), "jurisdiction_id": jurisdiction}
        given = {k: v for k, v in given.items() if v is not None}
        response, body = call(client, method, name, fmt, given, **kwargs(o311, existing))
        assert response.status_code == status
        code, description = error_of(body)
        assert code == status
        assert description.startswith("jurisdiction_id:")
    assert (Report.objects.count(), ReportUpdate.objects.count()) == before


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("endpoint", POSTS, ids=_id)
@pytest.mark.parametrize(
    "key", ["", "cp_not-a-key", "nonsense", "other hub"], ids=["none", "wrong", "junk", "other"]
)
def test_a_post_without_a_good_key_for_the_hub_is_403(client, o311, existing, endpoint, key, fmt):
    name, method, kwargs, params, _root = endpoint
    before = (Report.objects.count(), ReportUpdate.objects.count())
    given = {**params(o311, existing), "api_key": o311.other_hub_key if key == "other hub" else key}
    response, body = call(client, method, name, fmt, given, **kwargs(o311, existing))
    assert response.status_code == 403
    code, description = error_of(body)
    assert code == 403 and description.startswith("api_key:")
    assert (Report.objects.count(), ReportUpdate.objects.count()) == before


def test_a_revoked_key_is_403(client, o311):
    from coproduce.hubs.models import ApiToken
    from coproduce.hubs.services import api_token_revoke

    token = ApiToken.objects.get(person=o311.world.member, hub=o311.hub)
    api_token_revoke(actor=o311.world.member, token=token)
    response, _body = call(client, "post", "requests", "json", report_form(o311))
    assert response.status_code == 403 and Report.objects.count() == 0


# --- POST requests: each bad request ---------------------------------------------------

BAD_REPORTS = [
    # (what is wrong, changes to the good form, status, the field the error names)
    ("no service_code", {"service_code": None}, 400, "service_code"),
    ("an unknown service_code", {"service_code": "potholes"}, 404, "service_code"),
    ("a pledge not published", {"service_code": "DRAFT"}, 404, "service_code"),
    ("a service of another hub", {"service_code": "NORTHFIELD"}, 404, "service_code"),
    ("no required attribute", {"attribute[block]": None}, 400, "attribute[block]"),
    ("an attribute not a choice", {"attribute[block]": "oak"}, 400, "attribute[block]"),
    ("a choice not in the list", {"attribute[floors][]": ["1", "9"]}, 400, "attribute[floors]"),
    ("two answers to one", {"attribute[block]": ["ash", "beech"]}, 400, "attribute[block]"),
    ("a number that is not", {"attribute[bulbs]": "three"}, 400, "attribute[bulbs]"),
    (
        "no location",
        {"lat": None, "long": None, "address_string": None},
        400,
        "lat, long, address_string, address_id",
    ),
    ("lat without long", {"long": None, "address_string": None}, 400, "long"),
    ("long without lat", {"lat": None}, 400, "lat"),
    ("lat beyond the pole", {"lat": "91"}, 400, "lat"),
    ("lat not a number", {"lat": "NaN"}, 400, "lat"),
    ("long not a number", {"long": "east"}, 400, "long"),
    ("an unknown address_id", {"address_id": "999999"}, 400, "address_id"),
    ("an address_id not a number", {"address_id": "x"}, 400, "address_id"),
    ("no description", {"description": None}, 400, "description"),
    ("a description over 4,000", {"description": "x" * 4001}, 400, "description"),
    ("a bad email", {"email": "rosa at home"}, 400, "email"),
    ("a phone not a number", {"phone": "call me"}, 400, "phone"),
    ("a media_url not a link", {"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ("a NUL character", {"description": "broken\x00light"}, 400, "description"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("changes", "status", "field"), [b[1:] for b in BAD_REPORTS], ids=[b[0] for b in BAD_REPORTS]
)
def test_a_bad_report_is_refused_naming_the_field_and_nothing_is_saved(
    client, o311, changes, status, field, fmt
):
    from tests.open311.objects import pledged

    northfield = pledged(o311.world.other_hub)
    special = {"DRAFT": o311.pledged.draft.code, "NORTHFIELD": northfield.lights.code}
    changes = {k: special.get(v, v) if isinstance(v, str) else v for k, v in changes.items()}
    response, body = call(client, "post", "requests", fmt, report_form(o311, **changes))
    assert response.status_code == status, body
    code, description = error_of(body)
    assert code == status
    assert description.startswith(f"{field}:"), description
    assert Report.objects.count() == 0 and ReceivedRequest.objects.count() == 0


def test_a_report_is_made_with_its_answers_contact_and_expected_date(client, o311):
    report = make_report(
        client,
        o311,
        **{
            "attribute[floors][]": ["1", "2"],
            "attribute[bulbs]": "3",
            "media_url": "https://photos.example.org/landing.jpg",
            "address_id": str(o311.pledged.office.pk),
        },
    )
    assert report.source == "open311" and report.reporter is None
    assert report.attributes == {"block": "ash", "floors": "1,2", "bulbs": "3"}
    assert (report.contact_name, report.contact_email) == (
        "Rosa Reporter",
        "rosa.reporter@example.org",
    )
    assert report.service_point == o311.pledged.office
    assert report.expected_at > report.created_at
    received = report.open311
    assert received.phone == "07700 900123"
    assert received.media_url == "https://photos.example.org/landing.jpg"
    assert received.token.person == o311.world.member


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_answer_to_a_post_is_the_new_id_and_the_notice(client, o311, fmt):
    _response, body = call(client, "post", "requests", fmt, report_form(o311))
    [created] = body
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    report = Report.objects.get()
    assert created["service_request_id"] == str(report.pk)
    assert "Stair lights mended within 5 working days." in created["service_notice"]
    assert "Expected by" in created["service_notice"]


def test_lat_and_long_with_an_address_together_are_taken(client, o311):
    report = make_report(client, o311)  # the spec's own example sends both
    assert (str(report.lat), str(report.long)) == ("51.501200", "-0.119900")
    assert report.address == "Ash House, stairwell B"


# --- GET: each bad request -------------------------------------------------------------

BAD_QUERIES = [
    # (what is wrong, endpoint, url kwargs, parameters, status, field)
    ("an unknown service_code", "service", {"service_code": "potholes"}, {}, 404, "service_code"),
    ("an unpublished pledge", "service", {"service_code": "DRAFT"}, {}, 404, "service_code"),
    (
        "a request that is not there",
        "request",
        {"service_request_id": "999999"},
        {},
        404,
        "service_request_id",
    ),
    (
        "a request id too big",
        "request",
        {"service_request_id": str(2**70)},
        {},
        404,
        "service_request_id",
    ),
    (
        "a request id not a number",
        "request",
        {"service_request_id": "abc"},
        {},
        404,
        "service_request_id",
    ),
    (
        "over 90 days",
        "requests",
        {},
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-02T00:00:00Z"},
        400,
        "start_date, end_date",
    ),
    (
        "end before start",
        "requests",
        {},
        {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
        400,
        "end_date",
    ),
    ("a date not a date", "requests", {}, {"start_date": "last tuesday"}, 400, "start_date"),
    ("a date in 9999", "requests", {}, {"end_date": "9999-12-31T00:00:00Z"}, 400, "end_date"),
    ("an unknown status", "requests", {}, {"status": "pending"}, 400, "status"),
    (
        "an unknown service_code filter",
        "requests",
        {},
        {"service_code": "potholes"},
        400,
        "service_code",
    ),
    (
        "an unpublished service_code filter",
        "requests",
        {},
        {"service_code": "DRAFT"},
        400,
        "service_code",
    ),
    (
        "a bad id in a list",
        "requests",
        {},
        {"service_request_id": "1,two"},
        400,
        "service_request_id",
    ),
    ("a page_size over 1,000", "requests", {}, {"page_size": "1001"}, 400, "page_size"),
    ("a page of 0", "requests", {}, {"page": "0"}, 400, "page"),
    (
        "updates over 90 days",
        "updates",
        {},
        {"start_date": "2025-01-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
        400,
        "start_date, end_date",
    ),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("name", "kwargs", "params", "status", "field"),
    [b[1:] for b in BAD_QUERIES],
    ids=[b[0] for b in BAD_QUERIES],
)
def test_a_bad_query_is_refused_naming_the_field(
    client, o311, name, kwargs, params, status, field, fmt
):
    draft = o311.pledged.draft.code
    kwargs = {k: draft if v == "DRAFT" else v for k, v in kwargs.items()}
    params = {
        "jurisdiction_id": HUB,
        **{k: draft if v == "DRAFT" else v for k, v in params.items()},
    }
    response, body = call(client, "get", name, fmt, params, **kwargs)
    assert response.status_code == status, body
    code, description = error_of(body)
    assert code == status and description.startswith(f"{field}:"), description


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_resource_or_format_is_404_with_the_error_array(client, fmt):
    response = client.get(f"/open311/v2/nothing-here.{fmt}")
    assert response.status_code == 404
    assert error_of(parsed(response, fmt))[0] == 404
    response = client.get("/open311/v2/services.html?jurisdiction_id=millbrook")
    assert response.status_code == 404
    assert error_of(parsed(response, "xml"))[0] == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_method_an_endpoint_does_not_take_is_405(client, o311, fmt):
    response = client.post(url("services", fmt), {"jurisdiction_id": HUB})
    assert response.status_code == 405 and response["Allow"] == "GET"
    assert error_of(parsed(response, fmt))[0] == 405


# --- what GET requests shows -----------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_are_the_published_pledges_categories_with_all_seven_fields(client, o311, fmt):
    _response, body = call(client, "get", "services", fmt, {"jurisdiction_id": HUB})
    assert [s["service_code"] for s in body] == [o311.pledged.bins.code, o311.pledged.lights.code]
    fields = {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert all(list(s) == list(fields) or set(s) == fields for s in body)
    lights = body[1]
    assert as_text(lights) == {
        "service_code": o311.pledged.lights.code,
        "service_name": "Stair lights",
        "description": "A light out on a stair or landing.",
        "metadata": "true",
        "type": "realtime",
        "keywords": "light, stairwell, landing",
        "group": "Repairs",
    }
    assert as_text(body[0])["metadata"] == "false"


def test_a_service_definition_lists_its_attributes_in_order(client, o311):
    _response, body = call(
        client,
        "get",
        "service",
        "json",
        {"jurisdiction_id": HUB},
        service_code=o311.pledged.lights.code,
    )
    block, floors, bulbs = body["attributes"]
    assert block == {
        "variable": True,
        "code": "block",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": None,
        "order": 1,
        "description": "Which block?",
        "values": [{"key": "ash", "name": "Ash House"}, {"key": "beech", "name": "Beech House"}],
    }
    assert floors["datatype"] == "multivaluelist" and len(floors["values"]) == 3
    assert bulbs["datatype"] == "number" and bulbs["values"] == []
    assert bulbs["datatype_description"] == "A whole number"


def test_a_request_shows_what_the_report_page_shows_and_no_personal_data(client, o311):
    report = make_report(client, o311, media_url="https://photos.example.org/landing.jpg")
    report_update(actor=o311.world.staff, report=report, status="fixed", note="New bulb fitted.")
    report.refresh_from_db()
    for fmt in FORMATS:
        response, [shown] = call(
            client, "get", "request", fmt, {"jurisdiction_id": HUB}, service_request_id=report.pk
        )
        assert list(shown) == [
            "service_request_id", "status", "status_notes", "service_name", "service_code",
            "description", "agency_responsible", "service_notice", "requested_datetime",
            "updated_datetime", "expected_datetime", "address", "address_id", "zipcode",
            "lat", "long", "media_url",
        ]  # fmt: skip
        text = as_text(shown) if fmt == "json" else shown
        assert text["service_request_id"] == str(report.pk)
        assert text["status"] == "closed"
        assert text["status_notes"] == "New bulb fitted."
        assert text["agency_responsible"] == "Millbrook Time Bank"
        assert text["media_url"] == "https://photos.example.org/landing.jpg"
        for moment in ("requested_datetime", "updated_datetime", "expected_datetime"):
            assert datetime.datetime.fromisoformat(text[moment]).tzinfo is not None
        assert datetime.datetime.fromisoformat(text["expected_datetime"]) == report.expected_at
        assert datetime.datetime.fromisoformat(
            text["updated_datetime"]
        ) == report.closed_at.replace(microsecond=0)
        body = response.content.decode()
        for private in ("Rosa", "Reporter", "rosa.reporter@example.org", "07700 900123"):
            assert private not in body
    assert isinstance(
        json.loads(
            call(
                client,
                "get",
                "request",
                "json",
                {"jurisdiction_id": HUB},
                service_request_id=report.pk,
            )[0].content
        )[0]["service_request_id"],
        str,
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_html_in_text_is_escaped_in_both_formats_and_reads_back_the_same(client, o311, fmt):
    evil = '<script>alert("x")</script> & <b>bold</b>'
    report = make_report(client, o311, description=evil)
    response, [shown] = call(
        client, "get", "request", fmt, {"jurisdiction_id": HUB}, service_request_id=report.pk
    )
    raw = response.content.decode()
    assert "<script>" not in raw and "<b>" not in raw
    assert ("&lt;script&gt;" if fmt == "xml" else "\\u003cscript\\u003e") in raw
    assert shown["description"] == evil


def test_the_list_defaults_to_the_last_90_days_newest_first(client, o311):
    old, middle, new = (make_report(client, o311) for _ in range(3))
    now = timezone.now()
    Report.objects.filter(pk=old.pk).update(created_at=now - datetime.timedelta(days=100))
    Report.objects.filter(pk=middle.pk).update(created_at=now - datetime.timedelta(days=10))
    _, body = call(client, "get", "requests", "json", {"jurisdiction_id": HUB})
    assert [r["service_request_id"] for r in body] == [str(new.pk), str(middle.pk)]
    window = {
        "start_date": (now - datetime.timedelta(days=101)).isoformat(),
        "end_date": (now - datetime.timedelta(days=20)).isoformat(),
    }
    _, body = call(client, "get", "requests", "json", {"jurisdiction_id": HUB, **window})
    assert [r["service_request_id"] for r in body] == [str(old.pk)]
    # service_request_id overrides everything else, the window included.
    ids = f"{old.pk},{new.pk}"
    _, body = call(
        client,
        "get",
        "requests",
        "json",
        {"jurisdiction_id": HUB, "service_request_id": ids, "status": "closed", **window},
    )
    assert {r["service_request_id"] for r in body} == {str(old.pk), str(new.pk)}


def test_the_list_filters_by_service_and_status_and_pages(client, o311):
    lights = [make_report(client, o311) for _ in range(3)]
    bins = make_report(
        client, o311, service_code=o311.pledged.bins.code, **{"attribute[block]": None}
    )
    report_update(actor=o311.world.staff, report=lights[0], status="fixed", note="Done.")

    def ids(**params):
        response, body = call(client, "get", "requests", "json", {"jurisdiction_id": HUB, **params})
        return [int(r["service_request_id"]) for r in body], response

    assert ids(service_code=o311.pledged.bins.code)[0] == [bins.pk]
    assert ids(status="closed")[0] == [lights[0].pk]
    assert set(ids(status="open,closed")[0]) == {r.pk for r in [*lights, bins]}
    assert ids(status="open", service_code=o311.pledged.lights.code)[0] == [
        lights[2].pk,
        lights[1].pk,
    ]
    first, response = ids(page_size="3")
    assert first == [bins.pk, lights[2].pk, lights[1].pk]
    assert 'rel="next"' in response["Link"] and "page=2" in response["Link"]
    second, response = ids(page_size="3", page="2")
    assert second == [lights[0].pk] and "Link" not in response


def test_the_list_costs_the_same_number_of_queries_however_long(client, o311):
    def queries_for_list():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(
                url("requests", "json"),
                {
                    "jurisdiction_id": HUB,
                    "service_code": o311.pledged.lights.code,
                    "status": "open",
                },
            )
        assert response.status_code == 200
        return len(captured), len(json.loads(response.content))

    make_report(client, o311)
    few = queries_for_list()
    for _ in range(12):
        report = make_report(client, o311)
        report_update(
            actor=o311.world.staff, report=report, status="investigating", note="Looking."
        )
    many = queries_for_list()
    assert few[1] == 1 and many[1] == 13
    assert many[0] == few[0] <= 4


def test_reports_of_a_pledge_no_longer_published_are_not_shown(client, o311):
    report = make_report(client, o311)
    o311.pledged.pledge.status = "retired"
    o311.pledged.pledge.save()
    _, body = call(client, "get", "requests", "json", {"jurisdiction_id": HUB})
    assert body == []
    response, body = call(
        client, "get", "request", "json", {"jurisdiction_id": HUB}, service_request_id=report.pk
    )
    assert response.status_code == 404
    _, body = call(client, "get", "services", "json", {"jurisdiction_id": HUB})
    assert body == []


def test_another_hubs_report_is_not_found_in_this_jurisdiction(client, o311):
    report = make_report(client, o311)
    response, _body = call(
        client,
        "get",
        "request",
        "json",
        {"jurisdiction_id": "northfield"},
        service_request_id=report.pk,
    )
    assert response.status_code == 404
    assert call(client, "get", "requests", "json", {"jurisdiction_id": "northfield"})[1] == []


# --- FixMyStreet's service request updates ---------------------------------------------


def update_form(o, report, **changes) -> dict:
    form = {
        "jurisdiction_id": HUB,
        "api_key": o.staff_key,
        "service_request_id": str(report.pk),
        "status": "FIXED",
        "description": "A new light fitted on the landing.",
        "update_id": "fms-77",
        "updated_datetime": "2026-03-02T09:30:00+00:00",
        "email": "fms-user@example.org",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


@pytest.mark.parametrize("fmt", FORMATS)
def test_staff_post_an_update_and_everyone_reads_it(client, o311, fmt):
    report = make_report(client, o311)
    response, [answer] = call(client, "post", "updates", fmt, update_form(o311, report))
    assert response.status_code == 200
    update = ReportUpdate.objects.get()
    assert answer == {"update_id": str(update.pk)}
    assert (update.author, update.status, update.note) == (
        o311.world.staff,
        "fixed",
        "A new light fitted on the landing.",
    )
    report.refresh_from_db()
    assert report.status == "fixed" and report.closed_at is not None
    _, [shown] = call(client, "get", "updates", fmt, {"jurisdiction_id": HUB})
    shown = shown if fmt == "xml" else as_text(shown)
    assert shown["update_id"] == str(update.pk)
    assert shown["service_request_id"] == str(report.pk)
    assert shown["status"] == "fixed"
    assert shown["description"] == "A new light fitted on the landing."
    assert datetime.datetime.fromisoformat(shown["updated_datetime"]).tzinfo is not None
    assert (
        "fms-user@example.org"
        not in call(client, "get", "updates", fmt, {"jurisdiction_id": HUB})[0].content.decode()
    )


def test_the_same_update_sent_twice_is_recorded_once(client, o311):
    report = make_report(client, o311)
    first = call(client, "post", "updates", "json", update_form(o311, report))[1]
    again = call(client, "post", "updates", "xml", update_form(o311, report))[1]
    assert first == again and ReportUpdate.objects.count() == 1 == ReceivedUpdate.objects.count()


BAD_UPDATES = [
    # (what is wrong, changes, status, field)
    ("a member's key", {"api_key": "MEMBER"}, 403, None),
    ("no service_request_id", {"service_request_id": None}, 400, "service_request_id"),
    ("an unknown request", {"service_request_id": "999999"}, 404, "service_request_id"),
    ("no status", {"status": None}, 400, "status"),
    ("an unknown status", {"status": "SOLVED"}, 400, "status"),
    ("closed with no description", {"description": None}, 400, "description"),
    ("a bad updated_datetime", {"updated_datetime": "yesterday"}, 400, "updated_datetime"),
    ("a media_url not a link", {"media_url": "ftp://x"}, 400, "media_url"),
]


@pytest.mark.parametrize(
    ("changes", "status", "field"), [b[1:] for b in BAD_UPDATES], ids=[b[0] for b in BAD_UPDATES]
)
def test_a_bad_update_is_refused_and_nothing_changes(client, o311, changes, status, field):
    report = make_report(client, o311)
    changes = {k: o311.member_key if v == "MEMBER" else v for k, v in changes.items()}
    response, body = call(client, "post", "updates", "json", update_form(o311, report, **changes))
    assert response.status_code == status, body
    code, description = error_of(body)
    assert code == status
    if field:
        assert description.startswith(f"{field}:"), description
    assert ReportUpdate.objects.count() == 0
    report.refresh_from_db()
    assert report.status == "new"


def test_client_states_map_to_ours_and_never_claim_fixed(client, o311):
    report = make_report(client, o311)
    for given, ours, theirs in [
        ("INVESTIGATING", "investigating", "investigating"),
        ("closed", "no_further_action", "no_further_action"),
        ("REOPEN", "new", "open"),
        ("NOT_COUNCILS_RESPONSIBILITY", "not_responsible", "not_councils_responsibility"),
        ("OPEN", "new", "open"),
    ]:
        form = update_form(
            o311, report, status=given, update_id=f"u-{given}", description=f"Now {given}"
        )
        response, body = call(client, "post", "updates", "json", form)
        assert response.status_code == 200, body
        report.refresh_from_db()
        assert report.status == ours
        _, shown = call(client, "get", "updates", "json", {"jurisdiction_id": HUB})
        assert shown[0]["status"] == theirs


def test_updates_come_a_page_at_a_time(client, o311):
    report = make_report(client, o311)
    for note in ("Looking.", "Ordered a part."):
        report_update(actor=o311.world.staff, report=report, status="investigating", note=note)
    params = {"jurisdiction_id": HUB, "page_size": "1"}
    response, [newest] = call(client, "get", "updates", "json", params)
    assert newest["description"] == "Ordered a part." and "page=2" in response["Link"]
    response, [older] = call(client, "get", "updates", "json", {**params, "page": "2"})
    assert older["description"] == "Looking." and "Link" not in response
