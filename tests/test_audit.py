"""Typed audit events: one list of kinds, refused outside it; every kind words itself as
a plain-English sentence with names, hours and dates, fetched in bulk; the audit log page
shows those sentences, filtered and paginated without JavaScript; and an unchanged form
writes nothing (model_update)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coproduce import audit
from coproduce.audit import AUDIT_GROUPS, AuditKind
from coproduce.errors import ApplicationError
from coproduce.hubs import services as hubs
from coproduce.hubs.models import AuditEvent, CheckType, ConsentMethod, Hub, Membership
from coproduce.models_util import model_update
from coproduce.referrals import schedule
from coproduce.referrals import services as referrals
from coproduce.referrals.models import Assignment
from coproduce.timebank import services as timebank
from coproduce.timebank.ledger import policy_for
from coproduce.timebank.models import ListingKind
from tests.referrals.conftest import friend_on_the_phone

# A code or id shown to people: "slot: 68", "person.created", "needs_check", "#12".
RAW = re.compile(r"\w+: \d+\b|#\d+|\bNone\b|[a-z]+_[a-z]+|[a-z]+\.[a-z_]+\b")


def table_text(response) -> str:
    """The visible text of the audit log's table."""
    html = response.content.decode()
    start, end = html.find("<table>"), html.find("</table>")
    assert start != -1, "the page shows no events"
    return re.sub(r"<[^>]+>", " ", html[start:end]).replace("&#x27;", "'")


def at(days: int, hour: int = 10) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


# --- the list of kinds ---------------------------------------------------------------------


def test_every_kind_is_a_thing_and_a_past_tense_verb_in_one_filter_group():
    for kind in AuditKind:
        thing, verb = kind.value.split(".")
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", thing), kind
        assert verb.endswith(("ed", "en", "wn", "_up", "sent", "kept")), kind
    things = [thing for _, group in AUDIT_GROUPS for thing in group]
    assert len(things) == len(set(things))
    assert {kind.value.split(".")[0] for kind in AuditKind} == set(things)


def test_a_kind_not_in_the_list_is_refused_and_nothing_written(world):
    before = AuditEvent.objects.count()
    for made_up in ("referral.active", "made.up", "exchange.confirmed"):  # a plain string too
        with pytest.raises(ValueError, match="not an audit kind"):
            audit.audit(hub=world.hub, actor=world.coordinator, event=made_up, subject=world.hub)
    assert AuditEvent.objects.count() == before


def test_every_kind_has_a_sentence_that_words_a_minimal_event(world):
    for kind in AuditKind:
        assert audit.renderer_for(kind) is not None, f"{kind.value} has no sentence"
    events = []
    for kind in AuditKind:
        # Nothing stored, the subject gone; done by a coordinator, then for someone,
        # then by the hub itself.
        for actor, for_whom in (
            (world.coordinator, None),
            (world.coordinator, world.assisted),
            (None, world.member),
        ):
            events.append(
                AuditEvent.objects.create(
                    hub=world.hub,
                    actor=actor,
                    on_behalf_of=for_whom,
                    event=kind,
                    subject_type="gone",
                    subject_id=None,
                )
            )
    for described in audit.describe(events, strict=True):
        sentence = described.sentence
        assert sentence[0].isupper() and sentence.endswith((".", "”")), sentence
        assert not RAW.search(sentence), (described.event.event, sentence)


# --- sentences from the real services, on the page ---------------------------------------


@pytest.fixture
def story(world, bank):
    """A rota turn taken for a member, an exchange confirmed, consent recorded by phone."""
    project = friend_on_the_phone(world)
    referrals.training_record(actor=world.coordinator, project=project, person=world.member)
    (slot,) = referrals.slots_add(
        actor=world.coordinator,
        project=project,
        periods=[schedule.Period(at(2), at(2, 11))],
        role="caller",
    )
    referrals.assignment_take(actor=world.coordinator, slot=slot, person=world.member)
    exchange = timebank.exchange_record(
        actor=world.member,
        hub=world.hub,
        giver=bank.member,
        receiver=bank.staff,
        title="Help in the garden",
        minutes=90,
    )
    timebank.exchange_confirm(actor=world.coordinator, exchange=exchange)
    hubs.consent_record(
        actor=world.coordinator,
        hub=world.hub,
        person=world.assisted,
        purpose="To be rung by a volunteer",
        given=True,
        method=ConsentMethod.PHONE,
    )
    return slot


def test_the_audit_log_words_real_events_with_names_hours_and_dates(world, story, client_for):
    page = client_for(world.coordinator).get(reverse("audit-log", args=[world.hub.slug]))
    assert page.status_code == 200
    text = " ".join(table_text(page).split())
    assert "Grace Coordinator confirmed 1 h 30 min for “Help in the garden”." in text
    assert (
        f"Sam Member was put on the “Friend on the phone” rota for {audit.when(story.starts_at)} "
        "(by Grace Coordinator)." in text
    )
    assert (
        "Ron Assisted's consent was recorded (by phone) by Grace Coordinator: "
        "“To be rung by a volunteer”." in text
    )
    assert "Sam Member logged 1 h 30 min for “Help in the garden”" in text
    assert "Today at " in text
    assert not RAW.search(text), RAW.search(text)
    for kind in AuditKind:
        assert kind.value not in text


def test_a_subject_since_deleted_is_worded_from_what_was_stored(world, bank):
    listing = timebank.listing_create(
        actor=world.member,
        account=bank.member,
        kind=ListingKind.OFFER,
        title="Gardening on Saturdays",
    )
    check = hubs.safeguarding_check_add(
        actor=world.coordinator,
        hub=world.hub,
        person=world.member,
        check_type=CheckType.DBS_BASIC,
        reference="X1",
        issued_on=timezone.localdate() - datetime.timedelta(days=10),
        expires_on=datetime.date(2031, 5, 1),
    )
    hubs.safeguarding_check_remove(actor=world.coordinator, check=check, reason="Wrong person")
    listing.delete()
    events = AuditEvent.objects.filter(
        event__in=[AuditKind.LISTING_CREATED, AuditKind.CHECK_REMOVED]
    ).select_related("actor", "on_behalf_of")
    sentences = {d.event.event: d.sentence for d in audit.describe(events, strict=True)}
    assert sentences[AuditKind.LISTING_CREATED] == (
        "Sam Member posted an offer of help: “Gardening on Saturdays”."
    )
    assert sentences[AuditKind.CHECK_REMOVED] == (
        "Grace Coordinator removed Sam Member's DBS basic check (valid until Thu 1 May 2031): "
        "“Wrong person”."
    )


def test_a_page_of_events_costs_the_same_queries_however_many_subjects(world, bank, client_for):
    client = client_for(world.coordinator)
    url = reverse("audit-log", args=[world.hub.slug]) + "?kind=exchange.confirmed"

    def confirm(count):
        for n in range(count):
            exchange = timebank.exchange_record(
                actor=world.member,
                hub=world.hub,
                giver=bank.member,
                receiver=bank.health_centre,
                title=f"Lift {n}",
                minutes=30,
            )
            timebank.exchange_confirm(actor=world.coordinator, exchange=exchange)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured)

    confirm(2)
    few = queries()
    confirm(55)
    assert queries() == few
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("audit-log", args=[world.hub.slug]))
    assert len(captured) <= 25


# --- the page: filters and pages without JavaScript -----------------------------------------


def test_the_audit_log_filters_by_kind_and_by_person(world, story, client_for):
    client = client_for(world.coordinator)
    url = reverse("audit-log", args=[world.hub.slug])
    page = client.get(url, {"kind": AuditKind.CONSENT_GIVEN})
    text = table_text(page)
    assert "consent was recorded" in text
    assert "confirmed 1 h 30 min" not in text
    assert '<optgroup label="Consent and safeguarding">' in page.content.decode()

    page = client.get(url, {"person": world.member.pk})
    text = " ".join(table_text(page).split())
    assert "Sam Member was put on the" in text
    assert "Ron Assisted's consent" not in text

    page = client.get(url, {"kind": "made.up"})
    assert page.status_code == 200
    assert "Select a valid choice" in page.content.decode()
    assert "Ron Assisted's consent" in table_text(page)


def test_the_audit_log_pages_keep_the_filter(world, bank, client_for):
    for n in range(55):
        timebank.category_create(actor=world.coordinator, hub=world.hub, name=f"Kind {n}")
    client = client_for(world.coordinator)
    url = reverse("audit-log", args=[world.hub.slug])
    first = client.get(url, {"kind": AuditKind.CATEGORY_CREATED})
    html = first.content.decode()
    assert "Page 1 of 2" in html
    assert "?kind=category.created&amp;page=2" in html
    second = client.get(url, {"kind": AuditKind.CATEGORY_CREATED, "page": 2})
    assert table_text(second).count("added the kind of help") == 5


def test_only_coordinators_and_admins_read_the_audit_log(world, client_for):
    url = reverse("audit-log", args=[world.hub.slug])
    for person in (world.member, world.staff, world.other_coordinator):
        assert client_for(person).get(url).status_code == 403
    for person in (world.coordinator, world.admin):
        assert client_for(person).get(url).status_code == 200


def test_a_members_page_shows_their_history_as_sentences(world, story, client_for):
    page = client_for(world.coordinator).get(
        reverse("member-detail", args=[world.hub.slug, world.member.pk])
    )
    text = " ".join(re.sub(r"<[^>]+>", " ", page.content.decode()).split())
    assert "Sam Member was put on the “Friend on the phone” rota" in text
    assert f"?person={world.member.pk}" in page.content.decode()


def test_a_members_history_is_the_latest_done_by_or_for_them_in_this_hub(world):
    """person_audit_log: the newest `limit` events of either side, merged in time order,
    none of another hub or of someone else (each side is read up to the limit only)."""
    from coproduce.hubs.selectors import person_audit_log

    start = timezone.now() + datetime.timedelta(days=1)  # after the fixtures' own events
    wanted = []

    def event(minutes, *, hub, actor, on_behalf_of=None):
        made = audit.audit(
            hub=hub,
            actor=actor,
            on_behalf_of=on_behalf_of,
            event=AuditKind.PROFILE_UPDATED,
            subject=world.member,
        )
        made.created_at = start + datetime.timedelta(minutes=minutes)
        made.save(update_fields=["created_at"])
        return made

    for n in range(8):  # done by them, and (later) done for them, interleaved with others'
        wanted.append(event(10 * n, hub=world.hub, actor=world.member))
        wanted.append(
            event(10 * n + 5, hub=world.hub, actor=world.staff, on_behalf_of=world.member)
        )
        event(10 * n + 1, hub=world.hub, actor=world.staff)
        event(10 * n + 2, hub=world.other_hub, actor=world.member)
    same_time = event(200, hub=world.hub, actor=world.member)
    wanted.append(same_time)
    wanted.append(event(200, hub=world.hub, actor=world.coordinator, on_behalf_of=world.member))
    newest_first = sorted(
        (
            e
            for e in AuditEvent.objects.filter(hub=world.hub)
            if world.member.pk in (e.actor_id, e.on_behalf_of_id)
        ),
        key=lambda e: (e.created_at, e.pk),
        reverse=True,
    )
    assert set(wanted) <= set(newest_first) and len(newest_first) > 5

    assert list(person_audit_log(world.hub, world.member, 5)) == newest_first[:5]
    assert list(person_audit_log(world.hub, world.member, 100)) == newest_first
    assert list(person_audit_log(world.other_hub, world.member, 100)) == sorted(
        AuditEvent.objects.filter(hub=world.other_hub, actor=world.member),
        key=lambda e: (e.created_at, e.pk),
        reverse=True,
    )
    assert list(person_audit_log(world.hub, world.outsider, 5)) == []


# --- model_update: an unchanged form writes nothing -----------------------------------------


def unchanged_post(form, prefix_data=None) -> dict:
    """What a browser sends for the form as shown, nothing changed."""
    data = dict(prefix_data or {})
    for field in form:
        value = field.value()
        if value is None or value is False or value == []:
            continue
        data[field.html_name] = "on" if value is True else value
    return data


def test_model_update_saves_only_what_differs(world):
    hub = Hub.objects.get(pk=world.hub.pk)
    same, changes = model_update(hub, fields=["name", "purpose"], data={"name": hub.name})
    assert same is hub and not changes
    with CaptureQueriesContext(connection) as captured:
        hub, changes = model_update(hub, fields=["name", "purpose"], data={"name": "Millbrook"})
    assert changes.old == {"name": "Millbrook Time Bank"} and changes.new == {"name": "Millbrook"}
    (update,) = [q["sql"] for q in captured if q["sql"].startswith("UPDATE")]
    assert '"name"' in update and '"purpose"' not in update
    with pytest.raises(ApplicationError) as error:
        model_update(hub, fields=["name"], data={"name": ""})
    assert error.value.field == "name"


def test_unchanged_hub_settings_and_membership_write_no_event(world):
    before = AuditEvent.objects.count()
    hubs.hub_update(
        actor=world.admin,
        hub=world.hub,
        changes={"name": world.hub.name, "accepts_join_requests": world.hub.accepts_join_requests},
    )
    membership = Membership.objects.get(hub=world.hub, person=world.member)
    hubs.membership_update(
        actor=world.member, membership=membership, changes={"neighbourhood": None}
    )
    assert AuditEvent.objects.count() == before
    hubs.hub_update(actor=world.admin, hub=world.hub, changes={"purpose": "Swap help."})
    event = AuditEvent.objects.latest("id")
    assert (event.event, event.old, event.new) == (
        AuditKind.HUB_UPDATED,
        {"purpose": "Neighbours and the health centre swap help."},
        {"purpose": "Swap help."},
    )


def test_an_unchanged_profile_form_writes_no_event(world, client_for):
    client = client_for(world.member)
    url = reverse("my-profile-edit")
    form = client.get(url).context["form"]
    before = AuditEvent.objects.count()
    response = client.post(url, unchanged_post(form))
    assert response.status_code == 302
    assert AuditEvent.objects.count() == before
    hubs.profile_update(actor=world.member, person=world.member, changes={"phone": "01632 960 999"})
    assert AuditEvent.objects.count() == before


def test_unchanged_time_bank_rules_write_no_event(world, bank, client_for):
    client = client_for(world.coordinator)
    url = reverse("timebank-settings", args=[world.hub.slug])
    form = client.get(url).context["policy"]
    before = AuditEvent.objects.count()
    response = client.post(url, unchanged_post(form, {"form": "policy"}))
    assert response.status_code == 302
    assert AuditEvent.objects.count() == before
    policy = policy_for(world.hub)
    timebank.policy_update(
        actor=world.coordinator,
        hub=world.hub,
        floor_minutes=policy.floor_minutes,
        ceiling_minutes=policy.ceiling_minutes,
        limits_are_hard=policy.limits_are_hard,
        opening_grant_minutes=policy.opening_grant_minutes,
        auto_confirm_days=policy.auto_confirm_days,
    )
    assert AuditEvent.objects.count() == before


def test_unchanged_referral_settings_write_no_event(world, client_for):
    referrals.policy_update(
        actor=world.coordinator, hub=world.hub, changes={"failsafe": world.staff}
    )
    client = client_for(world.coordinator)
    url = reverse("referral-settings", args=[world.hub.slug])
    form = client.get(url).context["form"]
    before = AuditEvent.objects.count()
    response = client.post(url, unchanged_post(form))
    assert response.status_code == 302
    assert AuditEvent.objects.count() == before
    referrals.policy_update(actor=world.coordinator, hub=world.hub, changes={"commitment_cap": 3})
    assert AuditEvent.objects.count() == before
    referrals.policy_update(actor=world.coordinator, hub=world.hub, changes={"commitment_cap": 4})
    (event,) = AuditEvent.objects.filter(event=AuditKind.REFERRAL_POLICY_UPDATED).order_by("-id")[
        :1
    ]
    assert audit.describe([event], strict=True)[0].sentence == (
        "Grace Coordinator changed the referral settings: "
        "people are offered at most 4 commitments at once."
    )


def test_a_rota_turn_given_up_reads_with_the_slot_and_reason(world, story):
    assignment = Assignment.objects.get(slot=story, person=world.member)
    referrals.assignment_give_up(actor=world.member, assignment=assignment, reason="Away")
    event = AuditEvent.objects.filter(event=AuditKind.ROTA_GIVEN_UP).select_related(
        "actor", "on_behalf_of"
    )
    (described,) = audit.describe(event, strict=True)
    assert described.sentence == (
        f"Sam Member gave up their turn on the “Friend on the phone” rota for "
        f"{audit.when(story.starts_at)}: “Away”."
    )
