"""The involvement story end to end through the services: a patient asks, is
shortlisted, reminded, comes, chooses time credits and sees them; a no-show frees a
place for the waiting list."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from coproduce.errors import ApplicationError
from coproduce.involve import services
from coproduce.involve.models import (
    Attendance,
    Recompense,
    Reminder,
    SignUp,
    SignUpStatus,
)
from coproduce.notify.models import Notification
from coproduce.timebank.models import Account, TransferKind

from .conftest import group, meeting, member, panel


def _at(opportunity, moment):
    """Move the opportunity's meetings so that `moment` is now (tests cannot wait)."""
    return moment


@pytest.fixture
def nurse_panel(world):
    return panel(world)


def test_a_patient_asks_is_shortlisted_reminded_comes_and_is_credited(
    world, people, nurse_panel, bank
):
    ann, bob = people["ann"], people["bob"]
    asked = services.signup_ask(actor=ann, opportunity=nurse_panel, message="Step-free please")
    services.signup_ask(actor=bob, opportunity=nurse_panel)
    assert asked.status == SignUpStatus.REQUESTED
    assert Notification.objects.filter(recipient=world.staff, subject__contains="Ann").exists()

    # Neither was involved before: the one who asked first comes first.
    from coproduce.involve import selectors

    ranked = selectors.shortlist_for(nurse_panel)
    assert [s.person for s, _ in ranked] == [ann, bob]
    assert [r.chosen for _, r in ranked] == [True, False]

    services.shortlist_confirm(actor=world.staff, opportunity=nurse_panel, chosen=[asked.pk])
    asked.refresh_from_db()
    assert asked.status == SignUpStatus.CONFIRMED
    assert "Not involved before" in asked.reasons
    assert SignUp.objects.get(person=bob).status == SignUpStatus.WAITLIST

    session = nurse_panel.sessions.get()
    services.reminders_send(session.starts_at - datetime.timedelta(hours=47))
    services.reminders_send(session.starts_at - datetime.timedelta(hours=46))
    assert Reminder.objects.filter(session=session, person=ann).count() == 1

    session.starts_at = timezone.now() - datetime.timedelta(hours=2)
    session.ends_at = timezone.now() - datetime.timedelta(minutes=30)
    session.save()
    [attendance] = services.attendance_record(
        actor=world.staff, session=session, marks={asked.pk: ("attended", None)}
    )
    assert attendance.minutes == 90
    services.thanks_choose(actor=ann, attendance=attendance, choice=Recompense.CREDITS)
    attendance.refresh_from_db()
    assert attendance.transfer.kind == TransferKind.RECOMPENSE
    mine = Account.objects.get(membership__person=ann, hub=world.hub)
    assert mine.entries.filter(transfer=attendance.transfer).get().amount_minutes == 90
    # Sent again: the same transfer, not a second one.
    services.thanks_choose(actor=ann, attendance=attendance, choice=Recompense.CREDITS)
    assert mine.entries.count() == 1 + (1 if mine.entries.filter(transfer__kind="opening") else 0)


def test_a_no_show_in_a_series_frees_the_place_for_the_waiting_list(world, people):
    opportunity = group(world)
    ann, bob, cat = people["ann"], people["bob"], people["cat"]
    first = services.signup_ask(actor=ann, opportunity=opportunity)
    services.signup_ask(actor=bob, opportunity=opportunity)
    waiting = services.signup_ask(actor=cat, opportunity=opportunity)
    assert (first.status, waiting.status) == (SignUpStatus.CONFIRMED, SignUpStatus.WAITLIST)
    session = opportunity.sessions.first()
    session.starts_at = timezone.now() - datetime.timedelta(hours=3)
    session.ends_at = timezone.now() - datetime.timedelta(hours=1)
    session.save()
    services.attendance_record(
        actor=world.coordinator, session=session, marks={first.pk: ("no_show", None)}
    )
    first.refresh_from_db()
    waiting.refresh_from_db()
    assert first.status == SignUpStatus.RELEASED
    assert waiting.status == SignUpStatus.OFFERED
    services.signup_answer(actor=cat, signup=waiting, yes=True)
    waiting.refresh_from_db()
    assert waiting.status == SignUpStatus.CONFIRMED


def test_an_offer_not_answered_lapses_to_the_next_person(world, people):
    opportunity = group(world, user_places=1)
    ann, bob, cat = people["ann"], people["bob"], people["cat"]
    holder = services.signup_ask(actor=ann, opportunity=opportunity)
    second = services.signup_ask(actor=bob, opportunity=opportunity)
    third = services.signup_ask(actor=cat, opportunity=opportunity)
    services.signup_withdraw(actor=ann, signup=holder, reason="Hospital appointment")
    second.refresh_from_db()
    assert second.status == SignUpStatus.OFFERED
    services.offers_lapse(second.offer_expires_at + datetime.timedelta(minutes=1))
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.status == SignUpStatus.LAPSED
    assert third.status == SignUpStatus.OFFERED


def test_asking_twice_is_refused_naming_the_person(world, people, nurse_panel):
    services.signup_ask(actor=people["ann"], opportunity=nurse_panel)
    with pytest.raises(ApplicationError) as refused:
        services.signup_ask(actor=people["ann"], opportunity=nurse_panel)
    assert refused.value.field == "person"
    assert SignUp.objects.filter(person=people["ann"]).count() == 1


def test_the_same_form_twice_is_one_sign_up(world, people, nurse_panel):
    a = services.signup_ask(actor=people["ann"], opportunity=nurse_panel, key="k1")
    b = services.signup_ask(actor=people["ann"], opportunity=nurse_panel, key="k1")
    assert a.pk == b.pk


def test_confirming_past_the_mix_is_refused_and_nothing_saved(world, people, nurse_panel):
    ids = [services.signup_ask(actor=p, opportunity=nurse_panel).pk for p in people.values()]
    with pytest.raises(ApplicationError) as refused:
        services.shortlist_confirm(actor=world.staff, opportunity=nurse_panel, chosen=ids[:2])
    assert refused.value.field == "chosen"
    assert not SignUp.objects.filter(status=SignUpStatus.CONFIRMED).exists()


def test_a_member_cannot_confirm_a_shortlist(world, people, nurse_panel):
    s = services.signup_ask(actor=people["ann"], opportunity=nurse_panel)
    with pytest.raises(PermissionDenied):
        services.shortlist_confirm(actor=people["bob"], opportunity=nurse_panel, chosen=[s.pk])


def test_training_is_required_and_named(world, people):
    opportunity = panel(world, training="Recruitment panel training")
    with pytest.raises(ApplicationError) as refused:
        services.signup_ask(actor=people["ann"], opportunity=opportunity)
    assert "Recruitment panel training" in refused.value.message
    services.training_record(
        actor=world.coordinator,
        hub=world.hub,
        person=people["ann"],
        name="Recruitment panel training",
        trained_on=timezone.localdate() - datetime.timedelta(days=30),
        expires_on=timezone.localdate() + datetime.timedelta(days=365),
    )
    assert services.signup_ask(actor=people["ann"], opportunity=opportunity)


def test_lived_experience_is_asked_of_service_users(world, people):
    opportunity = panel(world, lived_experience="of the practice's mental-health services")
    with pytest.raises(ApplicationError) as refused:
        services.signup_ask(actor=people["ann"], opportunity=opportunity)
    assert refused.value.field == "lived_experience"
    s = services.signup_ask(actor=people["ann"], opportunity=opportunity, lived_experience=True)
    assert s.lived_experience


def test_a_coordinator_signs_up_someone_not_online_and_it_is_audited(world, nurse_panel):
    from coproduce.hubs.models import AuditEvent

    s = services.signup_ask(actor=world.coordinator, opportunity=nurse_panel, person=world.assisted)
    assert s.entered_by == world.coordinator
    event = AuditEvent.objects.get(event="signup.asked", subject_id=s.pk)
    assert event.on_behalf_of == world.assisted


def test_a_payment_past_the_weekly_limit_warns_then_is_accepted(world, people):
    from coproduce.involve.services import policy_update

    policy_update(
        actor=world.coordinator,
        hub=world.hub,
        changes={"weekly_pay_limit_pence": 3000, "payment_pence": 2000, "block_minutes": 60},
    )
    opportunity = group(world, meetings=[meeting(1, hours=2), meeting(2)])
    ann = people["ann"]
    s = services.signup_ask(actor=ann, opportunity=opportunity)
    session = opportunity.sessions.first()
    session.starts_at = timezone.now() - datetime.timedelta(hours=3)
    session.ends_at = timezone.now() - datetime.timedelta(hours=1)
    session.save()
    [attendance] = services.attendance_record(
        actor=world.coordinator, session=session, marks={s.pk: ("attended", None)}
    )
    with pytest.raises(ApplicationError) as warned:
        services.thanks_choose(actor=ann, attendance=attendance, choice=Recompense.PAYMENT)
    assert warned.value.field == "understood"
    assert "£40.00" in warned.value.message and "£30.00" in warned.value.message
    assert Attendance.objects.get(pk=attendance.pk).recompense == ""
    done = services.thanks_choose(
        actor=ann, attendance=attendance, choice=Recompense.PAYMENT, understood=True
    )
    assert (done.amount_pence, done.warned, done.taxable) == (4000, True, True)


def test_expenses_refuse_absurd_and_negative_amounts(world, people):
    opportunity = group(world)
    ann = people["ann"]
    s = services.signup_ask(actor=ann, opportunity=opportunity)
    session = opportunity.sessions.first()
    session.starts_at = timezone.now() - datetime.timedelta(hours=3)
    session.ends_at = timezone.now() - datetime.timedelta(hours=1)
    session.save()
    [attendance] = services.attendance_record(
        actor=world.coordinator, session=session, marks={s.pk: ("attended", None)}
    )
    for kind, values, field in [
        ("mileage", {"miles": "-3"}, "miles"),
        ("mileage", {"miles": "1e9"}, "miles"),
        ("mileage", {"miles": "nan"}, "miles"),
        ("other", {"amount": "-1", "note": "bus"}, "amount"),
        ("other", {"amount": "5000", "note": "bus"}, "amount"),
        ("other", {"amount": "4.50"}, "note"),
    ]:
        with pytest.raises(ApplicationError) as refused:
            services.expense_claim(actor=ann, attendance=attendance, kind=kind, **values)
        assert refused.value.field == field
    assert not attendance.expenses.exists()
    claim = services.expense_claim(actor=ann, attendance=attendance, kind="mileage", miles="6.5")
    assert claim.amount_pence == 293  # 6.5 miles at 45p


def test_signing_up_after_the_start_is_refused(world, people, nurse_panel):
    session = nurse_panel.sessions.get()
    session.starts_at = timezone.now() - datetime.timedelta(minutes=5)
    session.save()
    with pytest.raises(ApplicationError) as refused:
        services.signup_ask(actor=people["ann"], opportunity=nurse_panel)
    assert "too late" in refused.value.message


def test_nobody_records_their_own_attendance(world, people):
    opportunity = group(world, user_places=2)
    s = services.signup_ask(actor=people["ann"], opportunity=opportunity)
    session = opportunity.sessions.first()
    session.starts_at = timezone.now() - datetime.timedelta(hours=3)
    session.ends_at = timezone.now() - datetime.timedelta(hours=1)
    session.save()
    opportunity.lead = people["ann"]
    opportunity.save()
    with pytest.raises(ApplicationError):
        services.attendance_record(
            actor=people["ann"], session=session, marks={s.pk: ("attended", None)}
        )
    assert member  # the helper stays importable for other tests
