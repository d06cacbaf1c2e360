"""Involvement: patients and tenants helping to run the services they use.

Millbrook: a recruitment panel for a practice nurse, two staff and two patients on it,
trained first; more patients asked than there were places, so Dr Shah confirmed the fair
shortlist and the rest went on the waiting list; the panel met three weeks ago, everyone
came and chose their thanks, and one nurse was hired. The research advisory group met
the same week: Carol Clarke took a payment that passed the hub's weekly limit after
reading the benefits warning; Owen O'Brien did not come, so his place was freed. Patients
will lead the induction of new receptionists (three sessions, places taken at once, one
on the waiting list); a serious-incident review keeps its patient place for Kath Kaur,
invited; a pledge monitor checks the practice keeps its pledges. Members chose how much
to be asked; this month's packs are made, Ron Ellis's for the post.

Northfield: tenants monitor the repairs pledge every month, and sit with a housing
officer on the panel that will choose the repairs contractor.

Every step goes through the services at its own time on the story's clock (demo/clock.py),
so meetings are arranged before they happen, and attendance and thanks come after:
nothing needs a raw write of a past time.
"""

import datetime

from django.db import transaction

from coproduce.hubs.models import Hub, Membership, Person
from coproduce.involve import selectors, services
from coproduce.involve.models import (
    CoKind,
    HowOften,
    Joining,
    Mode,
    Opportunity,
    PackFormat,
    Recompense,
    When,
)

PANEL_TRAINING = "Recruitment panel training"
REVIEW_TRAINING = "Serious-incident review training"


def _member(hub: Hub, name: str) -> Person:
    return Membership.objects.get(hub=hub, person__display_name=name).person


def _meeting(clock, days_ago: float, hour: int, hours: float):
    start = clock.moment(days_ago, hour)
    return start, start + datetime.timedelta(hours=hours)


def _came(clock, lead, session, signups, *, absent=()):
    """An hour after the meeting ends, the lead marks who came."""
    clock.at(session.ends_at + datetime.timedelta(hours=1))
    marks = {s.pk: ("no_show" if s.person in absent else "attended", None) for s in signups}
    return {
        a.person: a for a in services.attendance_record(actor=lead, session=session, marks=marks)
    }


@transaction.atomic
def millbrook(hub: Hub, coordinator: Person, gp: Person, clock) -> None:
    if Opportunity.objects.filter(hub=hub).exists():
        return  # the story is told once
    people = {
        name: _member(hub, name)
        for name in [
            "Helen Brooks",
            "Sam Patel",
            "Aisha Ahmed",
            "Carol Clarke",
            "Ellie Evans",
            "Gwen Green",
            "Irene Iqbal",
            "Kath Kaur",
            "Maya Murphy",
            "Owen O'Brien",
            "Rosa Quinn",
            "Tara Singh",
            "Vince Underwood",
            "Yusuf Ward",
            "Ron Ellis",
        ]
    }
    helen, carol, ron = people["Helen Brooks"], people["Carol Clarke"], people["Ron Ellis"]
    # The panel and the advisory group meet in the same week, three weeks ago.
    monday = clock.today - datetime.timedelta(days=clock.today.weekday() + 21)
    week = (clock.today - monday).days  # days ago of that Monday

    # The rules: £20 for each block of up to three hours, and a weekly limit of £35.
    clock.ago(70, 10)
    services.policy_update(
        actor=coordinator,
        hub=hub,
        changes={
            "payment_pence": 2000,
            "block_minutes": 180,
            "weekly_pay_limit_pence": 3500,
            "monthly_minutes_cap": 16 * 60,
        },
    )
    clock.ago(60, 14)
    for name in ("Dr Amir Shah", "Helen Brooks", "Aisha Ahmed", "Carol Clarke", "Ellie Evans"):
        person = gp if name == "Dr Amir Shah" else people[name]
        services.training_record(
            actor=coordinator,
            hub=hub,
            person=person,
            name=PANEL_TRAINING,
            trained_on=clock.now.date(),
            expires_on=clock.now.date() + datetime.timedelta(days=730),
        )
    for name in ("Gwen Green", "Sam Patel"):
        clock.ago(52, 14)
        services.training_record(
            actor=coordinator,
            hub=hub,
            person=people[name],
            name=PANEL_TRAINING,
            trained_on=clock.now.date(),
            expires_on=clock.now.date() + datetime.timedelta(days=730),
        )
    services.training_record(
        actor=coordinator,
        hub=hub,
        person=people["Kath Kaur"],
        name=REVIEW_TRAINING,
        trained_on=clock.now.date(),
        expires_on=clock.now.date() + datetime.timedelta(days=365),
    )

    # The research advisory group: ongoing, a meeting a month; places taken at once.
    clock.ago(50, 11)
    advisory = services.opportunity_create(
        actor=coordinator,
        hub=hub,
        kind=CoKind.CO_DESIGN,
        title="Research advisory group",
        description="Help shape the practice's research into loneliness after a stay in "
        "hospital: read the plans, say what patients would want asked, and how.",
        when=When.ONGOING,
        mode=Mode.IN_PERSON,
        place="Library community room",
        accessibility="Step-free; a hearing loop; tea and biscuits.",
        user_places=6,
        joining=Joining.INSTANT,
        lead=coordinator,
        meetings=[_meeting(clock, week - 3, 18, 2), _meeting(clock, -10, 18, 2)],
    )
    on_group = []
    for days, name in [(49, "Carol Clarke"), (48, "Maya Murphy"), (47, "Owen O'Brien")]:
        clock.ago(days, 19)
        on_group.append(services.signup_ask(actor=people[name], opportunity=advisory))
    clock.ago(46, 15)  # Grace rings Ron, who is not online, and signs him up
    on_group.append(
        services.signup_ask(
            actor=coordinator,
            opportunity=advisory,
            person=ron,
            message="Rang him: he would like a lift, and large print papers.",
        )
    )

    # The recruitment panel for a practice nurse: two staff and two patients, trained.
    clock.ago(45, 10)
    panel = services.opportunity_create(
        actor=gp,
        hub=hub,
        kind=CoKind.CO_MANAGING,
        title="Recruitment panel: practice nurse",
        description="Read the shortlisted applications, then sit on the interview panel "
        "with Dr Shah and the practice manager and ask your own questions.",
        when=When.ONE_OFF,
        place="Meeting room 2, Millbrook Health Centre",
        accessibility="Step-free; papers in large print on request.",
        training=PANEL_TRAINING,
        staff_places=2,
        user_places=2,
        joining=Joining.REQUEST,
        lead=gp,
        is_recruitment=True,
        meetings=[_meeting(clock, week - 1, 10, 3)],
    )
    asked = {}
    for days, person in [
        (44, gp),
        (44, helen),
        (43, people["Aisha Ahmed"]),
        (42, carol),
        (41, people["Ellie Evans"]),
        (40, people["Gwen Green"]),
    ]:
        clock.ago(days, 12)
        asked[person] = services.signup_ask(actor=person, opportunity=panel)
    clock.ago(35, 9)  # Dr Shah confirms the fair shortlist: the rest wait
    proposed = [s.pk for s, r in selectors.shortlist_for(panel) if r.chosen]
    services.shortlist_confirm(actor=gp, opportunity=panel, chosen=proposed)

    # The panel meets on the Tuesday; Grace records who came (nobody marks their own).
    session = panel.sessions.get()
    holders = list(panel.signups.filter(status="confirmed"))
    came = _came(clock, coordinator, session, holders)
    clock.at(session.ends_at + datetime.timedelta(hours=20))
    for person, choice in [
        (people["Aisha Ahmed"], Recompense.CREDITS),
        (carol, Recompense.PAYMENT),
        (gp, Recompense.DONATE),
        (helen, Recompense.DECLINE),
    ]:
        if person in came:
            services.thanks_choose(actor=person, attendance=came[person], choice=choice)
    # The advisory group meets on the Thursday: Owen does not come, so his place is
    # freed; Carol reads the warning (her second £20 this week) and takes the payment.
    first = advisory.sessions.order_by("starts_at").first()
    came = _came(clock, coordinator, first, on_group, absent={people["Owen O'Brien"]})
    clock.at(first.ends_at + datetime.timedelta(hours=14))
    services.thanks_choose(
        actor=carol, attendance=came[carol], choice=Recompense.PAYMENT, understood=True
    )
    services.thanks_choose(
        actor=people["Maya Murphy"], attendance=came[people["Maya Murphy"]], choice="credits"
    )
    services.thanks_choose(actor=coordinator, attendance=came[ron], choice=Recompense.CREDITS)
    clock.at(first.ends_at + datetime.timedelta(days=1))  # the nurse accepts the post
    services.hired_record(actor=gp, opportunity=panel, hired=1)

    # How much each wants to be asked.
    clock.ago(30, 11)
    for name, kinds, how_often, fmt in [
        ("Sam Patel", [CoKind.CO_MANAGING], HowOften.MONTHLY, PackFormat.EMAIL),
        ("Yusuf Ward", [CoKind.CO_DESIGN, CoKind.CO_DELIVERING], HowOften.WEEKLY, "email"),
        ("Rosa Quinn", [], HowOften.EACH, PackFormat.EMAIL),
        ("Vince Underwood", [CoKind.CO_MONITORING], HowOften.MONTHLY, PackFormat.LARGE_PRINT),
    ]:
        person = people[name]
        services.choices_set(
            actor=person,
            person=person,
            hub=hub,
            kinds=kinds or list(CoKind.values),
            how_often=how_often,
            format=fmt,
        )
    services.choices_set(  # Grace, for Ron: every kind, a monthly letter
        actor=coordinator,
        person=ron,
        hub=hub,
        kinds=list(CoKind.values),
        how_often=HowOften.MONTHLY,
        format=PackFormat.POST,
    )

    # Coming up: the pledge monitor, the induction, the review and another panel.
    clock.ago(8, 10)
    monitor = services.opportunity_create(
        actor=coordinator,
        hub=hub,
        kind=CoKind.CO_MONITORING,
        title="Pledge monitor",
        description="Check with staff that the practice keeps the promises in its "
        f"pledges (see /hubs/{hub.slug}/pledges/): look at the figures each quarter, "
        "ask patients, and say what should change.",
        when=When.ONGOING,
        mode=Mode.ONLINE,
        place="A video call; or join by phone",
        user_places=3,
        joining=Joining.INSTANT,
        lead=coordinator,
        meetings=[_meeting(clock, -20, 18, 1.5)],
    )
    clock.ago(7, 20)
    services.signup_ask(actor=people["Vince Underwood"], opportunity=monitor)

    clock.ago(6, 10)
    induction = services.opportunity_create(
        actor=helen,
        hub=hub,
        kind=CoKind.CO_DELIVERING,
        title="Induction for new receptionists, led by patients",
        description="Tell new receptionists what it is like to ring for an appointment, "
        "to wait, and to be unwell and worried; answer their questions.",
        when=When.SERIES,
        place="Staff room, Millbrook Health Centre",
        accessibility="Step-free; a quiet room.",
        user_places=2,
        joining=Joining.INSTANT,
        lead=helen,
        meetings=[_meeting(clock, -d, 14, 1.5) for d in (3, 10, 17)],
    )
    for days, name in [(5, "Rosa Quinn"), (5, "Irene Iqbal"), (4, "Tara Singh")]:
        clock.ago(days, 18)
        services.signup_ask(actor=people[name], opportunity=induction)

    clock.ago(4, 11)
    review = services.opportunity_create(
        actor=gp,
        hub=hub,
        kind=CoKind.CO_EVALUATING,
        title="Serious-incident review: a delayed referral",
        description="Review with staff what happened when a referral was delayed, and "
        "what the practice should learn and change.",
        training=REVIEW_TRAINING,
        staff_places=1,
        user_places=1,
        reserved_places=1,
        joining=Joining.INVITATION,
        lead=gp,
        meetings=[_meeting(clock, -9, 13, 2)],
    )
    clock.ago(3, 16)
    services.signup_invite(actor=gp, opportunity=review, person=people["Kath Kaur"])
    services.opportunity_create(
        actor=gp,
        hub=hub,
        kind=CoKind.CO_MANAGING,
        title="Recruitment panel: healthcare assistant",
        description="Sit on the interview panel for a healthcare assistant.",
        training=PANEL_TRAINING,
        staff_places=2,
        user_places=1,
        joining=Joining.REQUEST,
        lead=gp,
        is_recruitment=True,
        meetings=[_meeting(clock, -16, 10, 3)],
    )

    # This month's packs, made by the hourly tick: Ron's is posted by Grace.
    clock.ago(1, 7)
    services.packs_make(clock.now)


@transaction.atomic
def northfield(hub: Hub, coordinator: Person, clock) -> None:
    if Opportunity.objects.filter(hub=hub).exists():
        return
    officer = _member(hub, "Priya Nair")
    tenants = {
        name: _member(hub, name)
        for name in [
            "Jean Walker",
            "Ben Baker",
            "Dev Doyle",
            "Farid Fraser",
            "Hassan Hughes",
            "Wojciech Kowalski",
        ]
    }

    clock.ago(40, 10)
    monitors = services.opportunity_create(
        actor=coordinator,
        hub=hub,
        kind=CoKind.CO_MONITORING,
        title="Tenant pledge monitors",
        description="Once a month, go through the repairs reports with the housing office "
        f"and check the repairs pledge is kept (see /hubs/{hub.slug}/pledges/).",
        when=When.ONGOING,
        place="Community hall",
        user_places=4,
        joining=Joining.INSTANT,
        lead=coordinator,
        meetings=[_meeting(clock, 30, 18, 1.5), _meeting(clock, -1, 18, 1.5)],
    )
    on_it = []
    for days, name in [(38, "Jean Walker"), (37, "Farid Fraser")]:
        clock.ago(days, 19)
        on_it.append(services.signup_ask(actor=tenants[name], opportunity=monitors))
    clock.ago(36, 15)
    on_it.append(
        services.signup_ask(
            actor=coordinator, opportunity=monitors, person=tenants["Wojciech Kowalski"]
        )
    )
    session = monitors.sessions.order_by("starts_at").first()
    came = _came(clock, coordinator, session, on_it)
    clock.at(session.ends_at + datetime.timedelta(hours=15))
    for name in ("Jean Walker", "Farid Fraser"):
        services.thanks_choose(
            actor=tenants[name], attendance=came[tenants[name]], choice="credits"
        )
    services.thanks_choose(
        actor=coordinator, attendance=came[tenants["Wojciech Kowalski"]], choice="donate"
    )

    clock.ago(10, 10)
    contractor = services.opportunity_create(
        actor=officer,
        hub=hub,
        kind=CoKind.CO_COMMISSIONING,
        title="Repairs contractor selection panel",
        description="Read the three tenders, hear each contractor, and score them with "
        "the housing office: tenants have an equal say in who does the repairs.",
        place="Community hall",
        staff_places=1,
        user_places=3,
        joining=Joining.REQUEST,
        lead=officer,
        meetings=[_meeting(clock, -14, 10, 4)],
    )
    for days, person in [
        (9, officer),
        (9, tenants["Jean Walker"]),
        (8, tenants["Ben Baker"]),
        (8, tenants["Dev Doyle"]),
        (7, tenants["Hassan Hughes"]),
    ]:
        clock.ago(days, 18)
        services.signup_ask(actor=person, opportunity=contractor)
    clock.ago(5, 9)  # tenants who came to the monitors' meetings wait this time
    proposed = [s.pk for s, r in selectors.shortlist_for(contractor) if r.chosen]
    services.shortlist_confirm(actor=officer, opportunity=contractor, chosen=proposed)
