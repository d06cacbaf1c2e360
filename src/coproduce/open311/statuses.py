"""How a report's states meet FixMyStreet's extended states on service request updates,
both ways. Pure: no Django. Which states are open (GeoReport v2's `open`) is the pledges
models' to say (`OPEN_STATUSES`): the queries and views read it there, and `from_client`
is told whether a report is open.

A closure is never reported as more than it was: "not fixed" goes out as FixMyStreet's
`no_further_action` ("unable to fix"), never as `fixed`, and a bare `closed` from a client
comes in as "no further action", never as "fixed".
"""

# Our states, as in coproduce.pledges.models.ReportStatus (values only, to stay pure).
NEW = "new"
ACKNOWLEDGED = "acknowledged"
INVESTIGATING = "investigating"
IN_PROGRESS = "in_progress"
ACTION_SCHEDULED = "action_scheduled"
FIXED = "fixed"
NOT_FIXED = "not_fixed"
DUPLICATE = "duplicate"
NOT_RESPONSIBLE = "not_responsible"
NO_FURTHER_ACTION = "no_further_action"

# Ours -> FixMyStreet's extended state, for GET servicerequestupdates.
EXTENDED = {
    NEW: "open",
    ACKNOWLEDGED: "open",
    INVESTIGATING: "investigating",
    IN_PROGRESS: "in_progress",
    ACTION_SCHEDULED: "action_scheduled",
    FIXED: "fixed",
    NOT_FIXED: "no_further_action",
    DUPLICATE: "duplicate",
    NOT_RESPONSIBLE: "not_councils_responsibility",
    NO_FURTHER_ACTION: "no_further_action",
}

# FixMyStreet's state -> ours, for POST servicerequestupdates. "open" and "reopen" keep an
# open report as it is and reopen a closed one (see from_client).
FROM_CLIENT = {
    "investigating": INVESTIGATING,
    "in_progress": IN_PROGRESS,
    "action_scheduled": ACTION_SCHEDULED,
    "planned": ACTION_SCHEDULED,
    "fixed": FIXED,
    "duplicate": DUPLICATE,
    "not_councils_responsibility": NOT_RESPONSIBLE,
    "no_further_action": NO_FURTHER_ACTION,
    "closed": NO_FURTHER_ACTION,
}
REOPENING = frozenset({"open", "reopen"})
ACCEPTED = tuple(sorted({*FROM_CLIENT, *REOPENING}))


def extended(status: str) -> str:
    return EXTENDED[status]


def from_client(given: str, current: str, *, is_open: bool) -> str | None:
    """Our state for a client's (either case), given the report's state now and whether
    that is open; None when the client's state is not one we take."""
    given = given.strip().lower()
    if given in REOPENING:
        return current if is_open else NEW
    return FROM_CLIENT.get(given)
