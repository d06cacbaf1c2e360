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
