"""The JSON API: keys, what each key sees, and bad input. Who may call each endpoint is in
the permission matrix, tests/test_permission_matrix.py."""

import json

import pytest
from django.core.management import CommandError, call_command

from coproduce.audit import AuditKind
from coproduce.hubs import services as hubs
from coproduce.hubs.models import ApiToken, AuditEvent, Membership
from coproduce.timebank import ledger, services
from coproduce.timebank.models import Account, Entry, Exchange, Listing, Transfer

PERSONAS = ["member", "staff", "coordinator", "outsider"]


@pytest.fixture
def api(world, bank, client):
    """Call the API as a persona (a key for Millbrook; the outsider's for Northfield)."""
    secrets = {}

    def call(persona, method, path, body=None, **headers):
        person = world.persona(persona)
        hub = world.other_hub if persona in ("outsider", "other_coordinator") else world.hub
        if persona not in secrets:
            secrets[persona] = hubs.api_token_create(person=person, hub=hub)[1]
        response = getattr(client, method)(
            f"/api/v1{path}",
            data=json.dumps(body) if body is not None else None,
            content_type="application/json",
            headers={"Authorization": f"Bearer {secrets[persona]}", **headers},
        )
        return response.status_code, response.json() if response.content else None

    return call


def test_without_a_live_key_nothing_is_answered(world, bank, client):
    assert client.get("/api/v1/me").status_code == 401
    bad = client.get("/api/v1/balances", headers={"Authorization": "Bearer cp_made-up"})
    assert bad.status_code == 401
    token, secret = hubs.api_token_create(person=world.member, hub=world.hub)
    auth = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=auth).json()["hub"] == "millbrook"
    assert ApiToken.objects.get().token_hash != secret  # only a hash is kept
    hubs.api_token_revoke(actor=world.member, token=token)
    assert client.get("/api/v1/me", headers=auth).status_code == 401


def test_a_key_stops_working_when_its_person_leaves_the_hub(world, bank, client):
    _token, secret = hubs.api_token_create(person=world.member, hub=world.hub)
    Membership.objects.filter(person=world.member, hub=world.hub).update(is_active=False)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


def test_the_schema_is_published_without_a_key(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["version"] == "1"
    for path in ["/api/v1/listings", "/api/v1/exchanges", "/api/v1/balances", "/api/v1/transfers"]:
        assert path in schema["paths"]
    assert "/api/v1/exchanges/{exchange_id}/confirm" in schema["paths"]


def test_token_command_prints_a_working_key(world, bank, client, capsys):
    call_command("token", "create", world.member.email, "--hub", "millbrook", "--name", "phone")
    secret = capsys.readouterr().out.strip()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json()
    assert me["person_id"] == world.member.pk
    call_command("token", "list", world.member.email)
    assert "phone" in capsys.readouterr().out
    call_command("token", "revoke", secret[:10])
    assert ApiToken.objects.get().revoked_at is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody@example.org", "--hub", "millbrook"], "EMAIL: no account"),
        (["sam@example.org", "--hub", "nowhere"], "--hub: no hub"),
        (["jean@example.org", "--hub", "millbrook"], "--hub: Jean Outsider is not"),
    ],
)
def test_token_command_names_what_is_wrong(world, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("token", "create", *args)
    assert not ApiToken.objects.exists()


# --- the same permission rules as the pages ------------------------------------------------


def test_an_assisted_members_exchange_is_hidden_from_other_members(world, bank, api):
    exchange = services.exchange_record(
        actor=world.coordinator,
        hub=world.hub,
        giver=bank.assisted,
        receiver=bank.coordinator,
        title="Phone befriending",
        minutes=30,
    )
    assert api("member", "get", f"/exchanges/{exchange.pk}")[0] == 404
    assert api("member", "post", f"/exchanges/{exchange.pk}/dispute", {"reason": "x"})[0] == 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_balances_show_the_accounts_a_person_acts_for(world, bank, api, persona):
    status, body = api(persona, "get", "/balances?limit=100")
    assert status == 200
    ids = {row["id"] for row in body["items"]}
    expected = {
        "member": {bank.member.pk},
        "staff": {bank.staff.pk, bank.health_centre.pk},
        "coordinator": set(Account.objects.filter(hub=world.hub).values_list("pk", flat=True)),
        "outsider": {bank.other_hub_member.pk},
    }[persona]
    assert ids == expected


@pytest.mark.parametrize("persona", ["member", "coordinator"])
def test_an_accounts_transfers_list_their_entries(world, bank, api, persona):
    services.chest_donate(actor=world.member, account=bank.member, minutes=30)
    status, body = api(persona, "get", f"/transfers?account_id={bank.member.pk}")
    assert status == 200
    [transfer] = body["items"]
    minutes = {e["account"]["id"]: e["minutes"] for e in transfer["entries"]}
    assert minutes == {bank.member.pk: -30, bank.chest.pk: 30}


def test_a_coordinator_grants_from_the_chest(world, bank, api):
    services.chest_donate(actor=world.staff, account=bank.health_centre, minutes=120)
    grant = {"account_id": bank.assisted.pk, "minutes": 60, "reason": "Not able to give yet"}
    status, body = api("coordinator", "post", "/chest/grants", grant)
    assert status == 201
    assert body["kind"] == "grant"
    bank.assisted.refresh_from_db()
    assert bank.assisted.balance_minutes == 60


def test_a_retried_donation_with_the_same_key_moves_hours_once(world, bank, api):
    for _ in range(3):
        status, body = api(
            "member", "post", "/chest/donations", {"minutes": 45}, **{"Idempotency-Key": "abc"}
        )
        assert status == 201
    bank.member.refresh_from_db()
    assert bank.member.balance_minutes == -45
    status, body = api(
        "member", "post", "/chest/donations", {"minutes": 50}, **{"Idempotency-Key": "abc"}
    )
    assert status == 409  # a conflict, not bad input
    assert body["field"] == "idempotency_key"
    # One donation, audited once.
    assert AuditEvent.objects.filter(event=AuditKind.CHEST_DONATED).count() == 1


def test_listings_stay_in_their_hub(world, bank, api):
    status, created = api("member", "post", "/listings", {"kind": "offer", "title": "Gardening"})
    assert status == 201
    assert created["account"]["id"] == bank.member.pk
    assert api("outsider", "get", "/listings")[1]["count"] == 0
    assert api("member", "post", f"/listings/{created['id']}/close")[1]["is_active"] is False


# --- the whole journey, and bad input ------------------------------------------------------


def test_offer_propose_agree_log_confirm_through_the_api(world, bank, api):
    before = {a.pk: a.balance_minutes for a in (bank.member, bank.staff)}
    _, listing = api("member", "post", "/listings", {"kind": "offer", "title": "Dog walking"})
    found = api("staff", "get", "/listings?q=dog")[1]
    assert [row["id"] for row in found["items"]] == [listing["id"]]
    status, exchange = api("staff", "post", f"/listings/{listing['id']}/exchanges", {"note": "Hi"})
    assert status == 201
    assert exchange["status"] == "proposed"
    url = f"/exchanges/{exchange['id']}"
    assert api("staff", "post", f"{url}/agree")[0] == 403  # the proposer cannot agree
    assert api("member", "post", f"{url}/agree")[1]["status"] == "agreed"
    assert api("member", "post", f"{url}/log", {"minutes": 90})[1]["status"] == "done"
    status, confirmed = api("staff", "post", f"{url}/confirm")
    assert status == 200
    assert confirmed["status"] == "confirmed"
    status, again = api("staff", "post", f"{url}/confirm")
    assert status == 400
    assert "already confirmed" in again["detail"]
    bank.member.refresh_from_db()
    bank.staff.refresh_from_db()
    assert bank.member.balance_minutes == before[bank.member.pk] + 90
    assert bank.staff.balance_minutes == before[bank.staff.pk] - 90
    status, mine = api("member", "get", "/exchanges?status=confirmed")
    assert [row["id"] for row in mine["items"]] == [exchange["id"]]
    assert ledger.verify(world.hub).ok


@pytest.mark.parametrize(
    ("minutes", "status", "field"),
    [
        (0, 422, "minutes"),
        (-30, 422, "minutes"),
        (24 * 60 + 1, 400, "minutes"),
        ("ninety", 422, "minutes"),
        (1.5, 422, "minutes"),
    ],
)
def test_bad_hours_are_refused_by_name_and_nothing_is_written(
    world, bank, api, minutes, status, field
):
    before = (Exchange.objects.count(), Transfer.objects.count(), Entry.objects.count())
    body = {
        "other_account_id": bank.staff.pk,
        "direction": "gave",
        "title": "Shopping",
        "minutes": minutes,
    }
    got, error = api("member", "post", "/exchanges", body)
    assert got == status
    named = error.get("field") if got == 400 else [d["loc"][-1] for d in error["detail"]]
    assert field == named or field in named
    assert (Exchange.objects.count(), Transfer.objects.count(), Entry.objects.count()) == before


def test_exchanging_with_yourself_is_refused(world, bank, api):
    body = {"other_account_id": bank.member.pk, "direction": "gave", "title": "x", "minutes": 30}
    status, error = api("member", "post", "/exchanges", body)
    assert status == 400
    assert "yourself" in error["detail"]
    assert not Exchange.objects.exists()


def test_an_account_of_another_hub_is_not_found(world, bank, api):
    body = {
        "other_account_id": bank.other_hub_member.pk,
        "direction": "gave",
        "title": "x",
        "minutes": 30,
    }
    assert api("member", "post", "/exchanges", body)[0] == 404
    assert not Exchange.objects.exists()


def test_a_member_cannot_record_for_someone_else(world, bank, api):
    body = {
        "account_id": bank.assisted.pk,
        "other_account_id": bank.staff.pk,
        "direction": "gave",
        "title": "x",
        "minutes": 30,
    }
    assert api("member", "post", "/exchanges", body)[0] == 403
    # A coordinator may, for an assisted-digital member.
    status, exchange = api("coordinator", "post", "/exchanges", body)
    assert status == 201
    assert {p["account"]["id"] for p in exchange["parties"]} == {bank.assisted.pk, bank.staff.pk}


def test_a_hard_limit_is_refused_with_the_reason(world, bank, api):
    policy = ledger.policy_for(world.hub)
    policy.floor_minutes, policy.limits_are_hard = -60, True
    policy.save()
    status, error = api("member", "post", "/chest/donations", {"minutes": 61})
    assert status == 400
    assert "lowest balance" in error["detail"]
    assert not Transfer.objects.filter(kind="donation").exists()


def test_a_listing_with_another_hubs_category_is_refused(world, bank, api):
    other = services.category_create(
        actor=world.other_coordinator, hub=world.other_hub, name="Repairs"
    )
    status, error = api(
        "member", "post", "/listings", {"kind": "offer", "title": "x", "category_id": other.pk}
    )
    assert status == 400
    assert error["field"] == "category_id"
    assert not Listing.objects.exists()
