"""A category asking a number and a date and time, in a real browser on a phone (390 by
844): a tenant answers "banana" to "How many lights are out?", sees the error next to that
question (and at the top), puts it right and sends the report. axe-core checks each page;
nothing scrolls sideways."""

import re

from django.urls import reverse

from coproduce.pledges.models import Report
from tests.browser.test_reports import PHONE, no_sideways_scroll, person_at, shot
from tests.pledges.reports_setup import BLOCK_QUESTION, published_pledge

QUESTIONS = [
    BLOCK_QUESTION,
    {
        "code": "bulbs",
        "datatype": "number",
        "required": True,
        "description": "How many lights are out?",
        "order": 2,
    },
    {
        "code": "noticed",
        "datatype": "datetime",
        "required": False,
        "description": "When did you notice?",
        "order": 3,
    },
]


def test_a_wrong_answer_to_a_number_question_is_shown_next_to_it(world, browser, live_server):
    pledge = published_pledge(world.hub, staff=[world.staff])
    lights = pledge.categories.get(name="Broken light")
    lights.attributes = QUESTIONS
    lights.save(update_fields=["attributes"])
    context, tenant = person_at(browser, live_server, **PHONE)
    try:
        tenant.sign_in("sam@example.org")
        new = reverse("report-new", args=[world.hub.slug, pledge.slug])
        page = tenant.visit(f"{new}?category={lights.code}")
        no_sideways_scroll(tenant)
        page.get_by_label("What is the problem?").fill("Two lights out on the landing.")
        page.get_by_label("Which block?").select_option(label="Block C")
        page.get_by_label("How many lights are out?").fill("banana")
        page.get_by_label("When did you notice?").fill("2026-12-01T19:30")
        page.get_by_label("Address or place").fill("Block C, landing")
        page.get_by_role("button", name="Send the report").click()
        tenant.check_accessibility()
        no_sideways_scroll(tenant)
        shot(tenant, "answers-1-number-refused")
        bulbs = page.get_by_label("How many lights are out?")
        assert bulbs.get_attribute("aria-invalid") == "true"
        error = page.locator("[id='id_attribute[bulbs]_error']")
        assert re.search(r"Give a number for “How many lights are out\?”", error.inner_text())
        assert Report.objects.count() == 0
        # Put right and sent again: the other answers were kept.
        assert page.get_by_label("What is the problem?").input_value().startswith("Two lights")
        bulbs.fill("2")
        page.get_by_role("button", name="Send the report").click()
        tenant.check_accessibility()
        no_sideways_scroll(tenant)
        report = Report.objects.get()
        assert report.attributes == {"block": "c", "bulbs": "2", "noticed": "2026-12-01T19:30"}
    finally:
        context.close()
