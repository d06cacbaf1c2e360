import datetime

from django import forms
from django.utils import timezone

from coproduce.forms import AccessibleForm, ListField, OnceKeyField
from coproduce.hubs.models import AVAILABILITY_CHOICES, ConsentMethod
from coproduce.hubs.pickers import PersonPicker, Picker, PickerFormMixin

from . import access
from .models import HelpKind, Outcome, ProjectKind, Route, Urgency

NEW_PERSON = "new"
PICK_HINT = "Type part of their name and choose them from the people found."


def referral_picker() -> Picker:
    """The open referral a rota's turns are for, found by the person's name or need."""
    return Picker(
        purpose="rota-referral",
        label="For a referral",
        required=False,
        help_text="Leave empty if the turns are for no referral. Type part of the person's "
        "name or of what they need, and choose the referral from those found.",
        error_messages={
            "invalid": "Choose an open referral of this hub: that one cannot be chosen here."
        },
    )


def _bind_referral(form, project, may_choose: bool) -> None:
    if may_choose:
        form.fields["referral"].bind(project.hub, params={"project": project.pk})
    else:
        del form.fields["referral"]


class ReferralForm(PickerFormMixin, AccessibleForm):
    person = PersonPicker(
        purpose="referral-person",
        label="Who are you referring?",
        help_text="Type part of a member's name and choose them, or choose 'Someone new' "
        "for a person who is not yet a member.",
        extra=[(NEW_PERSON, "Someone new, who is not online", NEW_PERSON)],
    )
    new_name = forms.CharField(label="Name of someone new", required=False, max_length=80)
    new_phone = forms.CharField(label="Their phone number", required=False, max_length=30)
    # Required here as in the service (referrals.py), so the page lists it with every
    # other problem at once rather than after they are put right.
    consent_given = forms.BooleanField(
        label="The person agreed to be referred",
        error_messages={
            "required": "A person can only be referred with their consent. Ask them first, "
            "then tick this box."
        },
    )
    consent_given_by = forms.CharField(
        label="Who gave consent?",
        max_length=100,
        initial="The person themselves",
        help_text="The person, or who agreed for them (for example their daughter, with "
        "lasting power of attorney).",
    )
    consent_method = forms.ChoiceField(
        label="How was consent given?", choices=ConsentMethod.choices, widget=forms.RadioSelect
    )
    consent_given_on = forms.DateField(
        label="When was consent given?",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    consent_purpose = forms.CharField(
        label="What did they agree to?",
        max_length=200,
        initial="To be referred to the time bank and contacted by a volunteer",
    )
    category = forms.ModelChoiceField(label="Kind of help", queryset=None, required=False)
    description = forms.CharField(
        label="What does the person need?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Only you, the person and the coordinators see this. The coordinator "
        "decides what a volunteer is told.",
    )
    urgency = forms.ChoiceField(
        label="How soon?", choices=Urgency.choices, widget=forms.RadioSelect
    )
    preferred_times = forms.MultipleChoiceField(
        label="Good times for them",
        choices=AVAILABILITY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    neighbourhood = forms.ModelChoiceField(label="Area", queryset=None, required=False)
    postcode_district = forms.CharField(
        label="First part of their postcode",
        required=False,
        max_length=4,
        help_text="Like MB1. Used to find volunteers nearby.",
    )
    needs_check = forms.BooleanField(
        label="The help needs a safeguarding check (home visits, vulnerable adults, children)",
        required=False,
    )
    key = OnceKeyField()

    def __init__(self, *args, hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].bind(hub, email=True)
        self.fields["category"].queryset = hub.categories.all()
        self.fields["neighbourhood"].queryset = hub.neighbourhoods.all()
        if not hub.neighbourhoods.exists():
            del self.fields["neighbourhood"]
        self.fields["consent_given_on"].initial = timezone.localdate()

    def clean_postcode_district(self):
        return self.cleaned_data["postcode_district"].strip().upper()

    def clean(self):
        data = super().clean()
        if data.get("person") == NEW_PERSON and not (data.get("new_name") or "").strip():
            self.add_error("new_name", "Enter the name of the person you are referring.")
        return data


class TriageForm(AccessibleForm):
    shared_note = forms.CharField(
        label="What the volunteer is told",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Only what they need to help: no health details they do not need.",
    )
    assets = ListField(
        label="What the person can give",
        help_text="Their skills, interests and time, separated by commas. People we help "
        "have things to give too.",
    )
    category = forms.ModelChoiceField(label="Kind of help", queryset=None, required=False)
    urgency = forms.ChoiceField(
        label="How soon?", choices=Urgency.choices, widget=forms.RadioSelect
    )
    needs_check = forms.BooleanField(
        label="Only volunteers with a valid safeguarding check may help", required=False
    )
    project = forms.ModelChoiceField(
        label="Given through a project",
        queryset=None,
        required=False,
        empty_label="None: one-off help",
        help_text="Only people the project accepts (its training, its check) are suggested.",
    )

    def __init__(self, *args, hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = hub.categories.all()
        self.fields["project"].queryset = hub.projects.filter(is_active=True)


class CloseForm(AccessibleForm):
    outcome = forms.ChoiceField(label="Outcome", choices=Outcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(label="Note", required=False, max_length=500)


class DeclineForm(AccessibleForm):
    reason = forms.CharField(
        label="Why not? (optional, for the coordinator)", required=False, max_length=300
    )


class ProjectForm(PickerFormMixin, AccessibleForm):
    name = forms.CharField(label="Name", max_length=120)
    kind = forms.ChoiceField(label="Kind of project", choices=ProjectKind.choices)
    description = forms.CharField(
        label="What it is",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    lead = PersonPicker(
        purpose="project-lead",
        label="Lead",
        help_text="Confirms the time people give. " + PICK_HINT,
    )
    organisation = forms.ModelChoiceField(
        label="Run by",
        queryset=None,
        required=False,
        help_text="The organisation receives the hours given, person to agency.",
    )
    roles = ListField(
        label="Jobs in a slot", required=True, help_text="For example: caller, or monitor, carer."
    )
    training = forms.CharField(
        label="Training needed first",
        required=False,
        max_length=120,
        help_text="Leave empty if none. Anyone trained can then train others.",
    )
    needs_check = forms.BooleanField(
        label="Everyone on the rota needs a valid safeguarding check", required=False
    )

    def __init__(self, *args, hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].bind(hub, email=True)
        self.fields["organisation"].queryset = hub.organisations.all()


class ProjectEndForm(AccessibleForm):
    reason = forms.CharField(label="Why is it ending?", max_length=300)


PATTERNS = [
    ("once", "Once"),
    ("weekly", "Every week"),
    ("tapering", "A package that tapers (visits per week by a plan)"),
]


class SlotsForm(PickerFormMixin, AccessibleForm):
    pattern = forms.ChoiceField(
        label="How often", choices=PATTERNS, widget=forms.RadioSelect, initial="once"
    )
    starts_on = forms.DateField(
        label="First date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    starts_at = forms.TimeField(label="Start time", widget=forms.TimeInput(attrs={"type": "time"}))
    minutes = forms.IntegerField(
        label="Length in minutes", min_value=5, max_value=24 * 60, initial=30
    )
    weeks = forms.IntegerField(
        label="For how many weeks",
        min_value=1,
        max_value=52,
        initial=6,
        required=False,
        help_text="For 'Every week'.",
    )
    plan = forms.CharField(
        label="Visits each week",
        required=False,
        initial="7, 5, 4, 3, 2, 1",
        help_text="For a tapering package: one number per week, most at the start.",
    )
    role = forms.ChoiceField(label="Job")
    places = forms.IntegerField(
        label="People needed each time", min_value=1, max_value=30, initial=1
    )
    receiver = PersonPicker(
        purpose="slot-receiver",
        label="Who is helped",
        required=False,
        help_text="Leave empty for a slot open to anyone (a buddy bench at break time). "
        + PICK_HINT,
    )
    referral = referral_picker()
    note = forms.CharField(label="Note", required=False, max_length=200)

    def __init__(self, *args, project, choose_referral=False, **kwargs):
        """`choose_referral`: whether this person may say which referral the slots are
        for (a coordinator); otherwise the form has no such field."""
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r, r) for r in project.roles]
        self.fields["receiver"].bind(project.hub, context=project, params={"project": project.pk})
        _bind_referral(self, project, choose_referral)
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        self.fields["starts_on"].initial = tomorrow

    def clean_plan(self):
        text = self.cleaned_data["plan"]
        if self.data.get(self.add_prefix("pattern")) != "tapering":
            return []
        try:
            plan = [int(part) for part in text.replace(",", " ").split()]
        except ValueError:
            raise forms.ValidationError("Write whole numbers, like 7, 5, 4, 3, 2, 1.") from None
        if not plan or any(not 0 <= n <= 7 for n in plan) or len(plan) > 26:
            raise forms.ValidationError("One number from 0 to 7 per week, for up to 26 weeks.")
        return plan


class TrainingForm(PickerFormMixin, AccessibleForm):
    person = PersonPicker(purpose="project-trained", label="Who was trained", help_text=PICK_HINT)
    trained_on = forms.DateField(
        label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    expires_on = forms.DateField(
        label="Renew by (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Leave empty if the training lasts. After this date they need it again.",
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].bind(project.hub, context=project, params={"project": project.pk})
        self.fields["trained_on"].initial = timezone.localdate()


class AssignForm(PickerFormMixin, AccessibleForm):
    """Only people the project accepts today (its training and check, by
    access.project_refuses' rule) are found: nobody is offered whom the service refuses."""

    person = PersonPicker(purpose="project-rota", label="Put on the rota")

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].bind(project.hub, context=project, params={"project": project.pk})


def with_assign_forms(project, rows, query) -> None:
    """A picker under each open upcoming turn of the rota (for its lead); the one a
    "Find" without JavaScript came back for (`?assign=<slot>&person__q=...`) shows
    its matches."""
    asked = str(query.get("assign", ""))
    for row in rows:
        if not (row["gaps"] and row["upcoming"]):
            continue
        pk = row["slot"].pk
        data = None
        if asked == str(pk):
            data = {"person__q": str(query.get("person__q", ""))[:80], "_find": "person"}
        row["assign_form"] = AssignForm(data, project=project, auto_id=f"assign{pk}_%s")


_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
NEW_ROTA = "new"


class PlanForm(AccessibleForm):
    kind = forms.ChoiceField(
        label="Kind of help", choices=HelpKind.choices, widget=forms.RadioSelect, initial="call"
    )
    starts_on = forms.DateField(label="First date", widget=_DATE)
    starts_at = forms.TimeField(label="Time", widget=_TIME)
    every_days = forms.IntegerField(
        label="Every how many days",
        min_value=1,
        max_value=28,
        initial=7,
        help_text="7 for every week, 14 for every other week.",
    )
    weeks = forms.IntegerField(label="For how many weeks", min_value=1, max_value=26, initial=6)
    minutes = forms.IntegerField(
        label="Length of each, in minutes", min_value=5, max_value=240, initial=30
    )
    project = forms.ChoiceField(
        label="On which rota",
        help_text="Only projects that accept the volunteer (their training, their check) "
        "are listed.",
    )
    # A fresh key each time the page is shown: a double click or a resent form sets the
    # help up once.
    key = forms.CharField(widget=forms.HiddenInput, max_length=60)

    def __init__(self, *args, referral, volunteer, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        projects = [
            p
            for p in referral.hub.projects.filter(is_active=True).select_related("hub")
            if access.project_refuses(p, volunteer, on=today) is None
        ]
        self.projects = {str(p.pk): p for p in projects}
        self.fields["project"].choices = [
            *[(str(p.pk), p.name) for p in projects],
            (NEW_ROTA, "A new rota for this referral"),
        ]
        if referral.project_id and str(referral.project_id) in self.projects:
            self.fields["project"].initial = str(referral.project_id)
        else:
            self.fields["project"].initial = NEW_ROTA
        self.fields["starts_on"].initial = today + datetime.timedelta(days=1)

    def clean_project(self):
        return self.projects.get(self.cleaned_data["project"])


class PastTurnForm(PickerFormMixin, AccessibleForm):
    person = PersonPicker(purpose="past-turn", label="Who did it", help_text=PICK_HINT)
    starts_on = forms.DateField(label="Date", widget=_DATE)
    starts_at = forms.TimeField(label="Start time", widget=_TIME)
    minutes = forms.IntegerField(label="How long, in minutes", min_value=1, max_value=24 * 60)
    role = forms.ChoiceField(label="Job")
    referral = referral_picker()
    key = forms.CharField(widget=forms.HiddenInput, max_length=60)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].bind(project.hub, context=project, params={"project": project.pk})
        self.fields["role"].choices = [(r, r) for r in project.roles]
        _bind_referral(self, project, True)  # only coordinators record a past turn
        self.fields["starts_on"].initial = timezone.localdate()


class LogForm(AccessibleForm):
    minutes = forms.IntegerField(label="Minutes", min_value=1, max_value=24 * 60)


class ResolveForm(AccessibleForm):
    resolution = forms.CharField(
        label="What was done",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: the practice nurse is phoning weekly until a volunteer is found.",
    )


class ReassignForm(PickerFormMixin, AccessibleForm):
    to = PersonPicker(
        purpose="escalation-to", label="Give it to", help_text="A member of staff. " + PICK_HINT
    )

    def __init__(self, *args, hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].bind(hub, email=True)


class PolicyForm(PickerFormMixin, AccessibleForm):
    unmatched_days = forms.IntegerField(
        label="Days a referral or request may wait for a match", min_value=1, max_value=90
    )
    unfilled_slot_hours = forms.IntegerField(
        label="Hours before a slot starts when a gap escalates", min_value=1, max_value=336
    )
    key_person_percent = forms.IntegerField(
        label="Most of a project's places one person should cover (%)", min_value=1, max_value=100
    )
    weekly_minutes_limit = forms.IntegerField(
        label="Most minutes a week someone should give", min_value=60, max_value=7 * 24 * 60
    )
    activity_drop_percent = forms.IntegerField(
        label="A drop in a regular giver's hours that escalates (%)", min_value=1, max_value=100
    )
    commitment_cap = forms.IntegerField(
        label="Most current commitments to ask of one person", min_value=1, max_value=20
    )
    failsafe = PersonPicker(
        purpose="failsafe",
        label="Staff member who takes escalations with no referrer",
        required=False,
        help_text=PICK_HINT,
    )
    route_unmatched_referral = forms.ChoiceField(
        label="A referral nobody has taken on goes to", choices=Route.choices
    )
    route_unmatched_request = forms.ChoiceField(
        label="A request for help nobody has answered goes to", choices=Route.choices
    )
    route_unfilled_slot = forms.ChoiceField(label="A gap in a rota goes to", choices=Route.choices)
    route_key_person = forms.ChoiceField(
        label="One person carrying a project goes to", choices=Route.choices
    )
    route_burnout = forms.ChoiceField(
        label="A volunteer giving too much, or suddenly stopping, goes to",
        choices=Route.choices,
    )

    def __init__(self, *args, hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["failsafe"].bind(hub, email=True)
