"""Choosing a person (or a referral, ...) in a form: a search field, never a list of
every member.

A form field (`PersonPicker`) sends a person's id. With JavaScript, the search box asks
`/hubs/<slug>/people/search/?for=<purpose>` as the person types and shows up to
`LIMIT` matches as radio buttons (check boxes to choose several); without it, the
"Find" button sends the form back and the same page shows the matches, keeping
everything else that was typed.

Who may search, and who may be chosen, is a *purpose*: a rule each app keeps in its
access.py and registers here from its AppConfig.ready() (hubs imports no other app).
The search endpoint and the field read the same purpose, so nobody is offered a person
the form then refuses, and nobody searches who cannot use the form.

A purpose chooses people (memberships) unless it names `Things`: then its `allowed` is
those rows (a hub's open referrals, say), searched by the words the `Things` says and
named by its label; the field, the search endpoint and the templates are the same.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.forms.utils import ErrorDict
from django.http import Http404
from django.urls import reverse

from .models import Hub, Membership, Person
from .selectors import name_has

LIMIT = 10  # matches shown at once; type more of the name to narrow
FIND = "_find"  # the name of the no-JavaScript "Find" button
QUERY_SUFFIX = "__q"
MAX_QUERY = 80
MAX_CHOSEN = 200  # people chosen at once in a multiple picker

# (membership, request parameters) -> the purpose's context (a project, a hub, ...), or
# PermissionDenied / Http404 for someone who may not use the form it serves.
MaySearch = Callable[[Membership, Mapping[str, str]], object]
# (hub, context) -> the memberships (or, for `Things`, the rows) that may be chosen.
Allowed = Callable[[Hub, object], QuerySet]
# (context, people) -> those of them the purpose accepts (a rule the database cannot say).
Refine = Callable[[object, list[Person]], list[Person]]


@dataclass(frozen=True)
class Things:
    """What a picker chooses when it is not a person: rows found by words and by id."""

    word: Callable[[str], Q]  # the condition one search word puts on a row
    label: Callable[[models.Model], str]  # a row's name, telling two apart
    order: tuple[str, ...] = ("pk",)
    related: tuple[str, ...] = ()
    # What the results say: "Nothing that can be chosen here matches “…”.", "Nothing else
    # ..." when one is chosen already, "The first 10 that match: type more to find others."
    nothing: str = "Nothing that can be chosen here"
    nothing_else: str = "Nothing else that can be chosen here"
    narrow: str = "type more to find others"

    def rows(self, allowed: QuerySet) -> QuerySet:
        return allowed.select_related(*self.related).order_by(*self.order)


@dataclass(frozen=True)
class Purpose:
    name: str
    may_search: MaySearch
    allowed: Allowed
    refine: Refine | None = None
    multiple: bool = False
    things: Things | None = None  # None: people
    # Why a person `refine` turns away cannot be chosen (their training, their check):
    # said when nobody found can be chosen, so whoever searched knows what to put right.
    why_not: Callable[[object, Person], str | None] | None = None


_purposes: dict[str, Purpose] = {}


def register(purpose: Purpose) -> Purpose:
    _purposes[purpose.name] = purpose
    return purpose


def purpose_named(name: str) -> Purpose:
    purpose = _purposes.get(name)
    if purpose is None:
        raise Http404("No such search.")
    return purpose


@dataclass(frozen=True)
class Match:
    person: Person
    area: str

    @property
    def pk(self) -> int:
        return self.person.pk

    @property
    def value(self) -> Person:
        return self.person

    @property
    def label(self) -> str:
        """The name, and what tells two people of the same name apart without saying
        anything private: their area, and whether they are online."""
        online = "not online" if self.person.is_assisted_digital else ""
        details = ", ".join(d for d in (self.area, online) if d)
        name = self.person.display_name
        return f"{name} ({details})" if details else name


@dataclass(frozen=True)
class Found:
    """A row of `Things` found, by its label."""

    value: models.Model
    label: str

    @property
    def pk(self) -> int:
        return self.value.pk


def _found(things: Things, rows) -> list[Found]:
    return [Found(row, things.label(row)) for row in rows]


def _matches(memberships: QuerySet) -> QuerySet:
    return memberships.select_related("person", "neighbourhood").order_by(
        "person__display_name", "person_id"
    )


def _name_has_every(words: list[str]) -> Q:
    condition = Q()
    for word in words:
        condition &= name_has("person__display_name", word[:MAX_QUERY])
    return condition


def search(
    hub: Hub,
    purpose: Purpose,
    context,
    query: str,
    *,
    email: bool = False,
    limit: int = LIMIT,
) -> list[Match]:
    """Up to `limit` people the purpose allows whose name has every word of `query`
    (any case); for staff (`email`) a whole email address finds its person too."""
    words = query.split()[:5]
    if not words:
        return []
    condition = _name_has_every(words)
    if email and "@" in query and len(words) == 1:
        condition |= Q(person__email__iexact=words[0])
    rows = _matches(purpose.allowed(hub, context).filter(condition))
    if purpose.refine is None:
        return [Match(m.person, m.area) for m in rows[:limit]]
    # A rule the database cannot say (a project's training, its check): look a little
    # further, never at everyone.
    found = list(rows[: limit * 5])
    accepted = {p.pk for p in purpose.refine(context, [m.person for m in found])}
    return [Match(m.person, m.area) for m in found if m.person_id in accepted][:limit]


def refused(hub: Hub, purpose: Purpose, context, query: str, *, limit: int = 3) -> list[str]:
    """Why the first people whose name matches `query`, among those the purpose would
    offer but for its `refine`, cannot be chosen (for a search that found nobody)."""
    words = query.split()[:5]
    if purpose.refine is None or purpose.why_not is None or not words:
        return []
    rows = _matches(purpose.allowed(hub, context).filter(_name_has_every(words)))
    found = [m.person for m in rows[:limit]]
    accepted = {p.pk for p in purpose.refine(context, found)}
    reasons = (purpose.why_not(context, p) for p in found if p.pk not in accepted)
    return [reason for reason in reasons if reason]


def find(
    hub: Hub,
    purpose: Purpose,
    context,
    query: str,
    *,
    email: bool = False,
    limit: int = LIMIT,
) -> list[Match] | list[Found]:
    """What a picker finds for `query`: people (`search`), or up to `limit` of the
    purpose's `Things` that have every word of it."""
    things = purpose.things
    if things is None:
        return search(hub, purpose, context, query, email=email, limit=limit)
    rows = purpose.allowed(hub, context)
    words = query.split()[:5]
    if not words:
        return []
    for word in words:
        rows = rows.filter(things.word(word[:MAX_QUERY]))
    return _found(things, things.rows(rows)[:limit])


def chosen(hub: Hub, purpose: Purpose, context, ids: list[int]) -> list[Match]:
    """Those of `ids` the purpose allows, by name."""
    ids = [i for i in ids if 0 < i < 2**63][:MAX_CHOSEN]
    if not ids:
        return []
    if purpose.things is not None:
        rows = purpose.things.rows(purpose.allowed(hub, context).filter(pk__in=ids))
        return _found(purpose.things, rows)
    found = list(_matches(purpose.allowed(hub, context).filter(person_id__in=ids)))
    if purpose.refine is not None:
        accepted = {p.pk for p in purpose.refine(context, [m.person for m in found])}
        found = [m for m in found if m.person_id in accepted]
    return [Match(m.person, m.area) for m in found]


def search_url(hub: Hub, purpose: Purpose, params: Mapping[str, object] | None = None) -> str:
    from urllib.parse import urlencode

    query = {"for": purpose.name, **(params or {})}
    return f"{reverse('people-search', args=[hub.slug])}?{urlencode(query)}"


_HTML_NAME = re.compile(r"^[\w-]{1,80}$")


def safe_name(value: str) -> str:
    """A field's name or id sent back by the browser, checked before it is put in HTML."""
    if not _HTML_NAME.match(value or ""):
        raise Http404("No such field.")
    return value


# --- the form field ----------------------------------------------------------------------


class PickerWidget(forms.Widget):
    template_name = "hubs/picker.html"

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.field = None  # set by Picker.bind
        self.query = ""

    def value_from_datadict(self, data, files, name):
        self.query = str(data.get(name + QUERY_SUFFIX, ""))[:MAX_QUERY].strip()
        if self.field is not None and self.field.multiple:
            return data.getlist(name) if hasattr(data, "getlist") else data.get(name)
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data

    def id_for_label(self, id_):
        return id_  # the search box

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        field = self.field
        values = value if isinstance(value, list | tuple) else [value]
        values = [
            str(v.pk if isinstance(v, models.Model) else v) for v in values if v not in ("", None)
        ]
        ids = [int(v) for v in values if v.isdigit()]
        picked = chosen(field.hub, field.purpose, field.context, ids) if field else []
        picked_ids = {m.pk for m in picked}
        found = []
        if field and self.query:
            found = find(
                field.hub,
                field.purpose,
                field.context,
                self.query,
                email=field.email,
                limit=LIMIT + 1,
            )
        matches = [m for m in found[:LIMIT] if m.pk not in picked_ids]
        why = []
        if field and self.query and not found:
            why = refused(field.hub, field.purpose, field.context, self.query)
        things = field.purpose.things if field else None
        context["picker"] = {
            "multiple": field.multiple if field else False,
            "chosen": picked,
            "matches": matches,
            "more": len(found) > LIMIT,
            "query": self.query,
            "extra": [(key, label, key in values) for key, label, _ in getattr(field, "extra", [])],
            "url": search_url(field.hub, field.purpose, field.params) if field else "",
            "find": FIND,
            "searched": bool(self.query),
            "refused": why,
            **wording(things),
        }
        return context


def wording(things: Things | None) -> dict:
    """What the results say when nothing is found, and how to find more."""
    if things is None:
        return {
            "nothing": "Nobody who can be chosen here",
            "nothing_else": "Nobody else who can be chosen here",
            "who": "who",
            "narrow": "type more of the name to find others",
        }
    return {
        "nothing": things.nothing,
        "nothing_else": things.nothing_else,
        "who": "that",
        "narrow": things.narrow,
    }


class Picker(forms.Field):
    """A person (or, `multiple`, a list of people; or a row of the purpose's `Things`)
    chosen by searching. Bind it in the form's __init__ with the hub, and the context the
    purpose needs."""

    widget = PickerWidget
    default_error_messages = {
        "required": "Search for the person by name, then choose them.",
        "invalid": "Choose someone this form can take: that person cannot be chosen here.",
    }

    def __init__(self, *, purpose: str, extra=(), **kwargs):
        self.purpose_name = purpose
        self.multiple = False
        self.extra = list(extra)  # (value, label, what clean returns) always offered
        self.hub = None
        self.context = None
        self.params: dict = {}
        self.email = False
        super().__init__(**kwargs)

    def bind(self, hub: Hub, *, context=None, params=None, email: bool = False) -> None:
        self.hub = hub
        self.purpose = purpose_named(self.purpose_name)
        self.multiple = self.purpose.multiple
        self.context = hub if context is None else context
        self.params = dict(params or {})
        self.email = email
        self.widget.field = self

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.widget.field = result
        return result

    def _people(self, raw: list[str]) -> list:
        ids = []
        for value in raw:
            if not str(value).isdigit():
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            ids.append(int(value))
        if len(set(ids)) > MAX_CHOSEN:
            raise ValidationError(f"Choose at most {MAX_CHOSEN} people at once.")
        found = {m.pk: m.value for m in chosen(self.hub, self.purpose, self.context, ids)}
        if any(i not in found for i in ids):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return [found[i] for i in dict.fromkeys(ids)]

    def clean(self, value):
        if self.multiple:
            raw = [v for v in (value or []) if v not in ("", None)]
            if not raw:
                if self.required:
                    raise ValidationError(self.error_messages["required"], code="required")
                return []
            return self._people(raw)
        if value in ("", None):
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return None
        for key, _label, result in self.extra:
            if value == key:
                return result
        return self._people([value])[0]

    def prepare_value(self, value):
        if isinstance(value, models.Model):
            return value.pk
        if isinstance(value, list | tuple):
            return [v.pk if isinstance(v, models.Model) else v for v in value]
        return value

    def has_changed(self, initial, data):
        def ids(value):
            value = self.prepare_value(value)
            values = value if isinstance(value, list | tuple) else [value]
            return {str(v) for v in values if v not in ("", None)}

        return ids(initial) != ids(data)


PersonPicker = Picker  # the name the forms that choose people use


class PickerFormMixin:
    """A form with pickers: its "Find" button shows the form again with the matches and
    saves nothing (is_valid() is False, with no errors to show)."""

    def is_valid(self):
        if self.finding:
            self.full_clean()
            return False
        return super().is_valid()

    def full_clean(self):
        # Finding is not sending: nothing is checked, so no field is marked invalid (a
        # page that shows the form after "Find" reads its errors too).
        if self.finding:
            self._errors = ErrorDict()
            self.cleaned_data = {}
            return
        super().full_clean()

    @property
    def finding(self) -> bool:
        return self.is_bound and FIND in self.data


def may_search(membership: Membership, purpose: Purpose, params: Mapping[str, str]):
    """The purpose's context for this member, or PermissionDenied."""
    context = purpose.may_search(membership, params)
    if context is None:
        raise PermissionDenied("You cannot choose people for this form.")
    return context
