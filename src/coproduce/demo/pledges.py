"""The pledges story.

Northfield's conversation found common ground (a date for every repair within a week,
emergency repairs, bins, fly-tipping); its coordinator marks those statements as the hub's
priorities, and the housing manager (Marcus) drafts a repairs and estate pledge from them.
Marcus signs it for the service and Jean, a tenant in Oak Tower, for the tenants; it is
published, and for the months since, tenants report problems under it: most are put right
in time, some are late and escalated by the failsafe, one is closed as fixed, said by its
reporter not to be fixed, reopened and fixed late. The housing office counts, each month,
repair visits where nobody was in (the tenants' side of the pledge).

Millbrook adopts a "patient experience" pledge from a template offered by a national
network of patients' groups, and changes two of its targets for its own surgery.

Everything goes through the pledge and report services, as the pages would, at the
story's times: drafted (`pledge_create`, `pledge_update`, `category_save`), signed by
both sides (`pledge_sign`), published (`pledge_publish`), offered and adopted as a
template; reports made, moved on and answered (`report_create`, `report_update`,
`report_answer`), and the late ones met by the failsafe's sweep.
"""

import datetime
import heapq
import itertools

from django.db import transaction

from coproduce.deliberation import services as deliberation
from coproduce.deliberation.models import Conversation
from coproduce.hubs import services as hub_services
from coproduce.hubs.models import Hub, Membership, Person
from coproduce.pledges import services, workdays
from coproduce.pledges.models import (
    Pledge,
)
from coproduce.referrals import escalations

BLOCKS = ["Ash Court", "Beech House", "Cedar Walk", "Oak Tower"]
# The question every Northfield category asks, as the category form takes it (the
# answers' keys are made from their names: "Oak Tower" is "oak-tower").
WHICH_BLOCK = {
    "code": "block",
    "datatype": "singlevaluelist",
    "required": True,
    "description": "Which block?",
    "values": BLOCKS,
}

# The common ground the pledge grew from (statements of the Northfield conversation).
GROWN_FROM = [
    "Every repair should get a date within a week of being reported.",
    "Emergency repairs like no heating or water must be fixed within 24 hours.",
    "The bin stores should be emptied twice a week, not once.",
    "Fly-tipping should be cleared within two days of being reported.",
    "If a repair will be late, tell the tenant before the day, not after.",
]
NORTHFIELD = {
    "title": "Repairs and the estate: what we promise each other",
    "summary": "Agreed by tenants and the housing office after the repairs conversation: "
    "how soon we act on what tenants report, and what tenants do in return.",
    "co_designed_by": "Tenants of all four blocks and the housing office, at the repairs "
    "conversation and a workshop in the community hall.",
    "user_commitments": [
        {
            "text": "Give access at the time agreed for a repair, or rearrange a day before",
            "measure": "repair visits with nobody in",
        },
        {"text": "Put rubbish in the bin stores, not beside them", "measure": ""},
    ],
    "categories": [
        (
            "repair-date",
            "A date for a repair",
            "Every repair is given a date for the work",
            5,
            "working_days",
        ),
        (
            "emergency",
            "Emergency repairs",
            "No heating, no water or anything unsafe is made safe",
            24,
            "hours",
        ),
        (
            "bins",
            "Bins and bin stores",
            "A missed collection or an overflowing bin store is put right",
            2,
            "working_days",
        ),
        (
            "fly-tipping",
            "Fly-tipping",
            "Fly-tipping is cleared",
            2,
            "working_days",
        ),
    ],
}
TEMPLATE_HUB = {
    "slug": "patients-together",
    "name": "Patients Together",
    "purpose": "A national network of patients' groups. We offer pledge templates that "
    "surgeries and their patients can adopt and make their own.",
}
TEMPLATE = {
    "title": "Patient experience: a local service pledge",
    "summary": "One national template, made local with the patients of each surgery.",
    "co_designed_by": "Patients' groups from twelve surgeries.",
    "user_commitments": [
        {
            "text": "Cancel appointments you cannot keep, at least a day before",
            "measure": "appointments missed without cancelling",
        }
    ],
    "categories": [
        (
            "call-back",
            "A call back",
            "A GP calls you back",
            2,
            "working_days",
        ),
        (
            "test-results",
            "Test results",
            "Your test results are given to you",
            10,
            "working_days",
        ),
        (
            "complaints",
            "Complaints",
            "A complaint is answered in full",
            20,
            "working_days",
        ),
    ],
}
# Millbrook's two local changes: (category, new amount, new commitment).
MILLBROOK_CHANGES = [
    ("call-back", 1, "same_working_day", "A GP calls you back"),
    ("test-results", 5, "working_days", "Your test results are given to you"),
]

# The story's days (before the day the demo is loaded); the conversation opened 108 days ago.
PRIORITIES = 86
DRAFTED = 84
SIGNED = (82, 81)  # Marcus for the service, Jean for the tenants
PUBLISHED = 80
TEMPLATE_HUB_FOUNDED = 200
TEMPLATE_PUBLISHED = 190
ADOPTED = 60
ADOPTION_SIGNED = (58, 57)
ADOPTION_PUBLISHED = 55

# The reports: (days ago made, hour, category, block, reporter, what, outcome).
# Outcomes: "kept" (put right in time), "late" (put right after its date, escalated on
# the way), "reopened" (closed as fixed in time, not fixed says the reporter, fixed late),
# "overdue" (still open after its date: escalated), "not ours" (closed in time as not the
# office's to fix), "open" (made lately, not yet due).
REPORTS = [
    (
        78,
        10,
        "emergency",
        "Oak Tower",
        "Rita Boyle",
        "No hot water in flat 14 since this morning.",
        "kept",
    ),
    (
        76,
        14,
        "repair-date",
        "Ash Court",
        "Omar Haddad",
        "The kitchen tap drips all the time.",
        "kept",
    ),
    (
        74,
        11,
        "bins",
        "Beech House",
        "Mercy Osei",
        "The bin store was not emptied on Monday.",
        "kept",
    ),
    (
        71,
        9,
        "fly-tipping",
        "Cedar Walk",
        "Tom Fenwick",
        "A mattress and a sofa dumped by the garages.",
        "late",
    ),
    (
        69,
        16,
        "repair-date",
        "Oak Tower",
        "Jean Walker",
        "The landing light outside flat 22 flickers.",
        "kept",
    ),
    (
        66,
        10,
        "emergency",
        "Beech House",
        "Shazia Begum",
        "The front door of the block will not lock.",
        "kept",
    ),
    (
        62,
        13,
        "repair-date",
        "Cedar Walk",
        "Gordon Hale",
        "Damp patch spreading on the bedroom ceiling.",
        "reopened",
    ),
    (58, 10, "bins", "Ash Court", "Chloe Dunn", "Bins overflowing behind Ash Court.", "kept"),
    (
        55,
        15,
        "fly-tipping",
        "Oak Tower",
        "Patrick Byrne",
        "Bags of rubbish left on the stairs.",
        "kept",
    ),
    (
        51,
        11,
        "repair-date",
        "Beech House",
        "Maureen Hill",
        "The bathroom window will not close.",
        "late",
    ),
    (
        47,
        9,
        "emergency",
        "Ash Court",
        "Yusuf Ali",
        "Water coming through the ceiling from upstairs.",
        "kept",
    ),
    (
        44,
        12,
        "bins",
        "Cedar Walk",
        "Irene Nolan",
        "Broken lid on the bin store, foxes get in.",
        "kept",
    ),
    (
        40,
        10,
        "fly-tipping",
        "Beech House",
        "Kayla Brooks",
        "Builders' rubble by the play area.",
        "not ours",
    ),
    (
        36,
        14,
        "repair-date",
        "Oak Tower",
        "Stan Wozniak",
        "The lift button for floor 6 does not work.",
        "kept",
    ),
    (
        33,
        11,
        "repair-date",
        "Ash Court",
        "Fatima Noor",
        "Cracked pane in the stairwell window.",
        "late",
    ),
    (29, 10, "bins", "Oak Tower", "Jackie Moss", "Recycling not collected this week.", "kept"),
    (
        25,
        16,
        "emergency",
        "Cedar Walk",
        "Ade Balogun",
        "No heating in flat 3; a baby lives here.",
        "kept",
    ),
    (21, 10, "fly-tipping", "Ash Court", "Nora Quinn", "A fridge dumped at the entrance.", "kept"),
    (
        17,
        13,
        "repair-date",
        "Beech House",
        "Rita Boyle",
        "The stair rail on the second floor is loose.",
        "overdue",
    ),
    (
        13,
        9,
        "bins",
        "Beech House",
        "Omar Haddad",
        "The bin store smells; it was missed again.",
        "kept",
    ),
    (9, 11, "repair-date", "Cedar Walk", "Mercy Osei", "Mould around the kitchen window.", "kept"),
    (
        5,
        14,
        "emergency",
        "Oak Tower",
        "Tom Fenwick",
        "The entry phone does not open the door.",
        "kept",
    ),
    (
        2,
        10,
        "repair-date",
        "Oak Tower",
        "Jean Walker",
        "The communal hall light is out again.",
        "open",
    ),
    (
        1,
        15,
        "fly-tipping",
        "Cedar Walk",
        "Shazia Begum",
        "Old carpet left by the bike shed.",
        "open",
    ),
]
# England and Wales bank holidays (gov.uk), which both hubs' calendars keep as days off:
# a target in working days does not count them.
BANK_HOLIDAYS = {
    2025: ["01-01 New Year's Day", "04-18 Good Friday", "04-21 Easter Monday",
           "05-05 Early May bank holiday", "05-26 Spring bank holiday",
           "08-25 Summer bank holiday", "12-25 Christmas Day", "12-26 Boxing Day"],
    2026: ["01-01 New Year's Day", "04-03 Good Friday", "04-06 Easter Monday",
           "05-04 Early May bank holiday", "05-25 Spring bank holiday",
           "08-31 Summer bank holiday", "12-25 Christmas Day",
           "12-28 Boxing Day (substitute day)"],
    2027: ["01-01 New Year's Day", "03-26 Good Friday", "03-29 Easter Monday",
           "05-03 Early May bank holiday", "05-31 Spring bank holiday",
           "08-30 Summer bank holiday", "12-27 Christmas Day (substitute day)",
           "12-28 Boxing Day (substitute day)"],
    2028: ["01-03 New Year's Day (substitute day)", "04-14 Good Friday",
           "04-17 Easter Monday", "05-01 Early May bank holiday",
           "05-29 Spring bank holiday", "08-28 Summer bank holiday",
           "12-25 Christmas Day", "12-26 Boxing Day"],
}  # fmt: skip

# Repair visits with nobody in, counted by the housing office each month.
MISSED_ACCESS = [3, 5, 2]


def _draft(hub, actor, spec, *, statements=(), staff=()) -> Pledge:
    """A draft pledge as its author writes it on the pages: words, commitments, what it
    grew from, and its categories (Northfield's ask "Which block?")."""
    pledge = services.pledge_create(actor=actor, hub=hub, title=spec["title"])
    services.pledge_update(
        actor=actor,
        pledge=pledge,
        title=spec["title"],
        summary=spec["summary"],
        co_designed_by=spec["co_designed_by"],
        user_commitments=spec["user_commitments"],
        grown_from=statements,
    )
    for key, name, commitment, amount, unit in spec["categories"]:
        services.category_save(
            actor=actor,
            pledge=pledge,
            code=f"{hub.slug}-{key}",
            name=name,
            commitment=commitment,
            target_amount=amount,
            target_unit=unit,
            questions=[WHICH_BLOCK] if hub.slug == "northfield" else [],
            staff=staff,
        )
    return pledge


def _signed_and_published(pledge, staff, user, publisher, note, clock, days) -> None:
    """Staff sign for the service and a member for the people who use it, on the story's
    days (`days`: signed, signed, published), and a coordinator publishes."""
    signed_staff, signed_user, published = days
    clock.ago(signed_staff, 15)
    services.pledge_sign(actor=staff, pledge=pledge)
    clock.ago(signed_user, 18)
    services.pledge_sign(actor=user, pledge=pledge)
    clock.ago(published, 9)
    services.pledge_publish(actor=publisher, pledge=pledge, change_note=note)


# --- the story -------------------------------------------------------------------------


def _person(hub, name) -> Person:
    return (
        Membership.objects.select_related("person").get(hub=hub, person__display_name=name).person
    )


@transaction.atomic
def load(hubs: dict, people: dict, operator: Person, clock) -> None:
    northfield, millbrook = hubs["northfield"], hubs["millbrook"]
    if Pledge.objects.filter(hub=northfield, title=NORTHFIELD["title"]).exists():
        return  # the story is told once
    marcus = people["marcus@northfield.example"]
    tunde = people["tunde@northfield.example"]
    priya = people["priya@northfield.example"]
    jean = people["jean@northfield.example"]

    # Before the pledges, each hub's coordinator enters the bank holidays.
    for hub, coordinator, days_ago in (
        (northfield, tunde, PRIORITIES + 1),
        (millbrook, people["grace@millbrook.example"], ADOPTED + 1),
    ):
        clock.ago(days_ago, 9)
        _bank_holidays(hub, coordinator, clock.today)

    # Common ground becomes the hub's priorities, and the pledge grows from it.
    conversation = Conversation.objects.get(hub=northfield)
    statements = [conversation.statements.get(text=text) for text in GROWN_FROM]
    for number, statement in enumerate(statements):
        clock.ago(PRIORITIES, 10 + number)
        deliberation.priority_mark(
            actor=tunde, statement=statement, note="Common ground: for the repairs pledge."
        )
    clock.ago(DRAFTED, 11)
    pledge = _draft(northfield, marcus, NORTHFIELD, statements=statements, staff=[priya, marcus])
    note = "First version, agreed at the repairs workshop."
    _signed_and_published(pledge, marcus, jean, marcus, note, clock, (*SIGNED, PUBLISHED))
    pledge.refresh_from_db()
    _reports(northfield, pledge, priya, marcus, clock)

    # The housing office counts repair visits with nobody in, at the start of each month.
    today = clock.today
    month = today.replace(day=1)
    months = []
    for _ in MISSED_ACCESS:
        month = (month - datetime.timedelta(days=1)).replace(day=1)
        months.insert(0, month)
    commitment = NORTHFIELD["user_commitments"][0]["text"]
    for month, count in zip(months, MISSED_ACCESS, strict=True):
        counted = (month + datetime.timedelta(days=32)).replace(day=2)
        if counted >= today or month < clock.moment(PUBLISHED).date().replace(day=1):
            continue
        clock.at(counted, 10)
        services.user_side_record(
            actor=priya, pledge=pledge, commitment=commitment, month=month, count=count
        )

    _millbrook(millbrook, people, operator, clock)


# The service's own places, which a report can name instead of an address: a patient
# with no call-back has nowhere else to say.
PLACES = {
    "northfield": [("Estate office", "Unit 2, Oak Tower, Northfield Road")],
    "millbrook": [
        ("Millbrook Health Centre", "14 Mill Lane, Millbrook"),
        ("Station Street branch surgery", "3 Station Street, Millbrook"),
    ],
}


def _bank_holidays(hub: Hub, coordinator: Person, today: datetime.date) -> None:
    """The bank holidays from a year ago to a year ahead, as a coordinator enters them,
    and the service's places."""
    for name, address in PLACES.get(hub.slug, []):
        services.service_point_save(actor=coordinator, hub=hub, name=name, address=address)
    for year, days in BANK_HOLIDAYS.items():
        for entry in days:
            month_day, name = entry.split(" ", 1)
            day = datetime.date.fromisoformat(f"{year}-{month_day}")
            if abs((day - today).days) <= 366:
                services.holiday_add(actor=coordinator, hub=hub, day=day, name=name)


def _reports(hub, pledge, staff, manager, clock) -> None:
    """Every report's life in story order: made, moved on by staff, answered, swept."""
    categories = {c.code.removeprefix(f"{hub.slug}-"): c for c in pledge.categories.all()}
    latest = clock.moment(1, 20)  # nothing after yesterday evening
    order = itertools.count()
    events: list = []

    def later(moment, action):
        heapq.heappush(events, (moment, next(order), action))

    def update(report, status, note, actor=staff):
        return lambda: services.report_update(actor=actor, report=report, status=status, note=note)

    def sweep():
        escalations.sweep(hub=hub)

    def made(days_ago, hour, key, block, name, text, outcome):
        def action():
            person = _person(hub, name)
            assisted = person.is_assisted_digital
            report = services.report_create(
                category=categories[key],
                description=text,
                reporter=person,
                entered_by=staff if assisted else None,
                source="phone" if assisted else "web",
                attributes={"block": block.lower().replace(" ", "-")},
                area=hub.neighbourhoods.filter(name=block).first(),
            )
            start, due = report.created_at, report.expected_at
            hour_ = datetime.timedelta(hours=1)
            day = datetime.timedelta(days=1)
            later(start + 2 * hour_, update(report, "acknowledged", "Thank you: we are on it."))
            if outcome == "kept":
                done = max(start + 3 * hour_, min(due - 2 * hour_, start + day + 2 * hour_))
                later(done, update(report, "fixed", "Done: put right by the caretaker."))
            elif outcome == "not ours":
                note = "This is on the builders' land: the council will clear it, and knows."
                later(due - 3 * hour_, update(report, "not_responsible", note))
            elif outcome in ("late", "overdue"):
                later(start + day, update(report, "in_progress", "The contractor is booked."))
                later(due + 2 * hour_, sweep)
                if outcome == "late":
                    note = "Done, later than we promised: a part had to be ordered. Sorry."
                    later(due + 3 * day, update(report, "fixed", note, manager))
            elif outcome == "reopened":
                closed = max(start + 4 * hour_, due - 4 * day)
                later(closed, update(report, "fixed", "The damp patch has been treated."))
                later(
                    closed + day,
                    lambda: services.report_answer(
                        actor=report.reporter,
                        report=report,
                        fixed=False,
                        note="The patch is back already: the leak is still there.",
                    ),
                )
                note = "Sorry. A surveyor will look for the leak."
                later(closed + day + 2 * hour_, update(report, "investigating", note))
                later(due + 2 * hour_, sweep)
                note = "The leak from the flat above is mended and the ceiling treated."
                later(due + 6 * day, update(report, "fixed", note, manager))

        return action

    for days_ago, hour, key, block, name, text, outcome in REPORTS:
        later(clock.moment(days_ago, hour), made(days_ago, hour, key, block, name, text, outcome))
    while events:
        moment, _, action = heapq.heappop(events)
        if moment > latest:
            continue  # has not happened yet
        clock.at(moment)
        action()


def _millbrook(millbrook: Hub, people: dict, operator: Person, clock) -> None:
    """A national network of patients' groups offers a patient-experience template (its
    organiser signs for the network, Sam, a patient who belongs to it, for patients);
    Millbrook adopts it and makes two of its targets its own."""
    sam = people["sam@millbrook.example"]
    clock.ago(TEMPLATE_HUB_FOUNDED, 9)
    network = Hub.objects.filter(slug=TEMPLATE_HUB["slug"]).first() or hub_services.hub_create(
        actor=operator, admin=operator, **TEMPLATE_HUB
    )
    if not Membership.objects.filter(hub=network, person=sam).exists():
        hub_services.membership_add(actor=operator, hub=network, person=sam)
    clock.ago(TEMPLATE_PUBLISHED + 3, 10)
    template = _draft(network, operator, TEMPLATE)
    days = (TEMPLATE_PUBLISHED + 2, TEMPLATE_PUBLISHED + 1, TEMPLATE_PUBLISHED)
    _signed_and_published(template, operator, sam, operator, "The national template.", clock, days)
    services.pledge_offer_as_template(actor=operator, pledge=template, offered=True)

    grace = people["grace@millbrook.example"]
    clock.ago(ADOPTED, 10)
    adopted = services.pledge_adopt(actor=grace, template=template, hub=millbrook)
    services.pledge_update(
        actor=grace,
        pledge=adopted,
        title=TEMPLATE["title"],
        summary=TEMPLATE["summary"],
        co_designed_by="Millbrook's patients' group and the practice team.",
        user_commitments=TEMPLATE["user_commitments"],
    )
    changes = []
    clock.ago(ADOPTED, 11)
    for key, name, commitment, amount, unit in TEMPLATE["categories"]:
        for changed, new_amount, new_unit, new_commitment in MILLBROOK_CHANGES:
            if changed == key:
                old = workdays.describe(amount, unit)
                amount, unit, commitment = new_amount, new_unit, new_commitment
                changes.append(f"{name.lower()}, {old} \u2192 {workdays.describe(amount, unit)}")
        services.category_save(
            actor=grace,
            pledge=adopted,
            existing_code=f"{millbrook.slug}-{key}",
            name=name,
            commitment=commitment,
            target_amount=amount,
            target_unit=unit,
            staff=[people["amir@millbrook.example"]],
        )
    note = "Adopted from the national template; changed locally: " + "; ".join(changes)
    helen = people["helen@millbrook.example"]
    _signed_and_published(
        adopted, helen, sam, grace, note, clock, (*ADOPTION_SIGNED, ADOPTION_PUBLISHED)
    )
