"""The forms of the areas' figures pages."""

from django import forms

from coproduce.forms import AccessibleForm

from .geography import MAX_POPULATION


class WholeNumberField(forms.IntegerField):
    """A whole number as people write it: "1,450" or "1 450" is 1450."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace(",", "").replace(" ", "")
        return super().to_python(value)


class AreaFiguresForm(AccessibleForm):
    deprivation_decile = forms.IntegerField(
        label="Deprivation decile",
        required=False,
        min_value=1,
        max_value=10,
        help_text="From 1 (the most deprived tenth of areas in England) to 10 (the least). "
        "Leave it empty if you do not know it.",
    )
    population = WholeNumberField(
        label="How many people live there",
        required=False,
        min_value=0,
        max_value=MAX_POPULATION,
        help_text="Everyone who lives in the area, members or not. Leave it empty if you "
        "do not know it.",
    )


class AreaFileForm(AccessibleForm):
    # A hub's areas fit in a few kilobytes; this leaves plenty of room.
    MAX_BYTES = 512 * 1024

    file = forms.FileField(
        label="Areas' figures (CSV file)",
        help_text="Save the sheet from your spreadsheet as CSV, with the columns area, "
        "decile and population.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError("The file is larger than 512 KB: is it the right file?")
        return upload
