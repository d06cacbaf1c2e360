"""Pledges and reports. A module per part: `reports` (made, updated, joined, answered),
`scorecard` (the users' side, counted by staff).
Callers use the names here: `services.report_create(...)`."""

from .reports import (
    calendar_of,
    checked_attributes,
    expected_for,
    report_answer,
    report_create,
    report_me_too,
    report_update,
)
from .scorecard import user_side_record

__all__ = [
    "calendar_of",
    "checked_attributes",
    "expected_for",
    "report_answer",
    "report_create",
    "report_me_too",
    "report_update",
    "user_side_record",
]
