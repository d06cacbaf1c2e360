"""Involvement for the people pages, built through the services: a recruitment panel that
met (Sam, a service user, and Dr Amir, staff; Grace leads it and recorded who came), with
Sam's payment and a mileage claim; an open research group; Sam's and Ron's choices and
the packs the hourly tick made for them; Sam's panel training."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from coproduce.involve import services
from coproduce.involve.models import (
    Attendance,
    CoKind,
    Expense,
    HowOften,
    Joining,
    Opportunity,
    Pack,
    PackFormat,
    Recompense,
    Session,
    Training,
)

PANEL_TRAINING = "Recruitment panel training"


def meeting(days: float, hours: float = 2, at: int = 14):
    start = (timezone.localtime() + datetime.timedelta(days=days)).replace(
        hour=at, minute=0, second=0, microsecond=0
    )
    return start, start + datetime.timedelta(hours=hours)


def move_to_past(session: Session, *, days_ago: float = 2, minutes: int = 90) -> Session:
    """Tests cannot wait for a meeting: move it to have happened."""
    start = timezone.now() - datetime.timedelta(days=days_ago)
    Session.objects.filter(pk=session.pk).update(
        starts_at=start, ends_at=start + datetime.timedelta(minutes=minutes)
    )
    session.refresh_from_db()
    return session


@dataclass
class Involved:
    panel: Opportunity
    group: Opportunity
    attendance: Attendance  # Sam's at the panel: a payment, waiting
    staff_attendance: Attendance  # Dr Amir's: no thanks chosen yet
    expense: Expense  # Sam's mileage: claimed
    pack: Pack  # Sam's, by email
    assisted_pack: Pack  # Ron's, by post, set by Grace
    training: Training


def build_involvement(world, prefix: str = "Matrix") -> Involved:
    hub = world.hub
    panel = services.opportunity_create(
        actor=world.coordinator,
        hub=hub,
        kind=CoKind.CO_MANAGING,
        title=f"{prefix} practice nurse panel",
        description="Read applications and sit on the interview panel.",
        lead=world.coordinator,
        meetings=[meeting(5)],
        staff_places=1,
        user_places=1,
        joining=Joining.INSTANT,
        is_recruitment=True,
        place="Room 2, Millbrook Health Centre",
    )
    sam = services.signup_ask(actor=world.member, opportunity=panel)
    amir = services.signup_ask(actor=world.staff, opportunity=panel)
    session = move_to_past(panel.sessions.get())
    sam_came, amir_came = services.attendance_record(
        actor=world.coordinator,
        session=session,
        marks={sam.pk: ("attended", None), amir.pk: ("attended", None)},
    )
    services.thanks_choose(actor=world.member, attendance=sam_came, choice=Recompense.PAYMENT)
    expense = services.expense_claim(
        actor=world.member, attendance=sam_came, kind="mileage", miles="6.5"
    )
    services.hired_record(actor=world.coordinator, opportunity=panel, hired=1)
    group = services.opportunity_create(
        actor=world.coordinator,
        hub=hub,
        kind=CoKind.CO_DESIGN,
        title=f"{prefix} research advisory group",
        description="Help shape the practice's research on loneliness.",
        lead=world.coordinator,
        meetings=[meeting(12)],
        user_places=3,
        joining=Joining.INSTANT,
        place="The library",
    )
    services.choices_set(
        actor=world.member,
        person=world.member,
        hub=hub,
        kinds=[CoKind.CO_DESIGN],
        how_often=HowOften.MONTHLY,
        format=PackFormat.EMAIL,
    )
    services.choices_set(
        actor=world.coordinator,
        person=world.assisted,
        hub=hub,
        kinds=[],
        how_often=HowOften.MONTHLY,
        format=PackFormat.POST,
    )
    services.packs_make()
    training = services.training_record(
        actor=world.coordinator,
        hub=hub,
        person=world.member,
        name=PANEL_TRAINING,
        trained_on=timezone.localdate() - datetime.timedelta(days=30),
        expires_on=timezone.localdate() + datetime.timedelta(days=335),
    )
    return Involved(
        panel=panel,
        group=group,
        attendance=Attendance.objects.get(pk=sam_came.pk),
        staff_attendance=Attendance.objects.get(pk=amir_came.pk),
        expense=expense,
        pack=Pack.objects.get(hub=hub, person=world.member),
        assisted_pack=Pack.objects.get(hub=hub, person=world.assisted),
        training=training,
    )
