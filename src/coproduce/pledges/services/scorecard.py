"""The users' side of a pledge's scorecard: staff count, month by month, how often the
people who use the service did not keep one of their commitments (for example, repair
visits where nobody was in to give access). The reports' side needs no service: it is
read from the reports themselves (pledges/scorecard.py)."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs.models import Person
from coproduce.idempotency import once, owner_of

from .. import access
from ..models import Pledge, UserSideCount
from ..selectors import commitments_of

MAX_COUNT = 1_000_000
NOTE_MAX_LENGTH = 300


@transaction.atomic
def user_side_record(
    *,
    actor: Person,
    pledge: Pledge,
    commitment: str,
    month: datetime.date,
    count: int,
    note: str = "",
    key: str | None = None,
) -> UserSideCount:
    """Record (or correct) the count for one of the users' commitments in one month.
    Entering the same count again changes nothing and writes no audit row."""
    if not access.pledge_rights(access.membership(actor, pledge.hub), pledge).record_users_side:
        raise PermissionDenied("Staff of the hub count the users' side of a published pledge.")
    commitment = (commitment or "").strip()
    if commitment not in commitments_of(pledge):
        raise ApplicationError(
            "Choose one of what the pledge asks of the people who use the service.",
            field="commitment",
        )
    if not isinstance(month, datetime.date):
        raise ApplicationError("Give the month counted.", field="month")
    month = datetime.date(month.year, month.month, 1)
    if month > timezone.localdate():
        raise ApplicationError("That month has not begun yet.", field="month")
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_COUNT:
        raise ApplicationError(f"Give a whole number from 0 to {MAX_COUNT:,}.", field="count")
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ApplicationError(f"Keep the note to {NOTE_MAX_LENGTH} characters.", field="note")

    def record() -> UserSideCount:
        found = (
            UserSideCount.objects.select_for_update()
            .filter(pledge=pledge, commitment=commitment, month=month)
            .first()
        )
        if found is not None and (found.count, found.note) == (count, note):
            return found
        old = {"count": found.count} if found else {}
        if found is None:
            found = UserSideCount(pledge=pledge, commitment=commitment, month=month)
        found.count, found.note = count, note
        found.recorded_by, found.recorded_at = actor, timezone.now()
        found.save()
        audit(
            hub=pledge.hub,
            actor=actor,
            event=AuditKind.PLEDGE_CHANGED,
            subject=pledge,
            old=old,
            new={
                "users_side": commitment,
                "month": month.isoformat(),
                "count": count,
                "title": pledge.title,
            },
        )
        return found

    return once(
        hub_id=pledge.hub_id,
        owner=owner_of(actor),
        key=key,
        kind="pledge.users_side",
        content={
            "pledge": pledge.pk,
            "commitment": commitment,
            "month": month,
            "count": count,
            "note": note,
        },
        action=record,
    )
