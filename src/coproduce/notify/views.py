"""What's new, and how each person hears about things. Views parse, call a service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from coproduce.hubs.models import Hub
from coproduce.views import render_form, submit

from . import access, selectors, services
from .forms import ChoicesForm, MarkReadForm, initial_for

PER_PAGE = 30


@login_required
def whats_new(request):
    unread_only = request.GET.get("show") == "unread"
    notifications = selectors.notifications_for(request.user, unread_only=unread_only)
    page = Paginator(notifications, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "notify/whats_new.html",
        {
            "page": page,
            "unread_only": unread_only,
            "newest": max((n.pk for n in page), default=None),
            "unread": selectors.unread_count(request.user),
        },
    )


@login_required
@require_POST
def mark_read(request):
    form = MarkReadForm(request.POST)
    if form.is_valid():
        one = form.cleaned_data["notification"]
        count = services.mark_read(
            person=request.user,
            ids=[one] if one else [],
            up_to=form.cleaned_data["up_to"],
        )
        if one is None:
            messages.success(request, f"Marked {count} as read." if count else "Nothing new.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = "whats-new"
    return redirect(back or "whats-new")


@login_required
def my_choices(request):
    return _choices_page(request, request.user, hub=None)


@login_required
def member_choices(request, slug, person_id):
    hub = get_object_or_404(Hub, slug=slug)
    person = access.person_whose_choices(request.user, hub=hub, person_id=person_id)
    return _choices_page(request, person, hub=hub)


def _choices_page(request, person, *, hub):
    offline = not access.reached_by_email(person)
    current = services.choices_of(person)
    form = ChoicesForm(
        request.POST or None,
        initial=initial_for(current, offline=offline),
        offline=offline,
        for_someone=hub is not None,
    )
    done = submit(
        request,
        form,
        lambda data: services.preferences_set(
            actor=request.user, person=person, choices=data, hub=hub
        ),
    )
    back = redirect("member-detail", hub.slug, person.pk) if hub else redirect("my-profile")
    if done:
        messages.success(
            request, "Saved: " + ("what they are told." if hub else "how we tell you.")
        )
        return back
    if hub is None:
        title, intro = (
            "How we tell you",
            (
                "For each kind of news, choose an email straight away, a daily or weekly "
                "summary, or only the “What's new” page here."
            ),
        )
    elif offline:
        title, intro = (
            f"What {person.display_name} is told",
            (
                f"{person.display_name} has no email, so news for them comes to the "
                "coordinators to pass on. Choose what to pass on."
            ),
        )
    else:
        title, intro = (
            f"How {person.display_name} hears about things",
            (
                f"{person.display_name} has an email but does not sign in yet, so you choose "
                "for them. They can change it once they sign in."
            ),
        )
    return render_form(
        request,
        form,
        title=title,
        intro=intro,
        submit_label="Save",
        cancel_url=back.url,
    )
