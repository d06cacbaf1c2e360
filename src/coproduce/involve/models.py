"""The involvement bank: opportunities to help run the service, who takes part, whether
they came, and how each chose to be thanked for their time.

Every change of state goes through coproduce.involve.services, which checks the rules
in access.py and writes the audit log. Money is kept in whole pence; time in minutes.
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from coproduce.hubs.models import Hub, Neighbourhood, Organisation, Person
from coproduce.timebank.models import Transfer, format_minutes


class CoKind(models.TextChoices):
    """Bovaird's kinds of co-production: what a person helps the service to do."""

    CO_PLANNING = "co_planning", "Co-planning"
    CO_DESIGN = "co_design", "Co-design"
    CO_COMMISSIONING = "co_commissioning", "Co-commissioning"
    CO_MANAGING = "co_managing", "Co-managing"
    CO_DELIVERING = "co_delivering", "Co-delivering"
    CO_MONITORING = "co_monitoring", "Co-monitoring"
    CO_EVALUATING = "co_evaluating", "Co-evaluating"


# What each kind means, in the words a person choosing what to hear about would use.
KIND_MEANS = {
    CoKind.CO_PLANNING: "deciding what the service should do next",
    CoKind.CO_DESIGN: "shaping how a service or a change will work",
    CoKind.CO_COMMISSIONING: "choosing who provides a service, like a contractor",
    CoKind.CO_MANAGING: "helping run the service, like sitting on a recruitment panel",
    CoKind.CO_DELIVERING: "delivering part of the service, like training new staff",
    CoKind.CO_MONITORING: "checking the service keeps its promises",
    CoKind.CO_EVALUATING: "looking back at what happened and what to learn",
}


class When(models.TextChoices):
    ONE_OFF = "one_off", "One-off"
    SERIES = "series", "A series of meetings"
    ONGOING = "ongoing", "Ongoing"


class Mode(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "By phone"
    ONLINE = "online", "Online"


class Joining(models.TextChoices):
    INSTANT = "instant", "Anyone who fits can take a place straight away"
    REQUEST = "request", "People ask, and the lead confirms a fair shortlist"
    INVITATION = "invitation", "By invitation only"


class Side(models.TextChoices):
    """Which places a person fills: staff of the service, or the people who use it."""

    STAFF = "staff", "Staff"
    USER = "user", "Service user or carer"


class OpportunityStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed to new people"
    CANCELLED = "cancelled", "Cancelled"


class Opportunity(models.Model):
    """A role in running the service itself, with its places and who may fill them."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="opportunities")
    kind = models.CharField(max_length=20, choices=CoKind.choices)
    title = models.CharField(max_length=120)
    description = models.TextField("What it involves", max_length=2000)
    when = models.CharField(max_length=8, choices=When.choices, default=When.ONE_OFF)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.IN_PERSON)
    place = models.CharField(
        "Where, or how to join", max_length=200, blank=True, help_text="A room, or a phone line."
    )
    accessibility = models.TextField(
        "Accessibility", max_length=1000, blank=True, help_text="Step-free access, a hearing loop."
    )
    training = models.CharField(
        max_length=120, blank=True, help_text="Training a person needs, valid on the day."
    )
    needs_check = models.BooleanField(
        "Needs a safeguarding check", default=False, help_text="Valid on the first day."
    )
    lived_experience = models.CharField(
        max_length=200,
        blank=True,
        help_text="Lived experience a person should have, such as 'of the practice's "
        "mental-health services'. Service users say they have it when they ask.",
    )
    staff_places = models.PositiveSmallIntegerField(default=0)
    user_places = models.PositiveSmallIntegerField(default=0)
    any_places = models.PositiveSmallIntegerField(
        default=0, help_text="Places anyone who fits may take, staff or not."
    )
    reserved_places = models.PositiveSmallIntegerField(
        default=0, help_text="Of all the places, how many are kept for people invited."
    )
    joining = models.CharField(max_length=10, choices=Joining.choices, default=Joining.REQUEST)
    lead = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="led_opportunities")
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
        help_text="Whose account pays the time credits: the hub's host if empty.",
    )
    confirm_hours = models.PositiveSmallIntegerField(
        default=48, help_text="Hours someone offered a place from the waiting list has to say yes."
    )
    is_recruitment = models.BooleanField(
        "A staff recruitment panel", default=False, help_text="Counted in the hub's figures."
    )
    hired = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="For a recruitment panel: how many people were hired."
    )
    status = models.CharField(
        max_length=10, choices=OpportunityStatus.choices, default=OpportunityStatus.OPEN
    )
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # The form's key: a resent form returns this opportunity, never a second one.
    key = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "opportunities"
        indexes = [models.Index(fields=["hub", "status"], name="opportunity_hub_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["hub", "created_by", "key"], condition=~Q(key=""), name="opportunity_key"
            ),
            models.CheckConstraint(
                condition=Q(staff_places__lte=30, user_places__lte=30, any_places__lte=30),
                name="opportunity_places_at_most_30",
            ),
            models.CheckConstraint(
                condition=Q(
                    reserved_places__lte=F("staff_places") + F("user_places") + F("any_places")
                ),
                name="opportunity_reserved_within_places",
            ),
            models.CheckConstraint(
                condition=Q(confirm_hours__gte=1, confirm_hours__lte=336),
                name="opportunity_confirm_1_to_336_hours",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def places(self) -> int:
        return self.staff_places + self.user_places + self.any_places

    @property
    def mix(self) -> str:
        """'2 staff and 1 service user, and 1 more place for anyone'."""
        parts = []
        if self.staff_places:
            parts.append(f"{self.staff_places} staff")
        if self.user_places:
            users = "service user" if self.user_places == 1 else "service users"
            parts.append(f"{self.user_places} {users}")
        text = " and ".join(parts)
        if self.any_places:
            more = "place" if self.any_places == 1 else "places"
            extra = f"{self.any_places} {more} for anyone"
            text = f"{text}, and {self.any_places} more {more} for anyone" if text else extra
        return text

    @property
    def kind_means(self) -> str:
        return KIND_MEANS[self.kind]


class Session(models.Model):
    """One meeting of an opportunity: a one-off has one, a series several; an ongoing
    opportunity adds them as they are arranged."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    cancelled = models.BooleanField(default=False)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["starts_at"], name="involve_session_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="involve_session_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.opportunity} on {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def length(self) -> str:
        return format_minutes(self.minutes)


class SignUpStatus(models.TextChoices):
    INVITED = "invited", "Invited, waiting for an answer"
    REQUESTED = "requested", "Asked for a place"
    CONFIRMED = "confirmed", "Has a place"
    WAITLIST = "waitlist", "On the waiting list"
    OFFERED = "offered", "Offered a place, to say yes by the date given"
    DECLINED = "declined", "Said no"
    WITHDRAWN = "withdrawn", "Could not come"
    NOT_CHOSEN = "not_chosen", "Not chosen this time"
    LAPSED = "lapsed", "Did not say yes in time"
    RELEASED = "released", "Place freed after a missed meeting"


# In line for, or holding, a place: one such sign-up per person per opportunity.
LIVE_STATUSES = ["invited", "requested", "confirmed", "waitlist", "offered"]
# Holding a place: counted against the places (an invitation holds a reserved place).
HOLDING_STATUSES = ["invited", "confirmed", "offered"]


class SignUp(models.Model):
    """A person's place, or their request for one, on an opportunity."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="signups")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="involvements")
    side = models.CharField(max_length=5, choices=Side.choices)
    status = models.CharField(max_length=10, choices=SignUpStatus.choices)
    invited = models.BooleanField(default=False, help_text="Asked by the lead: a reserved place.")
    lived_experience = models.BooleanField(
        default=False, help_text="They said they have the lived experience it asks for."
    )
    message = models.CharField(
        max_length=500, blank=True, help_text="What they want the lead to know: access needs."
    )
    reasons = models.JSONField(default=list, blank=True, help_text="Why the shortlist put them so.")
    entered_by = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The coordinator who signed them up, for someone not online.",
    )
    asked_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    key = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["asked_at", "id"]
        indexes = [models.Index(fields=["opportunity", "status"], name="signup_opp_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "person"],
                condition=Q(status__in=LIVE_STATUSES),
                name="signup_once_live",
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(offer_expires_at__isnull=False),
                name="signup_offer_has_deadline",
            ),
        ]

    def __str__(self):
        return f"{self.person} on {self.opportunity}"

    @property
    def holds_place(self) -> bool:
        return self.status in HOLDING_STATUSES


class AttendanceStatus(models.TextChoices):
    ATTENDED = "attended", "Came"
    APOLOGIES = "apologies", "Sent apologies"
    NO_SHOW = "no_show", "Did not come"


class Recompense(models.TextChoices):
    """How a person chose to be thanked for one meeting."""

    CREDITS = "credits", "Time credits in my time bank account"
    PAYMENT = "payment", "A payment at the hub's rate"
    VOUCHER = "voucher", "A voucher"
    DECLINE = "decline", "Nothing, thank you"
    DONATE = "donate", "Give the hours to the community chest, for people who need help"


class Attendance(models.Model):
    """Whether a person came to a meeting, and (if they did) the thanks they chose."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    signup = models.ForeignKey(SignUp, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=AttendanceStatus.choices)
    minutes = models.PositiveIntegerField(default=0)
    recorded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    recompense = models.CharField(max_length=8, choices=Recompense.choices, blank=True)
    amount_pence = models.PositiveIntegerField(default=0)
    taxable = models.BooleanField(default=False)
    transfer = models.OneToOneField(
        Transfer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    chosen_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    chosen_at = models.DateTimeField(null=True, blank=True)
    # They read the benefits warning and chose the payment anyway.
    warned = models.BooleanField(default=False)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session__starts_at", "id"]
        indexes = [models.Index(fields=["person", "status"], name="attendance_person_status")]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="attendance_once"),
            models.CheckConstraint(
                condition=Q(status="attended") | Q(recompense=""),
                name="attendance_thanks_only_if_came",
            ),
            models.CheckConstraint(
                condition=Q(minutes__lte=24 * 60), name="attendance_at_most_a_day"
            ),
        ]

    def __str__(self):
        return f"{self.person} at {self.session}"

    @property
    def length(self) -> str:
        return format_minutes(self.minutes)


class ExpenseKind(models.TextChoices):
    MILEAGE = "mileage", "Mileage"
    OTHER = "other", "Other costs (bus fare, parking, childcare)"


class ExpenseStatus(models.TextChoices):
    CLAIMED = "claimed", "Claimed"
    APPROVED = "approved", "Approved, to be repaid"
    REJECTED = "rejected", "Not repaid"
    PAID = "paid", "Repaid"


class Expense(models.Model):
    """Costs repaid for coming to a meeting. Expenses repaid are not earnings: the
    benefits guard leaves them out."""

    attendance = models.ForeignKey(Attendance, on_delete=models.CASCADE, related_name="expenses")
    kind = models.CharField(max_length=8, choices=ExpenseKind.choices)
    miles = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    amount_pence = models.PositiveIntegerField()
    note = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=8, choices=ExpenseStatus.choices, default=ExpenseStatus.CLAIMED
    )
    claimed_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    claimed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    key = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["claimed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_pence__gte=1, amount_pence__lte=50_000),
                name="expense_1p_to_500_pounds",
            ),
            models.UniqueConstraint(
                fields=["attendance", "key"], condition=~Q(key=""), name="expense_key_once"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.attendance}"


class Training(models.Model):
    """Training a person has had for involvement (recruitment panels, incident
    reviews), and when it must be renewed."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120)
    trained_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-trained_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["hub", "person", "name"], name="involve_training_once"),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=F("trained_on")),
                name="involve_training_expires_after",
            ),
        ]

    def __str__(self):
        return self.name

    def is_valid_on(self, day) -> bool:
        return self.trained_on <= day and (self.expires_on is None or day < self.expires_on)


class InvolvementPolicy(models.Model):
    """A hub's rules for involvement: its rates, the benefits guard's limits, and
    whether its shortlists favour areas less involved so far."""

    hub = models.OneToOneField(Hub, on_delete=models.CASCADE, related_name="involvement_policy")
    payment_pence = models.PositiveIntegerField(
        default=2000, help_text="The payment for each block of time, in pence."
    )
    block_minutes = models.PositiveIntegerField(
        default=180, help_text="A block of time: a meeting up to this long is paid one block."
    )
    payment_taxable = models.BooleanField(default=True)
    voucher_pence = models.PositiveIntegerField(default=1500, help_text="A voucher's value.")
    mileage_pence = models.PositiveIntegerField(default=45, help_text="Repaid for each mile.")
    weekly_pay_limit_pence = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Most a person should be paid in a week (a permitted-work limit).",
    )
    monthly_minutes_cap = models.PositiveIntegerField(
        null=True, blank=True, help_text="Most time a person should be paid for in a month."
    )
    limits_are_hard = models.BooleanField(
        default=False,
        help_text="Refuse a payment past a limit, rather than warn and let the person choose.",
    )
    favour_areas = models.BooleanField(
        default=False,
        help_text="Shortlists put people from areas less involved so far, and from the "
        "priority areas, before others.",
    )
    priority_areas = models.ManyToManyField(Neighbourhood, blank=True, related_name="+")
    advice = models.CharField(
        max_length=300,
        default="Citizens Advice (0800 144 8848) or Turn2us (turn2us.org.uk) give free, "
        "independent advice on benefits.",
        help_text="Where to get independent advice, shown with every warning.",
    )

    class Meta:
        verbose_name_plural = "involvement policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(block_minutes__gte=15, block_minutes__lte=24 * 60),
                name="involve_block_15min_to_day",
            ),
            models.CheckConstraint(
                condition=Q(payment_pence__lte=100_000, voucher_pence__lte=100_000),
                name="involve_rates_at_most_1000_pounds",
            ),
        ]

    def __str__(self):
        return f"Involvement rules for {self.hub}"


class HowOften(models.TextChoices):
    EACH = "each", "As each one opens"
    WEEKLY = "weekly", "A weekly pack"
    MONTHLY = "monthly", "A monthly pack"
    NEVER = "never", "Never: I will look when I want to"


class PackFormat(models.TextChoices):
    EMAIL = "email", "Email"
    LARGE_PRINT = "large_print", "Large print, by post"
    POST = "post", "A letter by post"
    PHONE = "phone", "A phone call from a coordinator"


# Formats a coordinator sends: the pack's print view lists these people.
POSTED_FORMATS = ["large_print", "post", "phone"]


class InvolvementChoice(models.Model):
    """How much a person wants to be asked: which kinds, how often, in what format."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="+")
    kinds = models.JSONField(default=list, blank=True)
    how_often = models.CharField(max_length=8, choices=HowOften.choices, default=HowOften.MONTHLY)
    format = models.CharField(max_length=12, choices=PackFormat.choices, default=PackFormat.EMAIL)
    recompense = models.CharField(
        "Usual thanks", max_length=8, choices=Recompense.choices, default=Recompense.CREDITS
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "hub"], name="involvement_choice_once")
        ]

    def __str__(self):
        return f"{self.person}'s involvement choices in {self.hub}"


class Pack(models.Model):
    """One involvement pack for one person: the open opportunities they want to hear
    about and may take, as of when it was made. Unique per person, hub and period, so
    two runs at once make one."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="+")
    how_often = models.CharField(max_length=8, choices=HowOften.choices)
    period_start = models.DateField()
    opportunities = models.ManyToManyField(Opportunity, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "hub", "how_often", "period_start"], name="pack_once"
            )
        ]

    def __str__(self):
        return f"Pack for {self.person} from {self.period_start}"


class Reminder(models.Model):
    """A reminder sent to one person about one meeting: sent once."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="reminder_once")]

    def __str__(self):
        return f"Reminder to {self.person} for {self.session}"


# Your Space's models live in their own module; imported here so Django finds them.
import coproduce.involve.space.models  # noqa: E402, F401
