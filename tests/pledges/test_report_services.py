"""Reports against a pledge, through the services: each rule and its error, the expected
date, two-sided closing and reopening, moderation that keeps the original, photos with
their metadata stripped, escalation of a late report once and never twice, and who is
told what, with which delivery."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from coproduce.errors import ApplicationError
from coproduce.hubs.models import AuditEvent
from coproduce.notify.models import Delivery, Kind, Notification, Preference
from coproduce.pledges import services
from coproduce.pledges.models import Report, ReportStatus, ReportSubscription, ServicePoint
from coproduce.referrals import escalations
from coproduce.referrals.models import Escalation, EscalationKind
from tests.conftest import make_person
from tests.pledges.reports_setup import published_pledge

pytestmark = pytest.mark.django_db


@pytest.fixture
def pledge(world):
    return published_pledge(world.hub, staff=[world.staff])


@pytest.fixture
def lights(pledge):
    return pledge.categories.get(name="Broken light")


def report(world, category, **changes):
    values = {
        "category": category,
        "description": "The stair light on the second floor is out.",
        "reporter": world.member,
        "address": "Block C, second floor",
        "attributes": {"block": "c"},
    }
    return services.report_create(**(values | changes))


def told(person, kind=None):
    found = Notification.objects.filter(recipient=person)
    if kind:
        found = found.filter(kind=kind)
    return list(found.order_by("pk"))


def events(kind):
    return AuditEvent.objects.filter(event=kind).count()


# --- making a report --------------------------------------------------------------------


def test_a_report_gets_its_expected_date_from_the_category_target(world, lights):
    made = report(world, lights)
    assert made.status == ReportStatus.NEW
    assert made.target == "within 3 working days"
    _target, expected = services.expected_for(lights, made.created_at)
    assert made.expected_at == expected
    assert made.expected_at > made.created_at
    assert timezone.localtime(made.expected_at).time() == datetime.time(17)
    assert made.attributes == {"block": "c"}


def test_the_categorys_staff_are_told_of_a_new_report_with_their_delivery(world, lights):
    Preference.objects.create(person=world.staff, kind=Kind.REPORT_STAFF, delivery=Delivery.DAILY)
    report(world, lights)
    [notification] = told(world.staff, Kind.REPORT_STAFF)
    assert notification.subject.startswith("New report: Broken light, due")
    assert notification.delivery == Delivery.DAILY
    assert told(world.member) == []  # never told of their own doing
    assert told(world.coordinator, Kind.REPORT_STAFF) == []  # not the category's staff


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"description": ""}, "description"),
        ({"description": "x" * 4001}, "description"),
        ({"address": "", "attributes": {"block": "c"}}, "address"),
        ({"lat": "52.1"}, "long"),
        ({"long": "-1.2", "address": ""}, "lat"),
        ({"lat": "NaN", "long": "1"}, "lat"),
        ({"lat": "95", "long": "1"}, "lat"),
        ({"lat": "north", "long": "1"}, "lat"),
        ({"attributes": {}}, "attribute[block]"),
        ({"attributes": {"block": "z"}}, "attribute[block]"),
        ({"address": "x" * 301}, "address"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(world, lights, changes, field):
    with pytest.raises(ApplicationError) as raised:
        report(world, lights, **changes)
    assert raised.value.field == field
    assert Report.objects.count() == 0
    assert Notification.objects.count() == 0


def test_a_description_of_exactly_4000_characters_is_taken(world, lights):
    assert len(report(world, lights, description="x" * 4000).description) == 4000


def test_an_unpublished_pledge_takes_no_reports(world):
    draft = published_pledge(world.hub, staff=[world.staff], slug="draft", status="draft")
    with pytest.raises(ApplicationError) as raised:
        report(world, draft.categories.get(name="Broken light"))
    assert raised.value.field == "service_code"
    assert not Report.objects.exists()


def test_a_place_of_another_hub_is_refused(world, lights):
    elsewhere = ServicePoint.objects.create(hub=world.other_hub, name="Northfield office")
    with pytest.raises(ApplicationError) as raised:
        report(world, lights, address="", service_point=elsewhere)
    assert raised.value.field == "service_point"


def test_a_service_point_or_a_map_point_is_enough_for_where(world, lights):
    office = ServicePoint.objects.get(hub=world.hub, name="Estate office")
    assert report(world, lights, address="", service_point=office).service_point == office
    made = report(world, lights, address="", lat="52.48621", long="-1.8904")
    assert (str(made.lat), str(made.long)) == ("52.486210", "-1.890400")


def test_a_retry_with_the_same_key_returns_the_first_report(world, lights):
    first = report(world, lights, key="k-1")
    again = report(world, lights, key="k-1")
    assert again.pk == first.pk and again.already_saved
    assert Report.objects.count() == 1
    with pytest.raises(ApplicationError) as raised:  # the same key, something else
        report(world, lights, key="k-1", description="Another problem")
    assert raised.value.status == 409
    with pytest.raises(ApplicationError):  # someone else's key: never their report
        report(world, lights, key="k-1", reporter=world.coordinator)


def test_staff_report_for_someone_on_the_phone_assisted_and_audited(world, lights):
    made = report(world, lights, reporter=world.assisted, entered_by=world.staff, source="phone")
    assert (made.reporter, made.entered_by, made.source) == (
        world.assisted,
        world.staff,
        "phone",
    )
    event = AuditEvent.objects.get(event="report.created")
    assert (event.actor, event.on_behalf_of) == (world.staff, world.assisted)
    # Ron is not online: his confirmation is kept for him and passed to the coordinators.
    assert [n.subject for n in told(world.assisted)] == ["We have your report: Broken light"]
    assert any(n.for_person == world.assisted for n in told(world.coordinator, Kind.REPORT))


def test_only_staff_report_for_someone_else(world, lights):
    with pytest.raises(PermissionDenied):
        report(world, lights, reporter=world.assisted, entered_by=world.member)
    assert not Report.objects.exists()


def test_staff_report_only_for_someone_still_in_the_hub(world, lights):
    from coproduce.hubs import services as hubs
    from coproduce.hubs.models import Membership

    gone = Membership.objects.get(hub=world.hub, person=world.assisted)
    hubs.membership_end(actor=world.coordinator, membership=gone, reason="Moved away")
    with pytest.raises(ApplicationError) as refused:
        report(world, lights, reporter=world.assisted, entered_by=world.staff)
    assert refused.value.field == "for_member" and not Report.objects.exists()


# --- photos ------------------------------------------------------------------------------


def jpeg_with_location() -> bytes:
    image = Image.new("RGB", (64, 48), "orange")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (52.0, 29.0, 0.0)}  # GPS: latitude
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_a_photo_is_stored_without_its_metadata_under_a_new_name(world, lights, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    raw = jpeg_with_location()
    assert b"PhoneMaker" in raw
    upload = SimpleUploadedFile("IMG_0001 home.jpg", raw, content_type="image/jpeg")
    made = report(world, lights, photo=upload)
    stored = made.photo.read()
    assert b"PhoneMaker" not in stored and b"Exif" not in stored
    assert "IMG_0001" not in made.photo.name and made.photo.name.endswith(".jpg")
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (64, 48) and not image.getexif()


def _with_words(kind: str) -> bytes:
    """A photo carrying words beside its pixels: a JPEG comment, a PNG text chunk, an
    ICC profile; none of it may be stored."""
    from PIL import PngImagePlugin

    image = Image.new("RGBA" if kind == "PNG" else "RGB", (40, 30), "teal")
    out = io.BytesIO()
    profile = b"ICC-Taken at 14 Acacia Road"
    if kind == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", "Taken at 14 Acacia Road")
        image.save(out, "PNG", pnginfo=text, icc_profile=profile)
    elif kind == "JPEG":
        image.save(out, "JPEG", comment=b"Taken at 14 Acacia Road", icc_profile=profile)
    else:
        image.save(out, "WEBP", icc_profile=profile, xmp=b"<x>Taken at 14 Acacia Road</x>")
    return out.getvalue()


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
def test_words_kept_beside_the_pixels_are_not_stored(world, lights, settings, tmp_path, kind):
    settings.MEDIA_ROOT = tmp_path
    raw = _with_words(kind)
    assert b"Acacia Road" in raw
    upload = SimpleUploadedFile(f"photo.{kind.lower()}", raw)
    stored = report(world, lights, photo=upload).photo.read()
    assert b"Acacia Road" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == kind and image.size == (40, 30)
        assert "comment" not in image.info and "icc_profile" not in image.info


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.jpg", b"not an image at all"),
        ("drawing.gif", None),  # a real image of a kind not taken
    ],
)
def test_a_file_that_is_not_an_accepted_photo_is_refused(
    world, lights, settings, tmp_path, name, content
):
    settings.MEDIA_ROOT = tmp_path
    if content is None:
        out = io.BytesIO()
        Image.new("RGB", (8, 8)).save(out, "GIF")
        content = out.getvalue()
    with pytest.raises(ApplicationError) as raised:
        report(world, lights, photo=SimpleUploadedFile(name, content))
    assert raised.value.field == "photo"
    assert not Report.objects.exists()
    assert not list(tmp_path.rglob("*.*"))


def test_a_photo_over_the_size_limit_is_refused(world, lights, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORT_PHOTO_MAX_BYTES = 1000
    with pytest.raises(ApplicationError, match="under") as raised:
        report(world, lights, photo=SimpleUploadedFile("big.jpg", jpeg_with_location() * 3))
    assert raised.value.field == "photo"


# --- moving on, me too, was it fixed ----------------------------------------------------


def test_updates_need_staff_and_a_note_to_close(world, lights):
    made = report(world, lights)
    with pytest.raises(PermissionDenied):
        services.report_update(actor=world.member, report=made, status="fixed", note="Done")
    with pytest.raises(ApplicationError) as raised:
        services.report_update(actor=world.staff, report=made, status="fixed")
    assert raised.value.field == "note"
    with pytest.raises(ApplicationError) as raised:
        services.report_update(actor=world.staff, report=made, status="mended", note="x")
    assert raised.value.field == "status"
    with pytest.raises(ApplicationError):
        services.report_update(actor=world.staff, report=made, status="new")  # no change
    with pytest.raises(PermissionDenied):  # staff of another hub
        services.report_update(
            actor=world.other_coordinator, report=made, status="acknowledged", note="x"
        )
    assert not made.updates.exists()


def test_every_change_tells_the_reporter_and_everyone_who_said_me_too(world, lights):
    made = report(world, lights)
    neighbour = make_person("nia@example.org", "Nia Neighbour")
    from coproduce.hubs import services as hubs

    hubs.membership_add(actor=world.admin, hub=world.hub, person=neighbour)
    assert services.report_me_too(actor=neighbour, report=made) is True
    assert services.report_me_too(actor=neighbour, report=made) is False  # once
    assert events("report.joined") == 1
    with pytest.raises(PermissionDenied):  # the reporter follows it already
        services.report_me_too(actor=world.member, report=made)
    with pytest.raises(PermissionDenied):  # someone of another hub
        services.report_me_too(actor=world.outsider, report=made)
    services.report_update(
        actor=world.staff, report=made, status="acknowledged", note="Electrician booked"
    )
    for person in (world.member, neighbour):
        [notification] = told(person, Kind.REPORT)
        assert notification.subject == "Your report of broken light: acknowledged"
        assert "Electrician booked" in notification.body
        assert notification.delivery == Delivery.NOW
    assert told(world.staff, Kind.REPORT) == []  # the one who did it


def test_closing_then_not_fixed_reopens_and_keeps_the_expected_date(world, lights):
    made = report(world, lights)
    expected = made.expected_at
    services.report_update(actor=world.staff, report=made, status="acknowledged", note="")
    made = services.report_update(
        actor=world.staff, report=made, status="fixed", note="New bulb fitted"
    )
    assert made.closed_at is not None and not made.is_open
    with pytest.raises(PermissionDenied):  # only the reporter answers
        services.report_answer(actor=world.staff, report=made, fixed=True)
    Notification.objects.all().delete()
    made = services.report_answer(actor=world.member, report=made, fixed=False, note="Still dark")
    assert made.status == ReportStatus.NEW and made.reopened == 1 and made.closed_at is None
    assert made.expected_at == expected
    assert made.feedback.get().fixed is False
    assert [u.status for u in made.updates.all()] == ["acknowledged", "fixed", "new"]
    [to_staff] = told(world.staff, Kind.REPORT_STAFF)
    assert to_staff.subject == "Reopened, not fixed: Broken light"
    with pytest.raises(PermissionDenied):  # open again: nothing to answer
        services.report_answer(actor=world.member, report=made, fixed=True)


def test_the_reporter_answers_once_for_each_closing(world, lights):
    made = report(world, lights)
    made = services.report_update(actor=world.staff, report=made, status="fixed", note="Done")
    services.report_answer(actor=world.member, report=made, fixed=True)
    with pytest.raises(ApplicationError) as raised:
        services.report_answer(actor=world.member, report=made, fixed=False)
    assert raised.value.field == "fixed"
    assert made.feedback.count() == 1 and Report.objects.get().status == "fixed"


def test_the_same_answer_sent_twice_is_recorded_once(world, lights):
    made = report(world, lights)
    made = services.report_update(actor=world.staff, report=made, status="fixed", note="Done")
    services.report_answer(actor=world.member, report=made, fixed=False, key="a1")
    again = services.report_answer(actor=world.member, report=made, fixed=False, key="a1")
    assert again.already_saved
    assert made.feedback.count() == 1 and Report.objects.get().reopened == 1


# --- moderation --------------------------------------------------------------------------


def test_moderation_keeps_the_original_and_tells_the_reporter(world, lights):
    made = report(world, lights, description="Mr Smith at number 4 smashed it.")
    with pytest.raises(PermissionDenied):
        services.report_moderate(
            actor=world.staff, report=made, description="It was smashed.", reason="A name"
        )
    with pytest.raises(ApplicationError) as raised:
        services.report_moderate(
            actor=world.coordinator, report=made, description="It was smashed.", reason=""
        )
    assert raised.value.field == "reason"
    made = services.report_moderate(
        actor=world.coordinator, report=made, description="It was smashed.", reason="A name"
    )
    assert made.description == "It was smashed."
    assert made.original_description == "Mr Smith at number 4 smashed it."
    services.report_moderate(
        actor=world.coordinator, report=made, description="It is broken.", reason="Shorter"
    )
    made.refresh_from_db()
    assert made.original_description == "Mr Smith at number 4 smashed it."  # the first words
    assert events("report.moderated") == 2
    assert told(world.member, Kind.MODERATION)[0].delivery == Delivery.DAILY


# --- late: the failsafe ------------------------------------------------------------------


def test_a_late_report_is_escalated_once_to_the_categorys_staff(world, lights):
    made = report(world, lights)
    assert (
        escalations.sweep(hub=world.hub, now=made.expected_at - datetime.timedelta(hours=1)) == []
    )
    later = made.expected_at + datetime.timedelta(hours=1)
    [escalation] = [e for e in escalations.sweep(hub=world.hub, now=later)]
    assert escalation.kind == EscalationKind.OVERDUE_REPORT
    assert escalation.key == f"report:{made.pk}"
    assert escalation.assigned_to == world.staff
    assert escalation.about_url == f"/hubs/millbrook/reports/{made.pk}/"
    made.refresh_from_db()
    assert made.escalated_at == later
    assert events("report.escalated") == 1
    assert [n.subject for n in told(world.staff, Kind.REPORT_STAFF)][-1].startswith("Overdue:")
    [escalated] = told(world.staff, Kind.ESCALATION)
    assert escalated.subject.startswith("Escalated: A report of broken light under")
    assert told(world.member, Kind.REPORT)[-1].subject == "Your report of broken light is late"
    # Never twice: not on the next sweep, nor when reopened and late again.
    assert escalations.sweep(hub=world.hub, now=later + datetime.timedelta(days=1)) == []
    made = services.report_update(actor=world.staff, report=made, status="fixed", note="Done")
    # Closing it settles the escalation: nobody is left chasing a closed report.
    escalation.refresh_from_db()
    assert escalation.status == "resolved" and escalation.resolved_by == world.staff
    assert "closed as fixed: Done" in escalation.resolution
    services.report_answer(actor=world.member, report=made, fixed=False)
    Report.objects.filter(pk=made.pk).update(escalated_at=None)  # even if the mark were lost
    assert escalations.sweep(hub=world.hub, now=later + datetime.timedelta(days=9)) == []
    assert Escalation.objects.filter(kind=EscalationKind.OVERDUE_REPORT).count() == 1


def test_the_same_update_sent_again_is_recorded_once(world, lights):
    made = report(world, lights)
    first = services.report_update(
        actor=world.staff, report=made, status="in_progress", note="The caretaker has it."
    )
    # Back, then Send: the page was shown afresh with a new key, so only the words match.
    again = services.report_update(
        actor=world.staff, report=first, status="in_progress", note="The caretaker has it."
    )
    assert again.pk == made.pk and made.updates.count() == 1
    assert events("report.updated") == 1
    # A different note, or another person, is news.
    services.report_update(
        actor=world.staff, report=made, status="in_progress", note="Parts ordered."
    )
    assert made.updates.count() == 2


def test_closed_reports_are_not_escalated_and_nobody_staff_means_the_failsafe(world, pledge):
    emergency = pledge.categories.get(name="Emergency repair")
    emergency.staff.set([world.member])  # not staff: the failsafe takes it
    closed = report(world, emergency, attributes={})
    services.report_update(actor=world.staff, report=closed, status="fixed", note="Made safe")
    late = report(world, emergency, attributes={}, description="Water through the ceiling")
    far = timezone.now() + datetime.timedelta(days=30)
    [escalation] = escalations.sweep(hub=world.hub, now=far)
    assert escalation.key == f"report:{late.pk}"
    assert escalation.assigned_to == escalations.failsafe_for(world.hub)


def test_followers_of_a_report(world, lights):
    made = report(world, lights)
    ReportSubscription.objects.create(report=made, person=world.coordinator)
    assert services.followers_of(made) == [world.member, world.coordinator]


def test_a_target_in_hours_counts_elapsed_hours_over_a_change_of_the_clocks(world, lights):
    import zoneinfo

    lights.target_amount, lights.target_unit = 24, "hours"
    lights.save(update_fields=["target_amount", "target_unit"])
    london = zoneinfo.ZoneInfo("Europe/London")
    # The clocks go back at 02:00 on Sunday 25 October 2026: 24 hours after 20:00 on the
    # Saturday is 19:00 on the Sunday by the clock.
    made = datetime.datetime(2026, 10, 24, 20, 0, tzinfo=london)
    words, due = services.expected_for(lights, made)
    assert words == "within 24 hours"
    elapsed = due.astimezone(datetime.UTC) - made.astimezone(datetime.UTC)
    assert elapsed == datetime.timedelta(hours=24)
    assert due.astimezone(london).replace(tzinfo=None) == datetime.datetime(2026, 10, 25, 19, 0)
