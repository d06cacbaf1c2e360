"""Who is told as a referral and its rota go on (see tests/notify for the system)."""

import pytest

from coproduce.notify.models import Kind, Notification
from coproduce.referrals import schedule, services

pytestmark = pytest.mark.django_db


def told(person, kind):
    return list(
        Notification.objects.filter(recipient=person, kind=kind).values_list("subject", flat=True)
    )


def test_the_referrer_is_told_when_help_starts(world, scene):
    from tests.referrals.conftest import triage

    referral = triage(world, scene.referral)
    offer = services.offer_send(
        actor=world.coordinator, referral=referral, volunteer=scene.volunteer
    )
    services.offer_accept(actor=scene.volunteer, offer=offer)
    services.referral_start(actor=scene.volunteer, referral=referral)
    assert "Help has started for Molly" in told(world.staff, Kind.REFERRAL_PROGRESS)
    [notification] = Notification.objects.filter(subject="Help has started for Molly")
    assert "Vera" not in notification.body  # no volunteer's details for the referrer


def test_someone_put_on_a_rota_by_the_lead_is_told_but_not_when_they_take_a_turn(world, scene):
    from tests.referrals.test_projects import at, friend_on_the_phone

    project = friend_on_the_phone(world)
    services.training_record(actor=world.coordinator, project=project, person=scene.volunteer)
    first, second = services.slots_add(
        actor=world.coordinator,
        project=project,
        periods=schedule.weekly(at(3), weeks=2, minutes=30),
        role="caller",
    )
    services.assignment_take(actor=world.coordinator, slot=first, person=scene.volunteer)
    [subject] = told(scene.volunteer, Kind.ROTA)
    assert subject.startswith(f"You are on the {project} rota: ")
    services.assignment_take(actor=scene.volunteer, slot=second)
    assert len(told(scene.volunteer, Kind.ROTA)) == 1
