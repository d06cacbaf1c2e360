"""Two coordinators opening rounds at once, and one member answering twice at once, each
on its own database connection: one round, one answer."""

import datetime

import pytest
from django.utils import timezone

from coproduce.errors import ApplicationError
from coproduce.insight.models import HealthCheck, HealthCheckResponse
from coproduce.insight.services import healthcheck as services
from tests.timebank.test_concurrency import run_at_once

from .health_fixtures import all_answers, open_check


@pytest.mark.django_db(transaction=True)
def test_overlapping_rounds_opened_at_once_make_one(world):
    today = timezone.localdate()

    def work(index):
        try:
            services.round_open(
                actor=world.coordinator if index % 2 else world.admin,
                hub=world.hub,
                title=f"Round {index}",
                opens_on=today,
                closes_on=today + datetime.timedelta(days=20 + index),
            )
        except ApplicationError as error:
            assert error.field == "opens_on"

    assert run_at_once(work, 4) == []
    assert HealthCheck.objects.filter(hub=world.hub).count() == 1


@pytest.mark.django_db(transaction=True)
def test_answers_sent_twice_at_once_are_one_answer(world):
    check = open_check(world)

    def work(index):
        services.answer(actor=world.member, check=check, answers=all_answers(2 + index % 2))

    assert run_at_once(work, 3) == []
    assert HealthCheckResponse.objects.filter(health_check=check).count() == 1
