"""Every change in a conversation: one function per action, permission checked inside.

A module per part: `conversations`, `participants` (who takes part), `statements`, `votes`,
`moderation`, `priorities`, `analysis` (the opinion engine's results). Callers use the
names here: `services.vote_cast(...)`.
"""

from .analysis import (
    analysis_as_json,
    analysis_refresh,
    analysis_schedule,
    analysis_wanted,
    vote_log,
)
from .conversations import (
    conversation_create,
    conversation_import,
)
from .moderation import (
    MODERATION_DECISIONS,
    moderation_queue,
    moderator_appoint,
    moderator_remove,
    statement_moderate,
)
from .participants import (
    ROLE_OF,
    anonymous_participant,
    anonymous_participant_of,
    participant_for,
    participant_of,
    participant_save,
    saved_participant_of,
)
from .priorities import (
    priority_mark,
    priority_unmark,
)
from .statements import (
    normalise,
    statement_add,
    statement_flag,
)
from .tallies import (
    tallies_check,
    tallies_rebuild,
    tallies_recount,
)
from .votes import (
    VotingCard,
    latest_votes,
    next_statement,
    responses_record_for,
    vote_cast,
    vote_record_for,
    votes_cast,
    voting_card,
)

__all__ = [
    "MODERATION_DECISIONS",
    "ROLE_OF",
    "VotingCard",
    "analysis_as_json",
    "analysis_refresh",
    "analysis_schedule",
    "analysis_wanted",
    "anonymous_participant",
    "anonymous_participant_of",
    "conversation_create",
    "conversation_import",
    "latest_votes",
    "moderation_queue",
    "moderator_appoint",
    "moderator_remove",
    "next_statement",
    "normalise",
    "participant_for",
    "participant_of",
    "participant_save",
    "priority_mark",
    "priority_unmark",
    "responses_record_for",
    "saved_participant_of",
    "statement_add",
    "statement_flag",
    "statement_moderate",
    "tallies_check",
    "tallies_rebuild",
    "tallies_recount",
    "vote_cast",
    "vote_log",
    "vote_record_for",
    "votes_cast",
    "voting_card",
]
