"""Every change of state for involvement: one function per action, one transaction
each, the rule checked in access.py, an audit row for each change.

A module per part: `opportunities` (and their meetings), `common` (the lock and telling
people), `joining` (asking, invitations, answers, "I can't come"), `waitlist` (the
shortlist confirmed, places offered on), `attendance` (who came), `thanks` (credits,
payments and the benefits guard), `expenses` (and payments paid), `choices` (how much
each person wants to be asked, the hub's rules, training) and `sweeps` (reminders, lapsed
offers, packs: the hourly tick).
"""

from .attendance import attendance_record
from .choices import choice_for, choices_set, policy_update, training_record
from .expenses import expense_claim, expense_decide, payments_mark_paid
from .joining import (
    apologies_send,
    signup_answer,
    signup_ask,
    signup_invite,
    signup_withdraw,
)
from .opportunities import (
    hired_record,
    meeting_add,
    opportunity_cancel,
    opportunity_change,
    opportunity_create,
)
from .sweeps import packs_make, reminders_send, tick
from .thanks import payment_check, thanks_choose
from .waitlist import offers_lapse, promote, shortlist_confirm, signup_not_chosen

__all__ = [
    "apologies_send",
    "attendance_record",
    "choice_for",
    "choices_set",
    "expense_claim",
    "expense_decide",
    "hired_record",
    "meeting_add",
    "offers_lapse",
    "opportunity_cancel",
    "opportunity_change",
    "opportunity_create",
    "packs_make",
    "payment_check",
    "payments_mark_paid",
    "policy_update",
    "promote",
    "reminders_send",
    "shortlist_confirm",
    "signup_answer",
    "signup_ask",
    "signup_invite",
    "signup_not_chosen",
    "signup_withdraw",
    "thanks_choose",
    "tick",
    "training_record",
]
