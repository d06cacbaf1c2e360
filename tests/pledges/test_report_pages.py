"""The report pages and the reports API, end to end through the real views: reporting in
two steps without JavaScript, bad input named next to its field with nothing saved,
text escaped, a photo shown only to staff and the reporter, the staff queue by due date,
the update form, two-sided closing, and the public list without personal data."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from coproduce.hubs import services as hubs
from coproduce.pledges import services
from coproduce.pledges.models import Report, ReportStatus
from tests.pledges.reports_setup import published_pledge

pytestmark = pytest.mark.django_db


@pytest.fixture
def pledge(world):
    return published_pledge(world.hub, staff=[world.staff])


@pytest.fixture
def lights(pledge):
    return pledge.categories.get(name="Broken light")


def new_url(pledge, category=None):
    url = reverse("report-new", args=[pledge.hub.slug, pledge.slug])
    return url + (f"?category={category.code}" if category else "")


def form(category, **changes):
    return {
        "category": category.code,
        "description": "The stair light on the second floor is out.",
        "address": "Block C, second floor",
        "attribute[block]": "c",
        **changes,
    }


def make(world, category, **changes):
    values = {
        "category": category,
        "description": "The stair light is out.",
        "reporter": world.member,
        "address": "Flat 9, Block C",
        "attributes": {"block": "c"},
    }
    return services.report_create(**(values | changes))


def test_a_member_reports_in_two_steps_and_sees_the_expected_date(client, world, pledge, lights):
    client.force_login(world.member)
    choose = client.get(new_url(pledge))
    assert choose.status_code == 200
    assert b"Kind of problem" in choose.content and b"Broken light" in choose.content
    page = client.get(new_url(pledge, lights))
    assert b"Which block?" in page.content and b"within 3 working days" in page.content
    response = client.post(new_url(pledge), form(lights))
    report = Report.objects.get()
    assert response.status_code == 302 and response.url == f"/hubs/millbrook/reports/{report.pk}/"
    page = client.get(response.url).content.decode()
    due = timezone.localtime(report.expected_at)
    assert f"{due:%A} {due.day} {due:%B %Y, %H:%M}" in page
    assert "Thank you: your report is in." in page
    assert "Block C" in page  # the answer to "Which block?", in words
    assert (report.reporter, report.entered_by, report.source) == (world.member, None, "web")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"description": "x" * 4001}, "Keep the description to 4,000 characters"),
        ({"description": ""}, "Describe the problem."),
        ({"address": ""}, "Say where"),
        ({"lat": "52.4"}, "Give both latitude and longitude"),
        ({"lat": "a", "long": "b"}, "Give the latitude as a number from -90 to 90"),
        ({"long": "181", "lat": "52.4"}, "Give the longitude as a number from -180 to 180"),
        ({"attribute[block]": ""}, "Which block?: This field is required."),
        ({"attribute[block]": "z"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_saved(
    client, world, pledge, lights, changes, message
):
    client.force_login(world.member)
    response = client.post(new_url(pledge), form(lights, **changes))
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and message in page
    assert 'aria-invalid="true"' in page
    assert not Report.objects.exists()


def test_an_unknown_kind_of_problem_is_a_400_asking_to_choose(client, world, pledge):
    client.force_login(world.member)
    response = client.get(new_url(pledge) + "?category=no-such-thing")
    assert response.status_code == 400
    assert b"choose one of the kinds below" in response.content
    # "Next" with nothing chosen (no JavaScript to stop it) says so too.
    nothing = client.get(new_url(pledge) + "?step=choose")
    assert nothing.status_code == 400 and b"choose one of the kinds below" in nothing.content
    assert b"There is a problem" not in client.get(new_url(pledge)).content


def test_html_in_a_report_is_shown_as_text(client, world, pledge, lights):
    client.force_login(world.member)
    client.post(new_url(pledge), form(lights, description="<script>alert(1)</script> <b>x</b>"))
    report = Report.objects.get()
    page = client.get(reverse("report", args=["millbrook", report.pk])).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    listing = client.get(reverse("pledge-reports", args=["millbrook", pledge.slug]))
    assert b"<b>x</b>" not in listing.content


def test_an_unpublished_pledge_takes_no_reports(client, world):
    draft = published_pledge(world.hub, staff=[world.staff], slug="draft", status="draft")
    client.force_login(world.member)
    # Members may read a draft (they sign it for the users), but it takes no reports.
    refused = client.get(new_url(draft))
    assert refused.status_code == 403 and b"does not take reports yet" in refused.content
    client.force_login(world.staff)
    response = client.post(new_url(draft), form(draft.categories.get(name="Broken light")))
    assert response.status_code == 403
    assert b"does not take reports yet" in response.content
    assert not Report.objects.exists()


def test_staff_take_a_report_on_the_phone_for_someone(client, world, pledge, lights):
    client.force_login(world.staff)
    response = client.post(new_url(pledge), form(lights, for_member=str(world.assisted.pk)))
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.reporter, report.entered_by, report.source) == (
        world.assisted,
        world.staff,
        "phone",
    )
    said = client.get(response.url).content.decode()
    assert f"Recorded: the report for {world.assisted.display_name} is in." in said
    assert "Thank you: your report is in." not in said
    response = client.post(
        new_url(pledge), form(lights, for_member="someone-else", description="Bins")
    )
    assert response.status_code == 400 and b"Give the name of the person" in response.content
    client.post(
        new_url(pledge),
        form(lights, for_member="someone-else", description="Bins", contact_name="Mrs Okafor"),
    )
    phoned = Report.objects.get(description="Bins")
    assert (phoned.reporter, phoned.contact_name) == (None, "Mrs Okafor")


def test_staff_search_for_the_member_who_rang_and_the_form_lists_nobody(
    client, world, pledge, lights
):
    client.force_login(world.staff)
    page = client.get(new_url(pledge, lights)).content.decode()
    # A search box, never an option per member of the hub.
    assert 'name="for_member__q"' in page and "<select" not in page.split("for_member")[1][:400]
    for person in (world.member, world.assisted, world.coordinator):
        assert person.display_name not in page
    # Without JavaScript: "Find" shows the matches, saves nothing, keeps what was typed.
    found = client.post(
        new_url(pledge), form(lights, for_member="me", for_member__q="ron", _find="for_member")
    )
    said = found.content.decode()
    assert found.status_code == 200 and not Report.objects.exists()
    assert f'value="{world.assisted.pk}"' in said and world.assisted.display_name in said
    assert world.member.display_name not in said and "second floor is out" in said
    # The search endpoint the field asks with JavaScript: staff only, this hub's members.
    search = reverse("people-search", args=[world.hub.slug])
    answer = client.get(
        search, {"for": "report-for", "for_member__q": "ron", "field": "for_member"}
    )
    assert answer.status_code == 200 and world.assisted.display_name in answer.content.decode()
    client.force_login(world.member)
    refused = client.get(search, {"for": "report-for", "for_member__q": "ron"})
    assert refused.status_code == 403


def test_staff_cannot_report_for_someone_of_another_hub(client, world, pledge, lights):
    client.force_login(world.staff)
    response = client.post(new_url(pledge), form(lights, for_member=str(world.outsider.pk)))
    assert response.status_code == 400 and b"cannot be chosen here" in response.content
    assert not Report.objects.exists()


def test_a_member_cannot_report_for_someone_else(client, world, pledge, lights):
    client.force_login(world.member)
    client.post(new_url(pledge), form(lights, for_member=str(world.assisted.pk)))
    assert Report.objects.get().reporter == world.member  # the field is not there for them


def test_the_public_report_where_the_pledge_allows_it(client, world):
    open_pledge = published_pledge(
        world.hub, staff=[world.staff], slug="estate", public_reports=True
    )
    category = open_pledge.categories.get(name="Broken light")
    response = client.post(new_url(open_pledge), form(category, contact_name=""))
    assert response.status_code == 400 and b"Your name" in response.content
    response = client.post(
        new_url(open_pledge), form(category, contact_name="A passer-by", contact_email="p@x.org")
    )
    report = Report.objects.get()
    assert response.status_code == 302
    assert (report.reporter, report.contact_email) == (None, "p@x.org")
    page = client.get(response.url).content.decode()
    assert "p@x.org" not in page and "A passer-by" not in page


def test_reports_from_people_not_signed_in_are_limited_per_hour(client, world, settings):
    settings.PUBLIC_REPORTS_PER_HOUR = 2
    open_pledge = published_pledge(
        world.hub, staff=[world.staff], slug="estate", public_reports=True
    )
    category = open_pledge.categories.get(name="Broken light")
    for n in range(2):
        sent = form(category, contact_name="Passer-by", description=f"Light {n} is out.")
        assert client.post(new_url(open_pledge), sent).status_code == 302
    sent = form(category, contact_name="Passer-by", description="A third light.")
    refused = client.post(new_url(open_pledge), sent)
    assert refused.status_code == 429 and b"try again later" in refused.content
    assert Report.objects.count() == 2
    client.force_login(world.member)  # a member signed in is not limited
    member = form(category, description="A fourth light.")
    assert client.post(new_url(open_pledge), member).status_code == 302


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), "blue").save(out, "PNG")
    return out.getvalue()


def test_a_photo_is_shown_to_staff_and_the_reporter_only(
    client, world, pledge, lights, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.member)
    photo = SimpleUploadedFile("light.png", png(), content_type="image/png")
    response = client.post(new_url(pledge), {**form(lights), "photo": photo})
    assert response.status_code == 302
    report = Report.objects.get()
    url = reverse("report-photo", args=["millbrook", report.pk])
    assert url.encode() in client.get(response.url).content
    shown = client.get(url)
    assert shown.status_code == 200 and shown["Cache-Control"].startswith("private")
    assert b"".join(shown.streaming_content).startswith(b"\x89PNG")
    for person in (world.staff, world.coordinator):
        client.force_login(person)
        assert client.get(url).status_code == 200
    hubs.membership_add(actor=world.admin, hub=world.hub, person=(other := world.other_coordinator))
    for person in (other, world.outsider):
        client.force_login(person)
        assert client.get(url).status_code == 404
        assert url.encode() not in client.get(response.url).content
    client.logout()
    assert client.get(url).status_code == 404


def test_a_bad_photo_is_named_on_the_form(client, world, pledge, lights, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.member)
    fake = SimpleUploadedFile("light.jpg", b"GIF89a not really", content_type="image/jpeg")
    response = client.post(new_url(pledge), {**form(lights), "photo": fake})
    assert response.status_code == 400
    assert b"A photo: That file is not a photo we can read" in response.content
    assert not Report.objects.exists()


def test_the_public_list_and_page_show_no_personal_data(client, world, pledge, lights):
    report = make(world, lights)
    for url in (
        reverse("pledge-reports", args=["millbrook", pledge.slug]),
        reverse("report", args=["millbrook", report.pk]),
    ):
        page = client.get(url).content.decode()
        assert "The stair light is out." in page
        assert "Sam Member" not in page and "Flat 9" not in page
    client.force_login(world.member)
    page = client.get(reverse("report", args=["millbrook", report.pk])).content.decode()
    assert "Flat 9, Block C" in page and "by you" in page


def test_the_queue_puts_the_late_first_and_filters(client, world, pledge, lights):
    emergency = pledge.categories.get(name="Emergency repair")
    soon = make(world, lights, description="Due later")
    late = make(world, emergency, description="Overdue leak", attributes={})
    Report.objects.filter(pk=late.pk).update(
        expected_at=timezone.now() - datetime.timedelta(days=2)
    )
    client.force_login(world.staff)
    url = reverse("report-queue", args=["millbrook"])
    page = client.get(url).content.decode()
    assert page.index("Overdue leak") < page.index("Due later")
    assert "2 days late" in page and "Sam Member" in page
    page = client.get(url + f"?category={lights.code}").content.decode()
    assert "Due later" in page and "Overdue leak" not in page
    page = client.get(url + "?show=late").content.decode()
    assert "Overdue leak" in page and "Due later" not in page
    services.report_update(actor=world.staff, report=soon, status="fixed", note="Done")
    page = client.get(url + "?status=fixed").content.decode()
    assert "Due later" in page and "Overdue leak" not in page
    assert client.get(url + "?status=nonsense&category=<b>").status_code == 200
    client.force_login(world.member)
    assert client.get(url).status_code == 403


def test_close_then_not_fixed_through_the_pages(client, world, pledge, lights):
    report = make(world, lights)
    page_url = reverse("report", args=["millbrook", report.pk])
    client.force_login(world.staff)
    update = reverse("report-update", args=["millbrook", report.pk])
    response = client.post(update, {"status": "fixed", "note": ""})
    assert response.status_code == 400
    assert b"Say what was done, for the person who reported it." in response.content
    assert client.post(update, {"status": "fixed", "note": "New bulb"}).status_code == 302
    client.force_login(world.member)
    page = client.get(page_url).content.decode()
    assert "Was it fixed?" in page and "New bulb" in page
    answer = reverse("report-answer", args=["millbrook", report.pk])
    assert client.post(answer, {"note": "x"}).status_code == 400  # no answer chosen
    assert client.post(answer, {"fixed": "no", "note": "Still dark"}).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.NEW and report.reopened == 1
    page = client.get(page_url).content.decode()
    assert "reopened" in page and "Was it fixed?" not in page


def test_me_too_from_the_page(client, world, pledge, lights):
    report = make(world, lights)
    client.force_login(world.coordinator)
    url = reverse("report-me-too", args=["millbrook", report.pk])
    assert client.post(url).status_code == 302
    page = client.get(reverse("report", args=["millbrook", report.pk])).content.decode()
    assert "You said “me too”" in page and "1 said “me too”" in page


# --- the API -----------------------------------------------------------------------------


@pytest.fixture
def api(client, world):
    def call(method, path, person=None, body=None, key=None):
        token = hubs.api_token_create(person=person or world.member, hub=world.hub)[1]
        headers = {"Authorization": f"Bearer {token}"}
        if key:
            headers["Idempotency-Key"] = key
        return getattr(client, method)(
            "/api/v1" + path, body, content_type="application/json", headers=headers
        )

    return call


def body(of, **changes):
    return {
        "category": of.code,
        "description": "The stair light is out.",
        "address": "Block C",
        "answers": {"block": "c"},
        **changes,
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"description": "x" * 4001}, "description"),
        ({"address": ""}, "address"),
        ({"lat": 52.1}, "long"),
        ({"answers": {}}, "answers.block"),
        ({"category": "no-such-thing"}, "category"),
        ({"area_id": 2**40}, "area_id"),
    ],
)
def test_the_api_refuses_bad_input_naming_the_field(api, lights, changes, field):
    response = api("post", "/reports", body=body(lights, **changes))
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert not Report.objects.exists()


def test_the_api_refuses_a_report_on_an_unpublished_pledge(api, world):
    draft = published_pledge(world.hub, staff=[world.staff], slug="draft", status="draft")
    lights = draft.categories.get(name="Broken light")
    assert api("post", "/reports", body=body(lights)).json()["field"] == "category"
    response = api("post", "/reports", person=world.staff, body=body(lights))
    assert response.status_code == 400 and response.json()["field"] == "category"
    assert not Report.objects.exists()


def test_the_api_report_retried_with_a_key_is_made_once(api, lights):
    first = api("post", "/reports", body=body(lights), key="abc")
    again = api("post", "/reports", body=body(lights), key="abc")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"] and Report.objects.count() == 1
    other = api("post", "/reports", body=body(lights, description="Other"), key="abc")
    assert other.status_code == 409


def test_the_api_shows_private_details_to_staff_and_the_reporter_only(api, world, lights):
    made = api("post", "/reports", body=body(lights, description="<b>hi</b>")).json()
    assert made["private"]["address"] == "Block C"
    assert made["description"] == "<b>hi</b>"  # JSON is data: escaping is the page's
    assert made["target"] == "within 3 working days" and made["late"] is False
    seen = api("get", f"/reports/{made['id']}", person=world.coordinator).json()
    assert seen["private"]["reporter"] == "Sam Member"
    hubs.membership_add(actor=world.admin, hub=world.hub, person=world.outsider)
    other = api("get", f"/reports/{made['id']}", person=world.outsider).json()
    assert other["private"] is None and other["description"] == "<b>hi</b>"
    listed = api("get", "/reports?status=open", person=world.outsider).json()
    assert [r["id"] for r in listed] == [made["id"]] and listed[0]["private"] is None


def test_the_api_moves_a_report_on_and_the_reporter_answers(api, world, lights):
    made = api("post", "/reports", body=body(lights)).json()
    path = f"/reports/{made['id']}"
    assert api("post", path + "/updates", body={"status": "fixed"}).status_code == 403
    response = api("post", path + "/updates", world.staff, {"status": "fixed", "note": ""})
    assert response.status_code == 400 and response.json()["field"] == "note"
    response = api("post", path + "/updates", world.staff, {"status": "fixed", "note": "Done"})
    assert response.json()["status"] == "fixed"
    response = api("post", path + "/answer", body={"fixed": False, "note": "No"})
    assert response.json()["status"] == "new" and response.json()["reopened"] == 1
    assert [u["status"] for u in response.json()["updates"]] == ["fixed", "new"]


def test_the_api_staff_report_for_a_member(api, world, lights):
    response = api("post", "/reports", world.staff, body(lights, for_person_id=world.assisted.pk))
    assert response.status_code == 201
    assert response.json()["private"]["entered_by"] == "Dr Amir Staff"
    refused = api("post", "/reports", body=body(lights, for_person_id=world.assisted.pk))
    assert refused.status_code == 403


def test_staff_see_how_many_reports_are_late_on_the_hub_page(client, world, lights):
    late = make(world, lights)
    Report.objects.filter(pk=late.pk).update(expected_at=timezone.now() - datetime.timedelta(1))
    make(world, lights, description="Not late")
    client.force_login(world.staff)
    page = client.get(reverse("hub-home", args=["millbrook"])).content.decode()
    assert "Reports to see to" in page and "1 late" in page
    client.force_login(world.member)
    assert (
        "Reports to see to"
        not in client.get(reverse("hub-home", args=["millbrook"])).content.decode()
    )


def test_my_reports_lists_what_i_made_and_followed_and_nothing_else(client, world, pledge, lights):
    mine = make(world, lights, description="My own stair light.")
    theirs = make(world, lights, description="Someone else's bins.", reporter=world.staff)
    followed = make(world, lights, description="A light I said me too to.", reporter=world.staff)
    services.report_me_too(actor=world.member, report=followed)
    client.force_login(world.member)
    page = client.get(reverse("my-reports")).content.decode()
    assert "My own stair light." in page and "reported by you" in page
    assert "A light I said me too to." in page and "you said “me too”" in page
    assert "Someone else's bins." not in page
    assert f"/reports/{mine.pk}/" in page and f"/reports/{theirs.pk}/" not in page
    # The pledge page leads to reporting, the pledge's reports, the scorecard and here.
    detail = client.get(reverse("pledge", args=[pledge.hub.slug, pledge.slug])).content.decode()
    for name in ("report-new", "pledge-reports", "pledge-scorecard"):
        assert reverse(name, args=[pledge.hub.slug, pledge.slug]) in detail
    assert reverse("my-reports") in detail


def test_the_queue_and_the_public_list_come_a_page_at_a_time(client, world, pledge, lights):
    for n in range(55):
        make(world, lights, description=f"Report number {n}.")
    client.force_login(world.staff)
    queue = reverse("report-queue", args=[pledge.hub.slug])
    first = client.get(queue + "?show=all").content.decode()
    assert "55 reports." in first and "Page 1 of 2" in first
    assert first.count('<li class="card">') == 50
    second = client.get(queue + "?show=all&page=2").content.decode()
    assert second.count('<li class="card">') == 5 and "show=all" in second
    public = reverse("pledge-reports", args=[pledge.hub.slug, pledge.slug])
    assert client.get(public + "?page=2").content.decode().count('<li class="card">') == 5


def test_the_public_see_no_contact_details_or_written_answers(client, world, pledge, lights, api):
    from coproduce.pledges.privacy import EMAIL_HIDDEN, PHONE_HIDDEN

    lights.attributes = [
        *lights.attributes,
        {"code": "flat", "datatype": "string", "required": False, "description": "Which flat?"},
    ]
    lights.save(update_fields=["attributes"])
    report = make(
        world,
        lights,
        description="Out again. Ring me on 07700 900123 or sam@home.example.",
        attributes={"block": "c", "flat": "Flat 9, ask for Mrs Khan"},
        reporter=world.coordinator,
    )
    public = client.get(reverse("report", args=[world.hub.slug, report.pk])).content.decode()
    listed = client.get(reverse("pledge-reports", args=[world.hub.slug, pledge.slug]))
    member = api("get", f"/reports/{report.pk}", person=world.member).json()
    for shown in (public, listed.content.decode(), member["description"]):
        assert "07700" not in shown and "sam@home.example" not in shown
        assert PHONE_HIDDEN in shown and EMAIL_HIDDEN in shown
    assert "Block C" in public and "Mrs Khan" not in public  # a choice, not written words
    assert member["answers"] == {"block": "c"}
    client.force_login(world.staff)  # staff see what was written
    staff = client.get(reverse("report", args=[world.hub.slug, report.pk])).content.decode()
    assert "07700 900123" in staff and "Mrs Khan" in staff


def test_back_then_send_again_makes_one_report(client, world, pledge, lights):
    client.force_login(world.member)
    first = client.post(new_url(pledge), form(lights, key="page-shown-once"))
    # Back, and the page shown afresh gives the form a new key: the words are the same.
    again = client.post(new_url(pledge), form(lights, key="page-shown-again"), follow=True)
    assert Report.objects.count() == 1
    assert first.url == again.redirect_chain[-1][0]
    other = client.post(new_url(pledge), form(lights, key="k3", description="Bins again."))
    assert other.status_code == 302 and Report.objects.count() == 2


@pytest.mark.parametrize("blank", ["   ", "\u200b\u200b\u200b", "\u200d\u2060\ufeff \u200e"])
def test_a_description_of_nothing_visible_is_refused(client, world, pledge, lights, blank):
    client.force_login(world.member)
    response = client.post(new_url(pledge), form(lights, description=blank))
    assert response.status_code == 400 and b"Describe the problem" in response.content
    assert not Report.objects.exists()


def test_the_update_note_is_not_called_optional_as_closing_needs_it(client, world, lights):
    made = make(world, lights)
    client.force_login(world.staff)
    page = client.get(reverse("report", args=[world.hub.slug, made.pk])).content.decode()
    assert "Note for the person who reported it<" in page
    assert "Note for the person who reported it (optional)" not in page
    assert "Needed when you close it." in page
