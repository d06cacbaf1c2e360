"""The health check's pages in plain words: the new-round form comes with its suggested
dates filled in, and themes carry no bare source codes."""

import pytest
from django.urls import reverse

from coproduce.insight.services import healthcheck as services

from .health_fixtures import closed_check, open_check

pytestmark = pytest.mark.django_db


def test_the_new_round_form_fills_in_the_suggested_dates(world, client_for):
    closed_check(world)
    opens, closes = services.suggestion(world.hub)
    page = client_for(world.coordinator).get(reverse("health-check-new", args=[world.hub.slug]))
    assert page.status_code == 200
    text = page.content.decode()
    assert f'value="{opens:%Y-%m-%d}"' in text
    assert f'value="{closes:%Y-%m-%d}"' in text


def test_themes_are_named_without_source_codes(world, client_for):
    check = open_check(world)
    page = client_for(world.coordinator).get(
        reverse("health-check", args=[world.hub.slug, check.pk])
    )
    text = page.content.decode()
    assert "(NEF)" not in text and "(Compass)" not in text
    assert "New Economics Foundation" in text
