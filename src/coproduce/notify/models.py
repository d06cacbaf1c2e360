"""What a person is told: each notification, how they want each kind delivered, and the
digests that gathered the ones they wanted in a daily or weekly email."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from coproduce.hubs.models import Hub, Person


class Delivery(models.TextChoices):
    NOW = "now", "By email straight away"
    DAILY = "daily", "In a daily email"
    WEEKLY = "weekly", "In a weekly email"
    NEVER = "never", "Only on the website"


class Kind(models.TextChoices):
    """What a notification is about. Each person chooses a delivery per kind; DEFAULTS
    below says what they get until they choose."""

    MESSAGE = "message", "Messages and proposals"
    EXCHANGE = "exchange", "Exchanges agreed, confirmed or called off"
    CONFIRM = "confirm", "Hours for you to confirm"
    DISPUTE = "dispute", "Disputed hours"
    APPROVAL = "approval", "Decisions that need a second coordinator"
    OFFER = "offer", "Requests to help someone"
    REFERRAL = "referral", "New referrals and offers turned down"
    REFERRAL_PROGRESS = "referral_progress", "Progress of people you referred"
    ROTA = "rota", "Rota gaps and changes"
    PROJECT = "project", "Project news"
    ESCALATION = "escalation", "Escalations"
    MODERATION = "moderation", "Moderation of what you wrote"
    MEMBERSHIP = "membership", "Requests to join a hub, and their answers"
    REPORT = "report", "Problems you reported, or said “me too” to"
    REPORT_STAFF = "report_staff", "New and overdue reports for your team"
    EXPORT = "export", "Files you asked for, when they are ready"
    INVOLVEMENT = "involvement", "Your places on involvement: offers, reminders and changes"
    INVOLVEMENT_NEWS = "involvement_news", "New ways to be involved, and your involvement pack"
    SPACE = "space", "Your Space: your ideas, and rounds to vote in"
    HEALTH_CHECK = "health_check", "Health checks of how the hub works together"
    ACCOUNT = "account", "Your account: warnings before it is cleared, and erasures"


# Straight away for what needs someone to act; a daily email for news.
DEFAULTS: dict[str, str] = {kind: Delivery.NOW for kind in Kind} | {
    Kind.REFERRAL_PROGRESS: Delivery.DAILY,
    Kind.MODERATION: Delivery.DAILY,
}


class Digest(models.Model):
    """One daily or weekly email to one person, covering [period_start, period_end).

    Unique per person, frequency and period end, so two senders running at once cannot
    both send the same digest; each notification points at the one digest that took it.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="digests")
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_end", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "delivery", "period_end"], name="digest_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(delivery__in=["daily", "weekly"]), name="digest_daily_or_weekly"
            ),
        ]

    def __str__(self):
        return f"{self.get_delivery_display()} for {self.person} to {self.period_end:%Y-%m-%d}"


class Notification(models.Model):
    """Something that concerns one person, in their "What's new" list and emailed as they
    chose when it was made (`delivery` is fixed then, so a digest's contents never depend
    on when it runs). `for_person` is set when it was passed to a coordinator because the
    person it concerns is not online."""

    recipient = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notifications")
    for_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    hub = models.ForeignKey(Hub, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    digest = models.ForeignKey(
        Digest, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recent"),
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(
                fields=["delivery", "created_at"],
                condition=Q(digest__isnull=True, delivery__in=["daily", "weekly"]),
                name="notification_awaiting_digest",
            ),
        ]

    def __str__(self):
        return f"{self.subject} (to {self.recipient})"


class Preference(models.Model):
    """How one person wants one kind delivered; no row means the default."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self):
        return f"{self.person}: {self.kind} {self.delivery}"
