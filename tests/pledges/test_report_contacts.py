"""Someone who reports without an account (on the public form, through Open311, or on the
phone to staff) is emailed what happens and, at closing, a link to say whether it was
fixed; that link works end to end (yes; not fixed reopens; expired, changed or spent
links refused; the same answer sent twice recorded once); staff are reminded to ring
someone nobody can email, and record their answer for them."""

import logging
import re
import socket

import pytest
from django.core import mail, signing
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from coproduce import audit
from coproduce.errors import ApplicationError
from coproduce.hubs import services as hubs
from coproduce.hubs.models import AuditEvent
from coproduce.notify.models import Kind, Notification
from coproduce.pledges import answer_links, services
from coproduce.pledges.models import (
    AnswerWay,
    Report,
    ReportFeedback,
    ReportStatus,
)
from coproduce.referrals import escalations
from tests.pledges.reports_setup import published_pledge

pytestmark = pytest.mark.django_db

ADA = "ada.lovelace@example.net"
LINK = re.compile(r"https?://[^/\s]+(/\S*/was-it-fixed/[^/\s]+/)")


@pytest.fixture
def pledge(world):
    return published_pledge(world.hub, staff=[world.staff], public_reports=True)


@pytest.fixture
def lights(pledge):
    return pledge.categories.get(name="Broken light")


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the email tasks) as each block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def contact_report(category, **changes) -> Report:
    values = {
        "category": category,
        "description": "The stair light on the second floor is out.",
        "contact_name": "Ada Lovelace",
        "contact_email": ADA,
        "address": "Flat 9, Block C",
        "attributes": {"block": "c"},
    }
    return services.report_create(**(values | changes))


def close(world, report, note="New bulb fitted.", status="fixed") -> Report:
    return services.report_update(actor=world.staff, report=report, status=status, note=note)


def to(address):
    return [m for m in mail.outbox if m.to == [address]]


def link_in(message) -> str:
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1)


def closed_with_link(world, lights, sent) -> tuple[Report, str]:
    made = contact_report(lights)
    with sent():
        made = close(world, made)
    return made, link_in(to(ADA)[-1])


def answer(client, link, fixed="yes", note="", key="k-1"):
    return client.post(link, {"fixed": fixed, "note": note, "key": key})


# --- told by email ---------------------------------------------------------------------


def test_a_public_reporter_is_emailed_every_change_with_the_report_link(world, lights, sent):
    made = contact_report(lights)
    with sent():
        services.report_update(
            actor=world.staff, report=made, status="acknowledged", note="Electrician booked."
        )
    [message] = to(ADA)
    assert message.subject == "Your report of broken light: acknowledged"
    assert message.body.startswith("Dear Ada Lovelace,")
    assert "is now: acknowledged" in message.body
    assert "The service says: Electrician booked." in message.body
    assert f"/hubs/millbrook/reports/{made.pk}/\n" in message.body
    assert "was-it-fixed" not in message.body  # open: nothing to answer yet
    with sent():
        close(world, made)
    closing = to(ADA)[-1]
    assert closing.subject == "Your report of broken light: fixed"
    assert "Was it fixed?" in closing.body and "The link works until" in closing.body
    link_in(closing)


def test_the_email_is_plain_text_written_as_it_was(world, lights, sent):
    made = contact_report(lights, contact_name="O'Brien & Sons <Ltd>")
    with sent():
        services.report_update(
            actor=world.staff, report=made, status="in_progress", note='Parts "on order" & due'
        )
    [message] = to(ADA)
    assert "Dear O'Brien & Sons <Ltd>," in message.body
    assert 'Parts "on order" & due' in message.body
    assert "&amp;" not in message.body and "&#x27;" not in message.body


def test_nobody_is_emailed_at_a_contact_address_when_the_reporter_has_an_account(
    world, lights, sent
):
    made = contact_report(lights, reporter=world.member)  # an address given besides
    with sent():
        close(world, made)
    assert to(ADA) == []
    assert Notification.objects.filter(recipient=world.member, kind=Kind.REPORT).exists()


def test_never_to_the_address_of_whoever_made_the_change(world, lights, sent):
    made = contact_report(lights, contact_email="AMIR@example.org ")  # the staff's own
    with sent():
        close(world, made)
    assert mail.outbox == []


def test_staff_taking_a_report_for_someone_else_email_them_that_it_is_in(world, lights, sent):
    with sent():
        made = contact_report(lights, entered_by=world.staff, source="phone")
    [message] = to(ADA)
    assert message.subject == "We have your report: Broken light"
    assert "Dr Amir Staff recorded the problem you reported" in message.body
    assert made.reporter is None and made.entered_by == world.staff


def test_a_late_report_is_told_to_the_contact_too(world, lights, sent):
    import datetime

    made = contact_report(lights)
    with sent():
        escalations.sweep(hub=world.hub, now=made.expected_at + datetime.timedelta(hours=1))
    [message] = to(ADA)
    assert message.subject == "Your report of broken light is late"
    assert "It has been passed to a named member of staff" in message.body


def test_an_open311_reporter_is_emailed_the_staffs_updates(world, client, sent):
    from tests.open311.objects import pledged

    published = pledged(world.hub)
    key = hubs.api_token_create(person=world.member, hub=world.hub)[1]
    response = client.post(
        reverse("open311:requests", kwargs={"fmt": "json"}),
        {
            "jurisdiction_id": "millbrook",
            "api_key": key,
            "service_code": published.bins.code,
            "address_string": "Ash House",
            "description": "The bins were not collected.",
            "email": "rosa@example.org",
            "phone": "07700 900123",
        },
    )
    assert response.status_code == 200, response.content
    made = Report.objects.get()
    assert made.contact_phone == "07700 900123"
    with sent():
        close(world, made, note="Collected this morning.")
    [message] = to("rosa@example.org")
    assert "Collected this morning." in message.body and "was-it-fixed" in message.body


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"contact_email": "not an address"}, "contact_email"),
        ({"contact_email": "a@" + "b" * 250 + ".org"}, "contact_email"),
        ({"contact_phone": "call me maybe"}, "contact_phone"),
        ({"contact_phone": "1" * 41}, "contact_phone"),
    ],
)
def test_a_bad_contact_is_refused_naming_the_field(world, lights, changes, field):
    with pytest.raises(ApplicationError) as raised:
        contact_report(lights, **changes)
    assert raised.value.field == field
    assert not Report.objects.exists()


# --- "was it fixed?" by the emailed link ----------------------------------------------


def test_the_link_asks_and_yes_is_recorded_for_the_person_who_reported_it(
    world, lights, client, sent
):
    made, link = closed_with_link(world, lights, sent)
    page = client.get(link)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Was it fixed?" in text and "New bulb fitted." in text
    assert ADA not in text and "Ada Lovelace" not in text and "Flat 9" not in text
    response = answer(client, link, "yes", note="Bright as day")
    assert response.status_code == 302 and response["Location"] == reverse(
        "report", args=["millbrook", made.pk]
    )
    [feedback] = ReportFeedback.objects.all()
    assert (feedback.fixed, feedback.person, feedback.way) == (True, None, AnswerWay.EMAIL_LINK)
    made.refresh_from_db()
    assert made.status == ReportStatus.FIXED  # kept apart from the staff's status
    event = AuditEvent.objects.get(event="report.answered")
    assert event.actor is None and event.new["way"] == "email_link"
    [described] = audit.describe([event], strict=True)
    assert described.sentence == (
        "The person who made a report of broken light said it was fixed (by email link)."
    )
    again = client.get(link)
    assert again.status_code == 200
    assert "You have already told the service whether it was fixed" in again.content.decode()


def test_not_fixed_by_the_link_reopens_it_as_the_signed_in_answer_does(world, lights, client, sent):
    made, link = closed_with_link(world, lights, sent)
    expected = made.expected_at
    with sent():
        response = answer(client, link, "no", note="Mrs Patel my carer says the bulb is still dead")
    assert response.status_code == 302
    made.refresh_from_db()
    assert (made.status, made.reopened, made.closed_at) == (ReportStatus.NEW, 1, None)
    assert made.expected_at == expected
    assert [u.status for u in made.updates.all()] == ["fixed", "new"]
    [to_staff] = Notification.objects.filter(
        recipient=world.staff, kind=Kind.REPORT_STAFF, subject="Reopened, not fixed: Broken light"
    )
    assert "Mrs Patel my carer" in to_staff.body and "by the link in an email" in to_staff.body
    assert len(to(ADA)) == 1  # the closing only: not told of their own answer
    # The link was for that closing: it is spent now.
    spent = client.get(link)
    assert spent.status_code == 410 and "reopened since" in spent.content.decode()
    assert answer(client, link, "yes", key="k-2").status_code == 410
    assert ReportFeedback.objects.count() == 1


def test_the_same_answer_sent_twice_is_recorded_once(world, lights, client, sent):
    made, link = closed_with_link(world, lights, sent)
    first = answer(client, link, "no", note="Still dark")
    second = answer(client, link, "no", note="Still dark")  # a double click
    assert first.status_code == second.status_code == 302
    assert ReportFeedback.objects.count() == 1
    made.refresh_from_db()
    assert made.reopened == 1 and made.updates.count() == 2
    followed = client.get(second["Location"]).content.decode()
    assert "already saved" in followed
    assert AuditEvent.objects.filter(event="report.answered").count() == 1


def test_a_second_answer_to_the_same_closing_is_refused(world, lights, client, sent):
    _made, link = closed_with_link(world, lights, sent)
    assert answer(client, link, "yes", key="k-1").status_code == 302
    refused = answer(client, link, "no", key="k-2")
    assert refused.status_code == 409
    assert ReportFeedback.objects.count() == 1 and Report.objects.get().status == "fixed"


def test_an_expired_link_is_refused(world, lights, client, sent, settings, monkeypatch):
    made = contact_report(lights)
    made = close(world, made)
    real = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real() - 61 * 24 * 3600)
    link = answer_links.make(made)
    monkeypatch.setattr(signing.time, "time", real)
    response = client.get(link)
    assert response.status_code == 410
    assert "This link has expired: a link to answer lasts 60 days" in response.content.decode()
    assert answer(client, link).status_code == 410
    settings.REPORT_ANSWER_LINK_DAYS = 90  # an operator who allows longer
    assert client.get(link).status_code == 200
    assert not ReportFeedback.objects.exists()


@pytest.mark.parametrize(
    "spoil",
    [
        lambda link: link.replace("/was-it-fixed/", "/was-it-fixed/x"),
        lambda link: link[:-8] + ("A" if link[-8] != "A" else "B") + link[-7:],
        lambda link: re.sub(r"was-it-fixed/[^/]+/", "was-it-fixed/nonsense/", link),
        lambda link: re.sub(r"was-it-fixed/([^:]+):", r"was-it-fixed/\1Zm9v:", link),
    ],
    ids=["prefixed", "one character changed", "not a token", "payload changed"],
)
def test_a_changed_link_is_refused_with_a_clear_page(world, lights, client, sent, spoil):
    _made, link = closed_with_link(world, lights, sent)
    bad = spoil(link)
    response = client.get(bad)
    assert response.status_code == 400
    assert "This link cannot be used" in response.content.decode()
    assert answer(client, bad).status_code == 400
    assert not ReportFeedback.objects.exists()


def test_a_link_for_one_report_does_not_answer_another(world, lights, client, sent):
    made, link = closed_with_link(world, lights, sent)
    other = close(world, contact_report(lights, description="The lift light is out."))
    moved = link.replace(f"/reports/{made.pk}/", f"/reports/{other.pk}/")
    assert client.get(moved).status_code == 400
    # Signed by the site, but for another purpose: its salt is not the link's.
    signed_elsewhere = signing.dumps({"report": made.pk, "closing": made.closing}, salt="other")
    elsewhere = re.sub(r"was-it-fixed/[^/]+/", f"was-it-fixed/{signed_elsewhere}/", link)
    assert client.get(elsewhere).status_code == 400


def test_a_link_from_before_a_reopening_is_spent_and_the_new_one_works(world, lights, client, sent):
    made, first = closed_with_link(world, lights, sent)
    with sent():
        made = services.report_update(
            actor=world.staff, report=made, status="in_progress", note="Looking again."
        )
        made = close(world, made, note="A new fitting this time.")
    second = link_in(to(ADA)[-1])
    assert second != first
    response = client.get(first)
    assert response.status_code == 410 and "reopened since" in response.content.decode()
    assert answer(client, second, "yes").status_code == 302
    assert ReportFeedback.objects.get().fixed is True


def test_a_report_with_an_account_cannot_be_answered_by_a_link(world, lights, client):
    made = close(world, contact_report(lights, reporter=world.member))
    link = answer_links.make(made)
    assert client.get(link).status_code == 410
    assert answer(client, link).status_code == 410
    with pytest.raises(ApplicationError):
        services.report_answer_by_link(report=made, closing=made.closing, fixed=True)
    assert not ReportFeedback.objects.exists()


def test_an_unknown_report_is_404(world, lights, client, sent):
    made, link = closed_with_link(world, lights, sent)
    assert client.get(link.replace(f"/{made.pk}/", "/999999/")).status_code == 404
    assert client.get(link.replace("/millbrook/", "/northfield/")).status_code == 404


# --- a mail server that is down --------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_a_down_mail_server_never_stops_the_update_and_the_email_is_retried(
    world, client_for, settings, caplog
):
    lights = published_pledge(world.hub, staff=[world.staff]).categories.get(name="Broken light")
    made = contact_report(lights)
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": closed_port(), "timeout": 2},
        }
    }
    client = client_for(world.staff)
    with caplog.at_level(logging.WARNING, logger="coproduce.mail"):
        response = client.post(
            reverse("report-update", args=["millbrook", made.pk]),
            {"status": "fixed", "note": "New bulb fitted.", "key": "u-1"},
        )
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.status == ReportStatus.FIXED and made.closed_at is not None
    assert "Your report of broken light: fixed" in caplog.text  # the contact's email failed
    assert "giving up" in caplog.text  # the immediate backend cannot try again later
    assert client.get(response["Location"]).status_code == 200


def test_with_the_database_backend_the_contacts_email_waits_for_a_worker_that_retries(
    world, lights, settings, sent
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    made = contact_report(lights)
    with sent():
        close(world, made)
    assert mail.outbox == []
    [task] = [
        t for t in DBTaskResult.objects.all() if t.args_kwargs["kwargs"]["recipients"] == [ADA]
    ]
    assert task.task_path == "coproduce.mail.tasks.send_email"
    assert "was-it-fixed" in task.args_kwargs["kwargs"]["body"]


# --- nobody to email: staff ring, and record the answer ---------------------------------


def test_staff_closing_a_report_from_someone_without_email_are_told_to_ring(
    world, lights, client_for
):
    made = contact_report(
        lights, contact_email="", contact_phone="01632 960 555", entered_by=world.staff
    )
    client = client_for(world.staff)
    response = client.post(
        reverse("report-update", args=["millbrook", made.pk]),
        {"status": "fixed", "note": "New bulb fitted.", "key": "u-1"},
        follow=True,
    )
    page = response.content.decode()
    assert "ring them on 01632 960 555 and ask" in page  # the message after saving
    assert "Ring Ada Lovelace on 01632 960 555 and ask whether it was fixed" in page
    assert "Record their answer" in page
    assert "Taken by</dt><dd>Dr Amir Staff, on the phone" in page
    public = client_for(None).get(reverse("report", args=["millbrook", made.pk]))
    assert "01632 960 555" not in public.content.decode()
    assert "Record their answer" not in public.content.decode()
    assert "Taken by" not in public.content.decode()


def test_staff_record_the_answer_for_someone_without_an_account(world, lights, client_for):
    made = close(world, contact_report(lights, contact_email="", contact_phone="01632 960 555"))
    client = client_for(world.staff)
    response = client.post(
        reverse("report-answer-for", args=["millbrook", made.pk]),
        {"fixed": "no", "note": "She says it flickers.", "key": "r-1"},
    )
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.status == ReportStatus.NEW and made.reopened == 1
    [feedback] = ReportFeedback.objects.all()
    assert (feedback.way, feedback.entered_by, feedback.person) == (
        AnswerWay.RECORDED,
        world.staff,
        None,
    )
    [event] = AuditEvent.objects.filter(event="report.answered")
    assert (event.actor, event.on_behalf_of) == (world.staff, None)
    [described] = audit.describe([event], strict=True)
    assert described.sentence == (
        "Dr Amir Staff recorded that the person who reported it said a report of broken "
        "light was not fixed."
    )
    page = client.get(reverse("report", args=["millbrook", made.pk])).content.decode()
    assert "not fixed (recorded by Dr Amir Staff) \N{EN DASH} She says it flickers." in page


def test_staff_record_the_answer_of_a_member_who_is_not_online(world, lights):
    made = services.report_create(
        category=lights,
        description="The stair light is out.",
        reporter=world.assisted,
        entered_by=world.staff,
        address="Block C",
        attributes={"block": "c"},
    )
    made = close(world, made)
    services.report_answer_for(actor=world.staff, report=made, fixed=True)
    event = AuditEvent.objects.get(event="report.answered")
    assert (event.actor, event.on_behalf_of) == (world.staff, world.assisted)
    assert ReportFeedback.objects.get().person == world.assisted
    [described] = audit.describe([event], strict=True)
    assert "recorded that Ron Assisted said" in described.sentence


def test_nobody_answers_for_a_reporter_who_is_online_and_only_staff_for_others(world, lights):
    online = close(world, contact_report(lights, reporter=world.member))
    with pytest.raises(PermissionDenied):
        services.report_answer_for(actor=world.staff, report=online, fixed=True)
    offline = close(world, contact_report(lights, contact_email=""))
    for person in (world.member, world.outsider, world.other_coordinator):
        with pytest.raises(PermissionDenied):
            services.report_answer_for(actor=person, report=offline, fixed=True)
    still_open = contact_report(lights, contact_email="")
    with pytest.raises(PermissionDenied):
        services.report_answer_for(actor=world.staff, report=still_open, fixed=True)
    assert not ReportFeedback.objects.exists()


def test_the_api_records_an_answer_for_the_reporter_too(world, lights, client):
    made = close(world, contact_report(lights, contact_email="", contact_phone="01632 960 555"))
    key = hubs.api_token_create(person=world.staff, hub=world.hub)[1]
    response = client.post(
        f"/api/v1/reports/{made.pk}/answer",
        {"fixed": True, "for_reporter": True},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["private"]["contact_phone"] == "01632 960 555"
    assert ReportFeedback.objects.get().way == AnswerWay.RECORDED
    refused = client.post(
        f"/api/v1/reports/{made.pk}/answer",
        {"fixed": True},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert refused.status_code == 403  # staff do not answer as if they had reported it
