"""A category's number and date-and-time questions are checked in one place (the services'
`checked_attributes`), so the report page, the JSON API and Open311 all refuse "banana"
for a number, naming the question, with nothing saved; and take what is a number or a
date and time."""

import pytest
from django.urls import reverse

from coproduce.errors import ApplicationError
from coproduce.hubs import services as hubs
from coproduce.pledges import services
from coproduce.pledges.models import Report
from tests.pledges.reports_setup import BLOCK_QUESTION, published_pledge

pytestmark = pytest.mark.django_db

BULBS = {
    "code": "bulbs",
    "datatype": "number",
    "required": False,
    "description": "How many lights are out?",
    "order": 2,
}
NOTICED = {
    "code": "noticed",
    "datatype": "datetime",
    "required": False,
    "description": "When did you notice?",
    "order": 3,
}
FLOORS = {
    "code": "floors",
    "datatype": "multivaluelist",
    "required": False,
    "description": "Which floors?",
    "order": 4,
    "values": [{"key": "1", "name": "First"}, {"key": "2", "name": "Second"}],
}

# (answers beyond "which block?", the question refused or None, what is kept if taken)
ANSWERS = [
    ({"bulbs": "3"}, None, {"bulbs": "3"}),
    ({"bulbs": " 2.5 "}, None, {"bulbs": "2.5"}),
    ({"bulbs": "-1"}, None, {"bulbs": "-1"}),
    ({"bulbs": "banana"}, "bulbs", None),
    ({"bulbs": "NaN"}, "bulbs", None),
    ({"bulbs": "Infinity"}, "bulbs", None),
    ({"bulbs": "3 or 4"}, "bulbs", None),
    ({"bulbs": ["1", "2"]}, "bulbs", None),
    ({"noticed": "2026-12-03T14:00"}, None, {"noticed": "2026-12-03T14:00"}),
    ({"noticed": "2026-12-03 14:00"}, None, {"noticed": "2026-12-03 14:00"}),
    ({"noticed": "2026-12-03T14:00:00+01:00"}, None, {"noticed": "2026-12-03T14:00:00+01:00"}),
    ({"noticed": "yesterday"}, "noticed", None),
    ({"noticed": "2026-13-01T10:00"}, "noticed", None),
    ({"noticed": "9999-01-01T10:00"}, "noticed", None),
    ({"block": ["a", "c"]}, "block", None),
    ({"floors": ["1", "2"]}, None, {"floors": "1,2"}),
    ({"floors": ["1", "9"]}, "floors", None),
    ({}, None, {}),
]
IDS = [f"{next(iter(a.values())) if a else 'nothing'}" for a, _f, _k in ANSWERS]


@pytest.fixture
def lights(world):
    pledge = published_pledge(world.hub, staff=[world.staff], public_reports=True)
    category = pledge.categories.get(name="Broken light")
    category.attributes = [BLOCK_QUESTION, BULBS, NOTICED, FLOORS]
    category.save(update_fields=["attributes"])
    return category


def _label(code: str) -> str:
    return {"bulbs": BULBS, "noticed": NOTICED, "floors": FLOORS, "block": BLOCK_QUESTION}[code][
        "description"
    ]


@pytest.mark.parametrize(("answers", "refused", "kept"), ANSWERS, ids=IDS)
def test_the_services_check_every_answer(world, lights, answers, refused, kept):
    make = lambda: services.report_create(  # noqa: E731
        category=lights,
        description="The light is out.",
        reporter=world.member,
        address="Block C",
        attributes={"block": "c", **answers},
    )
    if refused:
        with pytest.raises(ApplicationError) as raised:
            make()
        assert raised.value.field == f"attribute[{refused}]"
        assert _label(refused) in raised.value.message
        assert not Report.objects.exists()
    else:
        assert make().attributes == {"block": "c", **kept}


@pytest.mark.parametrize(("answers", "refused", "kept"), ANSWERS, ids=IDS)
def test_the_api_refuses_what_the_services_refuse(client, world, lights, answers, refused, kept):
    token = hubs.api_token_create(person=world.member, hub=world.hub)[1]
    response = client.post(
        "/api/v1/reports",
        {
            "category": lights.code,
            "description": "The light is out.",
            "address": "Block C",
            "answers": {"block": "c", **answers},
        },
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    if refused:
        assert response.status_code == 400, response.content
        assert response.json()["field"] == f"answers.{refused}"
        assert not Report.objects.exists()
    else:
        assert response.status_code == 201, response.content
        assert Report.objects.get().attributes == {"block": "c", **kept}


@pytest.mark.parametrize(("answers", "refused", "kept"), ANSWERS, ids=IDS)
def test_open311_refuses_what_the_services_refuse(client, world, lights, answers, refused, kept):
    token = hubs.api_token_create(person=world.member, hub=world.hub)[1]
    form = {
        "jurisdiction_id": world.hub.slug,
        "api_key": token,
        "service_code": lights.code,
        "description": "The light is out.",
        "address_string": "Block C",
        "attribute[block]": "c",
    }
    for code, value in answers.items():
        form[f"attribute[{code}][]" if isinstance(value, list) else f"attribute[{code}]"] = value
    response = client.post("/open311/v2/requests.json", form)
    if refused:
        assert response.status_code == 400, response.content
        [error] = response.json()
        assert error["description"].startswith(f"attribute[{refused}]: ")
        assert not Report.objects.exists()
    else:
        assert response.status_code == 200, response.content
        assert Report.objects.get().attributes == {"block": "c", **kept}


def new_url(category) -> str:
    pledge = category.pledge
    return reverse("report-new", args=[pledge.hub.slug, pledge.slug]) + f"?category={category.code}"


def test_the_page_asks_for_a_number_and_a_date_and_time(client, world, lights):
    client.force_login(world.member)
    page = client.get(new_url(lights)).content.decode()
    assert 'name="attribute[bulbs]"' in page and 'inputmode="decimal"' in page
    assert 'name="attribute[noticed]"' in page and 'type="datetime-local"' in page
    assert "A number, such as 3." in page


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("bulbs", "banana", "Give a number for “How many lights are out?”, such as 3."),
        ("noticed", "last week", "Give a date and time for “When did you notice?”"),
    ],
)
def test_the_page_shows_a_wrong_answer_next_to_its_question(
    client, world, lights, code, value, message
):
    client.force_login(world.member)
    response = client.post(
        new_url(lights),
        {
            "category": lights.code,
            "description": "The light is out.",
            "address": "Block C",
            "attribute[block]": "c",
            f"attribute[{code}]": value,
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    error = f'<p class="error-text" id="id_attribute[{code}]_error">'
    assert error in page
    assert message in page[page.index(error) :].split("</p>", 1)[0]
    assert not Report.objects.exists()


def test_the_page_takes_a_number_and_a_date_and_time(client, world, lights):
    client.force_login(world.member)
    response = client.post(
        new_url(lights),
        {
            "category": lights.code,
            "description": "The light is out.",
            "address": "Block C",
            "attribute[block]": "c",
            "attribute[bulbs]": "2",
            "attribute[noticed]": "2026-12-03T14:00",
        },
    )
    assert response.status_code == 302
    assert Report.objects.get().attributes == {
        "block": "c",
        "bulbs": "2",
        "noticed": "2026-12-03T14:00",
    }
