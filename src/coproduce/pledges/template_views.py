"""Templates: a coordinator offers a published pledge to other hubs, and another hub's
coordinator adopts it as a local draft."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Hub
from coproduce.views import render_form, say_saved, submit

from . import access, pledge_selectors, services
from .models import Pledge
from .pledge_forms import KeyForm
from .view_checks import pledge_or_404, require, rights_of


@login_required
@require_POST
def pledge_template(request, slug, pledge_slug):
    pledge = pledge_or_404(slug, pledge_slug)
    require(rights_of(request, pledge).offer_as_template,
             "Coordinators offer published pledges as templates.")  # fmt: skip
    offered = request.POST.get("offer") != "no"
    services.pledge_offer_as_template(actor=request.user, pledge=pledge, offered=offered)
    messages.success(
        request,
        "Other hubs can now adopt it as a template." if offered else "No longer a template.",
    )
    return redirect("pledge", slug, pledge.slug)


def template_list(request, slug):
    hub = get_object_or_404(Hub, slug=slug)
    membership = hub_access.membership_of(request.user, hub)
    return render(
        request,
        "pledges/templates.html",
        {
            "hub": hub,
            "templates": pledge_selectors.templates(),
            "may_adopt": bool(membership and membership.can_coordinate),
        },
    )


@login_required
def template_adopt(request, slug, template_id):
    hub = get_object_or_404(Hub, slug=slug)
    template = get_object_or_404(Pledge.objects.select_related("hub"), pk=template_id)
    membership = hub_access.membership_of(request.user, hub)
    if not (membership and membership.can_coordinate):
        raise PermissionDenied("A coordinator of the hub adopts templates.")
    if not access.may_adopt(membership, hub, template):
        raise Http404("No such template.")
    form = KeyForm(request.POST if request.method == "POST" else None)
    pledge = submit(
        request,
        form,
        lambda data: services.pledge_adopt(
            actor=request.user, template=template, hub=hub, key=data["key"] or None
        ),
    )
    if pledge:
        say_saved(request, pledge, "Adopted as a draft: change what is different here.")
        return redirect("pledge-draft", hub.slug, pledge.slug)
    return render_form(
        request,
        form,
        title=f"Adopt “{template.title}”",
        intro=f"A draft pledge for {hub.name} is made from {template.hub.name}'s template. "
        "Change what is different here; the pledge shows what changed from the template. It "
        "is published once signed off here, by staff and by someone who uses the service.",
        submit_label="Adopt it as a draft",
        cancel_url=reverse("pledge-templates", args=[hub.slug]),
        hub=hub,
    )
