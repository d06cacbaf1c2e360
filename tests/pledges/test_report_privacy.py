"""What the reporter adds when they say it is not fixed stays private: the public update
says only that it was reopened, on the report page, in Open311 (a request's
`status_notes` and `servicerequestupdates`, read without a key) and in what everyone who
said "me too" is told; the category's staff read it, in their notification and on the
page, and so does the reporter. And only the reporter is asked whether it was fixed."""

import pytest
from django.core import mail
from django.urls import reverse

from coproduce.hubs import services as hubs
from coproduce.notify.models import Kind, Notification
from coproduce.pledges import services
from coproduce.pledges.models import ReportSubscription
from tests.conftest import make_person
from tests.pledges.reports_setup import published_pledge

pytestmark = pytest.mark.django_db

PRIVATE_NOTE = "Mrs Patel my carer at 14 Elm Road says the bulb is still dead"


@pytest.fixture
def lights(world):
    return published_pledge(world.hub, staff=[world.staff]).categories.get(name="Broken light")


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the email tasks) as each block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def close(world, report):
    return services.report_update(
        actor=world.staff, report=report, status="fixed", note="New bulb fitted."
    )


@pytest.fixture
def reopened(world, lights, sent):
    """Sam's report, which Nia follows ("me too"), closed, then answered "not fixed" with
    a note naming a carer and an address."""
    made = services.report_create(
        category=lights,
        description="The stair light on the second floor is out.",
        reporter=world.member,
        address="Flat 9, Block C",
        attributes={"block": "c"},
    )
    nia = make_person("nia@example.org", "Nia Neighbour")
    hubs.membership_add(actor=world.admin, hub=world.hub, person=nia)
    services.report_me_too(actor=nia, report=made)
    made = close(world, made)
    mail.outbox.clear()
    with sent():
        made = services.report_answer(
            actor=world.member, report=made, fixed=False, note=PRIVATE_NOTE
        )
    return made, nia


def test_the_note_is_not_on_the_public_page_but_staff_and_the_reporter_read_it(
    world, reopened, client_for
):
    made, nia = reopened
    url = reverse("report", args=["millbrook", made.pk])
    for person in (None, nia, world.outsider):
        page = client_for(person).get(url).content.decode()
        assert "Reopened: the person who reported it says it is not fixed." in page
        assert "Mrs Patel" not in page and "14 Elm Road" not in page
    for person in (world.staff, world.member):
        assert PRIVATE_NOTE in client_for(person).get(url).content.decode()
    [update] = made.updates.filter(status="new")
    assert update.note == "Reopened: the person who reported it says it is not fixed."


def test_the_note_is_not_in_open311(world, reopened, client):
    made, _nia = reopened
    for fmt in ("json", "xml"):
        shown = client.get(
            reverse("open311:request", kwargs={"fmt": fmt, "service_request_id": made.pk}),
            {"jurisdiction_id": "millbrook"},
        )
        updates = client.get(
            reverse("open311:updates", kwargs={"fmt": fmt}), {"jurisdiction_id": "millbrook"}
        )
        for response in (shown, updates):
            assert response.status_code == 200
            body = response.content.decode()
            assert "Mrs Patel" not in body and "Elm Road" not in body
        assert "not fixed" in updates.content.decode()


def test_the_note_is_not_in_the_followers_emails_only_in_the_staffs(world, reopened):
    _made, nia = reopened
    [to_nia] = Notification.objects.filter(recipient=nia, subject__startswith="Reopened")
    assert "Mrs Patel" not in to_nia.body and "Elm Road" not in to_nia.body
    assert "Reopened: the person who reported it says it is not fixed." in to_nia.body
    for message in mail.outbox:
        if message.to != [world.staff.email]:
            assert "Mrs Patel" not in message.body, message.to
    [to_staff] = Notification.objects.filter(recipient=world.staff, subject__startswith="Reopened")
    assert PRIVATE_NOTE in to_staff.body
    assert any(PRIVATE_NOTE in m.body for m in mail.outbox if m.to == [world.staff.email])
    # Sam said it: he is not told of his own answer.
    assert not Notification.objects.filter(recipient=world.member, subject__startswith="Reopened")


# --- only the reporter is asked ----------------------------------------------------


def test_only_the_reporter_is_asked_whether_it_was_fixed(world, lights):
    made = services.report_create(
        category=lights,
        description="The stair light is out.",
        reporter=world.member,
        address="Block C",
        attributes={"block": "c"},
    )
    ReportSubscription.objects.create(report=made, person=world.coordinator)
    close(world, made)
    [to_sam] = Notification.objects.filter(recipient=world.member, kind=Kind.REPORT)
    [to_grace] = Notification.objects.filter(recipient=world.coordinator, kind=Kind.REPORT)
    assert "tell us whether it was fixed" in to_sam.body
    assert "tell us whether it was fixed" not in to_grace.body
    assert to_grace.subject == to_sam.subject
