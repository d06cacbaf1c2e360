"""What the Open311 server reads, and the shape it gives each thing. Only what a pledge's
public page shows goes out: never a reporter, a contact name, an email or a phone number.

A list costs the same number of queries whatever its length: the reports come with their
category, place and the client's media link in one query, and each one's latest note is a
subquery of that same query.
"""

import datetime

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import dateformat, timezone

from coproduce.hubs.models import Hub
from coproduce.pledges.models import (
    PledgeCategory,
    PledgeStatus,
    PledgeVersion,
    Report,
    ReportUpdate,
)
from coproduce.siteurl import site_url

from . import statuses
from .formats import w3

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# Before any pledge is published, the discovery changeset is the day this server began.
FIRST_CHANGESET = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def hub_by_slug(slug: str) -> Hub | None:
    return Hub.objects.filter(slug=slug).first()


def discovery(request, base: str) -> dict:
    latest = PledgeVersion.objects.order_by("-published_at").values_list("published_at", flat=True)
    changeset = w3(latest.first() or FIRST_CHANGESET)
    return {
        "changeset": changeset,
        "contact": f"Write to the coordinators of the hub you report to ({site_url(request)}).",
        "key_service": (
            "A key acts as a member of one hub; the site's operator makes it "
            "(coproduce token create EMAIL --hub SLUG): ask the hub's coordinators. "
            "Reading needs no key."
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def services_of(hub: Hub) -> QuerySet[PledgeCategory]:
    """The categories of the hub's published pledges that take reports."""
    return (
        PledgeCategory.objects.filter(
            pledge__hub=hub, pledge__status=PledgeStatus.PUBLISHED, is_active=True
        )
        .select_related("pledge")
        .order_by("pledge__title", "name", "pk")
    )


def service(category: PledgeCategory) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or category.commitment,
        "metadata": bool(category.attributes),
        "type": "realtime",
        "keywords": category.keywords,
        "group": category.group or category.pledge.title,
    }


def _is_list(question: dict) -> bool:
    return question.get("datatype") in ("singlevaluelist", "multivaluelist")


def definition(category: PledgeCategory) -> dict:
    questions = sorted(
        enumerate(category.attributes or []), key=lambda each: (each[1].get("order", 0), each[0])
    )
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": bool(q.get("variable", True)),
                "code": q["code"],
                "datatype": q.get("datatype", "string"),
                "required": bool(q.get("required", False)),
                "datatype_description": q.get("datatype_description") or None,
                "order": q.get("order") or position + 1,
                "description": q.get("description", ""),
                "values": [
                    {"key": str(v["key"]), "name": v.get("name", str(v["key"]))}
                    for v in (q.get("values") or [])
                ]
                if _is_list(q)
                else [],
            }
            for position, q in questions
        ],
    }


def reports_of(hub: Hub) -> QuerySet[Report]:
    """The hub's reports under published pledges, each with what a request shows."""
    latest_note = (
        ReportUpdate.objects.filter(report=OuterRef("pk"))
        .exclude(note="")
        .order_by("-created_at", "-id")
        .values("note")[:1]
    )
    return (
        Report.objects.filter(hub=hub, category__pledge__status=PledgeStatus.PUBLISHED)
        .select_related("category", "service_point", "area")
        .annotate(latest_note=Subquery(latest_note), client_media=F("open311__media_url"))
        .order_by("-created_at", "-id")
    )


def _notice(report: Report) -> str:
    expected = dateformat.format(timezone.localtime(report.expected_at), "j F Y, H:i")
    return f"{report.category.commitment} Expected by {expected}."


def _place(report: Report) -> tuple[str, object, object]:
    point = report.service_point
    address = report.address
    if not address and point is not None:
        address = ", ".join(part for part in (point.name, point.address) if part)
    if not address and report.area is not None:
        address = report.area.name
    lat, long = report.lat, report.long
    if lat is None and point is not None:
        lat, long = point.lat, point.long
    return address, lat, long


def _media(report: Report, site: str) -> str | None:
    if report.photo:
        return site + report.photo.url
    return getattr(report, "client_media", None) or None


def request_of(report: Report, hub: Hub, site: str) -> dict:
    """A report as a service request (from a `reports_of` query)."""
    address, lat, long = _place(report)
    closed = report.status not in statuses.OPEN
    updated = report.closed_at if closed and report.closed_at else report.updated_at
    note = getattr(report, "latest_note", None) or report.status_note
    return {
        "service_request_id": str(report.pk),
        "status": statuses.open_or_closed(report.status),
        "status_notes": note or None,
        "service_name": report.category.name,
        "service_code": report.category.code,
        "description": report.description,
        "agency_responsible": hub.name,
        "service_notice": _notice(report),
        "requested_datetime": w3(report.created_at),
        "updated_datetime": w3(updated),
        "expected_datetime": w3(report.expected_at),
        "address": address or None,
        "address_id": str(report.service_point_id) if report.service_point_id else None,
        "zipcode": None,
        "lat": float(lat) if lat is not None else None,
        "long": float(long) if long is not None else None,
        "media_url": _media(report, site),
    }


def updates_of(hub: Hub) -> QuerySet[ReportUpdate]:
    return (
        ReportUpdate.objects.filter(
            report__hub=hub, report__category__pledge__status=PledgeStatus.PUBLISHED
        )
        .annotate(client_media=F("open311__media_url"))
        .order_by("-created_at", "-id")
    )


def update_of(update: ReportUpdate) -> dict:
    return {
        "update_id": str(update.pk),
        "service_request_id": str(update.report_id),
        "status": statuses.extended(update.status),
        "updated_datetime": w3(update.created_at),
        "description": update.note,
        "media_url": getattr(update, "client_media", None) or "",
    }
