"""The co-production health check in Northfield, and a few equality answers.

Two rounds are done. In both, the housing office's staff (Tunde, Marcus, Priya and two
housing officers) rate most things about the same as the tenants do, but on voice they
rate it well above them: staff think tenants have a real say; tenants say their concerns
change little. By the second round the gap has narrowed a little (the tenants' say rose
after the Your Space vote), and it is still large. Maureen Hill, who is not online,
answered on paper and Tunde entered her answers.

Every step goes through the services at its own time on the story's clock.
"""

import random

from django.db import transaction

from coproduce.hubs import services as hub_services
from coproduce.hubs.models import Hub, Membership, Person, Role
from coproduce.insight import healthcheck
from coproduce.insight.models import HealthCheck
from coproduce.insight.services import equality
from coproduce.insight.services import healthcheck as services

STAFF = ["Tunde Adeyemi", "Marcus Reid", "Priya Nair"]
NEW_STAFF = [("kofi@northfield.example", "Kofi Mensah"), ("ruth@northfield.example", "Ruth Evans")]
TENANTS = [
    "Jean Walker",
    "Ben Baker",
    "Dev Doyle",
    "Farid Fraser",
    "Hassan Hughes",
    "Nasra Novak",
    "Omar Haddad",
]
PAPER = "Maureen Hill"
VOICE = ("say", "listened")
# (title, days ago it opened, days ago it closed, tenants' voice scores, staff's)
ROUNDS = [
    ("Summer health check", 106, 92, (1, 2, 2), (4, 5)),
    ("Autumn health check", 16, 1, (2, 2, 3), (4, 5)),
]
# Equality answers of a few tenants (enough to show some groups).
EQUALITY = {
    "Jean Walker": {"age_band": "65-74", "ethnicity": "white_british", "carer": "yes"},
    "Ben Baker": {"age_band": "35-44", "ethnicity": "white_british", "carer": "no"},
    "Dev Doyle": {"age_band": "25-34", "ethnicity": "asian_indian", "carer": "no"},
    "Farid Fraser": {"age_band": "35-44", "ethnicity": "other_arab", "carer": "no"},
    "Hassan Hughes": {"age_band": "45-54", "ethnicity": "black_african", "carer": "no"},
    "Nasra Novak": {"age_band": "25-34", "ethnicity": "black_african", "carer": "yes"},
    "Omar Haddad": {"age_band": "25-34", "disability": "yes", "carer": "no"},
}


def _people(hub: Hub, names: list[str]) -> list[Person]:
    found = {
        m.person.display_name: m.person
        for m in Membership.objects.filter(hub=hub, person__display_name__in=names).select_related(
            "person"
        )
    }
    return [found[name] for name in names if name in found]


def _answers(rng: random.Random, voice: tuple[int, ...]) -> dict:
    answers = {key: rng.choice([3, 4, 4]) for key in healthcheck.QUESTION_KEYS}
    for key in VOICE:
        answers[key] = rng.choice(voice)
    if rng.random() < 0.15:
        answers["catalysts"] = healthcheck.DONT_KNOW
    return answers


def _staff(hub: Hub, admin: Person) -> list[Person]:
    office = hub.organisations.filter(name="Northfield Housing Office").first()
    for email, name in NEW_STAFF:
        person = Person.objects.filter(email=email).first() or hub_services.person_register(
            email=email, display_name=name, password=None
        )
        if not Membership.objects.filter(hub=hub, person=person).exists():
            hub_services.membership_add(
                actor=admin, hub=hub, person=person, role=Role.STAFF, organisation=office
            )
    return _people(hub, STAFF + [name for _, name in NEW_STAFF])


@transaction.atomic
def northfield(hub: Hub, coordinator: Person, clock) -> None:
    """Called from demo/data.py's _load, after Your Space's story."""
    if HealthCheck.objects.filter(hub=hub).exists():
        return  # the story is told once
    rng = random.Random(18)
    # After the last tenant it asks has joined (Maureen, mid-August), before the first round.
    clock.ago(110)
    admin = Membership.objects.filter(hub=hub, role=Role.ADMIN).first().person
    staff = _staff(hub, admin)
    tenants = _people(hub, TENANTS)
    paper = _people(hub, [PAPER])
    for title, opened, closed, tenant_voice, staff_voice in ROUNDS:
        clock.ago(opened + 1, 10)
        check = services.round_open(
            actor=coordinator,
            hub=hub,
            title=title,
            opens_on=clock.moment(opened).date(),
            closes_on=clock.moment(closed).date(),
        )
        for index, person in enumerate(staff):
            clock.ago(opened - 1 - index, 12)
            services.answer(actor=person, check=check, answers=_answers(rng, staff_voice))
        for index, person in enumerate(tenants):
            clock.ago(opened - 1 - len(staff) - index, 18)  # after the staff, in order
            services.answer(actor=person, check=check, answers=_answers(rng, tenant_voice))
        for person in paper:
            clock.ago(closed + 1, 19)  # entered from paper once the tenants had answered
            services.answer_for(
                actor=coordinator,
                check=check,
                person_id=person.pk,
                answers=_answers(rng, tenant_voice),
                comment="Answered on paper at the tenants' meeting.",
            )
    clock.ago(10, 20)
    for person in _people(hub, list(EQUALITY)):
        equality.answers_save(person=person, answers=EQUALITY[person.display_name], consent=True)
