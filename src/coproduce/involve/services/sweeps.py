"""What the hourly tick does for involvement: reminders 48 hours before a meeting (with
"I can't come"), offers from the waiting list that lapsed, and the weekly and monthly
involvement packs. Each is safe to run twice, or twice at once: a reminder and a pack are
unique rows, made once."""

import datetime
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.hubs.models import Hub, Membership
from coproduce.notify.models import Kind
from coproduce.notify.services import tell

from .. import selectors
from ..models import (
    LIVE_STATUSES,
    AttendanceStatus,
    HowOften,
    InvolvementChoice,
    Opportunity,
    OpportunityStatus,
    Pack,
    Reminder,
    Session,
    SignUp,
    SignUpStatus,
)
from ..space.services.counting import closed_rounds_count
from .waitlist import offers_lapse

REMIND_BEFORE = datetime.timedelta(hours=48)
# Packs are made in batches, one commit each: a commit a pack is most of the cost.
PACKS_PER_COMMIT = 200


def tick(now: datetime.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    return {
        "lapsed": offers_lapse(now),
        "reminders": reminders_send(now),
        "packs": packs_make(now),
        "counted": closed_rounds_count(now),
    }


def reminders_send(now: datetime.datetime | None = None) -> int:
    """Remind everyone with a place of each meeting starting in the next 48 hours, once,
    unless they sent apologies."""
    now = now or timezone.now()
    sessions = Session.objects.filter(
        cancelled=False,
        starts_at__gt=now,
        starts_at__lte=now + REMIND_BEFORE,
        opportunity__status=OpportunityStatus.OPEN,
    ).select_related("opportunity__hub")
    sent = 0
    for session in sessions:
        reminded = set(Reminder.objects.filter(session=session).values_list("person_id", flat=True))
        excused = set(
            session.attendance.filter(status=AttendanceStatus.APOLOGIES).values_list(
                "person_id", flat=True
            )
        )
        holders = SignUp.objects.filter(
            opportunity=session.opportunity, status=SignUpStatus.CONFIRMED
        ).select_related("person")
        for signup in holders:
            if signup.person_id in reminded | excused:
                continue
            sent += _remind(session, signup)
    return sent


@transaction.atomic
def _remind(session: Session, signup: SignUp) -> int:
    try:
        with transaction.atomic():
            Reminder.objects.create(session=session, person=signup.person)
    except IntegrityError:
        return 0  # another tick sent it
    opportunity = session.opportunity
    signup.opportunity = opportunity
    start = timezone.localtime(session.starts_at)
    tell(
        [signup.person],
        kind=Kind.INVOLVEMENT,
        hub=opportunity.hub,
        subject=f"Reminder: {opportunity} on {start:%A %-d %B at %H:%M}",
        template="involve/email/reminder.txt",
        context={"signup": signup, "opportunity": opportunity, "session": session},
        url=reverse("involve-signup", args=[opportunity.hub.slug, signup.pk]),
    )
    return 1


def period_of(how_often: str, day: datetime.date) -> datetime.date:
    if how_often == HowOften.WEEKLY:
        return day - datetime.timedelta(days=day.weekday())
    return day.replace(day=1)


def packs_make(now: datetime.datetime | None = None) -> int:
    """Make each weekly and monthly pack due (one per person per period), and tell its
    person; a pack with nothing in it is kept but not sent."""
    now = now or timezone.now()
    made = 0
    for hub in Hub.objects.filter(
        pk__in=InvolvementChoice.objects.filter(
            how_often__in=[HowOften.WEEKLY, HowOften.MONTHLY]
        ).values("hub_id")
    ):
        made += _packs_for(hub, now)
    return made


def _packs_for(hub: Hub, now: datetime.datetime) -> int:
    today = timezone.localdate(now)
    choices = {
        c.person_id: c
        for c in InvolvementChoice.objects.filter(
            hub=hub, how_often__in=[HowOften.WEEKLY, HowOften.MONTHLY]
        )
    }
    done = set(
        Pack.objects.filter(
            hub=hub,
            period_start__in={
                period_of(HowOften.WEEKLY, today),
                period_of(HowOften.MONTHLY, today),
            },
        ).values_list("person_id", "how_often", "period_start")
    )
    due = {
        person_id: c
        for person_id, c in choices.items()
        if (person_id, c.how_often, period_of(c.how_often, today)) not in done
    }
    if not due:
        return 0
    memberships = list(
        Membership.objects.filter(hub=hub, is_active=True, person_id__in=list(due)).select_related(
            "person", "neighbourhood"
        )
    )
    opportunities = list(
        Opportunity.objects.filter(hub=hub, status=OpportunityStatus.OPEN)
        .exclude(joining="invitation")
        .prefetch_related("sessions")
    )
    offered: dict[int, list[Opportunity]] = defaultdict(list)
    for opportunity in opportunities:
        meetings = sorted(
            (s for s in opportunity.sessions.all() if not s.cancelled), key=lambda s: s.starts_at
        )
        # Read once here for every pack it is in, not once a pack: the next meeting to
        # come (an ongoing group's past meetings are no use to someone thinking of joining).
        upcoming = [s for s in meetings if s.starts_at > now]
        opportunity.first_meeting = upcoming[0] if upcoming else None
        if opportunity.when != "ongoing" and (not meetings or meetings[0].starts_at <= now):
            continue
        taken = set(
            opportunity.signups.filter(status__in=LIVE_STATUSES).values_list("person_id", flat=True)
        )
        for m in selectors.eligible_memberships(opportunity, memberships):
            kinds = due[m.person_id].kinds
            if m.person_id not in taken and (not kinds or opportunity.kind in kinds):
                offered[m.person_id].append(opportunity)
    made = 0
    for start in range(0, len(memberships), PACKS_PER_COMMIT):
        with transaction.atomic():
            for m in memberships[start : start + PACKS_PER_COMMIT]:
                made += _make_pack(hub, m, due[m.person_id], offered.get(m.person_id, []), today)
    return made


def _make_pack(hub, membership, choice, opportunities, today) -> int:
    try:
        with transaction.atomic():
            pack = Pack.objects.create(
                person=membership.person,
                hub=hub,
                how_often=choice.how_often,
                period_start=period_of(choice.how_often, today),
            )
    except IntegrityError:
        return 0
    pack.opportunities.set(opportunities)
    if opportunities:
        count = len(opportunities)
        ways = "1 way" if count == 1 else f"{count} ways"
        period = (
            f"{pack.period_start:%B %Y}"
            if choice.how_often == HowOften.MONTHLY
            else f"the week of {pack.period_start:%-d %B}"
        )
        tell(
            [membership.person],
            kind=Kind.INVOLVEMENT_NEWS,
            hub=hub,
            subject=f"Your involvement pack for {period}: {ways} to be involved",
            template="involve/email/pack.txt",
            context={"pack": pack, "opportunities": opportunities, "period": period},
            url=reverse("involve-pack", args=[hub.slug, pack.pk]),
        )
    return 1
