"""Asking for a large export (the whole ledger, every balance, the audit log): the file is
written by a task and the person is told when it is ready (timebank/exports.py)."""

import datetime
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Hub, Person

from .. import access
from ..exports import STALE_AFTER
from ..models import Export, ExportKind, ExportStatus

JUST_MADE = datetime.timedelta(minutes=5)


def export_request(
    *, actor: Person, hub: Hub, kind: str, params: dict | None = None
) -> tuple[Export, bool]:
    """Start preparing a file, or return the one of this kind already being prepared for
    this person (asking twice makes one file, not two; one of each kind at a time).
    Returns (export, whether it is new). `params` is what the person chose (the audit
    log's filter, already checked by its form; the balances' order). The request itself is
    the record of who took the data away: `Export` keeps who, when and what."""
    if kind not in ExportKind.values:
        raise ApplicationError("Choose which file to prepare.", field="kind")
    membership = hub_access.require_coordinator(actor, hub)
    if not access.may_export(membership, kind):
        raise ApplicationError("Only the hub's coordinators may take this away.", status=403)
    params = dict(params or {})
    pending = Export.objects.filter(
        hub=hub,
        kind=kind,
        requested_by=actor,
        status__in=[ExportStatus.WAITING, ExportStatus.WRITING],
    )
    # A worker that stopped half-way never finishes its export: after a while, start anew.
    pending.filter(requested_at__lt=timezone.now() - STALE_AFTER).update(
        status=ExportStatus.FAILED, finished_at=timezone.now()
    )
    existing = pending.first() or _just_made(hub, kind, actor, params)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            export = Export.objects.create(
                hub=hub,
                kind=kind,
                requested_by=actor,
                params=params,
                token=secrets.token_urlsafe(32),
            )
    except IntegrityError:  # the same person's second click, at the same moment
        existing = pending.first()
        if existing is None:
            raise
        return existing, False
    from ..tasks import write_export

    transaction.on_commit(lambda: write_export.enqueue(export.pk))
    return export, True


def _just_made(hub, kind, actor, params) -> Export | None:
    """A file of the same choice made for this person in the last few minutes: a second
    click (or a second tab) gets it rather than a copy, even when the first was written
    straight away. Another filter of the audit log is another file."""
    recent = Export.objects.filter(
        hub=hub,
        kind=kind,
        requested_by=actor,
        status=ExportStatus.READY,
        requested_at__gte=timezone.now() - JUST_MADE,
    )
    return next((e for e in recent[:20] if (e.params or {}) == params), None)
