"""Conversations in which staff and the people they serve find their common ground.

People add short statements and vote on others' (agree, disagree, pass). Votes are a log:
changing your mind adds a vote, and the latest one counts, as in Polis's exports.
"""

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone

from coproduce.hubs.models import Hub, Person

# New statements are kept short (one idea each); imported ones may be longer.
STATEMENT_MAX_LENGTH = 200
STORED_MAX_LENGTH = 1000


class Audience(models.TextChoices):
    HUB = "hub", "Everyone in the hub (members and staff)"
    STAFF = "staff", "Staff, coordinators and admins only"


class Conversation(models.Model):
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="conversations")
    question = models.CharField(max_length=300)
    context = models.TextField(blank=True, max_length=4000)
    audience = models.CharField(max_length=8, choices=Audience.choices, default=Audience.HUB)
    # With a link, people without an account can take part anonymously.
    link_token = models.CharField(max_length=40, blank=True)
    opens_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField(null=True, blank=True)
    # How many different people must flag a statement before it is hidden for review.
    flag_threshold = models.PositiveSmallIntegerField(default=3)
    created_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # How many votes are in the log (changes of mind included): kept in each vote's
    # transaction, so the report can say how many came after its analysis.
    votes_cast = models.PositiveIntegerField(default=0)
    # Set by the first change after an analysis began (a new one is wanted and waiting);
    # cleared when the next analysis begins. See services/analysis.py.
    analysis_wanted_at = models.DateTimeField(null=True, blank=True)
    analysis_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__isnull=True) | Q(closes_at__gt=models.F("opens_at")),
                name="conversation_closes_after_it_opens",
            ),
            models.CheckConstraint(
                condition=Q(flag_threshold__gte=1), name="conversation_flag_threshold_positive"
            ),
        ]

    def __str__(self):
        return self.question

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now and (self.closes_at is None or now < self.closes_at)

    @staticmethod
    def new_link_token() -> str:
        return secrets.token_urlsafe(24)


class ParticipantRole(models.TextChoices):
    """The side someone speaks from, for common ground across roles."""

    USER = "user", "Service users and residents"
    STAFF = "staff", "Staff"
    COORDINATOR = "coordinator", "Coordinators"
    ANONYMOUS = "anonymous", "Anonymous"


def side_of(role: str) -> str | None:
    """Which side someone speaks for when comparing roles: "staff" (staff and
    coordinators) or "users" (service users and residents); anonymous people neither."""
    if role == ParticipantRole.ANONYMOUS:
        return None
    return "users" if role == ParticipantRole.USER else "staff"


class Participant(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # For anonymous participants: a random key kept in their browser session.
    anonymous_key = models.CharField(max_length=40, blank=True)
    # Imported conversations keep the original voter id.
    external_id = models.CharField(max_length=40, blank=True)
    role = models.CharField(max_length=12, choices=ParticipantRole.choices)
    area = models.CharField(max_length=80, blank=True)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "person"],
                condition=Q(person__isnull=False),
                name="participant_once_per_person",
            ),
            models.UniqueConstraint(
                fields=["conversation", "anonymous_key"],
                condition=~Q(anonymous_key=""),
                name="participant_once_per_anonymous_key",
            ),
        ]

    def __str__(self):
        return f"Participant {self.pk} ({self.role})"


class StatementStatus(models.TextChoices):
    VISIBLE = "visible", "Visible"
    HIDDEN = "hidden", "Hidden while moderators review it"
    REMOVED = "removed", "Removed by moderators"


class Statement(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="statements"
    )
    text = models.CharField(max_length=STORED_MAX_LENGTH)
    # Lower case, punctuation and spacing removed: catches the same statement said twice.
    normalised = models.CharField(max_length=STORED_MAX_LENGTH)
    author = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="statements"
    )
    is_seed = models.BooleanField(default=False)
    status = models.CharField(
        max_length=8, choices=StatementStatus.choices, default=StatementStatus.VISIBLE
    )
    moderation_note = models.CharField(max_length=300, blank=True)
    # Set when a moderator kept the statement: later flags no longer hide it on their own.
    reviewed_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "normalised"], name="statement_said_once"
            )
        ]

    def __str__(self):
        return self.text


class VoteValue(models.IntegerChoices):
    AGREE = 1, "Agree"
    DISAGREE = -1, "Disagree"
    PASS = 0, "Pass / unsure"


class Vote(models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="votes")
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField(choices=VoteValue.choices)
    cast_at = models.DateTimeField(default=timezone.now)
    # A coordinator recording a paper or phone response for someone not online.
    recorded_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["participant", "statement"], name="vote_by_participant")]
        constraints = [
            models.CheckConstraint(condition=Q(value__in=[-1, 0, 1]), name="vote_value_valid")
        ]

    def __str__(self):
        return f"{self.get_value_display()} on statement {self.statement_id}"


class StatementTally(models.Model):
    """The votes that count on a statement (each participant's latest), kept in the same
    transaction as each vote so pages read one row per statement, never the vote log.
    `services.tallies_check` compares them with a recount of the log."""

    statement = models.OneToOneField(
        Statement, primary_key=True, on_delete=models.CASCADE, related_name="tally"
    )
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    agree = models.PositiveIntegerField(default=0)
    disagree = models.PositiveIntegerField(default=0)
    passed = models.PositiveIntegerField(default=0)
    # The same for each side (see side_of): anonymous participants are on neither.
    staff_agree = models.PositiveIntegerField(default=0)
    staff_disagree = models.PositiveIntegerField(default=0)
    users_agree = models.PositiveIntegerField(default=0)
    users_disagree = models.PositiveIntegerField(default=0)

    COUNTS = (
        "agree",
        "disagree",
        "passed",
        "staff_agree",
        "staff_disagree",
        "users_agree",
        "users_disagree",
    )

    def __str__(self):
        return f"Tally of statement {self.statement_id}"

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.COUNTS}


class Flag(models.Model):
    """A participant says a statement breaks the hub's code of conduct."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="flags")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["statement", "participant"], name="flag_once")
        ]

    def __str__(self):
        return f"Flag on statement {self.statement_id}"


class Moderator(models.Model):
    """Someone the hub has chosen to review flagged statements. Coordinators always can;
    moderators may be any member, so the space is run by all who use it."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="moderators")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    appointed_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    appointed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hub", "person"], name="moderator_once_per_hub")
        ]

    def __str__(self):
        return f"{self.person} moderates in {self.hub}"


class Priority(models.Model):
    """Common ground a coordinator has marked as one of the hub's priorities, for the
    pledges the hub and its members will make on it."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="priorities")
    statement = models.OneToOneField(Statement, on_delete=models.CASCADE, related_name="priority")
    note = models.CharField(max_length=300, blank=True)
    marked_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-marked_at"]

    def __str__(self):
        return f"Priority: {self.statement}"


class AnalysisResult(models.Model):
    """The last opinion analysis of a conversation, so pages never wait for the engine.
    `last_vote_id` says which votes it saw: a newer vote means it is due again."""

    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, related_name="analysis"
    )
    last_vote_id = models.BigIntegerField(default=0)
    # The conversation's `votes_cast` when this analysis began: the report counts the
    # votes since.
    votes_cast = models.PositiveIntegerField(default=0)
    votes = models.PositiveIntegerField(default=0)
    participants = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict)
    # The result's divides again, small, for choosing the next statement on each vote.
    divides = models.JSONField(default=list)
    # Each statement's predicted share of everyone who would agree, [share, low, high]:
    # what choosing the next statement reads for that statement alone.
    predicted = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=timezone.now)
    seconds = models.FloatField(default=0)

    def __str__(self):
        return f"Analysis of {self.conversation_id} up to vote {self.last_vote_id}"
