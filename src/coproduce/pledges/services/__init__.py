"""Pledges and reports. A module per part: `drafts` (started, changed), `pledges` (signed,
published, retired), `templates` (offered, adopted), `calendar` (the working calendar,
holidays and places), `reports` (made, with an expected date), `progress` (updated,
joined, answered: signed in, by an emailed link, or recorded by staff), `contacts`
(emailing someone who reported without an account), `oversight` (moderated; escalated
when late), `scorecard` (the users' side, counted by staff).
Callers use the names here: `services.report_create(...)`."""

from .calendar import (
    calendar_description,
    calendar_update,
    holiday_add,
    holiday_remove,
    service_point_save,
)
from .contacts import contact_to_tell, tell_contact
from .drafts import category_remove, category_save, pledge_create, pledge_update
from .oversight import overdue_reports, report_moderate
from .pledges import (
    current_sign_offs,
    missing_sign_offs,
    pledge_publish,
    pledge_retire,
    pledge_sign,
)
from .progress import (
    answered_since_closing,
    followers_of,
    report_answer,
    report_answer_by_link,
    report_answer_for,
    report_me_too,
    report_update,
)
from .reports import (
    calendar_of,
    checked_attributes,
    expected_for,
    page_of,
    report_create,
)
from .scorecard import user_side_record
from .templates import local_code, pledge_adopt, pledge_offer_as_template

__all__ = [
    "answered_since_closing",
    "calendar_description",
    "calendar_of",
    "calendar_update",
    "category_remove",
    "category_save",
    "checked_attributes",
    "contact_to_tell",
    "current_sign_offs",
    "expected_for",
    "followers_of",
    "holiday_add",
    "holiday_remove",
    "local_code",
    "missing_sign_offs",
    "overdue_reports",
    "page_of",
    "pledge_adopt",
    "pledge_create",
    "pledge_offer_as_template",
    "pledge_publish",
    "pledge_retire",
    "pledge_sign",
    "pledge_update",
    "report_answer",
    "report_answer_by_link",
    "report_answer_for",
    "report_create",
    "report_me_too",
    "report_moderate",
    "report_update",
    "service_point_save",
    "tell_contact",
    "user_side_record",
]
