"""Your Space's story in a real browser: a tenant proposes a coffee morning for the
community room (20 hours a week); the coordinator moves the round on to checking, staff
mark the idea feasible on its check page, and the vote opens; three tenants vote (one on
a 390 by 844 phone, one with JavaScript off, one at a desk); the coordinator closes the
vote and the result page explains itself: equal shares funds the coffee morning, which
counting by votes alone would not, and says how many more supporters the losing project
needed. axe-core checks every page opened with scripts on; nothing on the phone is wider
than the screen. Screenshots go to /tmp/browser/ for a person to look at.

Only the story's steps go through the pages; the other ideas, their checks and the other
ballots are made with the services.
"""

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from coproduce.hubs import services as hubs
from coproduce.involve.space import services
from coproduce.involve.space.models import Ballot, Feasibility, Idea, Phase, Round
from tests.browser.conftest import Visitor, _visitor
from tests.conftest import make_person
from tests.space.conftest import propose, room_round

SHOTS = Path(tempfile.gettempdir()) / "browser"
DESK = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

# Anything that pokes out past the right edge of the screen, outside a box that scrolls
# sideways on its own (a wide table in .table-wrap may scroll; the page may not).
WIDER_THAN_THE_SCREEN = """() => {
  const edge = document.documentElement.clientWidth;
  const scrolls = (el) => {
    for (let up = el.parentElement; up; up = up.parentElement) {
      const x = getComputedStyle(up).overflowX;
      if (up !== document.body && up !== document.documentElement
          && (x === 'auto' || x === 'scroll' || x === 'hidden')) return true;
    }
    return false;
  };
  return [...document.querySelectorAll('body *')]
    .filter((el) => {
      const box = el.getBoundingClientRect();
      return box.width > 0 && box.right > edge + 1 && !scrolls(el)
        && !el.closest('.visually-hidden');
    })
    .map((el) => `${el.tagName.toLowerCase()} ${el.textContent.trim().slice(0, 40)}`);
}"""


@pytest.fixture
def phone(browser, live_server):
    yield from _visitor(browser, live_server, **PHONE)


@pytest.fixture
def coordinator(browser, live_server):
    yield from _visitor(browser, live_server, **DESK)


@pytest.fixture
def staff(browser, live_server):
    yield from _visitor(browser, live_server, **DESK)


def shot(visitor: Visitor, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    visitor.page.screenshot(path=SHOTS / f"space-{name}.png", full_page=True)


def fits_the_phone(visitor: Visitor) -> None:
    page = visitor.page
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"
    assert page.evaluate(WIDER_THAN_THE_SCREEN) == [], page.url


def tenant(world, email: str, name: str):
    person = make_person(email, name)
    hubs.membership_add(actor=world.admin, hub=world.hub, person=person)
    return person


def sign_out(visitor: Visitor) -> None:
    visitor.page.get_by_role("button", name="Sign out").click()
    visitor.page.wait_for_load_state()


def move_on(visitor: Visitor, base: str, step: str, shot_as: str = "") -> None:
    """The coordinator moves the round on from its page, confirming what that does."""
    page = visitor.visit(base)
    page.get_by_role("link", name=f"Move on to “{step}”").click()
    expect(page.get_by_role("heading", name=f"Move on to “{step}”?")).to_be_visible()
    visitor.check_accessibility()
    if shot_as:
        shot(visitor, shot_as)
    page.get_by_role("button", name=f"Move on to “{step}”").click()


def vote(visitor: Visitor, base: str, titles: list[str]) -> None:
    page = visitor.visit(base)
    page.get_by_role("link", name="Vote", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("^Your vote"))).to_be_visible()
    visitor.check_accessibility()
    for title in titles:
        page.get_by_label(re.compile("^" + re.escape(title) + ":")).check()


def saved(visitor: Visitor) -> None:
    page = visitor.page
    visitor.page.get_by_role("button", name="Save my vote").click()
    expect(page.get_by_role("status")).to_contain_text("Your vote is saved.")
    expect(page.get_by_role("link", name="Change your vote")).to_be_visible()
    visitor.check_accessibility()


def ballot_of(round_: Round, person) -> set[str]:
    ballot = Ballot.objects.get(round=round_, voter=person)
    return set(ballot.ideas.values_list("title", flat=True))


def test_a_round_from_an_idea_to_a_result_that_explains_itself(
    world, visitor, phone, no_script_visitor, coordinator, staff
):
    rosa = tenant(world, "rosa@example.net", "Rosa Tenant")
    priya = tenant(world, "priya@example.net", "Priya Tenant")
    dev = tenant(world, "dev@example.net", "Dev Tenant")
    jo = tenant(world, "jo@example.net", "Jo Tenant")
    majority = [tenant(world, f"block{n}@example.net", f"Block Tenant {n}") for n in range(6)]
    round_ = room_round(world)
    football = propose(world, round_, "Youth football", 12)
    shed = propose(world, round_, "Men's shed", 8)
    base = f"/hubs/{world.hub.slug}/space/{round_.pk}/"

    # 1. Rosa proposes a coffee morning, at a desk.
    visitor.sign_in("rosa@example.net")
    page = visitor.visit(base)
    expect(page.get_by_text("Now: Taking ideas.")).to_be_visible()
    page.get_by_role("link", name="Propose an idea").click()
    expect(page.get_by_role("heading", name=re.compile("^Propose an idea"))).to_be_visible()
    visitor.check_accessibility()
    page.get_by_label("Title").fill("Coffee morning")
    page.get_by_label("What it is").fill("Tea, coffee and a chat for anyone on the estate.")
    page.get_by_label("What it needs: hours a week").fill("4")
    page.get_by_label("Who will run it").fill("Rosa and two neighbours")
    page.get_by_role("button", name="Propose it").click()
    expect(page.get_by_role("status")).to_contain_text("Your idea is proposed.")
    visitor.check_accessibility()
    mine = "Needs 4 h a week · run by Rosa and two neighbours · your idea"
    expect(page.get_by_text(mine)).to_be_visible()
    coffee = Idea.objects.get(round=round_, title="Coffee morning")
    assert (coffee.proposer, coffee.cost, coffee.feasibility) == (rosa, 240, Feasibility.PENDING)
    shot(visitor, "1-proposed")
    sign_out(visitor)

    # 2. The coordinator moves on to checking; staff mark the coffee morning feasible on
    # its check page (the other two are checked with the service); the vote opens.
    coordinator.sign_in("grace@example.org")
    move_on(coordinator, base, "Checking ideas")
    expect(coordinator.page.get_by_text("Now: Staff are checking the ideas.")).to_be_visible()
    coordinator.check_accessibility()
    for idea in (football, shed):
        services.idea_check(actor=world.staff, idea=idea, feasible=True)
    staff.sign_in("amir@example.org")
    page = staff.visit(base)
    page.get_by_role("link", name=re.compile(r"^Check it\W+Coffee morning$")).click()
    expect(page.get_by_role("heading", name="Check: Coffee morning")).to_be_visible()
    staff.check_accessibility()
    page.get_by_label("Yes: it is feasible").check()
    shot(staff, "1b-staff-check")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Coffee morning: saved, and Rosa Tenant is told."
    )
    staff.check_accessibility()
    coffee.refresh_from_db()
    assert coffee.feasibility == Feasibility.FEASIBLE
    move_on(coordinator, base, "Voting")
    expect(coordinator.page.get_by_text("Now: Voting.")).to_be_visible()
    coordinator.check_accessibility()
    round_.refresh_from_db()
    assert round_.phase == Phase.VOTE

    # Six tenants want football and the shed; Rosa her coffee morning.
    for person in majority:
        services.ballot_cast(actor=person, round_=round_, ideas=[football, shed])
    services.ballot_cast(actor=rosa, round_=round_, ideas=[coffee])

    # 3. Three tenants vote through the ballot page. Priya on a phone, 390 by 844:
    phone.sign_in("priya@example.net")
    fits_the_phone(phone)
    vote(phone, base, ["Coffee morning"])
    fits_the_phone(phone)
    shot(phone, "2-phone-ballot")
    saved(phone)
    fits_the_phone(phone)
    shot(phone, "3-phone-voted")
    assert ballot_of(round_, priya) == {"Coffee morning"}

    # Dev with JavaScript off:
    no_script = no_script_visitor
    no_script.sign_in("dev@example.net")
    vote(no_script, base, ["Coffee morning"])
    shot(no_script, "4-no-script-ballot")
    saved(no_script)
    shot(no_script, "5-no-script-voted")
    assert ballot_of(round_, dev) == {"Coffee morning"}

    # Jo at a desk (where Rosa was), for the coffee morning and the shed:
    visitor.sign_in("jo@example.net")
    vote(visitor, base, ["Coffee morning", "Men's shed"])
    saved(visitor)
    assert ballot_of(round_, jo) == {"Coffee morning", "Men's shed"}
    page = visitor.visit(base + "ballot/")
    expect(page.get_by_text("You have voted: your choices are ticked.")).to_be_visible()
    expect(page.get_by_label(re.compile("^Men's shed:"))).to_be_checked()
    expect(page.get_by_label(re.compile("^Youth football:"))).not_to_be_checked()
    assert Ballot.objects.filter(round=round_).count() == 10

    # 4. The coordinator closes the vote: the count runs, and the result opens.
    page = coordinator.visit(base)
    expect(page.get_by_text("10 ballots so far; 3 projects on the ballot.")).to_be_visible()
    move_on(coordinator, base, "The count", shot_as="5b-close-the-vote")
    expect(page.get_by_role("status")).to_contain_text("The vote is closed and counted.")
    expect(page.get_by_role("heading", name="Result: The community room, spring")).to_be_visible()
    coordinator.check_accessibility()
    round_.refresh_from_db()
    assert round_.phase == Phase.RESULT
    funded = set(Idea.objects.filter(round=round_, funded=True).values_list("title", flat=True))
    greedy = set(
        Idea.objects.filter(round=round_, funded_by_greedy=True).values_list("title", flat=True)
    )
    # Every voter's share is 2 hours. The six's 12 hours pay for the shed (with Jo) but
    # not football too; the four who want the coffee morning pay for it together. By
    # votes alone football (6 votes) and the shed (7) take all 20 hours.
    assert funded == {"Coffee morning", "Men's shed"}
    assert greedy == {"Youth football", "Men's shed"}

    # 5. The result, public, explains itself; Jo sees how her share was spent.
    football.refresh_from_db()
    assert football.needed >= 1
    more = "supporter" if football.needed == 1 else "supporters"
    page = visitor.visit(base + "result/")
    main = page.get_by_role("main")
    expect(main).to_contain_text("10 people voted.")
    expect(main).to_contain_text(
        f"Youth football had 6 votes; it needed {football.needed} more {more} to be funded."
    )
    expect(main).to_contain_text(
        "Equal shares funds Coffee morning, which counting by votes alone would not."
    )
    expect(main).to_contain_text(
        "Counting by votes alone would fund Youth football, but equal shares does not"
    )
    both = page.get_by_role("table", name="Each project under both counts")
    expect(both.get_by_role("row", name=re.compile("^Coffee morning"))).to_contain_text(
        re.compile(r"4\s*Funded\s*Not funded")
    )
    expect(both.get_by_role("row", name=re.compile("^Youth football"))).to_contain_text(
        re.compile(r"6\s*Not funded\s*Funded")
    )
    expect(both.get_by_role("row", name=re.compile("^Men's shed"))).to_contain_text(
        re.compile(r"7\s*Funded\s*Funded")
    )
    yours = page.get_by_role("region", name="How your share was spent")
    expect(yours).to_contain_text("Your share was 2 h a week.")
    expect(yours).to_contain_text("towards Coffee morning")
    expect(yours).to_contain_text("towards Men's shed")
    shot(visitor, "6-result-desk")

    # Priya reads it on her phone; Dev without scripts.
    page = phone.visit(base + "result/")
    expect(page.get_by_role("heading", name="How your share was spent")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("towards Coffee morning")
    fits_the_phone(phone)
    shot(phone, "7-result-phone")
    page = no_script.visit(base + "result/")
    expect(page.get_by_role("heading", name="How your share was spent")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(f"it needed {football.needed} more {more}")
    shot(no_script, "8-result-no-script")
