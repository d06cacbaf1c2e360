"""The referrer sees that help is under way (contacts logged, hours, the last contact)
without the volunteer's details."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from coproduce.referrals import schedule, selectors
from coproduce.referrals import services as referrals
from coproduce.referrals.models import Slot
from tests.referrals.conftest import friend_on_the_phone, refer_molly, triage

pytestmark = pytest.mark.django_db


def at(days, hour=10):
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_the_referrer_sees_contacts_and_the_last_one_but_not_who(world, bank, client_for):
    referral = triage(world, refer_molly(world, needs_check=False), needs_check=False)
    referrals.offer_accept(
        actor=world.member,
        offer=referrals.offer_send(
            actor=world.coordinator, referral=referral, volunteer=world.member
        ),
    )
    url = reverse("referral", args=[world.hub.slug, referral.pk])
    page = client_for(world.staff).get(url).content.decode()
    assert "No contact has been logged yet" in page
    project = friend_on_the_phone(world, training="")
    slots = referrals.slots_add(
        actor=world.coordinator,
        project=project,
        periods=[schedule.Period(at(d), at(d, 11)) for d in (3, 4, 5)],
        role="caller",
        referral=referral,
    )
    turns = [referrals.assignment_take(actor=world.member, slot=slot) for slot in slots]
    Slot.objects.filter(pk__in=[s.pk for s in slots[:2]]).update(
        starts_at=at(-8), ends_at=at(-8, 11)
    )
    Slot.objects.filter(pk=slots[1].pk).update(starts_at=at(-1), ends_at=at(-1, 11))
    referrals.assignment_log(actor=world.member, assignment=turns[0], minutes=45)
    logged = referrals.assignment_log(actor=world.member, assignment=turns[1], minutes=30)
    referrals.assignment_confirm(actor=world.coordinator, assignment=logged)
    progress = selectors.help_progress(referral)
    assert (progress.contacts, progress.hours) == (2, "1 h 15 min")
    assert progress.last_contact == timezone.localdate() - datetime.timedelta(days=1)
    page = client_for(world.staff).get(url).content.decode()
    assert "2 contacts logged, 1 h 15 min in all; the last on" in page
    assert "Sam Member" not in page and "sam@example.org" not in page
    coordinator = client_for(world.coordinator).get(url).content.decode()
    assert "2 contacts logged" in coordinator
