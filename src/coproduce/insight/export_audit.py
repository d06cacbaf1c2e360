"""The audit events in a person's data: what they did, and what was done for them, worded
as the hub's audit log words them (coproduce.audit.describe), but with every other
person's name replaced by "another member" and the person's own by "you": a sentence
such as "Grace Coordinator confirmed Sam's exchange" names people, and a person's
download must never name anyone else."""

import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from coproduce.audit import describe
from coproduce.hubs.models import AuditEvent, Person

from .export_names import ANOTHER, YOU, Scrubber

CHUNK = 500


@dataclass
class Line:
    hub: str
    at: datetime
    sentence: str
    by: str


def events(person: Person):
    """The person's events, oldest first, a chunk at a time."""
    scrub = Scrubber(person, own_as_you=True)
    found = (
        AuditEvent.objects.filter(Q(actor=person) | Q(on_behalf_of=person))
        .select_related("hub", "actor", "on_behalf_of")
        .order_by("id")
    )
    last = 0
    while True:
        chunk = list(found.filter(id__gt=last)[:CHUNK])
        if not chunk:
            return
        last = chunk[-1].pk
        for said in describe(chunk):
            event = said.event
            if event.actor_id == person.pk:
                who = YOU
            elif event.actor_id is None:
                who = "the hub"
            else:
                who = ANOTHER
            yield Line(
                hub=event.hub.name if event.hub_id else "",
                at=event.created_at,
                sentence=worded_for_you(scrub(said.sentence), actor_is_you=who == YOU),
                by=who,
            )


_VERBS = {"was": "were", "has": "have", "is": "are"}
_YOU_VERB = re.compile(r"\b([Yy]ou) (was|has|is)\b")
_THEIR = re.compile(r"\btheir\b")


def worded_for_you(sentence: str, *, actor_is_you: bool) -> str:
    """A sentence with the person's name replaced by "you", put right: "you was added"
    becomes "You were added", and when "you" did it, what the sentence calls "their" (the
    doer's own, as the log words it) is "your"."""
    if not sentence:
        return sentence
    sentence = _YOU_VERB.sub(lambda m: f"{m.group(1)} {_VERBS[m.group(2)]}", sentence)
    if actor_is_you and sentence.startswith("you "):
        sentence = _THEIR.sub("your", sentence)
    if sentence.startswith("you "):
        sentence = "Y" + sentence[1:]
    return sentence
