"""Pledges and reports. A module per part: `reports` (made, updated, joined, answered),
`drafts` (started, changed), `pledges` (signed, published, retired), `templates` (offered,
adopted), `calendar` (the working calendar, holidays and places).
Callers use the names here: `services.report_create(...)`."""

from .calendar import (
    calendar_description,
    calendar_update,
    holiday_add,
    holiday_remove,
    service_point_save,
)
from .drafts import category_remove, category_save, pledge_create, pledge_update
from .pledges import (
    current_sign_offs,
    missing_sign_offs,
    pledge_publish,
    pledge_retire,
    pledge_sign,
)
from .reports import (
    calendar_of,
    checked_attributes,
    expected_for,
    report_answer,
    report_create,
    report_me_too,
    report_update,
)
from .templates import local_code, pledge_adopt, pledge_offer_as_template

__all__ = [
    "calendar_description",
    "calendar_of",
    "calendar_update",
    "category_remove",
    "category_save",
    "checked_attributes",
    "current_sign_offs",
    "expected_for",
    "holiday_add",
    "holiday_remove",
    "local_code",
    "missing_sign_offs",
    "pledge_adopt",
    "pledge_create",
    "pledge_offer_as_template",
    "pledge_publish",
    "pledge_retire",
    "pledge_sign",
    "pledge_update",
    "report_answer",
    "report_create",
    "report_me_too",
    "report_update",
    "service_point_save",
]
