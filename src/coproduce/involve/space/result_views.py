"""Your Space's pages after the vote: the result (public once counted, explaining itself,
and to a voter how their share was spent), overriding it with a reason, setting funded
projects up to run (a project with a lead and a rota, weekly bookings of the space, what
has happened so far), and the ballots as open data (a pabulib file out, and in).

Views parse, call one service and render; who may do what is space/access.py's."""

import random

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Hub
from coproduce.involve import pabulib
from coproduce.involve.access import hub_and_membership
from coproduce.views import render_form, say_saved, submit

from . import access, explain, services
from .models import Ballot, Feasibility, Idea, Resource
from .result_forms import BookForm, DeliverForm, ImportForm, OverrideForm, ProgressForm


def _round(request, slug, pk):
    hub, membership = hub_and_membership(request.user, slug)
    round_ = access.round_for(membership, hub, pk)
    return hub, membership, round_


def _coordinating(request, slug, pk):
    hub, membership, round_ = _round(request, slug, pk)
    if not access.round_rights(membership, round_).coordinate:
        raise PermissionDenied("Only this hub's coordinators can do this.")
    return hub, membership, round_


def _idea(request, slug, pk, idea_id):
    hub, membership, round_ = _round(request, slug, pk)
    idea = access.idea_for(membership, round_, idea_id)
    return hub, membership, idea, access.idea_rights(membership, idea)


def _ballot_ideas(round_):
    return list(
        Idea.objects.filter(round=round_, feasibility=Feasibility.FEASIBLE).order_by(
            "-funded", "-votes", "cost", "pk"
        )
    )


def _result_url(round_) -> str:
    return reverse("space-result", args=[round_.hub.slug, round_.pk])


def _idea_url(idea) -> str:
    return reverse("space-idea", args=[idea.round.hub.slug, idea.round_id, idea.pk])


# --- the result ---------------------------------------------------------------------------


def result(request, slug, pk):
    """Public once the votes are counted: anyone may check what was decided and why."""
    hub = get_object_or_404(Hub, slug=slug)
    round_ = access.public_round(hub, pk)
    membership = (
        hub_access.membership_of(request.user, hub) if request.user.is_authenticated else None
    )
    ideas = _ballot_ideas(round_)
    yours = None
    if membership is not None and membership.is_active:
        ballot = Ballot.objects.filter(round=round_, voter=request.user).first()
        if ballot is not None:
            chosen = set(ballot.ideas.values_list("pk", flat=True))
            yours = explain.spent(round_, ballot, ideas, chosen)
    rights = access.round_rights(membership, round_)
    return render(
        request,
        "involve/space/result.html",
        {
            "hub": hub,
            "round": round_,
            "explained": explain.explain(round_, ideas),
            "weighting": access.weighting_words(round_),
            "yours": yours,
            "rights": rights,
            "small": access.SMALL_GROUP,
        },
    )


@login_required
def override(request, slug, pk):
    hub, _membership, round_ = _coordinating(request, slug, pk)
    if round_.counted_at is None:
        raise PermissionDenied("The votes are not counted yet.")
    ideas = _ballot_ideas(round_)
    form = OverrideForm(
        request.POST or None,
        ideas=ideas,
        initial={"funded": [idea.pk for idea in ideas if idea.funded]},
    )

    def save(data):
        chosen = set(data["funded"])
        return services.round_override(
            actor=request.user,
            round_=round_,
            funded=[idea for idea in ideas if idea.pk in chosen],
            reason=data["reason"],
        )

    if submit(request, form, save):
        messages.success(request, "Saved: the result page shows the change and your reason.")
        return redirect(_result_url(round_))
    return render_form(
        request,
        form,
        title=f"Change the result of {round_.title}",
        intro=(
            f"The count funded what is ticked. {round_.amount_words} is shared. Change it "
            "only for a reason you can give everyone: it is shown on the public result page."
        ),
        submit_label="Change the result",
        cancel_url=_result_url(round_),
        hub=hub,
    )


# --- delivery -----------------------------------------------------------------------------


@login_required
def idea_deliver(request, slug, pk, idea_id):
    hub, _membership, idea, rights = _idea(request, slug, pk, idea_id)
    if not rights.deliver:
        raise PermissionDenied("Only a coordinator can set up a funded project.")
    if idea.project_id:
        return redirect(reverse("project", args=[hub.slug, idea.project_id]))
    form = DeliverForm(request.POST or None, hub=hub)
    saved = submit(
        request,
        form,
        lambda data: services.idea_deliver(
            actor=request.user, idea=idea, lead=data["lead"], roles=data["roles"]
        ),
    )
    if saved:
        say_saved(request, saved, f"{idea.title} is set up as a project: add its rota here.")
        return redirect(reverse("project", args=[hub.slug, saved.project_id]))
    return render_form(
        request,
        form,
        title=f"Set up {idea.title} to run",
        intro=(
            f"It becomes a project with a lead and a rota (its slots, and who is on each), "
            f"on the projects pages. It won {idea.cost_words}."
        ),
        submit_label="Set it up",
        cancel_url=_idea_url(idea),
        hub=hub,
    )


@login_required
def idea_book(request, slug, pk, idea_id):
    hub, _membership, idea, rights = _idea(request, slug, pk, idea_id)
    if not rights.deliver:
        raise PermissionDenied("Only a coordinator can book the space.")
    if idea.round.resource != Resource.ROOM:
        raise PermissionDenied("Only rounds sharing a space have bookings.")
    form = BookForm(request.POST or None)

    def save(data):
        try:
            return services.booking_add(
                actor=request.user,
                idea=idea,
                weekday=data["weekday"],
                starts=data["starts"],
                minutes=data["length"],
                first_date=data["first_date"],
                last_date=data["last_date"],
            )
        except ApplicationError as error:
            if error.field == "minutes":  # the length, asked as hours and minutes
                error.field = "hours"
            raise

    saved = submit(request, form, save)
    if saved:
        messages.success(request, f"Booked: {explain.booking_words(saved)}.")
        return redirect(reverse("space-idea-book", args=[hub.slug, idea.round_id, idea.pk]))
    bookings = list(idea.bookings.all())
    booked = sum(b.minutes for b in bookings)
    return render(
        request,
        "involve/space/deliver_book.html",
        {
            "hub": hub,
            "idea": idea,
            "round": idea.round,
            "form": form,
            "bookings": [explain.booking_words(b) for b in bookings],
            "booked": idea.round.words(booked) if booked else "nothing",
            "left": idea.round.words(max(0, idea.cost - booked)),
        },
        status=400 if form.errors else 200,
    )


@login_required
def idea_progress(request, slug, pk, idea_id):
    hub, _membership, idea, rights = _idea(request, slug, pk, idea_id)
    if not rights.report_progress:
        raise PermissionDenied("Only the people running it, or a coordinator, can say this.")
    form = ProgressForm(request.POST or None, initial={"progress": idea.progress})
    saved = submit(
        request,
        form,
        lambda data: services.idea_progress(
            actor=request.user, idea=idea, progress=data["progress"]
        ),
    )
    if saved:
        messages.success(request, "Saved: everyone in the hub can read it on the project's page.")
        return redirect(_idea_url(idea))
    return render_form(
        request,
        form,
        title=f"How {idea.title} is going",
        intro=(
            f"Last said on {idea.progress_at.day} {idea.progress_at:%B %Y}."
            if idea.progress_at
            else "Nothing has been said yet."
        ),
        submit_label="Save",
        cancel_url=_idea_url(idea),
        hub=hub,
    )


# --- open data ----------------------------------------------------------------------------


def export_pb(request, slug, pk):
    """The round's ballots as a pabulib file: public once counted, nothing private in it
    (voters are numbered in a shuffled order; small areas are not named)."""
    hub = get_object_or_404(Hub, slug=slug)
    round_ = access.public_round(hub, pk)
    ideas = list(Idea.objects.filter(round=round_, feasibility=Feasibility.FEASIBLE).order_by("pk"))
    known = {idea.pk for idea in ideas}
    chosen: dict[int, list[str]] = {}
    areas = {}
    for ballot_id, area in Ballot.objects.filter(round=round_).values_list("pk", "area"):
        chosen[ballot_id], areas[ballot_id] = [], area
    through = Ballot.ideas.through.objects.filter(ballot__round=round_).order_by("idea_id")
    for ballot_id, idea_id in through.values_list("ballot_id", "idea_id").iterator(chunk_size=2000):
        if idea_id in known:
            chosen[ballot_id].append(str(idea_id))
    named = {area for area, _ in (round_.result or {}).get("areas", []) if area}
    order = list(chosen)
    random.SystemRandom().shuffle(order)  # not the order they voted in
    votes = [
        (
            str(number),
            chosen[ballot_id],
            {"neighborhood": areas[ballot_id] if areas[ballot_id] in named else ""},
        )
        for number, ballot_id in enumerate(order, start=1)
    ]
    money = round_.resource == Resource.MONEY
    description = f"{round_.title}, {hub.name}"
    if round_.result.get("weighted"):
        description += " (shares were weighted: see the result page; this file cannot say so)"
    meta = {
        "description": description,
        "country": "United Kingdom",
        "unit": hub.name,
        "budget": str(round_.amount),
        "vote_type": "approval",
        "currency": "GBP" if money else "minutes",
        "rule": "equal-shares",
        "seed": round_.seed,
        "num_projects": str(len(ideas)),
        "num_votes": str(len(votes)),
    }
    if round_.overridden_at:
        meta["comment"] = f"Result changed by a coordinator: {round_.override_reason}"
    projects = [
        {
            "project_id": str(idea.pk),
            "cost": str(idea.cost),
            "name": idea.title,
            "votes": str(idea.votes),
            "selected": "1" if idea.funded else "0",
        }
        for idea in ideas
    ]
    response = HttpResponse(
        pabulib.write(meta, projects, votes), content_type="text/plain; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{hub.slug}-space-{round_.pk}.pb"'
    return response


@login_required
def round_import(request, slug):
    hub, membership = hub_and_membership(request.user, slug)
    if not access.may_create_round(membership):
        raise PermissionDenied("Only this hub's coordinators can do this.")
    form = ImportForm(request.POST or None, request.FILES or None)
    saved = submit(
        request,
        form,
        lambda data: services.round_import(
            actor=request.user,
            hub=hub,
            text=data["file"],
            title=data["title"],
            resource=data["resource"],
            key=data["key"] or "",
        ),
    )
    if saved:
        say_saved(request, saved, f"Read and counted: {saved.result.get('voters', 0)} ballots.")
        return redirect(_result_url(saved))
    return render(
        request,
        "involve/space/import.html",
        {"hub": hub, "form": form, "max_mb": 5},
        status=400 if form.errors else 200,
    )
