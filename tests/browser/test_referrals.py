"""The whole story in a real browser: a GP refers Molly, who is not online; the
coordinator matches a volunteer; weekly calls are logged and confirmed; an unfilled slot
escalates to staff; and later Molly joins the rota as a caller herself."""

import datetime
import os
import re

from django.utils import timezone

from coproduce.hubs import services as hubs
from coproduce.hubs.models import CheckType, Person
from coproduce.referrals import escalations, services
from coproduce.referrals.models import (
    Assignment,
    AssignmentStatus,
    Escalation,
    EscalationStatus,
    ProjectKind,
    Referral,
    ReferralStatus,
    Slot,
)
from coproduce.timebank import services as timebank
from coproduce.timebank.models import Account
from tests.conftest import make_person


def _setting(world):
    timebank.category_create(actor=world.coordinator, hub=world.hub, name="Phone calls")
    vera = make_person("vera@example.org", "Vera Volunteer")
    hubs.membership_add(actor=world.admin, hub=world.hub, person=vera)
    hubs.profile_update(
        actor=vera,
        person=vera,
        changes={"assets": ["friendly phone calls"], "availability": ["tue-am"]},
    )
    today = timezone.localdate()
    hubs.safeguarding_check_add(
        actor=world.coordinator,
        hub=world.hub,
        person=vera,
        check_type=CheckType.DBS_ENHANCED,
        reference="DBS1",
        issued_on=today - datetime.timedelta(days=10),
        expires_on=today + datetime.timedelta(days=1000),
    )
    policy = services.policy_for(world.hub)
    policy.failsafe = world.staff
    policy.save()
    project = services.project_create(
        actor=world.coordinator,
        hub=world.hub,
        name="Friend on the phone",
        kind=ProjectKind.PHONE_FRIEND,
        lead=world.coordinator,
        roles=["caller"],
        organisation=world.hub.host,
        training="Listening well",
    )
    services.training_record(actor=world.coordinator, project=project, person=vera)
    return vera, project


def test_molly_is_referred_helped_and_becomes_a_caller(world, bank, visitor, browser, live_server):
    from tests.browser.conftest import Visitor

    vera, project = _setting(world)
    hub = world.hub.slug

    # The GP refers Molly, with her consent, from the practice.
    visitor.sign_in("amir@example.org")
    page = visitor.visit(f"/hubs/{hub}/")
    page.get_by_role("link", name="Referrals").click()
    page.get_by_role("link", name="Refer someone").click()
    visitor.check_accessibility()
    page.get_by_label("Someone new, who is not online").check()
    page.get_by_label("Name of someone new").fill("Molly Jenkins")
    page.get_by_label("Their phone number").fill("01632 960 555")
    page.get_by_label("In person").check()
    page.get_by_label("Kind of help").select_option(label="Phone calls")
    page.get_by_label("What does the person need?").fill(
        "Widowed in March, housebound after a fall, low mood."
    )
    page.get_by_label("Soon: within a week").check()
    page.get_by_label("Tuesday mornings").check()
    page.get_by_label("First part of their postcode").fill("MB2")
    page.get_by_label(re.compile("needs a safeguarding check")).check()
    page.get_by_role("button", name="Send the referral").click()
    assert "only be referred with their consent" in page.content()  # forgot the box
    visitor.check_accessibility()
    page.get_by_label("The person agreed to be referred").check()
    page.get_by_role("button", name="Send the referral").click()
    assert "the referral is with the coordinators" in page.content()
    visitor.check_accessibility()
    referral = Referral.objects.get()
    molly = referral.person
    assert molly.is_assisted_digital

    # The coordinator triages, records what Molly can give, and asks Vera.
    grace = Visitor(browser.new_context().new_page(), live_server.url)
    grace.sign_in("grace@example.org")
    grace.visit(f"/hubs/{hub}/referrals/{referral.pk}/")
    grace.page.get_by_role("link", name="Triage").click()
    grace.check_accessibility()
    grace.page.get_by_label("What the volunteer is told").fill(
        "Molly would love a weekly chat. She is hard of hearing: speak up."
    )
    grace.page.get_by_label("What the person can give").fill("knitting, listening")
    grace.page.get_by_role("button", name="Save").click()
    grace.check_accessibility()
    assert "Gives help with Phone calls" in grace.page.content()
    grace.page.get_by_role("button", name="Ask Vera Volunteer").click()
    assert "Vera Volunteer has been asked" in grace.page.content()

    # Vera says yes on her phone-sized screen and gets Molly's number.
    vera_visitor = Visitor(
        browser.new_context(viewport={"width": 360, "height": 740}).new_page(), live_server.url
    )
    vera_visitor.sign_in("vera@example.org")
    vera_visitor.visit(f"/hubs/{hub}/offers/")
    vera_visitor.page.get_by_role("link", name="Phone calls for Molly").click()
    vera_visitor.check_accessibility()
    assert "Widowed" not in vera_visitor.page.content()
    vera_visitor.page.get_by_role("button", name="Yes, I can help").click()
    vera_visitor.check_accessibility()
    assert "01632 960 555" in vera_visitor.page.content()
    assert Referral.objects.get().status == ReferralStatus.MATCHED

    # The coordinator sets up weekly calls for Molly and puts Vera on the first.
    grace.visit(f"/hubs/{hub}/projects/{project.pk}/")
    grace.page.get_by_role("link", name="Add slots").click()
    grace.check_accessibility()
    grace.page.get_by_label("Every week").check()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    grace.page.get_by_label("First date").fill(tomorrow.isoformat())
    grace.page.get_by_label("Start time").fill("10:00")
    grace.page.get_by_label("Length in minutes").fill("30")
    grace.page.get_by_label("For how many weeks").fill("3")
    grace.pick("For a referral (optional)", "Molly Jenkins", search="Molly")
    grace.page.get_by_role("button", name="Add the slots").click()
    assert "Added 3 slots" in grace.page.content()
    grace.check_accessibility()
    slots = list(Slot.objects.order_by("starts_at"))
    assert all(s.receiver == molly and s.referral == referral for s in slots)
    grace.pick(None, "Vera Volunteer", within=grace.page.locator("form.picker-form").first)
    grace.page.get_by_role("button", name=re.compile("^Add")).first.click()
    assert "Vera Volunteer is on the rota" in grace.page.content()

    # The first call happens (we move it into the past); Vera logs it, Grace confirms it.
    first = slots[0]
    Slot.objects.filter(pk=first.pk).update(
        starts_at=first.starts_at - datetime.timedelta(days=2),
        ends_at=first.ends_at - datetime.timedelta(days=2),
    )
    vera_visitor.visit(f"/hubs/{hub}/projects/{project.pk}/")
    vera_visitor.page.get_by_role("button", name="It happened: log my time").click()
    assert "Time logged" in vera_visitor.page.content()
    vera_visitor.check_accessibility()
    grace.visit(f"/hubs/{hub}/projects/{project.pk}/")
    grace.page.get_by_role("button", name=re.compile("^Confirm Vera")).click()
    assert "the hours are in the time bank" in grace.page.content()
    assert Account.objects.get(membership__person=vera).balance_minutes == 30
    assert Assignment.objects.get().status == AssignmentStatus.CONFIRMED
    assert Referral.objects.get().status == ReferralStatus.ACTIVE

    # Nobody takes the second call; 48 hours before, the sweep hands it to staff.
    second = slots[1]
    Slot.objects.filter(pk=second.pk).update(
        starts_at=timezone.now() + datetime.timedelta(hours=30),
        ends_at=timezone.now() + datetime.timedelta(hours=30, minutes=30),
    )
    project.lead = vera  # a volunteer leads, so the failsafe (the GP) gets it
    project.save()
    [escalation] = escalations.sweep(hub=world.hub)
    assert escalation.assigned_to == world.staff
    page = visitor.visit(f"/hubs/{hub}/")
    assert "1 for you" in page.content()
    page.get_by_role("link", name="Escalations").click()
    visitor.check_accessibility()
    page.get_by_role("link", name="Rota slot not filled").click()
    visitor.check_accessibility()
    page.get_by_label("What was done").fill("The practice nurse will ring Molly on Thursday.")
    page.get_by_role("button", name="Resolve").click()
    visitor.check_accessibility()
    assert Escalation.objects.get().status == EscalationStatus.RESOLVED

    # Months later Molly is trained by Vera, and joins the rota as a caller herself.
    project.lead = world.coordinator
    project.save()
    vera_visitor.visit(f"/hubs/{hub}/projects/{project.pk}/")
    vera_visitor.page.get_by_role("link", name="Record training you gave someone").click()
    vera_visitor.pick("Who was trained", "Molly Jenkins (not online)")
    vera_visitor.page.get_by_role("button", name="Record the training").click()
    assert "Training recorded" in vera_visitor.page.content()
    [molly_calls] = services.slots_add(
        actor=world.coordinator,
        project=project,
        periods=[
            services.schedule.Period(
                timezone.now() + datetime.timedelta(days=9),
                timezone.now() + datetime.timedelta(days=9, minutes=30),
            )
        ],
        role="caller",
        receiver=world.assisted,
    )
    grace.visit(f"/hubs/{hub}/projects/{project.pk}/?from={timezone.localdate().isoformat()}")
    choose = grace.page.locator(f"#assign-{molly_calls.pk}")
    grace.pick(None, "Molly Jenkins (not online)", within=choose)
    choose.get_by_role("button", name=re.compile("^Add")).click()
    assert "Molly Jenkins is on the rota" in grace.page.content()
    grace.check_accessibility()
    assert Assignment.objects.filter(person=molly, slot__receiver=world.assisted).exists()
    assert Person.objects.get(pk=molly.pk).assets == ["knitting", "listening"]


def test_without_javascript_a_volunteer_says_yes_and_takes_a_turn(world, bank, no_script_visitor):
    vera, project = _setting(world)
    referral = services.referral_create(
        actor=world.staff,
        hub=world.hub,
        person=world.assisted,
        consent=services.Consent(
            given=True,
            given_by="Ron",
            method="phone",
            given_on=timezone.localdate(),
            purpose="To be referred",
        ),
        description="Recently bereaved.",
    )
    referral = services.referral_triage(
        actor=world.coordinator,
        referral=referral,
        shared_note="Ron would like a chat on Tuesdays.",
        assets=["gardening"],
        needs_check=False,
    )
    services.offer_send(actor=world.coordinator, referral=referral, volunteer=vera)
    [slot] = services.slots_add(
        actor=world.coordinator,
        project=project,
        periods=[
            services.schedule.Period(
                timezone.now() + datetime.timedelta(days=4),
                timezone.now() + datetime.timedelta(days=4, minutes=30),
            )
        ],
        role="caller",
    )
    visitor = no_script_visitor
    visitor.sign_in("vera@example.org")
    page = visitor.visit(f"/hubs/{world.hub.slug}/")
    assert "1 waiting for your answer" in page.content()
    page.get_by_role("link", name="Help you have been asked to give").click()
    page.get_by_role("link", name=re.compile("for Ron")).click()
    page.get_by_role("button", name="Yes, I can help").click()
    assert "01632 960 101" in page.content()
    visitor.check_accessibility()
    page = visitor.visit(f"/hubs/{world.hub.slug}/projects/{project.pk}/")
    page.get_by_role("button", name=re.compile("^Take this turn")).click()
    assert "You are on the rota" in page.content()
    page.get_by_role("button", name=re.compile("^Give up this turn")).click()
    assert "given up the slot" in page.content()
    visitor.check_accessibility()
    assert Assignment.objects.get(slot=slot).status == AssignmentStatus.GIVEN_UP


def _shot(visitor, name: str) -> None:
    """A full-page screenshot, when SCREENSHOTS names a folder to keep them in."""
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        visitor.page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def _phone(browser, live_server):
    from tests.browser.conftest import Visitor

    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    return Visitor(context.new_page(), live_server.url)


def test_weekly_calls_set_up_in_one_step_on_a_phone(world, bank, browser, live_server):
    """Vera said yes to Molly; on her phone, Grace sets up weekly calls for six weeks in
    one form; Vera sees her turns, and the GP sees that regular help is set up (not who)."""
    vera, project = _setting(world)
    hub = world.hub.slug
    referral = services.referral_create(
        actor=world.staff,
        hub=world.hub,
        new_person={"display_name": "Molly Jenkins", "phone": "01632 960 555"},
        consent=services.Consent(
            given=True,
            given_by="The person themselves",
            method="in_person",
            given_on=timezone.localdate(),
            purpose="To be rung by a volunteer",
        ),
        description="Widowed in March, housebound after a fall.",
        postcode_district="MB2",
    )
    services.referral_triage(
        actor=world.coordinator,
        referral=referral,
        shared_note="Molly would love a weekly chat.",
        assets=[],
        needs_check=False,
        project=project,
    )
    offer = services.offer_send(actor=world.coordinator, referral=referral, volunteer=vera)
    services.offer_accept(actor=vera, offer=offer)

    grace = _phone(browser, live_server)
    grace.sign_in("grace@example.org")
    grace.visit(f"/hubs/{hub}/referrals/{referral.pk}/")
    grace.page.get_by_role("link", name="Set up regular help").click()
    grace.check_accessibility()
    _shot(grace, "1-plan-form")
    grace.page.get_by_label("Phone call").check()
    start = timezone.localdate() + datetime.timedelta(days=2)
    grace.page.get_by_label("First date").fill(start.isoformat())
    grace.page.get_by_label("Time").fill("10:00")
    grace.page.get_by_label("Every how many days").fill("7")
    grace.page.get_by_label("For how many weeks").fill("6")
    grace.page.get_by_label("On which rota").select_option(label="Friend on the phone")
    grace.page.get_by_role("button", name="Set up the regular help").click()
    grace.check_accessibility()
    assert "Regular help is set up: 6 turns, with Vera Volunteer on each" in grace.page.content()
    _shot(grace, "2-referral-with-plan")
    slots = list(Slot.objects.filter(referral=referral))
    assert len(slots) == 6 and all(s.project == project for s in slots)
    assert Assignment.objects.filter(person=vera, slot__in=slots).count() == 6

    vera_visitor = _phone(browser, live_server)
    vera_visitor.sign_in("vera@example.org")
    vera_visitor.visit(f"/hubs/{hub}/referrals/{referral.pk}/")
    assert "You are on each turn" in vera_visitor.page.content()
    _shot(vera_visitor, "3-volunteer-referral")
    vera_visitor.visit(f"/hubs/{hub}/projects/")
    assert vera_visitor.page.get_by_text("Friend on the phone: caller").count() == 6
    _shot(vera_visitor, "4-volunteer-turns")

    gp = _phone(browser, live_server)
    gp.sign_in("amir@example.org")
    gp.visit(f"/hubs/{hub}/referrals/{referral.pk}/")
    content = gp.page.content()
    assert "Phone calls every week" in content and "Vera" not in content
    _shot(gp, "5-referrer")
