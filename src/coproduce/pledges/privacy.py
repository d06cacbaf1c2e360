"""What a report shows the public. People write their phone number or email into a
description ("ring me on 07700 900123"), although the form asks for them apart; what the
public sees (the pledge's reports, the report's page, the API and Open311) has them
hidden, while staff and the reporter see the words as written."""

import re

EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Nine or more digits, which may be split by spaces, dots, dashes or brackets, with an
# optional "+" (07700 900123, +44 (0)20 7946 0018, 020-7946-0018). Dates and flat
# numbers have fewer digits.
PHONE = re.compile(r"(?<![\w+])\+?\(?\d(?:[ .\-()]{0,3}\d){8,15}(?!\w)")
EMAIL_HIDDEN = "[email address hidden]"
PHONE_HIDDEN = "[phone number hidden]"


def without_contact_details(text: str) -> str:
    """`text` with email addresses and phone numbers replaced by a note saying so."""
    text = EMAIL.sub(EMAIL_HIDDEN, text or "")
    return PHONE.sub(PHONE_HIDDEN, text)
