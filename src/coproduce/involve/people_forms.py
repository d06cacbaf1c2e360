"""Forms for the people side of involvement: how much to be asked, the hub's rules,
training, the figures' period and the payments list's "paid up to"."""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.utils import timezone

from coproduce.forms import AccessibleForm, OnceKeyField
from coproduce.hubs.models import Neighbourhood
from coproduce.hubs.pickers import PersonPicker, PickerFormMixin

from .models import (
    KIND_MEANS,
    CoKind,
    HowOften,
    InvolvementPolicy,
    PackFormat,
    Recompense,
)

PICK_HINT = "Type part of their name and choose them from the people found."
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ChoicesForm(AccessibleForm):
    kinds = forms.MultipleChoiceField(
        label="Which kinds of involvement do you want to hear about?",
        choices=[(value, f"{label}: {KIND_MEANS[value]}") for value, label in CoKind.choices],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Tick as many or as few as you like. None ticked: you hear about every kind.",
    )
    how_often = forms.ChoiceField(
        label="How often?", choices=HowOften.choices, widget=forms.RadioSelect
    )
    format = forms.ChoiceField(
        label="In what format?",
        choices=PackFormat.choices,
        widget=forms.RadioSelect,
        help_text="A coordinator posts a letter or large print, or rings you, if you choose so.",
    )
    recompense = forms.ChoiceField(
        label="Usually, how would you like to be thanked for your time?",
        choices=Recompense.choices,
        widget=forms.RadioSelect,
        help_text="You can choose differently each time. Staff are paid already, so staff "
        "choose time credits, nothing, or giving the hours to the community chest.",
    )


def _pence(text: str, *, most: int, label: str, example: str = "20.00") -> int:
    try:
        amount = Decimal(text.strip().lstrip("£").replace(",", ""))
    except (InvalidOperation, ValueError):
        raise forms.ValidationError(f"Enter {label} in pounds, like {example}.") from None
    if not amount.is_finite() or amount < 0:
        raise forms.ValidationError(f"Enter {label} as zero or more, in pounds.")
    if amount * 100 > most:
        raise forms.ValidationError(f"Enter at most £{most // 100:,}.{most % 100:02d}.")
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class PoundsField(forms.CharField):
    """An amount typed in pounds ('20', '£20.00'), cleaned to whole pence."""

    def __init__(self, *, most: int = 100_000, example: str = "20.00", **kwargs):
        self.most, self.example = most, example
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "size": 10}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):
            return f"{value // 100}.{value % 100:02d}"
        return value

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        if len(text) > 12:
            raise forms.ValidationError(f"Enter an amount in pounds, like {self.example}.")
        return _pence(text, most=self.most, label="an amount", example=self.example)


class PolicyForm(AccessibleForm):
    payment = PoundsField(
        label="Payment for each block of time (£)",
        help_text="What a person who chooses a payment is paid for each block, like 20.00.",
    )
    block_hours = forms.IntegerField(
        label="A block of time: hours",
        help_text="A meeting up to one block long is paid once; a longer one once for each "
        "block begun. With £20 for 3 hours, a meeting of 3 h 30 min is paid £40.",
        min_value=0,
        max_value=24,
        widget=forms.NumberInput(attrs={"min": 0}),
    )
    block_minutes = forms.IntegerField(
        label="A block of time: minutes",
        min_value=0,
        max_value=59,
        widget=forms.NumberInput(attrs={"min": 0}),
    )
    payment_taxable = forms.TypedChoiceField(
        label="Are payments taxable?",
        choices=[("1", "Yes: the finance team deducts tax"), ("0", "No")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        help_text="Shown on the payments list for the finance team.",
    )
    voucher = PoundsField(label="A voucher's value (£)", help_text="Like 15.00.")
    mileage = PoundsField(
        label="Mileage repaid for each mile (£)",
        most=1000,
        example="0.45",
        help_text="Like 0.45 for 45p a mile.",
    )
    weekly_limit = PoundsField(
        label="Most a person should be paid in a week (£)",
        required=False,
        help_text="A permitted-work limit, so payments do not affect benefits. Leave empty "
        "for no limit.",
    )
    cap_hours = forms.IntegerField(
        label="Most paid time a person should have in a month: hours (a monthly cap)",
        help_text="Leave the hours and minutes empty for no cap.",
        min_value=0,
        max_value=744,
        required=False,
        widget=forms.NumberInput(attrs={"min": 0}),
    )
    cap_minutes = forms.IntegerField(
        label="Most paid time a person should have in a month: minutes",
        min_value=0,
        max_value=59,
        required=False,
        widget=forms.NumberInput(attrs={"min": 0}),
    )
    limits_are_hard = forms.TypedChoiceField(
        label="When a payment would go past a limit",
        choices=[
            ("0", "Warn the person in plain words and let them choose (a soft limit)"),
            ("1", "Refuse the payment: they choose time credits or other thanks (a hard limit)"),
        ],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    favour_areas = forms.TypedChoiceField(
        label="When more people ask than there are places",
        choices=[
            ("0", "Least recently involved first, wherever they live"),
            ("1", "Favour areas less involved so far, and the priority areas below"),
        ],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        help_text="Favouring puts people from areas with fewer people involved in the last "
        "year, and from the priority areas, first; then the least recently involved.",
    )
    priority_areas = forms.ModelMultipleChoiceField(
        label="Priority areas",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Areas the hub wants to hear more from, whatever their share so far.",
    )
    advice = forms.CharField(
        label="Where to get independent advice",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown with every warning about benefits.",
    )

    def __init__(self, *args, hub, policy: InvolvementPolicy, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["priority_areas"].queryset = Neighbourhood.objects.filter(hub=hub).order_by(
            "name"
        )
        if not self.is_bound:
            cap = policy.monthly_minutes_cap
            self.initial = {
                "payment": policy.payment_pence,
                "block_hours": policy.block_minutes // 60,
                "block_minutes": policy.block_minutes % 60,
                "payment_taxable": "1" if policy.payment_taxable else "0",
                "voucher": policy.voucher_pence,
                "mileage": policy.mileage_pence,
                "weekly_limit": policy.weekly_pay_limit_pence,
                "cap_hours": None if cap is None else cap // 60,
                "cap_minutes": None if cap is None else cap % 60,
                "limits_are_hard": "1" if policy.limits_are_hard else "0",
                "favour_areas": "1" if policy.favour_areas else "0",
                "priority_areas": list(policy.priority_areas.all()) if policy.pk else [],
                "advice": policy.advice,
            }

    def clean(self):
        data = super().clean()
        hours, minutes = data.get("block_hours"), data.get("block_minutes")
        if hours is not None and minutes is not None:
            block = hours * 60 + minutes
            if not 15 <= block <= 24 * 60:
                self.add_error("block_hours", "A block is 15 minutes to 24 hours.")
            data["block"] = block
        cap_h, cap_m = data.get("cap_hours"), data.get("cap_minutes")
        if cap_h is None and cap_m is None:
            data["cap"] = None
        else:
            cap = (cap_h or 0) * 60 + (cap_m or 0)
            if cap < 1:
                self.add_error("cap_hours", "Give a monthly cap above zero, or leave it empty.")
            data["cap"] = cap
        return data

    def changes(self) -> dict:
        data = self.cleaned_data
        return {
            "payment_pence": data["payment"],
            "block_minutes": data["block"],
            "payment_taxable": data["payment_taxable"],
            "voucher_pence": data["voucher"],
            "mileage_pence": data["mileage"],
            "weekly_pay_limit_pence": data["weekly_limit"],
            "monthly_minutes_cap": data["cap"],
            "limits_are_hard": data["limits_are_hard"],
            "favour_areas": data["favour_areas"],
            "advice": data["advice"].strip(),
        }


class TrainingForm(PickerFormMixin, AccessibleForm):
    person = PersonPicker(purpose="involve-trained", label="Who was trained", help_text=PICK_HINT)
    name = forms.CharField(
        label="Training",
        max_length=120,
        help_text="As opportunities name it, like 'Recruitment panel training'.",
    )
    trained_on = forms.DateField(label="Date", widget=DATE)
    expires_on = forms.DateField(
        label="Renew by",
        required=False,
        widget=DATE,
        help_text="Leave empty if the training lasts. From this date they need it again.",
    )
    key = OnceKeyField()

    def __init__(self, *args, hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].bind(hub)
        self.fields["trained_on"].initial = timezone.localdate()


class PeriodForm(AccessibleForm):
    """The figures' period: this year unless said otherwise."""

    start = forms.DateField(label="From", required=False, widget=DATE)
    end = forms.DateField(label="To", required=False, widget=DATE)

    def period(self) -> tuple[datetime.date, datetime.date]:
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        start = data.get("start") or today.replace(month=1, day=1)
        end = data.get("end") or today.replace(month=12, day=31)
        return start, end

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end comes on or after the start.")
        if start and end and (end - start).days > 366 * 10:
            self.add_error("end", "Choose a period of ten years at most.")
        return data


class MarkPaidForm(AccessibleForm):
    up_to = forms.DateField(
        label="Mark paid up to",
        widget=DATE,
        help_text="Every payment and voucher chosen, and expense approved, on or before this "
        "day is marked paid.",
    )

    def clean_up_to(self):
        day = self.cleaned_data["up_to"]
        if day > timezone.localdate():
            raise forms.ValidationError("Choose today or a day before.")
        return day
