"""Referrals: consent, triage, matching with the safeguarding gate, offers and their
answers, and what each persona may see."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from coproduce.errors import ApplicationError
from coproduce.hubs.models import AuditEvent, ConsentRecord, Person, SafeguardingCheck
from coproduce.notify.models import Delivery, Kind, Notification
from coproduce.referrals import access, services
from coproduce.referrals.models import MatchOffer, OfferStatus, Referral, ReferralStatus
from coproduce.timebank.models import ExchangeStatus

from .conftest import consent, refer_molly, triage


def test_a_gp_refers_someone_new_with_their_consent(
    world, scene, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = refer_molly(world, new_person={"display_name": "Molly Jenkins"})
    molly = referral.person
    assert molly.is_assisted_digital and molly.created_by == world.staff
    assert referral.status == ReferralStatus.NEW
    assert referral.organisation == world.hub.host
    assert referral.consent.purpose.startswith("To be referred")
    assert referral.consent.method == "in_person"
    assert "Consent given by: The person themselves, on" in referral.consent.note
    assert referral.consent.recorded_by == world.staff
    assert AuditEvent.objects.filter(event="referral.created", subject_id=referral.pk).exists()
    [email] = [m for m in mailoutbox if "New referral" in m.subject and "grace" in m.to[0]]
    assert "Widowed" not in email.body  # no health details by email


def test_an_existing_member_can_be_referred(world, scene):
    referral = services.referral_create(
        actor=world.staff,
        hub=world.hub,
        person=world.member,
        consent=consent(method="phone"),
        description="Needs lifts to the hospital.",
    )
    assert referral.person == world.member
    assert referral.postcode_district == "MB1"  # from the member's profile
    assert ConsentRecord.objects.filter(person=world.member, method="phone").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"consent": consent(given=False)}, "consent_given"),
        ({"consent": consent(given_by=" ")}, "consent_given_by"),
        ({"consent": consent(purpose="")}, "consent_purpose"),
        (
            # A month ahead: parameters are made at collection, perhaps before midnight.
            {"consent": consent(given_on=timezone.localdate() + datetime.timedelta(days=30))},
            "consent_given_on",
        ),
        ({"consent": consent(method="online")}, "consent_method"),
        ({"description": "  "}, "description"),
        ({"urgency": "yesterday"}, "urgency"),
        ({"preferred_times": ["someday"]}, "preferred_times"),
        ({"new_person": {"display_name": ""}}, "display_name"),
    ],
)
def test_a_bad_referral_names_the_field_and_saves_nothing(world, scene, changes, field):
    people, consents = Person.objects.count(), ConsentRecord.objects.count()
    with pytest.raises(ApplicationError) as error:
        refer_molly(world, **changes)
    assert error.value.field == field
    assert Referral.objects.count() == 1  # the fixture's
    assert (Person.objects.count(), ConsentRecord.objects.count()) == (people, consents)


@pytest.mark.parametrize("persona", ["member", "outsider"])
def test_only_staff_refer(world, scene, persona):
    with pytest.raises(PermissionDenied):
        refer_molly(world, actor=world.persona(persona))


def test_triage_records_what_the_person_can_give(world, scene):
    referral = triage(world, scene.referral)
    assert referral.status == ReferralStatus.TRIAGED
    assert Person.objects.get(pk=referral.person_id).assets == [
        "knitting",
        "stories of old Millbrook",
    ]
    assert referral.triaged_at is not None
    with pytest.raises(PermissionDenied):
        triage(world, scene.referral, actor=world.staff)


def test_suggestions_rank_by_fit_and_never_cross_the_gate(world, scene):
    referral = triage(world, scene.referral)
    suggestions = services.match_suggestions(actor=world.coordinator, referral=referral)
    names = [s.membership.person for s in suggestions]
    assert scene.volunteer in names
    assert scene.unchecked not in names  # same fit, but no check
    assert world.member not in names  # phone calls, but no check either
    top = suggestions[0]
    assert top.membership.person == scene.volunteer
    assert "Gives help with Phone calls" in top.reasons
    assert any(r.startswith("Lives in the same area (MB2)") for r in top.reasons)
    assert any(r.startswith("Safeguarding check valid until") for r in top.reasons)
    assert "Free at the preferred times: Tuesday mornings" in top.reasons


def test_without_a_needed_check_the_unchecked_are_suggested_too(world, scene):
    referral = triage(world, scene.referral, needs_check=False)
    names = [
        s.membership.person
        for s in services.match_suggestions(actor=world.coordinator, referral=referral)
    ]
    assert {scene.volunteer, scene.unchecked, world.member} <= set(names)


def test_an_offer_to_someone_without_a_valid_check_is_refused(world, scene):
    triage(world, scene.referral)
    with pytest.raises(ApplicationError, match="safeguarding check") as error:
        services.offer_send(
            actor=world.coordinator, referral=scene.referral, volunteer=scene.unchecked
        )
    assert error.value.field == "volunteer"
    assert not MatchOffer.objects.exists()


def test_an_expired_check_fails_the_gate_even_after_the_offer(world, scene):
    triage(world, scene.referral)
    offer = services.offer_send(
        actor=world.coordinator, referral=scene.referral, volunteer=scene.volunteer
    )
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    SafeguardingCheck.objects.filter(person=scene.volunteer).update(
        issued_on=yesterday - datetime.timedelta(days=1000), expires_on=yesterday
    )
    with pytest.raises(ApplicationError, match="safeguarding check"):
        services.offer_accept(actor=scene.volunteer, offer=offer)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.SENT
    assert Referral.objects.get().status == ReferralStatus.TRIAGED


def test_offers_wait_for_triage(world, scene):
    with pytest.raises(ApplicationError, match="Triage"):
        services.offer_send(
            actor=world.coordinator, referral=scene.referral, volunteer=scene.volunteer
        )


def test_accepting_matches_creates_the_exchange_and_withdraws_the_rest(
    world, scene, mailoutbox, django_capture_on_commit_callbacks
):
    triage(world, scene.referral, needs_check=False)
    offer = services.offer_send(
        actor=world.coordinator, referral=scene.referral, volunteer=scene.volunteer
    )
    other = services.offer_send(
        actor=world.coordinator, referral=scene.referral, volunteer=scene.unchecked
    )
    with pytest.raises(PermissionDenied):
        services.offer_accept(actor=scene.unchecked, offer=offer)
    with django_capture_on_commit_callbacks(execute=True):
        services.offer_accept(actor=scene.volunteer, offer=offer)
    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.MATCHED
    assert referral.exchange.status == ExchangeStatus.AGREED
    assert {p.account.membership.person for p in referral.exchange.parties.all()} == {
        scene.volunteer,
        referral.person,
    }
    other.refresh_from_db()
    assert other.status == OfferStatus.WITHDRAWN
    with pytest.raises(ApplicationError):
        services.offer_accept(actor=scene.unchecked, offer=other)
    # The referrer hears of progress (in a daily summary, unless they choose otherwise).
    told = Notification.objects.get(recipient=world.staff, kind=Kind.REFERRAL_PROGRESS)
    assert told.subject.startswith("Referral matched") and told.delivery == Delivery.DAILY
    assert "Vera" not in told.body  # the referrer is not given the volunteer's details


def test_the_same_volunteer_is_not_asked_twice(world, scene):
    triage(world, scene.referral)
    services.offer_send(actor=world.coordinator, referral=scene.referral, volunteer=scene.volunteer)
    with pytest.raises(ApplicationError, match="already been asked"):
        services.offer_send(
            actor=world.coordinator, referral=scene.referral, volunteer=scene.volunteer
        )


def test_the_commitment_cap_is_kept(world, scene):
    policy = services.policy_for(world.hub)
    policy.commitment_cap = 1
    policy.save()
    triage(world, scene.referral)
    offer = services.offer_send(
        actor=world.coordinator, referral=scene.referral, volunteer=scene.volunteer
    )
    services.offer_accept(actor=scene.volunteer, offer=offer)
    second = refer_molly(world, new_person={"display_name": "Albert Shaw"})
    second = triage(world, second)
    with pytest.raises(ApplicationError, match="commitments"):
        services.offer_send(actor=world.coordinator, referral=second, volunteer=scene.volunteer)
    suggested = services.match_suggestions(actor=world.coordinator, referral=second)
    assert scene.volunteer not in [s.membership.person for s in suggested]


def test_decline_start_and_close(world, scene, mailoutbox, django_capture_on_commit_callbacks):
    triage(world, scene.referral)
    offer = services.offer_send(
        actor=world.coordinator, referral=scene.referral, volunteer=scene.volunteer
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.offer_decline(actor=scene.volunteer, offer=offer, reason="Away in May")
    assert any("cannot take on" in m.subject for m in mailoutbox)
    again = services.offer_send(
        actor=world.coordinator, referral=scene.referral, volunteer=scene.volunteer
    )
    services.offer_accept(actor=scene.volunteer, offer=again)
    services.referral_start(actor=scene.volunteer, referral=scene.referral)
    assert Referral.objects.get().status == ReferralStatus.ACTIVE
    with pytest.raises(ApplicationError, match="outcome"):
        services.referral_close(actor=world.coordinator, referral=scene.referral, outcome="")
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_close(
            actor=world.coordinator, referral=scene.referral, outcome="helped", note="Weekly calls"
        )
    referral = Referral.objects.get()
    assert (referral.status, referral.outcome) == (ReferralStatus.CLOSED, "helped")
    assert Notification.objects.filter(
        recipient=scene.referral.referred_by, subject__startswith="Referral closed"
    ).exists()


@pytest.mark.parametrize(
    ("persona", "view"),
    [
        ("coordinator", "coordinator"),
        ("admin", "coordinator"),
        ("staff", "referrer"),
        ("member", None),
        ("outsider", None),
        ("other_coordinator", None),
    ],
)
def test_who_sees_a_referral(world, scene, persona, view):
    assert access.referral_view_of(world.persona(persona), scene.referral) == view


def test_a_volunteer_sees_it_only_while_asked(world, scene):
    triage(world, scene.referral)
    assert access.referral_view_of(scene.volunteer, scene.referral) is None
    offer = services.offer_send(
        actor=world.coordinator, referral=scene.referral, volunteer=scene.volunteer
    )
    assert access.referral_view_of(scene.volunteer, scene.referral) == "volunteer"
    services.offer_decline(actor=scene.volunteer, offer=offer)
    assert access.referral_view_of(scene.volunteer, scene.referral) is None


def test_a_coordinator_of_another_hub_cannot_match(world, scene):
    with pytest.raises(PermissionDenied):
        services.match_suggestions(actor=world.other_coordinator, referral=scene.referral)


def test_an_offer_to_someone_whose_check_has_expired_is_refused(world, scene):
    triage(world, scene.referral)
    today = timezone.localdate()
    SafeguardingCheck.objects.filter(person=scene.volunteer).update(
        issued_on=today - datetime.timedelta(days=1100), expires_on=today
    )
    with pytest.raises(ApplicationError, match="none valid"):
        services.offer_send(
            actor=world.coordinator, referral=scene.referral, volunteer=scene.volunteer
        )
    assert not MatchOffer.objects.exists()
