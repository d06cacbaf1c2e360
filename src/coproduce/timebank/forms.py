from django import forms

from coproduce.forms import AccessibleForm, OnceKeyField
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import AVAILABILITY_CHOICES, Person
from coproduce.hubs.pickers import PersonPicker, PickerFormMixin

from .models import Account, AccountKind, ListingKind

PICK_HINT = "Type part of their name and choose them from the people found."


def _accounts_of(hub, people: list[Person]) -> list[Account]:
    """The member accounts of the people a picker gave, in the same order."""
    accounts = {
        a.membership.person_id: a
        for a in Account.objects.filter(
            hub=hub, kind=AccountKind.MEMBER, membership__person__in=people
        ).select_related("membership__person")
    }
    if any(p.pk not in accounts for p in people):
        raise forms.ValidationError("That person has no time bank account here.")
    return [accounts[p.pk] for p in people]


class _ReadOnce(forms.models.ModelChoiceIterator):
    """The choices read by one plain query. Django's iterator() opens a server-side cursor
    on PostgreSQL (declare, fetch, close: three round trips) for the dozen choices a hub
    has, such as its categories and organisations."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class HubChoiceField(forms.ModelChoiceField):
    """A choice among a hub's few categories or organisations."""

    iterator = _ReadOnce


class DurationForm(AccessibleForm):
    """Time spent, as hours and minutes (people think in hours, the ledger in minutes)."""

    hours = forms.IntegerField(label="Hours", min_value=0, max_value=24, initial=1)
    minutes = forms.IntegerField(
        label="Minutes", min_value=0, max_value=59, initial=0, required=False
    )

    def clean(self):
        data = super().clean()
        total = (data.get("hours") or 0) * 60 + (data.get("minutes") or 0)
        if "hours" in data and total == 0:
            self.add_error("hours", "Enter the time spent, above zero.")
        data["total_minutes"] = total
        return data


class LogHoursForm(DurationForm):
    done_on = forms.DateField(
        label="Date of the help",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for today.",
    )


class RecordExchangeForm(PickerFormMixin, LogHoursForm):
    direction = forms.ChoiceField(
        label="Who gave the help?",
        choices=[("gave", "I gave the help"), ("received", "I received the help")],
        widget=forms.RadioSelect,
    )
    other = PersonPicker(
        purpose="exchange-other",
        label="The other person",
        help_text=PICK_HINT + " An organisation is listed by its name.",
    )
    title = forms.CharField(label="What was the help?", max_length=120)
    key = OnceKeyField(required=True)

    field_order = ["direction", "other", "title", "hours", "minutes", "done_on"]

    def __init__(self, *args, membership, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.hub = membership.hub
        other = self.fields["other"]
        other.extra = [(f"org-{a.pk}", f"{a.name} (organisation)", a) for a in organisations]
        other.bind(self.hub, context=membership, email=membership.is_staff_or_above)
        if not hub_access.sees_unlisted_members(membership):
            # The search finds them only after a first exchange (timebank/access.py).
            other.help_text += (
                " Someone not in the directory, or not online, is found once you have"
                " exchanged with them: for a first time, ask a coordinator to record it."
            )

    def clean_other(self):
        other = self.cleaned_data["other"]
        return _accounts_of(self.hub, [other])[0] if isinstance(other, Person) else other


class ListingForm(AccessibleForm):
    kind = forms.ChoiceField(
        label="Are you offering or asking?", choices=ListingKind.choices, widget=forms.RadioSelect
    )
    title = forms.CharField(
        label="Title", max_length=120, help_text="For example: Lifts to the health centre."
    )
    description = forms.CharField(
        label="More detail",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    category = HubChoiceField(
        label="Category", queryset=None, required=False, empty_label="No category"
    )
    postcode_district = forms.CharField(label="Postcode area", max_length=4, required=False)
    availability = forms.MultipleChoiceField(
        label="When?",
        choices=AVAILABILITY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    needs_check = forms.BooleanField(
        label="This involves home visits, children or vulnerable adults",
        required=False,
        help_text="Only members with a valid safeguarding check can then take it on.",
    )
    expires_on = forms.DateField(
        label="Show until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty to show it until you close it.",
    )
    key = OnceKeyField()

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories

    def clean_postcode_district(self):
        return self.cleaned_data["postcode_district"].replace(" ", "").upper()


class MessageForm(AccessibleForm):
    text = forms.CharField(
        label="Message to the other side",
        help_text="For arranging the help: when and where. Coordinators can read it too.",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReasonForm(AccessibleForm):
    reason = forms.CharField(
        label="What is wrong?", max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReverseForm(AccessibleForm):
    reason = forms.CharField(
        label="Why are these hours being reversed?",
        help_text="Kept in the ledger with the correction, for both sides to see.",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    key = OnceKeyField()


class _OnceForm(DurationForm):
    key = OnceKeyField(required=True)


class ChestDonateForm(_OnceForm):
    pass


class ChestGrantForm(PickerFormMixin, _OnceForm):
    member = PersonPicker(purpose="chest-grant", label="Member", help_text=PICK_HINT)
    reason = forms.CharField(
        label="Why do they need these hours?",
        max_length=300,
        help_text="The member sees this on their statement.",
    )

    field_order = ["member", "hours", "minutes", "reason"]

    def __init__(self, *args, hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub = hub
        self.fields["member"].bind(hub, email=True)

    def clean_member(self):
        return _accounts_of(self.hub, [self.cleaned_data["member"]])[0]


class PolicyForm(AccessibleForm):
    floor_hours = forms.IntegerField(
        label="Lowest balance, in hours",
        min_value=-1000,
        max_value=0,
        help_text="0 or below: how many hours a member may owe, for example -10.",
    )
    ceiling_hours = forms.IntegerField(
        label="Highest balance, in hours", min_value=0, max_value=10_000
    )
    limits = forms.ChoiceField(
        label="When an exchange would take a member past a limit",
        choices=[("hard", "Refuse it"), ("soft", "Allow it, and flag it to coordinators")],
        widget=forms.RadioSelect,
    )
    opening_grant_hours = forms.IntegerField(
        label="Hours each new member starts with", min_value=0, max_value=100
    )
    auto_confirm_days = forms.IntegerField(
        label="Days before logged hours confirm themselves",
        min_value=1,
        max_value=90,
        help_text="If the other side neither confirms nor disputes. They are told the date.",
    )


class CategoryForm(AccessibleForm):
    name = forms.CharField(
        label="New category", max_length=60, help_text="For example: Lifts, or Gardening."
    )


class ListingSearchForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=80)
    kind = forms.ChoiceField(
        label="Show", required=False, choices=[("", "Offers and requests"), *ListingKind.choices]
    )
    category = HubChoiceField(
        label="Category", queryset=None, required=False, empty_label="Any category"
    )
    area = forms.CharField(label="Postcode area", required=False, max_length=4)

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories


class GroupExchangeForm(PickerFormMixin, DurationForm):
    """An organisation pays each member of a group the same time (a workshop, a panel)."""

    title = forms.CharField(label="What did the group do?", max_length=120)
    organisation = HubChoiceField(
        label="Organisation paying the hours", queryset=None, empty_label="Choose an organisation"
    )
    members = PersonPicker(
        purpose="group-members",
        label="Members who took part",
        help_text="Type part of a name and tick each one found; search again for the next. "
        "Untick someone to take them off.",
    )
    done_on = forms.DateField(
        label="Date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for today.",
    )

    key = OnceKeyField()

    field_order = ["title", "organisation", "members", "hours", "minutes", "done_on"]

    def __init__(self, *args, hub, organisations, email=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub = hub
        self.fields["hours"].label = "Hours for each member"
        self.fields["organisation"].queryset = organisations
        self.fields["organisation"].label_from_instance = lambda account: account.name
        self.fields["members"].bind(hub, email=email)

    def clean_members(self):
        return _accounts_of(self.hub, self.cleaned_data["members"])


class TimeSheetForm(AccessibleForm):
    # Five thousand lines of a time sheet are well under this.
    MAX_BYTES = 2 * 1024 * 1024

    file = forms.FileField(
        label="Time sheet (CSV file)",
        help_text="Save the sheet from your spreadsheet as CSV. Up to 5,000 exchanges.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(
                "The file is larger than 2 MB. Split it into smaller files."
            )
        return upload


class ApprovalForm(AccessibleForm):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[("approve", "Approve: the hours move now"), ("decline", "Decline")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Note for the coordinator who asked",
        help_text="Needed if you decline.",
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
