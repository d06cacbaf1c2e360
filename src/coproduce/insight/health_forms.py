"""Forms of the health check and of equality monitoring."""

from django import forms

from coproduce.forms import AccessibleForm, OnceKeyField

from . import healthcheck, monitoring


class RoundForm(AccessibleForm):
    title = forms.CharField(label="Title", max_length=120, help_text="For example “Spring 2027”.")
    opens_on = forms.DateField(
        label="Opens on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="A date.",
    )
    closes_on = forms.DateField(
        label="Closes on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Four weeks gives everyone time, on paper too.",
    )
    key = OnceKeyField()


SCALE_CHOICES = [(str(value), words) for value, words in healthcheck.SCALE]


class AnswersForm(AccessibleForm):
    """One radio group per statement; `answers()` gives {question key: 0-5}."""

    comment = forms.CharField(
        label="Anything you would like to add",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only the hub's coordinators read it, without your name.",
    )
    key = OnceKeyField()

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        fields = {}
        if people is not None:
            fields["person"] = forms.ChoiceField(
                label="Whose answers these are",
                choices=[("", "Choose a member")] + [(str(p.pk), p.display_name) for p in people],
                help_text="Members who are not online and have not answered themselves.",
            )
        for number, question in enumerate(healthcheck.QUESTIONS, 1):
            fields[question.key] = forms.ChoiceField(
                label=f"{number}. {question.statement}",
                choices=SCALE_CHOICES,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose an answer (or “Don't know”)."},
            )
        self.fields = {**fields, **self.fields}
        for name, field in self.fields.items():
            for code, message in (("required", "Choose an answer."),):
                field.error_messages.setdefault(code, message)
            if field.help_text:
                self._describe(name, f"{self._control_id(name)}_helptext")

    def answers(self) -> dict:
        return {key: int(self.cleaned_data[key]) for key in healthcheck.QUESTION_KEYS}


def _choices(question: str) -> list:
    if question == "ethnicity":
        return [
            ("", "No answer"),
            *[(group, rows) for group, rows in monitoring.ETHNIC_GROUPS],
            monitoring.PREFER_NOT,
        ]
    return [("", "No answer"), *monitoring.QUESTIONS[question][1].items()]


class EqualityForm(AccessibleForm):
    age_band = forms.ChoiceField(label=monitoring.QUESTIONS["age_band"][0], required=False)
    disability = forms.ChoiceField(label=monitoring.QUESTIONS["disability"][0], required=False)
    ethnicity = forms.ChoiceField(label=monitoring.QUESTIONS["ethnicity"][0], required=False)
    carer = forms.ChoiceField(label=monitoring.QUESTIONS["carer"][0], required=False)
    consent = forms.BooleanField(
        label="I agree that the hub keeps these answers and counts them with other "
        "people's, never showing mine on their own.",
        required=True,
        error_messages={"required": "Tick this box to save your answers, or leave the page."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for question in monitoring.QUESTIONS:
            self.fields[question].choices = _choices(question)
