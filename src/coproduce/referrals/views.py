import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.views.decorators.http import require_POST

from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Hub
from coproduce.views import posted_key, render_form, say_saved, submit

from . import access, escalations, schedule, selectors, services
from .forms import (
    NEW_PERSON,
    AssignForm,
    CloseForm,
    DeclineForm,
    LogForm,
    PolicyForm,
    ProjectEndForm,
    ProjectForm,
    ReassignForm,
    ReferralForm,
    ResolveForm,
    SlotsForm,
    TrainingForm,
    TriageForm,
    with_assign_forms,
)
from .models import (
    OPEN_REFERRAL_STATUSES,
    Assignment,
    Escalation,
    MatchOffer,
    OfferStatus,
    Project,
    ReferralStatus,
    Slot,
)

# Queues a page at a time: a borough's hundreds of open referrals are not one page.
PER_PAGE = 50


def _hub(slug) -> Hub:
    return get_object_or_404(Hub, slug=slug)


def _staff(request, hub):
    return hub_access.require_staff(request.user, hub, "Only staff and coordinators can see this.")


def _act(request, action, success: str, back: str):
    """Run a service for a button press; show its error, or say it worked."""
    try:
        result = action()
    except ApplicationError as error:
        messages.error(request, error.for_people)
    else:
        say_saved(request, result, success)
    return redirect(back)


# --- referrals ---------------------------------------------------------------------------


def _referral(request, slug, referral_id):
    """The referral and this person's rights (how much of it they see); 404 unless they
    may see it."""
    membership = hub_access.membership_of(request.user, _hub(slug))
    return access.referral_for(membership, referral_id)


@login_required
def referral_list(request, slug):
    hub = _hub(slug)
    membership = _staff(request, hub)
    referrals = selectors.referrals_for(request.user, membership)
    showing = request.GET.get("show", "open")
    if showing == "open":
        referrals = referrals.filter(status__in=OPEN_REFERRAL_STATUSES)
    elif showing in ReferralStatus.values:
        referrals = referrals.filter(status=showing)
    page = Paginator(selectors.referrals_in_order(referrals, showing), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "referrals/list.html",
        {
            "hub": hub,
            "referrals": page,
            "page": page,
            "showing": showing,
            "statuses": ReferralStatus.choices,
            "is_coordinator": membership.can_coordinate,
        },
    )


@login_required
def referral_new(request, slug):
    hub = _hub(slug)
    _staff(request, hub)
    form = ReferralForm(request.POST or None, hub=hub)

    def create(data):
        chosen = data["person"]
        return services.referral_create(
            actor=request.user,
            hub=hub,
            person=None if chosen == NEW_PERSON else chosen,
            new_person=(
                {"display_name": data["new_name"], "phone": data["new_phone"]}
                if chosen == NEW_PERSON
                else None
            ),
            consent=services.Consent(
                given=data["consent_given"],
                given_by=data["consent_given_by"],
                method=data["consent_method"],
                given_on=data["consent_given_on"],
                purpose=data["consent_purpose"],
            ),
            category=data["category"],
            description=data["description"],
            urgency=data["urgency"],
            preferred_times=data["preferred_times"],
            neighbourhood=data.get("neighbourhood"),
            postcode_district=data["postcode_district"],
            needs_check=data["needs_check"],
            key=data["key"] or None,
        )

    referral = submit(request, form, create)
    if referral:
        say_saved(request, referral, "Thank you: the referral is with the coordinators.")
        return redirect("referral", hub.slug, referral.pk)
    return render_form(
        request,
        form,
        title="Refer someone to the hub",
        intro="The coordinators will find a volunteer and keep you told of progress. Ask "
        "the person first: nobody is referred without their consent.",
        submit_label="Send the referral",
        cancel_url=f"/hubs/{hub.slug}/referrals/",
        hub=hub,
    )


@login_required
def referral_detail(request, slug, referral_id):
    referral, rights = _referral(request, slug, referral_id)
    view = rights.view
    hub = referral.hub
    context = {"hub": hub, "referral": referral, "view": view, "rights": rights}
    if view == "coordinator":
        context["offers"] = referral.offers.select_related("volunteer")
        if referral.is_looking_for_volunteer:
            context["suggestions"] = services.match_suggestions(
                actor=request.user, referral=referral
            )
    if view in ("coordinator", "referrer"):
        context["escalations"] = referral.escalations.select_related("assigned_to")
    if rights.see_progress:
        context["progress"] = selectors.help_progress(referral)
    plan = selectors.plan_of(referral)
    if plan is not None:
        context["plan"] = plan
        context["turns"] = selectors.plan_turns(plan, viewer=request.user, view=view)
    if view == "volunteer":
        context["preferred_labels"] = selectors.availability_labels(
            selectors.availability_bits(referral.preferred_times)
        )
        context["offer"] = referral.offers.get(
            volunteer=request.user, status__in=[OfferStatus.SENT, OfferStatus.ACCEPTED]
        )
    context["events"] = [
        (label, when)
        for label, when in [
            ("Referred", referral.created_at),
            ("Triaged", referral.triaged_at),
            ("Matched with a volunteer", referral.matched_at),
            ("Closed", referral.closed_at),
        ]
        if when
    ]
    return render(request, "referrals/detail.html", context)


@login_required
def referral_triage(request, slug, referral_id):
    referral, _ = _referral(request, slug, referral_id)
    hub_access.require_coordinator(request.user, referral.hub)
    form = TriageForm(
        request.POST or None,
        hub=referral.hub,
        initial={
            "shared_note": referral.shared_note,
            "assets": referral.person.assets,
            "category": referral.category,
            "urgency": referral.urgency,
            "needs_check": referral.needs_check,
            "project": referral.project,
        },
    )
    done = submit(
        request,
        form,
        lambda data: services.referral_triage(actor=request.user, referral=referral, **data),
    )
    if done:
        messages.success(request, "Triaged. Now choose a volunteer to ask.")
        return redirect("referral", slug, referral.pk)
    return render_form(
        request,
        form,
        title=f"Triage the referral of {referral.person}",
        intro=f"What they need, from the referrer: “{referral.description}”",
        submit_label="Save",
        cancel_url=f"/hubs/{slug}/referrals/{referral.pk}/",
        hub=referral.hub,
    )


@login_required
@require_POST
def referral_offer(request, slug, referral_id):
    referral, _ = _referral(request, slug, referral_id)
    hub_access.require_coordinator(request.user, referral.hub)
    member = hub_access.member_in_hub(referral.hub, int(request.POST.get("volunteer", 0) or 0))
    reasons = next(
        (
            s.reasons
            for s in services.match_suggestions(actor=request.user, referral=referral)
            if s.membership.person_id == member.person_id
        ),
        [],
    )
    return _act(
        request,
        lambda: services.offer_send(
            actor=request.user,
            referral=referral,
            volunteer=member.person,
            reasons=reasons,
            key=posted_key(request),
        ),
        f"{member.person} has been asked.",
        f"/hubs/{slug}/referrals/{referral.pk}/",
    )


@login_required
@require_POST
def offer_withdraw(request, slug, offer_id):
    offer = get_object_or_404(MatchOffer, pk=offer_id, referral__hub__slug=slug)
    return _act(
        request,
        lambda: services.offer_withdraw(actor=request.user, offer=offer),
        "The offer is withdrawn.",
        f"/hubs/{slug}/referrals/{offer.referral_id}/",
    )


@login_required
@require_POST
def referral_start(request, slug, referral_id):
    referral, _ = _referral(request, slug, referral_id)
    return _act(
        request,
        lambda: services.referral_start(actor=request.user, referral=referral),
        "Thank you: the help is under way.",
        f"/hubs/{slug}/referrals/{referral.pk}/",
    )


@login_required
def referral_close(request, slug, referral_id):
    referral, _ = _referral(request, slug, referral_id)
    hub_access.require_coordinator(request.user, referral.hub)
    form = CloseForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: services.referral_close(
            actor=request.user, referral=referral, outcome=data["outcome"], note=data["note"]
        ),
    )
    if done:
        messages.success(request, "The referral is closed and the referrer told.")
        return redirect("referral", slug, referral.pk)
    return render_form(
        request,
        form,
        title=f"Close the referral of {referral.person}",
        submit_label="Close the referral",
        cancel_url=f"/hubs/{slug}/referrals/{referral.pk}/",
        hub=referral.hub,
    )


@login_required
def my_offers(request, slug):
    hub = _hub(slug)
    hub_access.require_member(request.user, hub)
    return render(
        request,
        "referrals/my_offers.html",
        {"hub": hub, "offers": selectors.offers_for(request.user, hub)},
    )


@login_required
def offer_answer(request, slug, offer_id):
    offer = get_object_or_404(
        MatchOffer.objects.select_related("referral__hub"),
        pk=offer_id,
        referral__hub__slug=slug,
        volunteer=request.user,
    )
    form = DeclineForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("answer") == "accept":
            return _act(
                request,
                lambda: services.offer_accept(
                    actor=request.user, offer=offer, key=posted_key(request)
                ),
                "Thank you for saying yes. The person's contact details are below.",
                f"/hubs/{slug}/referrals/{offer.referral_id}/",
            )
        if form.is_valid():
            return _act(
                request,
                lambda: services.offer_decline(
                    actor=request.user,
                    offer=offer,
                    reason=form.cleaned_data["reason"],
                    key=posted_key(request),
                ),
                "Thank you for letting us know.",
                f"/hubs/{slug}/offers/",
            )
    return redirect("referral", slug, offer.referral_id)


# --- projects ----------------------------------------------------------------------------


def _project(request, slug, project_id) -> Project:
    project = get_object_or_404(
        Project.objects.select_related("hub", "lead", "organisation"), pk=project_id, hub__slug=slug
    )
    hub_access.require_member(request.user, project.hub)
    return project


@login_required
def project_list(request, slug):
    hub = _hub(slug)
    membership = hub_access.require_member(request.user, hub)
    return render(
        request,
        "referrals/projects.html",
        {
            "hub": hub,
            "projects": Project.objects.filter(hub=hub, is_active=True).select_related("lead"),
            "mine": selectors.my_assignments(request.user, hub).filter(
                slot__starts_at__gte=timezone.now() - datetime.timedelta(days=14)
            ),
            "is_coordinator": membership.can_coordinate,
        },
    )


@login_required
def project_new(request, slug):
    hub = _hub(slug)
    hub_access.require_coordinator(request.user, hub)
    form = ProjectForm(request.POST or None, hub=hub)
    project = submit(
        request, form, lambda data: services.project_create(actor=request.user, hub=hub, **data)
    )
    if project:
        messages.success(request, "The project is set up. Now add its rota.")
        return redirect("project", slug, project.pk)
    return render_form(
        request,
        form,
        title="Start a project",
        submit_label="Start the project",
        cancel_url=f"/hubs/{slug}/projects/",
        hub=hub,
    )


def _week(value) -> str:
    """The rota's first day as the page was showing it (`?from=`), or "" for none."""
    try:
        return datetime.date.fromisoformat(str(value or "")[:10]).isoformat()
    except ValueError:
        return ""


def _week_start(request) -> datetime.datetime:
    today = timezone.localdate()
    try:
        day = datetime.date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        day = today - datetime.timedelta(days=7)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


@login_required
def project_detail(request, slug, project_id):
    project = _project(request, slug, project_id)
    membership = hub_access.require_member(request.user, project.hub)
    rights = access.project_rights(membership, project)
    leads = rights.lead
    start = _week_start(request)
    rows = selectors.rota(project, start=start, viewer=request.user, leads=leads)
    if leads:
        with_assign_forms(project, rows, request.GET)
    waiting = (
        list(
            Assignment.objects.filter(slot__project=project, status="attended")
            .select_related("slot", "person")
            .order_by("slot__starts_at")
        )
        if leads
        else []
    )
    # What this person may do with each place shown, as the access module says.
    for assignment in [*waiting, *(a for row in rows for a in row["assignments"])]:
        assignment.rights = access.assignment_rights(membership, assignment, rights)
    return render(
        request,
        "referrals/project.html",
        {
            "hub": project.hub,
            "project": project,
            "rows": rows,
            "leads": leads,
            "rights": rights,
            "is_coordinator": rights.end,
            "trained": project.trained.select_related("person", "trained_by"),
            "is_trained": rights.trained,
            "waiting": waiting,
            "now": timezone.now(),
            "today": timezone.localdate(),
            "earlier": (start - datetime.timedelta(days=28)).date().isoformat(),
            "later": (start + datetime.timedelta(days=28)).date().isoformat(),
            # Sent back by the rota's forms, so that the page comes back at this week.
            "week": _week(request.GET.get("from")),
            "free_slots": [row["slot"] for row in rows if row["gaps"] and row["upcoming"]],
            # Turns this person could take, for ticking several at once.
            "takeable": [
                row["slot"]
                for row in rows
                if row["gaps"] and row["upcoming"] and not row["mine"] and rights.trained
            ],
        },
    )


@login_required
def project_end(request, slug, project_id):
    project = _project(request, slug, project_id)
    hub_access.require_coordinator(request.user, project.hub)
    form = ProjectEndForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: services.project_end(
            actor=request.user, project=project, reason=data["reason"]
        ),
    )
    if done:
        messages.success(request, "The project has ended; people on its rota have been told.")
        return redirect("projects", slug)
    return render_form(
        request,
        form,
        title=f"End {project}",
        intro="Its future slots are cancelled and the people on them told. Its history, "
        "and the hours given, stay.",
        submit_label="End the project",
        cancel_url=f"/hubs/{slug}/projects/{project.pk}/",
        hub=project.hub,
    )


def _periods(data) -> list[schedule.Period]:
    first = timezone.make_aware(datetime.datetime.combine(data["starts_on"], data["starts_at"]))
    minutes = data["minutes"]
    if data["pattern"] == "weekly":
        return schedule.weekly(first, weeks=data["weeks"] or 1, minutes=minutes)
    if data["pattern"] == "tapering":
        return schedule.tapering(first, plan=data["plan"], minutes=minutes)
    return [schedule.Period(first, first + datetime.timedelta(minutes=minutes))]


@login_required
def slots_new(request, slug, project_id):
    project = _project(request, slug, project_id)
    if not access.rights_on_project(request.user, project).manage_rota:
        raise PermissionDenied("Only the project's lead or a coordinator can add slots.")
    # Which referral the slots are for is a coordinator's to say (a lead alone is not
    # asked); the referral is chosen by a search, never from a list of them all.
    coordinates = hub_access.require_member(request.user, project.hub).can_coordinate
    form = SlotsForm(request.POST or None, project=project, choose_referral=coordinates)

    def add(data):
        referral = data.get("referral")
        return services.slots_add(
            actor=request.user,
            project=project,
            periods=_periods(data),
            role=data["role"],
            places=data["places"],
            receiver=data["receiver"] or (referral.person if referral else None),
            referral=referral,
            note=data["note"],
        )

    slots = submit(request, form, add)
    if slots:
        messages.success(request, f"Added {len(slots)} slot{'s' if len(slots) != 1 else ''}.")
        return redirect("project", slug, project.pk)
    return render_form(
        request,
        form,
        title=f"Add slots to {project}",
        submit_label="Add the slots",
        cancel_url=f"/hubs/{slug}/projects/{project.pk}/",
        hub=project.hub,
    )


@login_required
def training_new(request, slug, project_id):
    project = _project(request, slug, project_id)
    if not access.rights_on_project(request.user, project).train_others:
        raise PermissionDenied("Only the lead, a coordinator or someone trained can train others.")
    form = TrainingForm(request.POST or None, project=project)
    done = submit(
        request,
        form,
        lambda data: services.training_record(actor=request.user, project=project, **data),
    )
    if done:
        messages.success(request, "Training recorded.")
        return redirect("project", slug, project.pk)
    return render_form(
        request,
        form,
        title=f"Record training for {project}",
        intro=f"Training: {project.training}",
        submit_label="Record the training",
        cancel_url=f"/hubs/{slug}/projects/{project.pk}/",
        hub=project.hub,
    )


@login_required
@require_POST
def slots_take(request, slug, project_id):
    """Several turns at once, from the checkboxes under the rota."""
    project = _project(request, slug, project_id)
    back = f"/hubs/{slug}/projects/{project.pk}/#rota"
    chosen = [int(pk) for pk in request.POST.getlist("slots") if pk.isdigit()]
    slots = list(Slot.objects.filter(project=project, pk__in=chosen).select_related("project"))
    if len(slots) != len(set(chosen)):
        raise Http404("No such turn in this project.")
    return _act(
        request,
        lambda: services.assignments_take(actor=request.user, slots=slots, key=posted_key(request)),
        f"You are on the rota for {len(slots)} turn{pluralize(len(slots))}. Thank you.",
        back,
    )


@login_required
@require_POST
def slot_take(request, slug, slot_id):
    slot = get_object_or_404(
        Slot.objects.select_related("project"), pk=slot_id, project__hub__slug=slug
    )
    # Back to the rota as it was shown: the week it was showing (`?from=`) kept.
    page = f"/hubs/{slug}/projects/{slot.project_id}/"
    week = {"from": day} if (day := _week(request.POST.get("from"))) else {}
    back = f"{page}?{urlencode(week)}" if week else page
    if "assign" in request.POST:
        form = AssignForm(request.POST, project=slot.project)
        if not form.is_valid():
            if not form.finding:
                messages.error(request, f"Put on the rota: {form.errors['person'][0]}")
            query = urlencode(
                {**week, "assign": slot.pk, "person__q": request.POST.get("person__q", "")}
            )
            return redirect(f"{page}?{query}#assign-{slot.pk}")
        person = form.cleaned_data["person"]
        return _act(
            request,
            lambda: services.assignment_take(
                actor=request.user, slot=slot, person=person, key=posted_key(request)
            ),
            f"{person} is on the rota.",
            back,
        )
    return _act(
        request,
        lambda: services.assignment_take(actor=request.user, slot=slot, key=posted_key(request)),
        "You are on the rota. Thank you.",
        back,
    )


def _assignment(slug, assignment_id) -> Assignment:
    return get_object_or_404(
        Assignment.objects.select_related("slot__project"),
        pk=assignment_id,
        slot__project__hub__slug=slug,
    )


@login_required
@require_POST
def assignment_action(request, slug, assignment_id, action):
    assignment = _assignment(slug, assignment_id)
    back = request.POST.get("back") or f"/hubs/{slug}/projects/{assignment.slot.project_id}/"
    if not back.startswith("/hubs/"):
        back = "/"
    user = request.user
    if action == "give-up":
        return _act(
            request,
            lambda: services.assignment_give_up(
                actor=user, assignment=assignment, reason=request.POST.get("reason", "")
            ),
            "You have given up the slot. The lead has been told.",
            back,
        )
    if action == "swap":
        to_slot = get_object_or_404(
            Slot, pk=int(request.POST.get("to_slot", 0) or 0), project=assignment.slot.project
        )
        return _act(
            request,
            lambda: services.assignment_swap(actor=user, assignment=assignment, to_slot=to_slot),
            "Swapped.",
            back,
        )
    if action == "log":
        form = LogForm(request.POST)
        minutes = form.cleaned_data["minutes"] if form.is_valid() else None
        if request.POST.get("minutes") and minutes is None:
            messages.error(request, "Enter the minutes as a whole number from 1 to 1440.")
            return redirect(back)
        return _act(
            request,
            lambda: services.assignment_log(actor=user, assignment=assignment, minutes=minutes),
            "Time logged. The lead will confirm it.",
            back,
        )
    if action == "confirm":
        return _act(
            request,
            lambda: services.assignment_confirm(actor=user, assignment=assignment),
            "Confirmed: the hours are in the time bank.",
            back,
        )
    if action == "missed":
        return _act(
            request,
            lambda: services.assignment_missed(actor=user, assignment=assignment),
            "Marked as not happened.",
            back,
        )
    raise Http404("No such action.")


# --- escalations -------------------------------------------------------------------------


@login_required
def escalation_list(request, slug):
    hub = _hub(slug)
    membership = _staff(request, hub)
    showing = request.GET.get("show", "open")
    if showing not in ("open", "mine", "resolved"):
        showing = "open"
    items = selectors.escalations_listed(hub, show=showing, person=request.user)
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "referrals/escalations.html",
        {
            "hub": hub,
            "escalations": page,
            "page": page,
            "showing": showing,
            "urgency_words": selectors.URGENCY_WORDS,
            "is_coordinator": membership.can_coordinate,
        },
    )


@login_required
def escalation_detail(request, slug, escalation_id):
    hub = _hub(slug)
    membership = _staff(request, hub)
    escalation = get_object_or_404(
        Escalation.objects.select_related("assigned_to", "referral__person", "slot", "project"),
        pk=escalation_id,
        hub=hub,
    )
    rights = access.escalation_rights(membership, escalation)
    resolve_form = ResolveForm(request.POST if "resolution" in request.POST else None)
    picking = "to" in request.POST or "to__q" in request.POST
    reassign_form = ReassignForm(request.POST if picking else None, hub=hub)
    if "resolution" in request.POST:
        done = submit(
            request,
            resolve_form,
            lambda data: escalations.escalation_resolve(
                actor=request.user, escalation=escalation, resolution=data["resolution"]
            ),
        )
        if done:
            messages.success(request, "Resolved, and what was done is recorded.")
            return redirect("escalations", slug)
    elif picking:
        done = submit(
            request,
            reassign_form,
            lambda data: escalations.escalation_reassign(
                actor=request.user, escalation=escalation, to=data["to"]
            ),
        )
        if done:
            messages.success(request, "Passed on, and they have been told.")
            return redirect("escalation", slug, escalation.pk)
    status = 400 if request.method == "POST" and not reassign_form.finding else 200
    return render(
        request,
        "referrals/escalation.html",
        {
            "hub": hub,
            "escalation": escalation,
            "resolve_form": resolve_form,
            "reassign_form": reassign_form if rights.reassign else None,
            "can_resolve": rights.resolve,
        },
        status=status,
    )


@login_required
def referral_settings(request, slug):
    hub = _hub(slug)
    hub_access.require_coordinator(request.user, hub)
    policy = services.policy_for(hub)
    form = PolicyForm(
        request.POST or None,
        hub=hub,
        initial={field: getattr(policy, field) for field in services.POLICY_FIELDS},
    )
    done = submit(
        request,
        form,
        lambda data: services.policy_update(actor=request.user, hub=hub, changes=data),
    )
    if done:
        messages.success(request, "Saved.")
        return redirect("referrals", slug)
    return render_form(
        request,
        form,
        title="Referral and escalation settings",
        intro="When the failsafe hands things to staff, and how much to ask of anyone.",
        submit_label="Save",
        cancel_url=f"/hubs/{slug}/referrals/",
        hub=hub,
    )
