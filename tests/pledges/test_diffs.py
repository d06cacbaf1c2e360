"""The differences between two versions of a pledge, in words (a pure engine)."""

from hypothesis import given
from hypothesis import strategies as st

from coproduce.pledges.diffs import differences, local_changes, signed_part

UNITS = ["working_hours", "working_days", "days", "same_working_day"]
words = st.text(alphabet="abcdefgh ", min_size=1, max_size=12).map(str.strip).filter(bool)


def _one_day_is_one(category: dict) -> dict:
    """As the services keep it: "the same working day" has no number of its own."""
    if category["target_unit"] == "same_working_day":
        category["target_amount"] = 1
    return category


@st.composite
def contents(draw):
    names = draw(st.lists(words, min_size=0, max_size=4, unique=True))
    return {
        "title": draw(words),
        "summary": draw(st.text(max_size=20)),
        "co_designed_by": draw(st.text(max_size=20)),
        "public_reports": draw(st.booleans()),
        "user_commitments": [
            {"text": t, "measure": draw(st.text(max_size=10))}
            for t in draw(st.lists(words, max_size=3, unique=True))
        ],
        "grown_from": [],
        "categories": [
            _one_day_is_one(
                {
                    "code": f"c{i}",
                    "name": name,
                    "description": draw(st.sampled_from(["", "about it"])),
                    "group": draw(st.sampled_from(["", "Repairs"])),
                    "keywords": draw(st.sampled_from(["", "door, lock"])),
                    "commitment": draw(words),
                    "target_amount": draw(st.integers(1, 100)),
                    "target_unit": draw(st.sampled_from(UNITS)),
                    "attributes": [],
                    "staff": draw(st.lists(st.integers(1, 9), max_size=2)),
                }
            )
            for i, name in enumerate(names)
        ],
    }


@given(contents())
def test_nothing_changed_says_nothing(content):
    assert differences(content, content) == []
    assert local_changes(content, content) == []


@given(contents(), contents())
def test_a_difference_is_said_exactly_when_what_is_signed_differs(old, new):
    lines = differences(old, new)
    same = signed_part(old) == signed_part(new)
    # Categories are matched by code, so their order alone is no change.
    reordered = {
        **signed_part(new),
        "categories": sorted(signed_part(new)["categories"], key=lambda c: c["code"]),
    }
    same = same or signed_part(old) == reordered
    assert (lines == []) == same, lines


@given(contents(), st.data())
def test_a_changed_target_is_named(content, data):
    if not content["categories"]:
        return
    changed = {**content, "categories": [dict(c) for c in content["categories"]]}
    category = changed["categories"][0]
    category["target_unit"] = "days"
    category["target_amount"] = content["categories"][0]["target_amount"] + 1
    [line] = [x for x in differences(content, changed) if "the target changed" in x]
    assert line.startswith(category["name"]) and line.endswith("days.")


def test_who_is_told_is_never_a_difference():
    old = {"title": "T", "categories": [{"code": "a", "name": "A", "commitment": "c",
           "target_amount": 1, "target_unit": "days", "staff": [1]}]}  # fmt: skip
    new = {**old, "categories": [{**old["categories"][0], "staff": [2, 3]}]}
    assert differences(old, new) == []


def test_the_first_version_is_said_briefly():
    assert differences(None, {"categories": [{}, {}, {}]}) == ["First version: 3 targets."]


def test_names_read_inside_a_sentence_keep_their_abbreviations():
    from coproduce.pledges.wording import mid_sentence

    assert mid_sentence("Broken light") == "broken light"
    assert mid_sentence("A GP calls you back the same day") == "a GP calls you back the same day"
    assert mid_sentence("GP call-back") == "GP call-back"
    assert mid_sentence("NHS 111 calls") == "NHS 111 calls"
    assert mid_sentence("") == "" and mid_sentence("A") == "a"
