"""Every change of state in Your Space: one function per action, one transaction each,
rights checked in ../access.py, an audit row written."""

from .ballots import ballot_cast
from .counting import round_count, round_override
from .delivery import booking_add, idea_deliver, idea_progress
from .ideas import idea_check, idea_propose
from .imports import round_import
from .rounds import round_advance, round_change, round_create

__all__ = [
    "ballot_cast",
    "booking_add",
    "idea_check",
    "idea_deliver",
    "idea_progress",
    "idea_propose",
    "round_advance",
    "round_change",
    "round_count",
    "round_create",
    "round_import",
    "round_override",
]
