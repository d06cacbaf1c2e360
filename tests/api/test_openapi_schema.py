"""The API's schema is built once per process: it does not change with the data, so a
second request gives the same bytes without a query and without building it again;
the docs page still reads it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coproduce.api.v1 import api

pytestmark = pytest.mark.django_db


def test_the_schema_is_built_once_and_gives_the_same_bytes(client, monkeypatch):
    first = client.get("/api/v1/openapi.json")
    assert first.status_code == 200 and first["Content-Type"].startswith("application/json")
    assert "/api/v1/me" in first.json()["paths"]
    built = []
    original = type(api).__mro__[1].get_openapi_schema

    def counting(self, **kwargs):
        built.append(kwargs)
        return original(self, **kwargs)

    monkeypatch.setattr(type(api).__mro__[1], "get_openapi_schema", counting)
    with CaptureQueriesContext(connection) as queries:
        second = client.get("/api/v1/openapi.json")
    assert second.content == first.content
    assert len(queries) == 0 and built == []
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and b"/api/v1/openapi.json" in docs.content


def test_a_router_added_later_builds_the_schema_again(client):
    from ninja import Router

    before = api.get_openapi_schema()
    router = Router()

    @router.get("/schema-probe", auth=None)
    def probe(request):
        return {}

    try:
        api._routers.append(("/", router))  # as add_router records it
        after = api.get_openapi_schema()
        assert after is not before
    finally:
        api._routers.remove(("/", router))
    assert api.get_openapi_schema() is not after
