"""The text sweep's replacement, on any text or JSON: a name or email of five characters
or more is gone afterwards wherever it was, in any case; a shorter one only as a word."""

import json

from hypothesis import given
from hypothesis import strategies as st

from coproduce.insight.services.erasure_sweep import _Pattern, _replace

LETTERS = "abcdeéxyzABCDEÉXYZ .@-'"
words = st.text(alphabet=LETTERS, min_size=5, max_size=12).filter(lambda w: w.strip() == w)
texts = st.text(alphabet=LETTERS + "01\n", max_size=60)
json_values = st.recursive(
    st.none() | st.integers() | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)


@given(word=words, before=texts, after=texts, case=st.sampled_from([str.upper, str.lower, str]))
def test_a_long_word_is_gone_from_any_text(word, before, after, case):
    text = before + case(word) + after
    replaced = _replace(text, _Pattern([word]), "#")
    assert word.lower() not in replaced.lower()


@given(word=words, value=json_values)
def test_a_long_word_is_gone_from_any_json(word, value):
    planted = {"note": f"from {word}", "rest": value, word: [word.upper()]}
    replaced = _replace(planted, _Pattern([word]), "#")
    assert word.lower() not in json.dumps(replaced, ensure_ascii=False).lower()


@given(value=json_values)
def test_text_without_the_word_is_left_as_it_was(value):
    assert _replace(value, _Pattern(["Qqqqq Wwwww"]), "#") == value


def test_a_short_name_is_replaced_only_as_a_word():
    pattern = _Pattern(["Al"])
    assert _replace("Al met Alan; AL left.", pattern, "#") == "# met Alan; # left."
