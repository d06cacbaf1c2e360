"""People taking the last places at once, each on their own database connection: never
more people given places than there are, and thanks chosen twice at once credit once."""

import datetime

import pytest
from django.utils import timezone

from coproduce.involve import services
from coproduce.involve.models import Attendance, SignUp, SignUpStatus
from coproduce.timebank import ledger
from coproduce.timebank.models import Transfer, TransferKind
from tests.timebank.test_concurrency import run_at_once

from .conftest import group, member

PEOPLE = 6


@pytest.mark.django_db(transaction=True)
def test_more_people_than_places_at_once_fill_the_places_exactly(world):
    opportunity = group(world, user_places=2)
    people = [member(world, f"p{i}@example.org", f"Person {i}") for i in range(PEOPLE)]

    def work(index):
        services.signup_ask(actor=people[index], opportunity=opportunity)

    assert run_at_once(work, PEOPLE) == []
    statuses = list(SignUp.objects.filter(opportunity=opportunity).values_list("status", flat=True))
    assert sorted(statuses).count(SignUpStatus.CONFIRMED) == 2
    assert statuses.count(SignUpStatus.WAITLIST) == PEOPLE - 2


@pytest.mark.django_db(transaction=True)
def test_thanks_chosen_twice_at_once_credit_once(world, bank):
    opportunity = group(world)
    ann = member(world, "ann@example.org", "Ann Patient")
    signup = services.signup_ask(actor=ann, opportunity=opportunity)
    session = opportunity.sessions.first()
    session.starts_at = timezone.now() - datetime.timedelta(hours=3)
    session.ends_at = timezone.now() - datetime.timedelta(hours=1)
    session.save()
    [attendance] = services.attendance_record(
        actor=world.coordinator, session=session, marks={signup.pk: ("attended", None)}
    )

    def work(index):
        services.thanks_choose(actor=ann, attendance=attendance, choice="credits")

    assert run_at_once(work, 4) == []
    assert Transfer.objects.filter(kind=TransferKind.RECOMPENSE).count() == 1
    assert Attendance.objects.get(pk=attendance.pk).transfer is not None
    assert ledger.verify().ok
