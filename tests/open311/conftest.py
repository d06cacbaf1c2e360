"""Millbrook with a published pledge, keys for its staff and a member, and Northfield's
coordinator's key (another jurisdiction); and a way to call the server in either format
and read the answer back as the same plain structure."""

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest
from django.urls import reverse

from coproduce.hubs import services as hubs
from coproduce.open311.formats import ITEM_NAMES
from tests.open311.objects import Pledged, pledged

FORMATS = ("json", "xml")


@dataclass
class Open311World:
    world: object
    pledged: Pledged
    staff_key: str
    member_key: str
    other_hub_key: str

    @property
    def hub(self):
        return self.world.hub


@pytest.fixture
def o311(world) -> Open311World:
    return Open311World(
        world=world,
        pledged=pledged(world.hub),
        staff_key=hubs.api_token_create(person=world.staff, hub=world.hub)[1],
        member_key=hubs.api_token_create(person=world.member, hub=world.hub)[1],
        other_hub_key=hubs.api_token_create(person=world.other_coordinator, hub=world.other_hub)[1],
    )


def url(name: str, fmt: str, **kwargs) -> str:
    return reverse(f"open311:{name}", kwargs={"fmt": fmt, **kwargs})


def from_xml(element: ET.Element):
    """XML back into lists and dicts, by the same element names the server uses."""
    if element.tag in ITEM_NAMES:
        return [from_xml(child) for child in element]
    if len(element):
        return {child.tag: from_xml(child) for child in element}
    return element.text or ""


def as_text(value):
    """A JSON answer with every leaf as the text XML would hold."""
    if isinstance(value, list):
        return [as_text(v) for v in value]
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parsed(response, fmt: str):
    """The answer's content, checked for the spec's headers and declaration."""
    body = response.content
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return json.loads(body)
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return from_xml(ET.fromstring(body))  # noqa: S314 (our own server's answer)


def call(client, method: str, name: str, fmt: str, params=None, **kwargs):
    """(response, content) of one call: params in the query for GET, the form for POST."""
    address = url(name, fmt, **kwargs)
    if method == "get":
        response = client.get(address, params or {})
    else:
        response = client.post(address, params or {})
    return response, parsed(response, fmt)
