"""The quick radio buttons write exactly what Django's templates write."""

from django import forms
from hypothesis import given
from hypothesis import strategies as st

from coproduce.forms import AccessibleForm, QuickRadioSelect

texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)


def _form(widget, choices, initial, help_text):
    class Form(AccessibleForm):
        answer = forms.ChoiceField(
            label="A statement", choices=choices, required=False, widget=widget, help_text=help_text
        )

    return Form(initial={"answer": initial})


@given(
    values=st.lists(texts, min_size=1, max_size=4, unique=True),
    labels=st.lists(texts, min_size=4, max_size=4),
    pick=st.integers(min_value=-1, max_value=3),
    help_text=st.sampled_from(["", 'Say "why" <b>here</b> & there']),
)
def test_each_choice_is_written_as_django_writes_it(values, labels, pick, help_text):
    choices = list(zip(values, labels, strict=False))
    initial = values[pick] if 0 <= pick < len(values) else None
    django_form = _form(forms.RadioSelect, choices, initial, help_text)
    quick_form = _form(QuickRadioSelect, choices, initial, help_text)
    django_tags = [choice.tag() for choice in django_form["answer"]]
    quick_tags = [choice.tag() for choice in quick_form["answer"]]
    assert quick_tags == django_tags
    assert str(quick_form) == str(django_form)


def test_a_chosen_answer_is_checked():
    form = _form(QuickRadioSelect, [("1", "Agree"), ("-1", "Disagree")], "-1", "")
    tags = [str(choice.tag()) for choice in form["answer"]]
    assert "checked" not in tags[0]
    assert tags[1].startswith('<input type="radio" name="answer" value="-1"')
    assert " checked" in tags[1]
