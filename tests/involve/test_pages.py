"""The involvement pages through the test client, as each persona would use them, with
the plain forms a browser without JavaScript sends."""

import datetime
import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coproduce.hubs.models import AuditEvent
from coproduce.involve import services
from coproduce.involve.models import (
    Attendance,
    Expense,
    Opportunity,
    Session,
    SignUp,
    SignUpStatus,
)

from .conftest import group, meeting, member, panel

pytestmark = pytest.mark.django_db


def url(name, world, *args):
    return reverse(name, args=[world.hub.slug, *args])


def begun(opportunity, which=0):
    """Move a meeting into the past (tests cannot wait): it began 3 hours ago, 2 hours long."""
    session = list(opportunity.sessions.all())[which]
    session.starts_at = timezone.now() - datetime.timedelta(hours=3)
    session.ends_at = session.starts_at + datetime.timedelta(hours=2)
    session.save()
    return session


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if re.match(r"^\s*(INSERT|UPDATE|DELETE)", q["sql"]) and "django_session" not in q["sql"]
    ]


# --- the list --------------------------------------------------------------------------------


def test_the_list_shows_open_opportunities_to_members_and_nobody_else(world, client_for):
    nurse = panel(world)
    page = client_for(world.member).get(url("involve-list", world))
    assert page.status_code == 200
    body = text(page)
    assert nurse.title in body
    assert "2 staff and 1 service user" in body
    assert "3 left" in body
    assert "Ask for a place; the lead confirms a fair shortlist" in body
    assert "New opportunity" not in body  # members do not open them
    assert client_for(world.outsider).get(url("involve-list", world)).status_code == 404
    staff = text(client_for(world.staff).get(url("involve-list", world)))
    assert "New opportunity" in staff


def test_the_list_filters_by_kind_and_by_what_i_can_take(world, client_for):
    panel(world, title="Needs training", training="Panel training")
    group(world, title="Open to all")
    client = client_for(world.member)
    mine = text(client.get(url("involve-list", world) + "?can_take=1"))
    assert "Open to all" in mine and "Needs training" not in mine
    design = text(client.get(url("involve-list", world) + "?kind=co_design"))
    assert "Open to all" in design and "Needs training" not in design
    assert "Shaping how a service or a change will work" in design  # the kinds explained


def test_the_list_is_a_page_at_a_time_and_its_queries_do_not_grow(world, client_for):
    client = client_for(world.member)
    group(world, title="Group 0")
    with CaptureQueriesContext(connection) as few:
        client.get(url("involve-list", world))
    for i in range(1, 25):
        o = group(world, title=f"Group {i}")
        services.signup_ask(actor=world.member, opportunity=o)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url("involve-list", world))
    assert len(many) == len(few)
    body = text(page)
    assert "Group 24" in body and "Group 0" not in body  # newest first, 20 a page
    assert "Page 1 of 2" in body
    assert "You: has a place" in body


# --- opening one --------------------------------------------------------------------------------


def _new(world, **changes):
    day = timezone.localdate() + datetime.timedelta(days=10)
    data = {
        "kind": "co_managing",
        "title": "Recruitment panel: receptionist",
        "description": "Sit on the interview panel.",
        "when": "one_off",
        "first_date": day.isoformat(),
        "starts_at": "14:00",
        "ends_at": "15:30",
        "repeat_weeks": "",
        "repeat_times": "",
        "mode": "in_person",
        "staff_places": "2",
        "user_places": "1",
        "any_places": "0",
        "reserved_places": "0",
        "joining": "request",
        "lead": str(world.staff.pk),
        "confirm_hours": "48",
        "key": "form-key-1",
    }
    return {**data, **changes}


def test_staff_open_a_one_off_and_a_resent_form_makes_one(world, client_for):
    client = client_for(world.staff)
    assert client.get(url("involve-new", world)).status_code == 200
    first = client.post(url("involve-new", world), _new(world))
    again = client.post(url("involve-new", world), _new(world))
    opportunity = Opportunity.objects.get()
    assert (
        first["Location"] == again["Location"] == url("involve-opportunity", world, opportunity.pk)
    )
    session = opportunity.sessions.get()
    assert session.minutes == 90
    page = text(client.get(first["Location"]))
    assert (
        f"{timezone.localtime(session.starts_at):%A %-d %B %Y}, 14:00 to 15:30 (1 h 30 min)" in page
    )


def test_a_series_repeats_every_n_weeks_m_times(world, client_for):
    client = client_for(world.coordinator)
    response = client.post(
        url("involve-new", world),
        _new(world, when="series", repeat_weeks="2", repeat_times="4", key="k-series"),
    )
    assert response.status_code == 302
    starts = [timezone.localtime(s.starts_at) for s in Session.objects.order_by("starts_at")]
    assert len(starts) == 4
    assert {s.hour for s in starts} == {14}
    gaps = [(b.date() - a.date()).days for a, b in itertools.pairwise(starts)]
    assert gaps == [14] * 3


def test_an_ongoing_one_may_start_without_meetings(world, client_for):
    response = client_for(world.staff).post(
        url("involve-new", world),
        _new(world, when="ongoing", first_date="", starts_at="", ends_at="", key="k-ongoing"),
    )
    assert response.status_code == 302
    assert Opportunity.objects.get().sessions.count() == 0


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ends_at": "13:00"}, "ends_at", "It must end after it starts"),
        ({"first_date": "2020-01-01"}, "first_date", "starts in the past"),
        ({"starts_at": ""}, "starts_at", "Enter the time it starts"),
        ({"reserved_places": "5"}, "reserved_places", "More places are reserved"),
        ({"staff_places": "0", "user_places": "0"}, "user_places", "at least one place"),
        ({"staff_places": "-1"}, "staff_places", "Enter 0 or more"),
        ({"when": "series", "repeat_times": ""}, "repeat_times", "how many meetings"),
        ({"kind": "co_dreaming"}, "kind", "Select a valid choice"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(world, client_for, changes, field, message):
    response = client_for(world.staff).post(url("involve-new", world), _new(world, **changes))
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert message in " ".join(form.errors[field])
    assert not Opportunity.objects.exists()


def test_members_cannot_open_an_opportunity(world, client_for):
    client = client_for(world.member)
    assert client.get(url("involve-new", world)).status_code == 403
    assert client.post(url("involve-new", world), _new(world)).status_code == 403
    assert not Opportunity.objects.exists()


# --- the whole story, without JavaScript -----------------------------------------------------


def test_ask_shortlist_attend_choose_credits_and_see_them_in_the_statement(
    world, client_for, people, bank
):
    nurse = panel(world)
    ann, bob = people["ann"], people["bob"]
    detail = url("involve-opportunity", world, nurse.pk)

    client = client_for(ann)
    page = text(client.get(detail))
    assert "Anything the lead should know, like access needs" in page
    key = re.search(r'name="key" value="([^"]+)"', page).group(1)
    asked = client.post(
        url("involve-ask", world, nurse.pk), {"message": "Step-free please", "key": key}
    )
    assert asked.status_code == 302
    client.post(url("involve-ask", world, nurse.pk), {"message": "Step-free please", "key": key})
    assert SignUp.objects.filter(person=ann).count() == 1  # the form sent twice: once
    client_for(bob).post(url("involve-ask", world, nurse.pk), {"message": ""})

    lead = client_for(world.staff)
    page = text(lead.get(detail))
    assert "The shortlist (2 asking or waiting)" in page
    shortlist = lead.get(url("involve-shortlist", world, nurse.pk))
    body = text(shortlist)
    assert body.index("Ann Patient") < body.index("Bob Patient")  # asked first
    assert "Not involved before" in body
    ann_signup = SignUp.objects.get(person=ann)
    assert re.search(rf'value="{ann_signup.pk}"[^>]*checked', body)  # proposed: ticked
    done = lead.post(url("involve-shortlist", world, nurse.pk), {"chosen": [str(ann_signup.pk)]})
    assert done.status_code == 302
    ann_signup.refresh_from_db()
    assert ann_signup.status == SignUpStatus.CONFIRMED
    assert SignUp.objects.get(person=bob).status == SignUpStatus.WAITLIST

    session = begun(nurse)
    record = url("involve-attendance-record", world, nurse.pk, session.pk)
    form = text(lead.get(record))
    assert "Ann Patient" in form and 'value="2"' in form  # 2 h by default
    saved = lead.post(
        record,
        {
            f"status_{ann_signup.pk}": "attended",
            f"hours_{ann_signup.pk}": "1",
            f"minutes_{ann_signup.pk}": "45",
        },
    )
    assert saved.status_code == 302
    attendance = Attendance.objects.get(person=ann)
    assert attendance.minutes == 105

    client = client_for(ann)
    thanks = url("involve-attendance", world, attendance.pk)
    page = text(client.get(thanks))
    assert "Thank you for taking part" in page and "you gave 1 h 45 min" in page
    assert "Time credits in my time bank account" in page
    assert 'name="understood"' not in page  # only with the benefits warning
    chosen = client.post(thanks, {"action": "thanks", "recompense": "credits"})
    assert chosen.status_code == 302
    page = text(client.get(thanks))
    assert "See the hours in your time bank statement" in page
    statement = text(client.get(reverse("statement", args=[world.hub.slug])))
    assert "For taking part: Recruitment panel: practice nurse" in statement


def test_asking_twice_and_past_the_mix_are_refused_naming_why(world, client_for, people):
    nurse = panel(world)
    client = client_for(people["ann"])
    client.post(url("involve-ask", world, nurse.pk), {"message": ""})
    again = client.post(url("involve-ask", world, nurse.pk), {"message": ""})
    assert again.status_code == 400
    assert "is already on this" in text(again)
    assert SignUp.objects.filter(person=people["ann"]).count() == 1
    client_for(people["bob"]).post(url("involve-ask", world, nurse.pk), {"message": ""})
    both = [str(s.pk) for s in SignUp.objects.order_by("pk")]
    refused = client_for(world.staff).post(
        url("involve-shortlist", world, nurse.pk), {"chosen": both}
    )
    assert refused.status_code == 400
    assert "not enough service-user places" in text(refused)
    assert refused.context["form"].errors["chosen"]
    assert not SignUp.objects.filter(status=SignUpStatus.CONFIRMED).exists()


def test_an_invitation_past_the_places_is_refused_naming_the_person(world, client_for, people):
    nurse = panel(world, user_places=1)
    services.signup_invite(actor=world.staff, opportunity=nurse, person=people["ann"])
    refused = client_for(world.staff).post(
        url("involve-invite", world, nurse.pk), {"person": str(people["bob"].pk)}
    )
    assert refused.status_code == 400
    assert "no service-user place left" in " ".join(refused.context["form"].errors["person"])


def test_what_people_type_is_shown_escaped(world, client_for, people):
    nurse = panel(world)
    client_for(people["ann"]).post(
        url("involve-ask", world, nurse.pk),
        {"message": "<script>alert(1)</script> \u202eevil \U0001f600 Zoë"},
    )
    body = client_for(world.staff).get(url("involve-opportunity", world, nurse.pk)).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "\u202e" not in body  # direction controls are taken out
    assert "\U0001f600 Zoë" in body


def test_lived_experience_is_asked_with_a_tick(world, client_for, people):
    nurse = panel(world, lived_experience="of the practice's mental-health services")
    client = client_for(people["ann"])
    page = text(client.get(url("involve-opportunity", world, nurse.pk)))
    assert "I have lived experience of the practice&#x27;s mental-health services" in page
    refused = client.post(url("involve-ask", world, nurse.pk), {"message": ""})
    assert refused.status_code == 400
    assert "lived_experience" in refused.context["form"].errors
    ok = client.post(url("involve-ask", world, nurse.pk), {"lived_experience": "on"})
    assert ok.status_code == 302


def test_a_coordinator_signs_up_someone_not_online(world, client_for):
    nurse = panel(world)
    client = client_for(world.coordinator)
    page = text(client.get(url("involve-opportunity", world, nurse.pk)))
    assert "Sign up someone who is not online" in page
    found = client.post(
        url("involve-ask", world, nurse.pk) + "?for=offline",
        {"person__q": "Ron", "_find": "person", "message": ""},
    )
    assert "Ron Assisted" in text(found)
    assert not SignUp.objects.exists()  # finding is not sending
    done = client.post(
        url("involve-ask", world, nurse.pk) + "?for=offline",
        {"person": str(world.assisted.pk), "message": "Rings the landline"},
    )
    assert done.status_code == 302
    signup = SignUp.objects.get()
    assert (signup.person, signup.entered_by) == (world.assisted, world.coordinator)
    # Sam signs in himself: not offered, and refused if sent.
    refused = client.post(
        url("involve-ask", world, nurse.pk) + "?for=offline", {"person": str(world.member.pk)}
    )
    assert refused.status_code == 400
    assert SignUp.objects.count() == 1
    # A member cannot sign up someone else.
    assert (
        client_for(world.member)
        .post(
            url("involve-ask", world, nurse.pk) + "?for=offline", {"person": str(world.assisted.pk)}
        )
        .status_code
        == 403
    )


# --- a person's place ----------------------------------------------------------------------------


def test_i_cant_come_takes_one_click_then_a_confirming_post(world, client_for, people):
    opportunity = group(world, user_places=1)
    ann, bob = people["ann"], people["bob"]
    mine = services.signup_ask(actor=ann, opportunity=opportunity)
    waiting = services.signup_ask(actor=bob, opportunity=opportunity)
    client = client_for(ann)
    place = url("involve-signup", world, mine.pk)
    assert "You have a place." in text(client.get(place))
    confirm = text(client.get(place + "?action=withdraw"))
    assert "Yes, give up the place" in confirm
    mine.refresh_from_db()
    assert mine.status == SignUpStatus.CONFIRMED  # the GET changed nothing
    client.post(place, {"action": "withdraw", "reason": "Hospital appointment"})
    mine.refresh_from_db()
    waiting.refresh_from_db()
    assert (mine.status, waiting.status) == (SignUpStatus.WITHDRAWN, SignUpStatus.OFFERED)
    offer = text(client_for(bob).get(url("involve-signup", world, waiting.pk)))
    assert "A place has come free for you." in offer and "Say yes by" in offer
    client_for(bob).post(url("involve-signup", world, waiting.pk), {"action": "yes"})
    waiting.refresh_from_db()
    assert waiting.status == SignUpStatus.CONFIRMED
    # Someone else's place is not found.
    assert client_for(people["cat"]).get(place).status_code == 404


def test_apologies_for_one_meeting_keep_the_place(world, client_for, people):
    opportunity = group(world)
    mine = services.signup_ask(actor=people["ann"], opportunity=opportunity)
    client = client_for(people["ann"])
    place = url("involve-signup", world, mine.pk)
    assert "Send apologies for this meeting only" in text(client.get(place))
    second = list(opportunity.sessions.all())[1]
    client.post(place, {"action": "apologies", "session": str(second.pk)})
    mine.refresh_from_db()
    assert mine.status == SignUpStatus.CONFIRMED
    assert Attendance.objects.get().status == "apologies"


def test_a_no_show_in_a_series_frees_the_place_for_the_waiting_list(world, client_for, people):
    opportunity = group(world, user_places=1)
    first = services.signup_ask(actor=people["ann"], opportunity=opportunity)
    waiting = services.signup_ask(actor=people["bob"], opportunity=opportunity)
    session = begun(opportunity)
    client = client_for(world.coordinator)
    record = url("involve-attendance-record", world, opportunity.pk, session.pk)
    assert "frees" in text(client.get(record)) or "loses their place" in text(client.get(record))
    client.post(
        record,
        {f"status_{first.pk}": "no_show", f"hours_{first.pk}": "2", f"minutes_{first.pk}": "0"},
    )
    first.refresh_from_db()
    waiting.refresh_from_db()
    assert (first.status, waiting.status) == (SignUpStatus.RELEASED, SignUpStatus.OFFERED)


def test_attendance_is_not_recorded_before_the_meeting(world, client_for, people):
    opportunity = group(world)
    s = services.signup_ask(actor=people["ann"], opportunity=opportunity)
    session = opportunity.sessions.first()
    client = client_for(world.coordinator)
    record = url("involve-attendance-record", world, opportunity.pk, session.pk)
    assert "once the meeting has begun" in text(client.get(record))
    client.post(
        record, {f"status_{s.pk}": "attended", f"hours_{s.pk}": "1", f"minutes_{s.pk}": "0"}
    )
    assert not Attendance.objects.exists()
    assert client_for(people["bob"]).get(record).status_code == 403


# --- thanks, the benefits guard, expenses --------------------------------------------------------


def _came(world, people, **changes):
    opportunity = group(world, meetings=[meeting(1, hours=2), meeting(2)], **changes)
    s = services.signup_ask(actor=people["ann"], opportunity=opportunity)
    session = begun(opportunity)
    [attendance] = services.attendance_record(
        actor=world.coordinator, session=session, marks={s.pk: ("attended", None)}
    )
    return attendance


def test_a_payment_past_the_limit_warns_and_needs_the_tick(world, client_for, people):
    services.policy_update(
        actor=world.coordinator,
        hub=world.hub,
        changes={"weekly_pay_limit_pence": 3000, "payment_pence": 2000, "block_minutes": 60},
    )
    attendance = _came(world, people)
    client = client_for(people["ann"])
    thanks = url("involve-attendance", world, attendance.pk)
    page = text(client.get(thanks))
    assert "A payment at the hub&#x27;s rate (£40.00)" in page
    warned = client.post(thanks, {"action": "thanks", "recompense": "payment"})
    assert warned.status_code == 400
    body = text(warned)
    assert "Before you choose a payment" in body and "Citizens Advice" in body
    assert "I understand, and still want the payment" in body
    attendance.refresh_from_db()
    assert attendance.recompense == ""
    # Sent again without the tick: still warned, still nothing saved.
    again = client.post(thanks, {"action": "thanks", "recompense": "payment"})
    assert again.status_code == 400
    attendance.refresh_from_db()
    assert attendance.recompense == ""
    done = client.post(thanks, {"action": "thanks", "recompense": "payment", "understood": "on"})
    assert done.status_code == 302
    attendance.refresh_from_db()
    assert (attendance.recompense, attendance.amount_pence, attendance.warned) == (
        "payment",
        4000,
        True,
    )
    assert "£40.00, taxable" in text(client.get(thanks))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "mileage", "miles": "-3"}, "miles"),
        ({"kind": "mileage", "miles": "100000"}, "miles"),
        ({"kind": "other", "amount": "-1", "note": "bus"}, "amount"),
        ({"kind": "other", "amount": "9999", "note": "bus"}, "amount"),
        ({"kind": "other", "amount": "4.50", "note": ""}, "note"),
        ({"kind": "taxi"}, "kind"),
    ],
)
def test_bad_expenses_name_the_field(world, client_for, people, data, field):
    attendance = _came(world, people)
    response = client_for(people["ann"]).post(
        url("involve-attendance", world, attendance.pk), {"action": "expense", **data}
    )
    assert response.status_code == 400
    assert field in response.context["expense_form"].errors
    assert not Expense.objects.exists()


def test_an_expense_is_claimed_once_and_a_coordinator_decides(world, client_for, people):
    attendance = _came(world, people)
    client = client_for(people["ann"])
    thanks = url("involve-attendance", world, attendance.pk)
    claim = {"action": "expense", "kind": "mileage", "miles": "6.5", "key": "claim-1"}
    client.post(thanks, claim)
    client.post(thanks, claim)
    expense = Expense.objects.get()
    assert "£2.93" in text(client.get(thanks)) and "Claimed" in text(client.get(thanks))
    decide = url("involve-expense-decide", world, expense.pk)
    assert client.post(decide, {"decision": "approve"}).status_code == 403  # not her own
    client_for(world.coordinator).post(decide, {"decision": "approve"})
    expense.refresh_from_db()
    assert expense.status == "approved"


# --- GET never writes -----------------------------------------------------------------------------


def test_no_page_writes_on_a_get(world, client_for, people):
    nurse = panel(world, is_recruitment=True)
    mine = services.signup_ask(actor=people["ann"], opportunity=nurse)
    pages = [
        url("involve-list", world),
        url("involve-new", world),
        url("involve-opportunity", world, nurse.pk),
        url("involve-opportunity", world, nurse.pk) + "?cover=1",
        url("involve-ask", world, nurse.pk),
        url("involve-invite", world, nurse.pk),
        url("involve-shortlist", world, nurse.pk),
        url("involve-change", world, nurse.pk),
        url("involve-cancel", world, nurse.pk),
        url("involve-hired", world, nurse.pk),
        url("involve-signup", world, mine.pk),
        url("involve-signup", world, mine.pk) + "?action=withdraw",
    ]
    client = client_for(world.coordinator)
    before = AuditEvent.objects.count()
    for page in pages:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page)
        assert response.status_code == 200, page
        assert not writes(captured.captured_queries), page
    assert AuditEvent.objects.count() == before
    mine.refresh_from_db()
    assert mine.status == SignUpStatus.REQUESTED
    assert member  # the helper stays importable


# --- the lead's buttons -------------------------------------------------------------------------


def test_the_lead_invites_adds_a_meeting_closes_reopens_and_cancels(world, client_for, people):
    opportunity = group(world, reserved_places=1)
    client = client_for(world.coordinator)
    detail = url("involve-opportunity", world, opportunity.pk)
    found = text(
        client.post(
            url("involve-invite", world, opportunity.pk), {"person__q": "Ann", "_find": "person"}
        )
    )
    assert "Ann Patient" in found and not SignUp.objects.exists()
    assert (
        client.post(
            url("involve-invite", world, opportunity.pk), {"person": str(people["ann"].pk)}
        )["Location"]
        == detail
    )
    assert SignUp.objects.get().status == SignUpStatus.INVITED

    day = (timezone.localdate() + datetime.timedelta(days=90)).isoformat()
    added = client.post(
        url("involve-meeting-add", world, opportunity.pk),
        {"first_date": day, "starts_at": "18:00", "ends_at": "19:00"},
    )
    assert added.status_code == 302 and opportunity.sessions.count() == 4
    late = client.post(
        url("involve-meeting-add", world, opportunity.pk),
        {"first_date": "2020-01-01", "starts_at": "18:00", "ends_at": "19:00"},
    )
    assert late.status_code == 400 and "first_date" in late.context["form"].errors

    change = url("involve-change", world, opportunity.pk)
    data = {"description": "New words", "place": "Room 3", "accessibility": "", "status": "closed"}
    assert client.post(change, data).status_code == 302
    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.place) == ("closed", "Room 3")
    assert "This is closed to new people." in text(client.get(detail))
    client.post(change, {**data, "status": "open"})
    opportunity.refresh_from_db()
    assert opportunity.status == "open"
    empty = client.post(change, {**data, "description": "  "})
    assert empty.status_code == 400 and "description" in empty.context["form"].errors

    cancel = url("involve-cancel", world, opportunity.pk)
    no_reason = client.post(cancel, {"reason": ""})
    assert no_reason.status_code == 400 and "reason" in no_reason.context["form"].errors
    client.post(cancel, {"reason": "The funding ended"})
    opportunity.refresh_from_db()
    assert opportunity.status == "cancelled"
    assert SignUp.objects.get().status == SignUpStatus.WITHDRAWN
    # Ann was on it, so she still sees it; Bob was not, so for him it is gone.
    assert client_for(people["ann"]).get(detail).status_code == 200
    assert client_for(people["bob"]).get(detail).status_code == 404


def test_a_member_cannot_use_the_leads_buttons(world, client_for, people):
    nurse = panel(world)
    client = client_for(people["ann"])
    for name in ("involve-invite", "involve-shortlist", "involve-change", "involve-cancel"):
        assert client.get(url(name, world, nurse.pk)).status_code == 403, name
        assert client.post(url(name, world, nurse.pk), {"reason": "x"}).status_code == 403, name
    nurse.refresh_from_db()
    assert nurse.status == "open"


def test_the_panel_records_who_was_hired(world, client_for):
    nurse = panel(world)
    begun(nurse)
    client = client_for(world.staff)
    assert client.post(url("involve-hired", world, nurse.pk), {"hired": "-2"}).status_code == 400
    client.post(url("involve-hired", world, nurse.pk), {"hired": "1"})
    nurse.refresh_from_db()
    assert nurse.hired == 1
    assert "This panel helps choose new staff: 1 hired" in text(
        client.get(url("involve-opportunity", world, nurse.pk))
    )


def test_not_this_time_tells_the_person(world, client_for, people):
    nurse = panel(world)
    asked = services.signup_ask(actor=people["ann"], opportunity=nurse)
    client = client_for(world.staff)
    client.post(url("involve-shortlist", world, nurse.pk), {"not_chosen": str(asked.pk)})
    asked.refresh_from_db()
    assert asked.status == SignUpStatus.NOT_CHOSEN


def test_who_could_cover_is_shown_when_short_of_the_mix(world, client_for, people):
    nurse = panel(world)
    client = client_for(world.staff)
    page = text(client.get(url("involve-opportunity", world, nurse.pk)))
    assert "Short of the required mix:" in page and "Who could cover" in page
    cover = text(client.get(url("involve-opportunity", world, nurse.pk) + "?cover=1"))
    assert "Ann Patient (service user)" in cover and "Never asked before" in cover


def test_only_ones_i_can_take_agrees_with_the_rule_for_asking(world, people):
    """The list's filter says in the database what `refusal` says for one opportunity:
    for each person, the same opportunities."""
    from coproduce.hubs import access as hub_access
    from coproduce.hubs import services as hubs
    from coproduce.involve import access
    from coproduce.involve.models import Opportunity

    today = timezone.localdate()
    services.training_record(
        actor=world.coordinator,
        hub=world.hub,
        person=people["ann"],
        name="Panel training",
        trained_on=today - datetime.timedelta(days=30),
        expires_on=today + datetime.timedelta(days=5),  # expires before the panel meets
    )
    services.training_record(
        actor=world.coordinator,
        hub=world.hub,
        person=people["bob"],
        name="Panel training",
        trained_on=today - datetime.timedelta(days=30),
    )
    hubs.safeguarding_check_add(
        actor=world.coordinator,
        hub=world.hub,
        person=people["cat"],
        check_type="dbs_basic",
        reference="DBS-1",
        issued_on=today - datetime.timedelta(days=10),
        expires_on=today + datetime.timedelta(days=700),
    )
    panel(world, title="Trained", training="panel TRAINING")
    panel(world, title="Checked", needs_check=True)
    panel(world, title="Staff only", user_places=0)
    panel(world, title="Invited only", joining="invitation")
    panel(world, title="Lived", lived_experience="of the clinic")
    group(world, title="Series")
    started = panel(world, title="Started")
    begun(started)
    closed = panel(world, title="Closed")
    services.opportunity_change(actor=world.staff, opportunity=closed, status="closed")
    seen = {}
    for person in (*people.values(), world.staff, world.member):
        membership = hub_access.membership_of(person, world.hub)
        everything = Opportunity.objects.filter(hub=world.hub)
        listed = set(access.takeable(everything, membership).values_list("title", flat=True))
        allowed = {
            o.title
            for o in everything
            if access.refusal(o, membership, lived_experience=True) is None
        }
        assert listed == allowed, person
        seen[person.display_name] = listed
    assert seen["Ann Patient"] == {"Lived", "Series"}  # her training lapses before the day
    assert seen["Bob Patient"] == {"Trained", "Lived", "Series"}
    assert seen["Cat Patient"] == {"Checked", "Lived", "Series"}
    assert seen["Dr Amir Staff"] == {"Staff only", "Lived"}
