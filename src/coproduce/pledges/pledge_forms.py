"""Forms for drafting pledges, the working calendar and the service's places. Lists that
grow (what users commit to, the questions of a category) are shown as the rows there are
and a few empty ones, so they work without JavaScript."""

from django import forms

from coproduce.forms import AccessibleForm, OnceKeyField
from coproduce.hubs.pickers import PersonPicker, PickerFormMixin

from .coordinates import MAX_LENGTH
from .models import TargetUnit
from .services.calendar import DAY_NAMES
from .services.categories import DATATYPES

EMPTY_ROWS = 2


class TitleForm(AccessibleForm):
    title = forms.CharField(
        max_length=200,
        help_text="What the service and the people who use it promise, such as "
        "“Repairs and the estate”.",
    )
    key = OnceKeyField()


class PledgeForm(AccessibleForm):
    """The draft's words, what users commit to in return, and what it grew from."""

    title = forms.CharField(max_length=200)
    summary = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="In a few sentences: what this pledge is for.",
    )
    co_designed_by = forms.CharField(
        label="Who co-designed it",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: “Tenants of the Northfield estate and the housing team, at the "
        "workshop of 4 March”.",
    )
    public_reports = forms.BooleanField(
        label="Anyone may report a problem under it, not only members", required=False
    )
    grown_from = forms.MultipleChoiceField(
        label="The statements it grew from",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Common ground and hub priorities from this hub's conversations.",
    )

    def __init__(self, *args, statements=(), commitments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.statements = {str(s.pk): s for s in statements}
        self.fields["grown_from"].choices = [
            (str(s.pk), s.text + (" (hub priority)" if getattr(s, "is_priority", False) else ""))
            for s in statements
        ]
        self.rows = len(commitments) + EMPTY_ROWS
        for i in range(1, self.rows + 1):
            given = commitments[i - 1] if i <= len(commitments) else {}
            self.fields[f"commitment_{i}"] = forms.CharField(
                label=f"Users commit to ({i})",
                required=False,
                max_length=300,
                initial=given.get("text", ""),
                help_text="For example: “give access at the agreed time”." if i == 1 else "",
            )
            self.fields[f"measure_{i}"] = forms.CharField(
                label=f"How it is measured ({i})",
                required=False,
                max_length=300,
                initial=given.get("measure", ""),
                help_text="For example: “appointments missed because nobody was in”."
                if i == 1
                else "",
            )

    def commitments(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {"text": data.get(f"commitment_{i}", ""), "measure": data.get(f"measure_{i}", "")}
            for i in range(1, self.rows + 1)
        ]

    def chosen_statements(self) -> list:
        return [self.statements[pk] for pk in self.cleaned_data["grown_from"]]


class CategoryForm(PickerFormMixin, AccessibleForm):
    """One target: what the service commits to for one kind of problem, and the questions
    asked of someone reporting it."""

    code = forms.SlugField(
        max_length=60,
        required=False,
        help_text="A short name for computers (other systems report with it), unique on "
        "the whole site. Leave it empty to make one from the hub and the name, such as "
        "“northfield-emergency-repairs”. It cannot change later.",
    )
    name = forms.CharField(max_length=120, help_text="Such as “Emergency repairs”.")
    commitment = forms.CharField(
        label="What the service commits to",
        max_length=300,
        help_text="Such as “made safe”, “collected”, “a GP rings you back”.",
    )
    target_amount = forms.IntegerField(
        label="Target", min_value=1, max_value=10_000, initial=1, help_text="A whole number."
    )
    target_unit = forms.ChoiceField(label="Counted in", choices=TargetUnit.choices)
    description = forms.CharField(
        required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    group = forms.CharField(required=False, max_length=80, help_text="Such as “Repairs”.")
    keywords = forms.CharField(required=False, max_length=200)
    staff = PersonPicker(
        purpose="category-staff",
        label="Staff told of new and overdue reports",
        required=False,
        help_text="Type part of a name and tick each one found. Untick someone to stop "
        "telling them.",
    )

    def __init__(self, *args, hub, questions=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]
        self.fields["staff"].bind(hub, email=True)
        self.rows = len(questions) + 1
        for i in range(1, self.rows + 1):
            given = questions[i - 1] if i <= len(questions) else {}
            self.fields[f"question_{i}"] = forms.CharField(
                label=f"Question {i} for someone reporting",
                required=False,
                max_length=200,
                initial=given.get("description", ""),
                help_text="Such as “Which block?”. Leave empty to ask nothing more."
                if i == self.rows
                else "Empty it to remove the question.",
            )
            self.fields[f"answer_{i}"] = forms.ChoiceField(
                label=f"Kind of answer to question {i}",
                choices=list(DATATYPES.items()),
                initial=given.get("datatype", "string"),
            )
            self.fields[f"choices_{i}"] = forms.CharField(
                label=f"Choices for question {i}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                initial="\n".join(v["name"] for v in given.get("values", [])),
                help_text="One a line, for an answer chosen from a list.",
            )
            self.fields[f"required_{i}"] = forms.BooleanField(
                label=f"Question {i} must be answered",
                required=False,
                initial=given.get("required", False),
            )

    def questions(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "description": data.get(f"question_{i}", ""),
                "datatype": data.get(f"answer_{i}", "string"),
                "required": data.get(f"required_{i}", False),
                "values": data.get(f"choices_{i}", "").splitlines(),
            }
            for i in range(1, self.rows + 1)
        ]

    def chosen_staff(self) -> list:
        return self.cleaned_data["staff"]


class PublishForm(AccessibleForm):
    change_note = forms.CharField(
        label="What this version changes",
        required=False,
        max_length=500,
        help_text="In a sentence, for the version history.",
    )
    key = OnceKeyField()


class RetireForm(AccessibleForm):
    reason = forms.CharField(
        label="Why it is retired",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown on the pledge's page, so the people who signed it know why, "
        "e.g. “Replaced by the 2027 repairs pledge”.",
    )


class KeyForm(AccessibleForm):
    key = OnceKeyField()


class CalendarForm(AccessibleForm):
    working_days = forms.MultipleChoiceField(
        choices=[(str(d), name) for d, name in DAY_NAMES.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    day_starts = forms.TimeField(
        label="The working day starts at", widget=forms.TimeInput(attrs={"type": "time"})
    )
    day_ends = forms.TimeField(
        label="The working day ends at", widget=forms.TimeInput(attrs={"type": "time"})
    )


class HolidayForm(AccessibleForm):
    day = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(max_length=80, help_text="Such as “Christmas Day”.")


class PlaceForm(AccessibleForm):
    name = forms.CharField(max_length=120, help_text="Such as “Station Street surgery”.")
    address = forms.CharField(required=False, max_length=300)
    # Checked by the services, with the same rules as a report's point (pledges.coordinates).
    lat = forms.CharField(
        label="Latitude",
        help_text="Only if you know it, with the longitude: for example 52.4862.",
        required=False,
        max_length=MAX_LENGTH,
    )
    long = forms.CharField(
        label="Longitude", help_text="For example -1.8904.", required=False, max_length=MAX_LENGTH
    )
