"""Setting up a round and moving it through its phases."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError, validated_save
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Hub, Person

from .. import access
from ..models import PHASES, Feasibility, Phase, Resource, Round, Weighting
from .common import lock

# What can be changed, and until when: the ballot's rule and the shares are fixed once
# the vote opens (people vote knowing them).
DETAILS = ("title", "description", "space_name", "ideas_close_on", "vote_closes_at")
RULES = (
    "amount",
    "min_projects",
    "max_projects",
    "min_spend_percent",
    "weighting",
    "extra_share_percent",
    "most_deprived_deciles",
    "weighting_reason",
)
MAX_AMOUNT = {Resource.MONEY: 100_000_000, Resource.ROOM: 7 * 24 * 60 * 50, Resource.CHEST: 10**7}


def _check_rules(values: dict, resource: str) -> None:
    amount = values["amount"]
    if not isinstance(amount, int) or amount <= 0:
        raise ApplicationError("Say how much there is to share: more than 0.", field="amount")
    if amount > MAX_AMOUNT[resource]:
        raise ApplicationError("That is more than one round can share.", field="amount")
    low, high = values.get("min_projects"), values.get("max_projects")
    if low is not None and high is not None and low > high:
        raise ApplicationError(
            "The most projects a ballot may choose cannot be fewer than the least.",
            field="max_projects",
        )
    if high == 0:
        raise ApplicationError("A ballot must be able to choose a project.", field="max_projects")
    percent = values.get("min_spend_percent")
    if percent is not None and not 0 < percent <= 100:
        raise ApplicationError("Give a percentage from 1 to 100.", field="min_spend_percent")
    weighting = values.get("weighting", Weighting.NONE)
    if weighting not in Weighting.values:
        raise ApplicationError("Choose how shares are set.", field="weighting")
    extra = values.get("extra_share_percent", 0) or 0
    if weighting != Weighting.NONE:
        if not 0 < extra <= 300:
            raise ApplicationError(
                "Say how much larger their share is, from 1% to 300%.",
                field="extra_share_percent",
            )
        if not (values.get("weighting_reason") or "").strip():
            raise ApplicationError(
                "Say why: everyone is shown the hub's reason.", field="weighting_reason"
            )
    if not 1 <= (values.get("most_deprived_deciles") or 2) <= 5:
        raise ApplicationError("Choose from 1 to 5 deciles.", field="most_deprived_deciles")


def _check_weighting(hub: Hub, weighting: str) -> None:
    """Larger shares need the areas they are for: a decision nobody could benefit from
    would be shown to everyone and mean nothing."""
    from coproduce.involve.models import InvolvementPolicy

    if (
        weighting == Weighting.DEPRIVATION
        and not hub.neighbourhoods.filter(deprivation_decile__isnull=False).exists()
    ):
        raise ApplicationError(
            "None of this hub's areas has a deprivation decile yet: give the areas their "
            "deciles first, or choose the hub's priority areas.",
            field="weighting",
        )
    if (
        weighting == Weighting.PRIORITY
        and not InvolvementPolicy.objects.filter(hub=hub, priority_areas__isnull=False).exists()
    ):
        raise ApplicationError(
            "This hub has no priority areas yet: name them in the involvement settings first.",
            field="weighting",
        )


def _check_dates(ideas_close_on, vote_closes_at, changed: set[str]) -> None:
    """Dates set now must be to come, and the ideas must close before the vote does."""
    now = timezone.now()
    if "vote_closes_at" in changed and vote_closes_at is not None and vote_closes_at <= now:
        raise ApplicationError(
            "The vote must close later than now. To close it now, count it.",
            field="vote_closes_at",
        )
    past = ideas_close_on is not None and ideas_close_on < timezone.localdate()
    if "ideas_close_on" in changed and past:
        raise ApplicationError("Ideas must close today or later.", field="ideas_close_on")
    if ideas_close_on and vote_closes_at and timezone.localdate(vote_closes_at) < ideas_close_on:
        raise ApplicationError("The vote cannot close before ideas close.", field="vote_closes_at")


@transaction.atomic
def round_create(
    *,
    actor: Person,
    hub: Hub,
    title: str,
    resource: str,
    amount: int,
    description: str = "",
    space_name: str = "",
    ideas_close_on: datetime.date | None = None,
    vote_closes_at: datetime.datetime | None = None,
    min_projects: int | None = None,
    max_projects: int | None = None,
    min_spend_percent: int | None = None,
    weighting: str = Weighting.NONE,
    extra_share_percent: int = 0,
    most_deprived_deciles: int = 2,
    weighting_reason: str = "",
    key: str = "",
) -> Round:
    hub_access.require_coordinator(actor, hub)
    if key:
        earlier = Round.objects.filter(hub=hub, created_by=actor, key=key[:60]).first()
        if earlier is not None:
            return earlier
    if resource not in Resource.values:
        raise ApplicationError("Choose what is shared.", field="resource")
    values = {
        "amount": amount,
        "min_projects": min_projects,
        "max_projects": max_projects,
        "min_spend_percent": min_spend_percent,
        "weighting": weighting,
        "extra_share_percent": extra_share_percent if weighting != Weighting.NONE else 0,
        "most_deprived_deciles": most_deprived_deciles,
        "weighting_reason": weighting_reason.strip(),
    }
    _check_rules(values, resource)
    _check_dates(ideas_close_on, vote_closes_at, {"ideas_close_on", "vote_closes_at"})
    _check_weighting(hub, weighting)
    if not title.strip():
        raise ApplicationError("Give the round a title.", field="title")
    round_ = Round(
        hub=hub,
        title=title.strip(),
        description=description.strip(),
        resource=resource,
        space_name=space_name.strip(),
        ideas_close_on=ideas_close_on,
        vote_closes_at=vote_closes_at,
        created_by=actor,
        key=key[:60],
        **values,
    )
    validated_save(round_)
    audit(
        hub=hub,
        actor=actor,
        event=AuditKind.SPACE_ROUND_CREATED,
        subject=round_,
        new={"title": round_.title, "resource": resource, "amount": amount},
    )
    return round_


@transaction.atomic
def round_change(*, actor: Person, round_: Round, changes: dict) -> Round:
    """Change a round's details; its rule and shares only before the vote opens."""
    round_ = lock(round_)
    if not access.round_rights(hub_access.membership_of(actor, round_.hub), round_).coordinate:
        raise PermissionDenied("Only this hub's coordinators can change a round.")
    unknown = set(changes) - set(DETAILS) - set(RULES)
    if unknown:
        raise ApplicationError(f"{sorted(unknown)[0]} cannot be changed.", field=sorted(unknown)[0])
    if round_.phase not in (Phase.IDEAS, Phase.FEASIBILITY) and set(changes) & set(RULES):
        field = sorted(set(changes) & set(RULES))[0]
        raise ApplicationError(
            "The rule and the shares are fixed once the vote opens.", field=field
        )
    if round_.counted_at is not None and "vote_closes_at" in changes:
        raise ApplicationError("The vote is already counted.", field="vote_closes_at")
    old, new = {}, {}
    for name, value in changes.items():
        if isinstance(value, str):
            value = value.strip()
        if getattr(round_, name) != value:
            old[name], new[name] = str(getattr(round_, name)), str(value)
            setattr(round_, name, value)
    if not new:
        return round_
    _check_rules({name: getattr(round_, name) for name in RULES}, round_.resource)
    _check_dates(round_.ideas_close_on, round_.vote_closes_at, set(new))
    if "weighting" in new:
        _check_weighting(round_.hub, round_.weighting)
    if "amount" in new and round_.ideas.filter(cost__gt=round_.amount).exists():
        raise ApplicationError(
            "Some ideas cost more than that: the round must be able to fund each idea.",
            field="amount",
        )
    validated_save(round_)
    audit(
        hub=round_.hub,
        actor=actor,
        event=AuditKind.SPACE_ROUND_CHANGED,
        subject=round_,
        old=old,
        new=new,
    )
    return round_


def _ready_to_vote(round_: Round) -> None:
    if round_.ideas.filter(feasibility=Feasibility.PENDING).exists():
        raise ApplicationError("Check every idea first: mark each feasible or not.", field="phase")
    ballot = list(access.on_the_ballot(round_))
    if not ballot:
        raise ApplicationError("No idea is feasible: there is nothing to vote for.", field="phase")
    if round_.min_projects and len(ballot) < round_.min_projects:
        raise ApplicationError(
            f"The rule asks voters to choose at least {round_.min_projects} projects, but only "
            f"{len(ballot)} are on the ballot. Change the rule first.",
            field="phase",
        )
    if access.ballot_problem(round_, ballot) and round_.min_spend_percent:
        raise ApplicationError(
            f"All the projects on the ballot together use less than {round_.min_spend_percent}% "
            "of what is shared, so no ballot could keep the rule. Change the rule first.",
            field="phase",
        )
    if round_.vote_closes_at is not None and round_.vote_closes_at <= timezone.now():
        raise ApplicationError(
            "The vote's closing time has passed: set a new one first.", field="vote_closes_at"
        )


@transaction.atomic
def round_advance(*, actor: Person, round_: Round, to: str) -> Round:
    """Move a round on to its next phase (`to` names it, so a page sent twice moves it on
    once). Moving to the result counts the votes."""
    round_ = lock(round_)
    if not access.round_rights(hub_access.membership_of(actor, round_.hub), round_).coordinate:
        raise PermissionDenied("Only this hub's coordinators can move a round on.")
    if to == round_.phase:
        return round_  # already there: a page sent twice
    position = PHASES.index(Phase(round_.phase))
    if position + 1 >= len(PHASES) or PHASES[position + 1] != to:
        raise ApplicationError(
            f"From {round_.get_phase_display().lower()} a round moves on to "
            f"{PHASES[position + 1].label.lower() if position + 1 < len(PHASES) else 'nothing'}.",
            field="phase",
        )
    if to == Phase.VOTE:
        _ready_to_vote(round_)
    if to == Phase.RESULT:
        from .counting import count_locked

        return count_locked(actor, round_)
    old = round_.phase
    round_.phase = to
    round_.save(update_fields=["phase"])
    audit(
        hub=round_.hub,
        actor=actor,
        event=AuditKind.SPACE_ROUND_ADVANCED,
        subject=round_,
        old={"phase": old},
        new={"phase": to},
    )
    return round_
