"""Open311's two formats from one structure: XML (required by the spec) and JSON (its
"Spark convention" mapping of the XML), and its error array.

A response is built as plain dicts and lists. In XML a list is an element holding one
element per item (`<services><service>…`), named by ITEM_NAMES; in JSON it is an array.
Text is escaped on the way out in both: ElementTree escapes markup in XML, and in JSON
`<`, `>` and `&` are written as \\u escapes, so a description holding HTML reaches a
client as text and is never markup, whatever the client does with it.
"""

import datetime
import re
import xml.etree.ElementTree as ET

import orjson
from django.http import HttpResponse

FORMATS = ("json", "xml")
CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}
MIME_TYPES = ("text/xml", "application/json")  # as service discovery names them

# The XML element for each item of a list, by the list's own element.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}

# Characters XML 1.0 cannot hold at all (not even escaped).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_JSON_MARKUP = {b"<": b"\\u003c", b">": b"\\u003e", b"&": b"\\u0026"}


class Open311Error(Exception):
    """An error to answer with the spec's error array: 400 for a request that cannot be
    done, 403 for a missing or wrong api_key, 404 for something that does not exist."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def w3(moment: datetime.datetime | None) -> str | None:
    """A moment as the spec wants it: W3C format (ISO 8601) with the offset, in UTC
    ("2026-03-14T10:00:00+00:00"). UTC rather than the site's zone because a page of
    requests writes its moments from the database's text, which is in UTC (queries._w3);
    every client reads the offset."""
    if moment is None:
        return None
    return moment.astimezone(datetime.UTC).isoformat(timespec="seconds")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(ET.SubElement(element, key), inner)
    elif isinstance(value, list):
        name = ITEM_NAMES[element.tag]
        for inner in value:
            _fill(ET.SubElement(element, name), inner)
    else:
        element.text = _text(value)


def to_xml(root: str, value) -> bytes:
    element = ET.Element(root)
    _fill(element, value)
    body = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode()


def to_json(value) -> bytes:
    content = orjson.dumps(value)  # UTF-8, compact, as json.dumps(ensure_ascii=False)
    for character, escaped in _JSON_MARKUP.items():
        content = content.replace(character, escaped)
    return content


def respond(fmt: str, root: str, value, status: int = 200) -> HttpResponse:
    """`value` in the format asked for; `root` names the XML document element."""
    content = to_xml(root, value) if fmt == "xml" else to_json(value)
    return HttpResponse(content, content_type=CONTENT_TYPES[fmt], status=status)


def errors(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    """The spec's error response: an array of {code, description}, with the HTTP status."""
    listed = [{"code": status, "description": d} for d in descriptions]
    return respond(fmt, "errors", listed, status=status)
