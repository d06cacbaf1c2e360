"""The failsafe for involvement: a meeting within 72 hours short of its required mix is
handed to its lead (if staff) or the hub's failsafe, naming who could cover: people who
fit, are free then by the times they gave, and were least recently asked. And the hourly
`coproduce involve tick` sends each reminder once."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from coproduce.involve import services
from coproduce.involve.models import Joining, Reminder, SignUpStatus
from coproduce.notify.models import Notification
from coproduce.referrals import escalations
from coproduce.referrals import services as referrals
from coproduce.referrals.models import Escalation, EscalationKind

from .conftest import group, meeting, panel


def _hours_ahead(hours: float):
    start = timezone.now() + datetime.timedelta(hours=hours)
    return start, start + datetime.timedelta(hours=2)


def _slot(moment: datetime.datetime) -> str:
    local = timezone.localtime(moment)
    part = "am" if local.hour < 12 else "pm" if local.hour < 17 else "eve"
    return f"{local:%a}".lower() + f"-{part}"


def _short(world, hours: float, *, lead=None, fill_user=None):
    """An instant panel of 2 staff and 1 service user, `hours` ahead: the staff places
    taken by Dr Amir and Grace, the service-user place empty (or taken by `fill_user`)."""
    opportunity = panel(
        world, meetings=[_hours_ahead(hours)], joining=Joining.INSTANT, lead=lead or world.staff
    )
    for person in (world.staff, world.coordinator):
        assert services.signup_ask(actor=person, opportunity=opportunity).status == "confirmed"
    if fill_user is not None:
        services.signup_ask(actor=fill_user, opportunity=opportunity)
    return opportunity


def _found(world) -> list[Escalation]:
    escalations.sweep(hub=world.hub)
    return list(Escalation.objects.filter(kind=EscalationKind.INVOLVEMENT_SHORT))


@pytest.fixture
def failsafe_is_grace(world):
    referrals.policy_update(
        actor=world.admin, hub=world.hub, changes={"failsafe": world.coordinator}
    )


def test_a_panel_60_hours_ahead_without_its_service_user_is_escalated_to_its_lead(
    world, people, failsafe_is_grace
):
    opportunity = _short(world, 60)
    start = opportunity.sessions.get().starts_at
    ann, cat = people["ann"], people["cat"]
    # Ann and Cat are free then; Bob gave no times. Cat was asked lately (another group).
    for person in (ann, cat):
        person.availability = [_slot(start)]
        person.save(update_fields=["availability"])
    # Its meetings well beyond the 72 hours the failsafe watches, at any time of day.
    services.signup_ask(actor=cat, opportunity=group(world, meetings=[meeting(10), meeting(40)]))

    [escalation] = _found(world)
    assert escalation.assigned_to == world.staff  # the lead, who is staff
    assert "short of 1 service user" in escalation.summary
    assert "Could cover:" in escalation.summary
    named = escalation.summary.split("Could cover:")[1]
    # Free and never asked first; free but asked lately next; then those who gave no times.
    assert named.index("Ann Patient") < named.index("Cat Patient") < named.index("Bob Patient")
    assert "Dr Amir" not in named and "Grace" not in named  # staff do not fill it
    assert escalation.about_url.endswith(f"/involvement/{opportunity.pk}/")

    # The sweep again: nothing new.
    assert len(_found(world)) == 1


def test_a_lead_who_is_not_staff_hands_it_to_the_failsafe(world, people, failsafe_is_grace):
    _short(world, 60, lead=people["ann"])
    [escalation] = _found(world)
    assert escalation.assigned_to == world.coordinator


def test_a_full_panel_raises_nothing(world, people):
    _short(world, 60, fill_user=people["ann"])
    assert _found(world) == []


def test_80_hours_ahead_raises_nothing_yet(world, people):
    _short(world, 80)
    assert _found(world) == []


def test_the_tick_sends_a_reminder_once(world, people, capsys):
    opportunity = group(world, meetings=[_hours_ahead(30), _hours_ahead(24 * 30)])
    signup = services.signup_ask(actor=people["ann"], opportunity=opportunity)
    assert signup.status == SignUpStatus.CONFIRMED
    call_command("involve", "tick")
    assert "Reminders sent: 1." in capsys.readouterr().out
    call_command("involve", "tick")
    assert "Reminders sent: 0." in capsys.readouterr().out
    assert Reminder.objects.filter(person=people["ann"]).count() == 1
    reminded = Notification.objects.filter(recipient=people["ann"], subject__startswith="Reminder")
    assert reminded.count() == 1


def test_a_panel_short_of_its_mix_is_listed_as_urgent(world, people):
    from coproduce.referrals.selectors import URGENCY_WORDS, escalations_listed

    _short(world, 60)
    [escalation] = _found(world)
    [listed] = escalations_listed(world.hub)
    assert listed.pk == escalation.pk
    assert URGENCY_WORDS[listed.urgency_rank] == "Urgent"
