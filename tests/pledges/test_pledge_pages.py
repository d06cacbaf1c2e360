"""The pledge pages: the public page without signing in, the draft with its sign-offs,
the forms, templates and the working calendar. Who may open each page is in the
permission matrix (tests/test_permission_matrix.py)."""

import datetime

import pytest
from django.urls import reverse

from coproduce.deliberation.models import Participant, ParticipantRole, Vote
from coproduce.deliberation.services import tallies_rebuild
from coproduce.pledges import services
from coproduce.pledges.content import draft_of
from coproduce.pledges.models import Holiday, PledgeCategory, PledgeStatus, WorkingCalendar


def page(client, name, *args):
    return client.get(reverse(name, args=args))


def test_the_public_page_needs_no_sign_in(client, world, published):
    response = page(client, "pledge", "millbrook", published.slug)
    text = response.content.decode()
    assert response.status_code == 200
    assert "A GP rings you back the same working day." in text
    assert "Your prescription is ready within 2 working days." in text
    assert "Which surgery? (must be answered): Millbrook Road, Station Street" in text
    assert "Cancel appointments you cannot keep" in text and "Missed appointments" in text
    assert "The patient group and the practice team" in text
    assert "Call backs on the same day." in text and "no votes" in text
    assert "Monday to Friday, 09:00 to 17:00" in text
    assert "Version 1" in text and "First version: 2 targets." in text
    # Who signed is said by role to the public, by name to members.
    assert "by a member of staff for the service" in text
    assert "Dr Amir Staff" not in text and "Sam Member" not in text
    client.force_login(world.member)
    text = page(client, "pledge", "millbrook", published.slug).content.decode()
    assert "by Dr Amir Staff for the service" in text


def test_shares_say_too_few_votes_below_five(client, world, published, statements):
    statement = statements[0]
    for i in range(3):
        participant = Participant.objects.create(
            conversation=statement.conversation, role=ParticipantRole.USER,
            anonymous_key=f"k{i}",
        )  # fmt: skip
        Vote.objects.create(participant=participant, statement=statement, value=1)
    tallies_rebuild(statement.conversation)  # votes written without the services
    text = page(client, "pledge", "millbrook", published.slug).content.decode()
    assert "Everyone: too few votes (3)" in text
    for i in range(3, 8):
        participant = Participant.objects.create(
            conversation=statement.conversation, role=ParticipantRole.USER,
            anonymous_key=f"k{i}",
        )  # fmt: skip
        Vote.objects.create(participant=participant, statement=statement, value=1 if i < 6 else -1)
    tallies_rebuild(statement.conversation)
    text = page(client, "pledge", "millbrook", published.slug).content.decode()
    assert "Everyone: 75% agree (6 of 8)" in text


def test_a_draft_is_not_shown_to_the_public(client, world, drafted):
    assert page(client, "pledge", "millbrook", drafted.slug).status_code == 404
    listed = page(client, "pledges", "millbrook").content.decode()
    assert "Patient experience" not in listed
    client.force_login(world.member)
    assert "Not published yet" in page(client, "pledge", "millbrook", drafted.slug).content.decode()
    assert "Patient experience" in page(client, "pledges", "millbrook").content.decode()


def test_the_sign_off_flow_through_the_pages(client, world, drafted):
    draft = reverse("pledge-draft", args=["millbrook", drafted.slug])
    client.force_login(world.member)
    text = client.get(draft).content.decode()
    assert "Sign it off for the people who use it" in text
    response = client.post(reverse("pledge-sign", args=["millbrook", drafted.slug]))
    assert response.status_code == 302
    client.force_login(world.staff)
    assert "Sign it off for the service" in client.get(draft).content.decode()
    client.post(reverse("pledge-sign", args=["millbrook", drafted.slug]))
    client.force_login(world.coordinator)
    text = client.get(draft).content.decode()
    assert "Publish it" in text
    response = client.post(
        reverse("pledge-publish", args=["millbrook", drafted.slug]),
        {"change_note": "Agreed at the patient group", "key": "pub-1"},
    )
    assert response.status_code == 302
    drafted.refresh_from_db()
    assert drafted.status == PledgeStatus.PUBLISHED
    again = client.post(
        reverse("pledge-publish", args=["millbrook", drafted.slug]),
        {"change_note": "Agreed at the patient group", "key": "pub-1"},
        follow=True,
    )
    assert "already saved" in again.content.decode()
    assert drafted.versions.count() == 1


def test_publishing_without_both_sides_says_so(client, world, drafted):
    services.pledge_sign(actor=world.staff, pledge=drafted)
    client.force_login(world.coordinator)
    response = client.post(reverse("pledge-publish", args=["millbrook", drafted.slug]), follow=True)
    assert "It needs signing off for the people who use it" in response.content.decode()
    assert drafted.versions.count() == 0


def test_editing_the_draft_and_a_target(client, world, published, statements):
    client.force_login(world.staff)
    edit = reverse("pledge-edit", args=["millbrook", published.slug])
    assert "Call backs on the same day." in client.get(edit).content.decode()
    response = client.post(
        edit,
        {
            "title": "Patient experience",
            "summary": "New words",
            "commitment_1": "Cancel appointments you cannot keep",
            "measure_1": "Missed appointments",
            "commitment_2": "Come on time",
            "measure_2": "",
            "grown_from": [str(statements[0].pk)],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    target = reverse("pledge-category", args=["millbrook", published.slug, "prescriptions"])
    response = client.post(
        target,
        {
            "name": "Repeat prescriptions",
            "commitment": "Your prescription is ready",
            "target_amount": "3",
            "target_unit": "working_days",
            "question_1": "Which surgery?",
            "answer_1": "singlevaluelist",
            "choices_1": "Millbrook Road\nStation Street\nHigh Street",
            "required_1": "on",
            "question_2": "",
            "answer_2": "string",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    published.refresh_from_db()
    draft = client.get(reverse("pledge-draft", args=["millbrook", published.slug]))
    text = draft.content.decode()
    assert "Changes from version 1" in text
    assert "the target changed from within 2 working days to within 3 working days" in text
    assert "Users now commit to “Come on time”." in text
    # The public page still shows what was signed.
    public = page(client, "pledge", "millbrook", published.slug).content.decode()
    assert "within 2 working days" in public and "Changes are being prepared" in public
    assert PledgeCategory.objects.get(code="prescriptions").target_amount == 2


def test_a_bad_target_is_shown_next_to_the_field(client, world, drafted):
    client.force_login(world.staff)
    response = client.post(
        reverse("pledge-category-new", args=["millbrook", drafted.slug]),
        {
            "code": "gp-callback",
            "name": "Another",
            "commitment": "x",
            "target_amount": "1",
            "target_unit": "days",
            "answer_1": "string",
        },
    )
    assert response.status_code == 400
    assert "already has a category with that code" in response.content.decode()
    assert len(draft_of(drafted)["categories"]) == 2


def test_templates_are_adopted_through_the_pages(client, world, published):
    services.pledge_offer_as_template(actor=world.coordinator, pledge=published, offered=True)
    client.force_login(world.other_coordinator)
    listed = page(client, "pledge-templates", "northfield").content.decode()
    assert "Adopt it for Northfield Estate" in listed
    adopt = reverse("pledge-adopt", args=["northfield", published.pk])
    response = client.post(adopt, {"key": "adopt-1"})
    assert response.status_code == 302
    local = published.adoptions.get()
    text = client.get(response["Location"]).content.decode()
    assert "Changed from the template" in text and "Nothing changed yet." in text
    client.logout()
    template_page = page(client, "pledge", "millbrook", published.slug).content.decode()
    # Northfield's draft is its own business until it is published.
    assert "Northfield Estate" not in template_page and "Adopted by other hubs" not in template_page
    assert "adopted by 0 hubs" in page(client, "pledge-templates", "millbrook").content.decode()
    assert local.hub == world.other_hub


def test_the_calendar_page_changes_the_week_and_holidays(client, world):
    client.force_login(world.coordinator)
    url = reverse("pledge-calendar", args=["millbrook"])
    week = {"working_days": ["1", "2", "3", "4", "5", "6"], "day_starts": "08:00"}
    response = client.post(url, {**week, "day_ends": "18:00"})
    assert response.status_code == 302
    assert WorkingCalendar.objects.get(hub=world.hub).working_days == [1, 2, 3, 4, 5, 6]
    response = client.post(
        reverse("pledge-holiday-add", args=["millbrook"]),
        {"day": "2026-12-25", "name": "Christmas Day"},
    )
    assert response.status_code == 302
    text = client.get(url).content.decode()
    assert "Monday to Saturday, 08:00 to 18:00" in text and "Friday 25 December 2026" in text
    bad = client.post(url, {"working_days": ["1"], "day_starts": "18:00", "day_ends": "08:00"})
    assert bad.status_code == 400 and "must end after it starts" in bad.content.decode()
    holiday = Holiday.objects.get()
    client.post(reverse("pledge-holiday-remove", args=["millbrook", holiday.pk]))
    assert not Holiday.objects.exists()


def test_a_holiday_moves_a_due_date(world, published):
    from coproduce.pledges.services import expected_for

    services.holiday_add(
        actor=world.coordinator, hub=world.hub, day=datetime.date(2026, 12, 25), name="Christmas"
    )
    category = PledgeCategory.objects.get(code="prescriptions")
    thursday = datetime.datetime(2026, 12, 24, 10, tzinfo=datetime.UTC)
    _, due = expected_for(category, thursday)
    assert due.date() == datetime.date(2026, 12, 29)  # Friday off; Monday and Tuesday


@pytest.mark.parametrize("persona", ["member", "staff"])
def test_only_coordinators_keep_the_calendar(client, world, persona):
    client.force_login(world.persona(persona))
    assert page(client, "pledge-calendar", "millbrook").status_code == 403


def test_a_pledge_marked_published_without_a_version_shows_its_live_rows(client, world):
    """Made outside the services (an import, another part's fixture): still readable."""
    from coproduce.pledges.models import Pledge

    pledge = Pledge.objects.create(
        hub=world.hub, slug="bins", title="Bins", status=PledgeStatus.PUBLISHED
    )
    PledgeCategory.objects.create(
        pledge=pledge, code="bins-missed", name="Missed bins", commitment="Collected",
        target_amount=2, target_unit="working_days",
    )  # fmt: skip
    text = page(client, "pledge", "millbrook", "bins").content.decode()
    assert "Collected within 2 working days." in text
    assert client.get(f"/api/v1/pledges/{pledge.pk}").json()["version"] is None


def test_retiring_asks_first_and_says_why(client, world, published):
    client.force_login(world.coordinator)
    url = reverse("pledge-retire", args=["millbrook", published.slug])
    detail = reverse("pledge", args=["millbrook", published.slug])
    assert url in client.get(detail).content.decode()  # a link to ask, not a button that acts
    asked = client.get(url).content.decode()
    assert "Retire “" in asked and "cannot be undone" in asked
    published.refresh_from_db()
    assert published.status == "published"  # looking retires nothing
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400 and "Why it is retired" in refused.content.decode()
    response = client.post(url, {"reason": "Replaced by the 2027 pledge."})
    assert response.status_code == 302
    page = client.get(detail).content.decode()
    assert "retired" in page and "Replaced by the 2027 pledge." in page
    again = client.post(url, {"reason": "Replaced by the 2027 pledge."}, follow=True)
    assert "retired already" in again.content.decode()


def test_a_target_added_without_a_code_gets_one(client, world, drafted):
    client.force_login(world.staff)
    response = client.post(
        reverse("pledge-category-new", args=["millbrook", drafted.slug]),
        {
            "code": "",
            "name": "Home visits",
            "commitment": "A nurse visits you at home",
            "target_amount": "2",
            "target_unit": "working_days",
            "answer_1": "string",
        },
    )
    assert response.status_code == 302
    drafted.refresh_from_db()
    codes = [c["code"] for c in draft_of(drafted)["categories"]]
    assert "millbrook-home-visits" in codes
