from django import forms

from coproduce.forms import AccessibleForm

from .models import Delivery, Kind


class ChoicesForm(AccessibleForm):
    """One choice per kind of notification: straight away, daily, weekly or never. For
    someone with no email the only choice is whether the coordinators pass it on."""

    def __init__(self, *args, offline: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = PASS_ON if offline else Delivery.choices
        for kind in Kind:
            self.fields[kind.value] = forms.ChoiceField(label=kind.label, choices=choices)


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
