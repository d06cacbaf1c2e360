"""Pages for joined-up help: regular help set up from a referral in one step, and a
turn recorded afterwards by a coordinator."""

import datetime
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils import timezone

from coproduce.hubs import access as hub_access
from coproduce.views import render_form, submit

from . import access, selectors, services
from .forms import PastTurnForm, PlanForm
from .views import _project, _referral


@login_required
def referral_plan(request, slug, referral_id):
    """Regular help in one step: turns on a rota for the person, the volunteer on each."""
    referral, rights = _referral(request, slug, referral_id)
    hub_access.require_coordinator(request.user, referral.hub)
    back = f"/hubs/{slug}/referrals/{referral.pk}/"
    volunteer = selectors.accepted_volunteer(referral)
    if not rights.plan or volunteer is None or selectors.plan_of(referral) is not None:
        messages.error(request, "Regular help is set up once, after a volunteer has said yes.")
        return redirect(back)
    form = PlanForm(
        request.POST or None,
        referral=referral,
        volunteer=volunteer,
        initial={"key": uuid.uuid4().hex},
    )

    def set_up(data):
        first = timezone.make_aware(datetime.datetime.combine(data["starts_on"], data["starts_at"]))
        return services.help_plan_create(
            actor=request.user,
            referral=referral,
            key=data["key"],
            first_at=first,
            weeks=data["weeks"],
            every_days=data["every_days"],
            minutes=data["minutes"],
            kind=data["kind"],
            project=data["project"],
        )

    plan = submit(request, form, set_up)
    if plan:
        messages.success(
            request, f"Regular help is set up: {plan.turns} turns, with {volunteer} on each."
        )
        return redirect(back + "#plan")
    return render_form(
        request,
        form,
        title=f"Set up regular help for {referral.first_name}",
        intro=f"{volunteer} said yes. Choose when, how often and for how long: the turns go "
        f"on a rota for {referral.person}, with {volunteer} on each, and the hours are "
        "recorded as each turn is logged.",
        submit_label="Set up the regular help",
        cancel_url=back,
        hub=referral.hub,
    )


@login_required
def turn_record(request, slug, project_id):
    """A coordinator records a turn that happened but that nobody signed up for."""
    project = _project(request, slug, project_id)
    if not access.rights_on_project(request.user, project).record_past:
        raise PermissionDenied("Only a coordinator can record a past turn.")
    form = PastTurnForm(
        request.POST or None,
        project=project,
        initial={"key": uuid.uuid4().hex},
    )

    def record(data):
        starts = timezone.make_aware(
            datetime.datetime.combine(data["starts_on"], data["starts_at"])
        )
        return services.turn_record_past(
            actor=request.user,
            project=project,
            person=data["person"],
            starts_at=starts,
            minutes=data["minutes"],
            role=data["role"],
            key=data["key"],
            referral=data.get("referral"),
        )

    assignment = submit(request, form, record)
    if assignment:
        if assignment.status == "confirmed":
            messages.success(request, f"Recorded: {assignment.duration} for {assignment.person}.")
        else:
            messages.success(request, "Recorded. Someone else confirms your own time.")
        return redirect("project", slug, project.pk)
    return render_form(
        request,
        form,
        title=f"Record a past turn on {project}",
        intro="For help given that nobody signed up for on the rota. Someone else's time is "
        "confirmed at once and the hours go through the time bank.",
        submit_label="Record the turn",
        cancel_url=f"/hubs/{slug}/projects/{project.pk}/",
        hub=project.hub,
    )
