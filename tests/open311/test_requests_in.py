"""What comes in through POST requests and what goes out of GET requests, beyond the spec's
shape: a request sent again with its Idempotency-Key makes one report; the key's holder is
the audit log's actor; errors name Open311's parameters, not the pages' fields; a
report's own photo is never published (only a link the client sent); and the notice
reads as sentences."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from coproduce.audit import sentence_of
from coproduce.audit_kinds import AuditKind
from coproduce.errors import ApplicationError
from coproduce.hubs.models import AuditEvent
from coproduce.open311 import params
from coproduce.open311.models import ReceivedRequest
from coproduce.pledges import services as pledges
from coproduce.pledges.models import Report
from tests.open311.conftest import FORMATS, call, parsed, url
from tests.open311.test_conformance import HUB, error_of, make_report, report_form

pytestmark = pytest.mark.django_db


def post(client, fmt, form, key=None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    response = client.post(url("requests", fmt), form, headers=headers)
    return response, parsed(response, fmt)


# --- the same request sent twice --------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_sent_again_with_its_key_makes_one_report(client, o311, fmt):
    form = report_form(o311, media_url="https://photos.example.org/landing.jpg")
    first_response, first = post(client, fmt, form, key="fms-2026-12-01-0001")
    again_response, again = post(client, fmt, form, key="fms-2026-12-01-0001")
    assert first_response.status_code == again_response.status_code == 200
    assert first == again
    assert first[0]["service_request_id"] == str(Report.objects.get().pk)
    assert ReceivedRequest.objects.count() == 1
    assert AuditEvent.objects.filter(event=AuditKind.REPORT_CREATED.value).count() == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_same_key_with_another_request_is_refused_and_saves_nothing(client, o311, fmt):
    post(client, fmt, report_form(o311), key="retry-1")
    changed = report_form(o311, description="Now the lift is broken too.")
    response, body = post(client, fmt, changed, key="retry-1")
    assert response.status_code == 409
    code, description = error_of(body)
    assert code == 409 and description.startswith("Idempotency-Key: ")
    assert Report.objects.count() == 1 and ReceivedRequest.objects.count() == 1


def test_a_key_is_the_key_holders_own(client, o311):
    """Another key holder's request with the same key is another request."""
    post(client, "json", report_form(o311), key="shared-words")
    _response, body = post(
        client, "json", report_form(o311, api_key=o311.staff_key), key="shared-words"
    )
    assert Report.objects.count() == 2
    assert body[0]["service_request_id"] == str(Report.objects.order_by("-pk").first().pk)


def test_a_refused_request_can_be_sent_again_with_its_key_once_put_right(client, o311):
    response, _body = post(
        client, "json", report_form(o311, **{"attribute[block]": None}), key="k-1"
    )
    assert response.status_code == 400 and not Report.objects.exists()
    response, _body = post(client, "json", report_form(o311), key="k-1")
    assert response.status_code == 200 and Report.objects.count() == 1


def test_a_key_over_100_characters_is_refused_naming_the_header(client, o311):
    response, body = post(client, "json", report_form(o311), key="k" * 101)
    assert response.status_code == 400
    assert error_of(body)[1].startswith("Idempotency-Key: ")
    assert not Report.objects.exists()


def test_without_a_key_a_request_sent_twice_is_two_reports(client, o311):
    post(client, "json", report_form(o311))
    post(client, "json", report_form(o311))
    assert Report.objects.count() == 2  # as the spec has it: hence the key


# --- who is in the audit log ------------------------------------------------------------


def test_the_key_holder_is_the_audit_logs_actor_and_the_report_is_the_contacts(client, o311):
    report = make_report(client, o311)
    assert (report.reporter, report.entered_by, report.source) == (None, None, "open311")
    assert report.contact_name == "Rosa Reporter"
    event = AuditEvent.objects.get(event=AuditKind.REPORT_CREATED.value)
    assert event.actor == o311.world.member and event.on_behalf_of is None
    assert event.new["source"] == "open311"
    name = o311.world.member.display_name
    assert sentence_of(event).startswith(f"{name}'s Open311 client sent in a report of stair")


# --- Open311's names in errors ----------------------------------------------------------

# (the field a pledges service names, the parameter an Open311 client is told)
FIELD_NAMES = [
    ("address", "address_string"),
    ("area", "address_string"),
    ("service_point", "address_id"),
    ("category", "service_code"),
    ("contact_name", "first_name"),
    ("contact_email", "email"),
    ("note", "description"),
    ("idempotency_key", "Idempotency-Key"),
    ("description", "description"),
    ("lat", "lat"),
    ("long", "long"),
    ("service_code", "service_code"),
    ("attribute[block]", "attribute[block]"),
    ("email", "email"),
    ("phone", "phone"),
    ("media_url", "media_url"),
    ("status", "status"),
]


@pytest.mark.parametrize(("ours", "theirs"), FIELD_NAMES)
def test_a_services_field_is_named_as_open311_names_it(ours, theirs):
    assert params.open311_name(ours) == theirs


def test_every_field_a_report_refuses_is_mapped_to_something_a_client_sends():
    """Each field report_create may name in an error is an Open311 parameter once mapped."""
    sent = {
        "service_code", "description", "lat", "long", "address_string", "address_id",
        "email", "first_name", "last_name", "phone", "media_url", "Idempotency-Key",
    }  # fmt: skip
    refused = {"description", "lat", "long", "address", "area", "service_point", "service_code"}
    refused |= {"idempotency_key"}
    assert {params.open311_name(field) for field in refused} <= sent


# (what is wrong, changes to a good report, the parameter the error names)
NAMED = [
    ("an address over 300", {"address_string": "x" * 301}, "address_string"),
    ("no description", {"description": " "}, "description"),
    ("a number not a number", {"attribute[bulbs]": "banana"}, "attribute[bulbs]"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("changes", "field"), [n[1:] for n in NAMED], ids=[n[0] for n in NAMED])
def test_a_refusal_from_the_services_names_the_open311_parameter(client, o311, changes, field, fmt):
    response, body = call(client, "post", "requests", fmt, report_form(o311, **changes))
    assert response.status_code == 400, body
    assert error_of(body)[1].startswith(f"{field}: "), body
    assert not Report.objects.exists()


def test_the_services_still_name_their_own_fields(o311):
    """The mapping is Open311's alone: the pages and the API keep the services' names."""
    with pytest.raises(ApplicationError) as raised:
        pledges.report_create(
            category=o311.pledged.lights,
            description="Out.",
            reporter=o311.world.member,
            address="x" * 301,
            attributes={"block": "ash"},
        )
    assert raised.value.field == "address"


# --- what is published ------------------------------------------------------------------


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), "orange").save(out, "JPEG")
    return out.getvalue()


def test_a_reports_own_photo_is_never_published(client, o311, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = pledges.report_create(
        category=o311.pledged.lights,
        description="The light is out.",
        reporter=o311.world.member,
        address="Ash House",
        attributes={"block": "ash"},
        photo=SimpleUploadedFile("landing.jpg", _jpeg(), content_type="image/jpeg"),
    )
    assert report.photo.name
    for fmt in FORMATS:
        for name, kwargs in (("requests", {}), ("request", {"service_request_id": report.pk})):
            response, [shown] = call(client, "get", name, fmt, {"jurisdiction_id": HUB}, **kwargs)
            assert shown["media_url"] in (None, "")
            page = response.content.decode()
            assert report.photo.name not in page and "media-is-not-served" not in page
            assert report.photo.name.rsplit("/", 1)[-1] not in page


def test_only_the_link_a_client_sent_is_published(client, o311):
    link = "https://photos.example.org/landing.jpg"
    report = make_report(client, o311, media_url=link)
    _response, [shown] = call(
        client, "get", "request", "json", {"jurisdiction_id": HUB}, service_request_id=report.pk
    )
    assert shown["media_url"] == link


# --- the notice -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("commitment", "starts"),
    [
        ("Communal lights mended", "Communal lights mended. Expected by "),
        ("Stair lights mended within 5 working days.", "Stair lights mended within 5 working"),
        ("Mended soon!", "Mended soon! Expected by "),
        ("  Mended  ", "Mended. Expected by "),
        ("", "Expected by "),
    ],
)
def test_the_notice_is_whole_sentences(client, o311, commitment, starts):
    lights = o311.pledged.lights
    lights.commitment = commitment
    lights.save(update_fields=["commitment"])
    _response, [created] = call(client, "post", "requests", "json", report_form(o311))
    notice = created["service_notice"]
    assert notice.startswith(starts), notice
    assert notice.endswith(".") and ".." not in notice and " ." not in notice
    assert notice.count("Expected by") == 1
