"""Millbrook's referrals and projects, with a few months of history.

Dr Shah refers Molly, widowed and housebound, who is not online; Aisha rings her every
week on the "Friend on the phone" rota. Three months on, Aisha has trained Molly, and
Molly rings Stanley, home from hospital, who also has a six-week reablement package,
its visits tapering. Year 5 and 6 pupils run the buddy bench, trained by last year's
monitors. Other referrals wait, are triaged, or are closed; one has waited too long and
the failsafe sweep has handed it to staff.

Each step happens at its own time on the story's clock (demo/clock.py): consent before
the referral, the referral before its triage, the offer before the match, a slot planned
before it happens, logged after it ends and confirmed the next morning; so the rota, the
ledger and the audit log tell the story the same way and in the same order.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from coproduce.hubs import services as hubs
from coproduce.hubs.models import ConsentMethod, Hub, Membership, Person
from coproduce.referrals import escalations, schedule, services
from coproduce.referrals.models import Project, ProjectKind
from coproduce.timebank.models import Category

WEEKS_OF_HISTORY = 12


def _member(hub: Hub, name: str) -> Person:
    return Membership.objects.get(hub=hub, person__display_name=name).person


def _category(hub: Hub, name: str) -> Category:
    return Category.objects.get(hub=hub, name=name)


def _consent(given_on: datetime.date, **changes) -> services.Consent:
    values = {
        "given": True,
        "given_by": "The person themselves",
        "method": ConsentMethod.IN_PERSON,
        "given_on": given_on,
        "purpose": "To be referred to the time bank and contacted by a volunteer",
    }
    return services.Consent(**{**values, **changes})


def _plan(coordinator, project, periods, *, role, people, places=None, **for_whom):
    """Slots planned now (the clock's now, before the first of them), and taken."""
    slots = services.slots_add(
        actor=coordinator,
        project=project,
        periods=periods,
        role=role,
        places=places or max(1, len(people)),
        **for_whom,
    )
    return [
        services.assignment_take(actor=coordinator, slot=slot, person=person)
        for slot in slots
        for person in people
    ]


def _happen(clock, coordinator, assignments, *, until=None):
    """The turns that happen before `until` (all of them if None): each logged soon after
    it ends, by whoever did it (or the coordinator for someone not online), and confirmed
    by the coordinator the next morning. Returns those still to come."""
    later, by_slot = [], {}
    for assignment in assignments:
        if until is not None and assignment.slot.ends_at > until:
            later.append(assignment)
        else:
            by_slot.setdefault(assignment.slot_id, []).append(assignment)
    for taken in by_slot.values():
        slot = taken[0].slot
        clock.at(slot.ends_at + datetime.timedelta(minutes=30))
        for assignment in taken:
            person = assignment.person
            logger = coordinator if person.is_assisted_digital else person
            services.assignment_log(actor=logger, assignment=assignment)
        next_morning = timezone.localtime(slot.ends_at).date() + datetime.timedelta(days=1)
        clock.at(next_morning, 9)
        for assignment in taken:
            services.assignment_confirm(actor=coordinator, assignment=assignment)
    return later


def _weekly(first: datetime.datetime, weeks: int, minutes: int) -> list[schedule.Period]:
    return schedule.weekly(first, weeks=weeks, minutes=minutes)


@transaction.atomic
def load(hub: Hub, coordinator: Person, gp: Person, clock) -> None:
    if Project.objects.filter(hub=hub).exists():
        return  # the story is told once

    def day(days_ago: int) -> datetime.date:
        return clock.moment(days_ago).date()

    clock.ago(95, 9)
    services.policy_update(actor=coordinator, hub=hub, changes={"failsafe": gp})
    aisha = _member(hub, "Aisha Ahmed")
    irene = _member(hub, "Irene Iqbal")
    rosa = _member(hub, "Rosa Quinn")
    stanley = _member(hub, "Stanley Moore")
    edna = _member(hub, "Edna Barker")
    befriending = _category(hub, "Befriending")

    # The "Friend on the phone" project starts; Aisha and Irene learn to listen well.
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
    clock.ago(91, 16)
    for caller in (aisha, irene):
        services.training_record(
            actor=coordinator, project=phone, person=caller, trained_on=day(91)
        )

    # Molly: Dr Shah sees her and she agrees to be referred; he refers her the next day,
    # Grace triages it, and Aisha says yes to ringing her.
    clock.ago(87, 10)
    molly_referral = services.referral_create(
        actor=gp,
        hub=hub,
        new_person={"display_name": "Molly Jenkins", "phone": "01632 960 104"},
        consent=_consent(day(88)),
        category=befriending,
        description="Widowed in the spring; housebound since a fall; low mood. Hard of "
        "hearing. Would like someone to talk to.",
        urgency="soon",
        preferred_times=["tue-am", "thu-am"],
        postcode_district="MB2",
        needs_check=True,
    )
    molly = molly_referral.person
    clock.ago(86, 11)
    services.referral_triage(
        actor=coordinator,
        referral=molly_referral,
        shared_note="Molly would love a weekly chat on Tuesday mornings. She is hard of "
        "hearing, so speak slowly and clearly.",
        assets=["knitting", "listening", "stories of old Millbrook"],
        needs_check=True,
    )
    offer = services.offer_send(actor=coordinator, referral=molly_referral, volunteer=aisha)
    clock.ago(85, 18)
    services.offer_accept(actor=aisha, offer=offer)
    # Twelve weekly calls, planned the day after, have happened; six more are to come.
    clock.ago(84, 10)
    first_call = clock.moment(7 * WEEKS_OF_HISTORY - 2, 10)
    calls = _plan(
        coordinator,
        phone,
        _weekly(first_call, WEEKS_OF_HISTORY + 6, 30),
        role="caller",
        people=[aisha],
        receiver=molly,
        referral=molly_referral,
    )
    clock.ago(82, 9)
    services.referral_start(actor=aisha, referral=molly_referral)
    _happen(clock, coordinator, calls[:WEEKS_OF_HISTORY])

    # Ron's garden: referred, then closed when his grandson took it on.
    clock.ago(45, 11)
    garden = services.referral_create(
        actor=gp,
        hub=hub,
        person=_member(hub, "Ron Ellis"),
        consent=_consent(day(46), method=ConsentMethod.PHONE),
        category=_category(hub, "Gardening"),
        description="Garden overgrown since knee surgery.",
        postcode_district="MB2",
    )
    clock.ago(43, 15)
    services.referral_close(
        actor=coordinator,
        referral=garden,
        outcome="no_longer_needed",
        note="His grandson has taken the garden on.",
    )

    # The buddy bench: this year's monitors, with their parents' consent, trained by Ayo,
    # a monitor since last year; two on each lunchtime, for six weeks so far.
    clock.ago(60, 15)
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
    term = clock.ago(56, 13)
    services.training_record(
        actor=coordinator, project=bench, person=pupils[0], trained_on=term.date()
    )
    for pupil in pupils[1:]:  # Ayo, a monitor since last year, trains the rest
        services.training_record(
            actor=pupils[0], project=bench, person=pupil, trained_on=term.date()
        )
    today = clock.today
    monday = today - datetime.timedelta(days=today.weekday())

    def lunches(week: int):
        start = monday + datetime.timedelta(weeks=week)
        for offset, pair in ((0, pupils[:2]), (2, pupils[2:]), (4, pupils[:2])):
            noon = datetime.datetime.combine(
                start + datetime.timedelta(days=offset), datetime.time(12, 15)
            )
            lunch = timezone.make_aware(noon)
            yield schedule.Period(lunch, lunch + datetime.timedelta(minutes=30)), pair

    for week in range(-6, 0):  # planned the Friday before; done, logged and confirmed
        clock.at(monday + datetime.timedelta(weeks=week, days=-3), 16)
        turns = []
        for period, pair in lunches(week):
            turns += _plan(coordinator, bench, [period], role="monitor", people=pair)
        _happen(clock, coordinator, turns)

    # Stanley: home from hospital. Dr Shah refers him; Rosa takes him on, with visits for
    # six weeks (most at the start), and Molly, trained by Aisha, rings him every week.
    clock.ago(30, 9)
    stanley_referral = services.referral_create(
        actor=gp,
        hub=hub,
        person=stanley,
        consent=_consent(day(31), method=ConsentMethod.PHONE),
        category=befriending,
        description="Home from hospital after a hip operation; lives alone.",
        urgency="urgent",
        postcode_district="MB1",
        needs_check=True,
    )
    clock.ago(30, 11)
    services.referral_triage(
        actor=coordinator,
        referral=stanley_referral,
        shared_note="Stanley is home from hospital and would like a call and a visit.",
        assets=["fixing radios"],
        needs_check=True,
    )
    offer = services.offer_send(actor=coordinator, referral=stanley_referral, volunteer=rosa)
    clock.ago(29, 19)
    services.offer_accept(actor=rosa, offer=offer)
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
    clock.ago(28, 8)
    services.referral_start(actor=rosa, referral=stanley_referral)
    plan = schedule.tapering(clock.moment(28, 9), plan=[7, 5, 4, 3, 2, 1], minutes=45)
    yesterday = clock.moment(1, 0)
    visits = _plan(
        coordinator,
        reablement,
        [p for p in plan if p.starts_at < yesterday],
        role="visitor",
        people=[rosa],
        receiver=stanley,
    )

    clock.ago(20, 14)
    services.training_record(actor=aisha, project=phone, person=molly, trained_on=day(20))
    clock.ago(17, 16)
    molly_calls = _plan(
        coordinator,
        phone,
        _weekly(clock.moment(16, 15), 2 + 4, 30),
        role="caller",
        people=[molly],
        receiver=stanley,
    )
    # What has happened by yesterday: Rosa's visits, Aisha's and Molly's calls.
    _happen(clock, coordinator, visits)
    _happen(clock, coordinator, molly_calls, until=yesterday)

    # Edna's shopping: referred three days ago, triaged the next day, waiting for a
    # volunteer.
    clock.ago(3, 10)
    shopping = services.referral_create(
        actor=gp,
        hub=hub,
        person=edna,
        consent=_consent(day(4), method=ConsentMethod.PHONE),
        category=_category(hub, "Shopping"),
        description="Arthritis in both hands; struggles to carry shopping.",
        postcode_district="MB3",
    )
    clock.ago(2, 10)
    services.referral_triage(
        actor=coordinator,
        referral=shopping,
        shared_note="Edna needs a hand with a weekly food shop.",
        assets=["baking"],
        needs_check=False,
    )

    # Arthur: referred ten days ago, on his daughter's consent, and still not triaged.
    clock.ago(10, 11)
    services.referral_create(
        actor=gp,
        hub=hub,
        new_person={"display_name": "Arthur Price", "phone": "01632 960 105"},
        consent=_consent(day(11), given_by="His daughter, Joan Price (lasting power of attorney)"),
        category=_category(hub, "Lifts"),
        description="Needs lifts to the eye clinic every fortnight; macular degeneration.",
        urgency="urgent",
        preferred_times=["mon-am", "wed-am"],
        postcode_district="MB4",
        needs_check=True,
    )

    # Yesterday: what is still to come is planned. Aisha's and Molly's next calls are on
    # the rota already; the reablement's last visits go to Irene; Edna's first call, three
    # days from now, is a gap Irene has not filled yet; and next week's buddy bench has
    # one place left on Friday.
    clock.ago(1, 17)
    for period, pair in lunches(1):
        friday = period.starts_at.weekday() == 4
        people = pair[:1] if friday else pair
        _plan(coordinator, bench, [period], role="monitor", people=people, places=2)
    tomorrow = clock.moment(-1, 0)
    _plan(
        coordinator,
        reablement,
        [p for p in plan if p.starts_at > tomorrow],
        role="visitor",
        people=[irene],
        receiver=stanley,
    )
    _plan(
        coordinator,
        phone,
        [schedule.Period(clock.moment(-3, 11), clock.moment(-3, 11, 30))],
        role="caller",
        people=[],
        receiver=edna,
    )
    # The failsafe's sweep, last thing yesterday: Arthur's referral has waited over a week
    # and goes to the GP.
    clock.ago(1, 23)
    escalations.sweep(hub=hub)
