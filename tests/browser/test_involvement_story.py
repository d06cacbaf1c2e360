"""The involvement bank's story, as its people live it, in a real browser: a patient
chooses "recruitment panels, monthly", gets the pack, asks for a place on the nurse
recruitment panel, is shortlisted, is reminded 48 hours before, comes, chooses time
credits and sees them in her statement; and in a series, a no-show frees a place that
the person waiting is offered and takes. axe-core checks every page the patients open."""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import expect

from coproduce.involve import services
from coproduce.involve.models import Attendance, SignUp, SignUpStatus
from tests.involve.conftest import group, member, panel


def _move(opportunity, *, hours: float):
    """Put the opportunity's first meeting `hours` from now (negative: it has begun)."""
    session = opportunity.sessions.first()
    session.starts_at = timezone.now() + datetime.timedelta(hours=hours)
    session.ends_at = session.starts_at + datetime.timedelta(hours=1, minutes=30)
    session.save()
    return session


def test_a_patient_from_her_choices_to_her_credits(world, phone_visitor, no_script_visitor):
    ann = member(world, "ann@example.org", "Ann Patient")
    nurse = panel(world)  # co-managing: a recruitment panel, 2 staff and 1 service user
    group(world, kind="co_design", title="Research advisory group")  # not what she chose
    slug = world.hub.slug

    phone = phone_visitor
    phone.sign_in("ann@example.org")
    page = phone.visit(f"/hubs/{slug}/involvement/choices/")
    phone.check_accessibility()
    # Every kind starts ticked: she keeps only recruitment panels (co-managing).
    kinds = page.get_by_role("group", name=re.compile("Which kinds of involvement"))
    for box in kinds.get_by_role("checkbox").all():
        box.uncheck()
    page.get_by_label(re.compile("^Co-managing")).check()
    page.get_by_label("A monthly pack").check()
    page.get_by_label("Email").check()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.locator("#what-happens")).to_contain_text("monthly pack")
    phone.check_accessibility()

    services.tick()  # the hourly tick makes this month's packs
    page = phone.visit("/whats-new/")
    page.get_by_role("link", name=re.compile("Your involvement pack")).click()
    phone.check_accessibility()
    expect(page.get_by_role("link", name=nurse.title, exact=True)).to_be_visible()
    expect(page.get_by_text("Research advisory group")).to_have_count(0)
    page.get_by_role("link", name=nurse.title, exact=True).click()
    page.get_by_role("button", name="Ask for a place").click()
    phone.check_accessibility()
    asked = SignUp.objects.get(person=ann, opportunity=nurse)
    assert asked.status == SignUpStatus.REQUESTED

    lead = no_script_visitor
    lead.sign_in("amir@example.org")
    page = lead.visit(f"/hubs/{slug}/involvement/{nurse.pk}/shortlist/")
    expect(page.get_by_text("Not involved before").first).to_be_visible()
    page.get_by_role("button", name="Give places to the people ticked").click()
    asked.refresh_from_db()
    assert asked.status == SignUpStatus.CONFIRMED

    _move(nurse, hours=40)
    services.tick()  # the reminder, 48 hours before
    page = phone.visit("/whats-new/")
    page.get_by_role("link", name=re.compile(f"Reminder: {nurse.title}")).click()
    phone.check_accessibility()
    expect(page.get_by_role("link", name="I can't come")).to_be_visible()

    session = _move(nurse, hours=-3)
    services.attendance_record(
        actor=world.staff, session=session, marks={asked.pk: ("attended", None)}
    )
    page = phone.visit("/whats-new/")
    page.get_by_role("link", name=re.compile("Thank you for taking part")).click()
    phone.check_accessibility()
    page.get_by_label("Time credits in my time bank account").check()
    page.get_by_role("button", name="Choose").click()
    page.get_by_role("link", name="See the hours in your time bank statement").click()
    phone.check_accessibility()
    expect(page.get_by_text(f"For taking part: {nurse.title}")).to_be_visible()
    assert Attendance.objects.get(person=ann).transfer is not None


def test_a_no_show_frees_a_place_the_person_waiting_takes(world, phone_visitor, no_script_visitor):
    bob = member(world, "bob@example.org", "Bob Patient")
    cat = member(world, "cat@example.org", "Cat Patient")
    series = group(world, user_places=1)  # instant places; Grace leads it
    held = services.signup_ask(actor=bob, opportunity=series)
    waiting = services.signup_ask(actor=cat, opportunity=series)
    assert (held.status, waiting.status) == (SignUpStatus.CONFIRMED, SignUpStatus.WAITLIST)
    _move(series, hours=-3)

    lead = no_script_visitor
    lead.sign_in("grace@example.org")
    page = lead.visit(f"/hubs/{world.hub.slug}/involvement/{series.pk}/")
    page.get_by_role("link", name=re.compile("Record who came")).first.click()
    page.get_by_label("Did not come").check()
    page.get_by_role("button", name="Save who came").click()
    held.refresh_from_db()
    assert held.status == SignUpStatus.RELEASED

    phone = phone_visitor
    phone.sign_in("cat@example.org")
    page = phone.visit("/whats-new/")
    page.get_by_role("link", name=re.compile(f"A place is free: {series.title}")).click()
    phone.check_accessibility()
    page.get_by_role("button", name="Yes, I'll take it").click()
    phone.check_accessibility()
    waiting.refresh_from_db()
    assert waiting.status == SignUpStatus.CONFIRMED
