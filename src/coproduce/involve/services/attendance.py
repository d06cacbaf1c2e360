"""After a meeting: who came. A no-show in a series frees the place for the waiting
list; those who came are asked how they want to be thanked (thanks.py)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Person
from coproduce.notify.models import Kind
from coproduce.notify.services import tell

from .. import access
from ..models import (
    Attendance,
    AttendanceStatus,
    Session,
    SignUp,
    SignUpStatus,
    When,
)
from .common import lock
from .waitlist import promote


def _manage(actor: Person, session: Session):
    membership = hub_access.require_member(actor, session.opportunity.hub)
    if not access.opportunity_rights(membership, session.opportunity).manage:
        raise PermissionDenied("Only the lead or a coordinator records attendance.")


@transaction.atomic
def attendance_record(
    *, actor: Person, session: Session, marks: dict[int, tuple[str, int | None]]
) -> list[Attendance]:
    """Record who came (`marks`: sign-up id -> (status, minutes or None for the
    meeting's length)). Recording again corrects a mark, until thanks are chosen. A
    no-show with meetings still to come frees the place for the waiting list."""
    opportunity = lock(session.opportunity)
    session.opportunity = opportunity
    _manage(actor, session)
    if session.cancelled:
        raise ApplicationError("This meeting was cancelled.")
    if session.starts_at > timezone.now():
        raise ApplicationError("Attendance is recorded once the meeting has begun.")
    signups = {
        s.pk: s for s in opportunity.signups.filter(pk__in=list(marks)).select_related("person")
    }
    existing = {a.signup_id: a for a in session.attendance.filter(signup_id__in=list(marks))}
    for pk, (status, minutes) in marks.items():
        signup = signups.get(pk)
        if signup is None or (signup.status != SignUpStatus.CONFIRMED and pk not in existing):
            raise ApplicationError("Mark only people with a place on this.", field="attendance")
        if signup.person_id == actor.pk:
            raise ApplicationError(
                "Someone else records your own attendance: the thanks it brings are yours.",
                field="attendance",
            )
        if status not in AttendanceStatus.values:
            raise ApplicationError(f"Say whether {signup.person} came.", field="attendance")
        if minutes is not None and not (isinstance(minutes, int) and 1 <= minutes <= 12 * 60):
            raise ApplicationError(
                f"Give {signup.person}'s time as 1 minute to 12 hours.", field="minutes"
            )
        earlier = existing.get(pk)
        if earlier and earlier.recompense and earlier.status != status:
            raise ApplicationError(
                f"{signup.person} has chosen their thanks already: their attendance stands.",
                field="attendance",
            )
    recorded = []
    freed = False
    for pk, (status, minutes) in marks.items():
        signup = signups[pk]
        came = status == AttendanceStatus.ATTENDED
        length = (minutes or session.minutes) if came else 0
        attendance = existing.get(pk)
        if attendance is None:
            attendance = Attendance(session=session, signup=signup, person=signup.person)
        elif attendance.status == status and attendance.minutes == length:
            recorded.append(attendance)
            continue
        attendance.status, attendance.minutes = status, length
        attendance.recorded_by, attendance.recorded_at = actor, timezone.now()
        attendance.save()
        recorded.append(attendance)
        audit(
            hub=opportunity.hub,
            actor=actor,
            on_behalf_of=signup.person,
            event=AuditKind.ATTENDANCE_RECORDED,
            subject=attendance,
            new={"opportunity": opportunity.pk, "status": status, "minutes": length},
        )
        if came:
            _tell_thanks(attendance, actor)
        elif status == AttendanceStatus.NO_SHOW:
            freed |= _release_after_no_show(signup, session, actor)
    if freed:
        promote(opportunity, actor=None)
    return recorded


def _tell_thanks(attendance: Attendance, actor: Person) -> None:
    tell(
        [attendance.person],
        actor=actor,
        kind=Kind.INVOLVEMENT,
        hub=attendance.session.opportunity.hub,
        subject=f"Thank you for taking part: {attendance.session.opportunity}",
        template="involve/email/thanks.txt",
        context={"attendance": attendance, "opportunity": attendance.session.opportunity},
        url=reverse(
            "involve-attendance", args=[attendance.session.opportunity.hub.slug, attendance.pk]
        ),
    )


def _release_after_no_show(signup: SignUp, session: Session, actor: Person) -> bool:
    """A series or an ongoing opportunity with meetings to come frees the place of
    someone who missed one without sending apologies, for the next person waiting."""
    opportunity = session.opportunity
    if opportunity.when == When.ONE_OFF or signup.status != SignUpStatus.CONFIRMED:
        return False
    if not opportunity.sessions.filter(cancelled=False, starts_at__gt=timezone.now()).exists():
        return False
    signup.status, signup.decided_at = SignUpStatus.RELEASED, timezone.now()
    signup.save(update_fields=["status", "decided_at"])
    audit(
        hub=opportunity.hub,
        actor=actor,
        on_behalf_of=signup.person,
        event=AuditKind.SIGNUP_RELEASED,
        subject=signup,
        new={"opportunity": opportunity.pk, "status": signup.status},
    )
    tell(
        [signup.person],
        actor=actor,
        kind=Kind.INVOLVEMENT,
        hub=opportunity.hub,
        subject=f"We missed you: {opportunity}",
        template="involve/email/released.txt",
        context={"signup": signup, "opportunity": opportunity, "session": session},
        url=reverse("involve-opportunity", args=[opportunity.hub.slug, opportunity.pk]),
    )
    return True
