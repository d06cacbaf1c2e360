"""Referrals, match offers, projects and their rotas, and escalations.

Every change of state goes through coproduce.referrals.services, which checks
permissions and writes the audit log.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from coproduce.hubs.models import (
    ConsentRecord,
    Hub,
    Membership,
    Neighbourhood,
    Organisation,
    Person,
)
from coproduce.timebank.models import Category, Exchange, Listing, format_minutes


class Route(models.TextChoices):
    """Who an escalation of a kind goes to (see escalations.Sweep.route)."""

    REFERRER = "referrer", "The referrer (the failsafe if they have left)"
    LEAD = "lead", "The project's lead (the failsafe if they have left)"
    COORDINATORS = "coordinators", "The hub's coordinators"
    FAILSAFE = "failsafe", "The failsafe member of staff"


class ReferralPolicy(models.Model):
    """A hub's rules for matching and for the failsafe sweep."""

    hub = models.OneToOneField(Hub, on_delete=models.CASCADE, related_name="referral_policy")
    unmatched_days = models.PositiveIntegerField(
        default=7, help_text="Days a referral or request may wait for a match before it escalates."
    )
    unfilled_slot_hours = models.PositiveIntegerField(
        default=48, help_text="Hours before a rota slot starts when a gap in it escalates."
    )
    key_person_percent = models.PositiveIntegerField(
        default=50,
        help_text="Share of a project's slots one person may cover before it is a risk.",
    )
    weekly_minutes_limit = models.PositiveIntegerField(
        default=10 * 60, help_text="Most minutes a week a member should give before it escalates."
    )
    activity_drop_percent = models.PositiveIntegerField(
        default=60,
        help_text="A drop this large in a regular giver's hours (last 4 weeks against the "
        "8 before) escalates as a burnout risk.",
    )
    commitment_cap = models.PositiveIntegerField(
        default=3, help_text="Most current commitments a person is offered at once."
    )
    failsafe = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The staff member who takes escalations that have no referrer.",
    )
    # Where each kind of escalation goes. Risks to volunteers (burnout, one person
    # carrying a project) are the community's to handle: coordinators, not the GP.
    route_unmatched_referral = models.CharField(
        max_length=12, choices=Route.choices, default=Route.REFERRER
    )
    route_unmatched_request = models.CharField(
        max_length=12, choices=Route.choices, default=Route.FAILSAFE
    )
    route_unfilled_slot = models.CharField(max_length=12, choices=Route.choices, default=Route.LEAD)
    route_key_person = models.CharField(
        max_length=12, choices=Route.choices, default=Route.COORDINATORS
    )
    route_burnout = models.CharField(
        max_length=12, choices=Route.choices, default=Route.COORDINATORS
    )

    class Meta:
        verbose_name_plural = "referral policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(key_person_percent__gte=1, key_person_percent__lte=100),
                name="referral_policy_key_person_percent",
            ),
            models.CheckConstraint(
                condition=Q(activity_drop_percent__gte=1, activity_drop_percent__lte=100),
                name="referral_policy_drop_percent",
            ),
            models.CheckConstraint(
                condition=Q(commitment_cap__gte=1), name="referral_policy_cap_positive"
            ),
        ]

    def __str__(self):
        return f"Referral rules for {self.hub}"


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine: within a few weeks"
    SOON = "soon", "Soon: within a week"
    URGENT = "urgent", "Urgent: within two days"


class ReferralStatus(models.TextChoices):
    NEW = "new", "New"
    TRIAGED = "triaged", "Triaged, looking for a volunteer"
    MATCHED = "matched", "Matched with a volunteer"
    ACTIVE = "active", "Help under way"
    CLOSED = "closed", "Closed"
    ESCALATED = "escalated", "Escalated to staff"


OPEN_REFERRAL_STATUSES = [
    ReferralStatus.NEW,
    ReferralStatus.TRIAGED,
    ReferralStatus.MATCHED,
    ReferralStatus.ACTIVE,
    ReferralStatus.ESCALATED,
]


# Still waiting for a volunteer: can be triaged, and escalates if it waits too long.
UNMATCHED_STATUSES = [ReferralStatus.NEW, ReferralStatus.TRIAGED, ReferralStatus.ESCALATED]


class Outcome(models.TextChoices):
    HELPED = "helped", "Helped"
    NO_LONGER_NEEDED = "no_longer_needed", "No longer needed"
    DECLINED = "declined", "The person declined help"
    NOT_REACHED = "not_reached", "We could not reach the person"
    REFERRED_ON = "referred_on", "Referred to another service"


class Referral(models.Model):
    """A member of staff asks the hub to help a person with a need."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="referrals")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals")
    referred_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    consent = models.ForeignKey(ConsentRecord, on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.TextField(
        max_length=2000,
        help_text="Seen only by the referrer, the person and coordinators: never volunteers.",
    )
    urgency = models.CharField(max_length=8, choices=Urgency.choices, default=Urgency.ROUTINE)
    preferred_times = models.JSONField(default=list, blank=True)
    neighbourhood = models.ForeignKey(
        Neighbourhood, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    postcode_district = models.CharField(max_length=4, blank=True)
    needs_check = models.BooleanField(
        default=False, help_text="Only volunteers with a valid safeguarding check may help."
    )
    status = models.CharField(
        max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.NEW
    )
    shared_note = models.TextField(
        max_length=1000,
        blank=True,
        help_text="What the volunteer is told. Leave out health details they do not need.",
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.CharField(max_length=500, blank=True)
    exchange = models.ForeignKey(
        Exchange, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    project = models.ForeignKey(
        "Project",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
        help_text="The project that gives this help: only people it accepts (its training, "
        "its check) are suggested and asked.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    triaged_at = models.DateTimeField(null=True, blank=True)
    matched_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["hub", "status"], name="referral_hub_status")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(outcome=""), name="referral_closed_has_outcome"
            )
        ]

    def __str__(self):
        return f"Referral of {self.person} ({self.get_status_display().lower()})"

    @property
    def area(self) -> str:
        return self.neighbourhood.name if self.neighbourhood_id else self.postcode_district

    @property
    def first_name(self) -> str:
        return self.person.display_name.split()[0]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REFERRAL_STATUSES

    @property
    def is_unmatched(self) -> bool:
        return self.status in UNMATCHED_STATUSES

    @property
    def is_looking_for_volunteer(self) -> bool:
        """Triaged, so volunteers can be asked, and nobody has said yes yet."""
        return self.triaged_at is not None and self.status in (
            ReferralStatus.TRIAGED,
            ReferralStatus.ESCALATED,
        )


class OfferStatus(models.TextChoices):
    SENT = "sent", "Waiting for an answer"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class MatchOffer(models.Model):
    """A coordinator asks a volunteer to take on a referral."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="offers")
    volunteer = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="match_offers")
    sent_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    reasons = models.JSONField(default=list, blank=True, help_text="Why they were asked.")
    status = models.CharField(max_length=10, choices=OfferStatus.choices, default=OfferStatus.SENT)
    answered_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "volunteer"],
                condition=Q(status__in=["sent", "accepted"]),
                name="offer_one_open_per_volunteer",
            ),
            models.UniqueConstraint(
                fields=["referral"], condition=Q(status="accepted"), name="offer_one_accepted"
            ),
        ]

    def __str__(self):
        return f"Offer to {self.volunteer} for referral {self.referral_id}"


class ProjectKind(models.TextChoices):
    PHONE_FRIEND = "phone_friend", "Friend on the phone"
    BUDDY_BENCH = "buddy_bench", "Buddy bench"
    BEFRIENDING = "befriending", "Befriending after hospital"
    REABLEMENT = "reablement", "Reablement package"
    OTHER = "other", "Other"


class Project(models.Model):
    """A recurring activity delivered together, with a rota of slots."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=14, choices=ProjectKind.choices)
    description = models.TextField(max_length=2000, blank=True)
    lead = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="led_projects")
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
        help_text="The organisation that runs it; its account receives the hours given.",
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    roles = models.JSONField(default=list, help_text="The jobs in a slot: caller, monitor, carer.")
    training = models.CharField(
        max_length=120, blank=True, help_text="Training a person needs before taking a slot."
    )
    needs_check = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["hub", "name"], name="project_unique_name")]

    def __str__(self):
        return self.name


class TrainingRecord(models.Model):
    """A person has had a project's training, and who gave it (a past monitor can)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="trained")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="trainings")
    trained_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    trained_on = models.DateField()
    expires_on = models.DateField(
        null=True, blank=True, help_text="When it must be renewed; empty if it lasts."
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-trained_on"]
        constraints = [models.UniqueConstraint(fields=["project", "person"], name="training_once")]

    def __str__(self):
        return f"{self.person} trained for {self.project}"


class Slot(models.Model):
    """One turn on a rota: a time, a role, how many people, and who it is for."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    role = models.CharField(max_length=60)
    places = models.PositiveSmallIntegerField(default=1)
    receiver = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="slots"
    )
    note = models.CharField(max_length=200, blank=True)
    cancelled = models.BooleanField(default=False)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    # For a turn recorded afterwards: the form's key, so a resent form records it once.
    key = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["project", "starts_at"], name="slot_project_time")]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "key"], condition=~Q(key=""), name="slot_key_once"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(places__gte=1, places__lte=30), name="slot_places_1_to_30"
            ),
        ]

    def __str__(self):
        return f"{self.project}: {self.role} at {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class AssignmentStatus(models.TextChoices):
    ON_ROTA = "on_rota", "On the rota"
    GIVEN_UP = "given_up", "Given up"
    ATTENDED = "attended", "Done, waiting for the lead to confirm"
    CONFIRMED = "confirmed", "Confirmed: hours recorded"
    MISSED = "missed", "Did not happen"


FILLED_STATUSES = [AssignmentStatus.ON_ROTA, AssignmentStatus.ATTENDED, AssignmentStatus.CONFIRMED]


class Assignment(models.Model):
    """A person on a slot."""

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="assignments")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="assignments")
    status = models.CharField(
        max_length=10, choices=AssignmentStatus.choices, default=AssignmentStatus.ON_ROTA
    )
    minutes = models.PositiveIntegerField(null=True, blank=True)
    logged_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    exchange = models.OneToOneField(
        Exchange, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["slot__starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "person"],
                condition=~Q(status="given_up"),
                name="assignment_once_per_slot",
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(exchange__isnull=False),
                name="assignment_confirmed_has_exchange",
            ),
        ]

    def __str__(self):
        return f"{self.person} on {self.slot}"

    @property
    def duration(self) -> str:
        """The time logged, in words: '1 h 30 min'."""
        return format_minutes(self.minutes or 0)


class HelpKind(models.TextChoices):
    CALL = "call", "Phone call"
    VISIT = "visit", "Visit"


# The job on the rota for each kind of regular help.
HELP_ROLE = {HelpKind.CALL: "caller", HelpKind.VISIT: "visitor"}


class HelpPlan(models.Model):
    """Regular help for a referral, set up in one step once a volunteer said yes: turns on
    a project's rota, for the person referred, with the volunteer on each."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="plan")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="plans")
    volunteer = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=HelpKind.choices, default=HelpKind.CALL)
    first_at = models.DateTimeField()
    every_days = models.PositiveSmallIntegerField(default=7)
    turns = models.PositiveSmallIntegerField()
    minutes = models.PositiveSmallIntegerField()
    # The form's key: a resent form returns this plan rather than refusing.
    key = models.CharField(max_length=60)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(every_days__gte=1, every_days__lte=28), name="plan_every_1_to_28_days"
            ),
            models.CheckConstraint(
                condition=Q(turns__gte=1, turns__lte=60), name="plan_turns_1_to_60"
            ),
        ]

    def __str__(self):
        return f"Regular help for {self.referral.person}"

    @property
    def how_often(self) -> str:
        """ "every week", "every 2 weeks", "every 3 days"."""
        if self.every_days == 1:
            return "every day"
        if self.every_days % 7 == 0:
            weeks = self.every_days // 7
            return "every week" if weeks == 1 else f"every {weeks} weeks"
        return f"every {self.every_days} days"

    @property
    def length(self) -> str:
        return format_minutes(self.minutes)


class EscalationKind(models.TextChoices):
    UNMATCHED_REFERRAL = "unmatched_referral", "Referral not matched in time"
    UNMATCHED_REQUEST = "unmatched_request", "Request for help not answered in time"
    UNFILLED_SLOT = "unfilled_slot", "Rota slot not filled"
    KEY_PERSON = "key_person", "One person covers too much of a project"
    OVERWORK = "overwork", "Giving too many hours a week"
    ACTIVITY_DROP = "activity_drop", "A regular giver has stopped"
    OVERDUE_REPORT = "overdue_report", "A reported problem is past its expected date"
    INVOLVEMENT_SHORT = "involvement_short", "An involvement opportunity is short of its mix"


class EscalationStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class Escalation(models.Model):
    """Something the community could not do in time, handed to a named member of staff.

    `key` names the finding (what and, for risks that recur, when), so running the sweep
    again never makes a second escalation for the same thing.
    """

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="escalations")
    kind = models.CharField(max_length=20, choices=EscalationKind.choices)
    key = models.CharField(max_length=120)
    summary = models.CharField(max_length=300)
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.CASCADE, related_name="escalations"
    )
    listing = models.ForeignKey(
        Listing, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    slot = models.ForeignKey(
        Slot, null=True, blank=True, on_delete=models.CASCADE, related_name="escalations"
    )
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="escalations"
    )
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The member the risk is about.",
    )
    # The page of what it is about, when that lives in another app (a report): a path.
    about_url = models.CharField(max_length=300, blank=True)
    assigned_to = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="escalations")
    status = models.CharField(
        max_length=10, choices=EscalationStatus.choices, default=EscalationStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["hub", "key"], name="escalation_once_per_finding"),
            models.CheckConstraint(
                condition=Q(status="open") | ~Q(resolution=""),
                name="escalation_resolved_says_what_was_done",
            ),
        ]

    def __str__(self):
        return self.summary


class GiverWord(models.Model):
    """A word of what a person says they can give: from their assets (no listing), or
    from the title of one of their offers (its listing). Derived data, kept by the
    receivers in receivers.py whenever a person or a listing is saved; "Who could help"
    reads it to find, in the database, only the members whose words or categories fit a
    need (see candidates.py). Words are `matching.words`, as the engine compares them."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    listing = models.ForeignKey(
        Listing, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    word = models.CharField(max_length=60)

    class Meta:
        indexes = [
            # Who shares a need's words, read from the index alone (candidates.py).
            models.Index(fields=["word", "person", "listing"], name="giverword_word_cover"),
            models.Index(fields=["person", "listing"], name="giverword_person_listing"),
        ]

    def __str__(self):
        return self.word


class GiverRow(models.Model):
    """A membership as "Who could help" orders who to read first: the member's area (the
    neighbourhood's name, else their postcode district, as `Membership.area`) and free
    times as a whole number (`selectors.availability_bits`), so the ordering query reads
    one narrow row a member rather than the person and their neighbourhood. Derived data,
    kept by the receivers in receivers.py whenever a membership, a person or a
    neighbourhood is saved, and rebuilt by `candidates.index_rebuild` (see candidates.py)."""

    membership = models.OneToOneField(
        Membership, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    # No index by hub: read by person (who fits a need), a hub's index led SQLite to
    # scan every member of the hub for each one who fits.
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="+", db_index=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    is_active = models.BooleanField()
    area = models.CharField(max_length=80, blank=True)
    times = models.IntegerField(default=0)

    def __str__(self):
        return f"{self.area} {self.times}"
