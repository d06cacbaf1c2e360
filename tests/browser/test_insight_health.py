"""The health check in a real browser: a tenant answers on a phone with scripts off; a
coordinator reads the results side by side. axe-core finds nothing on either."""

import os

import pytest

from coproduce.insight import healthcheck
from coproduce.insight.services import healthcheck as services
from tests.browser.conftest import _visitor
from tests.insight.health_fixtures import add_members, all_answers, open_check

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True}
SHOTS = os.environ.get("HEALTH_SCREENSHOTS", "")  # a folder, to look at the pages


@pytest.fixture
def phone_without_scripts(browser, live_server):
    yield from _visitor(browser, live_server, java_script_enabled=False, **PHONE)


@pytest.fixture
def phone(browser, live_server):
    yield from _visitor(browser, live_server, **PHONE)


def fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width} pixels wide"


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_a_tenant_answers_on_a_phone_without_scripts(world, phone_without_scripts):
    check = open_check(world)
    visitor = phone_without_scripts
    visitor.sign_in("sam@example.org")
    page = visitor.visit(f"/hubs/{world.hub.slug}/health-check/")
    fits_the_phone(page)
    page.get_by_role("link", name="Answer now").first.click()
    page.wait_for_load_state()
    # Forgetting one statement: the error names it, and nothing is lost.
    for number, question in enumerate(healthcheck.QUESTIONS[:-1], 1):
        group = page.get_by_role("group", name=f"{number}. {question.statement}")
        group.get_by_label("Agree", exact=True).check()
    page.get_by_role("button", name="Save the answers").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    visitor.check_accessibility()
    shot(page, "answer-error")
    last = healthcheck.QUESTIONS[-1]
    page.get_by_role("group", name=f"{len(healthcheck.QUESTIONS)}. {last.statement}").get_by_label(
        "Don't know"
    ).check()
    page.get_by_role("button", name="Save the answers").click()
    page.wait_for_load_state()
    assert page.get_by_text("Thank you: your answers are saved.").is_visible()
    fits_the_phone(page)
    saved = check.responses.get(person=world.member)
    assert saved.side == "users"
    assert saved.answers == all_answers(4) | {last.key: healthcheck.DONT_KNOW}


def test_a_coordinator_reads_the_results_side_by_side(world, phone):
    check = open_check(world)
    for person in add_members(world, 5):
        services.answer(
            actor=person, check=check, answers=all_answers(4) | {"say": 1, "listened": 2}
        )
    for person in add_members(world, 5, role="staff", prefix="Officer"):
        services.answer(actor=person, check=check, answers=all_answers(4))
    phone.sign_in("grace@example.org")
    page = phone.visit(f"/hubs/{world.hub.slug}/health-check/{check.pk}/")
    assert page.get_by_text("Staff think users have more voice than users do.").is_visible()
    table = page.get_by_role("table", name="Average answer, 1 (strongly disagree) to 5")
    row = table.get_by_role("row", name="Users' voice")
    assert row.get_by_role("cell").all_inner_texts() == ["4.00", "1.50", "2.50 (large)"]
    assert page.get_by_role("heading", name="Who has not answered yet").is_visible()
    phone.check_accessibility()
    shot(page, "results")
    page = phone.visit(f"/hubs/{world.hub.slug}/health-check/")
    phone.check_accessibility()
    page = phone.visit("/me/equality/")
    phone.check_accessibility()
    fits_the_phone(page)
    shot(page, "equality")
