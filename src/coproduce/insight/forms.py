"""The insight pages' forms: the period the dashboard shows, and the hub's settings."""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError

from coproduce.forms import AccessibleForm, OnceKeyField
from coproduce.hubs.models import postcode_district_validator
from coproduce.involve.people_forms import PoundsField

from . import periods
from .models import Valuation

LAST_QUARTER, THIS_YEAR, CHOSEN = "last-quarter", "this-year", "dates"
MOST_DISTRICTS = 200


class RateField(PoundsField):
    """An hourly rate in pounds. "12,50" (a decimal comma) is not read as £1,250."""

    def to_python(self, value):
        text = (value or "").strip() if isinstance(value, str) else value
        if isinstance(text, str) and re.search(r",[0-9]{1,2}$", text):
            raise forms.ValidationError(
                f"Enter an amount in pounds and pence, like {self.example}, with a full "
                "stop before the pence."
            )
        return super().to_python(value)


class PeriodForm(AccessibleForm):
    """A GET form: the last full quarter (the default), the year so far, or two dates."""

    period = forms.ChoiceField(
        label="Period",
        choices=[
            (LAST_QUARTER, "The last full quarter"),
            (THIS_YEAR, "This year so far"),
            (CHOSEN, "The dates below"),
        ],
        required=False,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": "Choose the last full quarter, this year so far, or the dates below."
        },
    )
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To (included)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, today: datetime.date, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)
        self.fields["period"].initial = LAST_QUARTER
        for name in ("period", "start", "end"):
            self.fields[name].sometimes_required = True  # not marked "(optional)"
        self.fields["start"].error_messages["invalid"] = "Enter the first day as a date."
        self.fields["end"].error_messages["invalid"] = "Enter the last day as a date."

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        period = data.get("period") or (CHOSEN if start or end else LAST_QUARTER)
        data["period"] = period
        if self.errors:
            return data
        if period == LAST_QUARTER:
            data["start"], data["end"] = periods.last_full_quarter(self.today)
        elif period == THIS_YEAR:
            data["start"], data["end"] = periods.this_year(self.today)
        else:
            if start is None:
                self.add_error("start", "Enter the first day of the period.")
            if end is None:
                self.add_error("end", "Enter the last day of the period.")
            if start and end and end < start:
                self.add_error("end", "The last day must be on or after the first day.")
        return data


class SettingsForm(AccessibleForm):
    """How the hub values its hours, what it shows the public, and its catchment. One
    field of role rates for each of the hub's kinds of help."""

    valuation = forms.ChoiceField(
        label="How to value an hour of help",
        choices=Valuation.choices,
        widget=forms.RadioSelect,
        help_text="One method for every total, shown with its year beside each figure.",
    )
    public_summary = forms.TypedChoiceField(
        label="Show a summary of the hub's figures to anyone?",
        choices=[("1", "Yes: anyone may see it, every group under 5 hidden"), ("0", "No")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    catchment = forms.CharField(
        label="The postcode districts the hub serves",
        required=False,
        max_length=2000,
        help_text="The first part of each postcode, separated by commas, like MB1, MB2.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    key = OnceKeyField()

    def __init__(self, *args, categories, settings, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = list(categories)
        rates = settings.role_rates or {}
        for category in self.categories:
            self.fields[f"rate_{category.pk}"] = RateField(
                label=f"{category.name}: £ an hour",
                required=False,
                example="12.50",
                help_text="Used only when the hours are valued by role, like 12.71.",
            )
            self.initial[f"rate_{category.pk}"] = rates.get(str(category.pk))
        self.initial.setdefault("valuation", settings.valuation)
        self.initial.setdefault("public_summary", "1" if settings.public_summary else "0")
        self.initial.setdefault("catchment", ", ".join(settings.catchment_districts or []))

    def rate_fields(self):
        return [self[f"rate_{category.pk}"] for category in self.categories]

    def clean_catchment(self):
        text = self.cleaned_data["catchment"]
        districts = []
        for part in text.replace("\n", ",").split(","):
            district = part.strip().upper().replace(" ", "")
            if not district:
                continue
            try:
                postcode_district_validator(district)
            except ValidationError:
                raise ValidationError(
                    f"“{part.strip()[:12]}” is not the first part of a postcode: write each "
                    "like MB1 or SW1A, separated by commas."
                ) from None
            if district not in districts:
                districts.append(district)
        if len(districts) > MOST_DISTRICTS:
            raise ValidationError(f"Give at most {MOST_DISTRICTS} postcode districts.")
        return districts

    def role_rates(self) -> dict[str, int]:
        """{category id as text: pence an hour}, for the rates given."""
        return {
            str(category.pk): self.cleaned_data[f"rate_{category.pk}"]
            for category in self.categories
            if self.cleaned_data.get(f"rate_{category.pk}") is not None
        }

    def clean(self):
        data = super().clean()
        if data.get("valuation") == Valuation.ROLE and not self.errors and not self.role_rates():
            self.add_error(
                "valuation",
                "To value the hours by role, give an hourly rate for at least one kind of help.",
            )
        return data
