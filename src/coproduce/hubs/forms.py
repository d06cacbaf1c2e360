from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm

from coproduce.audit_kinds import grouped_choices
from coproduce.forms import AccessibleForm, ListField, OnceKeyField

from . import throttle
from .models import (
    AVAILABILITY_CHOICES,
    POSTAL_ADDRESS_MAX,
    CheckType,
    ConsentMethod,
    ContactPreference,
    OrganisationKind,
    Role,
    tidy_postal_address,
)
from .pickers import PersonPicker, PickerFormMixin


class SignInForm(AuthenticationForm, AccessibleForm):
    username = forms.EmailField(
        label="Email address", widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    error_messages = {
        "invalid_login": "That email address and password do not match an account. "
        "Check them and try again.",
        "inactive": "This account has been closed.",
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()

    def clean(self):
        # Refused while locked, whatever the password; each failure counts against the
        # account and the client address (hubs.throttle).
        email = self.cleaned_data.get("username", "")
        address = throttle.client_address(self.request)
        minutes = throttle.signin_locked_minutes(email, address)
        if minutes:
            raise forms.ValidationError(
                "Too many attempts to sign in. For your safety, signing in is paused for "
                f"{minutes} minute{'s' if minutes != 1 else ''}. Try again then, or use "
                "'Forgotten your password?' below.",
                code="throttled",
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if self.cleaned_data.get("password"):
                throttle.signin_failed(email, address)
            raise
        throttle.signin_succeeded(email)
        return cleaned


class SignUpForm(AccessibleForm):
    display_name = forms.CharField(
        label="Your name",
        max_length=80,
        help_text="How other members will see you.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Email address", widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label="Choose a password",
        help_text="At least 10 characters; not a common password.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class InvitationSignUpForm(AccessibleForm):
    display_name = SignUpForm.base_fields["display_name"]
    password = SignUpForm.base_fields["password"]


class PostalAddressField(forms.CharField):
    """Lines tidied (spaces, blank lines, Windows line endings) before the length is
    counted, so the count is the one that is saved."""

    def to_python(self, value):
        return tidy_postal_address(super().to_python(value))


class ProfileForm(AccessibleForm):
    display_name = forms.CharField(label="Name", max_length=80)
    phone = forms.CharField(
        label="Phone number",
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    postal_address = PostalAddressField(
        label="Postal address, for letters",
        max_length=POSTAL_ADDRESS_MAX,
        required=False,
        help_text="Each part on its own line, as on an envelope, postcode last. Only you "
        "and your hub's coordinators see it.",
        widget=forms.Textarea(attrs={"rows": 5, "autocomplete": "street-address"}),
    )
    contact_preference = forms.ChoiceField(
        label="How would you like to be contacted?",
        choices=ContactPreference.choices,
        widget=forms.RadioSelect,
    )
    postcode_district = forms.CharField(
        label="Postcode area",
        max_length=4,
        required=False,
        help_text="Only the first part of your postcode, like MB1. We never ask for more.",
    )
    assets = ListField(
        label="What you can give",
        help_text="Skills, interests, things you enjoy doing, separated by commas. "
        "For example: gardening, phone calls, reading with children.",
    )
    needs = ListField(
        label="What would help you",
        help_text="Only your coordinators see this. For example: lifts to appointments.",
    )
    availability = forms.MultipleChoiceField(
        label="When are you usually free?",
        choices=AVAILABILITY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = ListField(
        label="Languages you speak", max_items=10, help_text="Separated by commas."
    )
    about = forms.CharField(
        label="A little about you",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_postcode_district(self):
        return self.cleaned_data["postcode_district"].replace(" ", "").upper()


# The same field, as a coordinator fills it in for someone else.
ASSISTED_ADDRESS_HINT = (
    "Each part on its own line, as on an envelope, postcode last. Needed if they want "
    "letters. Only they and this hub's coordinators see it."
)


class ProfileWithEmailForm(ProfileForm):
    """A coordinator may give an assisted-digital person an email so they can sign in."""

    email = forms.EmailField(
        label="Email address",
        required=False,
        help_text="Optional. With an email, the person can set a password and sign in.",
    )


class AssistedPersonForm(ProfileForm):
    consent_purpose = forms.CharField(
        label="What has the person agreed to?",
        max_length=200,
        initial="To be a member of the hub and for coordinators to keep these details",
    )
    consent_method = forms.ChoiceField(
        label="How did they agree?",
        choices=[c for c in ConsentMethod.choices if c[0] != ConsentMethod.ONLINE],
        widget=forms.RadioSelect,
    )
    key = OnceKeyField()

    field_order = ["display_name", "consent_purpose", "consent_method"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_preference"].initial = ContactPreference.PHONE
        self.fields["needs"].help_text = "Only coordinators see this."
        self.fields["postal_address"].help_text = ASSISTED_ADDRESS_HINT
        self.fields["assets"].label = "What they can give"
        self.fields["needs"].label = "What would help them"
        self.fields["availability"].label = "When are they usually free?"
        self.fields["languages"].label = "Languages they speak"
        self.fields["about"].label = "Notes about them (they can see these)"


class MembershipAreaForm(AccessibleForm):
    neighbourhood = forms.ModelChoiceField(
        label="Your area in this hub",
        queryset=None,
        required=False,
        empty_label="Not set",
    )
    listed_in_directory = forms.BooleanField(
        label="List me in the hub's member directory",
        required=False,
        help_text="Other members see your name, area and what you can give.",
    )

    def __init__(self, *args, hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["neighbourhood"].queryset = hub.neighbourhoods.all()


class InvitationForm(AccessibleForm):
    email = forms.EmailField(label="Their email address")
    role = forms.ChoiceField(
        label="Role", choices=Role.choices, initial=Role.MEMBER, widget=forms.RadioSelect
    )

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [c for c in Role.choices if c[0] in roles]


class RoleForm(AccessibleForm):
    role = forms.ChoiceField(label="Role", choices=Role.choices, widget=forms.RadioSelect)

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [c for c in Role.choices if c[0] in roles]


class JoinRequestForm(AccessibleForm):
    message = forms.CharField(
        label="Tell the coordinators a little about yourself",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class DecisionForm(AccessibleForm):
    note = forms.CharField(label="Note to the person", required=False, max_length=300)


class ConsentForm(AccessibleForm):
    purpose = forms.CharField(label="What is the consent for?", max_length=200)
    given = forms.TypedChoiceField(
        label="Consent",
        coerce=lambda value: value == "yes",
        choices=[("yes", "Given"), ("no", "Withdrawn")],
        widget=forms.RadioSelect,
    )
    method = forms.ChoiceField(
        label="How was it given?",
        choices=[c for c in ConsentMethod.choices if c[0] != ConsentMethod.ONLINE],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="Note", max_length=300, required=False)


class CheckForm(AccessibleForm):
    check_type = forms.ChoiceField(label="Type of check", choices=CheckType.choices)
    reference = forms.CharField(label="Certificate number or reference", max_length=60)
    issued_on = forms.DateField(
        label="Date of issue", widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.DateField(
        label="Valid until",
        help_text="The date the hub needs it renewed by.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class CheckRemoveForm(AccessibleForm):
    reason = forms.CharField(label="Why is this check being removed?", max_length=300)


class OrganisationForm(AccessibleForm):
    name = forms.CharField(label="Name", max_length=120)
    kind = forms.ChoiceField(label="Kind of organisation", choices=OrganisationKind.choices)
    description = forms.CharField(
        label="What it does", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class NeighbourhoodForm(AccessibleForm):
    name = forms.CharField(
        label="Name of the area", max_length=80, help_text="An estate, a block, a street or a ward."
    )
    deprivation_decile = forms.IntegerField(
        label="Deprivation decile (optional)",
        required=False,
        min_value=1,
        max_value=10,
        help_text="From the Index of Multiple Deprivation: 1 is the most deprived tenth of "
        "areas. A hub may give voters here larger shares in Your Space.",
    )


class DirectorySearchForm(forms.Form):
    q = forms.CharField(label="Search by name, area or skill", required=False, max_length=80)


class AuditFilterForm(PickerFormMixin, forms.Form):
    """The audit log's filter: what kind of change, and whose (as a GET form)."""

    kind = forms.ChoiceField(
        label="Kind of change",
        required=False,
        choices=[("", "Every kind of change"), *grouped_choices()],
    )
    person = PersonPicker(
        purpose="audit",
        label="Done by or for",
        required=False,
        help_text="Leave empty for anyone. Type part of a name, then choose them.",
    )
    date_from = forms.DateField(
        label="From (date)",
        required=False,
        help_text="For example 2026-11-01.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label="To (date, included)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def _sane(self, name):
        value = self.cleaned_data.get(name)
        if value is not None and not (2000 <= value.year <= 2100):
            raise forms.ValidationError("Enter a date between the years 2000 and 2100.")
        return value

    def clean_date_from(self):
        return self._sane("date_from")

    def clean_date_to(self):
        return self._sane("date_to")

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def __init__(self, *args, hub, **kwargs):
        super().__init__(*args, **kwargs)
        # Everyone who is or was a member of this hub.
        self.fields["person"].bind(hub, email=True)


class PasswordResetRequestForm(AccessibleForm):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="We will email you a link to choose a new password, if this address has "
        "an account.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class NewPasswordForm(SetPasswordForm, AccessibleForm):
    def save(self, commit=True):
        # Whoever holds the emailed link owns the account: a pause on signing in after
        # someone else's guesses ends with the new password.
        user = super().save(commit=commit)
        throttle.signin_succeeded(user.email or "")
        return user
