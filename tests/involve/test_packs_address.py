"""Packs to post carry the person's name and postal address at the top, placed for a
windowed envelope; a pack by post with no address is pointed out to the coordinator,
with where to add one, and still printed."""

from pathlib import Path

import pytest
from django.urls import reverse

from coproduce.hubs import services as hubs
from coproduce.involve import services
from coproduce.involve.models import HowOften, PackFormat

from .people_setup import build_involvement

pytestmark = pytest.mark.django_db

SITE_CSS = Path(__file__).resolve().parents[2] / "src/coproduce/web/static/coproduce/site.css"


def _packs(client, world):
    client.force_login(world.coordinator)
    response = client.get(reverse("involve-packs-print", args=[world.hub.slug]))
    assert response.status_code == 200
    return response.content.decode()


def _pack_of(body, name):
    return body.split(f"{name}: involvement pack for")[0].rsplit('<section class="printed-pack', 1)[
        1
    ]


def _choose(world, person, fmt):
    services.choices_set(
        actor=world.coordinator if person.is_assisted_digital else person,
        person=person,
        hub=world.hub,
        kinds=[],
        how_often=HowOften.MONTHLY,
        format=fmt,
    )


def test_each_posted_pack_starts_with_name_and_address(world, client):
    build_involvement(world)
    hubs.profile_update(
        actor=world.coordinator,
        person=world.assisted,
        hub=world.hub,
        changes={"postal_address": "14 Larkspur Row\nMillbrook\n<MB2 4QT>"},
    )
    _choose(world, world.assisted, PackFormat.LARGE_PRINT)
    services.packs_make()
    body = _packs(client, world)
    pack = _pack_of(body, "Ron Assisted")
    assert 'class="letter-address">Ron Assisted<br>14 Larkspur Row<br>Millbrook<br>&lt;MB2' in pack
    assert "Every pack to post has an address." in body
    css = SITE_CSS.read_text(encoding="utf-8")
    assert ".letter-address { margin: 38mm 0 10mm 10mm; width: 85mm;" in css


def test_a_pack_by_post_with_no_address_is_pointed_out(world, client):
    build_involvement(world)
    _choose(world, world.assisted, PackFormat.POST)
    services.packs_make()
    body = _packs(client, world)
    edit = reverse("member-edit", args=[world.hub.slug, world.assisted.pk])
    missing = body.split("<h2>Letters with no postal address</h2>")[1].split("<h2>")[0]
    assert "Ron Assisted" in missing and "no postal address" in missing and edit in missing
    pack = _pack_of(body, "Ron Assisted")
    assert "No postal address</strong> for Ron Assisted" in pack and edit in pack


def test_a_pack_read_out_needs_no_address(world, client):
    build_involvement(world)
    _choose(world, world.assisted, PackFormat.PHONE)
    services.packs_make()
    body = _packs(client, world)
    assert "letter-address" not in _pack_of(body, "Ron Assisted")
    assert "Every pack to post has an address." in body


def test_someone_who_has_left_gets_no_letter_and_their_address_is_not_printed(world, client):
    build_involvement(world)
    hubs.profile_update(
        actor=world.coordinator,
        person=world.assisted,
        hub=world.hub,
        changes={"postal_address": "14 Larkspur Row\nMillbrook"},
    )
    _choose(world, world.assisted, PackFormat.POST)
    services.packs_make()
    assert "14 Larkspur Row" in _packs(client, world)
    membership = world.assisted.memberships.get(hub=world.hub)
    hubs.membership_end(actor=world.coordinator, membership=membership, reason="Moved away")
    body = _packs(client, world)
    assert "Ron Assisted" not in body and "14 Larkspur Row" not in body
