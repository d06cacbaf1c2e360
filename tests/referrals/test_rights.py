"""Who may do what on a rota and with an offer, as the access module says and the
services enforce: marking a turn missed, withdrawing an offer."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from coproduce.errors import ApplicationError
from coproduce.hubs.models import AuditEvent, Membership
from coproduce.referrals import access, schedule, services
from coproduce.referrals.models import AssignmentStatus, OfferStatus, Slot

from .conftest import friend_on_the_phone, triage


def at(days: float, hour: int = 10) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=int(days))
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def membership(world, person):
    return Membership.objects.get(hub=world.hub, person=person)


@pytest.fixture
def turn(world, scene):
    project = friend_on_the_phone(world, lead=world.staff)
    [slot] = services.slots_add(
        actor=world.coordinator,
        project=project,
        periods=[schedule.Period(at(1), at(1, 11))],
        role="caller",
    )
    services.training_record(actor=world.coordinator, project=project, person=scene.volunteer)
    assignment = services.assignment_take(actor=scene.volunteer, slot=slot)
    Slot.objects.filter(pk=slot.pk).update(starts_at=at(-1), ends_at=at(-1, 11))
    assignment.refresh_from_db()
    return assignment


def test_only_the_lead_or_a_coordinator_marks_a_turn_missed(world, scene, turn):
    for person in (scene.volunteer, world.member, world.outsider):
        with pytest.raises(PermissionDenied):
            services.assignment_missed(actor=person, assignment=turn)
    turn.refresh_from_db()
    assert turn.status == AssignmentStatus.ON_ROTA
    rights = access.assignment_rights(membership(world, scene.volunteer), turn)
    assert (rights.log, rights.missed, rights.confirm) == (True, False, False)
    assert access.assignment_rights(membership(world, world.staff), turn).missed
    missed = services.assignment_missed(actor=world.staff, assignment=turn)
    assert missed.status == AssignmentStatus.MISSED
    assert AuditEvent.objects.filter(event="rota.missed", subject_id=turn.pk).exists()
    with pytest.raises(ApplicationError, match="not yet confirmed"):
        services.assignment_missed(actor=world.coordinator, assignment=turn)


def test_logged_time_can_still_be_marked_missed_but_not_once_confirmed(world, scene, turn):
    services.assignment_log(actor=scene.volunteer, assignment=turn, minutes=30)
    services.assignment_missed(actor=world.coordinator, assignment=turn)
    turn.refresh_from_db()
    assert turn.status == AssignmentStatus.MISSED
    with pytest.raises(ApplicationError):
        services.assignment_confirm(actor=world.coordinator, assignment=turn)


def test_only_coordinators_withdraw_an_offer_still_waiting(world, scene):
    referral = triage(world, scene.referral)
    offer = services.offer_send(
        actor=world.coordinator, referral=referral, volunteer=scene.volunteer
    )
    for person in (scene.volunteer, world.staff, world.member, world.other_coordinator):
        with pytest.raises(PermissionDenied):
            services.offer_withdraw(actor=person, offer=offer)
        assert not access.offer_rights(access_membership(world, person), offer).withdraw
    offer.refresh_from_db()
    assert offer.status == OfferStatus.SENT
    assert access.offer_rights(membership(world, scene.volunteer), offer).answer
    withdrawn = services.offer_withdraw(actor=world.coordinator, offer=offer)
    assert withdrawn.status == OfferStatus.WITHDRAWN
    assert AuditEvent.objects.filter(event="offer.withdrawn", subject_id=offer.pk).exists()
    with pytest.raises(ApplicationError, match="still waiting"):
        services.offer_withdraw(actor=world.coordinator, offer=offer)
    with pytest.raises(ApplicationError, match="already been answered"):
        services.offer_accept(actor=scene.volunteer, offer=offer)


def access_membership(world, person):
    return Membership.objects.filter(hub=world.hub, person=person).first()


def test_the_volunteer_who_said_yes_starts_the_help_even_as_staff_of_the_referrer(world, scene):
    """Nia is a nurse at the health centre whose GP referred Molly, and volunteers too."""
    from coproduce.hubs import services as hubs
    from coproduce.hubs.models import Role
    from tests.conftest import make_person

    nia = make_person("nia@example.org", "Nia Nurse")
    hubs.membership_add(
        actor=world.admin,
        hub=world.hub,
        person=nia,
        role=Role.STAFF,
        organisation=world.hub.host,
    )
    referral = triage(world, scene.referral, needs_check=False)
    offer = services.offer_send(actor=world.coordinator, referral=referral, volunteer=nia)
    assert access.referral_rights(membership(world, nia), referral).start is False
    services.offer_accept(actor=nia, offer=offer)
    rights = access.referral_rights(membership(world, nia), referral)
    assert rights.view == access.REFERRER and rights.start
    started = services.referral_start(actor=nia, referral=referral)
    assert started.status == "active"
