"""Who may do what in Your Space: the one place these rules live. Services, views,
templates and the API all read them.

- Every active member of the hub sees its rounds and their ideas; a counted round's
  result page is public (totals and areas, small groups hidden, never a voter's name).
- Members propose ideas while a round takes ideas; a coordinator may enter an idea for
  someone who is not online (it is theirs, and the log says who entered it).
- Staff (and coordinators) mark ideas feasible or not, while ideas are taken or checked;
  the reason an idea is not feasible is shown to its proposer and to staff.
- Members vote while the vote is open and before it closes; a coordinator may enter a
  ballot for someone not online, or from a paper ballot (audited as theirs).
- Coordinators set up rounds, move them on, count them, may override a result only with
  a reason (shown publicly), and set funded projects up to run.
"""

import datetime
from dataclasses import dataclass
from fractions import Fraction

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from coproduce.hubs import access as hub_access
from coproduce.hubs import pickers
from coproduce.hubs.models import Hub, Membership, Person

from .models import Feasibility, Idea, Phase, Round, Weighting

SMALL_GROUP = 5  # areas with fewer voters than this are counted together, never named


@dataclass(frozen=True)
class RoundRights:
    see: bool = False
    propose: bool = False
    check: bool = False  # mark ideas feasible or not
    vote: bool = False
    coordinate: bool = False  # set up, move on, count, override, assist, deliver


def vote_is_open(round_: Round, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return round_.phase == Phase.VOTE and (
        round_.vote_closes_at is None or now < round_.vote_closes_at
    )


def round_rights(membership: Membership | None, round_: Round, now=None) -> RoundRights:
    if membership is None or not membership.is_active or membership.hub_id != round_.hub_id:
        return RoundRights()
    return RoundRights(
        see=True,
        propose=round_.phase == Phase.IDEAS
        and (round_.ideas_close_on is None or timezone.localdate() <= round_.ideas_close_on),
        check=membership.is_staff_or_above and round_.phase in (Phase.IDEAS, Phase.FEASIBILITY),
        vote=vote_is_open(round_, now),
        coordinate=membership.can_coordinate,
    )


def may_create_round(membership: Membership | None) -> bool:
    return membership is not None and membership.can_coordinate


def round_for(membership: Membership | None, hub: Hub, pk: int) -> Round:
    """The round, if this member may see it; otherwise 404."""
    if not 0 < pk < 2**63:
        raise Http404("No such round.")
    round_ = get_object_or_404(Round.objects.select_related("hub"), hub=hub, pk=pk)
    if not round_rights(membership, round_).see:
        raise Http404("No such round.")
    return round_


def public_round(hub: Hub, pk: int) -> Round:
    """A counted round, for its public result page; otherwise 404."""
    if not 0 < pk < 2**63:
        raise Http404("No such result.")
    round_ = get_object_or_404(Round.objects.select_related("hub"), hub=hub, pk=pk)
    if round_.counted_at is None:
        raise Http404("No such result.")
    return round_


def idea_for(membership: Membership | None, round_: Round, pk: int) -> Idea:
    if not 0 < pk < 2**63:
        raise Http404("No such idea.")
    idea = get_object_or_404(Idea.objects.select_related("round", "proposer"), round=round_, pk=pk)
    if not round_rights(membership, round_).see:
        raise Http404("No such idea.")
    return idea


def sees_reason(membership: Membership | None, idea: Idea) -> bool:
    """Why an idea is not feasible: for its proposer and the hub's staff."""
    if membership is None or not membership.is_active:
        return False
    return membership.person_id == idea.proposer_id or membership.is_staff_or_above


def on_the_ballot(round_: Round):
    return round_.ideas.filter(feasibility=Feasibility.FEASIBLE)


@dataclass(frozen=True)
class IdeaRights:
    deliver: bool = False  # set it up as a project or book the space
    report_progress: bool = False


def idea_rights(membership: Membership | None, idea: Idea) -> IdeaRights:
    if membership is None or not membership.is_active or membership.hub_id != idea.round.hub_id:
        return IdeaRights()
    delivering = idea.funded is True and idea.round.phase in (Phase.RESULT, Phase.DELIVERY)
    coordinate = membership.can_coordinate
    runs_it = membership.person_id == idea.proposer_id or (
        idea.project is not None and idea.project.lead_id == membership.person_id
    )
    return IdeaRights(
        deliver=delivering and coordinate,
        report_progress=delivering and (coordinate or runs_it),
    )


def may_vote_for(actor_membership: Membership, voter: Person) -> bool:
    """A member votes for themself; a coordinator for any member (someone not online, or
    a paper ballot they filled in)."""
    if actor_membership.person_id == voter.pk:
        return True
    return (
        actor_membership.can_coordinate
        and hub_access.membership_of(voter, actor_membership.hub) is not None
    )


def entering_refusal(actor_membership: Membership, voter: Person, *, paper: bool, existing) -> str:
    """Why a coordinator may not enter this ballot for someone else ("" when they may).
    A member who is online votes for themself: a coordinator enters their ballot only
    from a paper ballot they filled in, and never over a ballot they cast themself."""
    if actor_membership.person_id == voter.pk:
        return ""
    if existing is not None and existing.entered_by_id is None and existing.voter_id == voter.pk:
        return f"{voter} voted themself; their own ballot stands."
    if hub_access.manages_own_account(voter) and not paper:
        return (
            f"{voter} votes online themself. Enter a ballot for them only from a paper "
            "ballot they filled in."
        )
    return ""


def ballot_problem(round_: Round, ideas: list[Idea]) -> str | None:
    """Why this choice of ideas breaks the round's rule (None when it keeps it)."""
    if any(
        idea.round_id != round_.pk or idea.feasibility != Feasibility.FEASIBLE for idea in ideas
    ):
        return "Choose only projects on this round's ballot."
    chosen = len(ideas)
    if round_.min_projects and chosen < round_.min_projects:
        return f"Choose at least {round_.min_projects} projects."
    if round_.max_projects and chosen > round_.max_projects:
        return f"Choose at most {round_.max_projects} projects."
    if round_.min_spend_percent:
        spent = sum(idea.cost for idea in ideas)
        if spent * 100 < round_.min_spend_percent * round_.amount:
            return (
                f"Choose projects that together use at least {round_.min_spend_percent}% of "
                f"the {round_.amount_words} ({round_.words(spent)} chosen so far)."
            )
    return None


def rule_words(round_: Round) -> str:
    """The ballot's rule in plain words."""
    parts = []
    if round_.min_projects and round_.max_projects:
        if round_.min_projects == round_.max_projects:
            parts.append(f"choose {round_.min_projects} projects")
        else:
            parts.append(f"choose between {round_.min_projects} and {round_.max_projects} projects")
    elif round_.min_projects:
        parts.append(f"choose at least {round_.min_projects} projects")
    elif round_.max_projects:
        parts.append(f"choose up to {round_.max_projects} projects")
    if round_.min_spend_percent:
        parts.append(
            f"together they must use at least {round_.min_spend_percent}% of what is shared"
        )
    if not parts:
        return "Tick every project you would be glad to see, as many as you like."
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def favoured(round_: Round, decile: int | None, in_priority_area: bool) -> bool:
    if round_.weighting == Weighting.DEPRIVATION:
        return decile is not None and decile <= round_.most_deprived_deciles
    if round_.weighting == Weighting.PRIORITY:
        return in_priority_area
    return False


def weight(round_: Round, decile: int | None, in_priority_area: bool) -> Fraction:
    """A voter's share relative to an ordinary one: larger, openly, if the hub chose."""
    if favoured(round_, decile, in_priority_area) and round_.extra_share_percent:
        return 1 + Fraction(round_.extra_share_percent, 100)
    return Fraction(1)


def weighting_words(round_: Round) -> str:
    if round_.weighting == Weighting.NONE or not round_.extra_share_percent:
        return "Every voter has an equal share."
    larger = 1 + Fraction(round_.extra_share_percent, 100)
    times = "twice" if larger == 2 else f"{float(larger):g} times"
    if round_.weighting == Weighting.DEPRIVATION:
        who = (
            "voters living in the most deprived areas (deprivation deciles 1 to "
            f"{round_.most_deprived_deciles})"
        )
    else:
        who = "voters living in the hub's priority areas"
    return f"The hub decided that {who} have a share {times} as large as others."


# --- who may be chosen in Your Space's people pickers (see hubs/pickers.py) ---------------


def _coordinator(membership: Membership, _params):
    return membership.hub if membership.can_coordinate else None


def _members(hub, _context=None):
    return hub_access.active_members(hub)


pickers.register(pickers.Purpose("space-for", _coordinator, _members))
pickers.register(pickers.Purpose("space-lead", _coordinator, _members))
