"""Reporting without an account, in a real browser: a passer-by on a phone (390 by 844)
reports a broken light under a pledge that takes reports from the public, leaving a name
and an email; staff close it as fixed; the passer-by opens the link in the email and says
it is not fixed, so it reopens. Then staff take a report on the phone for someone with no
email, close it, are reminded to ring her, and record her answer. axe-core checks every
page; nothing scrolls sideways on the phone. Screenshots go to /tmp/reports/shots/."""

import re

from django.core import mail
from playwright.sync_api import expect

from coproduce.pledges.models import Report, ReportFeedback, ReportStatus
from tests.browser.test_reports import PHONE, no_sideways_scroll, person_at, shot
from tests.pledges.reports_setup import published_pledge

LINK = re.compile(r"https?://[^/\s]+(/\S*/was-it-fixed/[^/\s]+/)")


def test_a_passer_by_is_emailed_and_answers_by_the_link_and_staff_ring_someone_offline(
    world, browser, live_server
):
    pledge = published_pledge(world.hub, staff=[world.staff], public_reports=True)
    hub = world.hub.slug
    phone_context, passer_by = person_at(browser, live_server, **PHONE)
    desk_context, staff = person_at(browser, live_server, viewport={"width": 1280, "height": 900})
    try:
        # A passer-by, not signed in, reports the light and leaves an email.
        page = passer_by.visit(f"/hubs/{hub}/pledges/{pledge.slug}/report/")
        page.get_by_label("Broken light").check()
        page.get_by_role("button", name="Next").click()
        passer_by.check_accessibility()
        page.get_by_label("What is the problem?").fill("The light by the bus stop path is out.")
        page.get_by_label("Which block?").select_option(label="Block A")
        page.get_by_label("Address or place").fill("Path beside Block A")
        page.get_by_label("Your name").fill("Ada Lovelace")
        page.get_by_label("Your email address").fill("ada@example.net")
        page.get_by_role("button", name="Send the report").click()
        passer_by.check_accessibility()
        report = Report.objects.get()
        assert (report.reporter, report.contact_email) == (None, "ada@example.net")

        # Staff close it as fixed; the passer-by is emailed, with a link to answer.
        staff.sign_in("amir@example.org")
        page = staff.visit(f"/hubs/{hub}/reports/{report.pk}/")
        assert "By email: every change" in page.get_by_role("main").inner_text()
        page.get_by_label("What is happening now?").select_option(label="Fixed")
        page.get_by_label("Note for the person who reported it").fill("New lamp fitted.")
        page.get_by_role("button", name="Save the update").click()
        staff.check_accessibility()
        assert "is emailed, with a link to say whether it was fixed" in page.content()
        [email] = [m for m in mail.outbox if m.to == ["ada@example.net"]]
        assert "New lamp fitted." in email.body
        link = LINK.search(email.body).group(1)

        # On the phone, the link asks; she says it is not fixed, and it reopens.
        page = passer_by.visit(link)
        no_sideways_scroll(passer_by)
        assert page.get_by_role("heading", name="Was it fixed?", level=1).is_visible()
        shot(passer_by, "contact-1-was-it-fixed")
        page.get_by_label("No, it is not fixed").check()
        page.get_by_label("Anything to add?").fill("Still dark at 6 this evening.")
        page.get_by_role("button", name="Send my answer").click()
        passer_by.check_accessibility()
        no_sideways_scroll(passer_by)
        assert "Thank you: your answer is recorded. The report is open again." in page.content()
        text = page.get_by_role("main").inner_text()
        assert "Reopened: the person who reported it says it is not fixed." in text
        assert "Still dark at 6" not in text  # her note is for staff
        report.refresh_from_db()
        assert report.status == ReportStatus.NEW and report.reopened == 1
        # The link is spent: a clear page, not an error.
        page = passer_by.visit(link)
        assert "This link cannot be used" in page.content()
        shot(passer_by, "contact-2-link-spent")

        # Staff take a report on the phone for someone with no email, and close it.
        page = staff.visit(f"/hubs/{hub}/pledges/{pledge.slug}/report/")
        page.get_by_label("Emergency repair").check()
        page.get_by_role("button", name="Next").click()
        staff.check_accessibility()
        # A search for the member who rang, or "someone else": never a list of members.
        page.get_by_label("Someone else (give their name)").check()
        page.get_by_role("textbox", name="Their name").fill("Mrs Okafor")
        page.get_by_label("Their phone number").fill("01632 960 555")
        page.get_by_label("What is the problem?").fill("Water through the kitchen ceiling.")
        page.get_by_label("Address or place").fill("Flat 2, Block C")
        page.get_by_role("button", name="Send the report").click()
        staff.check_accessibility()
        phoned = Report.objects.get(contact_name="Mrs Okafor")
        page.get_by_label("What is happening now?").select_option(label="Fixed")
        page.get_by_label("Note for the person who reported it").fill("Made safe.")
        page.get_by_role("button", name="Save the update").click()
        staff.check_accessibility()
        text = page.get_by_role("main").inner_text()
        assert "ring them on 01632 960 555 and ask, then record" in page.content()
        assert "Ring Mrs Okafor on 01632 960 555 and ask whether it was fixed" in text
        shot(staff, "contact-3-ring-and-record")
        page.get_by_label("Yes, it is fixed").check()
        page.get_by_label("What they added, in their words").fill("Dry since Tuesday.")
        page.get_by_role("button", name="Record their answer").click()
        staff.check_accessibility()
        assert "Their answer is recorded." in page.content()
        assert "fixed (recorded by Dr Amir Staff) \N{EN DASH} Dry since Tuesday." in page.content()
        assert ReportFeedback.objects.get(report=phoned).entered_by == world.staff
    finally:
        phone_context.close()
        desk_context.close()


def test_without_javascript_the_link_page_answers(world, no_script_visitor):
    from coproduce.pledges import answer_links, services

    pledge = published_pledge(world.hub, staff=[world.staff], public_reports=True)
    report = services.report_create(
        category=pledge.categories.get(name="Emergency repair"),
        description="Water through the ceiling.",
        contact_name="Ada Lovelace",
        contact_email="ada@example.net",
        address="Flat 2",
    )
    report = services.report_update(
        actor=world.staff, report=report, status="fixed", note="Made safe."
    )
    page = no_script_visitor.visit(answer_links.make(report))
    page.get_by_label("Yes, it is fixed").check()
    page.get_by_role("button", name="Send my answer").click()
    # Without scripts the answer is a full page load: wait for its words rather than
    # reading the page while the browser is still between documents.
    expect(page.locator("body")).to_contain_text("Thank you: your answer is recorded.")
    assert ReportFeedback.objects.get().fixed is True
