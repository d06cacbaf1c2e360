from django import forms

from coproduce.forms import AccessibleForm, OnceKeyField, QuickRadioSelect
from coproduce.hubs.pickers import PersonPicker, PickerFormMixin

from .models import STATEMENT_MAX_LENGTH, Audience, VoteValue

PICK_HINT = "Type part of their name and choose them from the people found."

VOTE_CHOICES = [(str(v.value), v.label) for v in VoteValue]
METHOD_CHOICES = [("paper", "On paper"), ("phone", "By phone"), ("in person", "In person")]


class ConversationForm(AccessibleForm):
    question = forms.CharField(
        label="Question",
        max_length=300,
        help_text="One open question, for example: What would make repairs and the estate better?",
    )
    context = forms.CharField(
        label="Background",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What people need to know to answer, in plain words.",
    )
    audience = forms.ChoiceField(
        label="Who can take part?",
        choices=Audience.choices,
        initial=Audience.HUB,
        widget=forms.RadioSelect,
    )
    anonymous_link = forms.BooleanField(
        label="Also let people without an account take part, by a link you share",
        required=False,
    )
    opens_on = forms.DateField(
        label="Opening date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty to open it now.",
    )
    closes_on = forms.DateField(
        label="Closing date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty to keep it open.",
    )
    flag_threshold = forms.IntegerField(
        label="How many people must flag a statement before it is hidden for review?",
        min_value=1,
        max_value=50,
        initial=3,
    )
    seeds = forms.CharField(
        label="Starting statements",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="One per line. A few varied statements help people start voting.",
    )


class StatementForm(AccessibleForm):
    text = forms.CharField(
        label="Add your own statement",
        max_length=STATEMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": STATEMENT_MAX_LENGTH}),
        help_text=f"One idea, up to {STATEMENT_MAX_LENGTH} characters. Others will vote on it.",
    )
    key = OnceKeyField()


class FlagForm(AccessibleForm):
    reason = forms.CharField(
        label="What is wrong with it?",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: it names a person, or it is abusive.",
    )
    key = OnceKeyField()


class ModerationForm(AccessibleForm):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("keep", "Keep it: it is within the code of conduct"), ("remove", "Remove it")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Why",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The author is told this.",
    )


class ModeratorForm(PickerFormMixin, AccessibleForm):
    person = PersonPicker(purpose="moderator", label="Member", help_text=PICK_HINT)

    def __init__(self, *args, hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].bind(hub, email=True)


class PriorityForm(AccessibleForm):
    note = forms.CharField(label="Note (optional)", required=False, max_length=300)


class VotesForm(AccessibleForm):
    """One agree / disagree / pass question per statement (the list view, and paper
    responses). Unanswered statements are left alone."""

    key = OnceKeyField()

    def __init__(self, *args, statements, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        current = current or {}
        for statement in statements:
            self.fields[f"statement_{statement.pk}"] = forms.ChoiceField(
                label=statement.text,
                choices=VOTE_CHOICES,
                required=False,
                widget=QuickRadioSelect,
                initial=str(current[statement.pk]) if statement.pk in current else None,
            )

    def answers(self) -> dict[int, int]:
        return {
            int(name.removeprefix("statement_")): int(value)
            for name, value in self.cleaned_data.items()
            if name.startswith("statement_") and value not in ("", None)
        }


class RecordResponseForm(PickerFormMixin, VotesForm):
    person = PersonPicker(
        purpose="response-person", label="Whose response is this?", help_text=PICK_HINT
    )
    method = forms.ChoiceField(
        label="How did they give it?", choices=METHOD_CHOICES, widget=forms.RadioSelect
    )

    def __init__(self, *args, hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].bind(hub, email=True)
        self.order_fields(["person", "method"])
