"""The co-production health check: a coordinator opens a round; every active member
answers once (changing their answers while it is open); a coordinator enters paper
answers for someone not online. Each change is one transaction with its audit event."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Hub, Person
from coproduce.idempotency import SAME_CONTENT_WINDOW, once, owner_of

from .. import access, healthcheck
from ..models import HealthCheck, HealthCheckResponse

MAX_DAYS_OPEN = 92  # a round is open for at most about three months


def is_open(check: HealthCheck, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return check.opens_on <= today <= check.closes_on


def open_round_of(hub: Hub, today: datetime.date | None = None) -> HealthCheck | None:
    today = today or timezone.localdate()
    return HealthCheck.objects.filter(hub=hub, opens_on__lte=today, closes_on__gte=today).first()


def suggestion(hub: Hub) -> tuple[datetime.date, datetime.date]:
    """When the next round might open and close (3 months after the last opened)."""
    last = HealthCheck.objects.filter(hub=hub).order_by("-opens_on").first()
    return healthcheck.suggest_next(last.opens_on if last else None, timezone.localdate())


def _check_round(title: str, opens_on, closes_on) -> str:
    title = (title or "").strip()
    if not title:
        raise ApplicationError("Give the round a title.", field="title")
    if len(title) > 120:
        raise ApplicationError("Use 120 characters or fewer.", field="title")
    if not isinstance(opens_on, datetime.date):
        raise ApplicationError("Say when the round opens.", field="opens_on")
    if not isinstance(closes_on, datetime.date):
        raise ApplicationError("Say when the round closes.", field="closes_on")
    if closes_on < opens_on:
        raise ApplicationError("The round cannot close before it opens.", field="closes_on")
    if closes_on < timezone.localdate():
        raise ApplicationError("The round must close today or later.", field="closes_on")
    if (closes_on - opens_on).days > MAX_DAYS_OPEN:
        raise ApplicationError("Keep a round open for three months at most.", field="closes_on")
    return title


def round_open(
    *,
    actor: Person,
    hub: Hub,
    title: str,
    opens_on: datetime.date,
    closes_on: datetime.date,
    key: str | None = None,
) -> HealthCheck:
    """A new round of the health check. Rounds in a hub never overlap."""
    membership = hub_access.membership_of(actor, hub)
    if not access.opens_health_checks(membership):
        raise PermissionDenied("Only this hub's coordinators can open a health check.")
    title = _check_round(title, opens_on, closes_on)

    def make() -> HealthCheck:
        # Locking the hub's row puts two coordinators opening rounds one after the other.
        Hub.objects.select_for_update().filter(pk=hub.pk).first()
        overlapping = HealthCheck.objects.filter(
            hub=hub, opens_on__lte=closes_on, closes_on__gte=opens_on
        ).first()
        if overlapping is not None:
            raise ApplicationError(
                f"The round “{overlapping.title}” runs from {overlapping.opens_on:%-d %B %Y} "
                f"to {overlapping.closes_on:%-d %B %Y}: choose dates after it closes.",
                field="opens_on",
            )
        check = HealthCheck.objects.create(
            hub=hub, title=title, opens_on=opens_on, closes_on=closes_on, opened_by=actor
        )
        audit(
            hub=hub,
            actor=actor,
            event=AuditKind.HEALTH_CHECK_OPENED,
            subject=check,
            new={"title": title, "opens_on": opens_on, "closes_on": closes_on},
        )
        return check

    content = {"title": title, "opens_on": opens_on, "closes_on": closes_on}
    with transaction.atomic():
        return once(
            hub_id=hub.pk,
            owner=owner_of(actor),
            key=key,
            kind="health-check-open",
            content=content,
            action=make,
            same_content_within=SAME_CONTENT_WINDOW,
        )


def _clean_answers(answers: dict) -> dict:
    wrong = healthcheck.check_answers(answers)
    if wrong is not None:
        raise ApplicationError(
            "Choose an answer for this statement (or \u201cDon't know\u201d).", field=wrong
        )
    return {key: answers[key] for key in healthcheck.QUESTION_KEYS}


def _record(*, actor: Person, check: HealthCheck, person: Person, answers, comment, side):
    """Save the person's answers (new, or changed while the round is open)."""
    if not is_open(check):
        raise ApplicationError("This round is not open for answers now.", status=409)
    # The round's row is the lock: two answers from one person at once (a double click,
    # two devices) are taken one after the other, so the second finds the first.
    HealthCheck.objects.select_for_update().filter(pk=check.pk).first()
    response = (
        HealthCheckResponse.objects.select_for_update()
        .filter(health_check=check, person=person)
        .first()
    )
    if response is not None and response.entered_by_id is None and actor.pk != person.pk:
        raise ApplicationError(f"{person} answered themself; their answers stand.")
    changed = response is not None
    if response is None:
        # Fixed when they first answer: a later change of role does not move them.
        response = HealthCheckResponse(health_check=check, person=person, side=side)
    elif response.answers == answers and response.comment == comment:
        return response
    response.answers = answers
    response.comment = comment
    response.entered_by = actor if actor.pk != person.pk else None
    response.answered_at = timezone.now()
    response.save()
    audit(
        hub=check.hub,
        actor=actor,
        on_behalf_of=person,
        event=AuditKind.HEALTH_CHECK_ANSWERED,
        subject=check,
        # Never the answers: they are shown only together.
        new={"title": check.title, "side": response.side, "changed": changed},
    )
    return response


def _check_comment(comment: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise ApplicationError("Use 2,000 characters or fewer.", field="comment")
    return comment


def answer(
    *,
    actor: Person,
    check: HealthCheck,
    answers: dict,
    comment: str = "",
    key: str | None = None,
) -> HealthCheckResponse:
    """The member's own answers: staff side if staff or above, otherwise users'."""
    membership = hub_access.membership_of(actor, check.hub)
    if not access.sees_health_checks(membership):
        raise PermissionDenied("Only members of this hub can answer its health check.")
    answers, comment = _clean_answers(answers), _check_comment(comment)
    side = access.health_check_side(membership)

    def save():
        return _record(
            actor=actor, check=check, person=actor, answers=answers, comment=comment, side=side
        )

    with transaction.atomic():
        return once(
            hub_id=check.hub_id,
            owner=owner_of(actor),
            key=key,
            kind=f"health-check-answer:{check.pk}",
            content={"answers": answers, "comment": comment},
            action=save,
            latest_wins=True,
        )


def answer_for(
    *,
    actor: Person,
    check: HealthCheck,
    person_id: int,
    answers: dict,
    comment: str = "",
    key: str | None = None,
) -> HealthCheckResponse:
    """Paper answers a coordinator enters for a member who is not online."""
    membership = hub_access.membership_of(actor, check.hub)
    if not access.enters_answers_for_others(membership):
        raise PermissionDenied("Only this hub's coordinators can enter answers for someone.")
    try:
        person_id = int(person_id)
    except (TypeError, ValueError):
        raise ApplicationError("Choose who answered.", field="person") from None
    theirs = hub_access.membership_of(
        Person.objects.filter(pk=person_id).first() if 0 < person_id < 2**63 else None,
        check.hub,
    )
    if theirs is None or not theirs.person.is_active:
        raise ApplicationError("Choose a member of this hub.", field="person")
    person = theirs.person
    refusal = access.answers_for_refusal(membership, person)
    if refusal:
        raise ApplicationError(refusal, field="person")
    answers, comment = _clean_answers(answers), _check_comment(comment)
    side = access.health_check_side(theirs)

    def save():
        return _record(
            actor=actor, check=check, person=person, answers=answers, comment=comment, side=side
        )

    with transaction.atomic():
        return once(
            hub_id=check.hub_id,
            owner=owner_of(actor),
            key=key,
            kind=f"health-check-answer-for:{check.pk}",
            content={"person": person.pk, "answers": answers, "comment": comment},
            action=save,
            latest_wins=True,
        )
