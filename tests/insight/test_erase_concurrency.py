"""Two coordinators erasing the same person at once: one erases, the other finds nothing
to do; nothing is recorded twice."""

import pytest

from coproduce.hubs.models import AuditEvent
from coproduce.insight.models import Erasure, FormerMember
from coproduce.insight.services import erasure
from tests.timebank.test_concurrency import run_at_once


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_erase_once(world):
    actors = [world.coordinator, world.admin, world.coordinator, world.admin]
    results = []

    def work(index):
        results.append(
            erasure.erasure_request(
                actor=actors[index], hub=world.hub, person=world.assisted, how="phone", note=""
            )
        )

    assert run_at_once(work, len(actors)) == []
    assert sorted(result.already for result in results) == [False, True, True, True]
    assert Erasure.objects.count() == 1 and FormerMember.objects.count() == 1
    assert AuditEvent.objects.filter(event="person.erased").count() == 1
    assert AuditEvent.objects.filter(event="erasure.requested").count() == 1
