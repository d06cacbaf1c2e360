"""Every change of state for referrals, projects and escalations: one function per
action, one transaction each, the permission checked here, an audit row for each change.

Who may do what:
- Staff (and coordinators) refer people. The referrer, and staff of the referring
  organisation, follow progress, but never see volunteers' contact details.
- Coordinators triage, match, and close referrals, and run projects with their leads.
- A volunteer sees only what the coordinator shares, and answers offers made to them.
- Staff see and resolve escalations; coordinators reassign them.

A module per part: `policy` (the hub's rules), `referrals`, `offers` (matching and the
offers sent to volunteers), `plans` (regular help for a referral, in one step),
`projects` (and training), `rotas` (slots, giving up, swapping, logging), `taking`
(taking turns, one or several at once), `turns` (turns recorded afterwards). Callers
use the names here: `services.referral_create(...)`.
"""

from .. import schedule  # still reachable as services.schedule, as before the split
from .offers import (
    Suggestion,
    describe,
    match_suggestions,
    offer_accept,
    offer_decline,
    offer_send,
    offer_withdraw,
)
from .plans import help_plan_create
from .policy import (
    POLICY_FIELDS,
    policy_for,
    policy_update,
)
from .projects import (
    project_create,
    project_end,
    training_record,
)
from .referrals import (
    Consent,
    referral_close,
    referral_create,
    referral_escalate,
    referral_start,
    referral_triage,
)
from .rotas import (
    assignment_confirm,
    assignment_give_up,
    assignment_log,
    assignment_missed,
    assignment_swap,
    slots_add,
)
from .taking import (
    assignment_take,
    assignments_take,
)
from .turns import turn_record_past

__all__ = [
    "POLICY_FIELDS",
    "Consent",
    "Suggestion",
    "assignment_confirm",
    "assignment_give_up",
    "assignment_log",
    "assignment_missed",
    "assignment_swap",
    "assignment_take",
    "assignments_take",
    "describe",
    "help_plan_create",
    "match_suggestions",
    "offer_accept",
    "offer_decline",
    "offer_send",
    "offer_withdraw",
    "policy_for",
    "policy_update",
    "project_create",
    "project_end",
    "referral_close",
    "referral_create",
    "referral_escalate",
    "referral_start",
    "referral_triage",
    "schedule",
    "slots_add",
    "training_record",
    "turn_record_past",
]
