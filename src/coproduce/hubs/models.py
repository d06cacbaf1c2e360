"""Hubs, people, memberships, organisations and the records kept about them.

Every change of state goes through coproduce.hubs.services, which also writes the audit
log; nothing else calls save() on these models.
"""

import datetime

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from coproduce.audit_kinds import AuditKind

# A UK postcode district (outward code): "MB1", "SW1A", "M14".
postcode_district_validator = RegexValidator(
    r"^[A-Z]{1,2}[0-9][0-9A-Z]?$",
    "Enter the first part of a postcode, like MB1 or SW1A.",
)

# Enough for a flat, a street, a town and a postcode on separate lines, with room to spare.
POSTAL_ADDRESS_MAX = 300


def tidy_postal_address(text: str) -> str:
    """One line of the envelope a line: spaces trimmed, blank lines and Windows line
    endings dropped, so the printed block has no gaps."""
    lines = (line.strip() for line in (text or "").splitlines())
    return "\n".join(line for line in lines if line)


WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
PARTS_OF_DAY = [("am", "mornings"), ("pm", "afternoons"), ("eve", "evenings")]
AVAILABILITY_CHOICES = [
    (f"{day}-{part}", f"{name} {label}")
    for day, name in zip(WEEKDAYS, WEEKDAY_NAMES, strict=True)
    for part, label in PARTS_OF_DAY
]


class ContactPreference(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message"
    POST = "post", "Letter"
    IN_PERSON = "in_person", "In person, through the coordinator"


class PersonManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        email = self.normalize_email(email).lower() if email else None
        person = self.model(email=email, **fields)
        person.set_password(password)
        person.save(using=self._db)
        return person

    def create_superuser(self, email, password=None, **fields):
        fields.setdefault("display_name", email.split("@")[0])
        return self.create_user(email, password, is_staff=True, is_superuser=True, **fields)


class Person(AbstractBaseUser, PermissionsMixin):
    """A human. Someone with no email is assisted digital: a coordinator acts for them."""

    email = models.EmailField("email address", unique=True, null=True, blank=True)
    display_name = models.CharField(max_length=80)
    phone = models.CharField(max_length=30, blank=True)
    # As private as the phone number: the person and their hubs' coordinators only.
    postal_address = models.TextField(
        "postal address",
        max_length=POSTAL_ADDRESS_MAX,
        blank=True,
        validators=[MaxLengthValidator(POSTAL_ADDRESS_MAX)],
        help_text="For letters: the lines as written on an envelope, postcode last.",
    )
    contact_preference = models.CharField(
        max_length=12, choices=ContactPreference.choices, default=ContactPreference.EMAIL
    )
    postcode_district = models.CharField(
        max_length=4, blank=True, validators=[postcode_district_validator]
    )
    assets = models.JSONField(
        default=list, blank=True, help_text="What I can give: skills, interests, time."
    )
    needs = models.JSONField(default=list, blank=True, help_text="What would help me.")
    availability = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    about = models.TextField(blank=True, max_length=1000)
    created_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The coordinator who created this person, for assisted digital members.",
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="Can use the Django admin site (site operators only)."
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = PersonManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        ordering = ["display_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(display_name=""), name="person_display_name_not_empty"
            )
        ]
        # Lists of people in name order (the directory, the pickers' matches) read the
        # first page through this index instead of sorting every member. On PostgreSQL a
        # trigram index on UPPER(display_name) (migration 0013, not declared here: SQLite
        # has none) finds a rare part of a name without reading every person, and gives
        # the planner statistics on how many names a search will match.
        indexes = [models.Index(fields=["display_name", "id"], name="person_by_name")]

    def __str__(self):
        return self.display_name

    @property
    def is_assisted_digital(self) -> bool:
        """No way to sign in: a coordinator records things on this person's behalf."""
        return not self.email

    @property
    def wants_letters_without_address(self) -> bool:
        """Asked to be contacted by letter, but there is no address to send one to."""
        return self.contact_preference == ContactPreference.POST and not self.postal_address

    def availability_labels(self) -> list[str]:
        labels = dict(AVAILABILITY_CHOICES)
        return [labels[slot] for slot in self.availability if slot in labels]


class Hub(models.Model):
    """One co-production space. Nothing private crosses between hubs."""

    slug = models.SlugField(unique=True, max_length=60)
    name = models.CharField(max_length=120)
    purpose = models.TextField(help_text="What the hub is for, in plain words.")
    accepts_join_requests = models.BooleanField(default=True)
    code_of_conduct = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def host(self):
        return self.organisations.filter(is_host=True).first()


class Neighbourhood(models.Model):
    """An area a hub defines for itself (an estate, a block, a ward)."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="neighbourhoods")
    name = models.CharField(max_length=80)
    adjacent = models.ManyToManyField(
        "self", blank=True, help_text="Areas next to this one, for matching help nearby."
    )
    deprivation_decile = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="The area's deprivation decile (1 is the most deprived tenth), if known.",
    )
    population = models.PositiveIntegerField(
        null=True, blank=True, help_text="How many people live in the area, if known."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["hub", "name"], name="neighbourhood_unique_name")
        ]

    def __str__(self):
        return self.name


class OrganisationKind(models.TextChoices):
    GP_PRACTICE = "gp_practice", "GP practice or health centre"
    SCHOOL = "school", "School"
    HOUSING = "housing", "Housing office or landlord"
    MENTAL_HEALTH = "mental_health", "Mental-health service"
    COUNCIL = "council", "Council service"
    CHARITY = "charity", "Charity or community group"
    OTHER = "other", "Other"


class Organisation(models.Model):
    """A body that is itself a member of a hub and can give and receive help."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="organisations")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    description = models.TextField(blank=True)
    is_host = models.BooleanField(default=False, help_text="Hosts this hub.")
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_host", "name"]
        constraints = [
            models.UniqueConstraint(fields=["hub", "name"], name="organisation_unique_name"),
            models.UniqueConstraint(
                fields=["hub"], condition=Q(is_host=True), name="organisation_one_host_per_hub"
            ),
        ]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    MEMBER = "member", "Member"
    STAFF = "staff", "Staff"
    COORDINATOR = "coordinator", "Coordinator"
    ADMIN = "admin", "Hub admin"


ROLE_RANK = {Role.MEMBER: 0, Role.STAFF: 1, Role.COORDINATOR: 2, Role.ADMIN: 3}
# The roles of the service's own people (Membership.is_staff_or_above), for queries.
STAFF_ROLES = tuple(role for role, rank in ROLE_RANK.items() if rank >= ROLE_RANK[Role.STAFF])


class Membership(models.Model):
    """A person in a hub, with one role. Staff are members too."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.MEMBER)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff_memberships",
        help_text="The organisation this person works for in the hub, if any.",
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    # Shown to every member in the hub's directory. People who sign up are listed; people
    # a coordinator or a referrer adds are not until they (or a coordinator) choose it.
    listed_in_directory = models.BooleanField(default=True)
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["person__display_name"]
        constraints = [
            models.UniqueConstraint(fields=["person", "hub"], name="membership_unique"),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]), name="membership_role_valid"
            ),
        ]

    def __str__(self):
        return f"{self.person} in {self.hub} ({self.get_role_display()})"

    @property
    def can_coordinate(self) -> bool:
        return self.is_active and ROLE_RANK[self.role] >= ROLE_RANK[Role.COORDINATOR]

    @property
    def is_staff_or_above(self) -> bool:
        return self.is_active and ROLE_RANK[self.role] >= ROLE_RANK[Role.STAFF]

    @property
    def area(self) -> str:
        if self.neighbourhood_id:
            return self.neighbourhood.name
        return self.person.postcode_district


class ConsentMethod(models.TextChoices):
    ONLINE = "online", "Online, by the person"
    PAPER = "paper", "Signed paper form"
    PHONE = "phone", "By phone"
    IN_PERSON = "in_person", "In person"


class ConsentRecord(models.Model):
    """What a person consented to (or withdrew), when, how, and who recorded it."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=200)
    given = models.BooleanField(help_text="False records a withdrawal of consent.")
    method = models.CharField(max_length=12, choices=ConsentMethod.choices)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", null=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self):
        return f"{'Consent to' if self.given else 'Withdrew consent to'} {self.purpose}"


class CheckType(models.TextChoices):
    DBS_BASIC = "dbs_basic", "DBS basic check"
    DBS_STANDARD = "dbs_standard", "DBS standard check"
    DBS_ENHANCED = "dbs_enhanced", "DBS enhanced check"
    DBS_ENHANCED_BARRED = "dbs_enhanced_barred", "DBS enhanced check with barred lists"
    OTHER = "other", "Other check"


class SafeguardingCheck(models.Model):
    """A background check. Visible to the hub's coordinators only."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="checks")
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="checks")
    check_type = models.CharField(max_length=24, choices=CheckType.choices)
    reference = models.CharField(max_length=60)
    issued_on = models.DateField()
    expires_on = models.DateField()
    recorded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-expires_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("issued_on")),
                name="check_expires_after_issue",
            )
        ]

    def __str__(self):
        return f"{self.get_check_type_display()} until {self.expires_on:%-d %B %Y}"

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.issued_on <= day < self.expires_on

    @property
    def is_expired(self) -> bool:
        return timezone.localdate() >= self.expires_on


class Invitation(models.Model):
    """A coordinator's invitation to join a hub, sent by email with a one-time link."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.MEMBER)
    # Only a hash of the link's token is stored, so a database leak reveals no live links.
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Invitation for {self.email} to {self.hub}"

    def is_open(self, now=None) -> bool:
        return self.accepted_at is None and (now or timezone.now()) < self.expires_at


class JoinRequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a coordinator"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class JoinRequest(models.Model):
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="join_requests")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="join_requests")
    message = models.TextField(blank=True, max_length=1000)
    status = models.CharField(
        max_length=10, choices=JoinRequestStatus.choices, default=JoinRequestStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["hub", "person"],
                condition=Q(status="pending"),
                name="join_request_one_pending",
            )
        ]

    def __str__(self):
        return f"{self.person} asks to join {self.hub}"


class AuditEvent(models.Model):
    """One change of state: who did it, for whom, what it was, before and after.

    `actor` did it; `on_behalf_of` is the person it was done for when that is someone
    else (assisted digital: "entered by actor for on_behalf_of").
    """

    hub = models.ForeignKey(
        Hub, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_events"
    )
    # Each is indexed by the (person, hub, time) index below, which leads with it.
    actor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    on_behalf_of = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    event = models.CharField(max_length=60, choices=AuditKind.choices)
    subject_type = models.CharField(max_length=40)
    subject_id = models.BigIntegerField(null=True)
    old = models.JSONField(default=dict, blank=True)
    new = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["hub", "-created_at"], name="audit_hub_recent"),
            # A person's history in a hub, newest first (their page, the log's filter).
            models.Index(fields=["actor", "hub", "-created_at", "-id"], name="audit_actor_recent"),
            models.Index(
                fields=["on_behalf_of", "hub", "-created_at", "-id"], name="audit_for_recent"
            ),
        ]

    def __str__(self):
        return f"{self.event} by {self.actor} at {self.created_at:%Y-%m-%d %H:%M}"

    def sentence(self) -> str:
        """What happened, in plain English with names instead of ids. For a page of
        events use coproduce.audit.describe, which fetches what they name in bulk."""
        from coproduce.audit import sentence_of

        return sentence_of(self)


class ApiToken(models.Model):
    """A key for the JSON API, for one person in one hub. Only a hash is stored."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="api_tokens")
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80, blank=True, help_text="What the key is used for.")
    # The first characters, shown in lists so a person can tell their keys apart.
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"API key {self.prefix}… for {self.person} in {self.hub}"


class UsedKey(models.Model):
    """An idempotency key someone has used, what they sent with it (as a fingerprint)
    and what it saved. See coproduce/idempotency.py, the only code that writes these."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="+")
    # Whose key it is: "person:12", or "anonymous:<key>" for someone who came to a
    # conversation by its link. Keys of different people never meet.
    owner = models.CharField(max_length=60)
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    # What the first request saved: {"model": "app.Model", "pk": 1}, {"model": …,
    # "pks": […]}, or {"value": …} for a plain answer.
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hub", "owner", "key"], name="used_key_once")
        ]
        # The same content sent again lately with a new key (idempotency.py, Back then
        # send again). The fingerprint covers the kind.
        indexes = [
            models.Index(
                fields=["hub", "owner", "fingerprint", "created_at"],
                name="used_key_same_content",
            )
        ]

    def __str__(self):
        return f"Key {self.key} of {self.owner}"
