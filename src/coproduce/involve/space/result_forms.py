"""The forms of Your Space's pages after the vote: they read and check what was typed;
the services decide."""

from django import forms

from coproduce.forms import AccessibleForm, ListField, OnceKeyField
from coproduce.hubs.pickers import PersonPicker, PickerFormMixin

from .models import Resource

PICK_HINT = "Type part of their name and choose them from the list."
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]
MAX_UPLOAD = 5 * 1024 * 1024  # a .pb file of 100,000 ballots is well under this


class OverrideForm(AccessibleForm):
    funded = forms.TypedMultipleChoiceField(
        label="Projects to fund",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Together they must fit in what is shared.",
    )
    reason = forms.CharField(
        label="Why the result is changed",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Everyone sees this beside the count, with your name and the date.",
    )
    key = OnceKeyField()

    def __init__(self, *args, ideas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["funded"].choices = [
            (idea.pk, f"{idea.title} ({idea.cost_words}, {idea.votes} votes)") for idea in ideas
        ]


class DeliverForm(PickerFormMixin, AccessibleForm):
    lead = PersonPicker(
        purpose="space-lead",
        label="Lead",
        help_text="Confirms the time people give on its rota. " + PICK_HINT,
    )
    roles = ListField(
        label="Jobs in a slot", required=True, help_text="For example: host, or helper, driver."
    )
    key = OnceKeyField()

    def __init__(self, *args, hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].bind(hub)


class BookForm(AccessibleForm):
    weekday = forms.TypedChoiceField(label="Day of the week", choices=WEEKDAYS, coerce=int)
    starts = forms.TimeField(label="Starts at", widget=TIME)
    hours = forms.IntegerField(label="Length: hours", min_value=0, max_value=24, initial=1)
    minutes = forms.IntegerField(
        label="And minutes", min_value=0, max_value=59, initial=0, required=False
    )
    first_date = forms.DateField(label="First date", widget=DATE)
    last_date = forms.DateField(
        label="Last date", widget=DATE, required=False, help_text="Leave empty if it carries on."
    )

    def clean(self):
        data = super().clean()
        total = (data.get("hours") or 0) * 60 + (data.get("minutes") or 0)
        if "hours" in data and total == 0:
            self.add_error("hours", "Give a length above zero.")
        data["length"] = total
        return data


class ProgressForm(AccessibleForm):
    progress = forms.CharField(
        label="What has happened so far",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Everyone in the hub sees this: how many came, what went well, what next.",
    )


class ImportForm(AccessibleForm):
    file = forms.FileField(
        label="The .pb file",
        help_text="A pabulib file of approval ballots, up to 5 MB.",
    )
    title = forms.CharField(label="Title of the round", max_length=120)
    resource = forms.ChoiceField(
        label="What its budget counts",
        choices=[
            (Resource.MONEY.value, "Pounds"),
            (Resource.ROOM.value, "Minutes a week in a shared space"),
            (Resource.CHEST.value, "Minutes from the community chest"),
        ],
        widget=forms.RadioSelect,
        initial=Resource.MONEY.value,
    )
    key = OnceKeyField()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB: files up to 5 MB can be read."
            )
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise forms.ValidationError(
                "The file must be text (UTF-8): is it a .pb file?"
            ) from error
