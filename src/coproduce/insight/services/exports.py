"""Asking for a download of one's own data: the zip is made by a task (insight/exports.py)
and the person is told when it is ready."""

import datetime
import secrets

from django.db import transaction
from django.utils import timezone

from coproduce.audit import audit
from coproduce.audit_kinds import AuditKind
from coproduce.errors import ApplicationError
from coproduce.hubs.models import Person

from .. import access
from ..exports import STALE_AFTER
from ..models import ExportStatus, PersonalExport

# A download made this recently is given again rather than a copy: a second click, or a
# second tab, after the first was made straight away.
JUST_MADE = datetime.timedelta(minutes=5)


def export_request(*, actor: Person) -> tuple[PersonalExport, bool]:
    """Start making the person's zip, or return the one being made (or made a moment ago):
    asking twice makes one download, not two. Returns (export, whether it is new)."""
    if not access.downloads_own_data(actor):
        raise ApplicationError("Sign in to download your data.", status=403)
    now = timezone.now()
    with transaction.atomic():
        # One request at a time for a person: the second waits here, then finds the first.
        Person.objects.select_for_update().filter(pk=actor.pk).first()
        mine = PersonalExport.objects.filter(person=actor)
        mine.filter(status=ExportStatus.WAITING, requested_at__lt=now - STALE_AFTER).update(
            status=ExportStatus.FAILED
        )
        existing = (
            mine.filter(status=ExportStatus.WAITING).first()
            or mine.filter(
                status=ExportStatus.READY,
                requested_at__gte=now - JUST_MADE,
                expires_at__gt=now,
            ).first()
        )
        if existing is not None:
            return existing, False
        export = PersonalExport.objects.create(
            person=actor,
            status=ExportStatus.WAITING,
            token=secrets.token_urlsafe(32),
            requested_at=now,
        )
        audit(hub=None, actor=actor, event=AuditKind.DATA_EXPORT_REQUESTED, subject=export)
        from ..export_tasks import make_personal_export

        transaction.on_commit(lambda: make_personal_export.enqueue(export.pk))
    return export, True
