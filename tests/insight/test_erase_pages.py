"""Erasure: "Delete my account", a coordinator's request for someone not online, the
operator's command, a person in two hubs split in two, and the models the split covers."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.hubs import services as hub_services
from coproduce.hubs.models import AuditEvent, Membership, Person, Role
from coproduce.insight import retention
from coproduce.insight.models import Erasure, FormerMember
from coproduce.insight.services import erasure, erasure_sweep
from coproduce.timebank import ledger
from coproduce.timebank import services as timebank
from coproduce.timebank.models import Account
from tests.conftest import PASSWORD, account

pytestmark = pytest.mark.django_db
DELETE = reverse("my-account-delete")
PSEUDONYM = re.compile(r"^Former member [A-Z2-9]{4}$")


def _erase_url(world, person):
    return reverse("member-erase", args=[world.hub.slug, person.pk])


def _events(kind: str) -> int:
    return AuditEvent.objects.filter(event=kind).count()


# --- delete my account --------------------------------------------------------------------


def test_the_page_says_what_is_erased_and_what_is_kept_from_the_table(world, client_for):
    page = client_for(world.member).get(DELETE)
    assert page.status_code == 200
    text = page.content.decode()
    for rule in retention.TABLE[:3] + retention.rules_by(retention.KEPT):
        assert rule.kind.split(":")[0] in text
    assert 'name="password"' in text


def test_a_wrong_password_erases_nothing(world, client_for):
    page = client_for(world.member).post(DELETE, {"password": "nope", "confirm": "on"})
    assert page.status_code == 400
    assert "not your password" in page.content.decode()
    world.member.refresh_from_db()
    assert world.member.email == "sam@example.org" and not Erasure.objects.exists()


def test_without_confirming_nothing_is_erased(world, client_for):
    page = client_for(world.member).post(DELETE, {"password": PASSWORD})
    assert page.status_code == 400
    assert not Erasure.objects.exists()


def test_a_member_deletes_their_account_and_is_signed_out(world, client_for):
    client = client_for(world.member)
    page = client.post(DELETE, {"password": PASSWORD, "confirm": "on"})
    assert page.status_code == 200
    assert "Your account was deleted" in page.content.decode()
    member = Person.objects.get(pk=world.member.pk)
    assert PSEUDONYM.match(member.display_name)
    assert member.email is None and not member.is_active and not member.has_usable_password()
    assert member.phone == "" and member.assets == [] and member.postcode_district == ""
    assert Erasure.objects.get(person=member).route == "self"
    left = Membership.objects.get(person=member, hub=world.hub)
    assert not left.is_active and left.left_at is not None and not left.listed_in_directory
    assert FormerMember.objects.get(person=member, hub=world.hub).pseudonym == member.display_name
    event = AuditEvent.objects.get(event="person.erased")
    assert event.new["pseudonym"] == member.display_name
    assert "Sam" not in str(event.new) and event.actor is None
    # Signed out: the next page asks them to sign in, and sending again erases nothing.
    again = client.post(DELETE, {"password": PASSWORD, "confirm": "on"})
    assert again.status_code == 302 and "sign-in" in again["Location"]
    assert _events("person.erased") == 1
    assert not client.login(email="sam@example.org", password=PASSWORD)


def test_the_only_admin_of_a_hub_cannot_delete_their_account(world, client_for):
    client = client_for(world.admin)
    page = client.get(DELETE)
    assert "only admin of Millbrook Time Bank" in page.content.decode()
    assert 'name="password"' not in page.content.decode()
    refused = client.post(DELETE, {"password": PASSWORD, "confirm": "on"})
    assert refused.status_code == 400
    assert not Erasure.objects.exists()
    # With a second admin, they may.
    Membership.objects.filter(hub=world.hub, person=world.coordinator).update(role=Role.ADMIN)
    assert client.post(DELETE, {"password": PASSWORD, "confirm": "on"}).status_code == 200
    assert Erasure.objects.filter(person=world.admin).exists()


def test_the_ledger_verifies_and_balances_stay_after_erasure(world, bank):
    for giver, receiver in [(bank.member, bank.staff), (bank.coordinator, bank.member)]:
        timebank.exchange_record_settled(
            actor=world.coordinator,
            hub=world.hub,
            giver=giver,
            receiver=receiver,
            minutes=90,
            title="Lift to the clinic",
            done_on=timezone.localdate(),
        )
    balances = dict(Account.objects.values_list("pk", "balance_minutes"))
    erasure.person_erase(actor=None, person=world.member, route="operator", how_asked="")
    assert ledger.verify().problems == []
    assert dict(Account.objects.values_list("pk", "balance_minutes")) == balances
    assert account(world, Person.objects.get(pk=world.member.pk)).pk == bank.member.pk


# --- a person in two hubs -----------------------------------------------------------------


def test_a_person_in_two_hubs_is_split_into_two_pseudonyms(world, bank):
    hub_services.membership_add(
        actor=world.other_coordinator, hub=world.other_hub, person=world.member
    )
    other_account = account(world, world.member, world.other_hub)
    audit(
        hub=world.other_hub,
        actor=world.other_coordinator,
        event=AuditKind.PROFILE_UPDATED,
        subject=world.member,
        old={"display_name": "Sam Member"},
    )
    first_account = bank.member
    done = erasure.person_erase(actor=None, person=world.member, route="operator", how_asked="")
    assert len(done.pseudonyms) == 2 and done.pseudonyms[0] != done.pseudonyms[1]
    here = Membership.objects.get(hub=world.hub, person__display_name=done.pseudonyms[0])
    there = Membership.objects.get(hub=world.other_hub, person__display_name=done.pseudonyms[1])
    assert here.person_id == world.member.pk  # the first hub keeps the row
    assert there.person_id != world.member.pk  # the other hub has a row of its own
    assert not Membership.objects.filter(person_id=world.member.pk, hub=world.other_hub).exists()
    assert Account.objects.get(pk=other_account.pk).membership.person_id == there.person_id
    assert Account.objects.get(pk=first_account.pk).membership.person_id == here.person_id
    twin = there.person
    assert twin.email is None and not twin.is_active and not twin.has_usable_password()
    # Each hub's audit log names only its own pseudonym.
    for hub, pseudonym in [(world.hub, done.pseudonyms[0]), (world.other_hub, done.pseudonyms[1])]:
        assert AuditEvent.objects.get(hub=hub, event="person.erased").new == {
            "pseudonym": pseudonym,
            "route": "operator",
        }
    assert not AuditEvent.objects.filter(hub=world.other_hub, actor_id=world.member.pk).exists()
    assert twin.date_joined != Person.objects.get(pk=world.member.pk).date_joined
    # The other hub's row is erased already: erasing it again does nothing.
    assert erasure.person_erase(actor=None, person=twin, route="operator", how_asked="").already
    about = AuditEvent.objects.get(hub=world.other_hub, event=AuditKind.PROFILE_UPDATED.value)
    assert about.subject_id == twin.pk and about.old == {"display_name": done.pseudonyms[1]}
    assert ledger.verify().problems == []


def test_erasing_twice_does_nothing_the_second_time(world):
    first = erasure.person_erase(actor=None, person=world.member, route="operator", how_asked="")
    second = erasure.person_erase(actor=None, person=world.member, route="operator", how_asked="")
    assert not first.already and second.already and second.pseudonyms == []
    assert _events("person.erased") == 1 and FormerMember.objects.count() == 1


def test_texts_naming_them_now_name_the_pseudonym(world):
    hub_services.profile_update(
        actor=world.coordinator, person=world.assisted, hub=world.hub, changes={"about": "x"}
    )
    world.staff.about = "I often help Ron Assisted (ron ASSISTED) and Ronald."
    world.staff.save()
    done = erasure.person_erase(actor=None, person=world.assisted, route="operator", how_asked="")
    world.staff.refresh_from_db()
    assert world.staff.about == ("I often help a former member (a former member) and Ronald."), (
        "a row without a hub gets the words, never a hub's pseudonym"
    )
    assert done.pseudonyms[0].startswith("Former member ")


# --- a coordinator's request for someone not online ---------------------------------------


def test_a_coordinator_erases_someone_not_online_recording_how_they_asked(world, client_for):
    client = client_for(world.coordinator)
    detail = client.get(reverse("member-detail", args=[world.hub.slug, world.assisted.pk]))
    assert _erase_url(world, world.assisted) in detail.content.decode()
    page = client.get(_erase_url(world, world.assisted))
    assert page.status_code == 200 and "How did they ask" in page.content.decode()
    done = client.post(
        _erase_url(world, world.assisted),
        {"how": "paper", "note": "Form dated 3 May", "confirm": "on"},
    )
    assert done.status_code == 200
    ron = Person.objects.get(pk=world.assisted.pk)
    assert ron.display_name in done.content.decode() and PSEUDONYM.match(ron.display_name)
    record = Erasure.objects.get(person=ron)
    assert (record.route, record.requested_by, record.how_asked) == (
        "coordinator",
        world.coordinator,
        "On a paper form: Form dated 3 May",
    )
    assert [e.event for e in AuditEvent.objects.filter(event__startswith="erasure.requested")] == [
        "erasure.requested"
    ]
    assert AuditEvent.objects.get(event="person.erased").actor == world.coordinator
    again = client.post(_erase_url(world, world.assisted), {"how": "paper", "confirm": "on"})
    assert again.status_code == 200 and "already been erased" in again.content.decode()
    assert _events("person.erased") == 1 and _events("erasure.requested") == 1


def test_how_they_asked_must_be_given(world, client_for):
    page = client_for(world.coordinator).post(_erase_url(world, world.assisted), {"confirm": "on"})
    assert page.status_code == 400 and not Erasure.objects.exists()


def test_a_coordinator_cannot_erase_someone_who_manages_their_own_account(world, client_for):
    client = client_for(world.coordinator)
    detail = client.get(reverse("member-detail", args=[world.hub.slug, world.member.pk]))
    assert _erase_url(world, world.member) not in detail.content.decode()
    page = client.post(_erase_url(world, world.member), {"how": "phone", "confirm": "on"})
    assert page.status_code == 400 and "Delete my account" in page.content.decode()
    assert not Erasure.objects.exists()


def test_someone_also_in_another_hub_is_for_the_operator_and_the_hub_is_not_named(
    world, client_for
):
    Membership.objects.create(person=world.assisted, hub=world.other_hub)
    page = client_for(world.coordinator).post(
        _erase_url(world, world.assisted), {"how": "phone", "confirm": "on"}
    )
    text = page.content.decode()
    assert page.status_code == 400 and "operator" in text
    assert world.other_hub.name not in text and not Erasure.objects.exists()


@pytest.mark.parametrize("who", ["staff", "member", "other_coordinator", "outsider"])
def test_only_the_hubs_coordinators_may_ask(world, client_for, who):
    client = client_for(getattr(world, who))
    for page in (
        client.get(_erase_url(world, world.assisted)),
        client.post(_erase_url(world, world.assisted), {"how": "phone", "confirm": "on"}),
    ):
        assert page.status_code in (403, 404)
    assert not Erasure.objects.exists()


def test_someone_of_another_hub_is_not_found(world, client_for):
    page = client_for(world.coordinator).get(_erase_url(world, world.outsider))
    assert page.status_code == 404


# --- the operator's command ---------------------------------------------------------------


def test_the_operator_erases_by_email(world, capsys):
    call_command("people", "erase", "SAM@example.org", "--yes")
    assert "Erased" in capsys.readouterr().out
    assert Erasure.objects.get().route == "operator"
    assert not Person.objects.filter(email="sam@example.org").exists()


# --- what the split covers, and the retention table in the docs ---------------------------


def test_every_model_with_a_person_foreign_key_has_a_hub_or_a_reason():
    from django.apps import apps

    covered = {link.model._meta.label for link in erasure_sweep.person_links()}
    for model in apps.get_models():
        refers = any(
            f.is_relation and f.related_model is Person for f in model._meta.concrete_fields
        )
        if refers:
            assert model._meta.label in covered or model._meta.label in erasure_sweep.NO_HUB
    for label in erasure_sweep.NO_HUB:
        apps.get_model(label)  # every model named there exists
    paths = {link.model._meta.label: link.hub_path for link in erasure_sweep.person_links()}
    assert paths["timebank.ExchangeMessage"] == "exchange__hub"
    assert paths["deliberation.Vote"].endswith("__hub")
    assert paths["hubs.Membership"] == "hub"


def test_a_model_with_no_way_to_a_hub_has_no_path():
    from coproduce.notify.models import Preference

    assert erasure_sweep.hub_path(Preference) is None
    assert "notify.Preference" in erasure_sweep.NO_HUB


def test_the_privacy_doc_shows_the_retention_table():
    doc = (Path(__file__).parents[2] / "docs" / "privacy.md").read_text("utf-8")
    assert retention.markdown_table() in doc
    assert {rule.on_erasure for rule in retention.TABLE} == {"deleted", "pseudonymised", "kept"}
