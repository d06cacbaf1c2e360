"""A pledge's content as one dictionary (the shape of `PledgeVersion.content`, described in
diffs.py): what the live rows say, what the draft says, and the fingerprint sign-offs are
given for. Reads only."""

import hashlib
import json

from django.db.models import Prefetch

from coproduce.deliberation.models import Statement

from .diffs import signed_part
from .models import Pledge, PledgeCategory, PledgeVersion

CATEGORY_FIELDS = (
    "code",
    "name",
    "description",
    "commitment",
    "target_amount",
    "target_unit",
    "group",
    "keywords",
    "attributes",
)


def category_content(category) -> dict:
    found = {field: getattr(category, field) for field in CATEGORY_FIELDS}
    staff = _prefetched(category, "staff")
    found["staff"] = sorted(
        [p.pk for p in staff] if staff is not None else category.staff.values_list("pk", flat=True)
    )
    if category.template_code:  # as the draft holds it: only for an adopted category
        found["template_code"] = category.template_code
    return found


def live_content(pledge: Pledge) -> dict:
    """What the live pledge and its active categories say."""
    return {
        "title": pledge.title,
        "summary": pledge.summary,
        "co_designed_by": pledge.co_designed_by,
        "public_reports": pledge.public_reports,
        "user_commitments": list(pledge.user_commitments or []),
        "grown_from": [
            {"statement": s.pk, "text": s.text, "priority": hasattr(s, "priority")}
            for s in _grown_from(pledge)
        ]
        if pledge.pk
        else [],
        "categories": [category_content(c) for c in _categories(pledge)] if pledge.pk else [],
    }


def _prefetched(instance, name: str):
    """The rows of a relation fetched beforehand for many objects at once (see
    live_contents_fetched), or None."""
    return getattr(instance, "_prefetched_objects_cache", {}).get(name)


def _grown_from(pledge: Pledge):
    found = _prefetched(pledge, "grown_from")
    return (
        found if found is not None else pledge.grown_from.select_related("priority").order_by("pk")
    )


def _categories(pledge: Pledge):
    found = _prefetched(pledge, "categories")
    if found is not None:
        return found
    return pledge.categories.filter(is_active=True).order_by("name", "code")


def live_contents_fetched(pledges):
    """A queryset of pledges with what live_content reads fetched in a few queries for all
    of them, rather than a few for each."""
    return pledges.prefetch_related(
        Prefetch(
            "grown_from", queryset=Statement.objects.select_related("priority").order_by("pk")
        ),
        Prefetch(
            "categories",
            queryset=PledgeCategory.objects.filter(is_active=True)
            .order_by("name", "code")
            .prefetch_related("staff"),
        ),
    )


def latest_versions(pledges) -> dict[int, PledgeVersion]:
    """The latest version of each of these pledges, by pledge id, in one query."""
    found = {}
    for version in PledgeVersion.objects.filter(pledge__in=pledges).order_by(
        "pledge_id", "-number"
    ):
        found.setdefault(version.pledge_id, version)
    return found


def draft_of(pledge: Pledge) -> dict:
    """What the next version would say: the draft, or (with none) the live pledge."""
    return pledge.draft if pledge.draft is not None else live_content(pledge)


def fingerprint(content: dict) -> str:
    """The hash a sign-off is given for: a change to what is promised changes it."""
    text = json.dumps(signed_part(content), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def latest_version(pledge: Pledge) -> PledgeVersion | None:
    return pledge.versions.order_by("-number").first()


def has_changes(pledge: Pledge) -> bool:
    """Whether the draft differs (in what is signed) from the latest version."""
    latest = latest_version(pledge)
    return latest is None or fingerprint(latest.content) != fingerprint(draft_of(pledge))


_UNKNOWN = object()


def published_content(pledge: Pledge, latest=_UNKNOWN) -> tuple[dict | None, PledgeVersion | None]:
    """What the pledge promises publicly, and the version saying it: the latest version;
    for a pledge marked published without one (made outside the services, such as by an
    import), what its live rows say; None for a draft. `latest`: its latest version (or
    None) when already known (see latest_versions)."""
    version = latest_version(pledge) if latest is _UNKNOWN else latest
    if version is not None:
        return version.content, version
    if pledge.status != "draft":
        return live_content(pledge), None
    return None, None
