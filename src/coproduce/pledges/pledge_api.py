"""Pledges in the JSON API: the same rules as the pages. A published (or retired) pledge is
public, so these two calls need no key; with a key, its hub's members also see drafts.
A key that is sent must be good (401 otherwise)."""

import datetime

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Query, Router, Schema

from coproduce.api.common import ERRORS, TokenAuth
from coproduce.deliberation.templatetags.deliberation import MIN_VOTES_FOR_A_SHARE
from coproduce.errors import ApplicationError
from coproduce.hubs.models import Hub

from . import access, pledge_selectors
from .content import draft_of, latest_versions, live_contents_fetched, published_content
from .models import Pledge


class KeyOrNobody(TokenAuth):
    """A key if one is sent (and then it must be good); nobody if none is."""

    def __call__(self, request):
        if not request.headers.get("Authorization"):
            request.hub, request.membership = None, None
            return "nobody"
        return super().__call__(request)


router = Router(tags=["pledges"], auth=KeyOrNobody())


class QuestionOut(Schema):
    code: str
    description: str
    datatype: str
    required: bool
    values: list[dict] = []  # none for a free-text or number question


class TargetOut(Schema):
    code: str = Field(description="The Open311 service_code, unique on the site.")
    name: str
    commitment: str
    description: str
    target_amount: int
    target_unit: str
    target: str = Field(description="The target in words, e.g. 'within 24 working hours'.")
    questions: list[QuestionOut]


class CommitmentOut(Schema):
    text: str
    measure: str


# Counts are public figures: below this many votes they could point at a few people.
SMALL = f"null while fewer than {MIN_VOTES_FOR_A_SHARE} people agreed or disagreed"


class StatementOut(Schema):
    statement_id: int
    text: str
    priority: bool
    agree: int | None = Field(description=SMALL)
    disagree: int | None = Field(description=SMALL)
    passed: int | None = Field(description=SMALL)
    agree_share: float | None = Field(
        description=f"Of those who agreed or disagreed; null below {MIN_VOTES_FOR_A_SHARE}."
    )


class SignOffOut(Schema):
    role: str = Field(description="staff (for the service) or users (for the people using it)")
    signed_at: datetime.datetime
    name: str | None = Field(description="Given to the hub's own members only.")


class VersionOut(Schema):
    number: int
    published_at: datetime.datetime
    change_note: str
    changes: list[str] = Field(description="What it changed from the version before, in words.")
    sign_offs: list[SignOffOut]


class PledgeOut(Schema):
    id: int
    hub: str
    slug: str
    url: str
    status: str
    is_template: bool
    adopted_from: int | None
    version: int | None = Field(description="The latest published version; null for a draft.")
    title: str
    summary: str
    co_designed_by: str
    public_reports: bool
    targets: list[TargetOut]
    user_commitments: list[CommitmentOut]
    grown_from: list[StatementOut]


class PledgeDetailOut(PledgeOut):
    changed_from_template: list[str] | None
    adopted_by: list[str] = Field(description="Hubs (slugs) that adopted it as a template.")
    versions: list[VersionOut]


def _viewer(request, pledge: Pledge):
    membership = request.membership if request.hub and request.hub.pk == pledge.hub_id else None
    return access.pledge_rights(membership, pledge)


def _content(pledge: Pledge, rights, **latest) -> tuple[dict, int | None]:
    content, version = published_content(pledge, **latest)
    if content is not None:
        return content, version.number if version else None
    if rights.see_draft:
        return draft_of(pledge), None
    raise Http404("No such pledge.")


def _counts(row) -> dict:
    small = row["decided"] < MIN_VOTES_FOR_A_SHARE
    return {key: None if small else row[key] for key in ("agree", "disagree", "passed")}


def _share(row) -> float | None:
    if row["decided"] < MIN_VOTES_FOR_A_SHARE:
        return None
    return round(row["share"], 3)


def _out(pledge: Pledge, rights, shares=None, **latest) -> dict:
    content, number = _content(pledge, rights, **latest)
    return {
        "id": pledge.pk,
        "hub": pledge.hub.slug,
        "slug": pledge.slug,
        "url": reverse("pledge", args=[pledge.hub.slug, pledge.slug]),
        "status": pledge.status,
        "is_template": pledge.is_template,
        "adopted_from": pledge.adopted_from_id,
        "version": number,
        "title": content["title"],
        "summary": content["summary"],
        "co_designed_by": content["co_designed_by"],
        "public_reports": content["public_reports"],
        "targets": [
            {**t, "questions": t.get("attributes", [])} for t in pledge_selectors.targets(content)
        ],
        "user_commitments": content["user_commitments"],
        "grown_from": [
            {
                "statement_id": row["statement"],
                "text": row["text"],
                "priority": row["priority"],
                **_counts(row),
                "agree_share": _share(row),
            }
            for row in pledge_selectors.grown_from_rows(content, shares)
        ],
    }


@router.get("/pledges", response={200: list[PledgeOut], **ERRORS})
def pledge_list(request, hub: str = Query("", description="A hub's slug; the key's by default.")):
    """A hub's pledges: published and retired ones for anyone; drafts too for its members."""
    if hub:
        found = Hub.objects.filter(slug=hub).first()
        if found is None:
            raise ApplicationError("No hub has that slug.", field="hub", status=404)
    elif request.hub is not None:
        found = request.hub
    else:
        raise ApplicationError("Say which hub, by its slug (or send a key).", field="hub")
    membership = request.membership if request.hub and request.hub.pk == found.pk else None
    pledges = list(
        live_contents_fetched(pledge_selectors.pledges_for(found, membership).select_related("hub"))
    )
    # A few queries for the whole list, not a few for each pledge.
    versions = latest_versions(pledges)
    statements = {
        g["statement"]
        for version in versions.values()
        for g in (version.content or {}).get("grown_from", [])
    } | {s.pk for p in pledges for s in p.grown_from.all()}
    shares = pledge_selectors.statement_shares(sorted(statements))
    return [
        _out(p, access.pledge_rights(membership, p), shares, latest=versions.get(p.pk))
        for p in pledges
    ]


@router.get("/pledges/{pledge_id}", response={200: PledgeDetailOut, **ERRORS})
def pledge_detail(request, pledge_id: int):
    """One pledge: what it promises, its versions with their differences and sign-offs,
    and its lineage (the template it came from, the hubs that adopted it)."""
    pledge = get_object_or_404(Pledge.objects.select_related("hub", "adopted_from"), pk=pledge_id)
    rights = _viewer(request, pledge)
    found = _out(pledge, rights)
    content, _ = _content(pledge, rights)
    found["changed_from_template"] = pledge_selectors.changes_from_template(pledge, content)
    found["adopted_by"] = [local.hub.slug for local in pledge_selectors.adoptions_shown(pledge)]
    found["versions"] = [
        {
            "number": entry["version"].number,
            "published_at": entry["version"].published_at,
            "change_note": entry["version"].change_note,
            "changes": entry["changes"],
            "sign_offs": [
                {
                    "role": s.role,
                    "signed_at": s.signed_at,
                    "name": s.person.display_name if rights.see_names else None,
                }
                for s in entry["sign_offs"]
            ],
        }
        for entry in pledge_selectors.history(pledge)
    ]
    return found
