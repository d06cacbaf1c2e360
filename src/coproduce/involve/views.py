"""The involvement bank's pages: the opportunities of a hub, opening one, its page (with
asking, invitations, meetings and who is on it), and the fair shortlist. A person's
place, attendance and thanks are in place_views.py (imported here for urls.py).

Views parse, call one service and render; who may do what is access.py's."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from coproduce.errors import ApplicationError
from coproduce.views import render_form, say_saved, submit

from . import access, selectors, services
from . import shortlist as engine
from .forms import (
    AskForm,
    CancelForm,
    ChangeForm,
    HiredForm,
    InviteForm,
    MeetingForm,
    OfflineAskForm,
    OpportunityForm,
    ShortlistForm,
)
from .models import (
    HOLDING_STATUSES,
    KIND_MEANS,
    LIVE_STATUSES,
    CoKind,
    Joining,
    OpportunityStatus,
    Session,
    SignUp,
    SignUpStatus,
    When,
)
from .place_views import (
    STATUS_WORDS,
    attendance_detail,
    attendance_record,
    expense_decide,
    signup_detail,
)

__all__ = [
    "attendance_detail",
    "attendance_record",
    "expense_decide",
    "meeting_add",
    "opportunity_ask",
    "opportunity_cancel",
    "opportunity_change",
    "opportunity_detail",
    "opportunity_hired",
    "opportunity_invite",
    "opportunity_list",
    "opportunity_new",
    "opportunity_shortlist",
    "signup_detail",
]

PER_PAGE = 20

# How to join, said short for a list.
JOINING_SHORT = {
    Joining.INSTANT: "Take a place straight away",
    Joining.REQUEST: "Ask for a place; the lead confirms a fair shortlist",
    Joining.INVITATION: "By invitation only",
}

# The order of the groups of people on an opportunity, for its lead.
GROUPS = [
    SignUpStatus.CONFIRMED,
    SignUpStatus.INVITED,
    SignUpStatus.OFFERED,
    SignUpStatus.REQUESTED,
    SignUpStatus.WAITLIST,
    SignUpStatus.DECLINED,
    SignUpStatus.WITHDRAWN,
    SignUpStatus.NOT_CHOSEN,
    SignUpStatus.LAPSED,
    SignUpStatus.RELEASED,
]


def member_of(request, slug):
    return access.hub_and_membership(request.user, slug)


def opportunity_of(request, slug, pk):
    hub, membership = member_of(request, slug)
    opportunity = access.opportunity_for(membership, hub, pk)
    return opportunity, membership, access.opportunity_rights(membership, opportunity)


def _manage(request, slug, pk):
    opportunity, membership, rights = opportunity_of(request, slug, pk)
    if not rights.manage:
        raise PermissionDenied("Only the lead or a coordinator can do this.")
    return opportunity, membership, rights


def _page(opportunity) -> str:
    return reverse("involve-opportunity", args=[opportunity.hub.slug, opportunity.pk])


def places_left(opportunity, holders) -> dict:
    """Places left per side, from (side, invited) of the people holding places."""
    held = engine.Held.of(holders)
    staff = max(0, opportunity.staff_places - held.staff)
    user = max(0, opportunity.user_places - held.user)
    overflow = max(0, held.staff - opportunity.staff_places) + max(
        0, held.user - opportunity.user_places
    )
    anyone = max(0, opportunity.any_places - overflow)
    return {
        "staff": staff,
        "user": user,
        "any": anyone,
        "total": max(0, opportunity.places - (held.staff + held.user)),
        "short": engine.missing(selectors.places_of(opportunity), held),
    }


# --- the list ------------------------------------------------------------------------------


@login_required
def opportunity_list(request, slug):
    hub, membership = member_of(request, slug)
    now = timezone.now()
    found = access.visible_opportunities(membership)
    showing = request.GET.get("show", "open")
    if showing != "all":
        showing = "open"
        found = found.filter(status=OpportunityStatus.OPEN)
        # One already held drops out of the list, but not for its lead or its people.
        theirs = SignUp.objects.filter(opportunity=OuterRef("pk"), person=request.user)
        found = selectors.still_to_come(found, now) | found.filter(
            Q(lead=request.user) | Exists(theirs)
        )
    kind = request.GET.get("kind", "")
    if kind in CoKind.values:
        found = found.filter(kind=kind)
    else:
        kind = ""
    can_take = request.GET.get("can_take") == "1"
    if can_take:
        found = access.takeable(found, membership, now)
    found = found.annotate(
        held=Count("signups", filter=Q(signups__status__in=HOLDING_STATUSES))
    ).prefetch_related(
        Prefetch(
            "sessions",
            queryset=Session.objects.filter(cancelled=False, starts_at__gt=now),
            to_attr="coming",
        )
    )
    page = Paginator(found.order_by("-created_at", "-id"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    mine = {
        s.opportunity_id: s
        for s in SignUp.objects.filter(
            person=request.user, opportunity__in=[o.pk for o in page]
        ).order_by("asked_at", "id")
    }
    rows = [
        {
            "opportunity": o,
            "first": o.coming[0] if o.coming else None,
            "left": max(0, o.places - o.held),
            "joining": JOINING_SHORT[o.joining],
            "mine": mine.get(o.pk),
        }
        for o in page
    ]
    return render(
        request,
        "involve/list.html",
        {
            "hub": hub,
            "membership": membership,
            "rows": rows,
            "page": page,
            "kinds": [(k.value, k.label, KIND_MEANS[k]) for k in CoKind],
            "kind": kind,
            "can_take": can_take,
            "showing": showing,
            "can_open": access.can_open(membership),
            "coordinates": membership.can_coordinate,
        },
    )


# --- opening one ---------------------------------------------------------------------------


@login_required
def opportunity_new(request, slug):
    hub, membership = member_of(request, slug)
    if not access.can_open(membership):
        raise PermissionDenied("Only staff and coordinators open opportunities.")
    form = OpportunityForm(request.POST or None, hub=hub, initial={"lead": request.user})

    def create(data):
        try:
            return services.opportunity_create(
                actor=request.user,
                hub=hub,
                kind=data["kind"],
                title=data["title"],
                description=data["description"],
                lead=data["lead"],
                meetings=data["meetings"],
                when=data["when"],
                mode=data["mode"],
                place=data["place"],
                accessibility=data["accessibility"],
                training=data["training"],
                needs_check=data["needs_check"],
                lived_experience=data["lived_experience"],
                staff_places=data["staff_places"],
                user_places=data["user_places"],
                any_places=data["any_places"],
                reserved_places=data["reserved_places"],
                joining=data["joining"],
                organisation=data["organisation"],
                is_recruitment=data["is_recruitment"],
                confirm_hours=data["confirm_hours"],
                key=data["key"] or "",
            )
        except ApplicationError as error:
            if error.field == "meetings":
                error.field = "first_date"
            raise

    opportunity = submit(request, form, create)
    if opportunity:
        say_saved(request, opportunity, "The opportunity is open.")
        return redirect(_page(opportunity))
    return render_form(
        request,
        form,
        title="New opportunity",
        intro="A way for people who use the service to help run it. Say plainly what it "
        "involves: people choose from this.",
        submit_label="Open the opportunity",
        cancel_url=reverse("involve-list", args=[hub.slug]),
        hub=hub,
    )


# --- one opportunity -------------------------------------------------------------------------


@login_required
def opportunity_detail(request, slug, pk):
    opportunity, membership, rights = opportunity_of(request, slug, pk)
    hub = opportunity.hub
    now = timezone.now()
    sessions = list(opportunity.sessions.all())
    coming = [s for s in sessions if not s.cancelled and s.starts_at > now]
    context = {
        "hub": hub,
        "opportunity": opportunity,
        "rights": rights,
        "sessions": sessions,
        "coming": coming,
        "now": now,
        "joining": JOINING_SHORT[opportunity.joining],
        "kind_means": KIND_MEANS[opportunity.kind],
        "series": opportunity.when != When.ONE_OFF,
    }
    own = list(opportunity.signups.filter(person=request.user).order_by("-asked_at", "-id")[:1])
    context["mine"] = own[0] if own else None
    context["mine_words"] = STATUS_WORDS[own[0].status] if own else ""
    if rights.manage:
        signups = list(opportunity.signups.select_related("person").order_by("asked_at", "id"))
        holders = [(s.side, s.invited) for s in signups if s.status in HOLDING_STATUSES]
        by_status = {}
        for signup in signups:
            by_status.setdefault(signup.status, []).append(signup)
        context["groups"] = [
            (SignUpStatus(status).label, by_status[status])
            for status in GROUPS
            if status in by_status
        ]
        context["asking"] = len(by_status.get(SignUpStatus.REQUESTED, [])) + len(
            by_status.get(SignUpStatus.WAITLIST, [])
        )
        context["past"] = [s for s in sessions if not s.cancelled and s.starts_at <= now]
        if opportunity.status != OpportunityStatus.CANCELLED:
            context["invite_form"] = InviteForm(opportunity=opportunity, auto_id="invite_%s")
            if rights.coordinate:
                context["offline_form"] = OfflineAskForm(
                    opportunity=opportunity, auto_id="offline_%s"
                )
        if request.GET.get("cover") == "1" and coming:
            context["cover"] = selectors.cover_for(opportunity, coming[0])
            context["cover_asked"] = True
    else:
        holders = list(
            opportunity.signups.filter(status__in=HOLDING_STATUSES).values_list("side", "invited")
        )
    context["left"] = places_left(opportunity, holders)
    live = context["mine"] is not None and context["mine"].status in LIVE_STATUSES
    context["live"] = live
    if not live:
        why = access.refusal(opportunity, membership, lived_experience=True)
        context["why_not"] = why
        if why is None:
            context["ask_form"] = AskForm(opportunity=opportunity)
    context["attended"] = list(
        opportunity.sessions.filter(attendance__person=request.user)
        .values_list("attendance__pk", "starts_at", "attendance__status", "attendance__recompense")
        .order_by("starts_at")
    )
    return render(request, "involve/detail.html", context)


def _form_page(request, form, opportunity, **texts):
    return render_form(request, form, cancel_url=_page(opportunity), hub=opportunity.hub, **texts)


@login_required
def opportunity_ask(request, slug, pk):
    """Ask for a place (for oneself), or, for a coordinator, sign up someone not online."""
    opportunity, membership, rights = opportunity_of(request, slug, pk)
    offline = request.POST.get("for") == "offline" or request.GET.get("for") == "offline"
    if offline and not rights.coordinate:
        raise PermissionDenied("Only a coordinator signs up someone else.")
    form_class = OfflineAskForm if offline else AskForm
    form = form_class(request.POST or None, opportunity=opportunity)

    def ask(data):
        return services.signup_ask(
            actor=request.user,
            opportunity=opportunity,
            person=data.get("person"),
            lived_experience=data.get("lived_experience", False),
            message=data["message"],
            key=data["key"] or "",
        )

    signup = submit(request, form, ask)
    if signup:
        said = {
            SignUpStatus.CONFIRMED: "You have a place.",
            SignUpStatus.WAITLIST: "The places are taken: you are on the waiting list, and "
            "will be offered a place if one comes free.",
            SignUpStatus.REQUESTED: "You have asked for a place: the lead will let you know.",
        }[signup.status]
        if offline:
            said = f"{signup.person} is signed up: {signup.get_status_display().lower()}."
        say_saved(request, signup, said)
        return redirect(_page(opportunity))
    return _form_page(
        request,
        form,
        opportunity,
        title=f"Sign someone up: {opportunity}" if offline else f"Ask for a place: {opportunity}",
        intro=""
        if offline
        else access.refusal(opportunity, membership, lived_experience=True) or "",
        submit_label="Sign them up" if offline else "Ask for a place",
    )


@login_required
def opportunity_invite(request, slug, pk):
    opportunity, _membership, _rights = _manage(request, slug, pk)
    form = InviteForm(request.POST or None, opportunity=opportunity)
    signup = submit(
        request,
        form,
        lambda data: services.signup_invite(
            actor=request.user, opportunity=opportunity, person=data["person"]
        ),
    )
    if signup:
        messages.success(request, f"{signup.person} is invited: a place is kept for them.")
        return redirect(_page(opportunity))
    return _form_page(
        request, form, opportunity, title=f"Invite someone: {opportunity}", submit_label="Invite"
    )


@login_required
def meeting_add(request, slug, pk):
    opportunity, _membership, _rights = _manage(request, slug, pk)
    form = MeetingForm(request.POST or None)

    def add(_data):
        meeting = form.meeting()
        if meeting is None:
            return None
        try:
            return services.meeting_add(
                actor=request.user,
                opportunity=opportunity,
                starts_at=meeting[0],
                ends_at=meeting[1],
            )
        except ApplicationError as error:
            error.field = "first_date" if error.field in (None, "meetings") else error.field
            raise

    if submit(request, form, add) and not form.errors:
        messages.success(request, "The meeting is added, and the people with a place are told.")
        return redirect(_page(opportunity))
    return _form_page(
        request,
        form,
        opportunity,
        title=f"Add a meeting: {opportunity}",
        submit_label="Add the meeting",
    )


@login_required
def opportunity_change(request, slug, pk):
    opportunity, _membership, _rights = _manage(request, slug, pk)
    initial = {
        "description": opportunity.description,
        "place": opportunity.place,
        "accessibility": opportunity.accessibility,
        "status": opportunity.status,
    }
    form = ChangeForm(request.POST or None, initial=initial)
    done = submit(
        request,
        form,
        lambda data: services.opportunity_change(
            actor=request.user, opportunity=opportunity, **data
        ),
    )
    if done:
        messages.success(request, "Saved.")
        return redirect(_page(opportunity))
    return _form_page(
        request,
        form,
        opportunity,
        title=f"Change, close or reopen: {opportunity}",
        intro="Closing it stops new people asking; the people on it keep their places.",
        submit_label="Save",
    )


@login_required
def opportunity_cancel(request, slug, pk):
    opportunity, _membership, _rights = _manage(request, slug, pk)
    form = CancelForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: services.opportunity_cancel(
            actor=request.user, opportunity=opportunity, reason=data["reason"]
        ),
    )
    if done:
        messages.success(request, "It is cancelled, and everyone on it is told why.")
        return redirect(_page(opportunity))
    return _form_page(
        request,
        form,
        opportunity,
        title=f"Cancel: {opportunity}",
        intro="Everyone with a place, asking or waiting is told, and their places end. "
        "This cannot be undone.",
        submit_label="Cancel the opportunity",
    )


@login_required
def opportunity_hired(request, slug, pk):
    opportunity, _membership, _rights = _manage(request, slug, pk)
    form = HiredForm(request.POST or None, initial={"hired": opportunity.hired})
    done = submit(
        request,
        form,
        lambda data: services.hired_record(
            actor=request.user, opportunity=opportunity, hired=data["hired"]
        ),
    )
    if done:
        messages.success(request, "Saved: it counts in the hub's figures.")
        return redirect(_page(opportunity))
    return _form_page(
        request,
        form,
        opportunity,
        title=f"Who the panel hired: {opportunity}",
        submit_label="Save",
    )


# --- the shortlist -----------------------------------------------------------------------------


@login_required
def opportunity_shortlist(request, slug, pk):
    opportunity, _membership, _rights = _manage(request, slug, pk)
    if request.method == "POST" and request.POST.get("not_chosen"):
        return _not_chosen(request, opportunity)
    ranked = selectors.shortlist_for(opportunity)
    form = ShortlistForm(request.POST or None, ranked=ranked)
    given = submit(
        request,
        form,
        lambda data: (
            services.shortlist_confirm(
                actor=request.user, opportunity=opportunity, chosen=data["chosen"]
            )
            or []
        ),
    )
    if given:
        count = len(given) if isinstance(given, list) else 0
        people = "person has" if count == 1 else "people have"
        messages.success(
            request,
            f"{count} {people} a place; everyone else asking is on the waiting list, in "
            "the fair order.",
        )
        return redirect(_page(opportunity))
    holders = list(
        opportunity.signups.filter(status__in=HOLDING_STATUSES).values_list("side", "invited")
    )
    rows = [(signup, r, form["chosen"][index]) for index, (signup, r) in enumerate(ranked)]
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "involve/shortlist.html",
        {
            "hub": opportunity.hub,
            "opportunity": opportunity,
            "rows": rows,
            "form": form,
            "left": places_left(opportunity, holders),
        },
        status=status,
    )


def _not_chosen(request, opportunity):
    raw = str(request.POST.get("not_chosen", ""))
    signup = get_object_or_404(
        SignUp.objects.select_related("opportunity__hub", "person"),
        opportunity=opportunity,
        pk=int(raw) if raw.isdigit() and 0 < int(raw) < 2**63 else 0,
    )
    try:
        services.signup_not_chosen(actor=request.user, signup=signup)
    except ApplicationError as error:
        messages.error(request, error.for_people)
    else:
        messages.success(request, f"{signup.person} is told: not this time.")
    return redirect("involve-shortlist", opportunity.hub.slug, opportunity.pk)
