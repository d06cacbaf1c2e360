"""The database itself refuses impossible rows, even when code bypasses the services."""

import datetime

from django.db import IntegrityError, transaction

from coproduce.hubs.models import (
    JoinRequest,
    Membership,
    Organisation,
    OrganisationKind,
    SafeguardingCheck,
)


def refused(create) -> bool:
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


def test_a_person_belongs_to_a_hub_only_once(world):
    assert refused(lambda: Membership.objects.create(hub=world.hub, person=world.member))


def test_a_role_must_be_one_of_the_four(world):
    assert refused(
        lambda: Membership.objects.create(hub=world.hub, person=world.outsider, role="king")
    )


def test_a_hub_has_only_one_host_organisation(world):
    assert refused(
        lambda: Organisation.objects.create(
            hub=world.hub, name="Second host", kind=OrganisationKind.SCHOOL, is_host=True
        )
    )


def test_a_check_cannot_expire_before_it_was_issued(world):
    today = datetime.date(2026, 1, 1)
    assert refused(
        lambda: SafeguardingCheck.objects.create(
            hub=world.hub,
            person=world.member,
            check_type="dbs_basic",
            reference="X1",
            issued_on=today,
            expires_on=today - datetime.timedelta(days=1),
            recorded_by=world.coordinator,
        )
    )


def test_only_one_pending_join_request_per_person_and_hub(world):
    JoinRequest.objects.create(hub=world.hub, person=world.outsider)
    assert refused(lambda: JoinRequest.objects.create(hub=world.hub, person=world.outsider))
    JoinRequest.objects.filter(person=world.outsider).update(status="declined")
    assert not refused(lambda: JoinRequest.objects.create(hub=world.hub, person=world.outsider))


def test_a_person_needs_a_name(world):
    world.member.display_name = ""
    assert refused(lambda: world.member.save(update_fields=["display_name"]))
