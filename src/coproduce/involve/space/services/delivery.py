"""Delivering funded projects: a project with a lead and a rota, or weekly time booked
in the shared space; and what has happened so far."""

import calendar
import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError, validated_save
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Person
from coproduce.referrals.models import ProjectKind
from coproduce.referrals.services import project_create

from .. import access
from ..explain import booking_words
from ..models import Booking, Idea, Resource
from .common import idea_url, lock, tell_about


def _locked_idea(idea: Idea) -> Idea:
    lock(idea.round)
    return (
        Idea.objects.select_for_update(of=("self",))
        .select_related("round__hub", "proposer", "project")
        .get(pk=idea.pk)
    )


@transaction.atomic
def idea_deliver(*, actor: Person, idea: Idea, lead: Person, roles: list[str]) -> Idea:
    """Set a funded idea up as a project with a lead and a rota (the projects pages)."""
    idea = _locked_idea(idea)
    if not access.idea_rights(hub_access.membership_of(actor, idea.round.hub), idea).deliver:
        raise PermissionDenied("Only a coordinator can set up a funded project.")
    if idea.project_id:
        return idea  # already set up (a page sent twice)
    project = project_create(
        actor=actor,
        hub=idea.round.hub,
        name=idea.title[:120],
        kind=ProjectKind.OTHER,
        lead=lead,
        roles=roles or ["helper"],
        description=idea.description,
    )
    idea.project = project
    idea.save(update_fields=["project"])
    audit(
        hub=idea.round.hub,
        actor=actor,
        event=AuditKind.SPACE_IDEA_DELIVERED,
        subject=idea,
        new={"title": idea.title, "project": project.pk, "lead": lead.pk},
    )
    tell_about(
        [lead, idea.proposer],
        idea.round,
        f"{idea.title} is set up to run",
        "delivered",
        idea_url(idea),
        actor,
        idea=idea,
    )
    return idea


def _clashes(idea: Idea, weekday: int, starts: datetime.time, minutes: int, first, last):
    """Another funded project's booking in the same space at an overlapping time."""
    start = starts.hour * 60 + starts.minute
    end = start + minutes
    others = Booking.objects.filter(
        idea__round__hub=idea.round.hub,
        idea__round__space_name=idea.round.space_name,
        weekday=weekday,
    ).select_related("idea")
    for other in others:
        other_start = other.starts.hour * 60 + other.starts.minute
        overlaps_in_day = other_start < end and start < other_start + other.minutes
        overlaps_in_dates = (other.last_date is None or first <= other.last_date) and (
            last is None or other.first_date <= last
        )
        if overlaps_in_day and overlaps_in_dates:
            return other
    return None


@transaction.atomic
def booking_add(
    *,
    actor: Person,
    idea: Idea,
    weekday: int,
    starts: datetime.time,
    minutes: int,
    first_date: datetime.date,
    last_date: datetime.date | None = None,
) -> Booking:
    """Book a funded project's weekly time in the shared space, within what it won."""
    idea = _locked_idea(idea)
    if not access.idea_rights(hub_access.membership_of(actor, idea.round.hub), idea).deliver:
        raise PermissionDenied("Only a coordinator can book the space.")
    if idea.round.resource != Resource.ROOM:
        raise ApplicationError("Only rounds sharing a space have bookings.", field="weekday")
    if not 0 <= weekday <= 6:
        raise ApplicationError("Choose a day of the week.", field="weekday")
    if first_date < timezone.localdate():
        raise ApplicationError("The first date cannot be in the past.", field="first_date")
    if first_date.weekday() != weekday:
        raise ApplicationError(
            f"{first_date:%A} {first_date.day} {first_date:%B} is not a "
            f"{calendar.day_name[weekday]}: start on the day of the booking.",
            field="first_date",
        )
    if last_date is not None and last_date < first_date:
        raise ApplicationError("The last date cannot be before the first.", field="last_date")
    if minutes <= 0 or (starts.hour * 60 + starts.minute + minutes) > 24 * 60:
        raise ApplicationError("Give a length that ends the same day.", field="minutes")
    booked = sum(b.minutes for b in idea.bookings.all())
    if booked + minutes > idea.cost:
        raise ApplicationError(
            f"It won {idea.cost_words}; {idea.round.words(booked)} is booked already.",
            field="minutes",
        )
    clash = _clashes(idea, weekday, starts, minutes, first_date, last_date)
    if clash is not None:
        raise ApplicationError(
            f"The space is booked then for {clash.idea.title} ({booking_words(clash)}).",
            field="starts",
        )
    booking = Booking(
        idea=idea,
        weekday=weekday,
        starts=starts,
        minutes=minutes,
        first_date=first_date,
        last_date=last_date,
        created_by=actor,
    )
    validated_save(booking)
    audit(
        hub=idea.round.hub,
        actor=actor,
        event=AuditKind.SPACE_BOOKING_ADDED,
        subject=booking,
        new={
            "title": idea.title,
            "weekday": weekday,
            "starts": starts.isoformat(),
            "minutes": minutes,
        },
    )
    return booking


@transaction.atomic
def idea_progress(*, actor: Person, idea: Idea, progress: str) -> Idea:
    """What has happened so far, for everyone to see: by the person running it, its
    project's lead or a coordinator."""
    idea = _locked_idea(idea)
    if not access.idea_rights(
        hub_access.membership_of(actor, idea.round.hub), idea
    ).report_progress:
        raise PermissionDenied("Only the people running it, or a coordinator, can say this.")
    progress = progress.strip()
    if not progress:
        raise ApplicationError("Say what has happened so far.", field="progress")
    if progress == idea.progress:
        return idea
    idea.progress, idea.progress_at = progress, timezone.now()
    idea.save(update_fields=["progress", "progress_at"])
    audit(
        hub=idea.round.hub,
        actor=actor,
        event=AuditKind.SPACE_IDEA_UPDATED,
        subject=idea,
        new={"title": idea.title},
    )
    return idea
