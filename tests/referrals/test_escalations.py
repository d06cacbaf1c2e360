"""The failsafe sweep: each finding becomes one escalation, for a named member of staff,
emailed; running it again (even at the same moment) adds nothing; resolving records what
was done; nothing is dropped when people leave."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from coproduce.errors import ApplicationError
from coproduce.hubs import services as hubs
from coproduce.referrals import escalations, schedule, services
from coproduce.referrals.models import (
    Escalation,
    EscalationKind,
    EscalationStatus,
    Referral,
    ReferralStatus,
    Slot,
)
from coproduce.timebank import services as timebank
from coproduce.timebank.models import Listing
from tests.timebank.test_concurrency import run_at_once

from .conftest import friend_on_the_phone
from .test_projects import at

DAY = datetime.timedelta(days=1)


def age(referral, days):
    Referral.objects.filter(pk=referral.pk).update(created_at=timezone.now() - days * DAY)


def kinds(found):
    return sorted(e.kind for e in found)


def test_an_unmatched_referral_escalates_once_to_its_referrer(
    world, scene, mailoutbox, django_capture_on_commit_callbacks
):
    age(scene.referral, 6)
    assert escalations.sweep(hub=world.hub) == []
    age(scene.referral, 8)
    with django_capture_on_commit_callbacks(execute=True):
        [escalation] = escalations.sweep(hub=world.hub)
    assert escalation.kind == EscalationKind.UNMATCHED_REFERRAL
    assert escalation.assigned_to == world.staff  # the GP who referred
    assert Referral.objects.get().status == ReferralStatus.ESCALATED
    assert {address for m in mailoutbox for address in m.to} >= {
        "amir@example.org",
        "grace@example.org",
    }
    assert all("Widowed" not in m.body for m in mailoutbox)
    assert escalations.sweep(hub=world.hub) == []
    assert escalations.sweep() == []
    assert Escalation.objects.count() == 1


def test_a_matched_referral_does_not_escalate(world, scene):
    referral = services.referral_triage(
        actor=world.coordinator,
        referral=scene.referral,
        shared_note="A weekly call",
        assets=[],
        needs_check=True,
    )
    offer = services.offer_send(
        actor=world.coordinator, referral=referral, volunteer=scene.volunteer
    )
    services.offer_accept(actor=scene.volunteer, offer=offer)
    age(referral, 30)
    assert escalations.sweep(hub=world.hub) == []


def test_an_unanswered_request_escalates_to_the_failsafe(world, bank):
    listing = timebank.listing_create(
        actor=world.member, account=bank.member, kind="request", title="Lift to the dentist"
    )
    Listing.objects.filter(pk=listing.pk).update(created_at=timezone.now() - 10 * DAY)
    policy = services.policy_for(world.hub)
    policy.failsafe = world.staff
    policy.save()
    [escalation] = escalations.sweep(hub=world.hub)
    assert (escalation.kind, escalation.listing_id) == (
        EscalationKind.UNMATCHED_REQUEST,
        listing.pk,
    )
    assert escalation.assigned_to == world.staff


def test_an_unfilled_slot_escalates_48_hours_ahead(world, scene):
    project = friend_on_the_phone(world, training="")
    soon, _later = services.slots_add(
        actor=world.coordinator,
        project=project,
        periods=[schedule.Period(at(1), at(1, 11)), schedule.Period(at(4), at(4, 11))],
        role="caller",
    )
    found = escalations.sweep(hub=world.hub)
    assert [(e.kind, e.slot_id) for e in found] == [(EscalationKind.UNFILLED_SLOT, soon.pk)]
    # The lead is a coordinator, so staff: it goes to them.
    assert found[0].assigned_to == world.coordinator
    assert escalations.sweep(hub=world.hub) == []


def test_a_key_person_is_a_risk_once_until_resolved(world, scene):
    project = friend_on_the_phone(world, training="")
    slots = services.slots_add(
        actor=world.coordinator,
        project=project,
        periods=schedule.weekly(at(3), weeks=4, minutes=30),
        role="caller",
    )
    for slot in slots:
        services.assignment_take(actor=scene.volunteer, slot=slot)
    found = escalations.sweep(hub=world.hub)
    assert kinds(found) == [EscalationKind.KEY_PERSON]
    assert found[0].person == scene.volunteer
    assert escalations.sweep(hub=world.hub) == []
    escalations.escalation_resolve(
        actor=world.coordinator, escalation=found[0], resolution="Training two more callers"
    )
    # A week later, if it is still true, it is raised again.
    next_week = timezone.now() + 7 * DAY
    again = escalations.sweep(hub=world.hub, now=next_week)
    assert EscalationKind.KEY_PERSON in kinds(again)


def test_overwork_and_a_sharp_drop_are_burnout_risks(world, scene, bank):
    today = timezone.localdate()
    volunteer = timebank.account_of(scene.volunteer, world.hub)
    for days_ago in (1, 2, 3):  # 3 x 4 h this week: over the hub's 10 h
        timebank.exchange_record(
            actor=world.coordinator,
            hub=world.hub,
            giver=volunteer,
            receiver=bank.health_centre,
            title="Garden day",
            minutes=240,
            done_on=today - days_ago * DAY,
        )
    for days_ago in (35, 45, 55, 65):  # Sam gave 8 h a month, then stopped
        timebank.exchange_record(
            actor=world.coordinator,
            hub=world.hub,
            giver=bank.member,
            receiver=bank.health_centre,
            title="Lifts",
            minutes=120,
            done_on=today - days_ago * DAY,
        )
    found = escalations.sweep(hub=world.hub)
    by_kind = {e.kind: e for e in found}
    assert set(by_kind) == {EscalationKind.OVERWORK, EscalationKind.ACTIVITY_DROP}
    assert by_kind[EscalationKind.OVERWORK].person == scene.volunteer
    assert by_kind[EscalationKind.ACTIVITY_DROP].person == world.member
    assert escalations.sweep(hub=world.hub) == []
    # Next week, with both still open, no second one for either person.
    later = escalations.sweep(hub=world.hub, now=timezone.now() + 8 * DAY)
    assert set(kinds(later)).isdisjoint({EscalationKind.OVERWORK, EscalationKind.ACTIVITY_DROP})


@pytest.mark.django_db(transaction=True)
def test_sweeps_at_the_same_moment_raise_each_finding_once(world, scene):
    age(scene.referral, 30)
    project = friend_on_the_phone(world, training="")
    services.slots_add(
        actor=world.coordinator,
        project=project,
        periods=[schedule.Period(at(1), at(1, 11))],
        role="caller",
    )
    errors = run_at_once(lambda index: escalations.sweep(hub=world.hub), 4)
    assert errors == []
    assert sorted(Escalation.objects.values_list("kind", flat=True)) == [
        EscalationKind.UNFILLED_SLOT,
        EscalationKind.UNMATCHED_REFERRAL,
    ]


def test_resolving_says_what_was_done_and_only_the_owner_or_a_coordinator_can(world, scene):
    age(scene.referral, 30)
    [escalation] = escalations.sweep(hub=world.hub)
    with pytest.raises(PermissionDenied):
        escalations.escalation_resolve(actor=world.member, escalation=escalation, resolution="x")
    with pytest.raises(PermissionDenied):
        escalations.escalation_resolve(
            actor=world.other_coordinator, escalation=escalation, resolution="x"
        )
    with pytest.raises(ApplicationError) as error:
        escalations.escalation_resolve(actor=world.staff, escalation=escalation, resolution=" ")
    assert error.value.field == "resolution"
    escalations.escalation_resolve(
        actor=world.staff, escalation=escalation, resolution="The practice nurse rings weekly."
    )
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED
    assert escalation.resolved_by == world.staff
    with pytest.raises(ApplicationError, match="already"):
        escalations.escalation_resolve(actor=world.staff, escalation=escalation, resolution="x")
    assert escalations.sweep(hub=world.hub) == []  # resolved is not raised again


def test_reassigning_and_nothing_dropped_when_the_owner_leaves(world, scene):
    age(scene.referral, 30)
    [escalation] = escalations.sweep(hub=world.hub)
    with pytest.raises(ApplicationError, match="staff"):
        escalations.escalation_reassign(
            actor=world.coordinator, escalation=escalation, to=world.member
        )
    with pytest.raises(PermissionDenied):
        escalations.escalation_reassign(actor=world.staff, escalation=escalation, to=world.admin)
    membership = world.hub.memberships.get(person=world.staff)
    hubs.membership_end(actor=world.admin, membership=membership, reason="Retired")
    escalations.sweep(hub=world.hub)
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.OPEN
    assert escalation.assigned_to == world.coordinator  # no other staff at the host
    assert escalation.assigned_to != world.staff


def test_the_command_sweeps_and_reports(world, scene, capsys):
    age(scene.referral, 30)
    call_command("escalations", "sweep")
    assert "Raised 1 new escalation." in capsys.readouterr().out
    call_command("escalations", "sweep", "--hub", "millbrook")
    assert "Raised 0 new escalations." in capsys.readouterr().out


def test_the_sweep_runs_as_a_task(world, scene):
    from coproduce.referrals.tasks import sweep_escalations

    age(scene.referral, 30)
    result = sweep_escalations.enqueue()
    assert result.return_value == 1
    assert Slot.objects.count() == 0 and Escalation.objects.count() == 1
