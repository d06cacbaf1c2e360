"""Telling people: who is told, how each person chose, and what reaches the coordinators
for someone not online."""

import pytest
from django.core import mail

from coproduce.audit import describe
from coproduce.hubs.models import AuditEvent
from coproduce.notify import services
from coproduce.notify.models import DEFAULTS, Delivery, Kind, Notification

pytestmark = pytest.mark.django_db


def tell(world, people, *, kind=Kind.MESSAGE, actor=None, subject="A message about Tea"):
    return services.tell(
        people,
        kind=kind,
        hub=world.hub,
        subject=subject,
        template="notify/email/test.txt",
        context={"text": "Tuesday at 9 & bring the <b>key</b>"},
        url="/somewhere/",
        actor=actor,
    )


@pytest.fixture(autouse=True)
def test_template(settings, tmp_path):
    folder = tmp_path / "templates" / "notify" / "email"
    folder.mkdir(parents=True)
    (folder / "test.txt").write_text("Said: {{ text }}\n")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]]}
    ]


def test_each_person_is_told_once_and_emailed_after_commit_never_the_actor(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        made = tell(
            world, [world.member, world.member, world.staff, world.coordinator], actor=world.staff
        )
        assert mail.outbox == []  # nothing leaves before the change commits
    assert len(callbacks) == 2
    assert sorted(n.recipient.display_name for n in made) == ["Grace Coordinator", "Sam Member"]
    assert sorted(m.to for m in mail.outbox) == [["grace@example.org"], ["sam@example.org"]]
    # Text email is not HTML: what people wrote arrives as written.
    assert "Said: Tuesday at 9 & bring the <b>key</b>" in mail.outbox[0].body
    assert all(n.url == "/somewhere/" and n.read_at is None for n in made)


def test_a_rolled_back_change_tells_nobody(world, django_capture_on_commit_callbacks):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        tell(world, [world.member])
        raise RuntimeError
    assert Notification.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.parametrize("delivery", [Delivery.DAILY, Delivery.WEEKLY, Delivery.NEVER])
def test_what_someone_wants_later_or_never_is_listed_but_not_emailed_now(
    world, delivery, django_capture_on_commit_callbacks
):
    services.preferences_set(
        actor=world.member, person=world.member, choices={Kind.MESSAGE: delivery}
    )
    with django_capture_on_commit_callbacks(execute=True):
        [made] = tell(world, [world.member])
    assert made.delivery == delivery
    assert mail.outbox == []
    # Another kind keeps its default.
    with django_capture_on_commit_callbacks(execute=True):
        [other] = tell(world, [world.member], kind=Kind.CONFIRM)
    assert other.delivery == DEFAULTS[Kind.CONFIRM] == Delivery.NOW
    assert len(mail.outbox) == 1


def test_news_for_someone_not_online_goes_to_every_coordinator_to_pass_on(
    world, django_capture_on_commit_callbacks
):
    world.assisted.phone = "01632 960123"
    world.assisted.save()
    with django_capture_on_commit_callbacks(execute=True):
        made = tell(world, [world.assisted], actor=world.member)
    own = [n for n in made if n.recipient == world.assisted]
    passed = [n for n in made if n.for_person == world.assisted]
    assert [n.delivery for n in own] == [Delivery.NEVER]  # kept, never emailed: no address
    assert sorted(n.recipient.email for n in passed) == ["grace@example.org", "helen@example.org"]
    assert sorted(m.to[0] for m in mail.outbox) == ["grace@example.org", "helen@example.org"]
    email = mail.outbox[0]
    assert email.subject == "For Ron Assisted: A message about Tea"
    assert "Please pass it on (they prefer: phone call; phone 01632 960123)." in email.body


def test_letters_with_no_address_are_said_to_the_coordinators_never_the_address(
    world, django_capture_on_commit_callbacks
):
    world.assisted.contact_preference = "post"
    world.assisted.save()
    with django_capture_on_commit_callbacks(execute=True):
        tell(world, [world.assisted], actor=world.member)
    assert "(they prefer: letter; phone 01632 960 101; no postal address on record yet)" in (
        mail.outbox[0].body
    )
    mail.outbox.clear()
    world.assisted.postal_address = "14 Larkspur Row\nMillbrook"
    world.assisted.save()
    with django_capture_on_commit_callbacks(execute=True):
        tell(world, [world.assisted], actor=world.member)
    body = mail.outbox[0].body
    assert "(they prefer: letter; phone 01632 960 101)." in body and "Larkspur" not in body


def test_a_coordinator_acting_is_not_asked_to_pass_on_their_own_news(
    world, django_capture_on_commit_callbacks
):
    # Grace did it for Ron, so she tells him: no other coordinator is asked to.
    made = tell(world, [world.assisted], actor=world.coordinator)
    assert [n.recipient for n in made] == [world.assisted]


def test_a_coordinator_can_choose_not_to_pass_on_a_kind(world):
    services.preferences_set(
        actor=world.coordinator,
        person=world.assisted,
        choices={Kind.MESSAGE: Delivery.NEVER},
        hub=world.hub,
    )
    made = tell(world, [world.assisted], actor=world.member)
    assert [n.recipient for n in made] == [world.assisted]
    # Confirming hours is still passed on.
    assert len(tell(world, [world.assisted], kind=Kind.CONFIRM, actor=world.member)) == 3


def test_changing_choices_is_audited_in_plain_words_and_nothing_is_audited_for_no_change(world):
    services.preferences_set(
        actor=world.coordinator,
        person=world.assisted,
        choices={Kind.ROTA: Delivery.NEVER, Kind.MESSAGE: Delivery.NOW},
        hub=world.hub,
    )
    [event] = AuditEvent.objects.filter(event="notifications.changed")
    assert event.new == {"rota": "never"}  # MESSAGE was already "now"
    [line] = describe([event])
    assert line.sentence == (
        "Grace Coordinator changed what Ron Assisted is told: rota gaps and changes (never)."
    )
    services.preferences_set(
        actor=world.coordinator, person=world.assisted, choices={}, hub=world.hub
    )
    assert AuditEvent.objects.filter(event="notifications.changed").count() == 1


def test_unknown_kinds_and_deliveries_are_refused(world):
    from coproduce.errors import ApplicationError

    with pytest.raises(ApplicationError, match="no kind"):
        services.preferences_set(actor=world.member, person=world.member, choices={"x": "now"})
    with pytest.raises(ApplicationError) as error:
        services.preferences_set(
            actor=world.member, person=world.member, choices={Kind.ROTA: "hourly"}
        )
    assert error.value.field == Kind.ROTA


def test_marking_read_never_marks_what_arrived_after_the_page_was_shown(world):
    first = tell(world, [world.member])[0]
    later = tell(world, [world.member])[0]
    assert services.mark_read(person=world.member, up_to=first.pk) == 1
    later.refresh_from_db()
    assert later.read_at is None
    # Someone else's notification is never marked by naming its id.
    others = tell(world, [world.staff])[0]
    assert services.mark_read(person=world.member, ids=[others.pk]) == 0
