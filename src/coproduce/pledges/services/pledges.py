"""Signing off and publishing pledges: at least one member of staff and one service-user
representative sign the draft as it stands (`SignOff.content_hash`), so a change after
signing needs signing again; publishing needs both sides' sign-offs of the current draft,
stores the numbered version, and only then updates the live pledge and its categories
(which reports and Open311 read). Retiring stops new reports."""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q

from coproduce.audit import AuditKind, audit
from coproduce.deliberation.models import Priority, Statement
from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import STAFF_ROLES, Membership, Person
from coproduce.idempotency import once, owner_of

from ..content import draft_of, fingerprint, has_changes, latest_version
from ..models import Pledge, PledgeCategory, PledgeStatus, PledgeVersion, SignOff, SignOffRole
from . import categories
from .drafts import locked, rights_of


@transaction.atomic
def pledge_sign(*, actor: Person, pledge: Pledge, seen: str | None = None) -> SignOff:
    """Sign off the draft as it stands: staff for the service, a member who is not staff
    for the people who use it. Signing the same draft again changes nothing. `seen` is
    the fingerprint of the words the signer read: if the draft changed since, nothing is
    signed (a signature is for words someone has seen)."""
    pledge = locked(pledge)
    rights = rights_of(actor, pledge)
    if not rights.sign:
        raise PermissionDenied("Only members of the hub can sign off its pledges.")
    if not has_changes(pledge):
        raise ApplicationError("Nothing to sign: the draft says the same as the published version.")
    role = SignOffRole.STAFF if rights.sign_for_service else SignOffRole.USERS
    content_hash = fingerprint(draft_of(pledge))
    if seen is not None and seen != content_hash:
        raise ApplicationError(
            "The draft changed while you were reading it: read it again as it is now, "
            "then sign it off.",
            field="seen",
        )
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
    """The sign-offs of the draft as it stands (older ones were for other words), by
    people still in the hub on the side they signed for: the signature of someone who has
    left, or who has since joined the staff, no longer speaks for that side."""
    still_in = Membership.objects.filter(
        hub_id=pledge.hub_id, person=OuterRef("person"), is_active=True
    )
    for_service = Q(role=SignOffRole.STAFF) & Q(Exists(still_in.filter(role__in=STAFF_ROLES)))
    for_users = Q(role=SignOffRole.USERS) & Q(Exists(still_in.exclude(role__in=STAFF_ROLES)))
    return (
        SignOff.objects.filter(
            pledge=pledge, version=None, content_hash=fingerprint(draft_of(pledge))
        )
        .filter(for_service | for_users)
        .select_related("person")
    )


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
    pledge = locked(pledge)
    if not rights_of(actor, pledge).publish:
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
        fields["template_code"] = given.get("template_code", "")
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
def pledge_retire(*, actor: Person, pledge: Pledge, reason: str) -> Pledge:
    """Retire a published pledge (coordinators), saying why: it takes no more reports;
    its page stays and shows the reason. Retiring a retired pledge changes nothing."""
    pledge = locked(pledge)
    if pledge.status == PledgeStatus.RETIRED and hub_access.is_coordinator(actor, pledge.hub):
        return pledge  # the same request twice, from someone who could have made it
    if not rights_of(actor, pledge).retire:
        raise PermissionDenied("Only the hub's coordinators can retire a published pledge.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ApplicationError("Say why it is retired.", field="reason")
    if len(reason) > 500:
        raise ApplicationError("Keep the reason to 500 characters.", field="reason")
    pledge.status = PledgeStatus.RETIRED
    pledge.is_template = False
    pledge.retired_reason = reason
    pledge.save(update_fields=["status", "is_template", "retired_reason"])
    audit(
        hub=pledge.hub,
        actor=actor,
        event=AuditKind.PLEDGE_RETIRED,
        subject=pledge,
        new={"reason": reason},
    )
    return pledge
