"""Involvement objects in Millbrook for the permission matrix's API cases
(tests/matrix_objects.py builds them once per module).

Dr Amir (staff) leads all three: a recruitment panel Ron (not online) asked for, through
Grace; a serious-incident review, by invitation only, Sam invited to it; and an advisory
group whose first meeting was yesterday, Sam and Ron on it, Sam marked as having come.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from coproduce.involve import services
from coproduce.involve.models import (
    Attendance,
    CoKind,
    Joining,
    Opportunity,
    Session,
    SignUp,
    When,
)


@dataclass
class Involvement:
    panel: Opportunity  # request-and-confirm; Ron has asked
    asked: SignUp  # Ron's request on the panel
    review: Opportunity  # invitation only
    invited: SignUp  # Sam's invitation to the review
    group: Opportunity  # instant, a series; its first meeting was yesterday
    meeting: Session  # that first meeting
    ron_on_group: SignUp  # confirmed, attendance not recorded yet
    came: Attendance  # Sam came; thanks not chosen yet


def _meetings(*days: int):
    base = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    return [
        (base + datetime.timedelta(days=d), base + datetime.timedelta(days=d, hours=2))
        for d in days
    ]


def build(world) -> Involvement:
    hub, amir = world.hub, world.staff
    common = {"actor": amir, "hub": hub, "lead": amir}
    panel = services.opportunity_create(
        **common,
        kind=CoKind.CO_MANAGING,
        title="Recruitment panel: practice nurse",
        description="Sit on the interview panel.",
        meetings=_meetings(10),
        staff_places=2,
        user_places=2,
        is_recruitment=True,
    )
    asked = services.signup_ask(actor=world.coordinator, opportunity=panel, person=world.assisted)
    review = services.opportunity_create(
        **common,
        kind=CoKind.CO_EVALUATING,
        title="Serious-incident review",
        description="Review what happened and what to learn.",
        meetings=_meetings(12),
        staff_places=1,
        user_places=1,
        reserved_places=1,
        joining=Joining.INVITATION,
    )
    invited = services.signup_invite(actor=amir, opportunity=review, person=world.member)
    group = services.opportunity_create(
        **common,
        kind=CoKind.CO_DESIGN,
        title="Research advisory group",
        description="Shape the practice's research.",
        when=When.SERIES,
        meetings=_meetings(2, 30),
        any_places=4,
        joining=Joining.INSTANT,
    )
    sam = services.signup_ask(actor=world.member, opportunity=group)
    ron = services.signup_ask(actor=world.coordinator, opportunity=group, person=world.assisted)
    meeting = group.sessions.order_by("starts_at").first()
    yesterday = timezone.now() - datetime.timedelta(days=1)
    Session.objects.filter(pk=meeting.pk).update(
        starts_at=yesterday, ends_at=yesterday + datetime.timedelta(hours=2)
    )
    meeting.refresh_from_db()
    [came] = services.attendance_record(
        actor=world.coordinator, session=meeting, marks={sam.pk: ("attended", None)}
    )
    return Involvement(
        panel=panel,
        asked=asked,
        review=review,
        invited=invited,
        group=group,
        meeting=meeting,
        ron_on_group=ron,
        came=came,
    )
