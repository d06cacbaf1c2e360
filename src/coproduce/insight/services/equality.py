"""A person's own answers to the voluntary equality questions: saved with their consent,
changed or deleted by them alone. The audit log records that they saved or deleted
answers, never what the answers were, and in no hub's log (hub=None): /me/equality/
promises nobody sees them, so no coordinator reads even who answered. The events stay in
the person's own data download (which reads everything they did)."""

from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs.models import Person

from .. import monitoring
from ..models import EqualityAnswers


@transaction.atomic
def answers_save(*, person: Person, answers: dict, consent: bool) -> EqualityAnswers:
    if not consent:
        raise ApplicationError(
            "Tick the box to say you agree to these answers being kept and counted.",
            field="consent",
        )
    values = {}
    for question in monitoring.QUESTIONS:
        value = answers.get(question) or ""
        if not isinstance(value, str) or not monitoring.valid(question, value):
            raise ApplicationError("Choose one of the answers, or leave it.", field=question)
        values[question] = value
    if not any(values.values()):
        raise ApplicationError(
            "Answer at least one question, or leave this page: it is voluntary.",
            field="age_band",
        )
    saved = EqualityAnswers.objects.select_for_update().filter(person=person).first()
    if saved is not None and all(getattr(saved, q) == v for q, v in values.items()):
        return saved  # nothing changed (the same form sent again)
    now = timezone.now()
    if saved is None:
        saved = EqualityAnswers(person=person, consented_at=now)
    for question, value in values.items():
        setattr(saved, question, value)
    saved.updated_at = now
    saved.save()
    audit(
        hub=None,  # in no hub's log: see the module's docstring
        actor=person,
        event=AuditKind.EQUALITY_ANSWERS_SAVED,
        subject=saved,
        new={},  # never the answers
    )
    return saved


@transaction.atomic
def answers_delete(*, person: Person) -> bool:
    """Delete the person's answers; False when there were none."""
    saved = EqualityAnswers.objects.select_for_update().filter(person=person).first()
    if saved is None:
        return False
    audit(hub=None, actor=person, event=AuditKind.EQUALITY_ANSWERS_DELETED, subject=saved)
    saved.delete()
    return True
