"""Projects and rotas: slots by pattern, bad slots refused whole, training passed on,
taking, swapping and giving up turns, and confirmed time going through the ledger."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from coproduce.errors import ApplicationError
from coproduce.referrals import schedule, services
from coproduce.referrals.models import AssignmentStatus, ReferralStatus, Slot
from coproduce.timebank.ledger import verify
from coproduce.timebank.models import Account

from .conftest import friend_on_the_phone, triage


def at(days: float, hour: int = 10) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=int(days))
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_patterns_weekly_and_tapering():
    first = datetime.datetime(2027, 1, 4, 10, tzinfo=datetime.UTC)
    weekly = schedule.weekly(first, weeks=3, minutes=30)
    assert [p.starts_at.day for p in weekly] == [4, 11, 18]
    assert weekly[0].ends_at - weekly[0].starts_at == datetime.timedelta(minutes=30)
    taper = schedule.tapering(first, plan=[7, 5, 4, 3, 2, 1], minutes=45)
    per_week = [sum(1 for p in taper if (p.starts_at - first).days // 7 == w) for w in range(6)]
    assert per_week == [7, 5, 4, 3, 2, 1]
    assert not schedule.clashes(taper)
    assert schedule.spread_days(3) == [0, 2, 4]


@pytest.fixture
def project(world, scene):
    return friend_on_the_phone(world)


def test_slots_are_added_by_pattern(world, scene, project):
    slots = services.slots_add(
        actor=world.coordinator,
        project=project,
        periods=schedule.weekly(at(1), weeks=6, minutes=30),
        role="caller",
        receiver=scene.referral.person,
        referral=scene.referral,
    )
    assert len(slots) == 6
    assert all(s.minutes == 30 for s in slots)


@pytest.mark.parametrize(
    ("periods", "message"),
    [
        ([schedule.Period(at(-1), at(-1, 11))], "in the past"),
        ([schedule.Period(at(1), at(1, 12)), schedule.Period(at(1, 11), at(1, 13))], "overlap"),
        ([], "at least one"),
    ],
)
def test_bad_slots_are_refused_and_none_saved(world, scene, project, periods, message):
    good = [schedule.Period(at(3), at(3, 11))]
    with pytest.raises(ApplicationError, match=message) as error:
        services.slots_add(
            actor=world.coordinator, project=project, periods=good + periods, role="caller"
        ) if periods else services.slots_add(
            actor=world.coordinator, project=project, periods=[], role="caller"
        )
    assert error.value.field == "starts_at"
    assert not Slot.objects.exists()


def test_a_slot_overlapping_the_rota_is_refused(world, scene, project):
    services.slots_add(
        actor=world.coordinator,
        project=project,
        periods=[schedule.Period(at(2), at(2, 11))],
        role="caller",
    )
    with pytest.raises(ApplicationError, match="already has a caller slot"):
        services.slots_add(
            actor=world.coordinator,
            project=project,
            periods=[schedule.Period(at(5), at(5, 11)), schedule.Period(at(2, 10), at(2, 12))],
            role="caller",
        )
    assert Slot.objects.count() == 1
    with pytest.raises(ApplicationError, match="jobs"):
        services.slots_add(
            actor=world.coordinator,
            project=project,
            periods=[schedule.Period(at(5), at(5, 11))],
            role="juggler",
        )


def test_only_the_lead_or_a_coordinator_adds_slots(world, scene, project):
    with pytest.raises(PermissionDenied):
        services.slots_add(
            actor=world.member,
            project=project,
            periods=[schedule.Period(at(2), at(2, 11))],
            role="caller",
        )


def test_training_is_needed_and_the_trained_can_train_others(world, scene, project):
    [slot] = services.slots_add(
        actor=world.coordinator,
        project=project,
        periods=[schedule.Period(at(2), at(2, 11))],
        role="caller",
        places=2,
    )
    with pytest.raises(ApplicationError, match="training"):
        services.assignment_take(actor=world.member, slot=slot)
    with pytest.raises(PermissionDenied):
        services.training_record(actor=scene.volunteer, project=project, person=world.member)
    services.training_record(actor=world.coordinator, project=project, person=scene.volunteer)
    # Last year's monitor trains this year's.
    record = services.training_record(actor=scene.volunteer, project=project, person=world.member)
    assert record.trained_by == scene.volunteer
    assignment = services.assignment_take(actor=world.member, slot=slot)
    assert assignment.status == AssignmentStatus.ON_ROTA
    future = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ApplicationError, match="future"):
        services.training_record(
            actor=world.coordinator, project=project, person=scene.unchecked, trained_on=future
        )


def test_a_project_needing_checks_refuses_the_unchecked(world, scene):
    project = friend_on_the_phone(world, name="Befriending", needs_check=True, training="")
    [slot] = services.slots_add(
        actor=world.coordinator,
        project=project,
        periods=[schedule.Period(at(2), at(2, 11))],
        role="caller",
    )
    with pytest.raises(ApplicationError, match="safeguarding check"):
        services.assignment_take(actor=scene.unchecked, slot=slot)
    assert services.assignment_take(actor=scene.volunteer, slot=slot)


def test_a_person_cannot_be_in_two_places_at_once(world, scene, project):
    other = friend_on_the_phone(world, name="Buddy bench", training="", roles=["monitor"])
    [call] = services.slots_add(
        actor=world.coordinator,
        project=project,
        periods=[schedule.Period(at(2), at(2, 11))],
        role="caller",
    )
    [bench] = services.slots_add(
        actor=world.coordinator,
        project=other,
        periods=[schedule.Period(at(2, 10), at(2, 12))],
        role="monitor",
    )
    services.training_record(actor=world.coordinator, project=project, person=scene.volunteer)
    services.assignment_take(actor=scene.volunteer, slot=call)
    with pytest.raises(ApplicationError, match="already on the rota then"):
        services.assignment_take(actor=scene.volunteer, slot=bench)


def test_swap_and_give_up_leave_a_gap_the_rota_shows(world, scene, project, mailoutbox):
    first, second = services.slots_add(
        actor=world.coordinator,
        project=project,
        periods=schedule.weekly(at(2), weeks=2, minutes=30),
        role="caller",
    )
    services.training_record(actor=world.coordinator, project=project, person=scene.volunteer)
    mine = services.assignment_take(actor=scene.volunteer, slot=first)
    with pytest.raises(PermissionDenied):
        services.assignment_give_up(actor=world.member, assignment=mine)
    moved = services.assignment_swap(actor=scene.volunteer, assignment=mine, to_slot=second)
    assert moved.slot == second
    mine.refresh_from_db()
    assert mine.status == AssignmentStatus.GIVEN_UP
    from coproduce.referrals import selectors

    rota = {
        row["slot"].pk: row["gaps"]
        for row in selectors.rota(project, start=at(0, 0), viewer=world.coordinator, leads=True)
    }
    assert rota == {first.pk: 1, second.pk: 0}
    services.assignment_give_up(actor=scene.volunteer, assignment=moved, reason="Poorly")
    rota = {
        row["slot"].pk: row["gaps"]
        for row in selectors.rota(project, start=at(0, 0), viewer=world.coordinator, leads=True)
    }
    assert rota == {first.pk: 1, second.pk: 1}


def test_a_failed_swap_keeps_the_old_turn(world, scene, project):
    first, second = services.slots_add(
        actor=world.coordinator,
        project=project,
        periods=schedule.weekly(at(2), weeks=2, minutes=30),
        role="caller",
    )
    for person in (scene.volunteer, world.member):
        services.training_record(actor=world.coordinator, project=project, person=person)
    mine = services.assignment_take(actor=scene.volunteer, slot=first)
    services.assignment_take(actor=world.member, slot=second)  # the second is now full
    with pytest.raises(ApplicationError, match="full"):
        services.assignment_swap(actor=scene.volunteer, assignment=mine, to_slot=second)
    mine.refresh_from_db()
    assert mine.status == AssignmentStatus.ON_ROTA


def test_attended_time_is_confirmed_by_the_lead_into_the_ledger(world, scene, project, bank):
    referral = triage(world, scene.referral, needs_check=False)
    offer = services.offer_send(
        actor=world.coordinator, referral=referral, volunteer=scene.volunteer
    )
    services.offer_accept(actor=scene.volunteer, offer=offer)
    [slot] = services.slots_add(
        actor=world.coordinator,
        project=project,
        periods=[schedule.Period(at(1), at(1, 11))],
        role="caller",
        receiver=referral.person,
        referral=referral,
    )
    services.training_record(actor=world.coordinator, project=project, person=scene.volunteer)
    assignment = services.assignment_take(actor=scene.volunteer, slot=slot)
    with pytest.raises(ApplicationError, match="once the slot has started"):
        services.assignment_log(actor=scene.volunteer, assignment=assignment)
    Slot.objects.filter(pk=slot.pk).update(starts_at=at(-1), ends_at=at(-1, 11))
    with pytest.raises(ApplicationError) as error:
        services.assignment_log(actor=scene.volunteer, assignment=assignment, minutes=0)
    assert error.value.field == "minutes"
    services.assignment_log(actor=scene.volunteer, assignment=assignment, minutes=40)
    with pytest.raises(PermissionDenied):
        services.assignment_confirm(actor=scene.volunteer, assignment=assignment)
    health_centre = bank.health_centre.balance_minutes
    services.assignment_confirm(actor=world.coordinator, assignment=assignment)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CONFIRMED
    assert assignment.exchange.transfer is not None
    volunteer = Account.objects.get(membership__person=scene.volunteer)
    assert volunteer.balance_minutes == 40
    bank.health_centre.refresh_from_db()
    assert bank.health_centre.balance_minutes == health_centre - 40  # person to agency
    assert verify(world.hub).ok
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACTIVE
    with pytest.raises(ApplicationError):
        services.assignment_confirm(actor=world.coordinator, assignment=assignment)


def test_ending_a_project_cancels_its_future_slots_and_tells_the_rota(
    world, scene, project, mailoutbox, django_capture_on_commit_callbacks
):
    slots = services.slots_add(
        actor=world.coordinator,
        project=project,
        periods=schedule.weekly(at(3), weeks=2, minutes=30),
        role="caller",
    )
    services.training_record(actor=world.coordinator, project=project, person=scene.volunteer)
    services.assignment_take(actor=scene.volunteer, slot=slots[0])
    with pytest.raises(PermissionDenied):
        services.project_end(actor=world.staff, project=project, reason="Funding ended")
    with pytest.raises(ApplicationError) as error:
        services.project_end(actor=world.coordinator, project=project, reason=" ")
    assert error.value.field == "reason"
    with django_capture_on_commit_callbacks(execute=True):
        services.project_end(actor=world.coordinator, project=project, reason="Funding ended")
    assert not Slot.objects.filter(cancelled=False).exists()
    project.refresh_from_db()
    assert not project.is_active
    [email] = mailoutbox
    assert email.to == ["vera@example.org"] and "Funding ended" in email.body
    with pytest.raises(ApplicationError, match="already ended"):
        services.project_end(actor=world.coordinator, project=project, reason="Again")


def test_several_turns_are_taken_at_once_or_none_are(world, scene, project, client_for):
    slots = services.slots_add(
        actor=world.coordinator,
        project=project,
        periods=schedule.weekly(at(2), weeks=3, minutes=30),
        role="caller",
    )
    services.training_record(actor=world.coordinator, project=project, person=scene.volunteer)
    services.training_record(actor=world.coordinator, project=project, person=world.member)
    services.assignment_take(actor=world.member, slot=slots[2])  # the last place is gone
    with pytest.raises(ApplicationError, match="Nothing was taken") as error:
        services.assignments_take(actor=scene.volunteer, slots=slots)
    assert error.value.field == "slots"
    assert f"{timezone.localtime(slots[2].starts_at):%a %-d %b}" in error.value.message
    assert not slots[0].assignments.filter(person=scene.volunteer).exists()

    client = client_for(scene.volunteer)
    page = client.get(f"/hubs/{world.hub.slug}/projects/{project.pk}/")
    assert "Take several turns" in page.text
    response = client.post(
        f"/hubs/{world.hub.slug}/projects/{project.pk}/take/",
        {"slots": [slots[0].pk, slots[1].pk]},
    )
    assert response.status_code == 302
    taken = set(
        slots[0]
        .project.slots.filter(assignments__person=scene.volunteer)
        .values_list("pk", flat=True)
    )
    assert taken == {slots[0].pk, slots[1].pk}
    # The same form sent again: nothing taken twice, and the reason is said.
    again = client.post(
        f"/hubs/{world.hub.slug}/projects/{project.pk}/take/",
        {"slots": [slots[0].pk, slots[1].pk]},
        follow=True,
    )
    assert "already on this slot" in again.text
    assert project.slots.filter(assignments__person=scene.volunteer).count() == 2
