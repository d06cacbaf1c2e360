import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from coproduce.errors import ApplicationError
from coproduce.hubs import services
from coproduce.hubs.models import (
    AuditEvent,
    CheckType,
    ConsentMethod,
    ConsentRecord,
    Invitation,
    JoinRequest,
    Membership,
    Person,
    Role,
    SafeguardingCheck,
)
from tests.conftest import PASSWORD


def membership(world, person, hub=None):
    return Membership.objects.get(person=person, hub=hub or world.hub)


# --- registration ---------------------------------------------------------------------


def test_registering_stores_a_lowercase_email_and_a_hashed_password(db):
    person = services.person_register(
        email=" Ann@Example.ORG ", display_name="Ann", password=PASSWORD
    )
    assert person.email == "ann@example.org"
    assert person.check_password(PASSWORD)
    assert AuditEvent.objects.filter(event="person.registered", subject_id=person.pk).exists()


def test_it_refuses_a_second_account_for_the_same_email_in_any_case(world):
    with pytest.raises(ApplicationError) as error:
        services.person_register(email="SAM@example.org", display_name="Sam 2", password=PASSWORD)
    assert error.value.field == "email"


def test_it_refuses_a_weak_password_and_saves_nothing(db):
    with pytest.raises(ApplicationError) as error:
        services.person_register(email="a@example.org", display_name="A", password="12345")
    assert error.value.field == "password"
    assert not Person.objects.exists()


# --- assisted digital ---------------------------------------------------------------------


def test_a_coordinator_creates_someone_not_online_with_consent_and_entered_by(world):
    ron = world.assisted
    assert ron.email is None and not ron.has_usable_password()
    assert ron.is_assisted_digital
    assert ron.created_by == world.coordinator
    assert membership(world, ron).role == Role.MEMBER
    consent = ConsentRecord.objects.get(person=ron)
    assert consent.method == ConsentMethod.PHONE and consent.recorded_by == world.coordinator
    created = AuditEvent.objects.get(event="person.created", subject_id=ron.pk)
    assert created.actor == world.coordinator and created.on_behalf_of == ron


def test_assisted_creation_needs_consent_recorded_offline(world):
    with pytest.raises(ApplicationError) as error:
        services.person_create_assisted(
            actor=world.coordinator,
            hub=world.hub,
            display_name="Edna",
            consent_purpose="",
            consent_method=ConsentMethod.PAPER,
        )
    assert error.value.field == "consent_purpose"
    with pytest.raises(ApplicationError) as error:
        services.person_create_assisted(
            actor=world.coordinator,
            hub=world.hub,
            display_name="Edna",
            consent_purpose="Membership",
            consent_method=ConsentMethod.ONLINE,
        )
    assert error.value.field == "consent_method"


def test_bad_assisted_input_saves_nothing_at_all(world):
    people, audits = Person.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as error:
        services.person_create_assisted(
            actor=world.coordinator,
            hub=world.hub,
            display_name="Edna",
            consent_purpose="Membership",
            consent_method=ConsentMethod.PAPER,
            postcode_district="not a postcode",
        )
    assert error.value.field == "postcode_district"
    assert Person.objects.count() == people
    assert AuditEvent.objects.count() == audits


@pytest.mark.parametrize("persona", ["member", "staff", "outsider", "other_coordinator"])
def test_only_the_hubs_coordinators_create_assisted_members(world, persona):
    with pytest.raises(PermissionDenied):
        services.person_create_assisted(
            actor=world.persona(persona),
            hub=world.hub,
            display_name="Edna",
            consent_purpose="Membership",
            consent_method=ConsentMethod.PAPER,
        )


# --- profiles ---------------------------------------------------------------------------


def test_a_person_updates_their_own_profile_and_the_audit_keeps_old_and_new(world):
    services.profile_update(
        actor=world.member,
        person=world.member,
        changes={"display_name": "Samira", "languages": ["English"]},
    )
    event = AuditEvent.objects.filter(event="profile.updated").latest("id")
    assert event.actor == world.member and event.on_behalf_of is None
    assert event.old == {"display_name": "Sam Member", "languages": []}
    assert event.new == {"display_name": "Samira", "languages": ["English"]}


def test_an_unchanged_profile_writes_no_audit_row(world):
    before = AuditEvent.objects.count()
    services.profile_update(
        actor=world.member, person=world.member, changes={"display_name": "Sam Member"}
    )
    assert AuditEvent.objects.count() == before


def test_a_coordinator_edits_for_someone_and_it_is_entered_by_them_for_that_person(world):
    services.profile_update(
        actor=world.coordinator,
        person=world.assisted,
        hub=world.hub,
        changes={"assets": ["knitting"]},
    )
    event = AuditEvent.objects.filter(event="profile.updated").latest("id")
    assert (event.actor, event.on_behalf_of, event.hub) == (
        world.coordinator,
        world.assisted,
        world.hub,
    )


def test_a_coordinator_of_another_hub_cannot_edit_a_profile(world):
    with pytest.raises(PermissionDenied):
        services.profile_update(
            actor=world.other_coordinator,
            person=world.member,
            hub=world.other_hub,
            changes={"display_name": "X"},
        )
    with pytest.raises(PermissionDenied):
        services.profile_update(
            actor=world.other_coordinator,
            person=world.member,
            hub=world.hub,
            changes={"display_name": "X"},
        )


def test_a_member_cannot_edit_someone_elses_profile(world):
    with pytest.raises(PermissionDenied):
        services.profile_update(
            actor=world.staff, person=world.member, hub=world.hub, changes={"display_name": "X"}
        )


def test_a_coordinator_can_give_an_offline_person_an_email_but_never_change_a_sign_in(world):
    services.profile_update(
        actor=world.coordinator,
        person=world.assisted,
        hub=world.hub,
        changes={"email": "Ron@Example.org"},
    )
    world.assisted.refresh_from_db()
    assert world.assisted.email == "ron@example.org"
    with pytest.raises(PermissionDenied):
        services.profile_update(
            actor=world.coordinator,
            person=world.member,
            hub=world.hub,
            changes={"email": "attacker@example.org"},
        )


# --- roles and membership -----------------------------------------------------------------


def test_a_coordinator_can_make_someone_staff_but_not_admin(world):
    member = membership(world, world.member)
    services.membership_change_role(actor=world.coordinator, membership=member, role=Role.STAFF)
    assert membership(world, world.member).role == Role.STAFF
    with pytest.raises(PermissionDenied):
        services.membership_change_role(actor=world.coordinator, membership=member, role=Role.ADMIN)


def test_a_coordinator_cannot_demote_an_admin(world):
    with pytest.raises(PermissionDenied):
        services.membership_change_role(
            actor=world.coordinator, membership=membership(world, world.admin), role=Role.MEMBER
        )


def test_the_last_admin_cannot_step_down_or_leave(world):
    admin = membership(world, world.admin)
    with pytest.raises(ApplicationError, match="at least one admin"):
        services.membership_change_role(actor=world.admin, membership=admin, role=Role.MEMBER)
    with pytest.raises(ApplicationError, match="at least one admin"):
        services.membership_end(actor=world.admin, membership=admin)
    services.membership_change_role(
        actor=world.admin, membership=membership(world, world.coordinator), role=Role.ADMIN
    )
    services.membership_change_role(actor=world.admin, membership=admin, role=Role.MEMBER)
    assert membership(world, world.admin).role == Role.MEMBER


def test_a_member_leaves_and_can_later_be_added_back(world):
    services.membership_end(
        actor=world.member, membership=membership(world, world.member), reason="Moving away"
    )
    assert not membership(world, world.member).is_active
    services.membership_add(actor=world.coordinator, hub=world.hub, person=world.member)
    assert membership(world, world.member).is_active
    events = list(
        AuditEvent.objects.filter(
            subject_type="membership", subject_id=membership(world, world.member).pk
        )
        .order_by("pk")
        .values_list("event", flat=True)
    )
    assert events[-2:] == ["membership.ended", "membership.rejoined"]


def test_a_member_sets_their_area_but_only_to_one_of_their_hubs_areas(world):
    area = services.neighbourhood_create(actor=world.coordinator, hub=world.hub, name="MB1 east")
    other_area = services.neighbourhood_create(
        actor=world.other_coordinator, hub=world.other_hub, name="Oak Tower"
    )
    mine = membership(world, world.member)
    services.membership_update(actor=world.member, membership=mine, changes={"neighbourhood": area})
    assert membership(world, world.member).area == "MB1 east"
    with pytest.raises(ApplicationError):
        services.membership_update(
            actor=world.member, membership=mine, changes={"neighbourhood": other_area}
        )
    with pytest.raises(PermissionDenied):
        services.membership_update(
            actor=world.member, membership=mine, changes={"organisation": None}
        )


# --- consent and checks -------------------------------------------------------------------


def test_a_member_records_their_own_consent_online_only(world):
    services.consent_record(
        actor=world.member,
        hub=world.hub,
        person=world.member,
        purpose="Be contacted by text",
        given=True,
        method=ConsentMethod.ONLINE,
    )
    with pytest.raises(ApplicationError) as error:
        services.consent_record(
            actor=world.member,
            hub=world.hub,
            person=world.member,
            purpose="Be contacted",
            given=True,
            method=ConsentMethod.PAPER,
        )
    assert error.value.field == "method"


def test_withdrawing_consent_is_kept_as_a_new_record(world):
    services.consent_record(
        actor=world.coordinator,
        hub=world.hub,
        person=world.assisted,
        purpose="To be a member",
        given=False,
        method=ConsentMethod.PHONE,
    )
    records = ConsentRecord.objects.filter(person=world.assisted)
    assert [record.given for record in records] == [False, True]
    assert AuditEvent.objects.filter(event="consent.withdrawn").exists()


def test_a_coordinator_records_a_safeguarding_check(world):
    today = timezone.localdate()
    check = services.safeguarding_check_add(
        actor=world.coordinator,
        hub=world.hub,
        person=world.member,
        check_type=CheckType.DBS_ENHANCED,
        reference="001234567890",
        issued_on=today - datetime.timedelta(days=10),
        expires_on=today + datetime.timedelta(days=365),
    )
    assert check.is_valid_on(today) and not check.is_expired
    assert not check.is_valid_on(today + datetime.timedelta(days=365))


@pytest.mark.parametrize(
    ("issued", "expires", "field"),
    [(-10, -20, "expires_on"), (-10, -10, "expires_on"), (5, 400, "issued_on")],
)
def test_check_dates_that_make_no_sense_are_refused(world, issued, expires, field):
    today = timezone.localdate()
    with pytest.raises(ApplicationError) as error:
        services.safeguarding_check_add(
            actor=world.coordinator,
            hub=world.hub,
            person=world.member,
            check_type=CheckType.DBS_BASIC,
            reference="X1",
            issued_on=today + datetime.timedelta(days=issued),
            expires_on=today + datetime.timedelta(days=expires),
        )
    assert error.value.field == field
    assert not SafeguardingCheck.objects.exists()


@pytest.mark.parametrize("persona", ["member", "staff", "other_coordinator"])
def test_only_the_hubs_coordinators_record_checks(world, persona):
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        services.safeguarding_check_add(
            actor=world.persona(persona),
            hub=world.hub,
            person=world.member,
            check_type=CheckType.DBS_BASIC,
            reference="X1",
            issued_on=today,
            expires_on=today + datetime.timedelta(days=1),
        )


def test_removing_a_check_needs_a_reason_and_the_audit_keeps_what_it_said(world):
    today = timezone.localdate()
    check = services.safeguarding_check_add(
        actor=world.coordinator,
        hub=world.hub,
        person=world.member,
        check_type=CheckType.DBS_BASIC,
        reference="WRONG-REF",
        issued_on=today,
        expires_on=today + datetime.timedelta(days=30),
    )
    with pytest.raises(ApplicationError):
        services.safeguarding_check_remove(actor=world.coordinator, check=check, reason=" ")
    services.safeguarding_check_remove(
        actor=world.coordinator, check=check, reason="Typed for the wrong person"
    )
    assert not SafeguardingCheck.objects.exists()
    event = AuditEvent.objects.get(event="check.removed")
    assert event.old["reference"] == "WRONG-REF"


# --- invitations ------------------------------------------------------------------------


def test_an_invitation_emails_a_link_that_joins_the_hub_once(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = services.invitation_create(
            actor=world.coordinator, hub=world.hub, email="New@Example.org"
        )
    assert len(mail.outbox) == 1
    assert f"/invitations/{token}/" in mail.outbox[0].body
    assert token not in invitation.token_hash
    person = services.invitation_sign_up(token=token, display_name="Newcomer", password=PASSWORD)
    assert membership(world, person).role == Role.MEMBER
    with pytest.raises(ApplicationError, match="already been used"):
        services.invitation_accept(token=token, person=person)


def test_an_invitation_is_accepted_only_by_the_address_it_was_sent_to(world):
    _, token = services.invitation_create(
        actor=world.coordinator, hub=world.hub, email="someone@example.org"
    )
    with pytest.raises(ApplicationError, match=re.escape("someone@example.org")):
        services.invitation_accept(token=token, person=world.outsider)
    assert not Membership.objects.filter(hub=world.hub, person=world.outsider).exists()


def test_an_expired_invitation_is_refused(world):
    invitation, token = services.invitation_create(
        actor=world.coordinator, hub=world.hub, email="late@example.org"
    )
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    with pytest.raises(ApplicationError, match="expired"):
        services.invitation_sign_up(token=token, display_name="Late", password=PASSWORD)
    assert not Person.objects.filter(email="late@example.org").exists()


def test_a_coordinator_cannot_invite_an_admin_or_an_existing_member(world):
    with pytest.raises(ApplicationError) as error:
        services.invitation_create(
            actor=world.coordinator, hub=world.hub, email="x@example.org", role=Role.ADMIN
        )
    assert error.value.field == "role"
    with pytest.raises(ApplicationError) as error:
        services.invitation_create(actor=world.coordinator, hub=world.hub, email="sam@example.org")
    assert error.value.field == "email"


# --- join requests ----------------------------------------------------------------------


def test_a_join_request_tells_the_coordinators_and_approval_makes_a_member(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = services.join_request_create(
            person=world.outsider, hub=world.hub, message="I live in MB2"
        )
    # Each coordinator is emailed on their own: nobody sees another's address.
    assert sorted(m.to for m in mail.outbox) == [["grace@example.org"], ["helen@example.org"]]
    with pytest.raises(ApplicationError, match="already asked"):
        services.join_request_create(person=world.outsider, hub=world.hub)
    with django_capture_on_commit_callbacks(execute=True):
        services.join_request_approve(
            actor=world.coordinator, join_request=request, note="Welcome!"
        )
    assert membership(world, world.outsider).is_active
    assert mail.outbox[-1].to == ["jean@example.org"]
    assert "Welcome!" in mail.outbox[-1].body
    with pytest.raises(ApplicationError, match="already been answered"):
        services.join_request_decline(actor=world.coordinator, join_request=request)


def test_a_declined_request_makes_no_membership(world):
    request = services.join_request_create(person=world.outsider, hub=world.hub)
    services.join_request_decline(actor=world.admin, join_request=request)
    assert not Membership.objects.filter(person=world.outsider, hub=world.hub).exists()
    assert JoinRequest.objects.get(pk=request.pk).decided_by == world.admin


def test_members_cannot_ask_to_join_again_and_invite_only_hubs_refuse_requests(world):
    with pytest.raises(ApplicationError, match="already a member"):
        services.join_request_create(person=world.member, hub=world.hub)
    hub = services.hub_update(
        actor=world.admin, hub=world.hub, changes={"accepts_join_requests": False}
    )
    with pytest.raises(ApplicationError, match="invitation only"):
        services.join_request_create(person=world.outsider, hub=hub)


def test_another_hubs_coordinator_cannot_approve_requests(world):
    request = services.join_request_create(person=world.outsider, hub=world.hub)
    with pytest.raises(PermissionDenied):
        services.join_request_approve(actor=world.other_coordinator, join_request=request)


def test_only_site_operators_create_hubs(world):
    with pytest.raises(PermissionDenied):
        services.hub_create(actor=world.admin, slug="x", name="X", purpose="X", admin=world.admin)
