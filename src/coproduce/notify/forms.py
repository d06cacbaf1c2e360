from django import forms

from coproduce.forms import AccessibleForm

from .models import Delivery, Kind


class ChoicesForm(AccessibleForm):
    """One choice per kind of notification: straight away, daily, weekly or never. For
    someone with no email the only choice is whether the coordinators pass it on."""

    def __init__(self, *args, offline: bool = False, for_someone: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = PASS_ON if offline else Delivery.choices
        for kind in Kind:
            label = ABOUT_THEM.get(kind, kind.label) if for_someone else kind.label
            self.fields[kind.value] = forms.ChoiceField(label=label, choices=choices)


# A coordinator choosing for someone reads the labels about that person, not about herself.
ABOUT_THEM = {
    Kind.CONFIRM: "Hours for them to confirm",
    Kind.REFERRAL_PROGRESS: "Progress of people they referred",
    Kind.MODERATION: "Moderation of what they wrote",
    Kind.REPORT: "Problems they reported, or said “me too” to",
}


PASS_ON = [(Delivery.NOW, "Pass it on to them"), (Delivery.NEVER, "Do not pass it on")]


def initial_for(choices: dict[str, str], *, offline: bool) -> dict[str, str]:
    if not offline:
        return choices
    return {
        kind: Delivery.NEVER if d == Delivery.NEVER else Delivery.NOW for kind, d in choices.items()
    }


class MarkReadForm(AccessibleForm):
    up_to = forms.IntegerField(required=False, min_value=1, max_value=2**62)
    notification = forms.IntegerField(required=False, min_value=1, max_value=2**62)
