"""Pledges: drafted by staff, signed off by at least one member of staff and one
service-user representative, published as numbered versions, retired; offered as
templates and adopted by other hubs.

Editing never touches what is live: every change goes into the draft
(`Pledge.draft`, the shape of `PledgeVersion.content`). A sign-off is for the draft as it
stands (`SignOff.content_hash`), so a change after signing needs signing again; publishing
needs both sides' sign-offs of the current draft, stores the version, and only then
updates the live pledge and its categories (which reports and Open311 read).
"""

import re

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from coproduce.audit import AuditKind, audit
from coproduce.deliberation.models import Priority, Statement, StatementStatus
from coproduce.errors import ApplicationError
from coproduce.hubs.models import Hub, Person
from coproduce.idempotency import once, owner_of

from .. import access
from ..content import draft_of, fingerprint, has_changes, latest_version
from ..models import (
    Pledge,
    PledgeCategory,
    PledgeStatus,
    PledgeVersion,
    SignOff,
    SignOffRole,
)
from . import categories

# Addresses under a hub's pledges that are pages, not pledges.
RESERVED_SLUGS = {"new", "templates", "calendar", "places", "adopt"}
MAX_COMMITMENTS = 20
MAX_GROWN_FROM = 30


def _rights(actor: Person, pledge: Pledge) -> access.PledgeRights:
    return access.pledge_rights(access.membership(actor, pledge.hub), pledge)


def _require_edit(actor: Person, pledge: Pledge) -> None:
    if not _rights(actor, pledge).edit:
        raise PermissionDenied("Only the hub's staff can change a pledge that is not retired.")


def _lock(pledge: Pledge) -> Pledge:
    return Pledge.objects.select_for_update().select_related("hub").get(pk=pledge.pk)


def _free_slug(hub: Hub, title: str) -> str:
    base = (slugify(title) or "pledge")[:50].strip("-") or "pledge"
    if base in RESERVED_SLUGS:
        base = f"{base}-pledge"
    slug, n = base, 1
    while Pledge.objects.filter(hub=hub, slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ApplicationError("Give the pledge a title.", field="title")
    if len(title) > 200:
        raise ApplicationError("Keep the title to 200 characters.", field="title")
    return title


def _empty(title: str) -> dict:
    return {
        "title": title,
        "summary": "",
        "co_designed_by": "",
        "public_reports": False,
        "user_commitments": [],
        "grown_from": [],
        "categories": [],
    }


def pledge_create(*, actor: Person, hub: Hub, title: str, key: str | None = None) -> Pledge:
    """Start a draft pledge (staff and coordinators)."""
    if not access.may_draft(access.membership(actor, hub), hub):
        raise PermissionDenied("Only the hub's staff can draft a pledge.")
    title = _title(title)
    return once(
        hub_id=hub.pk,
        owner=owner_of(actor),
        key=key,
        kind="pledge",
        content={"title": title},
        action=lambda: _create(actor, hub, title),
    )


@transaction.atomic
def _create(actor: Person, hub: Hub, title: str) -> Pledge:
    pledge = Pledge.objects.create(
        hub=hub, slug=_free_slug(hub, title), title=title, created_by=actor, draft=_empty(title)
    )
    audit(
        hub=hub, actor=actor, event=AuditKind.PLEDGE_CREATED, subject=pledge, new={"title": title}
    )
    return pledge


def _commitments(given: list) -> list[dict]:
    found, seen = [], set()
    for item in given:
        text = " ".join(str(item.get("text", "")).split())
        measure = " ".join(str(item.get("measure", "")).split())
        if not text:
            if measure:
                raise ApplicationError(
                    "Say what users commit to, as well as how it is measured.",
                    field="user_commitments",
                )
            continue
        if len(text) > 300 or len(measure) > 300:
            raise ApplicationError(
                "Keep each commitment and its measure to 300 characters.", field="user_commitments"
            )
        if text.lower() not in seen:
            seen.add(text.lower())
            found.append({"text": text, "measure": measure})
    if len(found) > MAX_COMMITMENTS:
        raise ApplicationError(
            f"List at most {MAX_COMMITMENTS} commitments.", field="user_commitments"
        )
    return found


def _grown_from(hub: Hub, statements) -> list[dict]:
    chosen = list(statements)
    if len(chosen) > MAX_GROWN_FROM:
        raise ApplicationError(f"Choose at most {MAX_GROWN_FROM} statements.", field="grown_from")
    found = []
    for statement in sorted(chosen, key=lambda s: s.pk):
        if statement.conversation.hub_id != hub.pk or statement.status != StatementStatus.VISIBLE:
            raise ApplicationError(
                "Choose statements from this hub's conversations.", field="grown_from"
            )
        found.append(
            {
                "statement": statement.pk,
                "text": statement.text,
                "priority": Priority.objects.filter(statement=statement).exists(),
            }
        )
    return found


@transaction.atomic
def pledge_update(
    *,
    actor: Person,
    pledge: Pledge,
    title: str,
    summary: str = "",
    co_designed_by: str = "",
    user_commitments: list[dict] = (),
    grown_from: list[Statement] = (),
    public_reports: bool = False,
) -> bool:
    """Change the draft's words, what users commit to, and what it grew from. Returns
    whether anything changed."""
    pledge = _lock(pledge)
    _require_edit(actor, pledge)
    summary, co_designed_by = (summary or "").strip(), (co_designed_by or "").strip()
    if len(summary) > 2000:
        raise ApplicationError("Keep the summary to 2,000 characters.", field="summary")
    if len(co_designed_by) > 1000:
        raise ApplicationError("Keep this to 1,000 characters.", field="co_designed_by")
    draft = dict(draft_of(pledge))
    changes = {
        "title": _title(title),
        "summary": summary,
        "co_designed_by": co_designed_by,
        "public_reports": bool(public_reports),
        "user_commitments": _commitments(user_commitments),
        "grown_from": _grown_from(pledge.hub, grown_from),
    }
    old = {k: draft.get(k) for k in changes if draft.get(k) != changes[k]}
    if not old:
        return False
    draft.update(changes)
    _save_draft(actor, pledge, draft, old={k: str(v)[:200] for k, v in old.items()})
    return True


def _save_draft(actor: Person, pledge: Pledge, draft: dict, old: dict) -> None:
    pledge.draft = draft
    fields = ["draft"]
    if not pledge.versions.exists():  # never published: lists show the draft's title
        pledge.title = draft["title"]
        fields.append("title")
    pledge.save(update_fields=fields)
    audit(
        hub=pledge.hub,
        actor=actor,
        event=AuditKind.PLEDGE_CHANGED,
        subject=pledge,
        old=old,
        new={"fingerprint": fingerprint(draft)},
    )


@transaction.atomic
def category_save(
    *, actor: Person, pledge: Pledge, existing_code: str | None = None, **fields
) -> dict:
    """Add a category to the draft, or change the one with `existing_code` (its code
    stays). The fields are those of categories.clean_category. Returns the category."""
    pledge = _lock(pledge)
    _require_edit(actor, pledge)
    draft = dict(draft_of(pledge))
    found = list(draft.get("categories", []))
    code = existing_code
    existing = next((c for c in found if c["code"] == code), None) if code else None
    if code and existing is None:
        raise ApplicationError("That category is not in this pledge.", field="code")
    category = categories.clean_category(pledge, existing, found, **fields)
    if existing is not None:
        found[found.index(existing)] = category
    else:
        found.append(category)
    found.sort(key=lambda c: (c["name"].lower(), c["code"]))
    draft["categories"] = found
    _save_draft(actor, pledge, draft, old={"category": code or category["code"]})
    # Who is told of reports is not signed: it applies at once to a live category.
    live = PledgeCategory.objects.filter(pledge=pledge, code=category["code"]).first()
    if live is not None:
        live.staff.set(category["staff"])
    return category


@transaction.atomic
def category_remove(*, actor: Person, pledge: Pledge, code: str) -> None:
    pledge = _lock(pledge)
    _require_edit(actor, pledge)
    draft = dict(draft_of(pledge))
    kept = [c for c in draft.get("categories", []) if c["code"] != code]
    if len(kept) == len(draft.get("categories", [])):
        raise ApplicationError("That category is not in this pledge.", field="code")
    draft["categories"] = kept
    _save_draft(actor, pledge, draft, old={"category removed": code})


@transaction.atomic
def pledge_sign(*, actor: Person, pledge: Pledge) -> SignOff:
    """Sign off the draft as it stands: staff for the service, a member who is not staff
    for the people who use it. Signing the same draft again changes nothing."""
    pledge = _lock(pledge)
    rights = _rights(actor, pledge)
    if not rights.sign:
        raise PermissionDenied("Only members of the hub can sign off its pledges.")
    if not has_changes(pledge):
        raise ApplicationError("Nothing to sign: the draft says the same as the published version.")
    role = SignOffRole.STAFF if rights.sign_for_service else SignOffRole.USERS
    content_hash = fingerprint(draft_of(pledge))
    signed, created = SignOff.objects.get_or_create(
        pledge=pledge,
        person=actor,
        content_hash=content_hash,
        version=None,
        defaults={"role": role},
    )
    if created:
        audit(
            hub=pledge.hub,
            actor=actor,
            event=AuditKind.PLEDGE_SIGNED,
            subject=pledge,
            new={"role": role, "fingerprint": content_hash},
        )
    return signed


def current_sign_offs(pledge: Pledge):
    """The sign-offs of the draft as it stands (older ones were for other words)."""
    return SignOff.objects.filter(
        pledge=pledge, version=None, content_hash=fingerprint(draft_of(pledge))
    ).select_related("person")


def missing_sign_offs(pledge: Pledge) -> list[str]:
    """Which sides have still to sign the draft as it stands."""
    roles = set(current_sign_offs(pledge).values_list("role", flat=True))
    return [role for role in (SignOffRole.STAFF, SignOffRole.USERS) if role not in roles]


def pledge_publish(
    *, actor: Person, pledge: Pledge, change_note: str = "", key: str | None = None
) -> PledgeVersion:
    """Publish the draft as the next version (coordinators), once both sides signed it."""
    change_note = " ".join((change_note or "").split())
    return once(
        hub_id=pledge.hub_id,
        owner=owner_of(actor),
        key=key,
        kind="pledge-publish",
        content={"pledge": pledge.pk, "note": change_note},
        action=lambda: _publish(actor, pledge, change_note),
    )


@transaction.atomic
def _publish(actor: Person, pledge: Pledge, change_note: str) -> PledgeVersion:
    pledge = _lock(pledge)
    if not _rights(actor, pledge).publish:
        raise PermissionDenied("Only the hub's coordinators can publish a pledge.")
    if len(change_note) > 500:
        raise ApplicationError("Keep the note to 500 characters.", field="change_note")
    if not has_changes(pledge):
        raise ApplicationError("Nothing has changed since the last version.")
    content = draft_of(pledge)
    if not content.get("categories"):
        raise ApplicationError("Add at least one target before publishing.")
    missing = missing_sign_offs(pledge)
    if missing:
        sides = " and ".join(SignOffRole(role).label.lower() for role in missing)
        raise ApplicationError(f"It needs signing off {sides} first.")
    latest = latest_version(pledge)
    version = PledgeVersion.objects.create(
        pledge=pledge,
        number=(latest.number + 1) if latest else 1,
        content=content,
        change_note=change_note,
        published_by=actor,
    )
    current_sign_offs(pledge).update(version=version)
    _make_live(pledge, content)
    audit(
        hub=pledge.hub,
        actor=actor,
        event=AuditKind.PLEDGE_PUBLISHED,
        subject=pledge,
        new={"version": version.number, "fingerprint": fingerprint(content)},
    )
    return version


def _make_live(pledge: Pledge, content: dict) -> None:
    pledge.title = content["title"]
    pledge.summary = content["summary"]
    pledge.co_designed_by = content["co_designed_by"]
    pledge.public_reports = content["public_reports"]
    pledge.user_commitments = content["user_commitments"]
    pledge.status = PledgeStatus.PUBLISHED
    pledge.draft = None
    pledge.save()
    statements = [g["statement"] for g in content["grown_from"]]
    pledge.grown_from.set(Statement.objects.filter(pk__in=statements))
    pledge.priorities.set(Priority.objects.filter(statement_id__in=statements))
    kept = []
    for given in content["categories"]:
        fields = {f: given[f] for f in categories.LIVE_FIELDS}
        try:
            with transaction.atomic():
                live, _ = PledgeCategory.objects.update_or_create(
                    code=given["code"], pledge=pledge, defaults={**fields, "is_active": True}
                )
        except IntegrityError:
            raise ApplicationError(
                f"The code “{given['code']}” is taken by another pledge: change the category.",
                field="code",
            ) from None
        live.staff.set(given.get("staff", []))
        kept.append(live.pk)
    # A category taken out keeps its reports: it stops taking new ones.
    pledge.categories.exclude(pk__in=kept).update(is_active=False)


@transaction.atomic
def pledge_retire(*, actor: Person, pledge: Pledge) -> Pledge:
    """Retire a published pledge (coordinators): it takes no more reports; its page stays."""
    pledge = _lock(pledge)
    if not _rights(actor, pledge).retire:
        raise PermissionDenied("Only the hub's coordinators can retire a published pledge.")
    pledge.status = PledgeStatus.RETIRED
    pledge.is_template = False
    pledge.save(update_fields=["status", "is_template"])
    audit(hub=pledge.hub, actor=actor, event=AuditKind.PLEDGE_RETIRED, subject=pledge)
    return pledge


@transaction.atomic
def pledge_offer_as_template(*, actor: Person, pledge: Pledge, offered: bool) -> bool:
    """Offer a published pledge as a template other hubs can adopt, or stop offering it.
    Returns whether anything changed."""
    pledge = _lock(pledge)
    if not _rights(actor, pledge).offer_as_template:
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
        slug=_free_slug(hub, content["title"]),
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
