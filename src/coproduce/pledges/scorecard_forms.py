"""The form staff use to count the users' side of a pledge."""

import datetime

from django import forms
from django.utils import timezone

from coproduce.forms import AccessibleForm, OnceKeyField

from .services.scorecard import MAX_COUNT, NOTE_MAX_LENGTH

MONTHS_OFFERED = 12


def recent_months(today: datetime.date | None = None) -> list[datetime.date]:
    """This month and the eleven before it, newest first."""
    today = today or timezone.localdate()
    month = datetime.date(today.year, today.month, 1)
    found = []
    for _ in range(MONTHS_OFFERED):
        found.append(month)
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return found


class UsersSideForm(AccessibleForm):
    commitment = forms.ChoiceField(label="Which commitment?")
    month = forms.ChoiceField(label="Month")
    count = forms.IntegerField(
        label="How many times was it not kept?",
        min_value=0,
        max_value=MAX_COUNT,
        help_text="For example, repair visits where nobody was in. Counting a month again "
        "replaces its number.",
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        help_text="Where the count comes from.",
    )
    key = OnceKeyField()

    def __init__(self, *args, commitments: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commitment"].choices = [(text, text) for text in commitments]
        self.fields["month"].choices = [
            (month.isoformat(), f"{month:%B %Y}") for month in recent_months()
        ]

    def clean_month(self) -> datetime.date:
        return datetime.date.fromisoformat(self.cleaned_data["month"])
