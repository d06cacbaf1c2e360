"""Form pieces shared by every app: accessible error wiring, list fields, and the hidden
key that makes a form sent twice save once."""

import datetime
import re
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import escape
from django.utils.safestring import mark_safe

# Dates people enter (help given, consent, checks, closing dates) fall in this range; a
# year like 0001 or 9999 is a typing slip, refused next to the field.
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)
DATE_RANGE_MESSAGE = "Enter a date between 1 January 1900 and 31 December 2100."


def date_in_range(value: datetime.date) -> None:
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(DATE_RANGE_MESSAGE, code="date_range")


def new_key() -> str:
    return uuid.uuid4().hex


class OnceKeyField(forms.CharField):
    """A hidden key, new each time the form is shown (see coproduce/idempotency.py): a
    double click, or the form sent again after going back, saves once. Read it with
    `cleaned_data["key"] or None`: a client that sends none gets no protection."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.HiddenInput)
        kwargs.setdefault("max_length", 60)
        kwargs.setdefault("required", False)
        kwargs.setdefault("initial", new_key)  # called at each rendering
        super().__init__(**kwargs)


# Django's own words for a limit ("Ensure this value has at most 120 characters (it has
# 130).") said plainly; a field that words its own keeps them.
PLAIN_LIMITS = {
    "max_length": "Use %(limit_value)d characters or fewer: this has %(show_value)d.",
    "min_length": "Use at least %(limit_value)d characters: this has %(show_value)d.",
    "max_value": "Enter %(limit_value)s or less.",
    "min_value": "Enter %(limit_value)s or more.",
}


# Characters that turn the direction of the text after them (embeddings, overrides,
# isolates): typed into a name or a title they could make "Sam gave you 2 h" read
# backwards on every page that shows it. Arabic or Hebrew text needs none of them.
DIRECTION_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)], None)


class AccessibleForm(forms.Form):
    """Renders label, hint, errors and control together, and ties them with ARIA.

    Each control is described by its hint and its error message, and marked invalid when
    it has one, so screen readers read the error with the field.
    """

    template_name = "web/form_fields.html"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            for code, message in PLAIN_LIMITS.items():
                field.error_messages.setdefault(code, message)
            if field.help_text:
                self._describe(name, f"{self._control_id(name)}_helptext")
            if isinstance(field, forms.DateField) and date_in_range not in field.validators:
                field.validators = [*field.validators, date_in_range]

    def _clean_fields(self):
        super()._clean_fields()
        for name, value in self.cleaned_data.items():
            # A password is kept exactly as typed: it is never shown.
            password = isinstance(self.fields[name].widget, forms.PasswordInput)
            if isinstance(value, str) and not password:
                self.cleaned_data[name] = value.translate(DIRECTION_CONTROLS)

    def _control_id(self, name: str) -> str:
        # Not self[name].auto_id: a BoundField made now would freeze labels and hints
        # that subclasses change after this __init__.
        return self.auto_id % self.add_prefix(name) if "%s" in str(self.auto_id) else name

    def _describe(self, name: str, element_id: str) -> None:
        attrs = self.fields[name].widget.attrs
        ids = attrs.get("aria-describedby", "").split()
        if element_id not in ids:
            attrs["aria-describedby"] = " ".join([*ids, element_id])

    def add_error(self, field, error):
        super().add_error(field, error)
        names = [field] if field else []
        if isinstance(error, dict):
            names = list(error)
        for name in names:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"
                self._describe(name, f"{self._control_id(name)}_error")


_LIST_SEPARATORS = re.compile(r"[,\n;]+")


class ListField(forms.CharField):
    """A short list typed as words separated by commas or new lines."""

    def __init__(self, *, max_items: int = 30, max_item_length: int = 60, **kwargs):
        self.max_items, self.max_item_length = max_items, max_item_length
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        items, seen = [], set()
        for item in _LIST_SEPARATORS.split(text):
            item = " ".join(item.split())
            if item and item.lower() not in seen:
                seen.add(item.lower())
                items.append(item)
        return items

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(value) > self.max_items:
            raise forms.ValidationError(f"List at most {self.max_items} things.")
        too_long = [item for item in value if len(item) > self.max_item_length]
        if too_long:
            raise forms.ValidationError(
                f"Keep each one under {self.max_item_length} characters: "
                f"“{too_long[0][:30]}…” is too long."
            )


class QuickRadioSelect(forms.RadioSelect):
    """A RadioSelect whose inputs, as the house form template places them (`choice.tag`),
    are written in Python rather than through Django's three option templates. A list of
    sixty statements has 180 of them, and those templates cost more than the rest of the
    page. The markup is Django's own, byte for byte (tests/web/test_quick_radio.py)."""

    def _render(self, template_name, context, renderer=None):
        option = context.get("widget", {})
        if template_name != self.option_template_name or option.get("wrap_label", True):
            return super()._render(template_name, context, renderer)
        value = option["value"]
        parts = [f'<input type="{escape(option["type"])}" name="{escape(option["name"])}"']
        if value is not None:
            parts.append(f' value="{escape(value)}"')
        for name, attribute in option["attrs"].items():
            if attribute is not False:
                parts.append(f" {name}" if attribute is True else f' {name}="{escape(attribute)}"')
        return mark_safe("".join(parts) + ">")  # noqa: S308 (every value escaped above)
