"""A pledge's content as one dictionary (the shape of `PledgeVersion.content`, described in
diffs.py): what the live rows say, what the draft says, and the fingerprint sign-offs are
given for. Reads only."""

import hashlib
import json

from .diffs import signed_part
from .models import Pledge, PledgeVersion

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
    found["staff"] = sorted(category.staff.values_list("pk", flat=True))
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
            for s in pledge.grown_from.select_related("priority").order_by("pk")
        ]
        if pledge.pk
        else [],
        "categories": [
            category_content(c)
            for c in pledge.categories.filter(is_active=True).order_by("name", "code")
        ]
        if pledge.pk
        else [],
    }


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


def published_content(pledge: Pledge) -> tuple[dict | None, PledgeVersion | None]:
    """What the pledge promises publicly, and the version saying it: the latest version;
    for a pledge marked published without one (made outside the services, such as by an
    import), what its live rows say; None for a draft."""
    version = latest_version(pledge)
    if version is not None:
        return version.content, version
    if pledge.status != "draft":
        return live_content(pledge), None
    return None, None
