"""Pledges and reports. A module per part: `reports` (made, with an expected date),
`progress` (updated, joined, answered), `oversight` (moderated; escalated when late).
Callers use the names here: `services.report_create(...)`."""

from .oversight import overdue_reports, report_moderate
from .progress import (
    answered_since_closing,
    followers_of,
    report_answer,
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

__all__ = [
    "answered_since_closing",
    "calendar_of",
    "checked_attributes",
    "expected_for",
    "followers_of",
    "overdue_reports",
    "page_of",
    "report_answer",
    "report_create",
    "report_me_too",
    "report_moderate",
    "report_update",
]
