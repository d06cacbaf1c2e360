"""The insight pages: the dashboard, the board report, CSVs, the public summary and the
settings, against a complete report (pages_fixtures.full_report)."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from coproduce.audit import AuditKind
from coproduce.insight import periods
from coproduce.insight.models import InsightSettings
from coproduce.insight.services.settings import settings_update
from coproduce.timebank.models import Category
from tests.insight.pages_fixtures import BUSIEST, TIRED, full  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def url(name, world, **more):
    return reverse(name, kwargs={"slug": world.hub.slug, **more})


def signed_in(client, person):
    client.force_login(person)
    return client


def text_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


# --- the dashboard ---------------------------------------------------------------------


@pytest.mark.usefixtures("full")
def test_the_dashboard_opens_on_the_last_full_quarter_with_the_headline_first(client, world):
    response = signed_in(client, world.staff).get(url("insight-dashboard", world))
    assert response.status_code == 200
    start, end = periods.last_full_quarter(timezone.localdate())
    assert response.context["start"] == start and response.context["end"] == end
    body = text_of(response)
    headline = (
        "The three most deprived tenths (deciles 1 to 3) are 47% of the people who live "
        "here but only 31% of the people taking part."
    )
    assert headline in body
    assert body.index(headline) < body.index("By deprivation decile")
    # Plain figures: hours and money in words, never raw minutes or pence.
    assert "4 h 20 min" in body  # minutes_per_active 260
    assert "£1,906.50" in body and "£12.71" in body
    assert "The legal minimum wage (a floor)".lower() in body.lower() and "2026 rate" in body
    assert "190650" not in body and ">260<" not in body
    # Charts are drawn as SVG with their words, beside a table, with no inline style.
    assert body.count('role="img"') >= 3
    assert "style=" not in body
    assert reverse("health-checks", kwargs={"slug": world.hub.slug}) in body
    assert reverse("insight-areas", kwargs={"slug": world.hub.slug}) in body


@pytest.mark.usefixtures("full")
def test_names_of_members_only_for_coordinators(client, world):
    staff_body = text_of(signed_in(client, world.staff).get(url("insight-dashboard", world)))
    assert BUSIEST not in staff_body and TIRED not in staff_body
    assert "46%" in staff_body  # the share of the busiest tenth, unnamed, is for staff too
    coordinator_body = text_of(
        signed_in(client, world.coordinator).get(url("insight-dashboard", world))
    )
    assert BUSIEST in coordinator_body and TIRED in coordinator_body


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        (
            "?period=dates&start=2026-02-31&end=2026-03-01",
            "start",
            "Enter the first day as a date.",
        ),
        ("?period=dates&start=2026-05-01&end=2026-04-01", "end", "on or after the first day"),
        ("?period=dates&start=2026-05-01", "end", "Enter the last day of the period."),
        ("?period=dates&start=0001-01-01&end=2026-01-01", "start", "between 1 January 1900"),
        (
            "?period=whenever",
            "period",
            "Choose the last full quarter, this year so far, or the dates below.",
        ),
    ],
)
@pytest.mark.usefixtures("full")
def test_a_bad_period_is_named_not_a_500(client, world, query, field, words):
    response = signed_in(client, world.staff).get(url("insight-dashboard", world) + query)
    assert response.status_code == 400
    assert words in " ".join(response.context["form"].errors[field])
    assert words.split(".")[0][:20] in text_of(response)


@pytest.mark.usefixtures("full")
def test_this_year_and_chosen_dates(client, world):
    client = signed_in(client, world.staff)
    today = timezone.localdate()
    response = client.get(url("insight-dashboard", world) + "?period=this-year")
    assert response.context["start"] == datetime.date(today.year, 1, 1)
    assert response.context["end"] == today
    response = client.get(
        url("insight-dashboard", world) + "?period=dates&start=2025-01-01&end=2025-03-31"
    )
    assert response.context["start"] == datetime.date(2025, 1, 1)
    assert response.context["end"] == datetime.date(2025, 3, 31)


def test_the_dashboard_with_an_empty_report_says_so(client, world):
    """The report as it is before any figures (report.build's empty shape)."""
    response = signed_in(client, world.coordinator).get(url("insight-dashboard", world))
    assert response.status_code == 200
    body = text_of(response)
    assert "There is not yet enough area data" in body
    assert "Nothing to show for this period." in body


# --- CSVs ----------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text_of(response))))


@pytest.mark.usefixtures("full")
def test_every_table_downloads_as_csv(client, world):
    client = signed_in(client, world.coordinator)
    for name in [
        "by_decile",
        "by_area",
        "monitoring",
        "reciprocity",
        "give_and_receive",
        "pledges",
        "escalations",
        "value",
        "busiest",
        "burnout",
    ]:
        response = client.get(url("insight-csv", world, table=name) + "?period=this-year")
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith("text/csv")
        rows = read_csv(response)
        assert len(rows) >= 2, name
    rows = read_csv(client.get(url("insight-csv", world, table="value")))
    assert rows[0] == [
        "Help",
        "Valued at",
        "Year of the rate",
        "Rate an hour (£)",
        "Hours (hours)",
        "Value (£)",
    ]
    assert rows[1] == [
        "All help",
        "The legal minimum wage (a floor)",
        "2026",
        "12.71",
        "150:00",
        "1906.50",
    ]
    monitoring = read_csv(client.get(url("insight-csv", world, table="monitoring")))
    assert ["Caring for someone", "Carer: FOUR", "fewer than 5"] in monitoring


@pytest.mark.usefixtures("full")
def test_csv_unknown_table_and_bad_dates(client, world):
    client = signed_in(client, world.coordinator)
    assert client.get(url("insight-csv", world, table="salaries")).status_code == 404
    response = client.get(url("insight-csv", world, table="value") + "?period=dates&start=x")
    assert response.status_code == 400
    assert "From: Enter the first day as a date." in response.content.decode()


@pytest.mark.usefixtures("full")
def test_member_level_csv_only_for_coordinators(client, world):
    client = signed_in(client, world.staff)
    assert client.get(url("insight-csv", world, table="busiest")).status_code == 403
    assert client.get(url("insight-csv", world, table="burnout")).status_code == 403
    assert client.get(url("insight-csv", world, table="by_area")).status_code == 200


# --- the board report -------------------------------------------------------------------


@pytest.mark.usefixtures("full")
def test_the_board_report_for_a_quarter(client, world):
    response = signed_in(client, world.staff).get(url("insight-board", world) + "?quarter=2026-Q3")
    assert response.status_code == 200
    body = text_of(response)
    assert "board report, July to September 2026" in body
    assert "from Coproduce's records" in body
    assert f"Made on {timezone.localdate():%-d %B %Y}" in body
    assert "The legal minimum wage (a floor)".lower() in body and "£1,906.50" in body
    assert 'class="print-view"' in body and "site-header" not in body
    assert BUSIEST not in body


@pytest.mark.parametrize("quarter", ["2026-Q5", "Q3", "2026-Q3' or 1=1", "99999-Q1", "9999-Q4"])
@pytest.mark.usefixtures("full")
def test_a_bad_quarter_is_named(client, world, quarter):
    response = signed_in(client, world.staff).get(url("insight-board", world), {"quarter": quarter})
    assert response.status_code == 400
    body = text_of(response)
    assert "is not a quarter" in body
    assert "the year can be from 1900 to 2100" in body


@pytest.mark.usefixtures("full")
def test_a_quarter_not_yet_begun_is_refused_and_one_not_over_says_so(client, world):
    today = timezone.localdate()
    signed_in(client, world.staff)
    later = periods.quarter_name(today + datetime.timedelta(days=100))
    response = client.get(url("insight-board", world), {"quarter": later})
    assert response.status_code == 400 and "has not begun yet" in text_of(response)
    now = periods.quarter_name(today)
    response = client.get(url("insight-board", world), {"quarter": now})
    assert response.status_code == 200
    assert response.context["end"] == today
    _, quarter_end = periods.quarter_dates(*periods.quarter_of(today))
    body = " ".join(text_of(response).split())
    if today < quarter_end:
        assert f"figures to {today:%-d %B %Y}; the quarter ends on {quarter_end:%-d %B %Y}" in body


@pytest.mark.usefixtures("full")
def test_the_board_report_has_a_quarter_chooser_without_javascript(client, world):
    body = text_of(signed_in(client, world.staff).get(url("insight-board", world)))
    assert 'method="get"' in body and 'name="quarter"' in body
    start, _ = periods.last_full_quarter(timezone.localdate())
    assert f'value="{periods.quarter_name(start)}" selected' in body


@pytest.mark.usefixtures("full")
def test_the_printed_board_report_names_no_one_even_for_coordinators(client, world):
    body = text_of(signed_in(client, world.coordinator).get(url("insight-board", world)))
    assert BUSIEST not in body and TIRED not in body
    assert "Members to look after" not in body


@pytest.mark.usefixtures("full")
def test_the_dashboard_links_the_board_report_of_the_quarter_the_period_ends_in(client, world):
    today = timezone.localdate()
    body = text_of(
        signed_in(client, world.staff).get(url("insight-dashboard", world) + "?period=this-year")
    )
    assert f"?quarter={periods.quarter_name(today)}" in body
    body = text_of(
        client.get(
            url("insight-dashboard", world) + "?period=dates&start=2025-01-01&end=2025-05-31"
        )
    )
    assert "?quarter=2025-Q2" in body


# --- the public summary -------------------------------------------------------------------


def public_on(world):
    InsightSettings.objects.create(hub=world.hub, public_summary=True)


@pytest.mark.usefixtures("full")
def test_the_public_summary_only_if_the_hub_allows_it(client, world):
    assert client.get(url("insight-public", world)).status_code == 404
    public_on(world)
    response = client.get(url("insight-public", world))
    assert response.status_code == 200
    assert "47% of the people who live here" in text_of(response)


@pytest.mark.usefixtures("full")
def test_a_group_of_four_never_appears_in_the_public_summary(client, world):
    public_on(world)
    body = text_of(client.get(url("insight-public", world)))
    # Decile 9 has 4 people taking part: its count and its rate (which would give the
    # count away) are hidden; the group of 14 is shown.
    row = body[body.index('<th scope="row">9</th>') :]
    row = row[: row.index("</tr>")]
    assert "fewer than 5" in row and ">4<" not in row and "4.4" not in row
    assert "<td>14</td>" in body
    assert BUSIEST not in body and TIRED not in body
    assert "Carer: FOUR" not in body


# --- settings ---------------------------------------------------------------------------


def settings_body(**more):
    return {"valuation": "minimum", "public_summary": "1", "catchment": "mb1, MB2", **more}


def test_a_coordinator_changes_the_settings_once(client, world):
    client = signed_in(client, world.coordinator)
    response = client.post(url("insight-settings", world), settings_body(key="k1"))
    assert response.status_code == 302
    settings = InsightSettings.objects.get(hub=world.hub)
    assert settings.public_summary and settings.catchment_districts == ["MB1", "MB2"]
    events = AuditKind.INSIGHT_SETTINGS_UPDATED.value
    from coproduce.audit import AuditEvent as Event

    assert Event.objects.filter(hub=world.hub, event=events).count() == 1
    again = client.post(url("insight-settings", world), settings_body(key="k1"), follow=True)
    assert "already saved" in text_of(again)
    assert Event.objects.filter(hub=world.hub, event=events).count() == 1


def test_role_rates_for_the_hubs_kinds_of_help(client, world):
    garden = Category.objects.create(hub=world.hub, name="Gardening")
    client = signed_in(client, world.coordinator)
    response = client.post(url("insight-settings", world), settings_body(valuation="role"))
    assert response.status_code == 400
    assert "give an hourly rate for at least one kind of help" in text_of(response)
    response = client.post(
        url("insight-settings", world),
        settings_body(valuation="role", **{f"rate_{garden.pk}": "£14.50"}),
    )
    assert response.status_code == 302
    settings = InsightSettings.objects.get(hub=world.hub)
    assert settings.valuation == "role" and settings.role_rates == {str(garden.pk): 1450}
    page = text_of(client.get(url("insight-settings", world)))
    assert "Gardening: £ an hour" in page and 'value="14.50"' in page
    response = client.post(
        url("insight-settings", world),
        settings_body(valuation="role", key="k-comma", **{f"rate_{garden.pk}": "12,50"}),
    )
    assert response.status_code == 400
    body = text_of(response)
    assert "Enter an amount in pounds and pence, like 12.50" in body
    assert "at most" not in body
    assert InsightSettings.objects.get(hub=world.hub).role_rates == {str(garden.pk): 1450}


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (settings_body(catchment="MB1, 12 High Street"), "catchment", "not the first part"),
        (settings_body(valuation="cheapest"), "valuation", "Select a valid choice"),
        (settings_body(public_summary=""), "public_summary", "required"),
    ],
)
def test_bad_settings_name_the_field_and_save_nothing(client, world, body, field, words):
    response = signed_in(client, world.coordinator).post(url("insight-settings", world), body)
    assert response.status_code == 400
    assert words in " ".join(response.context["form"].errors[field])
    assert not InsightSettings.objects.filter(hub=world.hub).exists()


def test_the_service_refuses_staff_and_other_hubs_rates(world):
    from django.core.exceptions import PermissionDenied

    from coproduce.errors import ApplicationError

    with pytest.raises(PermissionDenied):
        settings_update(
            actor=world.staff,
            hub=world.hub,
            valuation="minimum",
            role_rates={},
            public_summary=True,
            catchment_districts=[],
        )
    theirs = Category.objects.create(hub=world.other_hub, name="Theirs")
    with pytest.raises(ApplicationError) as refused:
        settings_update(
            actor=world.coordinator,
            hub=world.hub,
            valuation="role",
            role_rates={theirs.pk: 1200},
            public_summary=False,
            catchment_districts=[],
        )
    assert refused.value.field == "role_rates"
    assert not InsightSettings.objects.filter(hub=world.hub).exists()


def test_settings_saved_unchanged_write_no_event(world):
    from coproduce.hubs.models import AuditEvent

    args = dict(
        actor=world.coordinator,
        hub=world.hub,
        valuation="median",
        role_rates={},
        public_summary=False,
        catchment_districts=["MB1"],
    )
    settings_update(**args, key="a")
    settings_update(**args, key="b")
    settings_update(**args)
    event = AuditKind.INSIGHT_SETTINGS_UPDATED.value
    [saved] = AuditEvent.objects.filter(hub=world.hub, event=event)
    assert saved.new == {"valuation": "median", "catchment_districts": ["MB1"]}
    # A change of mind with the same key is made (the form sent again after going back).
    settings_update(**{**args, "public_summary": True}, key="a")
    assert InsightSettings.objects.get(hub=world.hub).public_summary
    assert AuditEvent.objects.filter(hub=world.hub, event=event).count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_same_settings_sent_twice_at_once_save_once(world):
    from coproduce.hubs.models import AuditEvent
    from tests.timebank.test_concurrency import run_at_once

    def send(index):
        settings_update(
            actor=world.coordinator,
            hub=world.hub,
            valuation="median",
            role_rates={},
            public_summary=True,
            catchment_districts=["MB1", "MB2"],
            key="the-same-key",
        )

    assert run_at_once(send, 2) == []
    assert InsightSettings.objects.filter(hub=world.hub).count() == 1
    event = AuditKind.INSIGHT_SETTINGS_UPDATED.value
    assert AuditEvent.objects.filter(hub=world.hub, event=event).count() == 1


@pytest.mark.parametrize(
    ("headline", "words"),
    [
        (
            {"deciles": [1], "participation_share": 0.2, "population_share": 0.1, "ratio": 2.0},
            "The most deprived tenth (decile 1) is 10% of the people who live here and 20% "
            "of the people taking part. So they take part about twice as much as their "
            "share of the population.",
        ),
        (
            {
                "deciles": [1, 2],
                "participation_share": None,
                "population_share": 0.2,
                "ratio": None,
            },
            "There is not yet enough area data",
        ),
        (
            {
                "deciles": [1, 2, 3],
                "participation_share": 0.23,
                "population_share": 0.3,
                "ratio": 0.77,
                "people_left_out": 4,
                "areas_left_out": ["NF2"],
            },
            "So they take part about 23% less than their share of the population. Left out "
            "of these figures and the deciles below: 4 people taking part whose area is not "
            "known, is outside the hub's catchment, or has no decile or population recorded "
            "(in NF2).",
        ),
    ],
)
def test_the_headline_in_words(headline, words):
    from coproduce.insight import summaries
    from tests.insight.pages_fixtures import full_report

    report = full_report()
    report["equity"]["headline"] = headline
    assert words in summaries.headline(report)
