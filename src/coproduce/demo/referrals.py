"""Millbrook's referrals and projects, with a few months of history.

Dr Shah refers Molly, widowed and housebound, who is not online; Aisha rings her every
week on the "Friend on the phone" rota. Three months on, Aisha has trained Molly, and
Molly rings Stanley, home from hospital, who also has a six-week reablement package,
its visits tapering. Year 5 and 6 pupils run the buddy bench, trained by last year's
monitors. Other referrals wait, are triaged, or are closed; one has waited too long and
the failsafe sweep has handed it to staff.

Slots in the past are planned through the services as if in the future, then moved
back in time, so the rota, the ledger and the audit log tell the story the same way.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from coproduce.hubs import services as hubs
from coproduce.hubs.models import ConsentMethod, Hub, Membership, Person
from coproduce.referrals import escalations, schedule, services
from coproduce.referrals.models import Project, ProjectKind, Referral
from coproduce.timebank.models import Category

# Plans are made this far ahead, then moved back by the same amount.
SHIFT = datetime.timedelta(days=200)
WEEKS_OF_HISTORY = 12


def _member(hub: Hub, name: str) -> Person:
    return Membership.objects.get(hub=hub, person__display_name=name).person


def _category(hub: Hub, name: str) -> Category:
    return Category.objects.get(hub=hub, name=name)


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _consent(**changes) -> services.Consent:
    values = {
        "given": True,
        "given_by": "The person themselves",
        "method": ConsentMethod.IN_PERSON,
        "given_on": timezone.localdate(),
        "purpose": "To be referred to the time bank and contacted by a volunteer",
    }
    return services.Consent(**{**values, **changes})


def _age(referral: Referral, days: int) -> None:
    """Move a referral's story back in time: referred `days` ago, then triaged and
    matched over the following days."""
    referral = Referral.objects.get(pk=referral.pk)
    referral.created_at = timezone.now() - datetime.timedelta(days=days)
    for step, field in enumerate(["triaged_at", "matched_at"], start=1):
        if getattr(referral, field):
            setattr(referral, field, referral.created_at + datetime.timedelta(days=step))
    referral.save(update_fields=["created_at", "triaged_at", "matched_at"])


def _history(coordinator, project, periods, *, role, people, receiver=None, referral=None):
    """Slots that happened: planned ahead, taken, moved back, logged and confirmed."""
    ahead = [schedule.Period(p.starts_at + SHIFT, p.ends_at + SHIFT) for p in periods]
    slots = services.slots_add(
        actor=coordinator,
        project=project,
        periods=ahead,
        role=role,
        places=len(people),
        receiver=receiver,
        referral=referral,
    )
    taken = [
        services.assignment_take(actor=coordinator, slot=slot, person=person)
        for slot in slots
        for person in people
    ]
    for slot, period in zip(slots, periods, strict=True):
        # Back to the planned local time (a fixed shift would move it across clock changes).
        slot.starts_at, slot.ends_at = period.starts_at, period.ends_at
        slot.save(update_fields=["starts_at", "ends_at"])
    for assignment in taken:
        person = assignment.person
        logger = coordinator if person.is_assisted_digital else person
        services.assignment_log(actor=logger, assignment=assignment)
        services.assignment_confirm(actor=coordinator, assignment=assignment)


def _future(coordinator, project, periods, *, role, people, receiver=None, referral=None):
    slots = services.slots_add(
        actor=coordinator,
        project=project,
        periods=periods,
        role=role,
        places=max(1, len(people)),
        receiver=receiver,
        referral=referral,
    )
    for slot in slots:
        for person in people:
            services.assignment_take(actor=coordinator, slot=slot, person=person)
    return slots


@transaction.atomic
def load(hub: Hub, coordinator: Person, gp: Person) -> None:
    if Project.objects.filter(hub=hub).exists():
        return  # the story is told once
    today = timezone.localdate()
    services.policy_update(actor=coordinator, hub=hub, changes={"failsafe": gp})

    aisha = _member(hub, "Aisha Ahmed")
    irene = _member(hub, "Irene Iqbal")
    rosa = _member(hub, "Rosa Quinn")
    stanley = _member(hub, "Stanley Moore")
    edna = _member(hub, "Edna Barker")
    befriending = _category(hub, "Befriending")

    # Molly: referred by the GP twelve weeks ago, matched with Aisha.
    molly_referral = services.referral_create(
        actor=gp,
        hub=hub,
        new_person={"display_name": "Molly Jenkins", "phone": "01632 960 104"},
        consent=_consent(given_on=today - datetime.timedelta(days=7 * WEEKS_OF_HISTORY + 3)),
        category=befriending,
        description="Widowed in the spring; housebound since a fall; low mood. Hard of "
        "hearing. Would like someone to talk to.",
        urgency="soon",
        preferred_times=["tue-am", "thu-am"],
        postcode_district="MB2",
        needs_check=True,
    )
    molly = molly_referral.person
    services.referral_triage(
        actor=coordinator,
        referral=molly_referral,
        shared_note="Molly would love a weekly chat on Tuesday mornings. She is hard of "
        "hearing, so speak slowly and clearly.",
        assets=["knitting", "listening", "stories of old Millbrook"],
        needs_check=True,
    )
    offer = services.offer_send(actor=coordinator, referral=molly_referral, volunteer=aisha)
    services.offer_accept(actor=aisha, offer=offer)

    phone = services.project_create(
        actor=coordinator,
        hub=hub,
        name="Friend on the phone",
        kind=ProjectKind.PHONE_FRIEND,
        lead=coordinator,
        roles=["caller"],
        description="A friendly call every week for people who are lonely or stuck at "
        "home, referred by the health centre.",
        organisation=hub.host,
        category=befriending,
        training="Listening well (an hour with the coordinator or a trained caller)",
    )
    for caller in (aisha, irene):
        services.training_record(
            actor=coordinator,
            project=phone,
            person=caller,
            trained_on=today - datetime.timedelta(weeks=WEEKS_OF_HISTORY + 1),
        )
    first_call = _at(today - datetime.timedelta(weeks=WEEKS_OF_HISTORY), 10)
    _history(
        coordinator,
        phone,
        schedule.weekly(first_call, weeks=WEEKS_OF_HISTORY, minutes=30),
        role="caller",
        people=[aisha],
        receiver=molly,
        referral=molly_referral,
    )
    next_call = first_call + datetime.timedelta(weeks=WEEKS_OF_HISTORY)
    if next_call <= timezone.now():
        next_call += datetime.timedelta(weeks=1)
    _future(
        coordinator,
        phone,
        schedule.weekly(next_call, weeks=6, minutes=30),
        role="caller",
        people=[aisha],
        receiver=molly,
        referral=molly_referral,
    )
    # Aisha trains Molly, who now rings Stanley herself.
    services.training_record(
        actor=aisha, project=phone, person=molly, trained_on=today - datetime.timedelta(days=20)
    )
    stanley_referral = services.referral_create(
        actor=gp,
        hub=hub,
        person=stanley,
        consent=_consent(method=ConsentMethod.PHONE),
        category=befriending,
        description="Home from hospital after a hip operation; lives alone.",
        urgency="urgent",
        postcode_district="MB1",
        needs_check=True,
    )
    services.referral_triage(
        actor=coordinator,
        referral=stanley_referral,
        shared_note="Stanley is home from hospital and would like a call and a visit.",
        assets=["fixing radios"],
        needs_check=True,
    )
    offer = services.offer_send(actor=coordinator, referral=stanley_referral, volunteer=rosa)
    services.offer_accept(actor=rosa, offer=offer)
    services.referral_start(actor=rosa, referral=stanley_referral)
    _history(
        coordinator,
        phone,
        schedule.weekly(_at(today - datetime.timedelta(days=16), 15), weeks=2, minutes=30),
        role="caller",
        people=[molly],
        receiver=stanley,
    )
    molly_call = _at(today - datetime.timedelta(days=2), 15) + datetime.timedelta(weeks=1)
    _future(
        coordinator,
        phone,
        schedule.weekly(molly_call, weeks=4, minutes=30),
        role="caller",
        people=[molly],
        receiver=stanley,
    )
    # A gap Irene has not filled yet: Edna's first call, three days from now.
    _future(
        coordinator,
        phone,
        [
            schedule.Period(
                _at(today + datetime.timedelta(days=3), 11),
                _at(today + datetime.timedelta(days=3), 11, 30),
            )
        ],
        role="caller",
        people=[],
        receiver=edna,
    )

    # Stanley's reablement: six weeks, visits tapering from daily; four weeks done.
    reablement = services.project_create(
        actor=coordinator,
        hub=hub,
        name="Reablement after hospital",
        kind=ProjectKind.REABLEMENT,
        lead=coordinator,
        roles=["visitor"],
        description="Six weeks of visits after a hospital stay, most at the start, "
        "tapering as people get back on their feet.",
        organisation=hub.host,
        needs_check=True,
    )
    start = _at(today - datetime.timedelta(weeks=4), 9)
    plan = schedule.tapering(start, plan=[7, 5, 4, 3, 2, 1], minutes=45)
    done = [p for p in plan if p.starts_at < timezone.now() - datetime.timedelta(days=1)]
    _history(coordinator, reablement, done, role="visitor", people=[rosa], receiver=stanley)
    upcoming = [p for p in plan if p.starts_at > timezone.now() + datetime.timedelta(days=1)]
    _future(coordinator, reablement, upcoming, role="visitor", people=[irene], receiver=stanley)

    # The buddy bench: Year 6 monitors trained by last year's, two on each lunchtime.
    school = hub.organisations.get(name="Millbrook Primary School")
    pupils = [
        hubs.person_create_assisted(
            actor=coordinator,
            hub=hub,
            display_name=name,
            consent_purpose="To be a buddy bench monitor (consent from a parent)",
            consent_method=ConsentMethod.PAPER,
        )
        for name in ("Ayo (Year 6)", "Ben (Year 6)", "Chen (Year 5)", "Daisy (Year 5)")
    ]
    bench = services.project_create(
        actor=coordinator,
        hub=hub,
        name="Buddy bench",
        kind=ProjectKind.BUDDY_BENCH,
        lead=coordinator,
        roles=["monitor"],
        description="Pupils who feel alone at lunchtime sit on the bench; trained monitors "
        "come and play or talk. This year's monitors train next year's.",
        organisation=school,
        training="Buddy monitor training (a lunchtime, from a trained monitor)",
    )
    term = today - datetime.timedelta(weeks=8)
    services.training_record(actor=coordinator, project=bench, person=pupils[0], trained_on=term)
    for pupil in pupils[1:]:  # Ayo, a monitor since last year, trains the rest
        services.training_record(actor=pupils[0], project=bench, person=pupil, trained_on=term)
    monday = today - datetime.timedelta(days=today.weekday())
    for week in range(6, 0, -1):
        for day, pair in ((0, pupils[:2]), (2, pupils[2:]), (4, pupils[:2])):
            lunch = _at(
                monday - datetime.timedelta(weeks=week) + datetime.timedelta(days=day), 12, 15
            )
            _history(
                coordinator,
                bench,
                [schedule.Period(lunch, lunch + datetime.timedelta(minutes=30))],
                role="monitor",
                people=pair,
            )
    for day, pair in ((0, pupils[:2]), (2, pupils[2:]), (4, pupils[:1])):
        lunch = _at(monday + datetime.timedelta(weeks=1, days=day), 12, 15)
        slots = services.slots_add(
            actor=coordinator,
            project=bench,
            periods=[schedule.Period(lunch, lunch + datetime.timedelta(minutes=30))],
            role="monitor",
            places=2,
        )
        for pupil in pair:
            services.assignment_take(actor=coordinator, slot=slots[0], person=pupil)

    # Other referrals: waiting, closed, and one that waited too long.
    shopping = services.referral_create(
        actor=gp,
        hub=hub,
        person=edna,
        consent=_consent(method=ConsentMethod.PHONE),
        category=_category(hub, "Shopping"),
        description="Arthritis in both hands; struggles to carry shopping.",
        postcode_district="MB3",
    )
    services.referral_triage(
        actor=coordinator,
        referral=shopping,
        shared_note="Edna needs a hand with a weekly food shop.",
        assets=["baking"],
        needs_check=False,
    )
    _age(shopping, 3)
    lifts = services.referral_create(
        actor=gp,
        hub=hub,
        new_person={"display_name": "Arthur Price", "phone": "01632 960 105"},
        consent=_consent(given_by="His daughter, Joan Price (lasting power of attorney)"),
        category=_category(hub, "Lifts"),
        description="Needs lifts to the eye clinic every fortnight; macular degeneration.",
        urgency="urgent",
        preferred_times=["mon-am", "wed-am"],
        postcode_district="MB4",
        needs_check=True,
    )
    _age(lifts, 10)
    garden = services.referral_create(
        actor=gp,
        hub=hub,
        person=_member(hub, "Ron Ellis"),
        consent=_consent(method=ConsentMethod.PHONE),
        category=_category(hub, "Gardening"),
        description="Garden overgrown since knee surgery.",
        postcode_district="MB2",
    )
    services.referral_close(
        actor=coordinator,
        referral=garden,
        outcome="no_longer_needed",
        note="His grandson has taken the garden on.",
    )
    _age(molly_referral, 7 * WEEKS_OF_HISTORY)
    _age(stanley_referral, 30)
    _age(garden, 45)

    # The failsafe: Arthur's referral has waited ten days; the sweep hands it to the GP.
    escalations.sweep(hub=hub)
