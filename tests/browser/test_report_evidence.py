"""The conversation report in a real browser, on a phone: each share with the people it
rests on, "too few votes", the predicted share of everyone, and finer groups opened on
request, with and without scripts; checked by axe-core and fitting 390 pixels."""

import os

from coproduce.deliberation import services
from tests.browser.conftest import fits_the_phone
from tests.deliberation.test_report_evidence import SEEDS, store

SHOTS = os.environ.get("SCREENSHOTS")  # a folder to keep screenshots in, when set


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def conversation_with_result(world):
    conversation = services.conversation_create(
        actor=world.coordinator, hub=world.hub, question="What would make the estate better?",
        seeds=SEEDS,
    )  # fmt: skip
    # Two of the five people who voted are in no group (too few votes).
    placed = {"1": 0, "2": 0, "3": 1, "4": None, "5": None}
    store(conversation, participants=placed, map={p: [i, i % 3] for i, p in enumerate(placed)})
    return conversation


def test_the_report_on_a_phone_as_a_coordinator(world, phone):
    conversation = conversation_with_result(world)
    phone.sign_in("grace@example.org")
    page = phone.visit(f"/hubs/{world.hub.slug}/conversations/{conversation.pk}/report/")
    fits_the_phone(page)
    assert page.get_by_text("Group A: 92% agree (44 of 48)").first.is_visible()
    assert page.get_by_text(
        "About 72% of all participants would agree (between 64% and 80%)."
    ).is_visible()
    assert page.get_by_text("Group B: too few votes (3)").first.is_visible()
    finer = page.get_by_text("Finer groups inside group A")
    assert finer.is_visible()
    assert not page.get_by_text("Finer group A1: 27 people").is_visible()  # until asked
    shot(page, "report-coordinator-closed.png")
    finer.click()
    assert page.get_by_text("Finer group A1: 27 people").is_visible()
    assert page.get_by_text("Finer group A2: a few people").is_visible()
    assert page.get_by_text("Agree more than the rest of group A:").is_visible()
    assert page.get_by_text(
        "2 of 5 people voted on fewer than 7 statements, so they are in no group"
    ).is_visible()
    assert page.get_by_text("We are 90% sure that at least").first.is_visible()
    phone.check_accessibility()  # opened, too
    fits_the_phone(page)
    shot(page, "report-coordinator-open.png")


def test_the_report_without_scripts_as_a_resident(world, phone_without_scripts):
    conversation = conversation_with_result(world)
    visitor = phone_without_scripts
    visitor.sign_in("sam@example.org")
    page = visitor.visit(f"/hubs/{world.hub.slug}/conversations/{conversation.pk}/report/")
    fits_the_phone(page)
    page.get_by_text("Finer groups inside group A").click()  # <details>: no script needed
    assert page.get_by_text("Finer group A1: 27 people").is_visible()
    assert page.get_by_text("Group A1: 90% agree (18 of 20)").is_visible()
    table = page.get_by_role("region", name="Table of votes on every statement")
    assert table.get_by_text("too few (4)").first.is_visible()
    shot(page, "report-resident-no-scripts.png")
