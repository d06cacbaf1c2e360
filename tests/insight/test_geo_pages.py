"""The areas' figures pages: coordinators see every area and change their figures by hand
or from a CSV; bad input names the field or line and changes nothing; the same sent
twice changes nothing more; another hub's area cannot be reached."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coproduce.hubs import services as hubs
from coproduce.hubs.models import AuditEvent, Membership, Neighbourhood
from coproduce.insight.models import AreaKind, AreaStat, InsightSettings
from tests.insight.geo_fixtures import make_estates

UPDATED = "neighbourhood.updated"


@pytest.fixture
def estates(world):
    return make_estates(world)


def csv_file(text: str, name="areas.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def figures(hub):
    return {n.name: (n.deprivation_decile, n.population) for n in hub.neighbourhoods.all()}


def test_the_coordinate_page_links_to_the_areas(world, client_for):
    page = client_for(world.coordinator).get(reverse("coordinate", args=["millbrook"]))
    assert reverse("insight-areas", args=["millbrook"]) in page.text


def test_the_list_shows_own_areas_and_the_districts_members_give(world, estates, client_for):
    AreaStat.objects.create(
        kind=AreaKind.DISTRICT, code="MB1", deprivation_decile=2, population=12345, source="t"
    )
    InsightSettings.objects.create(hub=world.hub, catchment_districts=["MB9"])
    Neighbourhood.objects.filter(pk=estates[0].pk).update(deprivation_decile=3, population=1450)
    Membership.objects.filter(person=world.staff).update(neighbourhood=estates[0])
    page = client_for(world.coordinator).get(reverse("insight-areas", args=["millbrook"]))
    assert page.status_code == 200
    text = " ".join(page.text.split())
    assert "of Brook Estate</span></a></th> <td>3</td> <td>1,450</td> <td>1</td>" in text
    assert "of Hill Top</span></a></th> <td>Not known</td> <td>Not known</td>" in text
    # Sam gave MB1, outside the catchment (MB9 and the hub's own areas): its decile is
    # shown, its population is not counted, and the page says why rather than a blank.
    assert (
        '<th scope="row">MB1</th> <td>2</td> <td>Outside this hub\'s catchment: not counted '
        "against its population</td> <td>1</td>"
    ) in text
    assert '<th scope="row">MB9</th> <td colspan="2">Not in the imported figures' in text


@pytest.mark.parametrize("persona", ["member", "staff", "outsider", "other_coordinator"])
def test_only_the_hubs_coordinators_see_the_areas(world, estates, client_for, persona):
    client = client_for(world.persona(persona))
    for url in (
        reverse("insight-areas", args=["millbrook"]),
        reverse("insight-area-edit", args=["millbrook", estates[0].pk]),
        reverse("insight-areas-upload", args=["millbrook"]),
    ):
        assert client.get(url).status_code == 403
    sent = client.post(
        reverse("insight-area-edit", args=["millbrook", estates[0].pk]),
        {"deprivation_decile": "1", "population": "10"},
    )
    assert sent.status_code == 403
    assert figures(world.hub)["Brook Estate"] == (None, None)


def test_a_coordinator_sets_an_areas_figures_once(world, estates, client_for):
    client = client_for(world.coordinator)
    url = reverse("insight-area-edit", args=["millbrook", estates[0].pk])
    assert client.get(url).status_code == 200
    sent = client.post(url, {"deprivation_decile": "2", "population": "1,450"}, follow=True)
    assert sent.redirect_chain[-1][0] == reverse("insight-areas", args=["millbrook"])
    assert "Saved the figures of Brook Estate." in sent.text
    assert figures(world.hub)["Brook Estate"] == (2, 1450)
    [event] = AuditEvent.objects.filter(event=UPDATED)
    assert event.new == {"deprivation_decile": 2, "population": 1450, "name": "Brook Estate"}
    assert event.old == {"deprivation_decile": None, "population": None}
    again = client.post(url, {"deprivation_decile": "2", "population": "1450"}, follow=True)
    assert "Nothing changed" in again.text
    assert AuditEvent.objects.filter(event=UPDATED).count() == 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"deprivation_decile": "11", "population": "10"}, "deprivation_decile", "10"),
        ({"deprivation_decile": "0", "population": "10"}, "deprivation_decile", "1"),
        ({"deprivation_decile": "two", "population": "10"}, "deprivation_decile", "whole number"),
        ({"deprivation_decile": "2", "population": "-4"}, "population", "0"),
        ({"deprivation_decile": "2", "population": "99999999999999999999"}, "population", ""),
    ],
)
def test_bad_figures_name_the_field_and_change_nothing(
    world, estates, client_for, fields, field, message
):
    url = reverse("insight-area-edit", args=["millbrook", estates[0].pk])
    sent = client_for(world.coordinator).post(url, fields)
    assert sent.status_code == 400
    assert f'id="id_{field}"' in sent.text and 'aria-invalid="true"' in sent.text
    assert message in sent.context["form"].errors[field][0]
    assert figures(world.hub)["Brook Estate"] == (None, None)
    assert not AuditEvent.objects.filter(event=UPDATED).exists()


def test_another_hubs_area_is_not_found(world, estates, client_for):
    theirs = hubs.neighbourhood_create(
        actor=world.other_coordinator, hub=world.other_hub, name="Tower Block"
    )
    client = client_for(world.coordinator)
    url = reverse("insight-area-edit", args=["millbrook", theirs.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"deprivation_decile": "1"}).status_code == 404
    assert Neighbourhood.objects.get(pk=theirs.pk).deprivation_decile is None
    # Through their own hub's address, Grace is not a coordinator there.
    url = reverse("insight-area-edit", args=["northfield", theirs.pk])
    assert client.get(url).status_code == 403


def test_a_huge_area_number_is_not_found(world, client_for):
    url = reverse("insight-area-edit", args=["millbrook", 10**30])
    assert client_for(world.coordinator).get(url).status_code == 404


# --- from a CSV -------------------------------------------------------------------------


def test_a_file_sets_every_area_it_names_and_sent_again_changes_nothing(world, estates, client_for):
    client = client_for(world.coordinator)
    url = reverse("insight-areas-upload", args=["millbrook"])
    assert client.get(url).status_code == 200
    text = "area,decile,population\r\nbrook estate,2,1450\r\nHill Top,7,1800\r\n"
    sent = client.post(url, {"file": csv_file(text)}, follow=True)
    assert "Read 2 areas: 2 changed." in sent.text
    assert figures(world.hub) == {"Brook Estate": (2, 1450), "Hill Top": (7, 1800)}
    assert AuditEvent.objects.filter(event=UPDATED).count() == 2
    again = client.post(url, {"file": csv_file(text)}, follow=True)
    assert "nothing changed" in again.text
    assert AuditEvent.objects.filter(event=UPDATED).count() == 2


def test_a_file_with_any_bad_line_is_refused_whole_naming_each_line(world, estates, client_for):
    text = "area,decile,population\nBrook Estate,2,1450\nMoon Base,3,10\nHill Top,12,5\n"
    sent = client_for(world.coordinator).post(
        reverse("insight-areas-upload", args=["millbrook"]), {"file": csv_file(text)}
    )
    assert sent.status_code == 400
    assert sent.context["form"].errors["file"] == [
        'Line 3: "Moon Base" is not one of the hub\'s areas.',
        'Line 4: the decile "12" must be a whole number from 1 to 10.',
    ]
    assert figures(world.hub) == {"Brook Estate": (None, None), "Hill Top": (None, None)}
    assert not AuditEvent.objects.filter(event=UPDATED).exists()


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"\xff\xfe\x00a", "The file is not a CSV file saved as UTF-8 text."),
        (b"", "The submitted file is empty."),
    ],
)
def test_a_file_that_is_not_text_is_refused(world, estates, client_for, content, error):
    sent = client_for(world.coordinator).post(
        reverse("insight-areas-upload", args=["millbrook"]),
        {"file": SimpleUploadedFile("areas.csv", content)},
    )
    assert sent.status_code == 400
    assert error in sent.context["form"].errors["file"][0]


def test_the_example_file_reads_as_the_page_says(world, client_for):
    got = client_for(world.coordinator).get(
        reverse("insight-areas-upload", args=["millbrook"]) + "?format=example"
    )
    assert got["Content-Type"].startswith("text/csv")
    assert got.content.decode().startswith("area,decile,population")
