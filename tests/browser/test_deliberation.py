"""The Northfield conversation in a real browser: a tenant and a housing officer vote,
one with JavaScript and one on an old phone without it, and the report shows what
staff and tenants agree on."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coproduce.deliberation.models import Vote
from coproduce.demo import deliberation as story
from coproduce.demo.clock import story_time
from coproduce.hubs import services as hub_services
from coproduce.hubs.models import Person, Role
from tests.conftest import make_person


@pytest.fixture
def northfield(world):
    hub = world.other_hub
    hub_services.hub_update(
        actor=Person.objects.get(email="marcus@example.org"),
        hub=hub,
        changes={"code_of_conduct": "Talk about the problem, not the person."},
    )
    with story_time(timezone.localdate()) as clock:
        conversation = story.load(hub, world.other_coordinator, clock=clock)
    officer = make_person("priya@example.org", "Priya Officer")
    hub_services.membership_add(
        actor=world.other_coordinator, hub=hub, person=officer, role=Role.STAFF
    )
    # A tenant new to the conversation, and the officer, have not voted yet.
    tenant = make_person("kim@example.org", "Kim Tenant")
    hub_services.membership_add(actor=world.other_coordinator, hub=hub, person=tenant)
    return hub, conversation


def test_a_tenant_and_an_officer_vote_and_the_report_shows_their_common_ground(
    world, northfield, visitor, browser, live_server
):
    hub, conversation = northfield
    visitor.sign_in("kim@example.org")
    page = visitor.visit(f"/hubs/{hub.slug}/conversations/")
    page.get_by_role("link", name=story.QUESTION, exact=True).click()
    visitor.check_accessibility()
    expect(page.get_by_text("Talk about the problem, not the person.")).to_be_visible()

    card = page.locator("#vote")
    before = Vote.objects.count()
    for _ in range(3):
        shown = card.locator("blockquote").inner_text()
        card.get_by_role("button", name="Agree", exact=True).click()
        expect(card.locator("blockquote")).not_to_have_text(shown)
    expect(card.get_by_text(re.compile(r"You have voted on \d+ statements"))).to_be_visible()
    assert Vote.objects.count() == before + 3
    assert page.url.endswith(f"/conversations/{conversation.pk}/")  # no reload: htmx
    visitor.check_accessibility()

    page.get_by_label("Add your own statement").fill("Repairs staff should carry ID badges.")
    page.get_by_role("button", name="Add my statement").click()
    expect(page.get_by_text("Your statement is in")).to_be_visible()
    visitor.check_accessibility()

    page = visitor.visit(f"/hubs/{hub.slug}/conversations/{conversation.pk}/report/")
    expect(page.get_by_role("heading", name="Where staff and service users agree")).to_be_visible()
    agreed = page.locator(
        "section", has=page.get_by_role("heading", name="Staff and service users")
    )
    expect(
        agreed.get_by_text(
            re.compile("Emergency repairs|repair should get a date|Damp and mould")
        ).first
    ).to_be_visible()
    expect(page.get_by_role("img", name="Opinion map")).to_be_visible()
    expect(page.get_by_role("table", name="The opinion groups")).to_be_visible()


def test_an_officer_on_an_old_phone_without_javascript_votes_and_prints_the_report(
    world, northfield, browser, live_server
):
    from tests.browser.conftest import Visitor

    hub, conversation = northfield
    context = browser.new_context(
        viewport={"width": 320, "height": 640}, is_mobile=True, java_script_enabled=False
    )
    officer = Visitor(context.new_page(), live_server.url, javascript=False)
    officer.sign_in("priya@example.org")
    page = officer.visit(f"/hubs/{hub.slug}/conversations/{conversation.pk}/")
    shown = page.locator("#vote blockquote").inner_text()
    page.get_by_role("button", name="Disagree").click()
    assert page.url.endswith("#vote")
    assert page.locator("#vote blockquote").inner_text() != shown
    vote = Vote.objects.filter(participant__person__email="priya@example.org").get()
    assert (vote.statement.text, vote.value) == (shown, -1)

    page.get_by_role("link", name="See all statements as a list").click()
    group = page.get_by_role("group").first
    group.get_by_label("Agree", exact=True).check()
    page.get_by_role("button", name="Save my votes").click()
    assert page.get_by_text(re.compile("Saved 1 vote[.]|Nothing changed")).count() == 1

    page = officer.visit(f"/hubs/{hub.slug}/conversations/{conversation.pk}/report/print/")
    assert page.get_by_role("heading", name="Common ground across all groups").count() == 1
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('main *')]"
        ".filter(e => e.getBoundingClientRect().right > 322)"
        ".map(e => e.tagName + '.' + e.className).slice(0, 6).join(' ')"
    )
    assert width <= 330, f"the print view is {width}px wide on a 320px screen: {wide}"
    context.close()


def test_the_vote_buttons_are_on_the_first_screen_of_a_phone(
    world, northfield, browser, live_server
):
    from tests.browser.conftest import Visitor

    hub, conversation = northfield
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    tenant = Visitor(context.new_page(), live_server.url)
    tenant.sign_in("jean@example.org")
    page = tenant.visit(f"/hubs/{hub.slug}/conversations/{conversation.pk}/")
    for name in ("Agree", "Disagree", "Pass / unsure"):
        box = page.get_by_role("button", name=name, exact=True).bounding_box()
        assert box["y"] + box["height"] <= 844, f"{name} is below the first screen"
    # Agree and disagree differ by more than colour: a symbol and a different border.
    agree, disagree = (
        page.locator(f"#vote button.{kind}").evaluate(
            "e => [e.innerText, getComputedStyle(e).borderStyle]"
        )
        for kind in ("agree", "disagree")
    )
    assert agree[0].startswith("✓") and disagree[0].startswith("✗")
    assert agree[1] != disagree[1]
    context.close()
