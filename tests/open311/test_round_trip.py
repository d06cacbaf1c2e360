"""A round trip against a live server with an independent Open311 client, `georeport`
from PyPI (a dev dependency): it reads services, a service definition and requests in
both formats, parsing the XML with its own parser (xmltodict).

`georeport` has no way to post, and the other Open311 clients on PyPI (`open311` 1.1,
`three` 0.8) are Python 2 only (implicit relative imports, `itertools.ifilter`), so the
two POSTs (a request, then a staff update) are plain form posts with urllib, as the spec
describes them.
"""

import json
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest
import requests
from georeport import GeoReport

from tests.open311.conftest import FORMATS

pytestmark = pytest.mark.django_db(transaction=True)


def post(address: str, form: dict) -> tuple[int, bytes]:
    data = urllib.parse.urlencode(form, doseq=True).encode()
    request = urllib.request.Request(  # noqa: S310 (the live test server, over http)
        address,
        data=data,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_a_client_library_reads_what_a_post_made(live_server, o311):
    base = f"{live_server.url}/open311/v2"
    lights = o311.pledged.lights
    for fmt in FORMATS:
        client = GeoReport(base, jurisdiction="millbrook", output_format=fmt)
        services = client.get_service_list()
        assert {s["service_code"] for s in services} == {lights.code, o311.pledged.bins.code}
        definition = client.get_service_definition(lights.code)
        assert definition["service_code"] == lights.code

    # A tenant's app posts a report (XML answer, parsed here by the standard library).
    status, body = post(
        f"{base}/requests.xml",
        {
            "jurisdiction_id": "millbrook",
            "api_key": o311.member_key,
            "service_code": lights.code,
            "lat": "51.5012",
            "long": "-0.1199",
            "description": "Landing light out <again> & again",
            "attribute[block]": "beech",
            "attribute[floors][]": ["2", "3"],
            "email": "rosa.reporter@example.org",
            "first_name": "Rosa",
        },
    )
    assert status == 200, body
    created = ET.fromstring(body)  # noqa: S314 (our own server's answer)
    request_id = created.findtext("request/service_request_id")
    assert request_id and "Expected by" in created.findtext("request/service_notice")

    for fmt in FORMATS:
        client = GeoReport(base, jurisdiction="millbrook", output_format=fmt)
        shown = client.get_service_request(request_id)
        assert shown["service_request_id"] == request_id
        assert shown["status"] == "open"
        assert shown["description"] == "Landing light out <again> & again"
        assert shown["expected_datetime"] and shown["agency_responsible"] == "Millbrook Time Bank"
        listed = client.get_service_requests(service_request_id=request_id)
        assert listed  # a list in JSON; xmltodict gives the one request as a dict
        assert "rosa" not in json.dumps(listed).lower()

    # A member of staff's system posts an update (FixMyStreet's extension); JSON answer.
    status, body = post(
        f"{base}/servicerequestupdates.json",
        {
            "jurisdiction_id": "millbrook",
            "api_key": o311.staff_key,
            "service_request_id": request_id,
            "status": "FIXED",
            "description": "New fitting installed.",
            "update_id": "fms-1",
            "updated_datetime": "2026-03-02T09:30:00Z",
        },
    )
    assert status == 200, body
    [answer] = json.loads(body)
    client = GeoReport(base, jurisdiction="millbrook")
    shown = client.get_service_request(request_id)
    assert (shown["status"], shown["status_notes"]) == ("closed", "New fitting installed.")
    with urllib.request.urlopen(  # noqa: S310
        f"{base}/servicerequestupdates.json?jurisdiction_id=millbrook", timeout=30
    ) as response:
        [update] = json.loads(response.read())
    assert update["update_id"] == answer["update_id"] and update["status"] == "fixed"

    # Refusals reach the client as HTTP errors with the spec's error array.
    status, body = post(
        f"{base}/requests.json",
        {"jurisdiction_id": "millbrook", "api_key": "cp_wrong", "service_code": lights.code},
    )
    assert status == 403 and json.loads(body)[0]["code"] == 403
    with pytest.raises(requests.HTTPError) as refused:
        GeoReport(base, jurisdiction="atlantis").get_service_list()
    assert refused.value.response.status_code == 404
