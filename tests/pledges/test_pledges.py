"""Pledges: drafting, signing off on both sides, publishing versions with their
differences, retiring, templates and adoption, and who may do each."""

import pytest
from django.core.exceptions import PermissionDenied

from coproduce.audit import AuditKind
from coproduce.errors import ApplicationError
from coproduce.hubs.models import AuditEvent
from coproduce.pledges import services
from coproduce.pledges.content import draft_of, fingerprint, has_changes, latest_version
from coproduce.pledges.diffs import differences, local_changes
from coproduce.pledges.models import PledgeCategory, PledgeStatus, SignOff
from tests.pledges.conftest import category, sign_both


def test_a_draft_is_not_live_until_published(world, drafted):
    assert drafted.status == PledgeStatus.DRAFT
    assert not PledgeCategory.objects.filter(pledge=drafted).exists()
    content = draft_of(drafted)
    assert [c["code"] for c in content["categories"]] == ["gp-callback", "prescriptions"]
    [question] = content["categories"][1]["attributes"]
    assert question["required"] and question["datatype"] == "singlevaluelist"
    assert [v["name"] for v in question["values"]] == ["Millbrook Road", "Station Street"]
    assert content["grown_from"][0]["text"] == "Call backs on the same day."


def test_publishing_needs_staff_and_a_service_user(world, drafted):
    services.pledge_sign(actor=world.staff, pledge=drafted)
    with pytest.raises(ApplicationError, match="for the people who use it"):
        services.pledge_publish(actor=world.coordinator, pledge=drafted)
    services.pledge_sign(actor=world.member, pledge=drafted)
    version = services.pledge_publish(actor=world.coordinator, pledge=drafted, change_note="Ok")
    drafted.refresh_from_db()
    assert version.number == 1 and drafted.status == PledgeStatus.PUBLISHED
    assert drafted.draft is None
    assert {s.role for s in version.sign_offs.all()} == {"staff", "users"}
    live = PledgeCategory.objects.get(code="prescriptions")
    assert live.target_amount == 2 and live.attributes[0]["code"] == "which-surgery"
    assert list(PledgeCategory.objects.get(code="gp-callback").staff.all()) == [world.staff]
    assert list(drafted.grown_from.values_list("text", flat=True)) == [
        "Call backs on the same day."
    ]
    assert AuditEvent.objects.filter(event=AuditKind.PLEDGE_PUBLISHED.value).count() == 1


def test_two_staff_are_not_enough(world, drafted):
    services.pledge_sign(actor=world.staff, pledge=drafted)
    services.pledge_sign(actor=world.coordinator, pledge=drafted)
    assert services.missing_sign_offs(drafted) == ["users"]
    with pytest.raises(ApplicationError):
        services.pledge_publish(actor=world.coordinator, pledge=drafted)


def test_a_signature_speaks_only_while_its_signer_is_on_that_side(world, drafted):
    from coproduce.hubs import services as hubs
    from coproduce.hubs.models import Membership

    sign_both(world, drafted)
    assert services.missing_sign_offs(drafted) == []
    # The service user who signed joins the staff: they no longer speak for the users.
    member = Membership.objects.get(hub=world.hub, person=world.member)
    hubs.membership_change_role(actor=world.coordinator, membership=member, role="staff")
    assert services.missing_sign_offs(drafted) == ["users"]
    with pytest.raises(ApplicationError, match="for the people who use it"):
        services.pledge_publish(actor=world.coordinator, pledge=drafted)
    # The member of staff who signed leaves: the service must sign again too.
    staff = Membership.objects.get(hub=world.hub, person=world.staff)
    hubs.membership_end(actor=world.coordinator, membership=staff, reason="Moved on")
    assert set(services.missing_sign_offs(drafted)) == {"staff", "users"}


def test_a_signature_is_for_the_words_the_signer_read(world, drafted, client):
    from django.urls import reverse

    read = fingerprint(draft_of(drafted))
    services.category_save(
        actor=world.staff,
        pledge=drafted,
        existing_code="gp-callback",
        **{k: v for k, v in category(target_amount=4, target_unit="working_hours").items()
           if k != "code"},
    )  # fmt: skip
    drafted.refresh_from_db()
    with pytest.raises(ApplicationError, match="changed while you were reading"):
        services.pledge_sign(actor=world.member, pledge=drafted, seen=read)
    # Through the page: the stale form signs nothing and says why.
    client.force_login(world.member)
    url = reverse("pledge-sign", args=[world.hub.slug, drafted.slug])
    response = client.post(url, {"seen": read}, follow=True)
    assert "changed while you were reading" in response.content.decode()
    assert not SignOff.objects.filter(pledge=drafted).exists()
    page = client.get(reverse("pledge-draft", args=[world.hub.slug, drafted.slug]))
    now = fingerprint(draft_of(drafted))
    assert f'name="seen" value="{now}"' in page.content.decode()
    client.post(url, {"seen": now})
    assert SignOff.objects.filter(pledge=drafted, person=world.member).count() == 1


def test_a_category_given_no_code_gets_one_from_the_hub_and_its_name(world, drafted):
    made = services.category_save(
        actor=world.staff, pledge=drafted, **category(code="", name="Home visits")
    )
    assert made["code"] == "millbrook-home-visits"
    other = services.pledge_create(actor=world.staff, hub=world.hub, title="Another")
    again = services.category_save(
        actor=world.staff, pledge=other, **category(code="", name="Home visits")
    )
    assert again["code"] == "millbrook-home-visits"  # not yet live: both are drafts
    sign_both(world, drafted)
    services.pledge_publish(actor=world.coordinator, pledge=drafted)
    third = services.pledge_create(actor=world.staff, hub=world.hub, title="A third")
    later = services.category_save(
        actor=world.staff, pledge=third, **category(code="", name="Home visits")
    )
    assert later["code"] == "millbrook-home-visits-2"  # the first is live on the site


def test_a_change_after_signing_needs_signing_again(world, drafted):
    sign_both(world, drafted)
    services.category_save(
        actor=world.staff,
        pledge=drafted,
        existing_code="gp-callback",
        **{k: v for k, v in category(target_amount=4, target_unit="working_hours").items()
           if k != "code"},
    )  # fmt: skip
    drafted.refresh_from_db()
    assert set(services.missing_sign_offs(drafted)) == {"staff", "users"}
    with pytest.raises(ApplicationError, match="signing off"):
        services.pledge_publish(actor=world.coordinator, pledge=drafted)
    sign_both(world, drafted)
    services.pledge_publish(actor=world.coordinator, pledge=drafted)
    assert PledgeCategory.objects.get(code="gp-callback").target_unit == "working_hours"


def test_who_is_told_is_not_signed(world, drafted):
    sign_both(world, drafted)
    before = fingerprint(draft_of(drafted))
    services.category_save(
        actor=world.staff,
        pledge=drafted,
        existing_code="gp-callback",
        **{k: v for k, v in category(staff=[world.coordinator]).items() if k != "code"},
    )
    drafted.refresh_from_db()
    assert fingerprint(draft_of(drafted)) == before
    assert services.missing_sign_offs(drafted) == []


def test_signing_twice_signs_once(world, drafted):
    first = services.pledge_sign(actor=world.member, pledge=drafted)
    again = services.pledge_sign(actor=world.member, pledge=drafted)
    assert first.pk == again.pk and SignOff.objects.count() == 1
    assert first.role == "users"


def test_a_later_version_shows_what_changed(world, published):
    services.category_save(
        actor=world.staff,
        pledge=published,
        existing_code="prescriptions",
        **{k: v for k, v in category(name="Repeat prescriptions", commitment="Ready to collect",
                                     target_amount=3, target_unit="working_days").items()
           if k != "code"},
    )  # fmt: skip
    services.category_remove(actor=world.staff, pledge=published, code="gp-callback")
    services.pledge_update(
        actor=world.staff,
        pledge=published,
        title="Patient experience",
        user_commitments=[{"text": "Come to appointments on time", "measure": ""}],
    )
    published.refresh_from_db()
    # Nothing live changes until it is published again.
    assert PledgeCategory.objects.get(code="prescriptions").target_amount == 2
    assert published.is_published
    sign_both(world, published)
    version = services.pledge_publish(actor=world.coordinator, pledge=published)
    assert version.number == 2
    lines = differences(published.versions.get(number=1).content, version.content)
    text = "\n".join(lines)
    assert "Repeat prescriptions: the target changed from within 2 working days to within 3" in text
    assert "The category “A call back from the GP” removed." in text
    assert "Users now commit to “Come to appointments on time”." in text
    assert "Users no longer commit to “Cancel appointments you cannot keep”." in text
    assert "The summary removed" in text
    gone = PledgeCategory.objects.get(code="gp-callback")
    assert not gone.is_active  # it keeps its reports, and takes no new ones


def test_nothing_to_publish_or_sign_when_nothing_changed(world, published):
    with pytest.raises(ApplicationError, match="Nothing"):
        services.pledge_sign(actor=world.staff, pledge=published)
    with pytest.raises(ApplicationError, match="Nothing has changed"):
        services.pledge_publish(actor=world.coordinator, pledge=published)


@pytest.mark.parametrize(
    ("persona", "action"),
    [
        ("member", "edit"),
        ("outsider", "edit"),
        ("outsider", "sign"),
        ("other_coordinator", "sign"),
        ("staff", "publish"),
        ("member", "publish"),
        ("other_coordinator", "publish"),
    ],
)
def test_who_may_not(world, drafted, persona, action):
    actor = world.persona(persona)
    with pytest.raises(PermissionDenied):
        if action == "edit":
            services.pledge_update(actor=actor, pledge=drafted, title="Changed")
        elif action == "sign":
            services.pledge_sign(actor=actor, pledge=drafted)
        else:
            sign_both(world, drafted)
            services.pledge_publish(actor=actor, pledge=drafted)


def test_a_member_cannot_draft(world):
    with pytest.raises(PermissionDenied):
        services.pledge_create(actor=world.member, hub=world.hub, title="Mine")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "Bad Code"}, "code"),
        ({"code": "", "name": ""}, "code"),
        ({"name": ""}, "name"),
        ({"commitment": ""}, "commitment"),
        # The target is shown after the commitment: written in it too, it would read twice.
        (
            {
                "commitment": "Repairs made within 3 working days",
                "target_amount": 3,
                "target_unit": "working_days",
            },
            "commitment",
        ),
        ({"target_amount": 0}, "target_amount"),
        ({"target_amount": "soon"}, "target_amount"),
        ({"target_unit": "weeks"}, "target_unit"),
        ({"questions": [{"description": "Which?", "datatype": "singlevaluelist"}]}, "questions"),
        ({"questions": [{"description": "Which?", "datatype": "colour"}]}, "questions"),
    ],
)
def test_a_bad_category_names_the_field_and_saves_nothing(world, drafted, changes, field):
    before = draft_of(drafted)
    with pytest.raises(ApplicationError) as problem:
        services.category_save(
            actor=world.staff,
            pledge=drafted,
            **{**category("new-one", name="New", target_unit="working_days"), **changes},
        )
    assert problem.value.field == field
    drafted.refresh_from_db()
    assert draft_of(drafted) == before


def test_codes_are_unique_on_the_site(world, published):
    other = services.pledge_create(actor=world.other_coordinator, hub=world.other_hub, title="Bins")
    with pytest.raises(ApplicationError, match="unique on the whole site") as problem:
        services.category_save(
            actor=world.other_coordinator, pledge=other, **category("gp-callback")
        )
    assert problem.value.field == "code"


def test_statements_from_another_hub_are_refused(world, statements):
    pledge = services.pledge_create(
        actor=world.other_coordinator, hub=world.other_hub, title="Estate"
    )
    with pytest.raises(ApplicationError) as problem:
        services.pledge_update(
            actor=world.other_coordinator, pledge=pledge, title="Estate", grown_from=statements
        )
    assert problem.value.field == "grown_from"


def test_retired_pledges_take_no_changes(world, published):
    with pytest.raises(ApplicationError, match="Say why"):
        services.pledge_retire(actor=world.coordinator, pledge=published, reason="  ")
    services.pledge_retire(actor=world.coordinator, pledge=published, reason="Replaced.")
    # The same request again changes nothing; the reason is kept and shown.
    services.pledge_retire(actor=world.coordinator, pledge=published, reason="Other words.")
    published.refresh_from_db()
    assert published.retired_reason == "Replaced."
    published.refresh_from_db()
    assert published.status == PledgeStatus.RETIRED
    with pytest.raises(PermissionDenied):
        services.pledge_update(actor=world.staff, pledge=published, title="Again")


# --- templates --------------------------------------------------------------------------------


def test_adopting_a_template_makes_a_local_draft_with_its_lineage(world, published):
    with pytest.raises(PermissionDenied):  # not offered as a template yet
        services.pledge_adopt(
            actor=world.other_coordinator, template=published, hub=world.other_hub
        )
    assert services.pledge_offer_as_template(
        actor=world.coordinator, pledge=published, offered=True
    )
    local = services.pledge_adopt(
        actor=world.other_coordinator, template=published, hub=world.other_hub
    )
    assert local.hub == world.other_hub and local.adopted_from == published
    assert list(published.adoptions.all()) == [local]
    content = draft_of(local)
    assert [c["code"] for c in content["categories"]] == [
        "northfield-gp-callback",
        "northfield-prescriptions",
    ]
    assert content["grown_from"] == []  # Millbrook's statements stay in Millbrook
    template = latest_version(published).content
    assert local_changes(template, content) == []  # no local change yet
    services.category_save(
        actor=world.other_coordinator,
        pledge=local,
        existing_code="northfield-prescriptions",
        **{k: v for k, v in category(name="Repeat prescriptions", commitment="Ready",
                                     target_amount=1, target_unit="working_days").items()
           if k != "code"},
    )  # fmt: skip
    local.refresh_from_db()
    changed = local_changes(template, draft_of(local))
    assert (
        "Repeat prescriptions: the target changed from within 2 working days "
        "to within 1 working day." in changed
    )
    with pytest.raises(ApplicationError, match="adopted it already"):
        services.pledge_adopt(
            actor=world.other_coordinator, template=published, hub=world.other_hub
        )


def test_an_adopted_pledge_keeps_its_lineage_once_published(world, published):
    from coproduce.hubs import services as hubs
    from coproduce.pledges import pledge_selectors

    services.pledge_offer_as_template(actor=world.coordinator, pledge=published, offered=True)
    local = services.pledge_adopt(
        actor=world.other_coordinator, template=published, hub=world.other_hub
    )
    services.category_save(
        actor=world.other_coordinator,
        pledge=local,
        existing_code="northfield-prescriptions",
        **{k: v for k, v in category(name="Repeat prescriptions", commitment="Ready",
                                     target_amount=1, target_unit="working_days").items()
           if k != "code"},
    )  # fmt: skip
    tenant = hubs.person_register(email="t@example.org", display_name="Tenant", password=None)
    hubs.membership_add(actor=world.other_coordinator, hub=world.other_hub, person=tenant)
    services.pledge_sign(actor=world.other_coordinator, pledge=local)
    services.pledge_sign(actor=tenant, pledge=local)
    services.pledge_publish(actor=world.other_coordinator, pledge=local)
    local.refresh_from_db()
    # Published: nothing is waiting, and only the one real change shows, version after
    # version, as the live categories remember which template code they came from.
    assert not has_changes(local)
    assert PledgeCategory.objects.get(code="northfield-prescriptions").template_code == (
        "prescriptions"
    )
    content = latest_version(local).content
    changed = pledge_selectors.changes_from_template(local, content)
    assert len(changed) == 3 and all(c.startswith("Repeat prescriptions: ") for c in changed)
    assert (
        "Repeat prescriptions: the target changed from within 2 working days "
        "to within 1 working day." in changed
    )
    assert local_changes(latest_version(published).content, draft_of(local)) == (
        pledge_selectors.changes_from_template(local, content)
    )


def test_only_a_coordinator_adopts(world, published):
    services.pledge_offer_as_template(actor=world.coordinator, pledge=published, offered=True)
    with pytest.raises(PermissionDenied):
        services.pledge_adopt(actor=world.outsider, template=published, hub=world.other_hub)
    with pytest.raises(PermissionDenied):  # nor into a hub they do not coordinate
        services.pledge_adopt(actor=world.other_coordinator, template=published, hub=world.hub)


def test_adopting_twice_with_one_key_makes_one_pledge(world, published):
    services.pledge_offer_as_template(actor=world.coordinator, pledge=published, offered=True)
    first = services.pledge_adopt(
        actor=world.other_coordinator, template=published, hub=world.other_hub, key="k1"
    )
    again = services.pledge_adopt(
        actor=world.other_coordinator, template=published, hub=world.other_hub, key="k1"
    )
    assert first.pk == again.pk and getattr(again, "already_saved", False)


def test_fingerprint_ignores_order_of_keys():
    content = {"title": "T", "categories": [{"code": "a", "staff": [1]}]}
    same = {"categories": [{"staff": [2], "code": "a"}], "title": "T"}
    assert fingerprint(content) == fingerprint(same)
