"""Insight and people's data: area statistics, each hub's insight settings, voluntary
equality monitoring, the co-production health check, personal data exports, erasures
and the warnings before an inactive account is cleared.

Every change of state goes through coproduce.insight.services, which writes the audit
log; nothing else calls save() on these models.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from coproduce.hubs.models import Hub, Person

# --- geography -------------------------------------------------------------------------


class AreaKind(models.TextChoices):
    SMALL_AREA = "lsoa", "Small area (LSOA)"
    DISTRICT = "district", "Postcode district"


class AreaStat(models.Model):
    """An official area's deprivation decile and population, loaded by `coproduce
    geography import` for every hub to share. Only area codes are kept, never a full
    postcode: a postcode district's figures are made from its small areas."""

    kind = models.CharField(max_length=10, choices=AreaKind.choices)
    code = models.CharField(max_length=12)  # "E01000001", or a district such as "MB1"
    deprivation_decile = models.PositiveSmallIntegerField()  # 1 is the most deprived tenth
    population = models.PositiveIntegerField()
    source = models.CharField(max_length=200, help_text="The files it was made from.")
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="areastat_unique_code"),
            models.CheckConstraint(
                condition=Q(deprivation_decile__gte=1, deprivation_decile__lte=10),
                name="areastat_decile_1_to_10",
            ),
        ]

    def __str__(self):
        return f"{self.code} (decile {self.deprivation_decile})"


# --- each hub's settings -----------------------------------------------------------------


class Valuation(models.TextChoices):
    MEDIAN = "median", "Median hourly earnings"
    MINIMUM = "minimum", "The legal minimum wage (a floor)"
    ROLE = "role", "A wage matched to each kind of help"


class InsightSettings(models.Model):
    """How a hub values its hours, what it shows the public, and its catchment."""

    hub = models.OneToOneField(Hub, on_delete=models.CASCADE, related_name="insight_settings")
    valuation = models.CharField(
        max_length=10, choices=Valuation.choices, default=Valuation.MINIMUM
    )
    # Pence an hour for each kind of help (category id -> pence) when valuing by role.
    role_rates = models.JSONField(default=dict, blank=True)
    public_summary = models.BooleanField(
        default=False, help_text="Show a summary of the hub's figures to anyone."
    )
    # Postcode districts the hub serves, for hubs whose members give a postcode district
    # rather than one of the hub's own areas.
    catchment_districts = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Insight settings of {self.hub}"


# --- voluntary equality monitoring -------------------------------------------------------


class EqualityAnswers(models.Model):
    """What a person chose to say about themselves, with their consent. Shown only in
    aggregate, any group under five hidden; the person may change or delete it."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="equality")
    age_band = models.CharField(max_length=12, blank=True)
    disability = models.CharField(max_length=20, blank=True)
    ethnicity = models.CharField(max_length=40, blank=True)
    carer = models.CharField(max_length=20, blank=True)
    consented_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return "Equality monitoring answers"


# --- the co-production health check ------------------------------------------------------


class HealthCheck(models.Model):
    """One round of the self-assessment in a hub, taken separately by staff and users."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="health_checks")
    title = models.CharField(max_length=120)
    opens_on = models.DateField()
    closes_on = models.DateField()
    opened_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")),
                name="healthcheck_closes_after_opening",
            )
        ]

    def __str__(self):
        return self.title


class Side(models.TextChoices):
    STAFF = "staff", "Staff"
    USERS = "users", "People who use the service"


class HealthCheckResponse(models.Model):
    """One person's answers: {question key: 1-5}; `side` is fixed when they answer."""

    health_check = models.ForeignKey(
        HealthCheck, on_delete=models.CASCADE, related_name="responses"
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    side = models.CharField(max_length=6, choices=Side.choices)
    answers = models.JSONField(default=dict)
    comment = models.TextField(blank=True, max_length=2000)
    entered_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["health_check", "person"], name="healthcheck_one_each")
        ]

    def __str__(self):
        return f"Answers to {self.health_check}"


# --- people's data -----------------------------------------------------------------------


class ExportStatus(models.TextChoices):
    WAITING = "waiting", "Being made"
    READY = "ready", "Ready"
    FAILED = "failed", "Could not be made"


class PersonalExport(models.Model):
    """A zip of everything about a person, made by a task, downloadable by them alone
    through a short-lived link behind sign-in."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=ExportStatus.choices)
    token = models.CharField(max_length=64, unique=True)
    file_name = models.CharField(max_length=200, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    requested_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"Data export of {self.requested_at:%Y-%m-%d}"


class FormerMember(models.Model):
    """The pseudonym an erased person goes by in one hub: "Former member 4F7K". Each
    hub has its own, so two hubs cannot tell they held the same person."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    pseudonym = models.CharField(max_length=40)
    erased_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hub", "pseudonym"], name="formermember_unique"),
            models.UniqueConstraint(fields=["hub", "person"], name="formermember_one_each"),
        ]

    def __str__(self):
        return self.pseudonym


class Erasure(models.Model):
    """That a person was erased, when, how asked and by whom: never who they were."""

    class Route(models.TextChoices):
        SELF = "self", "Deleted their own account"
        COORDINATOR = "coordinator", "Asked a coordinator (not online)"
        OPERATOR = "operator", "By the site's operator"
        INACTIVE = "inactive", "Cleared after a long time without signing in"

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="+")
    route = models.CharField(max_length=12, choices=Route.choices)
    requested_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    how_asked = models.CharField(max_length=200, blank=True)
    erased_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Erased {self.erased_at:%Y-%m-%d}"


class InactivityWarning(models.Model):
    """A warning that an inactive account will be cleared: 30 days and 7 days before."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    days_before = models.PositiveSmallIntegerField()  # 30 or 7
    clear_on = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "days_before", "clear_on"], name="inactivity_warned_once"
            )
        ]

    def __str__(self):
        return f"Warned {self.days_before} days before {self.clear_on}"
