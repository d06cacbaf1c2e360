"""Erasure on the demo's busiest people: afterwards the ledger verifies, every balance is
as it was, and their names and emails are nowhere in the database (every table dumped)."""

import pytest
from django.core.management import call_command

from coproduce.hubs import services as hub_services
from coproduce.hubs.models import AuditEvent, Membership, Person
from coproduce.insight.models import Erasure, FormerMember
from coproduce.insight.services import erasure
from coproduce.mail import email_now
from coproduce.timebank import ledger
from coproduce.timebank.models import Account, ExchangeMessage

from .erase_fixtures import demo_world, dump_database, found_in  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_world")]

# Sam is in all three hubs and traded; Jean reported problems, put an idea to Your Space
# and voted on it; Ron (not online) was referred and paid; Aisha gave hours in both hubs
# and was escalated; Amir referred people and signed them up for involvement.
ERASED = [
    "sam@millbrook.example",
    "jean@northfield.example",
    "aisha.0@millbrook.example",
    "amir@millbrook.example",
]
RON = "Ron Ellis"


def _leave_traces(person: Person, settings) -> None:
    """Texts naming them that others wrote, their own old names, an email waiting."""
    message = ExchangeMessage.objects.filter(exchange__proposed_by=person).first()
    if message is not None:
        ExchangeMessage.objects.create(
            exchange=message.exchange,
            author=None,
            text=f"Thanks {person.display_name.upper()}! Write to {person.email} any time.",
        )
    # A profile change: the audit log keeps the old name in `old`.
    hub_services.profile_update(
        actor=person, person=person, changes={"about": f"I am {person.display_name}."}
    )
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    email_now(
        to=[person.email],
        subject=f"Hello {person.display_name}",
        template="hubs/email/join_decision.txt",
        context={
            "join_request": {"person": person, "status": "approved"},
            "hub": person.memberships.first().hub,
        },
    )


def test_erased_people_are_nowhere_and_the_ledger_still_adds_up(settings):
    people = [Person.objects.get(email=email) for email in ERASED]
    people.append(Person.objects.get(display_name=RON, email__isnull=True))
    words = []
    for person in people:
        words += [person.display_name, person.email] if person.email else [person.display_name]
    for person in people[:-1]:
        _leave_traces(person, settings)
    balances = dict(Account.objects.values_list("pk", "balance_minutes"))
    hubs_before = {p.pk: Membership.objects.filter(person=p).count() for p in people}
    former_before = FormerMember.objects.count()  # the demo's own former member
    erased_events_before = AuditEvent.objects.filter(event="person.erased").count()
    before = dump_database()
    assert found_in(before, *words), "the search must find them before"
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(status="READY")
    assert waiting.count() >= len(ERASED)  # the emails to them, waiting in the queue
    assert all(found_in(before, w) for w in words)  # each of them, by name and email

    results = {}
    for person in people:
        done = erasure.person_erase(actor=None, person=person, route="operator", how_asked="")
        assert len(done.pseudonyms) == hubs_before[person.pk]
        results[person.pk] = done.pseudonyms

    report = ledger.verify()
    assert report.problems == []
    assert dict(Account.objects.values_list("pk", "balance_minutes")) == balances
    call_command("ledger", "verify")
    assert found_in(dump_database(), *words) == []
    assert not waiting.exists()  # emails to erased people are not sent
    # Sam was split into three rows, one per hub, none of them identifiable.
    sam = people[0]
    names = FormerMember.objects.filter(pseudonym__startswith="Former member ")
    assert names.count() - former_before == sum(hubs_before.values())
    assert Erasure.objects.filter(route="operator").count() == len(people)
    erased_events = AuditEvent.objects.filter(event="person.erased").count()
    assert erased_events - erased_events_before == sum(hubs_before.values())
    rows = FormerMember.objects.filter(pseudonym__in=results[sam.pk])
    assert len(results[sam.pk]) == 3 and rows.count() == 3
    assert len({row.person_id for row in rows}) == 3 and len({row.hub_id for row in rows}) == 3
    sam.refresh_from_db()
    assert not sam.is_active and sam.email is None and not sam.has_usable_password()
