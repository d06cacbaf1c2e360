"""What the Open311 server reads, and the shape it gives each thing. Only what a pledge's
public page shows goes out: never a reporter, a contact name, an email or a phone number,
and never the report's own photo (only its staff and its reporter see that): a request's
`media_url` is the link its client sent, if any.

A list costs the same number of queries whatever its length: the hub's categories once,
then the reports as plain rows with their place, the client's media link and (a subquery
of the same query) their latest note.

A page of a thousand requests is read with a plain cursor (`read`, coproduce.plainrows)
and formatted by hand (`request_of`): Django's converters, which make each of four
thousand datetimes aware one at a time, cost more than the query itself.
"""

import datetime

from django.db.models import CharField, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from coproduce.hubs.models import Hub
from coproduce.plainrows import plain_dicts
from coproduce.pledges.models import (
    OPEN_STATUSES,
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


def _w3(stored: str | None) -> str | None:
    """A moment as the database writes it in text, in UTC ("2026-03-14 10:00:00.123456",
    with "+00" after it from PostgreSQL), as the spec's W3C text, as `w3` writes it.
    A page of a thousand requests shows three thousand moments; cutting up their text
    costs a tenth of making each a Python datetime and writing it out again."""
    if stored is None:
        return None
    return f"{stored[:10]}T{stored[11:19]}+00:00"


class HubReports:
    """A hub's reports under its published pledges, as service requests.

    The hub's categories are read first (a short list) and joined to the reports in
    Python: leaving the category out of the reports' query lets the database walk the
    hub's reports newest first by its index and stop at the end of the page, rather than
    gather every report in the window by category and sort them.
    """

    def __init__(self, hub: Hub):
        self.hub = hub
        self.categories = {
            c.pk: c for c in PledgeCategory.objects.filter(pledge__hub=hub).select_related("pledge")
        }
        # Categories whose reports are not shown: under drafts and retired pledges.
        self.hidden = [pk for pk, c in self.categories.items() if not c.pledge.is_published]

    def codes(self) -> dict[str, int]:
        """Service codes (of published pledges, taking reports or not) to category ids."""
        return {c.code: pk for pk, c in self.categories.items() if pk not in self.hidden}

    def reports(self) -> QuerySet:
        """The hub's reports, newest first, as rows of what a request shows (plain
        values: a page of a thousand is read without making a thousand models)."""
        latest_note = (
            ReportUpdate.objects.filter(report=OuterRef("pk"))
            .exclude(note="")
            .order_by("-created_at", "-id")
            .values("note")[:1]
        )
        reports = Report.objects.filter(hub=self.hub)
        if self.hidden:
            reports = reports.exclude(category_id__in=self.hidden)
        return (
            reports.annotate(
                latest_note=Subquery(latest_note),
                client_media=F("open311__media_url"),
                # As text, read in the database's own words in UTC (see _w3).
                requested=Cast("created_at", CharField()),
                updated=Cast("updated_at", CharField()),
                closed=Cast("closed_at", CharField()),
                expected=Cast("expected_at", CharField()),
            )
            .order_by("-created_at", "-id")
            .values(
                *SHOWN, "latest_note", "client_media", "requested", "updated", "closed", "expected"
            )
        )

    def updates(self) -> QuerySet[ReportUpdate]:
        updates = ReportUpdate.objects.filter(report__hub=self.hub)
        if self.hidden:
            updates = updates.exclude(report__category_id__in=self.hidden)
        return updates.annotate(client_media=F("open311__media_url")).order_by("-created_at", "-id")

    def shown(self, rows: list[dict]) -> list[dict]:
        """Rows of `reports()`, read with `read`, as service requests."""
        zone = timezone.get_current_timezone()
        return [
            request_of(row, self.categories[row["category_id"]], self.hub, zone) for row in rows
        ]


def read(rows: QuerySet) -> list[dict]:
    """Rows of `HubReports.reports()`, as the database gives them: datetimes in UTC,
    naive from SQLite (which `request_of` marks as UTC)."""
    return plain_dicts(rows)


def _utc(moment: datetime.datetime | None) -> datetime.datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=datetime.UTC)


# What a service request shows of a report, read as plain values.
SHOWN = (
    "id",
    "category_id",
    "description",
    "address",
    "lat",
    "long",
    "status",
    "status_note",
    "expected_at",
    "service_point_id",
    "service_point__name",
    "service_point__address",
    "service_point__lat",
    "service_point__long",
    "area__name",
)


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _notice(category: PledgeCategory, due: datetime.datetime) -> str:
    """The category's commitment and the date it gives, `due` being in the site's zone, as
    sentences: "Stair lights mended within 5 working days. Expected by 8 December 2026,
    17:00." (a full stop is added to a commitment written without one)."""
    expected = f"{due.day} {MONTHS[due.month - 1]} {due.year}, {due.hour:02}:{due.minute:02}"
    commitment = category.commitment.strip()
    if commitment and not commitment.endswith((".", "!", "?")):
        commitment += "."
    return f"{commitment} Expected by {expected}." if commitment else f"Expected by {expected}."


def _place(row: dict) -> tuple[str, object, object]:
    """Where, as the public may see it: one of the service's places, or the area. A street
    address or a map point the reporter gave may be their home, so it is never published
    (as on the report pages); staff see it on the report's page."""
    address = ", ".join(
        part for part in (row["service_point__name"], row["service_point__address"]) if part
    )
    lat, long = row["service_point__lat"], row["service_point__long"]
    return address or row["area__name"] or "", lat, long


def request_of(row: dict, category, hub: Hub, zone) -> dict:
    """A report (a row of HubReports.reports()) as a service request."""
    address, lat, long = _place(row)
    is_open = row["status"] in OPEN_STATUSES
    updated = row["updated"] if is_open or not row["closed"] else row["closed"]
    note = row["latest_note"] or row["status_note"]
    return {
        "service_request_id": str(row["id"]),
        "status": "open" if is_open else "closed",
        "status_notes": note or None,
        "service_name": category.name,
        "service_code": category.code,
        "description": row["description"],
        "agency_responsible": hub.name,
        "service_notice": _notice(category, _utc(row["expected_at"]).astimezone(zone)),
        "requested_datetime": _w3(row["requested"]),
        "updated_datetime": _w3(updated),
        "expected_datetime": _w3(row["expected"]),
        "address": address or None,
        "address_id": str(row["service_point_id"]) if row["service_point_id"] else None,
        "zipcode": None,
        "lat": round(float(lat), 6) if lat is not None else None,
        "long": round(float(long), 6) if long is not None else None,
        # The client's own link; never the report's photo (staff and reporter only).
        "media_url": row["client_media"] or None,
    }


def update_of(update: ReportUpdate) -> dict:
    return {
        "update_id": str(update.pk),
        "service_request_id": str(update.report_id),
        "status": statuses.extended(update.status),
        "updated_datetime": w3(update.created_at),
        "description": update.note,
        "media_url": getattr(update, "client_media", None) or "",
    }
