"""Escalations: listed by urgency, then by how long the thing has waited (oldest first);
each kind routed by the hub's setting (burnout and key-person risks to coordinators, an
unmet referral to its referrer with the failsafe as backup); resolved ones say what was
done, by whom and when."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from coproduce.audit import AuditKind, describe
from coproduce.hubs.models import AuditEvent
from coproduce.referrals import escalations, selectors, services
from coproduce.referrals.models import EscalationKind, Referral, Route
from coproduce.timebank import services as timebank

from .conftest import refer_molly

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def aged(world, days, urgency, name):
    referral = refer_molly(
        world,
        urgency=urgency,
        needs_check=False,
        new_person={"display_name": name, "phone": "01632 960 555"},
    )
    Referral.objects.filter(pk=referral.pk).update(created_at=timezone.now() - days * DAY)
    return referral


def test_open_escalations_are_listed_by_urgency_then_oldest_first(world, bank, client_for):
    routine_old = aged(world, 30, "routine", "Alf Routine")
    urgent_new = aged(world, 9, "urgent", "Bea Urgent")
    routine_new = aged(world, 10, "routine", "Cy Routine")
    soon = aged(world, 8, "soon", "Di Soon")
    escalations.sweep(hub=world.hub)
    listed = list(selectors.escalations_listed(world.hub))
    assert [e.referral_id for e in listed] == [
        urgent_new.pk,
        soon.pk,
        routine_old.pk,
        routine_new.pk,
    ]
    page = client_for(world.staff).get(reverse("escalations", args=[world.hub.slug]))
    text = page.content.decode()
    text = text[text.index('<ul class="card-list">') :]
    order = [text.index(f"Referral of {name} (") for name in ("Bea", "Di", "Alf", "Cy")]
    assert order == sorted(order), text
    assert "Urgent" in text and "waiting since" in text


def _overwork(world, bank, giver_account, actor=None):
    today = timezone.localdate()
    for days_ago in (1, 2, 3):
        timebank.exchange_record(
            actor=actor or world.coordinator,
            hub=world.hub,
            giver=giver_account,
            receiver=bank.health_centre,
            title="Garden day",
            minutes=240,
            done_on=today - days_ago * DAY,
        )


def test_burnout_goes_to_the_coordinators_not_the_gp(world, bank):
    policy = services.policy_for(world.hub)
    policy.failsafe = world.staff  # the GP
    policy.save()
    _overwork(world, bank, bank.member)
    [found] = escalations.sweep(hub=world.hub)
    assert found.kind == EscalationKind.OVERWORK and found.assigned_to == world.coordinator


def test_the_hub_chooses_where_each_kind_goes(world, bank, client_for):
    client = client_for(world.coordinator)
    url = reverse("referral-settings", args=[world.hub.slug])
    form = client.get(url).content.decode()
    assert "A volunteer giving too much, or suddenly stopping, goes to" in form
    policy = services.policy_for(world.hub)
    data = {field: getattr(policy, field) for field in services.POLICY_FIELDS}
    data.update(failsafe=world.staff.pk, route_burnout=Route.FAILSAFE)
    assert client.post(url, data).status_code == 302
    _overwork(world, bank, bank.member)
    [found] = escalations.sweep(hub=world.hub)
    assert found.assigned_to == world.staff
    events = AuditEvent.objects.filter(event=AuditKind.REFERRAL_POLICY_UPDATED)
    [sentence] = [d.sentence for d in describe(events.select_related("actor"), strict=True)]
    assert "volunteers giving too much or suddenly stopping go to the failsafe member of staff" in (
        sentence
    )


def test_a_risk_about_a_coordinator_is_not_given_to_them(world, bank):
    _overwork(world, bank, bank.coordinator, actor=world.admin)
    [found] = escalations.sweep(hub=world.hub)
    assert found.person == world.coordinator
    assert found.assigned_to != world.coordinator


def test_an_unmet_referral_goes_to_the_referrer_unless_the_hub_routes_it_elsewhere(world, bank):
    first = aged(world, 30, "soon", "Ed First")
    [found] = escalations.sweep(hub=world.hub)
    assert (found.referral_id, found.assigned_to) == (first.pk, world.staff)
    policy = services.policy_for(world.hub)
    policy.route_unmatched_referral = Route.COORDINATORS
    policy.save()
    aged(world, 30, "soon", "Flo Second")
    [found] = escalations.sweep(hub=world.hub)
    assert found.assigned_to == world.coordinator


def test_resolved_escalations_show_what_was_done_by_whom_and_when(world, bank, client_for):
    aged(world, 30, "soon", "Gus Resolved")
    [found] = escalations.sweep(hub=world.hub)
    escalations.escalation_resolve(
        actor=world.staff, escalation=found, resolution="Rang Gus: his daughter is helping now."
    )
    page = client_for(world.coordinator).get(
        reverse("escalations", args=[world.hub.slug]), {"show": "resolved"}
    )
    text = page.content.decode()
    assert "What was done:</strong> Rang Gus: his daughter is helping now." in text
    assert "Resolved by Dr Amir Staff on " in text
