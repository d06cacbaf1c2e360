"""The demo story loads, tells the story the guide describes, and loads only once."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from coproduce.demo import data
from coproduce.hubs.models import AuditEvent, Hub, Membership, Person, Role

# The demo is loaded once for the module (tests/demo/conftest.py); each test reads it in a
# savepoint that is rolled back.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def test_the_demo_loads_its_hubs_with_about_a_hundred_people_across_roles(demo):
    counts = demo
    # Millbrook and Northfield, and the national network whose template Millbrook adopted.
    assert counts["hubs"] == 3
    assert 80 <= counts["people"] <= 110
    millbrook = Hub.objects.get(slug="millbrook")
    assert millbrook.name == "Millbrook Health Centre Time Bank"
    assert millbrook.host.kind == "gp_practice"
    roles = set(Membership.objects.filter(hub=millbrook).values_list("role", flat=True))
    assert roles == set(Role.values)
    assert Person.objects.filter(created_by__isnull=False, email__isnull=True).count() >= 3
    assert (
        Person.objects.filter(memberships__hub__slug="northfield")
        .filter(memberships__hub__slug="millbrook")
        .exists()
    )


def test_loading_the_demo_twice_changes_nothing(demo):
    first = demo  # what the module's load, on an empty database, returned
    events = AuditEvent.objects.count()
    assert data.load() == first
    assert AuditEvent.objects.count() == events


def test_every_persona_printed_can_sign_in_with_the_demo_password(capsys):
    # The command loads again (which changes nothing, as the test above shows) and prints.
    call_command("demo")
    printed = capsys.readouterr().out
    for email, _name, _roles, _story in data.PERSONAS:
        assert email in printed
        assert authenticate(username=email, password=data.DEMO_PASSWORD) is not None
    assert data.DEMO_PASSWORD in printed
    # Who to sign in as comes first, before anything the loading prints; and it is short.
    assert printed.index(data.PERSONAS[0][0]) < printed.index("Demo data ready")
    assert len(printed.splitlines()) <= 20


def test_every_demo_account_with_an_email_signs_in_with_the_demo_password():
    people = Person.objects.filter(email__isnull=False, is_active=True)
    assert people.count() >= 80
    cannot = [
        person.email
        for person in people
        if authenticate(username=person.email, password=data.DEMO_PASSWORD) is None
    ]
    assert cannot == []


def test_the_demo_time_bank_has_a_year_of_sound_exchanges():
    from coproduce.timebank import ledger
    from coproduce.timebank.models import Account, Transfer

    millbrook = Hub.objects.get(slug="millbrook")
    kinds = set(Transfer.objects.filter(hub=millbrook).values_list("kind", flat=True))
    assert {"exchange", "opening", "donation", "grant"} <= kinds
    assert Account.objects.get(organisation=millbrook.host).balance_minutes < 0
    # Every member's account opened with the hub's opening hour, set before they joined
    # (all but the first admin's, opened with the hub itself, before it had rules).
    members = Account.objects.filter(hub=millbrook, kind="member").exclude(
        membership__person__email="helen@millbrook.example"
    )
    opened = Transfer.objects.filter(hub=millbrook, kind="opening")
    assert members.count() == opened.count() >= 40
    assert set(opened.values_list("entries__amount_minutes", flat=True)) == {60}
    dates = Transfer.objects.filter(kind="exchange").dates("created_at", "month")
    assert len(dates) >= 10
    assert ledger.verify().ok


def test_the_northfield_conversation_has_common_ground_across_roles_and_real_divides():
    from coproduce.deliberation import selectors, services
    from coproduce.deliberation.models import Conversation, StatementStatus
    from coproduce.demo import deliberation as deliberation_story

    conversation = Conversation.objects.get(hub__slug="northfield")
    assert 38 <= conversation.statements.count() <= 45
    services.analysis_refresh(conversation)
    report = selectors.report(conversation)
    assert 1000 <= report["vote_count"] <= 2500
    assert len(report["groups"]) >= 2
    both_sides = [row.statement.text for row in report["role_consensus"]]
    assert any("repair" in text for text in both_sides)
    assert any("bin" in text.lower() or "Fly-tipping" in text for text in both_sides)
    staff_versus_tenants = {text for text, *_ in deliberation_story.STATEMENTS[21:27]}
    assert staff_versus_tenants & {row.statement.text for row in report["role_divides"]}
    assert report["divides"]
    assert services.moderation_queue(conversation.hub).get().status == StatementStatus.HIDDEN


def test_the_demo_tells_the_referral_story_with_history_and_an_open_escalation():
    from coproduce.referrals.models import (
        Assignment,
        Escalation,
        Project,
        Referral,
        ReferralStatus,
    )
    from coproduce.timebank import ledger

    millbrook = Hub.objects.get(slug="millbrook")
    kinds = set(Project.objects.filter(hub=millbrook).values_list("kind", flat=True))
    assert kinds == {"phone_friend", "buddy_bench", "reablement"}
    molly = Referral.objects.get(person__display_name="Molly Jenkins")
    assert molly.status == ReferralStatus.ACTIVE and molly.person.is_assisted_digital
    confirmed = Assignment.objects.filter(slot__referral=molly, status="confirmed")
    assert confirmed.count() == 12  # twelve weeks of calls, each in the ledger
    assert Assignment.objects.filter(person=molly.person, slot__project__kind="phone_friend")
    assert Escalation.objects.filter(
        hub=millbrook,
        status="open",
        kind="unmatched_referral",
        assigned_to__email__startswith="amir",
    ).exists()
    assert ledger.verify(millbrook).ok


def test_the_failsafe_catches_arthur_and_no_request_left_unanswered_for_a_year():
    from coproduce.referrals.models import Escalation

    kinds = set(Escalation.objects.values_list("kind", flat=True))
    assert "unmatched_referral" in kinds
    assert "unmatched_request" not in kinds  # members' requests are from the last week


def test_northfield_has_a_time_bank_with_some_life_told_through_the_services():
    from coproduce.audit import AuditKind
    from coproduce.timebank.models import Exchange, Listing, Transfer

    northfield = Hub.objects.get(slug="northfield")
    listings = Listing.objects.filter(hub=northfield)
    assert listings.filter(kind="offer").count() >= 4
    assert listings.filter(kind="request").count() >= 3
    assert listings.values("account").distinct().count() >= 6
    exchanges = Exchange.objects.filter(hub=northfield, is_group=False)
    assert exchanges.filter(status="confirmed").count() >= 5
    # Jean is asked to confirm the time Ben logged; Maureen's shop is agreed, to come.
    waiting = exchanges.get(status="done")
    assert [p.account.membership.person.email for p in waiting.receivers()] == [
        "jean@northfield.example"
    ]
    assert exchanges.get(status="agreed").receivers()[0].account.membership.person.phone
    kinds = set(Transfer.objects.filter(hub=northfield).values_list("kind", flat=True))
    assert {"opening", "exchange", "donation", "grant"} <= kinds
    assert Exchange.objects.filter(hub=northfield, is_group=True, status="confirmed").exists()
    # Every exchange was proposed (or recorded) through the services, so audited.
    proposed = set(
        AuditEvent.objects.filter(
            hub=northfield,
            event__in=[AuditKind.EXCHANGE_PROPOSED.value, AuditKind.GROUP_EXCHANGE_RECORDED.value],
        ).values_list("subject_id", flat=True)
    )
    assert proposed == set(Exchange.objects.filter(hub=northfield).values_list("pk", flat=True))
    call_command("ledger", "verify", "--hub", "northfield")
    from coproduce.timebank import ledger

    assert ledger.verify(northfield).ok


def _story(email: str) -> str:
    return next(story for address, _name, _roles, story in data.PERSONAS if address == email)


def test_what_each_persona_s_description_promises_is_true_of_their_hub():
    from coproduce.audit import AuditKind
    from coproduce.referrals.models import Escalation, Project, Referral
    from coproduce.timebank.models import Exchange, Listing

    people = {email: Person.objects.get(email=email) for email, *_ in data.PERSONAS}
    amir = people["amir@millbrook.example"]
    grace = people["grace@millbrook.example"]
    sam = people["sam@millbrook.example"]
    jean = people["jean@northfield.example"]
    # Dr Shah referred these five, and Arthur's referral, waiting too long, is his.
    referred = {r.person.display_name for r in Referral.objects.filter(referred_by=amir)}
    assert referred == {
        "Molly Jenkins",
        "Stanley Moore",
        "Edna Barker",
        "Arthur Price",
        "Ron Ellis",
    }
    assert all(name.split()[0] in _story(amir.email) for name in referred)
    arthur = Escalation.objects.get(referral__person__display_name="Arthur Price")
    assert arthur.status == "open" and arthur.assigned_to == amir
    # Grace triages the referrals and leads three rotas; the failsafe's warnings are hers.
    triaged = AuditEvent.objects.filter(actor=grace, event=AuditKind.REFERRAL_TRIAGED.value)
    assert triaged.count() >= 3
    assert Project.objects.filter(lead=grace).count() == 3 and "three rotas" in _story(grace.email)
    assert Escalation.objects.filter(assigned_to=grace, status="open").exists()
    # Sam swaps help in Millbrook, cleared Farid's balcony and will do Maureen's shop.
    sams = Exchange.objects.filter(parties__account__membership__person=sam)
    assert sams.filter(hub__slug="millbrook", status="confirmed").count() >= 5
    balcony = sams.get(title="Help clearing a balcony")
    assert balcony.status == "confirmed" and balcony.givers()[0].account.membership.person == sam
    assert balcony.receivers()[0].account.membership.person.display_name == "Farid Fraser"
    shop = sams.get(title="Help with the weekly shop")
    assert shop.status == "agreed"
    assert shop.receivers()[0].account.membership.person.display_name == "Maureen Hill"
    # Tunde started the conversation; Priya recorded the clean-up day.
    assert AuditEvent.objects.filter(
        actor=people["tunde@northfield.example"], event=AuditKind.CONVERSATION_CREATED.value
    ).exists()
    clean_up = Exchange.objects.get(title="Estate clean-up day")
    assert clean_up.logged_by == people["priya@northfield.example"]
    # Jean lives in Oak Tower, mends clothes, and is asked to confirm Ben's time.
    assert Membership.objects.get(person=jean, hub__slug="northfield").area == "Oak Tower"
    assert Listing.objects.get(account__membership__person=jean, kind="offer").title == (
        "Sewing and mending"
    )
    waiting = Exchange.objects.get(status="done", parties__account__membership__person=jean)
    assert waiting.givers()[0].account.membership.person.display_name == "Ben Baker"
    assert "Ben" in _story(jean.email)
    # The admins are the hubs' admins.
    for email, slug in [
        ("helen@millbrook.example", "millbrook"),
        ("marcus@northfield.example", "northfield"),
    ]:
        assert Membership.objects.get(person__email=email, hub__slug=slug).role == Role.ADMIN


def test_northfields_pledge_grew_from_common_ground_and_both_sides_signed_it():
    from coproduce.pledges.models import Pledge

    pledge = Pledge.objects.get(hub__slug="northfield", title__startswith="Repairs and the estate")
    assert pledge.is_published
    assert pledge.grown_from.count() == 5
    assert pledge.priorities.count() == 5  # marked as the hub's priorities first
    signed = {(s.person.display_name, s.role) for s in pledge.sign_offs.select_related("person")}
    assert signed == {("Marcus Reid", "staff"), ("Jean Walker", "users")}
    assert pledge.versions.get().sign_offs.count() == 2
    categories = {c.name: c for c in pledge.categories.all()}
    assert set(categories) == {
        "A date for a repair",
        "Emergency repairs",
        "Bins and bin stores",
        "Fly-tipping",
    }
    for category in categories.values():
        [question] = category.attributes
        assert question["description"] == "Which block?" and question["required"]


def test_northfields_reports_are_mostly_kept_some_late_and_one_reopened():
    from coproduce.pledges import selectors
    from coproduce.pledges.models import Pledge, Report

    pledge = Pledge.objects.get(hub__slug="northfield", title__startswith="Repairs and the estate")
    total = selectors.pledge_scorecard(pledge).card.total
    assert total.reports >= 20
    assert total.kept > 2 * total.not_kept > 0
    assert total.late >= 3 and total.overdue >= 1
    assert total.disputed == total.reopened == 1
    # The one "not ours" report is closed without a fix: neither kept nor not kept.
    assert total.without_fix == 1
    assert total.kept + total.not_kept + total.without_fix + total.pending == total.reports
    reopened = Report.objects.get(reopened=1)
    assert reopened.status == "fixed" and reopened.closed_at > reopened.expected_at
    assert Report.objects.filter(source="phone", entered_by__isnull=False).exists()
    assert pledge.user_side_counts.exists()
    assert len(selectors.pledge_scorecard(pledge).card.months) >= 3


def test_millbrook_adopted_the_patient_experience_template_and_changed_two_targets():
    from coproduce.pledges.models import Pledge

    adopted = Pledge.objects.get(hub__slug="millbrook")
    template = adopted.adopted_from
    assert template.is_template and template.hub.slug != "millbrook"
    assert adopted.is_published

    def targets(pledge):
        prefix = f"{pledge.hub.slug}-"
        return {c.code.removeprefix(prefix): c.target_amount for c in pledge.categories.all()}

    theirs, ours = targets(template), targets(adopted)
    assert set(theirs) == set(ours)
    assert sum(theirs[key] != ours[key] for key in ours) == 2
    assert "changed locally" in adopted.versions.get().change_note


# --- involvement ----------------------------------------------------------------------------


def _opportunity(slug: str, title: str):
    from coproduce.involve.models import Opportunity

    return Opportunity.objects.get(hub__slug=slug, title=title)


def _holders(opportunity, status="confirmed") -> dict[str, str]:
    return {
        s.person.display_name: s.side
        for s in opportunity.signups.filter(status=status).select_related("person")
    }


def test_millbrook_shows_the_five_kinds_of_involvement_the_guide_describes():
    from coproduce.involve.models import Attendance

    panel = _opportunity("millbrook", "Recruitment panel: practice nurse")
    assert (panel.kind, panel.joining, panel.is_recruitment, panel.hired) == (
        "co_managing",
        "request",
        True,
        1,
    )
    # Two staff and two patients on it, from the fair shortlist; two more wait.
    assert sorted(_holders(panel).values()) == ["staff", "staff", "user", "user"]
    assert len(_holders(panel, "waitlist")) == 2
    assert all(s.reasons for s in panel.signups.all())
    came = Attendance.objects.filter(session__opportunity=panel)
    assert {a.status for a in came} == {"attended"} and came.count() == 4
    assert {a.recompense for a in came} == {"credits", "payment", "donate", "decline"}

    induction = _opportunity("millbrook", "Induction for new receptionists, led by patients")
    assert (induction.kind, induction.when, induction.joining) == (
        "co_delivering",
        "series",
        "instant",
    )
    assert induction.sessions.count() == 3 and len(_holders(induction, "waitlist")) == 1
    review = _opportunity("millbrook", "Serious-incident review: a delayed referral")
    assert (review.kind, review.joining, review.reserved_places) == (
        "co_evaluating",
        "invitation",
        1,
    )
    assert review.training == "Serious-incident review training"
    assert _holders(review, "invited") == {"Kath Kaur": "user"}
    advisory = _opportunity("millbrook", "Research advisory group")
    assert (advisory.kind, advisory.when) == ("co_design", "ongoing")
    monitor = _opportunity("millbrook", "Pledge monitor")
    assert monitor.kind == "co_monitoring" and "/hubs/millbrook/pledges/" in monitor.description


def test_millbrook_s_attendance_has_credits_a_no_show_and_a_payment_past_the_limit():
    from coproduce.involve.models import Attendance, InvolvementPolicy
    from coproduce.timebank import ledger

    millbrook = Hub.objects.get(slug="millbrook")
    policy = InvolvementPolicy.objects.get(hub=millbrook)
    assert policy.weekly_pay_limit_pence == 3500
    done = Attendance.objects.filter(session__opportunity__hub=millbrook)
    assert done.filter(status="no_show").count() == 1
    [warned] = done.filter(warned=True)
    assert (warned.person.display_name, warned.recompense, warned.amount_pence) == (
        "Carol Clarke",
        "payment",
        2000,
    )
    credited = done.filter(recompense="credits")
    assert credited.count() >= 3
    assert {a.transfer.kind for a in credited} == {"recompense"}
    assert ledger.verify(millbrook).ok
    # Owen did not come to the advisory group: his place was freed.
    advisory = _opportunity("millbrook", "Research advisory group")
    assert advisory.signups.get(person__display_name="Owen O'Brien").status == "released"


def test_the_monthly_packs_include_one_posted_to_ron_who_is_not_online():
    from coproduce.involve.models import InvolvementChoice, Pack

    ron = InvolvementChoice.objects.get(hub__slug="millbrook", person__display_name="Ron Ellis")
    assert (ron.format, ron.how_often) == ("post", "monthly")
    assert ron.person.email is None
    pack = Pack.objects.get(hub__slug="millbrook", person=ron.person)
    assert pack.opportunities.exists()
    sam = InvolvementChoice.objects.get(hub__slug="millbrook", person__display_name="Sam Patel")
    assert (sam.kinds, sam.how_often) == (["co_managing"], "monthly")
    assert Pack.objects.filter(hub__slug="millbrook").count() >= 3


def test_northfield_has_tenant_pledge_monitors_and_a_contractor_panel():
    from coproduce.timebank import ledger

    monitors = _opportunity("northfield", "Tenant pledge monitors")
    assert (monitors.kind, monitors.when) == ("co_monitoring", "ongoing")
    assert "Jean Walker" in _holders(monitors)
    panel = _opportunity("northfield", "Repairs contractor selection panel")
    assert panel.kind == "co_commissioning"
    assert sorted(_holders(panel).values()) == ["staff", "user", "user", "user"]
    # Jean came to the monitors' meeting: the fair shortlist put her after those never involved.
    assert _holders(panel, "waitlist") == {"Jean Walker": "user"}
    assert ledger.verify(Hub.objects.get(slug="northfield")).ok


def test_loading_again_adds_no_involvement():
    from coproduce.involve.models import Attendance, Opportunity, Pack, SignUp

    def counts():
        return [m.objects.count() for m in (Opportunity, SignUp, Attendance, Pack)]

    before = counts()
    data.load()
    assert counts() == before


def test_northfields_room_round_funds_the_drop_in_greedy_counting_leaves_out():
    from coproduce.involve.space.models import Ballot, Idea, Round

    autumn = Round.objects.get(hub__slug="northfield", title="The community room, autumn")
    assert (autumn.phase, autumn.amount_words) == ("result", "20 h a week")
    fair_only = Idea.objects.filter(round=autumn, funded_by_count=True, funded_by_greedy=False)
    assert [idea.title for idea in fair_only] == ["Debt-advice drop-in"]
    assert autumn.result["greedy"]["selected"] != autumn.result["equal_shares"]["selected"]
    assert sorted(autumn.result["equal_shares"]["selected"]) == sorted(
        str(pk)
        for pk in Idea.objects.filter(round=autumn, funded=True).values_list("pk", flat=True)
    )
    ballots = Ballot.objects.filter(round=autumn)
    assert ballots.filter(paper=True, voter__display_name="Maureen Hill").exists()
    assert ballots.filter(
        voter__display_name="Wojciech Kowalski", entered_by__display_name="Tunde Adeyemi"
    ).exists()
    spring = Round.objects.get(hub__slug="northfield", title="The community room, spring")
    assert spring.phase == "ideas"
    assert sorted(spring.ideas.values_list("title", "feasibility")) == [
        ("Baby and toddler group", "feasible"),
        ("Repair café", "pending"),
    ]


def test_loading_again_adds_no_your_space_round():
    from coproduce.involve.space.models import Ballot, Idea, Round

    def counts():
        return [m.objects.count() for m in (Round, Idea, Ballot)]

    before = counts()
    data.load()
    assert counts() == before
