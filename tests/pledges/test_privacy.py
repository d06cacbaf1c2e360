"""Phone numbers and email addresses written into a report are hidden from the public,
and nothing else is."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coproduce.pledges.privacy import EMAIL_HIDDEN, PHONE_HIDDEN, without_contact_details


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("Ring Sam on 07700 900123, sam@millbrook.example",
         f"Ring Sam on {PHONE_HIDDEN}, {EMAIL_HIDDEN}"),
        ("Call +44 (0)20 7946 0018 after 5", f"Call {PHONE_HIDDEN} after 5"),
        ("020-7946-0018 or 01632.960.123", f"{PHONE_HIDDEN} or {PHONE_HIDDEN}"),
        ("Email a.b+c@mail.co.uk please", f"Email {EMAIL_HIDDEN} please"),
        # Not contact details: dates, times, flat and block numbers, short codes.
        ("Since 2026-12-01 at 10:30, flat 14, block C, 3rd floor, code 12345",
         "Since 2026-12-01 at 10:30, flat 14, block C, 3rd floor, code 12345"),
        ("", ""),
    ],
)  # fmt: skip
def test_examples(written, shown):
    assert without_contact_details(written) == shown


@given(st.text(alphabet=st.characters(blacklist_categories=["Nd"]), max_size=200))
def test_text_without_digits_or_at_signs_is_untouched(text):
    if "@" not in text:
        assert without_contact_details(text) == text
