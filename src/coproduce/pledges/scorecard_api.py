"""A pledge's scorecard in the JSON API: `GET /api/v1/pledges/{slug}/scorecard`.

The hub comes from the key, as everywhere in the API; the rules are the page's (a
published or retired pledge's scorecard for any member, a draft's for staff). The figures
are those of the page and the CSV (see pledges/scorecard.py for how each is counted)."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from coproduce.api.common import ERRORS

from . import access, selectors
from .models import Pledge

router = Router(tags=["pledges"])


class TallyOut(Schema):
    reports: int
    closed: int = Field(description="Closed in any way, with or without a fix.")
    fixed_on_time: int = Field(description="Closed as fixed no later than the expected date.")
    fixed_late: int = Field(description="Closed as fixed after the expected date: not kept.")
    closed_not_fixed: int = Field(description="Closed as not fixed, at any time: not kept.")
    closed_without_fix: int = Field(
        description="Closed as a duplicate, not the service's responsibility, or no further "
        "action: neither kept nor not kept."
    )
    open_overdue: int = Field(description="Still open after the expected date: not kept.")
    open_not_yet_due: int
    kept: int = Field(description="Closed as fixed no later than the expected date.")
    not_kept: int = Field(description="Fixed late, closed as not fixed, or open past due.")
    share_kept: float | None = Field(description="kept / (kept + not kept); null if none.")
    enough_to_judge: bool = Field(
        description="False below the minimum of judged reports: show 'too few to judge'."
    )
    median_hours_to_close: float | None = Field(
        description="Calendar time, made to closed, over the reports closed as fixed."
    )
    disputed: int = Field(description="Reports the reporter said were not fixed.")
    reopened: int


class CategoryOut(Schema):
    code: str
    name: str
    total: TallyOut
    by_month: dict[str, TallyOut]


class UsersSideOut(Schema):
    commitment: str
    by_month: dict[str, int]
    total: int


class PledgeRef(Schema):
    slug: str
    title: str


class ScorecardOut(Schema):
    pledge: PledgeRef
    rules: dict
    as_of: str
    months: list[str] = Field(description="YYYY-MM, oldest first.")
    total: TallyOut
    by_month: dict[str, TallyOut]
    categories: list[CategoryOut]
    users_side: list[UsersSideOut]


@router.get("/pledges/{pledge_slug}/scorecard", response={200: ScorecardOut, **ERRORS})
def pledge_scorecard(request, pledge_slug: str):
    """Whether the pledge is kept: per month and category, reports, kept, not kept and
    closed without a fix, the median time to close, disputes, reopenings, and the users'
    side."""
    pledge = get_object_or_404(
        Pledge.objects.select_related("hub"), hub=request.hub, slug=pledge_slug
    )
    if not access.pledge_rights(request.membership, pledge).see_scorecard:
        raise Http404("No such pledge.")
    return selectors.pledge_scorecard(pledge).as_json()
