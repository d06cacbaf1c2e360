"""The generic parts of erasure, found by looking at the models rather than listed by hand,
so a model added later is covered without anyone remembering to:

- `person_links()`: every foreign key to a person, with the path from its model to the
  hub the row belongs to (a `hub` field, or up to three foreign keys up: Entry ->
  account -> hub). A person in several hubs is split by re-pointing, hub by hub, every
  row found so. Models with no hub are in NO_HUB, each with what is done and why.
- `scrub_text()`: the person's name, email and phone replaced by a pseudonym in every
  text, char and JSON column of every table (JSON through its text form), the
  pseudonym of the hub the row belongs to where it has one.
"""

import json
import re
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast

from coproduce.hubs.models import Hub, Person

# Models with a foreign key to a person but no way to a hub, and what erasure does with
# them (tests check every model with a person foreign key is either here or has a hub).
NO_HUB: dict[str, str] = {
    "hubs.Person": "created_by (who added a person) is cleared: it would tie hubs together.",
    "notify.Digest": "deleted: the person's own digests.",
    "notify.Preference": "deleted: the person's own notification choices.",
    "insight.EqualityAnswers": "deleted: voluntary answers, only for the person.",
    "insight.PersonalExport": "deleted, with its file: a copy of everything about them.",
    "insight.InactivityWarning": "deleted: warnings to the person.",
    "insight.Erasure": "kept on the first row: the record that the erasure was done.",
}
MAX_HOPS = 3


@dataclass(frozen=True)
class Link:
    model: type[models.Model]
    field: str  # the foreign key to Person
    hub_path: str  # the lookup from the model to its Hub

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field}"


def hub_path(model: type[models.Model]) -> str | None:
    """The shortest chain of foreign keys from `model` to Hub (never through a person),
    as a lookup ("account__hub"), or None."""
    frontier: list[tuple[type[models.Model], str]] = [(model, "")]
    for _ in range(MAX_HOPS + 1):
        following = []
        for current, prefix in frontier:
            for field in current._meta.concrete_fields:
                if not field.is_relation or not (field.many_to_one or field.one_to_one):
                    continue
                target = field.related_model
                if target is Hub:
                    return prefix + field.name
                if target is Person or target is current:
                    continue
                following.append((target, f"{prefix}{field.name}__"))
        frontier = following
    return None


def person_links() -> list[Link]:
    links = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        person_fields = [
            f
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model is Person and (f.many_to_one or f.one_to_one)
        ]
        if not person_fields or model._meta.label in NO_HUB:
            continue
        path = hub_path(model)
        if path is None:
            raise LookupError(
                f"{model._meta.label} refers to a person but has no way to a hub: add it to "
                "NO_HUB in insight/services/erasure_sweep.py, saying what erasure does with it."
            )
        links.extend(Link(model, f.name, path) for f in person_fields)
    return links


def repoint(old: Person, new: Person, hub: Hub) -> int:
    """Every row of `hub` that refers to `old` now refers to `new`."""
    changed = 0
    for link in person_links():
        rows = link.model._base_manager.filter(**{link.field: old, link.hub_path: hub})
        changed += rows.update(**{link.field: new})
    return changed


# --- the text sweep ------------------------------------------------------------------------


def _text_fields(model) -> list[models.Field]:
    fields = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.is_relation or isinstance(field, models.FileField):
            continue
        if field.choices:
            continue  # a fixed list of values never holds a name
        if isinstance(field, (models.CharField, models.TextField, models.JSONField)):
            fields.append(field)
    return fields


def identifiers(person: Person) -> list[str]:
    """What would identify the person in free text: their full name, email and phone."""
    found = [person.display_name.strip(), (person.email or "").strip()]
    if len(re.sub(r"\D", "", person.phone or "")) >= 6:
        found.append(person.phone.strip())
    return [text for text in found if len(text) >= 2]


class _Pattern:
    """Whole words (so "Al" is not replaced inside "Alan"), and, for what is left, the
    longer identifiers anywhere."""

    def __init__(self, words: list[str]):
        ordered = sorted(set(words), key=len, reverse=True)
        whole = "|".join(rf"(?<!\w){re.escape(word)}(?!\w)" for word in ordered)
        self.whole = re.compile(whole, re.IGNORECASE)
        anywhere = [re.escape(word) for word in ordered if len(word) >= 5] or ["(?!)"]
        self.loose = re.compile("|".join(anywhere), re.IGNORECASE)

    def sub(self, by: str, text: str) -> str:
        return self.whole.sub(by, text)


def _replace(value, pattern: "_Pattern", by: str):
    """Whole words first; then what is left inside a word (an email in a link, say)."""
    if isinstance(value, str):
        return pattern.loose.sub(by, pattern.sub(by, value))
    if isinstance(value, list):
        return [_replace(item, pattern, by) for item in value]
    if isinstance(value, dict):
        return {_replace(k, pattern, by): _replace(v, pattern, by) for k, v in value.items()}
    return value


def _candidates(model, fields, words: list[str]):
    """The rows of `model` where any of `fields` holds any of `words`, in one query, as
    dicts of the fields (and "_hub", the hub they belong to, where they have one)."""
    condition, casts = Q(), {}
    for field in fields:
        if isinstance(field, models.JSONField):
            alias = f"_text_{field.attname}"
            casts[alias] = Cast(field.attname, models.TextField())
            for word in words:
                escaped = json.dumps(word)[1:-1]  # "Zoë" is stored as "Zo\u00eb" on SQLite
                condition |= Q(**{f"{alias}__icontains": word})
                condition |= Q(**{f"{alias}__icontains": escaped})
        else:
            for word in words:
                condition |= Q(**{f"{field.attname}__icontains": word})
    queryset = model._base_manager.annotate(**casts).filter(condition)
    hub = "pk" if model is Hub else hub_path(model)
    names = ["pk", *(field.attname for field in fields)]
    if hub is not None:
        queryset = queryset.annotate(_hub=models.F(hub))
        names.append("_hub")
    return queryset.values(*names).order_by()


def _cleaned(field, old, pattern, by):
    new = _replace(old, pattern, by)
    if isinstance(new, str) and isinstance(field, models.CharField) and field.max_length:
        new = new[: field.max_length]
    if isinstance(new, str) and isinstance(field, models.SlugField):
        new = re.sub(r"[^-\w]", "-", new)
    return new


def scrub_text(words: list[str], pseudonyms: dict[int, str], default: str) -> int:
    """Replace `words` in every text column: in a row of a hub with that hub's pseudonym
    (`pseudonyms`: hub id -> pseudonym), elsewhere with `default`. Returns rows changed."""
    if not words:
        return 0
    pattern = _Pattern(words)
    changed = 0
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = _text_fields(model)
        if not fields:
            continue
        for row in list(_candidates(model, fields, words)):
            by = pseudonyms.get(row.get("_hub"), default)
            changes = {}
            for field in fields:
                old = row[field.attname]
                new = _cleaned(field, old, pattern, by)
                if new != old:
                    changes[field.attname] = new
            if changes:
                model._base_manager.filter(pk=row["pk"]).update(**changes)
                changed += 1
    return changed
