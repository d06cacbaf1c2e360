"""Shared form pieces: typed lists come back clean; labels and hints render as set."""

from hypothesis import given
from hypothesis import strategies as st

from coproduce.forms import ListField

words = st.text(
    alphabet=st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters=",;\n"),
    min_size=1,
    max_size=20,
).filter(lambda word: word.strip())


@given(st.lists(words, max_size=10), st.sampled_from([",", ";", "\n", ", ", " ;\n"]))
def test_typed_lists_split_trim_and_drop_repeats(items, separator):
    field = ListField(max_items=100)
    cleaned = field.clean(separator.join(items))
    expected, seen = [], set()
    for item in items:
        item = " ".join(item.split())
        if item and item.lower() not in seen:
            seen.add(item.lower())
            expected.append(item)
    assert cleaned == expected


@given(st.lists(words, min_size=1, max_size=10))
def test_a_cleaned_list_shown_again_cleans_to_itself(items):
    field = ListField(max_items=100)
    cleaned = field.clean(", ".join(items))
    assert field.clean(field.prepare_value(cleaned)) == cleaned


def test_too_many_items_name_the_limit():
    field = ListField(max_items=2)
    try:
        field.clean("a, b, c")
    except Exception as error:
        assert "at most 2" in str(error)
    else:
        raise AssertionError("three items were accepted")


def test_forms_that_relabel_fields_show_the_new_labels_and_hints():
    from coproduce.hubs.forms import AssistedPersonForm

    html = AssistedPersonForm().render()
    assert "What they can give" in html and "What you can give" not in html
    assert "Only coordinators see this." in html


def _described_but_missing(html: str) -> set[str]:
    """Ids an aria-describedby names that no element on the page carries."""
    import re

    ids = set(re.findall(r'\sid="([^"]+)"', html))
    named = {i for found in re.findall(r'aria-describedby="([^"]+)"', html) for i in found.split()}
    return named - ids


def test_every_hint_and_error_a_control_points_at_is_on_the_page():
    from django import forms

    from coproduce.forms import AccessibleForm

    class Late(AccessibleForm):
        early = forms.CharField(help_text="Set with the field.")

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # Fields and hints added after the form is made, as forms with questions do.
            self.fields["later"] = forms.CharField(help_text="Added afterwards.")
            self.fields["early"].help_text = "Changed afterwards."

    blank = Late().render()
    assert "Added afterwards." in blank and "Changed afterwards." in blank
    assert _described_but_missing(blank) == set()
    invalid = Late(data={}).render()
    assert "aria-invalid" in invalid and _described_but_missing(invalid) == set()


def test_the_pledge_and_report_forms_point_only_at_what_is_there(client, world):
    from django.urls import reverse

    from tests.pledges.reports_setup import published_pledge

    pledge = published_pledge(world.hub, staff=[world.staff])
    lights = pledge.categories.get(name="Broken light")
    client.force_login(world.coordinator)
    pages = [
        reverse("report-new", args=[world.hub.slug, pledge.slug]) + f"?category={lights.code}",
        reverse("pledge-new", args=[world.hub.slug]),
        reverse("pledge-edit", args=[world.hub.slug, pledge.slug]),
        reverse("pledge-category-new", args=[world.hub.slug, pledge.slug]),
    ]
    for url in pages:
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert _described_but_missing(html) == set(), url
