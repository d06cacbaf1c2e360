"""Moderation: the hub's moderators, and their decisions on flagged statements."""

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access
from coproduce.hubs.models import Hub, Person
from coproduce.notify.models import Kind
from coproduce.notify.services import tell

from .. import access as rights
from ..models import Moderator, Statement, StatementStatus
from .analysis import analysis_wanted


@transaction.atomic
def moderator_appoint(*, actor: Person, hub: Hub, person: Person) -> Moderator:
    """Coordinators choose the hub's moderators from its members."""
    access.require_coordinator(actor, hub)
    if access.membership_of(person, hub) is None:
        raise ApplicationError("Moderators must be members of the hub.", field="person")
    moderator, created = Moderator.objects.get_or_create(
        hub=hub, person=person, defaults={"appointed_by": actor}
    )
    if not created:
        raise ApplicationError(f"{person} is already a moderator.", field="person")
    audit(
        hub=hub,
        actor=actor,
        event=AuditKind.MODERATOR_APPOINTED,
        subject=moderator,
        new={"person": person.pk},
    )
    return moderator


@transaction.atomic
def moderator_remove(*, actor: Person, moderator: Moderator) -> None:
    access.require_coordinator(actor, moderator.hub)
    audit(
        hub=moderator.hub,
        actor=actor,
        event=AuditKind.MODERATOR_REMOVED,
        subject=moderator,
        old={"person": moderator.person_id},
    )
    moderator.delete()


MODERATION_DECISIONS = {
    "keep": StatementStatus.VISIBLE,
    "remove": StatementStatus.REMOVED,
}


@transaction.atomic
def statement_moderate(*, actor: Person, statement: Statement, decision: str, reason: str) -> None:
    """A moderator keeps a flagged statement (it shows again and flags no longer hide it)
    or removes it. Either way the decision and its reason are audited and the author, if
    known, is told by email."""
    conversation = statement.conversation
    rights.require_moderator(actor, conversation.hub)
    if decision not in MODERATION_DECISIONS:
        raise ApplicationError("Choose keep or remove.", field="decision")
    reason = " ".join(reason.split())
    if not reason:
        raise ApplicationError("Say why, in a sentence the author will read.", field="reason")
    statement = Statement.objects.select_for_update(no_key=True).get(pk=statement.pk)
    old_status = statement.status
    statement.status = MODERATION_DECISIONS[decision]
    statement.moderation_note = reason[:300]
    statement.reviewed_at = timezone.now()
    statement.save(update_fields=["status", "moderation_note", "reviewed_at"])
    audit(
        hub=conversation.hub,
        actor=actor,
        event=AuditKind.STATEMENT_KEPT if decision == "keep" else AuditKind.STATEMENT_REMOVED,
        subject=statement,
        old={"status": old_status},
        new={"status": statement.status, "reason": statement.moderation_note},
    )
    author = statement.author.person if statement.author_id else None
    if author is not None:
        tell(
            [author],
            actor=actor,
            kind=Kind.MODERATION,
            hub=conversation.hub,
            url=reverse("conversation", args=[conversation.hub.slug, conversation.pk]),
            subject=(
                "Your statement is showing again"
                if decision == "keep"
                else "Your statement was removed"
            ),
            template="deliberation/email/moderated.txt",
            context={
                "person": author,
                "statement": statement,
                "conversation": conversation,
                "kept": decision == "keep",
            },
        )
    analysis_wanted(conversation.pk)


def moderation_queue(hub: Hub):
    """Statements waiting for a moderator (hidden by flags), then visible ones with
    flags that no moderator has looked at."""
    return (
        Statement.objects.filter(conversation__hub=hub, reviewed_at__isnull=True)
        .filter(Q(status=StatementStatus.HIDDEN) | Q(flags__isnull=False))
        .exclude(status=StatementStatus.REMOVED)
        .annotate(flag_count=Count("flags", distinct=True))
        .select_related("conversation")
        .prefetch_related("flags")
        .order_by("-status", "created_at")
        .distinct()
    )
