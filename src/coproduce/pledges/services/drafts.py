"""Drafting a pledge: started by staff, its words, what users commit to, what it grew from,
and its targets. Every change goes into the draft (`Pledge.draft`, the shape of
`PledgeVersion.content`); nothing live changes until a version is published
(services/pledges.py), so what reports are promised is always what was signed."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.text import slugify

from coproduce.audit import AuditKind, audit
from coproduce.deliberation.models import Priority, Statement, StatementStatus
from coproduce.errors import ApplicationError
from coproduce.hubs.models import Hub, Person
from coproduce.idempotency import SAME_CONTENT_WINDOW, once, owner_of

from .. import access
from ..content import draft_of, fingerprint
from ..models import Pledge, PledgeCategory
from . import categories

RESERVED_SLUGS = {"new", "templates", "calendar", "places", "adopt"}
MAX_COMMITMENTS = 20
MAX_GROWN_FROM = 30


def rights_of(actor: Person, pledge: Pledge) -> access.PledgeRights:
    return access.pledge_rights(access.membership(actor, pledge.hub), pledge)


def _require_edit(actor: Person, pledge: Pledge) -> None:
    if not rights_of(actor, pledge).edit:
        raise PermissionDenied("Only the hub's staff can change a pledge that is not retired.")


def locked(pledge: Pledge) -> Pledge:
    return Pledge.objects.select_for_update().select_related("hub").get(pk=pledge.pk)


def free_slug(hub: Hub, title: str) -> str:
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
        same_content_within=SAME_CONTENT_WINDOW,
    )


@transaction.atomic
def _create(actor: Person, hub: Hub, title: str) -> Pledge:
    pledge = Pledge.objects.create(
        hub=hub, slug=free_slug(hub, title), title=title, created_by=actor, draft=_empty(title)
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
    pledge = locked(pledge)
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
    pledge = locked(pledge)
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
    pledge = locked(pledge)
    _require_edit(actor, pledge)
    draft = dict(draft_of(pledge))
    kept = [c for c in draft.get("categories", []) if c["code"] != code]
    if len(kept) == len(draft.get("categories", [])):
        raise ApplicationError("That category is not in this pledge.", field="code")
    draft["categories"] = kept
    _save_draft(actor, pledge, draft, old={"category removed": code})
