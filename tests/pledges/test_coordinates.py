"""One set of rules for a latitude and longitude, however it comes in: the pure parser
(pledges.coordinates) with hypothesis, then the same values through every door (a report
made by the services, the report page, the JSON API and Open311; a service's place made
by the services and its page), each taking or refusing them alike."""

import decimal

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from coproduce.errors import ApplicationError
from coproduce.hubs import services as hubs
from coproduce.pledges import coordinates, services
from coproduce.pledges.models import Report, ServicePoint
from tests.pledges.reports_setup import published_pledge

D = decimal.Decimal


# --- the parser -------------------------------------------------------------------------


@given(
    st.decimals(min_value=-90, max_value=90, allow_nan=False, allow_infinity=False).filter(
        lambda d: len(str(d)) <= coordinates.MAX_LENGTH
    )
)
def test_a_latitude_in_range_is_kept_to_six_places(value):
    kept = coordinates.coordinate(str(value), "lat", 90)
    assert kept == value.quantize(D("0.000001"), rounding=decimal.ROUND_HALF_EVEN)
    assert kept.as_tuple().exponent == -6 and -90 <= kept <= 90


@given(st.floats(min_value=-180, max_value=180, allow_nan=False))
def test_a_float_longitude_is_taken_as_it_is_written(value):
    kept = coordinates.coordinate(value, "long", 180)
    assert abs(kept - D(repr(value))) <= D("0.0000005") and -180 <= kept <= 180


@given(
    st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False).filter(lambda d: abs(d) > 90),
        st.floats().filter(lambda f: not -90 <= f <= 90),  # nan and infinities too
        st.text().filter(lambda t: t.strip() and not _is_number(t)),
    )
)
def test_anything_else_is_refused_naming_the_field(value):
    with pytest.raises(ApplicationError) as raised:
        coordinates.coordinate(value, "lat", 90)
    assert raised.value.field == "lat"
    assert "from -90 to 90" in raised.value.message


def _is_number(text: str) -> bool:
    try:
        return D(text.strip()).is_finite() and len(text.strip()) <= coordinates.MAX_LENGTH
    except decimal.InvalidOperation:
        return False


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_blank_is_none(blank):
    assert coordinates.coordinate(blank, "lat", 90) is None
    assert coordinates.point(blank, blank) == (None, None)


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("51.5012", D("51.501200")),
        (" -0.1199 ", D("-0.119900")),
        ("51.5012345", D("51.501234")),  # half to even
        ("51.5012355", D("51.501236")),
        ("90", D("90.000000")),
        ("-90.0000000", D("-90.000000")),
        (52, D("52.000000")),
        (D("1E1"), D("10.000000")),
    ],
)
def test_examples_kept(value, kept):
    assert coordinates.coordinate(value, "lat", 90) == kept


@pytest.mark.parametrize(
    "value",
    ["NaN", "inf", "-Infinity", "90.0000001", "52,4", "north", "0x10", True, "1" * 41],
)
def test_examples_refused(value):
    with pytest.raises(ApplicationError):
        coordinates.coordinate(value, "lat", 90)


@pytest.mark.parametrize(
    ("lat", "long", "field"), [("52.1", None, "long"), (None, "-1.2", "lat"), ("", "3", "lat")]
)
def test_a_point_needs_both_or_neither(lat, long, field):
    with pytest.raises(ApplicationError) as raised:
        coordinates.point(lat, long)
    assert raised.value.field == field


# --- every door -------------------------------------------------------------------------

# (latitude, longitude as sent, what is stored, or the field refused)
DOORS = [
    ("52.48621234", "-1.8904", (D("52.486212"), D("-1.890400"))),
    ("52.4862125", "-1.89", (D("52.486212"), D("-1.890000"))),
    ("-90", "180", (D("-90.000000"), D("180.000000"))),
    ("90.0000001", "1", "lat"),
    ("52.4", "180.5", "long"),
    ("north", "1", "lat"),
    ("52.4", "NaN", "long"),
    ("52.4", "", "long"),
]


@pytest.fixture
def lights(world):
    pledge = published_pledge(world.hub, staff=[world.staff])
    return pledge.categories.get(name="Broken light")


def _by_services(world, lights, lat, long):
    services.report_create(
        category=lights,
        description="The light is out.",
        reporter=world.member,
        attributes={"block": "c"},
        lat=lat,
        long=long,
    )


def _by_page(client, world, lights, lat, long):
    client.force_login(world.member)
    url = reverse("report-new", args=[world.hub.slug, lights.pledge.slug])
    data = {"category": lights.code, "description": "Out.", "attribute[block]": "c"}
    response = client.post(url, {**data, "lat": lat, "long": long})
    return response.status_code, response.content.decode()


def _by_api(client, world, lights, lat, long):
    token = hubs.api_token_create(person=world.member, hub=world.hub)[1]
    body = {"category": lights.code, "description": "Out.", "answers": {"block": "c"}}
    body |= {"lat": float(lat) if lat else None, "long": float(long) if long else None}
    response = client.post(
        "/api/v1/reports",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.status_code, response.json()


def _by_open311(client, world, lights, lat, long):
    token = hubs.api_token_create(person=world.member, hub=world.hub)[1]
    form = {
        "jurisdiction_id": world.hub.slug,
        "api_key": token,
        "service_code": lights.code,
        "description": "Out.",
        "attribute[block]": "c",
        "lat": lat,
        "long": long,
        "address_string": "Block C",
    }
    response = client.post("/open311/v2/requests.json", form)
    return response.status_code, response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(("lat", "long", "outcome"), DOORS)
def test_every_door_takes_or_refuses_a_point_alike(client, world, lights, lat, long, outcome):
    refused = isinstance(outcome, str)
    made = 0

    def check_stored():
        nonlocal made
        made += 1
        report = Report.objects.order_by("-pk").first()
        assert Report.objects.count() == made and (report.lat, report.long) == outcome

    # The services.
    if refused:
        with pytest.raises(ApplicationError) as raised:
            _by_services(world, lights, lat, long)
        assert raised.value.field == outcome
    else:
        _by_services(world, lights, lat, long)
        check_stored()
    # The report page: the error next to the field, or the report made.
    status, page = _by_page(client, world, lights, lat, long)
    assert status == (400 if refused else 302)
    if refused:
        assert f'id="id_{outcome}_error"' in page
    else:
        check_stored()
    # The JSON API, where a point is two JSON numbers (so not "north"; NaN all the same).
    if lat != "north":
        status, answer = _by_api(client, world, lights, lat, long)
        assert status == (400 if refused else 201), answer
        if refused:
            assert answer["field"] == outcome
        else:
            check_stored()
    # Open311: its own wording, the same rules.
    status, answer = _by_open311(client, world, lights, lat, long)
    assert status == (400 if refused else 200), answer
    if refused:
        assert answer[0]["description"].startswith(f"{outcome}:")
    else:
        check_stored()
    assert Report.objects.count() == made


@pytest.mark.django_db
@pytest.mark.parametrize(("lat", "long", "outcome"), DOORS)
def test_a_services_place_takes_or_refuses_a_point_alike(client, world, lat, long, outcome):
    refused = isinstance(outcome, str)
    if refused:
        with pytest.raises(ApplicationError) as raised:
            services.service_point_save(
                actor=world.coordinator, hub=world.hub, name="Surgery", lat=lat, long=long
            )
        assert raised.value.field == outcome
    else:
        place = services.service_point_save(
            actor=world.coordinator, hub=world.hub, name="Surgery", lat=lat, long=long
        )
        place.refresh_from_db()
        assert (place.lat, place.long) == outcome
    client.force_login(world.coordinator)
    response = client.post(
        reverse("pledge-places", args=[world.hub.slug]),
        {"name": "Health centre", "address": "", "lat": lat, "long": long},
    )
    assert response.status_code == (400 if refused else 302)
    if not refused:
        place = ServicePoint.objects.get(hub=world.hub, name="Health centre")
        assert (place.lat, place.long) == outcome
    else:
        assert 'aria-invalid="true"' in response.content.decode()
        assert not ServicePoint.objects.filter(name="Health centre").exists()


def test_a_tiny_negative_is_zero_not_minus_zero():
    assert str(coordinates.coordinate("-0.0000001", "lat", 90)) == "0.000000"
