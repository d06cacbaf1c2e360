"""Reports against a pledge in the JSON API: list, read, report, update, "me too", "was it
fixed?" and moderation, with the same rules as the pages (pledges/access.py, enforced by
the services). The hub comes from the key. Everyone with a key in the hub reads its
reports; the reporter's name, contact details, street address and map point are given
only to the hub's staff and to the reporter (`private` is null for anyone else)."""

import datetime
from typing import Literal

from django.db.models import Count, F, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import BaseModel, ConfigDict

from coproduce.api.common import ERRORS, MAX_ID, MAX_OFFSET, MAX_PAGE, Id, key_header
from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Neighbourhood, Person

from . import access, report_selectors, services
from .models import (
    OPEN_STATUSES,
    PledgeCategory,
    Report,
    ReportStatus,
    ReportSubscription,
    ServicePoint,
)

router = Router(tags=["reports"])

Status_ = Literal[tuple(ReportStatus.values)]  # type: ignore[valid-type]


# The answers are plain pydantic models, not ninja Schemas: a Schema reads every field of
# every row through its Django-object getter, which cost 20 ms for a page of 100 reports
# (4 ms as a plain model). They are given dicts (and ReportUpdates, read as attributes).


class PrivateOut(BaseModel):
    reporter: str | None = Field(None, description="The member it is from.")
    entered_by: str | None = Field(None, description="Staff who took it on the phone.")
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    address: str = ""
    lat: float | None = None
    long: float | None = None
    original_description: str = Field("", description="The reporter's words, if moderated.")
    has_photo: bool = False


class UpdateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status: str
    old_status: str
    note: str
    created_at: datetime.datetime


class ReportOut(BaseModel):
    id: int
    pledge: str = Field(description="The pledge's slug.")
    category: str = Field(description="The category's code (the Open311 service_code).")
    category_name: str
    status: str
    is_open: bool
    description: str
    area: str | None = None
    service_point: str | None = None
    answers: dict[str, str] = Field(
        description="The category's questions, answered: to the public, only those "
        "answered from a list; written answers are for staff and the reporter."
    )
    target: str = Field(description="The promise in words: “within 3 working days”.")
    expected_at: datetime.datetime
    late: bool = Field(description="Open past its expected date, or closed after it.")
    created_at: datetime.datetime
    updated_at: datetime.datetime
    closed_at: datetime.datetime | None = None
    reopened: int
    escalated_at: datetime.datetime | None = None
    me_too: int
    private: PrivateOut | None = Field(None, description="For staff and the reporter.")
    updates: list[UpdateOut] | None = Field(None, description="In the detail only.")


def _chosen_from_lists(questions) -> set[str]:
    """Codes of the category's questions answered from a list (public; see
    report_selectors.answers)."""
    return {q["code"] for q in questions or [] if q.get("datatype") in report_selectors.CHOICES}


def _out(report: Report, membership, *, detail: bool = False, now=None) -> dict:
    """A report (read by `_reports`) as the API gives it to this member."""
    private = access.sees_report_private(membership, report)
    public_answers = None if private else _chosen_from_lists(report.category_questions)
    out = {
        "id": report.pk,
        "pledge": report.pledge_slug,
        "category": report.category_code,
        "category_name": report.category_name,
        "status": report.status,
        "is_open": report.is_open,
        "description": report.description if private else report.public_description,
        "area": report.area_name,
        "service_point": report.service_point_name,
        "answers": {
            code: str(value)
            for code, value in (report.attributes or {}).items()
            if private or code in public_answers
        },
        "target": report.target,
        "expected_at": report.expected_at,
        "late": report_selectors.is_late(report, now or timezone.now()),
        "created_at": report.created_at,
        "updated_at": report.updated_at,
        "closed_at": report.closed_at,
        "reopened": report.reopened,
        "escalated_at": report.escalated_at,
        "me_too": report.me_too,
    }
    if private:
        out["private"] = {
            "reporter": report.reporter_name,
            "entered_by": report.entered_by_name,
            "contact_name": report.contact_name,
            "contact_email": report.contact_email,
            "contact_phone": report.contact_phone,
            "address": report.address,
            "lat": float(report.lat) if report.lat is not None else None,
            "long": float(report.long) if report.long is not None else None,
            "original_description": report.original_description,
            "has_photo": bool(report.photo),
        }
    if detail:
        out["updates"] = list(report.updates.all())
    return out


def _reports(hub):
    """The hub's reports with what `_out` shows of their category, pledge, place, people
    and followers as columns of the same query: names and the "me too" count from
    subqueries, not joins (two more joins of the people table took PostgreSQL 20 to 40 ms to
    plan, for a page of 100 reports read in 2 ms), and no objects made for each row's
    category, pledge and place."""
    me_too = (
        ReportSubscription.objects.filter(report=OuterRef("pk"))
        .order_by()
        .values("report")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Report.objects.filter(hub=hub).annotate(
        pledge_slug=F("category__pledge__slug"),
        category_code=F("category__code"),
        category_name=F("category__name"),
        category_questions=F("category__attributes"),
        area_name=F("area__name"),
        service_point_name=F("service_point__name"),
        me_too=Coalesce(Subquery(me_too, output_field=IntegerField()), 0),
        reporter_name=_name_of("reporter_id"),
        entered_by_name=_name_of("entered_by_id"),
    )


def _name_of(column: str) -> Subquery:
    return Subquery(Person.objects.filter(pk=OuterRef(column)).values("display_name")[:1])


def _report(request, report_id: int) -> Report:
    if not 0 < report_id <= MAX_ID:
        raise Http404("No such report.")
    # The services given it read its category and pledge.
    report = get_object_or_404(
        _reports(request.hub).select_related("category__pledge"), pk=report_id
    )
    report.hub = request.hub
    return report


def _fresh(request, report: Report) -> Report:
    """A report a service has just changed, read again as `_out` wants it."""
    return _report(request, report.pk)


class ReportFilters(Schema):
    category: str = Field("", max_length=60, description="A category's code.")
    status: Status_ | Literal["open", "closed", ""] = ""  # type: ignore[valid-type]
    pledge: str = Field("", max_length=60, description="A pledge's slug.")
    limit: int = Field(100, ge=1, le=MAX_PAGE, description=f"At most {MAX_PAGE}.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


@router.get("/reports", response={200: list[ReportOut], **ERRORS})
def report_list(request, filters: Query[ReportFilters]):
    """The hub's reports, newest first (`status=open` for open ones, soonest due first),
    a page at a time (`limit`, `offset`)."""
    found = _reports(request.hub)
    if filters.category:
        found = found.filter(category__code=filters.category)
    if filters.pledge:
        found = found.filter(category__pledge__slug=filters.pledge)
    viewer = request.membership
    if not (viewer and viewer.is_staff_or_above):  # drafts' reports stay with staff
        found = found.filter(category__pledge__status="published")
    if filters.status == "open":
        found = found.filter(status__in=OPEN_STATUSES).order_by("expected_at", "pk")
    elif filters.status == "closed":
        found = found.exclude(status__in=OPEN_STATUSES).order_by("-created_at", "-pk")
    else:
        if filters.status:
            found = found.filter(status=filters.status)
        found = found.order_by("-created_at", "-pk")
    now = timezone.now()
    # "me too" is counted per row of the page (a subquery), not grouped over every report
    # of the hub, so the newest come straight from the index.
    page = found[filters.offset : filters.offset + filters.limit]
    return [_out(r, viewer, now=now) for r in page]


@router.get("/reports/{report_id}", response={200: ReportOut, **ERRORS})
def report_detail(request, report_id: int):
    """One report, with its updates and their notes."""
    return _out(_report(request, report_id), request.membership, detail=True)


class ReportIn(Schema):
    category: str = Field(max_length=60, description="The category's code.")
    description: str = Field(description="Up to 4,000 characters.")
    address: str = ""
    area_id: Id | None = None
    service_point_id: Id | None = None
    lat: float | None = Field(None, description="With long, or neither.")
    long: float | None = None
    answers: dict[str, str | list[str]] = Field(
        {}, description="Answers to the category's questions, by question code."
    )
    for_person_id: Id | None = Field(
        None, description="Staff: the member you are reporting for (on the phone)."
    )
    contact_name: str = Field("", max_length=120, description="Staff: someone not a member.")
    contact_email: str = Field(
        "",
        max_length=254,
        description="Staff, for someone not a member: they are emailed every change, and a "
        "link to say whether it was fixed once it is closed.",
    )
    contact_phone: str = Field(
        "", max_length=40, description="Staff, for someone not a member: to ring them back."
    )


@router.post("/reports", response={201: ReportOut, **ERRORS})
def report_create(request, data: ReportIn, key: str | None = key_header()):
    """Report a problem under a category of a published pledge. Staff may report for a
    member (`for_person_id`) or for someone who is not (`contact_name`): it is recorded
    that they entered it. An `Idempotency-Key` makes a retry return the first report."""
    hub = request.hub
    category = (
        PledgeCategory.objects.select_related("pledge__hub")
        .filter(code=data.category, pledge__hub=hub)
        .first()
    )
    if category is None or not access.pledge_rights(request.membership, category.pledge).see:
        raise ApplicationError("Choose one of this hub's categories.", field="category")
    if not access.may_report(request.membership, category.pledge):
        raise ApplicationError(
            "This pledge is not published, so it does not take reports yet.", field="category"
        )
    area = place = None
    if data.area_id is not None:
        area = Neighbourhood.objects.filter(pk=data.area_id, hub=hub).first()
        if area is None:
            raise ApplicationError("Choose one of this hub's areas.", field="area_id")
    if data.service_point_id is not None:
        place = ServicePoint.objects.filter(pk=data.service_point_id, hub=hub).first()
        if place is None:
            raise ApplicationError("Choose one of this hub's places.", field="service_point_id")
    reporter, entered_by = request.user, None
    if data.for_person_id is not None or data.contact_name:
        if not access.reports_for_someone(request.membership, hub):
            raise ApplicationError(
                "Only staff report for someone else.", field="for_person_id", status=403
            )
        entered_by = request.user
        reporter = (
            hub_access.member_in_hub(hub, data.for_person_id).person
            if data.for_person_id is not None
            else None
        )
    try:
        report = services.report_create(
            category=category,
            description=data.description,
            reporter=reporter,
            entered_by=entered_by,
            address=data.address,
            area=area,
            service_point=place,
            lat=data.lat,
            long=data.long,
            attributes=data.answers,
            contact_name=data.contact_name,
            contact_email=data.contact_email,
            contact_phone=data.contact_phone,
            source="phone" if entered_by else "web",
            key=key or "",
        )
    except ApplicationError as error:
        if error.field and error.field.startswith("attribute["):
            error.field = f"answers.{error.field[len('attribute[') : -1]}"
        elif error.field == "service_code":
            error.field = "category"
        raise
    return Status(201, _out(_fresh(request, report), request.membership, detail=True))


class UpdateIn(Schema):
    status: Status_  # type: ignore[valid-type]
    note: str = Field("", description="For the reporter. Needed to close it.")


@router.post("/reports/{report_id}/updates", response={200: ReportOut, **ERRORS})
def report_update(request, report_id: int, data: UpdateIn, key: str | None = key_header()):
    """Staff: a new status and a note the reporter reads."""
    report = services.report_update(
        actor=request.user,
        report=_report(request, report_id),
        status=data.status,
        note=data.note,
        key=key,
    )
    return _out(_fresh(request, report), request.membership, detail=True)


class JoinedOut(Schema):
    joined: bool = Field(description="False when you were already following it.")


@router.post("/reports/{report_id}/me-too", response={200: JoinedOut, **ERRORS})
def report_me_too(request, report_id: int):
    """Say you have the same problem, and hear of every change. Sent twice, it is once."""
    joined = services.report_me_too(actor=request.user, report=_report(request, report_id))
    return {"joined": joined}


class AnswerIn(Schema):
    fixed: bool
    note: str = Field("", description="Private: for the service's staff and the reporter.")
    for_reporter: bool = Field(
        False,
        description="Staff: record the answer of a reporter who cannot give it online (no "
        "account, or no email), who rang in or whom you rang.",
    )


@router.post("/reports/{report_id}/answer", response={200: ReportOut, **ERRORS})
def report_answer(request, report_id: int, data: AnswerIn, key: str | None = key_header()):
    """The reporter, once it is closed: was it fixed? `false` reopens it. Staff record it
    for a reporter who is not online with `for_reporter`."""
    answer = services.report_answer_for if data.for_reporter else services.report_answer
    report = answer(
        actor=request.user,
        report=_report(request, report_id),
        fixed=data.fixed,
        note=data.note,
        key=key,
    )
    return _out(_fresh(request, report), request.membership, detail=True)


class ModerateIn(Schema):
    description: str = Field(description="The text to show instead.")
    reason: str = Field(description="Why: the reporter is told.")


@router.post("/reports/{report_id}/moderate", response={200: ReportOut, **ERRORS})
def report_moderate(request, report_id: int, data: ModerateIn):
    """Coordinators: replace the public text; the original is kept for staff."""
    report = services.report_moderate(
        actor=request.user,
        report=_report(request, report_id),
        description=data.description,
        reason=data.reason,
    )
    return _out(_fresh(request, report), request.membership, detail=True)
