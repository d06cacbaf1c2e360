"""Audit events: a row for every change of state, saying who did what, when, to which
object, from what to what, and for whom; and the plain-English sentence each one reads as.

Every service writes one in the same transaction as its change, so the log never
disagrees with the data. A hub's coordinators read it to answer "who changed this, and
why?"; `on_behalf_of` marks what a coordinator entered for a member who is not online.

What an event may be is one list, `AuditKind` (in `coproduce.audit_kinds`, which imports
no models so `hubs.models` can take its choices from it). Each app words its own kinds:
its `sentences` module decorates a function with `@renders(AuditKind.X, ...)` and says
how to fetch its objects with `@loads("subject type")`, and its AppConfig.ready()
imports that module. `describe(events)` then fetches every object a page of events names
with one query per type of object, never one per row, and words each event. A subject
that has since been deleted is None: sentences fall back on the values stored with the
event, and never show an id.
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import dateformat, timezone

from coproduce.audit_kinds import AUDIT_GROUPS, AuditKind, grouped_choices
from coproduce.hubs.models import AuditEvent, Hub, Person

__all__ = [
    "AUDIT_GROUPS",
    "AuditKind",
    "Described",
    "Line",
    "audit",
    "day",
    "describe",
    "grouped_choices",
    "label_of",
    "listed",
    "loads",
    "lower_first",
    "possessive",
    "quote",
    "renderer_for",
    "renders",
    "when",
]

logger = logging.getLogger(__name__)


def audit(
    *,
    hub: Hub | None,
    actor: Person | None,
    event: AuditKind,
    subject: Any,
    old: dict | None = None,
    new: dict | None = None,
    on_behalf_of: Person | None = None,
) -> AuditEvent:
    """Record one change. `event` must be an AuditKind member (ValueError otherwise), so
    every kind the log holds is in the list and has a sentence."""
    if not isinstance(event, AuditKind):
        raise ValueError(
            f"{event!r} is not an audit kind: add it to coproduce.audit_kinds.AuditKind "
            "(with a sentence for it) and pass AuditKind.<NAME>."
        )
    if on_behalf_of is not None and actor is not None and on_behalf_of.pk == actor.pk:
        on_behalf_of = None
    return AuditEvent.objects.create(
        hub=hub,
        actor=actor,
        on_behalf_of=on_behalf_of,
        event=event.value,
        subject_type=type(subject).__name__.lower(),
        subject_id=subject.pk,
        old=_jsonable(old or {}),
        new=_jsonable(new or {}),
    )


def _jsonable(values: dict) -> dict:
    def convert(value):
        if isinstance(value, datetime.date | datetime.datetime):
            return value.isoformat()
        if hasattr(value, "pk"):
            return value.pk
        return value

    return {key: convert(value) for key, value in values.items()}


# --- the registry of sentences ---------------------------------------------------------

Sentence = Callable[["Line"], str]
Loader = Callable[[set[int]], Mapping[int, Any]]


@dataclass(frozen=True)
class Renderer:
    sentence: Sentence
    # Keys of the event's old/new values that hold an object's id -> its type ("person").
    refs: Mapping[str, str]


_renderers: dict[str, Renderer] = {}
_loaders: dict[str, Loader] = {}


def renders(*kinds: AuditKind, refs: Mapping[str, str] | None = None):
    """Decorator: the function words these kinds. `refs` names the keys of the stored
    values that hold ids, and what they are, so they are fetched with the page."""

    def register(sentence: Sentence) -> Sentence:
        for kind in kinds:
            existing = _renderers.get(kind.value)
            if existing and _name(existing.sentence) != _name(sentence):
                raise ValueError(f"{kind.value} already has a sentence: {_name(existing.sentence)}")
            _renderers[kind.value] = Renderer(sentence, dict(refs or {}))
        return sentence

    return register


def _name(function) -> str:
    # By name, not identity, so a module imported again registers again without error.
    return f"{function.__module__}.{function.__qualname__}"


def loads(subject_type: str):
    """Decorator: `loader(ids) -> {id: object}` fetches objects of this type (the
    lower-case model name stored as an event's subject_type) in one query."""

    def register(loader: Loader) -> Loader:
        _loaders[subject_type] = loader
        return loader

    return register


def load_in_bulk(**querysets) -> None:
    """Register loaders that are plain `in_bulk` over a queryset, one per subject type:
    `load_in_bulk(slot=Slot.objects.select_related("project"))`."""
    for subject_type, queryset in querysets.items():
        loads(subject_type)(lambda ids, queryset=queryset: queryset.in_bulk(ids))


def renderer_for(kind: str) -> Renderer | None:
    return _renderers.get(kind)


class Line:
    """What one sentence is made from: the event, its subject (None if it no longer
    exists), and the objects its stored values name."""

    def __init__(self, event: AuditEvent, subject: Any, found: Mapping, refs: Mapping[str, str]):
        self.event = event
        self.subject = subject
        self.old: dict = event.old or {}
        self.new: dict = event.new or {}
        self._found = found
        self._refs = refs

    def ref(self, key: str, *, old: bool = False) -> Any:
        """The object named by the stored value `key` (new, or old), if it still exists."""
        value = (self.old if old else self.new).get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        return self._found.get((self._refs[key], value))

    @property
    def actor(self) -> str:
        """Who did it; "Someone" if their account has gone."""
        return self.event.actor.display_name if self.event.actor_id else "Someone"

    @property
    def automatic(self) -> bool:
        """Done by the hub itself (a sweep, a deadline), or by someone since removed."""
        return self.event.actor_id is None

    @property
    def person(self) -> str | None:
        """Whom it was done for, when a coordinator entered it on their behalf."""
        return self.event.on_behalf_of.display_name if self.event.on_behalf_of_id else None

    @property
    def by(self) -> str:
        """ " (by Grace Coordinator)" to end a sentence about someone else; empty when the
        hub did it itself."""
        return "" if self.automatic else f" (by {self.actor})"


# --- words ----------------------------------------------------------------------------


def quote(text: Any) -> str:
    text = " ".join(str(text or "").split())
    if len(text) > 120:
        text = text[:117].rstrip() + "…"
    return f"“{text}”"


def possessive(name: str) -> str:
    """ "Sam's", "James'"."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def label_of(choices, value: Any, default: str = "") -> str:
    """The label of `value` among TextChoices `choices`, or `default` if it is not one."""
    try:
        return choices(value).label
    except ValueError:
        return default


def lower_first(text: str) -> str:
    """For a label inside a sentence: "School" -> "school", "GP practice" unchanged."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def listed(items: Iterable[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    items = [item for item in items if item]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _parse(value: Any) -> datetime.date | datetime.datetime | None:
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def when(value: Any) -> str:
    """A moment in the hub's time: "Tue 3 Mar 10:00" (with the year if not this year)."""
    moment = _parse(value)
    if moment is None:
        return "an unknown time"
    if not isinstance(moment, datetime.datetime):
        return day(moment)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    this_year = timezone.localdate().year
    return dateformat.format(moment, "D j M H:i" if moment.year == this_year else "D j M Y H:i")


def day(value: Any) -> str:
    """A day: "Tue 3 Mar" (with the year if not this year)."""
    moment = _parse(value)
    if moment is None:
        return "an unknown day"
    if isinstance(moment, datetime.datetime):
        moment = timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    this_year = timezone.localdate().year
    return dateformat.format(moment, "D j M" if moment.year == this_year else "D j M Y")


def said_when(moment: datetime.datetime, now: datetime.datetime | None = None) -> str:
    """When an event happened, in the hub's local time and plain words: "Today at 14:05",
    "Yesterday at 09:30", "Tuesday at 10:00", "3 March at 10:00", "3 March 2025 at 10:00"."""
    local = timezone.localtime(moment)
    today = timezone.localtime(now or timezone.now()).date()
    at = dateformat.format(local, "H:i")
    days_ago = (today - local.date()).days
    if days_ago == 0:
        return f"Today at {at}"
    if days_ago == 1:
        return f"Yesterday at {at}"
    if 1 < days_ago < 7:
        return f"{dateformat.format(local, 'l')} at {at}"
    if local.year == today.year:
        return f"{dateformat.format(local, 'j F')} at {at}"
    return f"{dateformat.format(local, 'j F Y')} at {at}"


# --- describing a page of events ------------------------------------------------------


@dataclass(frozen=True)
class Described:
    event: AuditEvent
    sentence: str
    when: str  # in plain words, in local time

    @property
    def at(self) -> datetime.datetime:
        return self.event.created_at


def _fallback(event: AuditEvent) -> str:
    actor = event.actor.display_name if event.actor_id else "The hub"
    try:
        label = AuditKind(event.event).label
    except ValueError:
        label = "A change"
    return f"{label} (by {actor})" if event.actor_id else f"{label}."


def _finish(sentence: str) -> str:
    sentence = sentence.strip()
    if sentence and not sentence.endswith((".", "!", "?", ".”", "!”", "?”")):
        sentence += "."
    return sentence[:1].upper() + sentence[1:]


def describe(
    events: Iterable[AuditEvent], *, now: datetime.datetime | None = None, strict: bool = False
) -> list[Described]:
    """Word each event. Fetches the events' subjects and the objects their values name
    with one query per type of object (select actor and on_behalf_of with the events).
    A sentence that fails falls back on the kind's label (and is logged), unless strict."""
    events = list(events)
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events:
        renderer = _renderers.get(event.event)
        if renderer is None:
            continue
        if event.subject_id is not None and event.subject_type in _loaders:
            wanted[event.subject_type].add(event.subject_id)
        for key, kind in renderer.refs.items():
            for values in (event.old or {}, event.new or {}):
                value = values.get(key)
                if isinstance(value, int) and not isinstance(value, bool) and kind in _loaders:
                    wanted[kind].add(value)
    found: dict[tuple[str, int], Any] = {}
    for kind, ids in wanted.items():
        for pk, obj in _loaders[kind](ids).items():
            found[(kind, pk)] = obj
    now = now or timezone.now()
    described = []
    for event in events:
        renderer = _renderers.get(event.event)
        if renderer is None:
            sentence = _fallback(event)
        else:
            subject = found.get((event.subject_type, event.subject_id))
            line = Line(event, subject, found, renderer.refs)
            try:
                sentence = _finish(renderer.sentence(line))
            except Exception:
                if strict:
                    raise
                logger.exception("Could not word audit event %s", event.pk)
                sentence = _fallback(event)
        described.append(Described(event, sentence, said_when(event.created_at, now)))
    return described


def sentence_of(event: AuditEvent) -> str:
    return describe([event])[0].sentence
