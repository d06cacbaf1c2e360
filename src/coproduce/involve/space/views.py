"""Your Space's pages up to the count: a hub's rounds, setting one up and moving it on,
proposing and checking ideas, and the ballot (a member's own, or one a coordinator enters
for someone not online or from paper).

Views parse, call one service and render; who may do what is ../access.py's and
space/access.py's."""

import random

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Exists, IntegerField, OuterRef, Value, When
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone

from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Membership
from coproduce.idempotency import mark_replayed
from coproduce.views import render_form, say_saved, submit

from .. import access as involve_access
from . import access, services
from .forms import BallotForForm, BallotForm, CheckForm, IdeaForm, RoundForm
from .models import PHASES, Ballot, Feasibility, Idea, Phase, Round

PER_PAGE = 20

# Where a round is, in words, and what happens next.
PHASE_WORDS = {
    Phase.IDEAS: "Taking ideas",
    Phase.FEASIBILITY: "Staff are checking the ideas",
    Phase.VOTE: "Voting",
    Phase.RESULT: "Counted",
    Phase.DELIVERY: "Projects under way",
}
NEXT_WORDS = {
    Phase.IDEAS: "Next, staff check each idea can be done; then everyone votes.",
    Phase.FEASIBILITY: "Next, everyone votes on the ideas that can be done.",
    Phase.VOTE: "Next, the votes are counted by the Method of Equal Shares: everyone's "
    "share is spent only on projects they voted for.",
    Phase.RESULT: "Next, the funded projects are set up to run.",
    Phase.DELIVERY: "The funded projects are running.",
}
# What moving on to a phase does, for the coordinator who confirms it.
MOVE_WORDS = {
    Phase.FEASIBILITY: "No more ideas are taken; staff check the ones proposed.",
    Phase.VOTE: "The vote opens: every member can vote on the ideas marked feasible. The "
    "ballot's rule and the shares can no longer change.",
    Phase.RESULT: "The vote closes and the votes are counted. Nobody can vote or change "
    "their vote after this.",
    Phase.DELIVERY: "The funded projects are set up to run.",
}
# The next step, as the button that moves a round on names it.
STEP_NAMES = {
    Phase.FEASIBILITY: "Checking ideas",
    Phase.VOTE: "Voting",
    Phase.RESULT: "The count",
    Phase.DELIVERY: "Delivery",
}
STATUS_WORDS = {
    Feasibility.PENDING: "Not checked yet",
    Feasibility.FEASIBLE: "On the ballot",
    Feasibility.NOT_FEASIBLE: "Not feasible",
}


def when_words(moment) -> str:
    return dateformat.format(timezone.localtime(moment), "l j F Y \\a\\t H:i")


def next_phase(round_: Round) -> Phase | None:
    position = PHASES.index(Phase(round_.phase))
    return PHASES[position + 1] if position + 1 < len(PHASES) else None


def _posted(request):
    """What was sent, or None for a GET (an empty POST, like a ballot with nothing
    ticked, is still a form sent)."""
    return request.POST if request.method == "POST" else None


def round_of(request, slug, pk):
    hub, membership = involve_access.hub_and_membership(request.user, slug)
    round_ = access.round_for(membership, hub, pk)
    return round_, membership, access.round_rights(membership, round_)


def _coordinate(request, slug, pk):
    round_, membership, rights = round_of(request, slug, pk)
    if not rights.coordinate:
        raise PermissionDenied("Only this hub's coordinators can do this.")
    return round_, membership, rights


def _page(round_: Round) -> str:
    return reverse("space-round", args=[round_.hub.slug, round_.pk])


def _refield(form, error: ApplicationError) -> ApplicationError:
    """The service's field, as the form names it."""
    error.field = form.field_for(error.field)
    return error


def _ideas(round_: Round, queryset=None) -> list[Idea]:
    """The round's ideas, each knowing its round (so none asks for it again)."""
    ideas = list(queryset if queryset is not None else round_.ideas.select_related("proposer"))
    for idea in ideas:
        idea.round = round_
    return ideas


# --- the rounds ----------------------------------------------------------------------------


@login_required
def round_list(request, slug):
    hub, membership = involve_access.hub_and_membership(request.user, slug)
    finished = Case(
        When(phase__in=[Phase.RESULT, Phase.DELIVERY], then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    found = Round.objects.filter(hub=hub).order_by(
        finished,
        "-created_at",
        "-id",
    )
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    for round_ in page:
        round_.hub = hub
        rights = access.round_rights(membership, round_)
        rows.append(
            {
                "round": round_,
                "phase": PHASE_WORDS[round_.phase],
                "rights": rights,
                "closes": when_words(round_.vote_closes_at)
                if rights.vote and round_.vote_closes_at
                else "",
            }
        )
    return render(
        request,
        "involve/space/rounds.html",
        {
            "hub": hub,
            "rows": rows,
            "page": page,
            "can_create": access.may_create_round(membership),
        },
    )


def _round_form_page(request, form, hub, *, title, submit_label, cancel_url):
    return render_form(
        request,
        form,
        title=title,
        intro="Share room-hours a week, a budget or hours from the community chest among "
        "projects members propose and vote for.",
        submit_label=submit_label,
        cancel_url=cancel_url,
        hub=hub,
    )


@login_required
def round_new(request, slug):
    hub, membership = involve_access.hub_and_membership(request.user, slug)
    if not access.may_create_round(membership):
        raise PermissionDenied("Only this hub's coordinators can set up a round.")
    form = RoundForm(_posted(request))
    started = timezone.now()

    def create(data):
        values = form.values()
        if values is None:
            return None
        try:
            round_ = services.round_create(
                actor=request.user,
                hub=hub,
                resource=data["resource"],
                key=data["key"] or "",
                **values,
            )
        except ApplicationError as error:
            raise _refield(form, error) from None
        if round_.created_at < started:
            mark_replayed(round_)  # the same form sent twice
        return round_

    round_ = submit(request, form, create)
    if round_ and not form.errors:
        say_saved(request, round_, "The round is open for ideas.")
        return redirect(_page(round_))
    return _round_form_page(
        request,
        form,
        hub,
        title="New round",
        submit_label="Open the round for ideas",
        cancel_url=reverse("space-rounds", args=[hub.slug]),
    )


@login_required
def round_change(request, slug, pk):
    round_, _membership, _rights = _coordinate(request, slug, pk)
    rules = round_.phase in (Phase.IDEAS, Phase.FEASIBILITY)
    closes = timezone.localtime(round_.vote_closes_at) if round_.vote_closes_at else None
    initial = {
        "title": round_.title,
        "description": round_.description,
        "space_name": round_.space_name,
        "ideas_close_on": round_.ideas_close_on,
        "vote_closes_on": closes.date() if closes else None,
        "vote_closes_time": closes.time() if closes else None,
        "hours": round_.amount // 60,
        "minutes": round_.amount % 60,
        "pounds": round_.amount,
        "min_projects": round_.min_projects,
        "max_projects": round_.max_projects,
        "min_spend_percent": round_.min_spend_percent,
        "weighting": round_.weighting,
        "extra_share_percent": round_.extra_share_percent or None,
        "most_deprived_deciles": round_.most_deprived_deciles,
        "weighting_reason": round_.weighting_reason,
    }
    form = RoundForm(_posted(request), initial=initial, round_=round_, rules=rules)

    def change(_data):
        values = form.values()
        if values is None:
            return None
        try:
            return services.round_change(actor=request.user, round_=round_, changes=values)
        except ApplicationError as error:
            raise _refield(form, error) from None

    if submit(request, form, change) and not form.errors:
        messages.success(request, "Saved.")
        return redirect(_page(round_))
    return _round_form_page(
        request,
        form,
        round_.hub,
        title=f"Change: {round_.title}",
        submit_label="Save",
        cancel_url=_page(round_),
    )


# --- one round -----------------------------------------------------------------------------


def not_voted_offline(round_: Round):
    """Members not online who have no ballot in this round yet, by name."""
    voted = Ballot.objects.filter(round=round_, voter=OuterRef("person_id"))
    return (
        Membership.objects.filter(hub=round_.hub, is_active=True)
        .filter(hub_access.not_managing_own_account())
        .exclude(Exists(voted))
        .select_related("person", "neighbourhood")
        .order_by("person__display_name", "person_id")
    )


@login_required
def round_detail(request, slug, pk):
    round_, membership, rights = round_of(request, slug, pk)
    ideas = _ideas(round_)
    rows = [
        {
            "idea": idea,
            "status": STATUS_WORDS[idea.feasibility],
            "reason": idea.feasibility_reason if access.sees_reason(membership, idea) else "",
            "mine": idea.proposer_id == request.user.pk,
        }
        for idea in ideas
    ]
    context = {
        "hub": round_.hub,
        "round": round_,
        "rights": rights,
        "rows": rows,
        "phase": PHASE_WORDS[round_.phase],
        "next_words": NEXT_WORDS[round_.phase],
        "rule": access.rule_words(round_),
        "weighted": round_.weighting != "none" and round_.extra_share_percent,
        "weighting": access.weighting_words(round_),
        "next": next_phase(round_),
        "next_name": STEP_NAMES.get(next_phase(round_), ""),
        "on_ballot": sum(1 for idea in ideas if idea.feasibility == Feasibility.FEASIBLE),
        "pending": sum(1 for idea in ideas if idea.feasibility == Feasibility.PENDING),
        "closes": when_words(round_.vote_closes_at) if round_.vote_closes_at else "",
        "voted": Ballot.objects.filter(round=round_, voter=request.user).exists()
        if round_.phase == Phase.VOTE
        else False,
    }
    if rights.coordinate and round_.phase == Phase.VOTE:
        context["ballots"] = Ballot.objects.filter(round=round_).count()
        context["offline"] = Paginator(not_voted_offline(round_), PER_PAGE).get_page(
            request.GET.get("page")
        )
    return render(request, "involve/space/round.html", context)


@login_required
def round_advance(request, slug, pk):
    """Move the round on, after a page that says what that does (a POST, confirmed)."""
    round_, _membership, _rights = _coordinate(request, slug, pk)
    to = next_phase(round_)
    status = 200
    if request.method == "POST":
        wanted = str(request.POST.get("to", ""))[:20]
        try:
            round_ = services.round_advance(actor=request.user, round_=round_, to=wanted)
        except ApplicationError as error:
            messages.error(request, error.for_people)
            status = 400
        else:
            if round_.phase == Phase.RESULT:
                messages.success(request, "The vote is closed and counted.")
                return redirect("space-result", round_.hub.slug, round_.pk)
            messages.success(request, f"{round_.title}: {PHASE_WORDS[round_.phase].lower()}.")
            return redirect(_page(round_))
    return render(
        request,
        "involve/space/advance.html",
        {
            "hub": round_.hub,
            "round": round_,
            "to": to,
            "to_words": STEP_NAMES[to] if to else "",
            "what": MOVE_WORDS.get(to, ""),
            "phase": PHASE_WORDS[round_.phase],
        },
        status=status,
    )


# --- ideas -----------------------------------------------------------------------------------


@login_required
def idea_new(request, slug, pk):
    round_, _membership, rights = round_of(request, slug, pk)
    if not rights.propose:
        raise PermissionDenied("This round is not taking ideas now.")
    form = IdeaForm(_posted(request), round_=round_, coordinate=rights.coordinate)
    started = timezone.now()

    def propose(data):
        cost = form.amount(round_.resource)
        if cost is None:
            return None
        try:
            idea = services.idea_propose(
                actor=request.user,
                round_=round_,
                title=data["title"],
                description=data["description"],
                cost=cost,
                run_by=data["run_by"],
                proposer=data.get("proposer"),
                key=data["key"] or "",
            )
        except ApplicationError as error:
            raise _refield(form, error) from None
        if idea.created_at < started:
            mark_replayed(idea)  # the same form sent twice
        return idea

    idea = submit(request, form, propose)
    if idea and not form.errors:
        whose = "" if idea.proposer_id == request.user.pk else f" for {idea.proposer}"
        say_saved(request, idea, f"Your idea is proposed{whose}. Staff check it can be done next.")
        return redirect(_page(round_))
    return render_form(
        request,
        form,
        title=f"Propose an idea: {round_.title}",
        intro=f"A project for the {round_.amount_words}"
        + (f" in the {round_.space_name}" if round_.space_name else "")
        + ". Staff check each idea can be done; then everyone votes.",
        submit_label="Propose it",
        cancel_url=_page(round_),
        hub=round_.hub,
    )


def idea_of(request, slug, pk, idea_id):
    round_, membership, rights = round_of(request, slug, pk)
    idea = access.idea_for(membership, round_, idea_id)
    idea.round = round_
    return idea, membership, rights


@login_required
def idea_detail(request, slug, pk, idea_id):
    idea, membership, rights = idea_of(request, slug, pk, idea_id)
    return render(
        request,
        "involve/space/idea.html",
        {
            "hub": idea.round.hub,
            "round": idea.round,
            "idea": idea,
            "rights": rights,
            "status": STATUS_WORDS[idea.feasibility],
            "reason": idea.feasibility_reason if access.sees_reason(membership, idea) else "",
            "idea_rights": access.idea_rights(membership, idea),
        },
    )


@login_required
def idea_check(request, slug, pk, idea_id):
    idea, _membership, rights = idea_of(request, slug, pk, idea_id)
    if not rights.check:
        raise PermissionDenied("Only staff can check ideas, before the vote opens.")
    initial = {}
    if idea.feasibility != Feasibility.PENDING:
        initial = {
            "feasible": "yes" if idea.feasibility == Feasibility.FEASIBLE else "no",
            "reason": idea.feasibility_reason,
        }
    form = CheckForm(_posted(request), initial=initial)

    def check(data):
        feasible = data["feasible"] == "yes"
        if not feasible and not data["reason"].strip():
            form.add_error("reason", "Say why it is not feasible: the proposer is told.")
            return None
        return services.idea_check(
            actor=request.user, idea=idea, feasible=feasible, reason=data["reason"]
        )

    if submit(request, form, check) and not form.errors:
        messages.success(request, f"{idea.title}: saved, and {idea.proposer} is told.")
        return redirect(_page(idea.round))
    return render_form(
        request,
        form,
        title=f"Check: {idea.title}",
        intro=f"It needs {idea.cost_words}; run by {idea.run_by}. {idea.description}",
        submit_label="Save",
        cancel_url=_page(idea.round),
        hub=idea.round.hub,
    )


# --- ballots ---------------------------------------------------------------------------------


def ballot_order(round_: Round, person) -> list[Idea]:
    """The ideas on the ballot, in this voter's own order: random, but the same each time
    they look."""
    ideas = _ideas(round_, access.on_the_ballot(round_).order_by("pk"))
    random.Random(f"{round_.seed}:{person.pk}").shuffle(ideas)
    return ideas


def chosen_ids(round_: Round, voter) -> list[str]:
    through = Ballot.ideas.through.objects.filter(ballot__round=round_, ballot__voter=voter)
    return [str(pk) for pk in through.values_list("idea_id", flat=True)]


@login_required
def ballot(request, slug, pk):
    round_, _membership, rights = round_of(request, slug, pk)
    closes = when_words(round_.vote_closes_at) if round_.vote_closes_at else ""
    ideas = ballot_order(round_, request.user) if rights.vote or request.method == "POST" else []
    mine = chosen_ids(round_, request.user)
    form = BallotForm(_posted(request), ideas=ideas, initial={"ideas": mine})

    def cast(data):
        return services.ballot_cast(actor=request.user, round_=round_, ideas=data["ideas"])

    # After the close (or before the vote opens) the service says so on the form.
    if submit(request, form, cast):
        until = f" until the vote closes on {closes}" if closes else " until the vote closes"
        messages.success(request, f"Your vote is saved. You can change it{until}.")
        return redirect(_page(round_))
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "involve/space/ballot.html",
        {
            "hub": round_.hub,
            "round": round_,
            "rights": rights,
            "form": form,
            "ideas": [(idea, str(idea.pk) in (form["ideas"].value() or [])) for idea in ideas],
            "rule": access.rule_words(round_),
            "weighting": access.weighting_words(round_),
            "closes": closes,
            "voted": bool(mine),
            "phase": PHASE_WORDS[round_.phase],
        },
        status=status,
    )


@login_required
def ballot_for(request, slug, pk):
    """A coordinator enters a ballot for a member not online, or from a paper ballot."""
    round_, _membership, rights = _coordinate(request, slug, pk)
    if not rights.vote:
        raise PermissionDenied("The vote is not open.")
    ideas = _ideas(round_, access.on_the_ballot(round_).order_by("pk"))
    initial = {}
    asked = str(request.GET.get("voter", ""))
    if asked.isdigit() and 0 < int(asked) < 2**63:
        initial["voter"] = int(asked)
    form = BallotForForm(_posted(request), ideas=ideas, round_=round_, initial=initial)

    def cast(data):
        return services.ballot_cast(
            actor=request.user,
            round_=round_,
            ideas=data["ideas"],
            voter=data["voter"],
            paper=data["paper"],
        )

    ballot_ = submit(request, form, cast)
    if ballot_:
        how = "paper ballot" if ballot_.paper else "ballot"
        messages.success(request, f"The {how} for {ballot_.voter} is saved.")
        return redirect(_page(round_))
    return render_form(
        request,
        form,
        title=f"Enter a ballot: {round_.title}",
        intro=f"{access.rule_words(round_)} Entering a ballot for someone who has voted "
        "replaces theirs. The log records that you entered it.",
        submit_label="Save their ballot",
        cancel_url=_page(round_),
        hub=round_.hub,
    )
