"""The one list of things the audit log records.

Each value is `thing.verbed`: the thing changed (singular, snake_case) and a past-tense
verb. `audit()` refuses any other value, so no kind is made up at run time. Each app
words its own kinds as plain-English sentences (see `coproduce.audit.renders`).

This module imports no models: `hubs.models` takes its choices from here, and
`coproduce.audit` (which imports `hubs.models`) re-exports it.
"""

from django.db import models


class AuditKind(models.TextChoices):
    # People and membership
    PERSON_REGISTERED = "person.registered", "Signed up"
    PERSON_CREATED = "person.created", "Person added who is not online"
    PROFILE_UPDATED = "profile.updated", "Profile changed"
    NOTIFICATION_PREFERENCES_CHANGED = (
        "notifications.changed",
        "Choices of what to be told changed",
    )
    PASSWORD_INVITATION_SENT = "person.password_invited", "Invited to choose a password"
    MEMBERSHIP_CREATED = "membership.created", "Joined the hub"
    MEMBERSHIP_REJOINED = "membership.rejoined", "Joined the hub again"
    MEMBERSHIP_ROLE_CHANGED = "membership.role_changed", "Role changed"
    MEMBERSHIP_UPDATED = "membership.updated", "Area or organisation changed"
    MEMBERSHIP_ENDED = "membership.ended", "Left the hub"
    INVITATION_CREATED = "invitation.created", "Invitation sent"
    INVITATION_ACCEPTED = "invitation.accepted", "Invitation accepted"
    JOIN_REQUEST_CREATED = "join_request.created", "Asked to join"
    JOIN_REQUEST_APPROVED = "join_request.approved", "Request to join approved"
    JOIN_REQUEST_DECLINED = "join_request.declined", "Request to join declined"
    API_TOKEN_CREATED = "api_token.created", "API key made"
    API_TOKEN_REVOKED = "api_token.revoked", "API key switched off"
    # Consent and safeguarding
    CONSENT_GIVEN = "consent.given", "Consent given"
    CONSENT_WITHDRAWN = "consent.withdrawn", "Consent withdrawn"
    CHECK_ADDED = "check.added", "Safeguarding check recorded"
    CHECK_REMOVED = "check.removed", "Safeguarding check removed"
    # The hub and its settings
    HUB_CREATED = "hub.created", "Hub created"
    HUB_UPDATED = "hub.updated", "Hub details changed"
    ORGANISATION_CREATED = "organisation.created", "Organisation added"
    NEIGHBOURHOOD_CREATED = "neighbourhood.created", "Area added"
    CATEGORY_CREATED = "category.created", "Kind of help added"
    TIMEBANK_POLICY_UPDATED = "timebank_policy.updated", "Time bank rules changed"
    REFERRAL_POLICY_UPDATED = "referral_policy.updated", "Referral settings changed"
    # Time bank
    LISTING_CREATED = "listing.created", "Offer or request posted"
    LISTING_CLOSED = "listing.closed", "Offer or request closed"
    EXCHANGE_PROPOSED = "exchange.proposed", "Exchange proposed"
    EXCHANGE_AGREED = "exchange.agreed", "Exchange agreed"
    EXCHANGE_LOGGED = "exchange.logged", "Hours logged"
    EXCHANGE_CONFIRMED = "exchange.confirmed", "Hours confirmed"
    EXCHANGE_DISPUTED = "exchange.disputed", "Hours disputed"
    EXCHANGE_CANCELLED = "exchange.cancelled", "Exchange cancelled"
    GROUP_EXCHANGE_RECORDED = "group_exchange.recorded", "Group exchange recorded"
    EXCHANGE_MESSAGE_SENT = "exchange_message.sent", "Message on an exchange"
    TIMESHEET_IMPORTED = "timesheet.imported", "Time sheet imported"
    CHEST_DONATED = "chest.donated", "Hours given to the community chest"
    CHEST_GRANTED = "chest.granted", "Hours granted from the community chest"
    TRANSFER_REVERSED = "transfer.reversed", "Hours reversed"
    APPROVAL_REQUESTED = "approval.requested", "Second coordinator asked to approve"
    APPROVAL_GIVEN = "approval.given", "Approved by a second coordinator"
    APPROVAL_DECLINED = "approval.declined", "Declined by a second coordinator"
    # Referrals and escalations
    REFERRAL_CREATED = "referral.created", "Referral made"
    REFERRAL_TRIAGED = "referral.triaged", "Referral triaged"
    REFERRAL_MATCHED = "referral.matched", "Referral matched with a volunteer"
    REFERRAL_STARTED = "referral.started", "Help started"
    REFERRAL_ESCALATED = "referral.escalated", "Referral escalated to staff"
    REFERRAL_CLOSED = "referral.closed", "Referral closed"
    REFERRAL_PLANNED = "referral.planned", "Regular help set up"
    OFFER_SENT = "offer.sent", "Volunteer asked"
    OFFER_DECLINED = "offer.declined", "Volunteer said no"
    OFFER_WITHDRAWN = "offer.withdrawn", "Question to a volunteer withdrawn"
    ESCALATION_RAISED = "escalation.raised", "Escalation raised"
    ESCALATION_REASSIGNED = "escalation.reassigned", "Escalation handed on"
    ESCALATION_RESOLVED = "escalation.resolved", "Escalation resolved"
    # Pledges and reports
    PLEDGE_CREATED = "pledge.created", "Pledge drafted"
    PLEDGE_CHANGED = "pledge.changed", "Pledge draft changed"
    PLEDGE_SIGNED = "pledge.signed", "Pledge signed off"
    PLEDGE_PUBLISHED = "pledge.published", "Pledge version published"
    PLEDGE_RETIRED = "pledge.retired", "Pledge retired"
    PLEDGE_ADOPTED = "pledge.adopted", "Pledge adopted from a template"
    CALENDAR_CHANGED = "calendar.changed", "Working calendar changed"
    REPORT_CREATED = "report.created", "Problem reported"
    REPORT_UPDATED = "report.updated", "Report status changed"
    REPORT_JOINED = "report.joined", "Me too on a report"
    REPORT_ANSWERED = "report.answered", "Reporter said whether it was fixed"
    REPORT_MODERATED = "report.moderated", "Report text moderated"
    REPORT_ESCALATED = "report.escalated", "Overdue report escalated"
    # Projects and rotas
    PROJECT_CREATED = "project.created", "Project started"
    PROJECT_ENDED = "project.ended", "Project ended"
    TRAINING_RECORDED = "training.recorded", "Training recorded"
    SLOT_ADDED = "slot.added", "Rota slots added"
    ROTA_TAKEN = "rota.taken", "Turn taken"
    ROTA_GIVEN_UP = "rota.given_up", "Turn given up"
    ROTA_SWAPPED = "rota.swapped", "Turn swapped"
    ROTA_ATTENDED = "rota.attended", "Turn done"
    ROTA_MISSED = "rota.missed", "Turn did not happen"
    ROTA_CONFIRMED = "rota.confirmed", "Turn's hours confirmed"
    ROTA_RECORDED = "rota.recorded", "Past turn recorded"
    # Conversations
    CONVERSATION_CREATED = "conversation.created", "Conversation started"
    CONVERSATION_IMPORTED = "conversation.imported", "Conversation imported"
    STATEMENT_HIDDEN = "statement.hidden", "Statement hidden after flags"
    STATEMENT_KEPT = "statement.kept", "Statement kept after review"
    STATEMENT_REMOVED = "statement.removed", "Statement removed"
    VOTE_RECORDED = "vote.recorded", "Response recorded for someone"
    PRIORITY_MARKED = "priority.marked", "Priority marked"
    PRIORITY_UNMARKED = "priority.unmarked", "Priority unmarked"
    MODERATOR_APPOINTED = "moderator.appointed", "Moderator appointed"
    MODERATOR_REMOVED = "moderator.removed", "Moderator removed"
    # Involvement
    OPPORTUNITY_CREATED = "opportunity.created", "Involvement opportunity opened"
    OPPORTUNITY_CHANGED = "opportunity.changed", "Involvement opportunity changed"
    OPPORTUNITY_CANCELLED = "opportunity.cancelled", "Involvement opportunity cancelled"
    OPPORTUNITY_HIRED = "opportunity.hired", "People hired by a panel recorded"
    MEETING_ADDED = "meeting.added", "Meeting arranged"
    SIGNUP_ASKED = "signup.asked", "Asked for a place"
    SIGNUP_INVITED = "signup.invited", "Invited to take part"
    SIGNUP_CONFIRMED = "signup.confirmed", "Given a place"
    SIGNUP_NOT_CHOSEN = "signup.not_chosen", "Not chosen this time"
    SIGNUP_OFFERED = "signup.offered", "Offered a place from the waiting list"
    SIGNUP_DECLINED = "signup.declined", "Said no to a place"
    SIGNUP_WITHDRAWN = "signup.withdrawn", "Could not come"
    SIGNUP_LAPSED = "signup.lapsed", "Did not say yes in time"
    SIGNUP_RELEASED = "signup.released", "Place freed after a missed meeting"
    SHORTLIST_CONFIRMED = "shortlist.confirmed", "Shortlist confirmed"
    ATTENDANCE_RECORDED = "attendance.recorded", "Attendance recorded"
    APOLOGIES_SENT = "apologies.sent", "Apologies sent"
    THANKS_CHOSEN = "thanks.chosen", "Thanks for taking part chosen"
    PAYMENTS_RECORDED = "payment.recorded", "Payments marked paid"
    EXPENSE_CLAIMED = "expense.claimed", "Expenses claimed"
    EXPENSE_DECIDED = "expense.decided", "Expenses claim decided"
    INVOLVEMENT_POLICY_UPDATED = "involvement_policy.updated", "Involvement settings changed"
    INVOLVEMENT_CHOICES_CHANGED = (
        "involvement_choices.changed",
        "Choices of how much to be asked changed",
    )
    INVOLVEMENT_TRAINING_RECORDED = "involvement_training.recorded", "Involvement training recorded"
    # Your Space
    SPACE_ROUND_CREATED = "space_round.created", "Your Space round opened"
    SPACE_ROUND_CHANGED = "space_round.changed", "Your Space round changed"
    SPACE_ROUND_ADVANCED = "space_round.advanced", "Your Space round moved to its next phase"
    SPACE_ROUND_COUNTED = "space_round.counted", "Your Space votes counted"
    SPACE_ROUND_OVERRIDDEN = "space_round.overridden", "Your Space result overridden"
    SPACE_IDEA_PROPOSED = "space_idea.proposed", "Project proposed for Your Space"
    SPACE_IDEA_CHECKED = "space_idea.checked", "Project checked for feasibility"
    SPACE_IDEA_DELIVERED = "space_idea.delivered", "Funded project set up to run"
    SPACE_IDEA_UPDATED = "space_idea.updated", "Funded project's progress updated"
    SPACE_BALLOT_RECORDED = "space_ballot.recorded", "Your Space ballot recorded"
    SPACE_BOOKING_ADDED = "space_booking.added", "Weekly time in the space booked"
    # Insight and people's data
    AREA_STATS_IMPORTED = "area_stats.imported", "Area figures imported"
    NEIGHBOURHOOD_UPDATED = "neighbourhood.updated", "Area's figures changed"
    INSIGHT_SETTINGS_UPDATED = "insight_settings.updated", "Insight settings changed"
    EQUALITY_ANSWERS_SAVED = "equality_answers.saved", "Equality monitoring answers saved"
    EQUALITY_ANSWERS_DELETED = "equality_answers.deleted", "Equality monitoring answers deleted"
    HEALTH_CHECK_OPENED = "health_check.opened", "Health check opened"
    HEALTH_CHECK_ANSWERED = "health_check.answered", "Health check answered"
    HEALTH_CHECK_REMINDED = "health_check.reminded", "Reminded to take the health check"
    DATA_EXPORT_REQUESTED = "data_export.requested", "Download of own data asked for"
    ERASURE_REQUESTED = "erasure.requested", "Erasure asked for"
    PERSON_ERASED = "person.erased", "Person erased"
    INACTIVITY_WARNED = "inactivity.warned", "Warned before an inactive account is cleared"


# How the audit log's filter groups the kinds: by the thing before the dot.
AUDIT_GROUPS: list[tuple[str, tuple[str, ...]]] = [
    (
        "People and membership",
        (
            "person",
            "profile",
            "notifications",
            "membership",
            "invitation",
            "join_request",
            "api_token",
        ),
    ),
    ("Consent and safeguarding", ("consent", "check")),
    (
        "The hub and its settings",
        (
            "hub",
            "organisation",
            "neighbourhood",
            "category",
            "timebank_policy",
            "referral_policy",
        ),
    ),
    (
        "Time bank",
        (
            "listing",
            "exchange",
            "exchange_message",
            "group_exchange",
            "timesheet",
            "chest",
            "transfer",
            "approval",
        ),
    ),
    ("Referrals and escalations", ("referral", "offer", "escalation")),
    ("Pledges and reports", ("pledge", "calendar", "report")),
    ("Projects and rotas", ("project", "training", "slot", "rota")),
    ("Conversations", ("conversation", "statement", "vote", "priority", "moderator")),
    (
        "Involvement",
        (
            "opportunity",
            "meeting",
            "signup",
            "shortlist",
            "attendance",
            "apologies",
            "thanks",
            "payment",
            "expense",
            "involvement_policy",
            "involvement_choices",
            "involvement_training",
        ),
    ),
    ("Your Space", ("space_round", "space_idea", "space_ballot", "space_booking")),
    (
        "Insight and people's data",
        (
            "area_stats",
            "insight_settings",
            "equality_answers",
            "health_check",
            "data_export",
            "erasure",
            "inactivity",
        ),
    ),
]


def grouped_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The kinds as (group, [(value, label), ...]) for a <select> with <optgroup>s."""
    return [
        (group, [(kind.value, kind.label) for kind in AuditKind if kind.split(".")[0] in things])
        for group, things in AUDIT_GROUPS
    ]
