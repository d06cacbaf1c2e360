"""Hostile input to the API: every operation in the OpenAPI schema, with each parameter
and body field in turn set to something hostile, answers 4xx, never 500; and the
specific refusals (strict minutes, sane dates, bounded paging, ids a database holds)."""

import datetime
import json
import re

import pytest
from django.urls import reverse

from coproduce.hubs import services as hubs
from coproduce.timebank.models import Exchange, Transfer

HOSTILE = [
    2**70,
    -(2**70),
    2**63,
    -1,
    0,
    True,
    1.5,
    None,
    [],
    {},
    "x",
    "",
    "9" * 40,
    "0001-01-01",
    "9999-12-31",
    "\u00b9",
    "\u0663",
    "\x00",
    '=HYPERLINK("http://x")',
    "a" * 5000,
]


def _valid(prop: dict, components: dict):
    """A plausible value for a schema property, so one hostile field is tested at a time."""
    if "$ref" in prop:
        return _body(components[prop["$ref"].split("/")[-1]], components)
    if "anyOf" in prop:
        return _valid(next(p for p in prop["anyOf"] if p.get("type") != "null"), components)
    if "enum" in prop:
        return prop["enum"][0]
    kind = prop.get("type")
    if kind == "integer":
        return 30
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "string" and prop.get("format") == "date":
        return datetime.date.today().isoformat()
    return "Something"


def _body(schema: dict, components: dict) -> dict:
    return {k: _valid(p, components) for k, p in schema.get("properties", {}).items()}


def _operations(schema):
    components = schema["components"]["schemas"]
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            ref = (
                op.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema", {})
                .get("$ref")
            )
            body = _body(components[ref.split("/")[-1]], components) if ref else None
            queries = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
            yield method, path, body, queries


def test_fuzzing_every_operation_gives_no_server_error(world, bank, client):
    client.raise_request_exception = False
    secret = hubs.api_token_create(person=world.coordinator, hub=world.hub)[1]
    auth = {"Authorization": f"Bearer {secret}"}
    schema = client.get("/api/v1/openapi.json").json()
    failures = []

    def call(method, url, query="", body=None):
        response = getattr(client, method)(
            url + (f"?{query}" if query else ""),
            data=json.dumps(body) if body is not None else None,
            content_type="application/json",
            headers=auth,
        )
        if response.status_code >= 500:
            failures.append((method, url, query, str(body)[:80], response.status_code))

    for method, path, body, queries in _operations(schema):
        plain = re.sub(r"\{[^}]+\}", "1", path)
        for value in HOSTILE:
            text = value if isinstance(value, str) else json.dumps(value)
            if "{" in path and text.strip("/"):
                call(method, re.sub(r"\{[^}]+\}", text.replace("/", ""), path), body=body)
            for name in queries:
                call(method, plain, f"{name}={text}", body)
            for field in body or {}:
                call(method, plain, body={**body, field: value})
    assert failures == []


@pytest.fixture
def api(world, bank, client):
    secret = hubs.api_token_create(person=world.member, hub=world.hub)[1]

    def call(method, path, body=None):
        response = getattr(client, method)(
            f"/api/v1{path}",
            data=json.dumps(body) if body is not None else None,
            content_type="application/json",
            headers={"Authorization": f"Bearer {secret}"},
        )
        return response.status_code, response.json()

    return call


def _fields(error) -> set[str]:
    return {str(item["loc"][-1]) for item in error["detail"]}


@pytest.mark.parametrize("query", ["limit=1180591620717411303424", "offset=99999999999999999999"])
def test_huge_paging_is_refused_naming_the_parameter(api, query):
    status, error = api("get", f"/exchanges?{query}")
    assert status == 422
    assert _fields(error) == {query.split("=")[0]}


def test_a_page_of_at_most_500(api):
    assert api("get", "/listings?limit=500")[0] == 200
    assert api("get", "/listings?limit=501")[0] == 422


def test_ids_beyond_the_database_are_not_found_or_refused(api, bank):
    assert api("get", f"/exchanges/{2**70}")[0] == 404
    body = {"other_account_id": 2**70, "direction": "gave", "title": "x", "minutes": 30}
    status, error = api("post", "/exchanges", body)
    assert status == 422 and _fields(error) == {"other_account_id"}


@pytest.mark.parametrize("minutes", [True, 1.5, "30", None])
def test_minutes_must_be_a_whole_number(api, bank, minutes):
    body = {"other_account_id": bank.staff.pk, "direction": "gave", "title": "x"}
    status, error = api("post", "/exchanges", {**body, "minutes": minutes})
    assert status == 422 and _fields(error) == {"minutes"}
    status, error = api("post", "/chest/donations", {"minutes": minutes})
    assert status == 422 and _fields(error) == {"minutes"}
    assert not Exchange.objects.exists()
    assert not Transfer.objects.filter(kind="donation").exists()


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31"])
def test_dates_outside_a_sane_range_are_refused(api, bank, day):
    body = {"other_account_id": bank.staff.pk, "direction": "gave", "title": "x", "minutes": 30}
    status, error = api("post", "/exchanges", {**body, "done_on": day})
    assert status == 422 and _fields(error) == {"done_on"}
    assert "between 1 January 1900 and 31 December 2100" in error["detail"][0]["msg"]
    status, error = api("post", "/listings", {"kind": "offer", "title": "x", "expires_on": day})
    assert status == 422 and _fields(error) == {"expires_on"}
    assert not Exchange.objects.exists()


def test_nul_characters_are_refused_before_the_database(api):
    status, error = api("get", "/listings?q=%00")
    assert status == 400 and error["field"] == "query"
    status, error = api("post", "/listings", {"kind": "offer", "title": "a\u0000b"})
    assert status == 400 and error["field"] == "body"


def test_the_record_page_refuses_a_date_in_year_one(world, bank, client_for):
    response = client_for(world.member).post(
        reverse("exchange-record", args=[world.hub.slug]),
        {
            "direction": "gave",
            "other": bank.staff.pk,
            "title": "Lift",
            "hours": "1",
            "minutes": "0",
            "done_on": "0001-01-01",
            "key": "k",
        },
    )
    assert response.status_code == 400
    assert "Enter a date between 1 January 1900 and 31 December 2100." in response.content.decode()
    assert not Exchange.objects.exists()
