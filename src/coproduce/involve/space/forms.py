"""Your Space's forms before the result: rounds, ideas, checks and ballots. They read and
check what was typed (time in hours and minutes, money in whole pounds); the services
decide."""

import datetime

from django import forms
from django.utils import timezone

from coproduce.forms import AccessibleForm, OnceKeyField
from coproduce.hubs.pickers import PersonPicker, PickerFormMixin

from .models import Resource, Weighting

PICK_HINT = "Type part of their name and choose them from the list."
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _number(label, *, max_value, help_text="", min_value=0):
    return forms.IntegerField(
        label=label,
        min_value=min_value,
        max_value=max_value,
        required=False,
        help_text=help_text,
    )


class AmountFields(AccessibleForm):
    """An amount of the resource: hours and minutes for time, whole pounds for money."""

    hours = _number("Hours", max_value=100_000)
    minutes = _number("Minutes", max_value=59)
    pounds = _number("Pounds", max_value=100_000_000, help_text="Whole pounds, like 1500.")
    amount_name = "amount"

    def amount(self, resource: str) -> int | None:
        """The amount in the round's unit (minutes or pounds); None, with an error on the
        field, when it is missing."""
        data = self.cleaned_data
        if any(name in self.errors for name in ("hours", "minutes", "pounds")):
            return None
        if resource == Resource.MONEY:
            if data.get("pounds") is None:
                self.add_error("pounds", "Enter the amount in whole pounds.")
                return None
            return data["pounds"]
        hours, minutes = data.get("hours"), data.get("minutes")
        if hours is None and minutes is None:
            self.add_error("hours", "Enter the hours (and minutes, if any).")
            return None
        return (hours or 0) * 60 + (minutes or 0)

    def field_of(self, resource: str) -> str:
        return "pounds" if resource == Resource.MONEY else "hours"

    def only_for(self, resource: str | None) -> None:
        """Keep just the fields for this round's resource (all three while unknown)."""
        if resource is None:
            for name in ("hours", "minutes", "pounds"):
                self.fields[name].sometimes_required = True
            return
        if resource == Resource.MONEY:
            del self.fields["hours"], self.fields["minutes"]
            self.fields["pounds"].sometimes_required = True
        else:
            del self.fields["pounds"]
            self.fields["hours"].sometimes_required = True


class RoundForm(AmountFields):
    title = forms.CharField(label="Title", max_length=120)
    description = forms.CharField(
        label="What this round is for",
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    resource = forms.ChoiceField(
        label="What is shared", choices=Resource.choices, widget=forms.RadioSelect
    )
    hours = _number(
        "For time: hours",
        max_value=8400,
        help_text="Room-hours a week, or hours from the community chest.",
    )
    minutes = _number("For time: and minutes", max_value=59)
    pounds = _number("For money: pounds", max_value=100_000_000, help_text="Whole pounds.")
    space_name = forms.CharField(
        label="The space's name",
        max_length=120,
        required=False,
        help_text="For hours in a shared space, like 'Community room'.",
    )
    ideas_close_on = forms.DateField(label="Ideas close on", widget=DATE, required=False)
    vote_closes_on = forms.DateField(label="Vote closes on", widget=DATE, required=False)
    vote_closes_time = forms.TimeField(
        label="Vote closes at",
        widget=TIME,
        required=False,
        help_text="The time on that day: no ballot is taken after it. 18:00 if empty.",
    )
    min_projects = _number(
        "Ballots choose at least this many projects", max_value=100, help_text="Empty: no least."
    )
    max_projects = _number(
        "Ballots choose at most this many projects", max_value=100, help_text="Empty: no most."
    )
    min_spend_percent = _number(
        "Or: the projects chosen use at least this % of what is shared",
        max_value=100,
        help_text="Empty: any amount.",
    )
    weighting = forms.ChoiceField(
        label="Voters' shares",
        choices=Weighting.choices,
        widget=forms.RadioSelect,
        initial=Weighting.NONE,
    )
    extra_share_percent = _number(
        "How much larger their share is, in %",
        max_value=300,
        help_text="50 means one and a half times as large.",
    )
    most_deprived_deciles = forms.IntegerField(
        label="Deprivation deciles counted as most deprived",
        min_value=1,
        max_value=5,
        initial=2,
        help_text="2 means deciles 1 and 2.",
    )
    weighting_reason = forms.CharField(
        label="Why (shown to everyone)",
        max_length=300,
        required=False,
        help_text="Needed for larger shares.",
    )
    key = OnceKeyField()

    field_order = ["title", "description", "resource", "hours", "minutes", "pounds"]
    REQUIRED = {"title": "Give the round a title.", "resource": "Choose what is shared."}
    # A service's field, as this form names it.
    FIELDS = {"vote_closes_at": "vote_closes_on", "phase": None}

    def __init__(self, *args, round_=None, rules=True, **kwargs):
        super().__init__(*args, **kwargs)
        for name, message in self.REQUIRED.items():
            self.fields[name].error_messages["required"] = message
        self.resource_fixed = round_.resource if round_ is not None else None
        if round_ is not None:
            del self.fields["resource"]
            del self.fields["key"]
        self.only_for(self.resource_fixed)
        if not rules:
            # Fixed once the vote opens: people vote knowing them.
            for name in (
                "hours",
                "minutes",
                "pounds",
                "min_projects",
                "max_projects",
                "min_spend_percent",
                "weighting",
                "extra_share_percent",
                "most_deprived_deciles",
                "weighting_reason",
            ):
                self.fields.pop(name, None)
        if round_ is not None and round_.counted_at is not None:
            del self.fields["vote_closes_on"], self.fields["vote_closes_time"]

    def values(self) -> dict | None:
        """What the service takes, or None when something is missing (errors added)."""
        data = self.cleaned_data
        resource = self.resource_fixed or data.get("resource")
        values = {
            name: data[name]
            for name in ("title", "description", "space_name", "ideas_close_on")
            if name in data
        }
        if "vote_closes_on" in self.fields:
            day, time = data.get("vote_closes_on"), data.get("vote_closes_time")
            if day is None and time is not None:
                self.add_error("vote_closes_on", "Enter the day the vote closes.")
            values["vote_closes_at"] = (
                timezone.make_aware(datetime.datetime.combine(day, time or datetime.time(18)))
                if day
                else None
            )
        if "weighting" in self.fields:
            for name in (
                "min_projects",
                "max_projects",
                "min_spend_percent",
                "weighting",
                "most_deprived_deciles",
                "weighting_reason",
            ):
                values[name] = data.get(name)
            values["extra_share_percent"] = data.get("extra_share_percent") or 0
            values["most_deprived_deciles"] = values["most_deprived_deciles"] or 2
            values["weighting_reason"] = values["weighting_reason"] or ""
            if resource:
                values["amount"] = self.amount(resource)
        if self.errors:
            return None
        return values

    def field_for(self, field: str | None) -> str | None:
        if field == "amount":
            return self.field_of(self.resource_fixed or self.cleaned_data.get("resource"))
        return self.FIELDS.get(field, field)


class IdeaForm(PickerFormMixin, AmountFields):
    title = forms.CharField(label="Title", max_length=120, help_text="Like 'Coffee morning'.")
    description = forms.CharField(
        label="What it is",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Who it is for, and what happens.",
    )
    run_by = forms.CharField(
        label="Who will run it",
        max_length=200,
        help_text="Names, or a group, like 'the tenants' association'.",
    )
    proposer = PersonPicker(
        purpose="space-for",
        label="Proposed by (someone not online)",
        required=False,
        help_text="Leave empty if it is your own idea. " + PICK_HINT,
    )
    key = OnceKeyField()

    REQUIRED = {
        "title": "Give it a title.",
        "description": "Say what it is.",
        "run_by": "Say who will run it.",
    }

    def __init__(self, *args, round_, coordinate: bool, **kwargs):
        super().__init__(*args, **kwargs)
        for name, message in self.REQUIRED.items():
            self.fields[name].error_messages["required"] = message
        self.round = round_
        self.only_for(round_.resource)
        if round_.resource == Resource.MONEY:
            self.fields["pounds"].label = "What it needs, in pounds"
        else:
            week = " a week" if round_.resource == Resource.ROOM else ""
            self.fields["hours"].label = f"What it needs: hours{week}"
            self.fields["minutes"].label = "And minutes"
            self.fields["hours"].help_text = (
                f"The whole round shares {round_.amount_words}"
                + (f" of the {round_.space_name}" if round_.space_name else "")
                + "."
            )
        if coordinate:
            self.fields["proposer"].bind(round_.hub)
        else:
            del self.fields["proposer"]
        self.order_fields(["title", "description", "hours", "minutes", "pounds", "run_by"])

    def field_for(self, field: str | None) -> str | None:
        return self.field_of(self.round.resource) if field == "cost" else field


class CheckForm(AccessibleForm):
    feasible = forms.ChoiceField(
        label="Can it go on the ballot?",
        choices=[("yes", "Yes: it is feasible"), ("no", "No: it is not feasible")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose yes or no."},
    )
    reason = forms.CharField(
        label="Why not",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed for 'no': the person who proposed it is told.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].sometimes_required = True


class BallotForm(AccessibleForm):
    """Approval: a box to tick for each project on the ballot, in the order given."""

    ideas = forms.MultipleChoiceField(
        label="The projects you would be glad to see",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose only projects on this round's ballot."},
    )

    def __init__(self, *args, ideas, **kwargs):
        super().__init__(*args, **kwargs)
        self.by_id = {str(idea.pk): idea for idea in ideas}
        self.fields["ideas"].choices = [
            (str(idea.pk), f"{idea.title} ({idea.cost_words})") for idea in ideas
        ]

    def clean_ideas(self):
        return [self.by_id[pk] for pk in self.cleaned_data["ideas"]]


class BallotForForm(PickerFormMixin, BallotForm):
    voter = PersonPicker(
        purpose="space-for",
        label="Whose ballot",
        help_text="A member who is not online, or whose paper ballot this is. " + PICK_HINT,
    )
    paper = forms.BooleanField(label="This is from a paper ballot", required=False)
    field_order = ["voter", "paper", "ideas"]

    def __init__(self, *args, round_, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["voter"].bind(round_.hub)
        self.fields["ideas"].label = "The projects ticked on their ballot"
