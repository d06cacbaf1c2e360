"""The audit log as a CSV: the filter a coordinator chose, kept as plain values so a task
can write the file later (the timebank's exports write it, as they do the ledger), and
the rows, read in chunks and worded as on the page."""

import datetime

from coproduce import audit
from coproduce.csv_export import local_time

from .models import Hub, Person
from .selectors import hub_audit_log

HEADER = ["Date and time", "What happened", "Kind of change", "Done by", "Done for"]
CHUNK = 500


def filter_params(cleaned: dict) -> dict:
    """The audit filter form's cleaned data as plain values (kept with the export)."""
    person = cleaned.get("person")
    params = {
        "kind": cleaned.get("kind") or "",
        "person": person.pk if isinstance(person, Person) else None,
        "date_from": cleaned["date_from"].isoformat() if cleaned.get("date_from") else "",
        "date_to": cleaned["date_to"].isoformat() if cleaned.get("date_to") else "",
    }
    return {key: value for key, value in params.items() if value}


def _day(value):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def events(hub: Hub, params: dict):
    """The hub's events the kept filter chose, newest first."""
    person = None
    if params.get("person"):
        # Someone deleted since matches nobody, rather than everyone.
        person = Person.objects.filter(pk=params["person"]).first() or Person(pk=0)
    return hub_audit_log(
        hub,
        kind=params.get("kind") or None,
        person=person,
        date_from=_day(params.get("date_from")),
        date_to=_day(params.get("date_to")),
    )


def describe_filter(params: dict) -> str:
    """The kept filter in words ("Kind of help added; from 2 Jun 2026"), or ""."""
    said = []
    if params.get("kind"):
        said.append(audit.label_of(audit.AuditKind, params["kind"], params["kind"]))
    if params.get("person"):
        person = Person.objects.filter(pk=params["person"]).first()
        said.append(f"done by or for {person.display_name if person else 'someone since deleted'}")
    if day := _day(params.get("date_from")):
        said.append(f"from {day:%-d %b %Y}")
    if day := _day(params.get("date_to")):
        said.append(f"to {day:%-d %b %Y}")
    return "; ".join(said)


def rows(hub: Hub, params: dict):
    """A line per event the filter chose: local time, the sentence, the kind, who."""
    batch = []
    for event in events(hub, params).iterator(chunk_size=CHUNK):
        batch.append(event)
        if len(batch) == CHUNK:
            yield from _worded(batch)
            batch = []
    yield from _worded(batch)


def _worded(batch):
    for described in audit.describe(batch):
        event = described.event
        yield [
            local_time(event.created_at),
            described.sentence,
            audit.label_of(audit.AuditKind, event.event, event.event),
            event.actor.display_name if event.actor_id else "The hub",
            event.on_behalf_of.display_name if event.on_behalf_of_id else "",
        ]
