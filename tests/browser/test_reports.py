"""A problem reported against a pledge, in a real browser: a tenant on a phone (390 by 844)
reports a broken stair light and sees when it is due; staff acknowledge it and close it as
fixed; the tenant says it is not fixed, so it reopens; it goes past its expected date and
the failsafe's sweep escalates it to the light's named staff, once. axe-core checks every
page; nothing scrolls sideways on the phone. Screenshots go to /tmp/reports/shots/ for a
person to look at.

The data is left as the scorecard will read it: one report, closed once as fixed, answered
"not fixed" by the reporter, reopened, late and escalated.
"""

import datetime
import re
import tempfile
from pathlib import Path

from django.utils import timezone

from coproduce.pledges import services
from coproduce.pledges.models import Report, ReportFeedback, ReportStatus
from coproduce.pledges.selectors import pledge_scorecard
from coproduce.referrals import escalations
from coproduce.referrals.models import Escalation, EscalationKind
from tests.browser.conftest import Visitor
from tests.pledges.reports_setup import published_pledge

SHOTS = Path(tempfile.gettempdir()) / "reports" / "shots"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def shot(visitor: Visitor, name: str):
    SHOTS.mkdir(parents=True, exist_ok=True)
    visitor.page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def no_sideways_scroll(visitor: Visitor):
    overflow = visitor.page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{visitor.page.url} scrolls sideways by {overflow}px"


def person_at(browser, live_server, **options) -> tuple[object, Visitor]:
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, Visitor(page, live_server.url)


def test_a_broken_stair_light_reported_on_a_phone_reopened_and_escalated(
    world, browser, live_server
):
    pledge = published_pledge(world.hub, staff=[world.staff])
    hub = world.hub.slug
    phone_context, tenant = person_at(browser, live_server, **PHONE)
    desk_context, staff = person_at(browser, live_server, viewport={"width": 1280, "height": 900})
    try:
        # The tenant, on a phone, reports the broken light.
        tenant.sign_in("sam@example.org")
        page = tenant.visit(f"/hubs/{hub}/pledges/{pledge.slug}/")
        no_sideways_scroll(tenant)
        page.get_by_role("link", name="Report a problem").click()
        tenant.check_accessibility()
        page.get_by_label("Broken light").check()
        page.get_by_role("button", name="Next").click()
        tenant.check_accessibility()
        no_sideways_scroll(tenant)
        assert "Communal lights mended: within 3 working days" in page.content()
        shot(tenant, "1-tenant-form")
        page.get_by_label("What is the problem?").fill(
            "The stair light on the second floor landing has been out since Monday. "
            "Photos: https://photos.example.org/" + "landing" * 12  # wider than a phone
        )
        page.get_by_label("Which block?").select_option(label="Block C")
        page.get_by_label("Address or place").fill("Block C, second-floor landing")
        page.get_by_label("Area").select_option(label="Riverside")
        page.get_by_role("button", name="Send the report").click()
        tenant.check_accessibility()
        no_sideways_scroll(tenant)
        report = Report.objects.get()
        due = timezone.localtime(report.expected_at)
        expected_words = f"{due:%A} {due.day} {due:%B %Y, %H:%M}"
        assert "Thank you: your report is in." in page.content()
        assert expected_words in page.get_by_role("main").inner_text()
        assert page.get_by_role("heading", name="Broken light", level=1).is_visible()
        shot(tenant, "2-tenant-sees-the-expected-date")
        # Later, on "My reports" and the pledge's public list, the long word wraps too.
        for path in ("/me/reports/", f"/hubs/{hub}/pledges/{pledge.slug}/reports/"):
            page = tenant.visit(path)
            tenant.check_accessibility()
            no_sideways_scroll(tenant)
        page.get_by_role("link", name="Broken light").click()
        shot(tenant, "2b-from-the-list")

        # Staff see it in their queue, acknowledge it, then close it as fixed.
        staff.sign_in("amir@example.org")
        page = staff.visit(f"/hubs/{hub}/reports/")
        no_sideways_scroll(staff)
        shot(staff, "3-staff-queue")
        page.get_by_role("link", name="Broken light").click()
        staff.check_accessibility()
        page.get_by_label("What is happening now?").select_option(label="Acknowledged")
        page.get_by_label("Note for the person who reported it").fill(
            "An electrician is booked for Wednesday."
        )
        page.get_by_role("button", name="Save the update").click()
        staff.check_accessibility()
        page.get_by_label("What is happening now?").select_option(label="Fixed")
        page.get_by_role("button", name="Save the update").click()  # no note: refused
        staff.check_accessibility()
        assert "Say what was done, for the person who reported it." in page.content()
        page.get_by_label("Note for the person who reported it").fill("New fitting put in.")
        page.get_by_role("button", name="Save the update").click()
        staff.check_accessibility()
        report.refresh_from_db()
        assert report.status == ReportStatus.FIXED and report.closed_at is not None

        # The tenant is told, and says it is not fixed: it reopens.
        page = tenant.visit(f"/hubs/{hub}/reports/{report.pk}/")
        assert "New fitting put in." in page.content()
        shot(tenant, "4-tenant-was-it-fixed")
        page.get_by_label("No, it is not fixed").check()
        page.get_by_label("Anything to add?").fill("It flickered for a day and went out again.")
        page.get_by_role("button", name="Send my answer").click()
        tenant.check_accessibility()
        no_sideways_scroll(tenant)
        report.refresh_from_db()
        assert report.status == ReportStatus.NEW and report.reopened == 1
        assert ReportFeedback.objects.get(report=report).fixed is False
        assert "(reopened)" in page.content()

        # Days pass: it goes past its expected date, and the hourly sweep escalates it,
        # once, to the member of staff named for broken lights. (Time is moved by dating
        # the report a week back, with the expected date its target gives then.)
        reported = timezone.now() - datetime.timedelta(days=7)
        _target, expected = services.expected_for(report.category, reported)
        Report.objects.filter(pk=report.pk).update(created_at=reported, expected_at=expected)
        [escalation] = escalations.sweep(hub=world.hub)
        assert escalations.sweep(hub=world.hub) == []
        assert escalation.kind == EscalationKind.OVERDUE_REPORT
        assert escalation.assigned_to == world.staff
        report.refresh_from_db()
        assert report.escalated_at is not None

        page = tenant.visit(f"/hubs/{hub}/reports/{report.pk}/")
        no_sideways_scroll(tenant)
        text = page.get_by_role("main").inner_text()
        assert "This report is past its expected date." in text
        assert "passed to a named member of staff" in text
        shot(tenant, "5-tenant-sees-it-late")

        page = staff.visit(f"/hubs/{hub}/escalations/{escalation.pk}/")
        page.get_by_role("link", name="The report").click()
        staff.check_accessibility()
        assert re.search(r"Escalated to Dr Amir Staff", page.content())
        page = staff.visit(f"/hubs/{hub}/reports/?show=late")
        assert "escalated" in page.get_by_role("main").inner_text()
        shot(staff, "6-staff-queue-late")

        # The scorecard counts it as not kept (still open after its expected date), and
        # its page says so to anyone, on the phone, with a table beside the chart.
        card = pledge_scorecard(pledge).card
        assert (card.total.not_kept, card.total.kept) == (1, 0)
        assert card.total.overdue == 1
        page = tenant.visit(f"/hubs/{hub}/pledges/{pledge.slug}/scorecard/")
        no_sideways_scroll(tenant)
        assert page.get_by_role("table").count() >= 1
        shot(tenant, "7-scorecard")
    finally:
        phone_context.close()
        desk_context.close()
    # The data the scorecard reads: closed once (fixed), disputed, reopened, late, escalated.
    assert Escalation.objects.filter(key=f"report:{report.pk}").count() == 1
    assert [u.status for u in report.updates.all()] == ["acknowledged", "fixed", "new"]


def test_without_javascript_a_member_reports_and_says_me_too(world, no_script_visitor):
    pledge = published_pledge(world.hub, staff=[world.staff])
    visitor = no_script_visitor
    visitor.sign_in("grace@example.org")
    page = visitor.visit(f"/hubs/{world.hub.slug}/pledges/{pledge.slug}/report/")
    page.get_by_label("Emergency repair").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("What is the problem?").fill("Water coming through the ceiling.")
    page.get_by_label("One of the service's places").select_option(label="Estate office")
    page.get_by_role("button", name="Send the report").click()
    assert "Thank you: your report is in." in page.content()
    report = Report.objects.get()
    assert report.service_point.name == "Estate office"
    visitor.page.context.clear_cookies()
    visitor.sign_in("sam@example.org")
    page = visitor.visit(f"/hubs/{world.hub.slug}/reports/{report.pk}/")
    page.get_by_role("button", name="Me too").click()
    assert "You will hear of every change to this report." in page.content()
    assert report.subscriptions.get().person == world.member
