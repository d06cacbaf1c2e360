"""Your Space: a hub shares a resource (hours a week in a shared space, a budget, or
hours from the community chest) among projects its members propose and vote for.

A round moves through its phases: ideas (anyone proposes a project, its cost and who will
run it), feasibility (staff mark each idea feasible, or not with a reason the proposer
sees), vote (approval ballots under the round's rule), result (the Method of Equal
Shares, with greedy counting beside it) and delivery (funded projects become projects
with a lead and a rota, or bookings of the space). Every change goes through
coproduce.involve.space.services; who may do what is in space/access.py.

Amounts are whole units of the resource: minutes for time, pounds for money.
"""

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone

from coproduce.hubs.models import Hub, Person
from coproduce.timebank.models import format_minutes


class Resource(models.TextChoices):
    ROOM = "room", "Hours a week in a shared space"
    MONEY = "money", "A budget in pounds"
    CHEST = "chest", "Hours from the community chest"


def amount_words(resource: str, amount: int) -> str:
    """An amount of the resource in plain words: "20 h a week", "£1,500", "3 h 30 min"."""
    if resource == Resource.MONEY:
        return f"£{amount:,}"
    words = format_minutes(amount)
    return f"{words} a week" if resource == Resource.ROOM else words


class Phase(models.TextChoices):
    IDEAS = "ideas", "Ideas"
    FEASIBILITY = "feasibility", "Checking ideas"
    VOTE = "vote", "Voting"
    RESULT = "result", "Result"
    DELIVERY = "delivery", "Delivery"


PHASES = list(Phase)


class Weighting(models.TextChoices):
    NONE = "none", "An equal share for every voter"
    DEPRIVATION = "deprivation", "Larger shares for voters in the most deprived areas"
    PRIORITY = "priority", "Larger shares for voters in the hub's priority areas"


def new_seed() -> str:
    return secrets.token_hex(8)


class Round(models.Model):
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="space_rounds")
    title = models.CharField(max_length=120)
    description = models.TextField(max_length=3000, blank=True)
    resource = models.CharField(max_length=8, choices=Resource.choices)
    amount = models.PositiveIntegerField(
        help_text="What is shared, in minutes (time) or whole pounds (money)."
    )
    space_name = models.CharField(
        max_length=120, blank=True, help_text="The shared space, like 'Community room'."
    )
    phase = models.CharField(max_length=12, choices=Phase.choices, default=Phase.IDEAS)
    ideas_close_on = models.DateField(null=True, blank=True)
    vote_closes_at = models.DateTimeField(
        null=True, blank=True, help_text="No ballot is taken after this."
    )
    # The ballot's rule: choose at least / at most this many, or spend at least this
    # share of the resource (empty: no limit).
    min_projects = models.PositiveSmallIntegerField(null=True, blank=True)
    max_projects = models.PositiveSmallIntegerField(null=True, blank=True)
    min_spend_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    # A hub decision shown to everyone: larger shares for some voters.
    weighting = models.CharField(max_length=12, choices=Weighting.choices, default=Weighting.NONE)
    extra_share_percent = models.PositiveSmallIntegerField(
        default=0, help_text="How much larger their share is: 50 means one and a half times."
    )
    most_deprived_deciles = models.PositiveSmallIntegerField(
        default=2, help_text="Deciles counted as most deprived: 2 means deciles 1 and 2."
    )
    weighting_reason = models.CharField(max_length=300, blank=True)
    # Seeds each voter's order of the projects and the draw that breaks full ties.
    seed = models.CharField(max_length=32, default=new_seed)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    key = models.CharField(max_length=60, blank=True)
    # The count: both rules' outcomes as the public page shows them.
    counted_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    override_reason = models.TextField(max_length=2000, blank=True)
    overridden_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overridden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(phase__in=[p.value for p in Phase]), name="space_round_phase_valid"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="space_round_amount_positive"),
        ]

    def __str__(self):
        return self.title

    @property
    def amount_words(self) -> str:
        return amount_words(self.resource, self.amount)

    def words(self, amount: int) -> str:
        return amount_words(self.resource, amount)

    @property
    def is_time(self) -> bool:
        return self.resource != Resource.MONEY


class Feasibility(models.TextChoices):
    PENDING = "pending", "Not checked yet"
    FEASIBLE = "feasible", "Feasible"
    NOT_FEASIBLE = "not_feasible", "Not feasible"


class Idea(models.Model):
    """A project proposed for a round: what it is, what it costs and who will run it."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="ideas")
    title = models.CharField(max_length=120)
    description = models.TextField(max_length=2000)
    cost = models.PositiveIntegerField(help_text="In the round's unit: minutes or pounds.")
    run_by = models.CharField(max_length=200, help_text="Who will run it, in their words.")
    proposer = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="space_ideas")
    entered_by = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The coordinator who entered it for someone not online.",
    )
    feasibility = models.CharField(
        max_length=14, choices=Feasibility.choices, default=Feasibility.PENDING
    )
    feasibility_reason = models.TextField(max_length=1000, blank=True)
    checked_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    key = models.CharField(max_length=60, blank=True)
    # Set by the count (and `funded` by an override with its reason).
    votes = models.PositiveIntegerField(default=0)
    funded = models.BooleanField(null=True, blank=True)
    funded_by_count = models.BooleanField(null=True, blank=True)
    funded_by_greedy = models.BooleanField(null=True, blank=True)
    needed = models.PositiveIntegerField(
        null=True, blank=True, help_text="More supporters it needed to be funded."
    )
    # Delivery: a project with a lead and a rota, and what has happened so far.
    project = models.ForeignKey(
        "referrals.Project", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    progress = models.TextField(max_length=2000, blank=True)
    progress_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(cost__gt=0), name="space_idea_cost")]

    def __str__(self):
        return self.title

    @property
    def cost_words(self) -> str:
        return amount_words(self.round.resource, self.cost)


class Ballot(models.Model):
    """One member's approval ballot in a round (changeable until the vote closes)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="ballots")
    # Empty only for ballots imported from a pabulib file, known by their voter id there.
    voter = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="space_ballots"
    )
    imported_id = models.CharField(max_length=60, blank=True)
    ideas = models.ManyToManyField(Idea, blank=True, related_name="ballots")
    # Where the voter lives, as the hub knows it when they vote (for "who took part").
    area = models.CharField(max_length=80, blank=True)
    entered_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paper = models.BooleanField(default=False, help_text="Entered from a paper ballot.")
    cast_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(default=timezone.now)
    # After the count: this voter's share and how it was spent, {"share": "a/b",
    # "weight": "a/b", "paid": [[idea id, "a/b"], ...]}.
    spent = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["cast_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "voter"], name="space_one_ballot_each")
        ]

    def __str__(self):
        return f"Ballot by {self.voter} in {self.round}"


class Booking(models.Model):
    """A funded project's weekly time in the shared space."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="bookings")
    weekday = models.PositiveSmallIntegerField(help_text="0 is Monday.")
    starts = models.TimeField()
    minutes = models.PositiveIntegerField()
    first_date = models.DateField()
    last_date = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["weekday", "starts", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="space_booking_weekday"),
            models.CheckConstraint(condition=Q(minutes__gt=0), name="space_booking_minutes"),
        ]

    def __str__(self):
        return f"{self.idea} weekly booking"
