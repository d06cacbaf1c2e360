"""Every change of state for hubs and people: one function per action, one transaction
each, the permission checked here, an audit row written for each change.

A module per part: `people` (signing up, profiles), `hubs` (hubs, organisations,
areas), `memberships`, `consent` (and safeguarding checks), `invitations` (and requests
to join), `passwords` (links to set or reset one), `api_keys`. Callers use the names
here: `services.person_register(...)`.
"""

from .api_keys import (
    API_TOKEN_PREFIX,
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
)
from .consent import (
    consent_record,
    consent_record_for_referral,
    safeguarding_check_add,
    safeguarding_check_remove,
)
from .hubs import (
    hub_create,
    hub_update,
    neighbourhood_create,
    organisation_create,
)
from .invitations import (
    invitation_accept,
    invitation_create,
    invitation_for_token,
    invitation_sign_up,
    join_request_approve,
    join_request_create,
    join_request_decline,
)
from .memberships import (
    membership_add,
    membership_change_role,
    membership_end,
    membership_update,
)
from .passwords import password_invitation_send, password_link, password_link_request
from .people import (
    PROFILE_FIELDS,
    AccountExists,
    person_create_assisted,
    person_create_referred,
    person_register,
    profile_update,
)

__all__ = [
    "API_TOKEN_PREFIX",
    "PROFILE_FIELDS",
    "AccountExists",
    "api_token_authenticate",
    "api_token_create",
    "api_token_revoke",
    "consent_record",
    "consent_record_for_referral",
    "hub_create",
    "hub_update",
    "invitation_accept",
    "invitation_create",
    "invitation_for_token",
    "invitation_sign_up",
    "join_request_approve",
    "join_request_create",
    "join_request_decline",
    "membership_add",
    "membership_change_role",
    "membership_end",
    "membership_update",
    "neighbourhood_create",
    "organisation_create",
    "password_invitation_send",
    "password_link",
    "password_link_request",
    "person_create_assisted",
    "person_create_referred",
    "person_register",
    "profile_update",
    "safeguarding_check_add",
    "safeguarding_check_remove",
]
