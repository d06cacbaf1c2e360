"""What people added to a health check is held back until SMALL_GROUP people have
answered on that side: one paper comment, with its writer gone from "who has not
answered yet", would tell who wrote it."""

import pytest
from django.urls import reverse

from coproduce.insight import access
from coproduce.insight.models import HealthCheckResponse

from .health_fixtures import add_members, all_answers, open_check

pytestmark = pytest.mark.django_db


def _respond(check, person, comment=""):
    HealthCheckResponse.objects.create(
        health_check=check, person=person, side="users", answers=all_answers(), comment=comment
    )


def test_a_lone_comment_is_held_back_until_enough_have_answered(world, client_for):
    check = open_check(world)
    _respond(check, world.assisted, "The bus to the centre is always late")
    url = reverse("health-check", args=[world.hub.slug, check.pk])
    client = client_for(world.coordinator)
    text = client.get(url).content.decode()
    assert "always late" not in text
    assert f"Comments are shown once {access.SMALL_GROUP} people have answered" in text

    for person in add_members(world, access.SMALL_GROUP - 1):
        _respond(check, person)
    text = client.get(url).content.decode()
    assert "always late" in text and "What people added" in text
    assert "Comments are shown once" not in text
