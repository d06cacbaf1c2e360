"""Forms of the report pages. The services check everything again (and the API uses them
without these forms): the forms only shape what a browser sends."""

from django import forms

from coproduce.forms import AccessibleForm, OnceKeyField
from coproduce.hubs.models import Neighbourhood
from coproduce.hubs.pickers import PersonPicker, PickerFormMixin

from .coordinates import MAX_LENGTH
from .models import DESCRIPTION_MAX_LENGTH, ReportStatus, ServicePoint
from .services.reports import NOTE_MAX_LENGTH

SOMEONE_ELSE = "someone-else"


def question_field(question: dict) -> forms.Field:
    """A form field for one of a category's questions (an Open311 attribute). What an
    answer must be (a choice, a number, a date and time) is checked by the services
    (`checked_attributes`), for the pages, the API and Open311 alike: their error is shown
    next to the question, as this field is named `attribute[code]` as their error is."""
    label = question.get("description") or question["code"]
    required = bool(question.get("required")) and question.get("variable", True)
    choices = [(str(v["key"]), v.get("name") or str(v["key"])) for v in question.get("values", [])]
    datatype = question.get("datatype", "string")
    hint = question.get("datatype_description") or ""
    if datatype == "multivaluelist" and choices:
        return forms.MultipleChoiceField(
            label=label, required=required, choices=choices, widget=forms.CheckboxSelectMultiple
        )
    if choices:
        return forms.ChoiceField(
            label=label, required=required, choices=[("", "Choose…"), *choices]
        )
    if datatype == "text":
        return forms.CharField(label=label, required=required, widget=forms.Textarea)
    if datatype == "number":
        return forms.CharField(
            label=label,
            required=required,
            max_length=40,
            help_text=hint or "A number, such as 3.",
            widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
        )
    if datatype == "datetime":
        return forms.CharField(
            label=label,
            required=required,
            max_length=40,
            help_text=hint or "The date and time.",
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        )
    return forms.CharField(label=label, required=required, max_length=300)


class ReportForm(PickerFormMixin, AccessibleForm):
    """A problem under one category. Staff also say whom it is for (someone on the phone);
    someone who is not signed in leaves a name and email instead of an account."""

    description = forms.CharField(
        label="What is the problem?",
        help_text="Say what is wrong and since when. Others can read this: leave out names "
        "and phone numbers.",
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": DESCRIPTION_MAX_LENGTH}),
        error_messages={"required": "Describe the problem."},
    )
    address = forms.CharField(
        label="Address or place",
        help_text="Where the problem is, if it is somewhere: for example, the second-floor "
        "landing of a block. If it is about one of the service's places, choose it below.",
        required=False,
        max_length=300,
    )
    area = forms.ModelChoiceField(
        label="Area", queryset=Neighbourhood.objects.none(), required=False, empty_label="Not set"
    )
    service_point = forms.ModelChoiceField(
        label="One of the service's places",
        queryset=ServicePoint.objects.none(),
        required=False,
        empty_label="None of these",
    )
    lat = forms.CharField(
        label="Latitude",
        help_text="Only if you know it, with the longitude: for example 52.4862.",
        required=False,
        max_length=MAX_LENGTH,
    )
    long = forms.CharField(
        label="Longitude",
        help_text="For example -1.8904.",
        required=False,
        max_length=MAX_LENGTH,
    )
    photo = forms.FileField(
        label="A photo",
        help_text="A JPEG, PNG or WebP image. Only the service's staff and you will see it; "
        "where and when it was taken is removed.",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    key = OnceKeyField()

    def __init__(self, *args, hub, category, staff=False, anonymous=False, **kwargs):
        super().__init__(*args, **kwargs)
        areas = Neighbourhood.objects.filter(hub=hub)
        places = ServicePoint.objects.filter(hub=hub)
        if areas.exists():
            self.fields["area"].queryset = areas
        else:
            del self.fields["area"]
        if places.exists():
            self.fields["service_point"].queryset = places
        else:
            del self.fields["service_point"]
        self.question_codes = []
        for question in sorted(category.attributes or [], key=lambda q: q.get("order", 0)):
            if not question.get("variable", True):
                continue
            name = f"attribute[{question['code']}]"
            self.fields[name] = question_field(question)
            self.question_codes.append(question["code"])
        if staff:
            self.fields["for_member"] = PersonPicker(
                purpose="report-for",
                label="Who is it for?",
                help_text="When you take a report on the phone: type part of the name of the "
                "member who rang and choose them, or choose “someone else” and give their name "
                "below. Leave it as yourself otherwise.",
                extra=[
                    ("me", "Myself", "me"),
                    (SOMEONE_ELSE, "Someone else (give their name)", SOMEONE_ELSE),
                ],
                required=False,
                initial="me",
            )
            self.fields["for_member"].bind(hub, email=True)
        if staff or anonymous:
            self.fields["contact_name"] = forms.CharField(
                label="Their name" if staff else "Your name",
                help_text="Never shown to the public.",
                required=anonymous,
                max_length=120,
            )
            self.fields["contact_email"] = forms.EmailField(
                label="Their email address" if staff else "Your email address",
                help_text=(
                    "So the service can tell them what happens, and ask whether it was fixed. "
                    if staff
                    else "So the service can tell you what happens, and ask you whether it "
                    "was fixed. "
                )
                + "Never shown to the public.",
                required=False,
            )
        if staff:
            self.fields["contact_phone"] = forms.CharField(
                label="Their phone number",
                help_text="If they have no email: staff ring them to ask whether it was "
                "fixed. Never shown to the public.",
                required=False,
                max_length=40,
            )

        questions = [f"attribute[{code}]" for code in self.question_codes]
        where = ["address", "area", "service_point", "lat", "long", "photo"]
        contact = ["contact_name", "contact_email", "contact_phone"]
        if staff:
            self.order_fields(["for_member", *contact, "description", *questions, *where])
        else:
            self.order_fields(["description", *questions, *where, *contact])

    def answers(self) -> dict:
        return {code: self.cleaned_data.get(f"attribute[{code}]") for code in self.question_codes}


class UpdateForm(AccessibleForm):
    status = forms.ChoiceField(label="What is happening now?", choices=ReportStatus.choices)
    note = forms.CharField(
        label="Note for the person who reported it",
        help_text="Say what was done or what happens next. Needed when you close it.",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX_LENGTH}),
        required=False,
    )
    key = OnceKeyField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Needed to close, not to move on: the label says neither "(optional)" nor more.
        self.fields["note"].sometimes_required = True


class AnswerForm(AccessibleForm):
    fixed = forms.TypedChoiceField(
        label="Was it fixed?",
        choices=[("yes", "Yes, it is fixed"), ("no", "No, it is not fixed")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether it was fixed."},
    )
    note = forms.CharField(
        label="Anything to add?",
        help_text="Only you and the service's staff read this.",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX_LENGTH}),
        required=False,
    )
    key = OnceKeyField()


class AnswerForForm(AccessibleForm):
    """Staff record the answer of a reporter who is not online. Its controls have ids of
    their own: it is on the same page as the update form."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "answer_for_%s")
        super().__init__(*args, **kwargs)

    fixed = forms.TypedChoiceField(
        label="What did they say: was it fixed?",
        choices=[("yes", "Yes, it is fixed"), ("no", "No, it is not fixed")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say what they answered."},
    )
    note = forms.CharField(
        label="What they added, in their words",
        help_text="Not shown to the public: only the service's staff read it.",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX_LENGTH}),
        required=False,
    )
    key = OnceKeyField()


class ModerateForm(AccessibleForm):
    description = forms.CharField(
        label="Text to show instead",
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": DESCRIPTION_MAX_LENGTH}),
    )
    reason = forms.CharField(
        label="Why (the person who reported it is told)",
        max_length=NOTE_MAX_LENGTH,
    )
