"""The safeguarding gate, through the database: whatever checks members hold (expired,
expiring today, not yet issued, valid), nobody without a check valid today is suggested
or can be sent an offer for help that needs one."""

import datetime

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coproduce.errors import ApplicationError
from coproduce.hubs import selectors
from coproduce.hubs.models import CheckType, SafeguardingCheck
from coproduce.referrals import services
from coproduce.referrals.models import MatchOffer

from .conftest import triage

# Each volunteer's check, as (issued, expires) in days from today; None is no check.
CHECKS = st.one_of(
    st.none(),
    st.tuples(st.integers(-1200, 2), st.integers(-3, 1200)).filter(lambda c: c[1] > c[0]),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(checks=st.tuples(CHECKS, CHECKS))
def test_the_gate_holds_through_the_database(world, scene, checks):
    referral = triage(world, scene.referral)
    today = timezone.localdate()
    SafeguardingCheck.objects.filter(hub=world.hub).delete()
    MatchOffer.objects.all().delete()
    for person, check in zip((scene.volunteer, scene.unchecked), checks, strict=True):
        if check:
            SafeguardingCheck.objects.create(
                person=person,
                hub=world.hub,
                check_type=CheckType.DBS_ENHANCED,
                reference="x",
                issued_on=today + datetime.timedelta(days=check[0]),
                expires_on=today + datetime.timedelta(days=check[1]),
                recorded_by=world.coordinator,
            )
    valid = {
        person
        for person, check in zip((scene.volunteer, scene.unchecked), checks, strict=True)
        if check and check[0] <= 0 < check[1]
    }
    suggested = {
        s.membership.person
        for s in services.match_suggestions(actor=world.coordinator, referral=referral)
    }
    assert suggested == valid  # Sam fits too, but has no check at all
    for person in (scene.volunteer, scene.unchecked):
        assert (selectors.valid_check_until(world.hub, person, today) is not None) == (
            person in valid
        )
        try:
            services.offer_send(actor=world.coordinator, referral=referral, volunteer=person)
            sent = True
        except ApplicationError:
            sent = False
        assert sent == (person in valid)
