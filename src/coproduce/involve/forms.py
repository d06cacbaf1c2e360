"""The involvement pages' forms: they read and check what was typed; the services decide."""

import datetime

from django import forms
from django.utils import timezone

from coproduce.forms import AccessibleForm, OnceKeyField
from coproduce.hubs.pickers import PersonPicker, PickerFormMixin

from .guard import money
from .models import (
    KIND_MEANS,
    AttendanceStatus,
    CoKind,
    ExpenseKind,
    Joining,
    Mode,
    OpportunityStatus,
    Recompense,
    When,
)

PICK_HINT = "Type part of their name and choose them from the list."
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def kind_choices():
    return [(kind.value, f"{kind.label}: {KIND_MEANS[kind]}") for kind in CoKind]


def _places(label: str, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=0, max_value=30, initial=0, help_text=help_text
    )


def at(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, time))


class MeetingFields(AccessibleForm):
    """One meeting: a date, a start and an end time (on the same day)."""

    first_date = forms.DateField(label="Date", widget=DATE, required=False)
    starts_at = forms.TimeField(label="Starts at", widget=TIME, required=False)
    ends_at = forms.TimeField(label="Ends at", widget=TIME, required=False)
    needs_meeting = True

    def meeting(self) -> tuple[datetime.datetime, datetime.datetime] | None:
        """The meeting typed, or None when none was (and none is needed); errors are
        added to the fields."""
        data = self.cleaned_data
        day, start, end = data.get("first_date"), data.get("starts_at"), data.get("ends_at")
        # The date comes filled in, so with no times an ongoing one has no meeting yet.
        if start is None and end is None and not self.needs_meeting:
            return None
        missing = False
        for name, value, message in (
            ("first_date", day, "Enter the date of the meeting."),
            ("starts_at", start, "Enter the time it starts, like 14:00."),
            ("ends_at", end, "Enter the time it ends, like 15:30."),
        ):
            if value is None and name not in self.errors:
                self.add_error(name, message)
                missing = True
        if missing or self.errors:
            return None
        if end <= start:
            self.add_error("ends_at", "It must end after it starts, on the same day.")
            return None
        return at(day, start), at(day, end)


class OpportunityForm(PickerFormMixin, MeetingFields):
    kind = forms.ChoiceField(
        label="Kind of involvement", choices=kind_choices, widget=forms.RadioSelect
    )
    title = forms.CharField(label="Title", max_length=120)
    description = forms.CharField(
        label="What it involves",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="In plain words: what people will do, and how long it takes.",
    )
    when = forms.ChoiceField(
        label="When", choices=When.choices, widget=forms.RadioSelect, initial=When.ONE_OFF
    )
    first_date = forms.DateField(
        label="Date of the first meeting",
        widget=DATE,
        required=False,
        help_text="An ongoing opportunity may have none yet: add meetings as they are arranged.",
    )
    starts_at = forms.TimeField(label="Starts at", widget=TIME, required=False)
    ends_at = forms.TimeField(label="Ends at", widget=TIME, required=False)
    repeat_weeks = forms.IntegerField(
        label="For a series: repeat every how many weeks",
        min_value=1,
        max_value=12,
        required=False,
        initial=4,
    )
    repeat_times = forms.IntegerField(
        label="For a series: how many meetings in all",
        min_value=2,
        max_value=52,
        required=False,
        initial=3,
    )
    mode = forms.ChoiceField(
        label="How people take part",
        choices=Mode.choices,
        widget=forms.RadioSelect,
        initial=Mode.IN_PERSON,
    )
    place = forms.CharField(
        label="Where, or how to join",
        max_length=200,
        required=False,
        help_text="A room, or a phone line.",
    )
    accessibility = forms.CharField(
        label="Accessibility",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Step-free access, a hearing loop, breaks.",
    )
    training = forms.CharField(
        label="Training needed first",
        max_length=120,
        required=False,
        help_text="Leave empty if none. People need it, valid on the first day.",
    )
    needs_check = forms.BooleanField(label="Needs a safeguarding check", required=False)
    lived_experience = forms.CharField(
        label="Lived experience it asks for",
        max_length=200,
        required=False,
        help_text="Such as 'of the practice's mental-health services'. Service users say "
        "they have it when they ask.",
    )
    staff_places = _places("Places for staff")
    user_places = _places("Places for service users and carers")
    any_places = _places("Places for anyone", "Staff or service users, whoever fits.")
    reserved_places = _places(
        "Of these, kept for people invited", "Places only the lead's invitations fill."
    )
    joining = forms.ChoiceField(
        label="How people join",
        choices=Joining.choices,
        widget=forms.RadioSelect,
        initial=Joining.REQUEST,
    )
    lead = PersonPicker(purpose="involve-lead", label="Lead", help_text=PICK_HINT)
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=None,
        required=False,
        help_text="Whose account gives the time credits: the hub's host if empty.",
    )
    is_recruitment = forms.BooleanField(
        label="This is a staff recruitment panel",
        required=False,
        help_text="Counted in the hub's figures.",
    )
    confirm_hours = forms.IntegerField(
        label="Hours to say yes to a place offered from the waiting list",
        min_value=1,
        max_value=336,
        initial=48,
    )
    key = OnceKeyField()

    field_order = [
        "kind",
        "title",
        "description",
        "when",
        "first_date",
        "starts_at",
        "ends_at",
        "repeat_weeks",
        "repeat_times",
    ]

    # Said when left empty, in the words the service would use.
    REQUIRED = {
        "kind": "Choose what kind of involvement it is.",
        "title": "Give it a title.",
        "description": "Say what it involves.",
        "confirm_hours": "Give the hours to say yes, from 1 to 336.",
    }
    # Needed unless it is ongoing (or, for the repeats, unless it is a series).
    SOMETIMES = ("first_date", "starts_at", "ends_at", "repeat_weeks", "repeat_times")

    def __init__(self, *args, hub, **kwargs):
        super().__init__(*args, **kwargs)
        for name, message in self.REQUIRED.items():
            self.fields[name].error_messages["required"] = message
        for name in self.SOMETIMES:
            self.fields[name].sometimes_required = True
        self.fields["lead"].bind(hub, email=True)
        self.fields["organisation"].queryset = hub.organisations.all()
        self.fields["first_date"].initial = timezone.localdate() + datetime.timedelta(days=14)

    def clean(self):
        data = super().clean()
        when = data.get("when")
        self.needs_meeting = when != When.ONGOING
        first = self.meeting()
        meetings = []
        if first is not None:
            meetings.append(first)
            if when == When.SERIES:
                every, times = data.get("repeat_weeks"), data.get("repeat_times")
                if every is None and "repeat_weeks" not in self.errors:
                    self.add_error("repeat_weeks", "Say how many weeks apart the meetings are.")
                if times is None and "repeat_times" not in self.errors:
                    self.add_error("repeat_times", "Say how many meetings there are, 2 or more.")
                if every and times:
                    start, end = first
                    gap = datetime.timedelta(weeks=every)
                    for n in range(1, times):
                        # Each at the same time of day, through a change of the clocks.
                        day = timezone.localtime(start).date() + gap * n
                        meetings.append(
                            (
                                at(day, timezone.localtime(start).time()),
                                at(day, timezone.localtime(end).time()),
                            )
                        )
        data["meetings"] = meetings
        return data


class AskForm(AccessibleForm):
    lived_experience = forms.BooleanField(required=False)
    message = forms.CharField(
        label="Anything the lead should know, like access needs",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    key = OnceKeyField()

    def __init__(self, *args, opportunity, **kwargs):
        super().__init__(*args, **kwargs)
        if opportunity.lived_experience:
            self.fields[
                "lived_experience"
            ].label = f"I have lived experience {opportunity.lived_experience}"
        else:
            del self.fields["lived_experience"]


class OfflineAskForm(PickerFormMixin, AskForm):
    person = PersonPicker(
        purpose="involve-offline",
        label="Who (someone who is not online)",
        help_text="Only people who do not sign in themselves. " + PICK_HINT,
    )
    field_order = ["person"]

    def __init__(self, *args, opportunity, **kwargs):
        super().__init__(*args, opportunity=opportunity, **kwargs)
        self.fields["person"].bind(opportunity.hub)
        if "lived_experience" in self.fields:
            self.fields[
                "lived_experience"
            ].label = f"They have lived experience {opportunity.lived_experience}"
        self.fields["message"].label = "Anything the lead should know about them"


class InviteForm(PickerFormMixin, AccessibleForm):
    person = PersonPicker(purpose="involve-invite", label="Who to invite", help_text=PICK_HINT)

    def __init__(self, *args, opportunity, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].bind(
            opportunity.hub, context=opportunity, params={"opportunity": opportunity.pk}
        )


class MeetingForm(MeetingFields):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_date"].required = True
        self.fields["starts_at"].required = True
        self.fields["ends_at"].required = True


class ChangeForm(AccessibleForm):
    description = forms.CharField(
        label="What it involves", max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    place = forms.CharField(label="Where, or how to join", max_length=200, required=False)
    accessibility = forms.CharField(
        label="Accessibility",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    status = forms.ChoiceField(
        label="Taking people",
        choices=[
            (OpportunityStatus.OPEN, "Open: people can ask for a place"),
            (OpportunityStatus.CLOSED, "Closed to new people"),
        ],
        widget=forms.RadioSelect,
    )


class CancelForm(AccessibleForm):
    reason = forms.CharField(
        label="Why is it cancelled?",
        max_length=300,
        help_text="Everyone on it is told, with this reason.",
    )


class HiredForm(AccessibleForm):
    hired = forms.IntegerField(label="How many people were hired", min_value=0, max_value=100)


class WithdrawForm(AccessibleForm):
    reason = forms.CharField(label="Why (for the lead)", max_length=300, required=False)


class ApologiesForm(AccessibleForm):
    session = forms.ChoiceField(label="Which meeting", widget=forms.RadioSelect)

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.sessions = {str(s.pk): s for s in sessions}
        self.fields["session"].choices = [
            (str(s.pk), f"{timezone.localtime(s.starts_at):%A %-d %B %Y, %H:%M}") for s in sessions
        ]
        if sessions:
            self.fields["session"].initial = str(sessions[0].pk)

    def clean_session(self):
        return self.sessions[self.cleaned_data["session"]]


class ShortlistForm(AccessibleForm):
    chosen = forms.MultipleChoiceField(
        label="Give places to", required=False, widget=forms.CheckboxSelectMultiple
    )
    key = OnceKeyField()

    def __init__(self, *args, ranked, **kwargs):
        super().__init__(*args, **kwargs)
        self.order = [signup.pk for signup, _r in ranked]
        self.fields["chosen"].choices = [
            (str(signup.pk), signup.person.display_name) for signup, _r in ranked
        ]
        self.fields["chosen"].initial = [str(s.pk) for s, r in ranked if r.chosen]

    def clean_chosen(self):
        picked = {int(pk) for pk in self.cleaned_data["chosen"]}
        return [pk for pk in self.order if pk in picked]  # in the fair order


class AttendanceForm(AccessibleForm):
    """A row per person with a place: came, sent apologies or did not come, and for how
    long (hours and minutes, the meeting's length unless changed)."""

    def __init__(self, *args, signups, session, marked, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for signup in signups:
            earlier = marked.get(signup.pk)
            minutes = earlier.minutes if earlier and earlier.minutes else session.minutes
            status = f"status_{signup.pk}"
            hours, mins = f"hours_{signup.pk}", f"minutes_{signup.pk}"
            self.fields[status] = forms.ChoiceField(
                label=f"Did {signup.person.display_name} come?",
                choices=AttendanceStatus.choices,
                widget=forms.RadioSelect,
                initial=earlier.status if earlier else AttendanceStatus.ATTENDED,
            )
            # Named in the error summary, where several people's "Hours" would be alike.
            name = signup.person.display_name
            self.fields[hours] = forms.IntegerField(
                label=f"Hours for {name}",
                min_value=0,
                max_value=12,
                initial=minutes // 60,
                error_messages={"max_value": "Enter 12 hours or fewer."},
            )
            self.fields[mins] = forms.IntegerField(
                label=f"Minutes for {name}",
                min_value=0,
                max_value=59,
                initial=minutes % 60,
                error_messages={"max_value": "Enter 59 minutes or fewer."},
            )
            self.rows.append((signup, self[status], self[hours], self[mins], earlier))

    def marks(self) -> dict[int, tuple[str, int | None]]:
        data = self.cleaned_data
        found = {}
        for signup, *_rest in self.rows:
            status = data[f"status_{signup.pk}"]
            minutes = data[f"hours_{signup.pk}"] * 60 + data[f"minutes_{signup.pk}"]
            if status == AttendanceStatus.ATTENDED and minutes == 0:
                self.add_error(f"minutes_{signup.pk}", "Give the time they gave, above zero.")
            found[signup.pk] = (status, minutes if status == AttendanceStatus.ATTENDED else None)
        return found


class ThanksForm(AccessibleForm):
    recompense = forms.ChoiceField(
        label="How would you like to be thanked?", widget=forms.RadioSelect
    )
    understood = forms.BooleanField(
        label="I understand, and still want the payment", required=False
    )

    def __init__(self, *args, offered, amounts, warned=False, length="", **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        for value in offered:
            label = Recompense(value).label
            if amounts.get(value):
                label = f"{label} ({money(amounts[value])})"
            elif length and value in (Recompense.CREDITS, Recompense.DONATE):
                label = f"{label} ({length})"
            choices.append((value, label))
        self.fields["recompense"].choices = choices
        if not warned:
            del self.fields["understood"]  # shown only with the benefits warning
        else:
            self.fields["understood"].required = True
            self.fields["understood"].error_messages["required"] = (
                "Tick the box to say you understand, or choose another kind of thanks."
            )


class ExpenseForm(AccessibleForm):
    kind = forms.ChoiceField(
        label="What to claim", choices=ExpenseKind.choices, widget=forms.RadioSelect
    )
    miles = forms.CharField(
        label="Miles travelled (for mileage)",
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    amount = forms.CharField(
        label="Amount in pounds (for other costs)",
        max_length=12,
        required=False,
        help_text="Like 4.50.",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    note = forms.CharField(
        label="What it was for",
        max_length=300,
        required=False,
        help_text="For other costs: a bus fare, parking, childcare.",
    )
    key = OnceKeyField()

    def __init__(self, *args, mileage_pence: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].error_messages["required"] = "Choose mileage or another cost."
        if mileage_pence:
            self.fields["miles"].help_text = f"Repaid at {mileage_pence}p a mile."
        for name in ("miles", "amount", "note"):
            self.fields[name].sometimes_required = True
