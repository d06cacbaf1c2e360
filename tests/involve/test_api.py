"""The involvement bank through the JSON API: the same rules as the pages, for every
persona (Sam a member, Dr Amir staff and the panel's lead, Grace a coordinator, Tunde
Northfield's coordinator with Northfield's key, and no key at all); nothing crosses
hubs; bad input names its field; a retried sign-up is one sign-up."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coproduce.hubs import services as hubs
from coproduce.involve import services
from coproduce.involve.models import (
    Attendance,
    Opportunity,
    SignUp,
    SignUpStatus,
)
from coproduce.timebank.models import Transfer

from .conftest import group, meeting, panel

PERSONAS = ("member", "staff", "coordinator", "other_coordinator", "anonymous")
TITLE = "Recruitment panel: practice nurse"


@pytest.fixture
def call(world, client):
    secrets = {}

    def call(persona, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if persona != "anonymous":
            person = world.persona(persona)
            hub = world.other_hub if persona in ("outsider", "other_coordinator") else world.hub
            if persona not in secrets:
                secrets[persona] = hubs.api_token_create(person=person, hub=hub)[1]
            headers["Authorization"] = f"Bearer {secrets[persona]}"
        response = getattr(client, method)(
            f"/api/v1{path}",
            data=json.dumps(body) if body is not None else None,
            content_type="application/json",
            headers=headers,
        )
        return response.status_code, response.json() if response.content else None

    return call


def in_the_past(opportunity, hours_ago: float = 3, length: float = 2):
    """Move the first meeting into the past (tests cannot wait for it)."""
    session = opportunity.sessions.order_by("starts_at").first()
    session.starts_at = timezone.now() - datetime.timedelta(hours=hours_ago)
    session.ends_at = session.starts_at + datetime.timedelta(hours=length)
    session.save()
    return session


@pytest.fixture
def nurse_panel(world):
    return panel(world)  # Dr Amir leads; 2 staff and 1 service user; request-and-confirm


def expect(persona, **outcomes):
    return outcomes.get(persona, outcomes.get("default"))


# --- every endpoint, every persona ---------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_listing_opportunities(world, call, nurse_panel, persona):
    status, body = call(persona, "get", "/opportunities")
    assert status == expect(persona, default=200, anonymous=401)
    if persona == "anonymous":
        return
    titles = [o["title"] for o in body["items"]]
    assert titles == ([] if persona == "other_coordinator" else [TITLE])
    if titles:
        [row] = body["items"]
        assert row["places"]["mix"] == "2 staff and 1 service user"
        assert row["places_left"] == {"total": 3, "staff": 2, "user": 1}
        assert row["next_meeting"] is not None


@pytest.mark.parametrize("persona", PERSONAS)
def test_one_opportunity(world, call, nurse_panel, people, persona):
    services.signup_ask(actor=people["ann"], opportunity=nurse_panel)
    status, body = call(persona, "get", f"/opportunities/{nurse_panel.pk}")
    assert status == expect(persona, default=200, other_coordinator=404, anonymous=401)
    if status != 200:
        assert TITLE not in json.dumps(body)
        return
    assert body["title"] == TITLE and len(body["meetings"]) == 1
    assert body["meetings"][0]["length"] == "2 h" and body["meetings"][0]["minutes"] == 120
    assert body["requirements"]["sides"] == ["staff", "user"]
    assert body["how_to_join"]["mode"] == "request"
    if persona == "member":
        assert body["signups"] is None  # only the lead and the coordinators see who asked
        assert body["how_to_join"]["can_ask"] is True
    else:
        assert [s["person"] for s in body["signups"]] == ["Ann Patient"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_opening_an_opportunity(world, call, persona):
    body = {
        "kind": "co_delivering",
        "title": "Induction for new receptionists",
        "description": "Tell new receptionists what it is like to be a patient here.",
        "when": "one_off",
        "meetings": [
            {
                "starts_at": (timezone.localtime() + datetime.timedelta(days=9))
                .replace(tzinfo=None, microsecond=0)
                .isoformat(),
                "ends_at": (timezone.localtime() + datetime.timedelta(days=9, hours=2))
                .replace(tzinfo=None, microsecond=0)
                .isoformat(),
            }
        ],
        "user_places": 2,
        "joining": "instant",
    }
    status, answer = call(persona, "post", "/opportunities", body)
    assert status == expect(persona, default=201, member=403, anonymous=401)
    made = Opportunity.objects.filter(title="Induction for new receptionists")
    if status == 201:
        [opportunity] = made
        hub = world.other_hub if persona == "other_coordinator" else world.hub
        assert opportunity.hub == hub  # a key acts in its own hub only
        assert answer["lead"] == world.persona(persona).display_name
        assert answer["meetings"][0]["length"] == "2 h"
    else:
        assert not made.exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_asking_for_a_place(world, call, nurse_panel, persona):
    status, body = call(persona, "post", f"/opportunities/{nurse_panel.pk}/signups", {})
    assert status == expect(persona, default=201, other_coordinator=404, anonymous=401)
    if status == 201:
        side = "user" if persona == "member" else "staff"
        assert (body["status"], body["side"]) == ("requested", side)
        assert SignUp.objects.get(pk=body["id"]).person == world.persona(persona)
    else:
        assert not SignUp.objects.exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_asked_is_for_the_lead_and_coordinators(world, call, nurse_panel, people, persona):
    services.signup_ask(actor=people["ann"], opportunity=nurse_panel, message="Step-free")
    status, body = call(persona, "get", f"/opportunities/{nurse_panel.pk}/signups")
    assert status == expect(persona, default=200, member=403, other_coordinator=404, anonymous=401)
    if status == 200:
        [ann] = body["items"]
        assert (ann["person"], ann["message"], ann["status"]) == (
            "Ann Patient",
            "Step-free",
            "requested",
        )
    else:
        assert "Ann Patient" not in json.dumps(body)


@pytest.mark.parametrize("persona", PERSONAS)
def test_my_places(world, call, nurse_panel, people, persona):
    services.signup_ask(actor=people["ann"], opportunity=nurse_panel)
    if persona in ("member", "staff", "coordinator"):
        services.signup_ask(actor=world.persona(persona), opportunity=nurse_panel)
    status, body = call(persona, "get", "/signups")
    assert status == expect(persona, default=200, anonymous=401)
    if status == 200:
        people_listed = {s["person"] for s in body["items"]}
        own = set() if persona == "other_coordinator" else {world.persona(persona).display_name}
        assert people_listed == own  # never Ann's


@pytest.fixture
def invited(world, nurse_panel):
    """Sam invited by Dr Amir to the panel's service-user place."""
    return services.signup_invite(actor=world.staff, opportunity=nurse_panel, person=world.member)


@pytest.mark.parametrize("persona", PERSONAS)
def test_answering_an_invitation(world, call, invited, persona):
    status, _body = call(persona, "post", f"/signups/{invited.pk}/answer", {"yes": True})
    # Sam answers for himself; a coordinator may; the lead decides, never answers for him.
    assert status == expect(persona, default=200, staff=403, other_coordinator=404, anonymous=401)
    invited.refresh_from_db()
    wanted = SignUpStatus.CONFIRMED if status == 200 else SignUpStatus.INVITED
    assert invited.status == wanted


@pytest.mark.parametrize("persona", PERSONAS)
def test_i_cant_come(world, call, invited, persona):
    status, _body = call(persona, "post", f"/signups/{invited.pk}/withdraw", {"reason": "Ill"})
    assert status == expect(persona, default=200, staff=403, other_coordinator=404, anonymous=401)
    invited.refresh_from_db()
    wanted = SignUpStatus.WITHDRAWN if status == 200 else SignUpStatus.INVITED
    assert invited.status == wanted


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_shortlist_with_its_reasons(world, call, nurse_panel, people, persona):
    for name in ("ann", "bob"):
        services.signup_ask(actor=people[name], opportunity=nurse_panel)
    status, body = call(persona, "get", f"/opportunities/{nurse_panel.pk}/shortlist")
    assert status == expect(persona, default=200, member=403, other_coordinator=404, anonymous=401)
    if status == 200:
        ranked = body["ranked"]
        assert [r["signup"]["person"] for r in ranked] == ["Ann Patient", "Bob Patient"]
        assert [r["proposed"] for r in ranked] == [True, False]
        assert "Not involved before" in ranked[0]["reasons"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_confirming_the_shortlist(world, call, nurse_panel, people, persona):
    ann = services.signup_ask(actor=people["ann"], opportunity=nurse_panel)
    bob = services.signup_ask(actor=people["bob"], opportunity=nurse_panel)
    status, body = call(
        persona, "post", f"/opportunities/{nurse_panel.pk}/shortlist", {"chosen": [ann.pk]}
    )
    assert status == expect(persona, default=200, member=403, other_coordinator=404, anonymous=401)
    ann.refresh_from_db()
    bob.refresh_from_db()
    if status == 200:
        assert [s["person"] for s in body["confirmed"]] == ["Ann Patient"]
        assert [r["signup"]["person"] for r in body["shortlist"]["ranked"]] == ["Bob Patient"]
        assert (ann.status, bob.status) == (SignUpStatus.CONFIRMED, SignUpStatus.WAITLIST)
    else:
        assert (ann.status, bob.status) == (SignUpStatus.REQUESTED, SignUpStatus.REQUESTED)


@pytest.fixture
def came(world, people):
    """Ann has a place on the advisory group (Grace leads); its first meeting was today."""
    opportunity = group(world)
    signup = services.signup_ask(actor=people["ann"], opportunity=opportunity)
    return opportunity, signup, in_the_past(opportunity)


@pytest.mark.parametrize("persona", PERSONAS)
def test_recording_attendance(world, call, came, persona):
    opportunity, signup, session = came
    opportunity.lead = world.staff  # Dr Amir leads it: he records
    opportunity.save()
    marks = {"marks": [{"signup_id": signup.pk, "status": "attended", "minutes": 90}]}
    status, body = call(persona, "post", f"/meetings/{session.pk}/attendance", marks)
    assert status == expect(persona, default=200, member=403, other_coordinator=404, anonymous=401)
    if status == 200:
        [mark] = body
        assert (mark["minutes"], mark["length"], mark["recompense"]) == (90, "1 h 30 min", "")
        assert "payment" in mark["thanks_offered"]
    else:
        assert not Attendance.objects.exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_choosing_time_credits(world, call, came, people, persona):
    _opportunity, signup, session = came
    [attendance] = services.attendance_record(
        actor=world.coordinator, session=session, marks={signup.pk: ("attended", None)}
    )
    # Ann alone chooses her thanks: Grace (coordinator) is refused, the rest not told.
    ann_secret = hubs.api_token_create(person=people["ann"], hub=world.hub)[1]
    body = {"recompense": "credits"}
    status, _ = call(persona, "post", f"/attendance/{attendance.pk}/thanks", body)
    assert status == expect(persona, default=404, coordinator=403, anonymous=401)
    attendance.refresh_from_db()
    assert attendance.recompense == ""
    status, answer = call(
        "anonymous",
        "post",
        f"/attendance/{attendance.pk}/thanks",
        body,
        headers={"Authorization": f"Bearer {ann_secret}"},
    )
    assert status == 200
    assert (answer["recompense"], answer["minutes"]) == ("credits", 120)
    assert Transfer.objects.get(pk=answer["transfer_id"]).kind == "recompense"


# --- bad input names the field, nothing saved -----------------------------------------------


PAST = {"starts_at": "2020-01-01T10:00", "ends_at": "2020-01-01T11:00"}
YEAR_ONE = {"starts_at": "0001-01-01T10:00", "ends_at": "0001-01-01T11:00"}


def _field(status, body):
    """The field a refusal names: ours (400/409) or the schema's (422)."""
    if status == 422:
        return {".".join(str(p) for p in item["loc"][2:]) for item in body["detail"]}
    return body["field"]


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"kind": "co_dreaming"}, {"kind"}, 422),
        ({"title": ""}, {"title"}, 422),
        ({"staff_places": 31}, {"staff_places"}, 422),
        ({"user_places": True}, {"user_places"}, 422),
        ({"user_places": 0}, "user_places", 400),
        ({"reserved_places": 3}, "reserved_places", 400),
        ({"meetings": []}, "meetings", 400),
        ({"meetings": [PAST]}, "meetings", 400),
        ({"meetings": [YEAR_ONE]}, {"meetings.0.starts_at", "meetings.0.ends_at"}, 422),
        ({"lead_id": 10**12}, "lead_id", 400),
        ({"organisation_id": 10**12}, "organisation_id", 400),
        ({"confirm_hours": 0}, {"confirm_hours"}, 422),
    ],
)  # fmt: skip
def test_bad_opportunities_are_refused_naming_the_field(world, call, change, field, code):
    start, end = meeting(5)
    body = {
        "kind": "co_managing",
        "title": "Panel",
        "description": "Interviews",
        "meetings": [{"starts_at": start.isoformat(), "ends_at": end.isoformat()}],
        "user_places": 2,
        **change,
    }
    status, answer = call("coordinator", "post", "/opportunities", body)
    assert (status, _field(status, answer)) == (code, field)
    assert not Opportunity.objects.exists()


def test_a_lead_from_another_hub_is_refused(world, call):
    start, end = meeting(5)
    body = {
        "kind": "co_managing",
        "title": "Panel",
        "description": "Interviews",
        "meetings": [{"starts_at": start.isoformat(), "ends_at": end.isoformat()}],
        "user_places": 1,
        "lead_id": world.outsider.pk,
    }
    status, answer = call("coordinator", "post", "/opportunities", body)
    assert (status, answer["field"]) == (400, "lead_id")
    assert not Opportunity.objects.exists()


def test_asking_twice_names_the_person_and_keeps_one(world, call, nurse_panel):
    url = f"/opportunities/{nurse_panel.pk}/signups"
    assert call("member", "post", url, {})[0] == 201
    status, answer = call("member", "post", url, {})
    assert (status, answer["field"]) == (400, "person")
    assert SignUp.objects.count() == 1


def test_the_same_idempotency_key_twice_is_one_sign_up(world, call, nurse_panel):
    url = f"/opportunities/{nurse_panel.pk}/signups"
    key = {"Idempotency-Key": "ask-once-7f3a"}
    first = call("member", "post", url, {"message": "Step-free"}, headers=key)
    again = call("member", "post", url, {"message": "Step-free"}, headers=key)
    assert first[0] == again[0] == 201 and first[1]["id"] == again[1]["id"]
    assert SignUp.objects.count() == 1
    status, answer = call("member", "post", url, {"message": "Other"}, headers=key)
    assert (status, answer["field"]) == (409, "idempotency_key")
    assert SignUp.objects.count() == 1


def test_the_same_key_twice_opens_one_opportunity(world, call):
    start, end = meeting(5)
    body = {
        "kind": "co_design",
        "title": "Research advisory group",
        "description": "Shape the research",
        "meetings": [{"starts_at": start.isoformat(), "ends_at": end.isoformat()}],
        "user_places": 4,
    }
    key = {"Idempotency-Key": "open-once"}
    first = call("staff", "post", "/opportunities", body, headers=key)
    again = call("staff", "post", "/opportunities", body, headers=key)
    assert first[0] == again[0] == 201 and first[1]["id"] == again[1]["id"]
    assert Opportunity.objects.count() == 1


def test_a_coordinator_signs_up_someone_not_online(world, call, nurse_panel):
    url = f"/opportunities/{nurse_panel.pk}/signups"
    status, body = call("coordinator", "post", url, {"person_id": world.assisted.pk})
    assert status == 201
    assert (body["person"], body["entered_by"]) == ("Ron Assisted", "Grace Coordinator")
    # Not for someone who signs in themselves, nor by anyone but a coordinator.
    status, body = call("coordinator", "post", url, {"person_id": world.member.pk})
    assert (status, body["field"]) == (400, "person_id")
    assert call("staff", "post", url, {"person_id": world.assisted.pk})[0] in (400, 403)
    status, body = call("coordinator", "post", url, {"person_id": world.outsider.pk})
    assert (status, body["field"]) == (400, "person_id")
    assert SignUp.objects.count() == 1


def test_past_the_mix_is_refused_naming_chosen(world, call, nurse_panel, people):
    ids = [services.signup_ask(actor=p, opportunity=nurse_panel).pk for p in people.values()]
    url = f"/opportunities/{nurse_panel.pk}/shortlist"
    status, body = call("staff", "post", url, {"chosen": ids[:2]})
    assert (status, body["field"]) == (400, "chosen")
    status, body = call("staff", "post", url, {"chosen": [ids[0], ids[0]]})
    assert (status, body["field"]) == (400, "chosen")
    assert not SignUp.objects.filter(status=SignUpStatus.CONFIRMED).exists()


def test_attendance_refuses_bad_marks_naming_the_field(world, call, came, people):
    opportunity, signup, session = came
    url = f"/meetings/{session.pk}/attendance"
    stranger = services.signup_ask(
        actor=people["bob"], opportunity=group(world, title="Another group")
    )
    came_ = {"signup_id": signup.pk, "status": "attended"}
    for marks, field, code in [
        ([{"signup_id": stranger.pk, "status": "attended"}], "marks", 400),
        ([{"signup_id": signup.pk, "status": "attended"}] * 2, "marks", 400),
        ([{"signup_id": signup.pk, "status": "bored"}], {"marks.0.status"}, 422),
        ([{**came_, "minutes": 0}], {"marks.0.minutes"}, 422),
        ([{**came_, "minutes": 1.5}], {"marks.0.minutes"}, 422),
    ]:  # fmt: skip
        status, body = call("coordinator", "post", url, {"marks": marks})
        assert (status, _field(status, body)) == (code, field), marks
    assert not Attendance.objects.exists()
    later = opportunity.sessions.order_by("starts_at").last()
    marks = {"marks": [{"signup_id": signup.pk, "status": "attended"}]}
    status, body = call("coordinator", "post", f"/meetings/{later.pk}/attendance", marks)
    assert status == 400 and "once the meeting has begun" in body["detail"]


def test_the_benefits_warning_names_understood_with_the_warnings(world, call, came, people):
    services.policy_update(
        actor=world.coordinator,
        hub=world.hub,
        changes={"weekly_pay_limit_pence": 1500, "payment_pence": 2000},
    )
    _opportunity, signup, session = came
    [attendance] = services.attendance_record(
        actor=world.coordinator, session=session, marks={signup.pk: ("attended", None)}
    )
    secret = hubs.api_token_create(person=people["ann"], hub=world.hub)[1]
    as_ann = {"Authorization": f"Bearer {secret}"}
    url = f"/attendance/{attendance.pk}/thanks"
    status, body = call("anonymous", "post", url, {"recompense": "payment"}, headers=as_ann)
    assert (status, body["field"]) == (400, "understood")
    [warning] = body["warnings"]
    assert "£20.00" in warning and "£15.00" in warning
    assert "Citizens Advice" in body["detail"]
    attendance.refresh_from_db()
    assert attendance.recompense == ""
    status, body = call(
        "anonymous", "post", url, {"recompense": "payment", "understood": True}, headers=as_ann
    )
    assert status == 200
    assert (body["amount_pence"], body["amount"], body["warned"]) == (2000, "£20.00", True)
    status, body = call("anonymous", "post", url, {"recompense": "voucher"}, headers=as_ann)
    assert (status, body["field"]) == (400, "recompense")


@pytest.mark.parametrize("query", ["kind=co_dreaming", "status=lost", "limit=501"])
def test_bad_filters_name_the_parameter(world, call, query):
    status, body = call("member", "get", f"/opportunities?{query}")
    assert status == 422
    assert {item["loc"][-1] for item in body["detail"]} == {query.split("=")[0]}


def test_filters_by_kind_and_status(world, call, nurse_panel):
    group(world)
    _status, body = call("member", "get", "/opportunities?kind=co_design")
    assert [o["title"] for o in body["items"]] == ["Research advisory group"]
    services.opportunity_change(actor=world.staff, opportunity=nurse_panel, status="closed")
    _status, body = call("member", "get", "/opportunities?status=closed")
    assert [o["title"] for o in body["items"]] == [TITLE]


def test_a_cancelled_opportunity_is_for_coordinators_and_those_on_it(world, call, nurse_panel):
    services.opportunity_cancel(actor=world.staff, opportunity=nurse_panel, reason="Post filled")
    assert call("member", "get", f"/opportunities/{nurse_panel.pk}")[0] == 404
    assert call("coordinator", "get", f"/opportunities/{nurse_panel.pk}")[0] == 200
    assert call("member", "get", "/opportunities")[1]["items"] == []


def test_the_list_reads_a_fixed_number_of_queries(world, call, people):
    call("member", "get", "/opportunities")  # the key is noted as used once a minute

    def count():
        with CaptureQueriesContext(connection) as queries:
            status, body = call("member", "get", "/opportunities")
        assert status == 200
        return len(queries), len(body["items"])

    group(world, title="Group one")
    few = count()
    for number in range(4):
        opportunity = group(world, title=f"Group {number + 2}")
        services.signup_ask(actor=people["ann"], opportunity=opportunity)
    many = count()
    assert (few[1], many[1]) == (1, 5)
    assert many[0] == few[0]


def test_the_schema_describes_the_involvement_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path, method in [
        ("/api/v1/opportunities", "get"),
        ("/api/v1/opportunities", "post"),
        ("/api/v1/opportunities/{opportunity_id}", "get"),
        ("/api/v1/opportunities/{opportunity_id}/signups", "post"),
        ("/api/v1/opportunities/{opportunity_id}/signups", "get"),
        ("/api/v1/signups", "get"),
        ("/api/v1/signups/{signup_id}/answer", "post"),
        ("/api/v1/signups/{signup_id}/withdraw", "post"),
        ("/api/v1/opportunities/{opportunity_id}/shortlist", "get"),
        ("/api/v1/opportunities/{opportunity_id}/shortlist", "post"),
        ("/api/v1/meetings/{meeting_id}/attendance", "post"),
        ("/api/v1/attendance/{attendance_id}/thanks", "post"),
    ]:
        assert method in paths[path], (path, method)
        assert "involvement" in paths[path][method]["tags"]
    asked = paths["/api/v1/opportunities/{opportunity_id}/signups"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in asked["parameters"]}
