"""Back, then send again, in a real browser without JavaScript (and without a back-forward
cache: the form is fetched again, with a new key, and the browser fills it in as it was):
one referral and one new person, and the page says it was already saved."""

from coproduce.hubs.models import Person
from coproduce.referrals.models import Referral
from coproduce.timebank import services as timebank

FIELDS = {
    "Name of someone new": "Molly Jenkins",
    "Their phone number": "01632 960 555",
    "What does the person need?": "Housebound after a fall, low mood.",
}


def _fill(page):
    """What the person typed; after going back, only what the browser did not fill in."""
    page.get_by_label("Someone new, who is not online").check()
    for label, value in FIELDS.items():
        box = page.get_by_label(label)
        if box.input_value() != value:
            box.fill(value)
    page.get_by_label("In person").check()
    page.get_by_label("Kind of help").select_option(label="Phone calls")
    page.get_by_label("Soon: within a week").check()
    page.get_by_label("The person agreed to be referred").check()


def test_a_referral_sent_again_after_going_back_is_saved_once(world, bank, no_script_visitor):
    timebank.category_create(actor=world.coordinator, hub=world.hub, name="Phone calls")
    visitor = no_script_visitor
    visitor.sign_in("amir@example.org")
    page = visitor.visit(f"/hubs/{world.hub.slug}/referrals/new/")
    _fill(page)
    page.get_by_role("button", name="Send the referral").click()
    assert "the referral is with the coordinators" in page.content()
    first = page.url

    page.go_back()
    page.wait_for_load_state()
    assert page.url.endswith("/referrals/new/")
    _fill(page)
    page.get_by_role("button", name="Send the referral").click()
    assert page.url == first
    assert "already saved" in page.content()
    assert Referral.objects.filter(person__display_name="Molly Jenkins").count() == 1
    assert Person.objects.filter(display_name="Molly Jenkins").count() == 1
