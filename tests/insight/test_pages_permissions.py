"""Point 10 for the insight pages, with a report that names members and has small
groups: member-level detail only for coordinators, nobody sees another hub's insight,
small groups never in the public summary. (Every persona against every URL: the
permission matrix, section "insight (pages)".)"""

import pytest
from django.urls import reverse

from coproduce.insight.models import InsightSettings
from tests.insight.pages_fixtures import BUSIEST, TIRED, full  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("full")]


def body_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


def get(client, person, name, slug, **kwargs):
    client.logout()
    if person is not None:
        client.force_login(person)
    return client.get(reverse(name, kwargs={"slug": slug, **kwargs}))


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("insight-dashboard", {}),
        ("insight-csv", {"table": "busiest"}),
        ("insight-csv", {"table": "burnout"}),
    ],
)
def test_the_busiest_names_for_the_coordinator_and_not_for_staff(client, world, name, kwargs):
    slug = world.hub.slug
    seen = get(client, world.coordinator, name, slug, **kwargs)
    assert seen.status_code == 200
    assert TIRED in body_of(seen)
    not_seen = get(client, world.staff, name, slug, **kwargs)
    assert not_seen.status_code in (200, 403)
    assert BUSIEST not in body_of(not_seen) and TIRED not in body_of(not_seen)


def test_nobody_sees_another_hubs_insight(client, world):
    for person in (world.outsider, world.other_coordinator):
        for name, kwargs in [
            ("insight-dashboard", {}),
            ("insight-board", {}),
            ("insight-csv", {"table": "by_area"}),
            ("insight-settings", {}),
        ]:
            response = get(client, person, name, world.hub.slug, **kwargs)
            assert response.status_code == 403, (person, name)
            assert BUSIEST not in body_of(response)
    # And Millbrook's coordinator sees none of Northfield's.
    response = get(client, world.coordinator, "insight-dashboard", world.other_hub.slug)
    assert response.status_code == 403


@pytest.mark.parametrize("persona", [None, "member", "outsider", "coordinator"])
def test_no_group_under_5_in_the_public_summary(client, world, persona):
    InsightSettings.objects.create(hub=world.hub, public_summary=True)
    person = getattr(world, persona) if persona else None
    response = get(client, person, "insight-public", world.hub.slug)
    assert response.status_code == 200
    body = body_of(response)
    row = body[body.index('<th scope="row">9</th>') :]
    row = row[: row.index("</tr>")]
    assert "<td>4</td>" not in row and "fewer than 5" in row
    assert BUSIEST not in body and "Carer: FOUR" not in body
    InsightSettings.objects.filter(hub=world.hub).update(public_summary=False)
    assert get(client, person, "insight-public", world.hub.slug).status_code == 404


def test_the_hub_links_to_insight_for_staff_and_coordinators_only(client, world):
    dashboard = reverse("insight-dashboard", kwargs={"slug": world.hub.slug})
    for person, shown in [(world.member, False), (world.staff, True), (world.coordinator, True)]:
        home = get(client, person, "hub-home", world.hub.slug)
        assert (dashboard in body_of(home)) is shown, person
    coordinate = get(client, world.coordinator, "coordinate", world.hub.slug)
    assert dashboard in body_of(coordinate)


def test_the_public_summary_when_public_blanks_small_groups(client, world, monkeypatch):
    """However public() hides a small group (its count as None here), the page says
    "fewer than 5" and shows no rate for it."""
    from coproduce.insight import report as report_module
    from tests.insight.pages_fixtures import fake_public

    def blanking(report):
        shown = fake_public(report)
        for group in shown["equity"]["by_decile"]:
            if group["people"] < 5:
                group["people"] = None
        return shown

    monkeypatch.setattr(report_module, "public", blanking)
    InsightSettings.objects.create(hub=world.hub, public_summary=True)
    body = body_of(get(client, None, "insight-public", world.hub.slug))
    row = body[body.index('<th scope="row">9</th>') :]
    row = row[: row.index("</tr>")]
    assert "fewer than 5" in row and "4.4" not in row
