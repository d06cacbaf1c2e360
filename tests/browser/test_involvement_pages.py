"""The involvement bank in a real browser: a patient on a phone asks for a place on a
recruitment panel; the lead, without JavaScript, confirms the fair shortlist and records
who came; the patient chooses time credits and sees them in her statement. axe-core
checks every page the phone opens."""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import expect

from coproduce.involve.models import Attendance, SignUp, SignUpStatus
from tests.involve.conftest import member, panel


def test_a_patient_asks_is_chosen_comes_and_sees_her_credits(
    world, phone_visitor, no_script_visitor
):
    ann = member(world, "ann@example.org", "Ann Patient")
    nurse = panel(world)
    slug = world.hub.slug

    phone = phone_visitor
    phone.sign_in("ann@example.org")
    page = phone.visit(f"/hubs/{slug}/")
    page.get_by_role("link", name="Involvement", exact=True).click()
    phone.check_accessibility()
    page.get_by_role("link", name=nurse.title, exact=True).click()
    phone.check_accessibility()
    page.get_by_label("Anything the lead should know, like access needs").fill("Step-free please")
    page.get_by_role("button", name="Ask for a place").click()
    phone.check_accessibility()
    expect(page.locator(".messages").get_by_text("You have asked for a place")).to_be_visible()
    asked = SignUp.objects.get(person=ann)

    lead = no_script_visitor
    lead.sign_in("amir@example.org")
    page = lead.visit(f"/hubs/{slug}/involvement/{nurse.pk}/")
    page.get_by_role("link", name=re.compile("The shortlist")).click()
    expect(page.get_by_label("Give a place to Ann Patient")).to_be_checked()
    page.get_by_role("button", name="Give places to the people ticked").click()
    asked.refresh_from_db()
    assert asked.status == SignUpStatus.CONFIRMED

    session = nurse.sessions.get()
    session.starts_at = timezone.now() - datetime.timedelta(hours=3)
    session.ends_at = session.starts_at + datetime.timedelta(hours=1, minutes=30)
    session.save()
    page = lead.visit(f"/hubs/{slug}/involvement/{nurse.pk}/")
    page.get_by_role("link", name=re.compile("Record who came")).click()
    expect(page.get_by_label("Hours for Ann Patient")).to_have_value("1")
    expect(page.get_by_label("Minutes for Ann Patient")).to_have_value("30")
    page.get_by_role("button", name="Save who came").click()
    attendance = Attendance.objects.get(person=ann)
    assert attendance.minutes == 90

    page = phone.visit(f"/hubs/{slug}/involvement/thanks/{attendance.pk}/")
    page.get_by_label("Time credits in my time bank account").check()
    page.get_by_role("button", name="Choose").click()
    phone.check_accessibility()
    page.get_by_role("link", name="See the hours in your time bank statement").click()
    phone.check_accessibility()
    expect(page.get_by_text(f"For taking part: {nurse.title}")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320
