"""Pledges and reports: a hub's service standard, agreed by staff and the people who use the
service, and the problems reported against it.

A pledge is edited as a draft and published as a numbered version once at least one staff
member and one service-user representative have signed it off; every version keeps a
snapshot of what it said (`PledgeVersion.content`), so differences can be shown. Its
categories are live rows (reports point at them; Open311 calls them services), and each
report keeps the target it was given when it came in (`expected_at`), so changing a target
later never changes what was promised for a report already made.
"""

import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from coproduce.deliberation.models import Priority, Statement
from coproduce.hubs.models import Hub, Neighbourhood, Person

from .privacy import without_contact_details

DESCRIPTION_MAX_LENGTH = 4000
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


class PledgeStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class TargetUnit(models.TextChoices):
    HOURS = "hours", "hours, day and night"
    WORKING_HOURS = "working_hours", "working hours"
    WORKING_DAYS = "working_days", "working days"
    DAYS = "days", "calendar days"
    SAME_WORKING_DAY = "same_working_day", "the same working day"


class SignOffRole(models.TextChoices):
    STAFF = "staff", "For the service (staff)"
    USERS = "users", "For the people who use it (a service-user representative)"


class WorkingCalendar(models.Model):
    """A hub's working week, for targets counted in working hours or days."""

    hub = models.OneToOneField(Hub, on_delete=models.CASCADE, related_name="working_calendar")
    # ISO weekdays, Monday = 1.
    working_days = models.JSONField(default=list)
    day_starts = models.TimeField(default="09:00")
    day_ends = models.TimeField(default="17:00")

    def __str__(self):
        return f"Working calendar of {self.hub}"


class Holiday(models.Model):
    """A day the service does not work (a bank holiday), editable by the hub."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="holidays")
    day = models.DateField()
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["hub", "day"], name="holiday_once_a_day")]

    def __str__(self):
        return f"{self.name} ({self.day})"


class ServicePoint(models.Model):
    """A place the service is given (a surgery, an estate office), for reports with no
    street location."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="service_points")
    name = models.CharField(max_length=120)
    address = models.CharField(max_length=300, blank=True)
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["hub", "name"], name="service_point_unique_name")
        ]

    def __str__(self):
        return self.name


class Pledge(models.Model):
    """A hub's service standard. `adopted_from` is the template it was made from (in
    another hub, usually); `is_template` lets other hubs adopt it."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="pledges")
    slug = models.SlugField(max_length=60)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True, max_length=2000)
    # What the people who use the service commit to in return: [{"text", "measure"}].
    user_commitments = models.JSONField(default=list, blank=True)
    co_designed_by = models.TextField(blank=True, max_length=1000)
    grown_from = models.ManyToManyField(Statement, blank=True, related_name="pledges")
    priorities = models.ManyToManyField(Priority, blank=True, related_name="pledges")
    status = models.CharField(
        max_length=10, choices=PledgeStatus.choices, default=PledgeStatus.DRAFT
    )
    retired_reason = models.CharField(max_length=500, blank=True)  # shown on its page
    is_template = models.BooleanField(default=False)
    # Whether people who are not members may report under it (on the page; Open311 clients
    # use a hub API key).
    public_reports = models.BooleanField(default=False)
    adopted_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="adoptions"
    )
    # The next version being prepared (the shape of PledgeVersion.content); null when the
    # live rows above are all there is (nothing changed since the last version). The live
    # pledge and its categories change only when a version is published, so what reports
    # are promised is always what was signed.
    draft = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]
        constraints = [models.UniqueConstraint(fields=["hub", "slug"], name="pledge_unique_slug")]

    def __str__(self):
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == PledgeStatus.PUBLISHED


class PledgeCategory(models.Model):
    """What the service commits to for one kind of problem: "emergency repairs made safe
    within 24 working hours". `code` is unique across the site: it is the Open311
    service_code. `attributes` are Open311 attributes (questions asked of the reporter):
    [{"code", "datatype", "required", "description", "order", "values": [{"key", "name"}]}]."""

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="categories")
    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=500, blank=True)
    commitment = models.CharField(max_length=300)
    target_amount = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(10_000)]
    )
    target_unit = models.CharField(max_length=20, choices=TargetUnit.choices)
    keywords = models.CharField(max_length=200, blank=True)
    group = models.CharField(max_length=80, blank=True)
    attributes = models.JSONField(default=list, blank=True)
    # For a pledge adopted from a template: the template's code this category came from,
    # so what changed locally is found by matching categories, version after version.
    template_code = models.SlugField(max_length=60, blank=True)
    # Staff told of new and overdue reports in this category.
    staff = models.ManyToManyField(Person, blank=True, related_name="pledge_categories")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["pledge", "name"]

    def __str__(self):
        return self.name


class PledgeVersion(models.Model):
    """A published version of a pledge: a snapshot of what it said, and who signed it."""

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    change_note = models.CharField(max_length=500, blank=True)
    published_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pledge", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["pledge", "number"], name="pledge_version_unique")
        ]

    def __str__(self):
        return f"{self.pledge}, version {self.number}"


class SignOff(models.Model):
    """Someone signing off the pledge as it stands, for the service or for its users.
    Signatures count for the next version to be published (`version` is null until then)."""

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="sign_offs")
    version = models.ForeignKey(
        PledgeVersion, null=True, blank=True, on_delete=models.CASCADE, related_name="sign_offs"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=10, choices=SignOffRole.choices)
    content_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["signed_at"]

    def __str__(self):
        return f"{self.person} signed {self.pledge} ({self.role})"


class ReportStatus(models.TextChoices):
    NEW = "new", "New"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    INVESTIGATING = "investigating", "Investigating"
    IN_PROGRESS = "in_progress", "In progress"
    ACTION_SCHEDULED = "action_scheduled", "Action scheduled"
    FIXED = "fixed", "Fixed"
    NOT_FIXED = "not_fixed", "Not fixed"
    DUPLICATE = "duplicate", "Duplicate"
    NOT_RESPONSIBLE = "not_responsible", "Not our responsibility"
    NO_FURTHER_ACTION = "no_further_action", "No further action"


OPEN_STATUSES = (
    ReportStatus.NEW,
    ReportStatus.ACKNOWLEDGED,
    ReportStatus.INVESTIGATING,
    ReportStatus.IN_PROGRESS,
    ReportStatus.ACTION_SCHEDULED,
)
CLOSED_STATUSES = tuple(s for s in ReportStatus if s not in OPEN_STATUSES)


class Report(models.Model):
    """A problem reported under a pledge's category."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="reports")
    category = models.ForeignKey(PledgeCategory, on_delete=models.PROTECT, related_name="reports")
    description = models.TextField(max_length=DESCRIPTION_MAX_LENGTH)
    # Moderation replaces what is shown; the original is kept here.
    original_description = models.TextField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    area = models.ForeignKey(
        Neighbourhood, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    service_point = models.ForeignKey(
        ServicePoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    photo = models.FileField(upload_to="reports/%Y/%m/", blank=True)
    reporter = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    # Staff who took it on the phone for the reporter (assisted).
    entered_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # For reports from someone without an account (the public form, an Open311 client,
    # staff taking it on the phone for "someone else"): never shown publicly. The email
    # gets the service's updates and, at closing, a link to say whether it was fixed; the
    # phone is for staff to ring and ask, when there is no email.
    contact_name = models.CharField(max_length=120, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=20, choices=ReportStatus.choices, default=ReportStatus.NEW)
    status_note = models.CharField(max_length=1000, blank=True)
    # The target it was given when it came in, in words ("within 24 working hours").
    target = models.CharField(max_length=120)
    expected_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    reopened = models.PositiveIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=20, default="web")  # web, phone, open311
    idempotency_key = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["hub", "-created_at"], name="report_recent"),
            models.Index(fields=["category", "-created_at"], name="report_category_recent"),
            models.Index(fields=["hub", "status", "expected_at"], name="report_queue"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["hub", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="report_unique_idempotency_key",
            )
        ]

    def __str__(self):
        return f"{self.category}: {self.description[:40]}"

    @property
    def public_description(self) -> str:
        """The description as the public sees it: phone numbers and emails hidden."""
        return without_contact_details(self.description)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def closing(self) -> int | None:
        """This closing, as a whole number (microseconds since 1970), or None while open:
        an answer link is made for one closing and refused once it has been reopened."""
        if self.closed_at is None:
            return None
        return (self.closed_at - EPOCH) // datetime.timedelta(microseconds=1)


class ReportUpdate(models.Model):
    """A change to a report, with a note the reporter can read."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    old_status = models.CharField(max_length=20, choices=ReportStatus.choices)
    status = models.CharField(max_length=20, choices=ReportStatus.choices)
    note = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        # Open311's service request updates: a window of the newest, across a hub.
        indexes = [models.Index(fields=["created_at"], name="report_update_recent")]

    def __str__(self):
        return f"{self.report}: {self.old_status} to {self.status}"


class ReportSubscription(models.Model):
    """Someone with the same problem ("me too"), told of every change."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="subscriptions")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "person"], name="me_too_once")]

    def __str__(self):
        return f"{self.person}: me too on {self.report}"


class AnswerWay(models.TextChoices):
    """How the reporter's answer came in."""

    SIGNED_IN = "signed_in", "signed in"
    EMAIL_LINK = "email_link", "by the link in an email"
    RECORDED = "recorded", "recorded by staff"


class ReportFeedback(models.Model):
    """The reporter's answer to "was it fixed?", kept apart from the staff's status. The
    note is private: staff and the reporter read it, nobody else."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="feedback")
    # The reporter's account; None for someone who reported without one.
    person = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    fixed = models.BooleanField()
    note = models.CharField(max_length=1000, blank=True)
    way = models.CharField(max_length=12, choices=AnswerWay.choices, default=AnswerWay.SIGNED_IN)
    # Staff who recorded it for the reporter (who rang, or was rung).
    entered_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.report}: {'fixed' if self.fixed else 'not fixed'}"


class UserSideCount(models.Model):
    """The users' side of a pledge, where it is measured: how often, in one month, the
    people who use the service did not keep one of their commitments (for example, repair
    visits with nobody in to give access). Counted and entered by staff, one number per
    commitment per month; entering it again corrects it. `commitment` keeps the words of
    the commitment as they stood when it was counted."""

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="user_side_counts")
    commitment = models.CharField(max_length=300)
    month = models.DateField(help_text="The first day of the month counted.")
    count = models.PositiveIntegerField(validators=[MaxValueValidator(1_000_000)])
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pledge", "commitment", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["pledge", "commitment", "month"], name="user_side_once_a_month"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="user_side_month_first_day"),
        ]

    def __str__(self):
        return f"{self.commitment}: {self.count} in {self.month:%B %Y}"
