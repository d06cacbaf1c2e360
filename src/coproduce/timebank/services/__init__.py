"""Every change of state in the time bank. Hours move only through `ledger.post_transfer`.

A module per part: `accounts`, `chest` (the community chest), `listings` (and their
categories), `policy` (the hub's rules for hours), `exchanges`, `recording` (help
already given, with a key), `imports` (time sheets), `groups` (group exchanges).
Callers use the names here: `services.exchange_confirm(...)`.
"""

from .accounts import (
    account_for_membership,
    account_for_organisation,
    account_of,
    chest_of,
    hub_account_of,
    hub_books_open,
)
from .approvals import (
    approval_decide,
    approvals_waiting,
)
from .chest import (
    chest_donate,
    chest_grant,
)
from .corrections import (
    exchange_reverse,
    transfer_reverse,
)
from .exchanges import (
    exchange_agree,
    exchange_arrange,
    exchange_cancel,
    exchange_confirm,
    exchange_dispute,
    exchange_log_done,
    exchange_propose,
    exchange_record_settled,
    exchanges_auto_confirm,
)
from .exports import export_request
from .groups import (
    exchange_record_group,
    group_payer_accounts,
)
from .imports import (
    ExchangeRow,
    Recorded,
    exchanges_import,
    exchanges_import_sheet,
)
from .listings import (
    LISTING_FIELDS,
    category_create,
    listing_close,
    listing_create,
)
from .messages import (
    exchange_message_send,
)
from .policy import (
    policy_update,
)
from .recording import exchange_record

__all__ = [
    "LISTING_FIELDS",
    "ExchangeRow",
    "Recorded",
    "account_for_membership",
    "account_for_organisation",
    "account_of",
    "approval_decide",
    "approvals_waiting",
    "category_create",
    "chest_donate",
    "chest_grant",
    "chest_of",
    "exchange_agree",
    "exchange_arrange",
    "exchange_cancel",
    "exchange_confirm",
    "exchange_dispute",
    "exchange_log_done",
    "exchange_message_send",
    "exchange_propose",
    "exchange_record",
    "exchange_record_group",
    "exchange_record_settled",
    "exchange_reverse",
    "exchanges_auto_confirm",
    "exchanges_import",
    "exchanges_import_sheet",
    "export_request",
    "group_payer_accounts",
    "hub_account_of",
    "hub_books_open",
    "listing_close",
    "listing_create",
    "policy_update",
    "transfer_reverse",
]
