"""Priorities: common ground a coordinator marks as one of the hub's priorities."""

from django.db import transaction

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access
from coproduce.hubs.models import Person

from ..models import Priority, Statement, StatementStatus


@transaction.atomic
def priority_mark(*, actor: Person, statement: Statement, note: str = "") -> Priority:
    """A coordinator marks common ground as one of the hub's priorities."""
    hub = statement.conversation.hub
    access.require_coordinator(actor, hub)
    if statement.status != StatementStatus.VISIBLE:
        raise ApplicationError("Only a statement that is showing can be a priority.")
    priority, created = Priority.objects.get_or_create(
        statement=statement,
        defaults={"hub": hub, "note": note.strip()[:300], "marked_by": actor},
    )
    if created:
        audit(
            hub=hub,
            actor=actor,
            event=AuditKind.PRIORITY_MARKED,
            subject=priority,
            new={"statement": statement.pk, "text": statement.text},
        )
    return priority


@transaction.atomic
def priority_unmark(*, actor: Person, statement: Statement) -> None:
    hub = statement.conversation.hub
    access.require_coordinator(actor, hub)
    priority = Priority.objects.filter(statement=statement).first()
    if priority is None:
        return
    audit(
        hub=hub,
        actor=actor,
        event=AuditKind.PRIORITY_UNMARKED,
        subject=priority,
        old={"statement": statement.pk, "text": statement.text},
    )
    priority.delete()
