"""Templates: a hub offers a published pledge to other hubs; another hub's coordinator
adopts it as a local draft that records where it came from (`adopted_from`) and shows
what it changed."""

import re

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs.models import Hub, Person
from coproduce.idempotency import SAME_CONTENT_WINDOW, once, owner_of

from .. import access
from ..content import latest_version
from ..models import Pledge, PledgeCategory
from .drafts import free_slug, locked, rights_of


@transaction.atomic
def pledge_offer_as_template(*, actor: Person, pledge: Pledge, offered: bool) -> bool:
    """Offer a published pledge as a template other hubs can adopt, or stop offering it.
    Returns whether anything changed."""
    pledge = locked(pledge)
    if not rights_of(actor, pledge).offer_as_template:
        raise PermissionDenied("Coordinators offer their hub's published pledges as templates.")
    if pledge.is_template == offered:
        return False
    pledge.is_template = offered
    pledge.save(update_fields=["is_template"])
    audit(
        hub=pledge.hub,
        actor=actor,
        event=AuditKind.PLEDGE_CHANGED,
        subject=pledge,
        old={"is_template": not offered},
        new={"is_template": offered},
    )
    return True


def local_code(hub: Hub, template: Pledge, code: str) -> str:
    """A template's category code made this hub's own (codes are unique on the site)."""
    own = re.sub(rf"^{re.escape(template.hub.slug)}-", "", code)
    return f"{hub.slug}-{own}"[:60].strip("-")


def pledge_adopt(*, actor: Person, template: Pledge, hub: Hub, key: str | None = None) -> Pledge:
    """A coordinator makes a local draft from another hub's template, recording where it
    came from; the local pledge shows what it changed."""
    return once(
        hub_id=hub.pk,
        owner=owner_of(actor),
        key=key,
        kind="pledge-adopt",
        content={"template": template.pk},
        action=lambda: _adopt(actor, template, hub),
        same_content_within=SAME_CONTENT_WINDOW,
    )


@transaction.atomic
def _adopt(actor: Person, template: Pledge, hub: Hub) -> Pledge:
    template = Pledge.objects.select_related("hub").get(pk=template.pk)
    if not access.may_adopt(access.membership(actor, hub), hub, template):
        raise PermissionDenied("A coordinator adopts a published template into their hub.")
    version = latest_version(template)
    if version is None:
        raise ApplicationError("That template has no published version.")
    content = dict(version.content)
    content["grown_from"] = []  # statements belong to the template's hub
    content["categories"] = [
        {
            **c,
            "code": local_code(hub, template, c["code"]),
            "template_code": c["code"],
            "staff": [],
        }
        for c in content["categories"]
    ]
    already = Pledge.objects.filter(hub=hub, adopted_from=template).first()
    if already is not None:
        raise ApplicationError(f"This hub has adopted it already, as “{already.title}”.")
    codes = [c["code"] for c in content["categories"]]
    if PledgeCategory.objects.filter(code__in=codes).exists():
        raise ApplicationError("Another pledge already uses this template's category codes.")
    pledge = Pledge.objects.create(
        hub=hub,
        slug=free_slug(hub, content["title"]),
        title=content["title"],
        adopted_from=template,
        created_by=actor,
        created_at=timezone.now(),
        draft=content,
    )
    audit(
        hub=hub,
        actor=actor,
        event=AuditKind.PLEDGE_ADOPTED,
        subject=pledge,
        new={"template": template.pk, "from_hub": template.hub.slug, "version": version.number},
    )
    return pledge
