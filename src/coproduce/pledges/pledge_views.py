"""Pledge pages: the hub's list, the public page of each pledge, the draft with its
sign-offs and the forms that change it. Templates are in template_views.py; the working
calendar and the service's places in calendar_views.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Hub
from coproduce.views import render_form, say_saved, submit

from . import access, pledge_selectors, services
from .content import draft_of, fingerprint, has_changes, latest_version, published_content
from .models import Pledge, SignOffRole
from .pledge_forms import (
    CategoryForm,
    KeyForm,
    PledgeForm,
    PublishForm,
    RetireForm,
    TitleForm,
)
from .view_checks import pledge_or_404, require, rights_of


def pledge_list(request, slug):
    hub = get_object_or_404(Hub, slug=slug)
    membership = hub_access.membership_of(request.user, hub)
    return render(
        request,
        "pledges/list.html",
        {
            "hub": hub,
            "pledges": pledge_selectors.pledges_for(hub, membership),
            "may_draft": access.may_draft(membership, hub),
            "may_run_calendar": access.may_run_calendar(membership, hub),
        },
    )


@login_required
def pledge_new(request, slug):
    hub = get_object_or_404(Hub, slug=slug)
    require(access.may_draft(hub_access.membership_of(request.user, hub), hub),
             "Only the hub's staff can draft a pledge.")  # fmt: skip
    form = TitleForm(request.POST or None)
    pledge = submit(
        request,
        form,
        lambda data: services.pledge_create(
            actor=request.user, hub=hub, title=data["title"], key=data["key"] or None
        ),
    )
    if pledge:
        say_saved(request, pledge, "The draft is started: add its targets.")
        return redirect("pledge-draft", hub.slug, pledge.slug)
    return render_form(
        request,
        form,
        title="Draft a pledge",
        intro="A pledge is what the service and the people who use it promise each other. It "
        "is published once someone from the service and someone who uses it have signed it.",
        submit_label="Start the draft",
        cancel_url=reverse("pledges", args=[hub.slug]),
        hub=hub,
    )


def pledge_detail(request, slug, pledge_slug):
    """The public page: what the latest version promises, on both sides."""
    pledge = pledge_or_404(slug, pledge_slug)
    viewer = hub_access.membership_of(request.user, pledge.hub)
    rights = access.pledge_rights(viewer, pledge)
    content, version = published_content(pledge)
    if content is None and not rights.see_draft:
        raise Http404("No pledge here.")
    return render(
        request,
        "pledges/detail.html",
        {
            "hub": pledge.hub,
            "pledge": pledge,
            "rights": rights,
            "version": version,
            "content": content,
            "targets": pledge_selectors.targets(content) if content else [],
            "grown_from": pledge_selectors.grown_from_rows(content) if content else [],
            "history": pledge_selectors.history(pledge),
            "from_template": pledge_selectors.changes_from_template(pledge, content)
            if content
            else None,
            "adoptions": pledge_selectors.adoptions_shown(pledge),
            "calendar": services.calendar_description(pledge.hub),
            "has_draft": rights.see_draft and has_changes(pledge),
            "offer_report": access.offers_reporting(viewer, pledge),
        },
    )


@login_required
def pledge_draft(request, slug, pledge_slug):
    """The draft: what it says, what changes from the published version, who signed it."""
    pledge = pledge_or_404(slug, pledge_slug)
    rights = rights_of(request, pledge)
    if pledge.status == "retired" and rights.see_names:
        messages.info(request, "A retired pledge has no draft: to promise something again, "
                      "draft a new pledge.")  # fmt: skip
        return redirect("pledge", slug, pledge.slug)
    require(rights.see_draft, "Members of the hub see its draft pledges.")
    content = draft_of(pledge)
    changed = has_changes(pledge)
    sign_offs = list(services.current_sign_offs(pledge)) if changed else []
    signed = {s.person_id for s in sign_offs}
    missing = services.missing_sign_offs(pledge) if changed else []
    return render(
        request,
        "pledges/draft.html",
        {
            "hub": pledge.hub,
            "pledge": pledge,
            "rights": rights,
            "content": content,
            "targets": pledge_selectors.targets(content),
            "grown_from": pledge_selectors.grown_from_rows(content),
            "changes": pledge_selectors.draft_changes(pledge) if changed else [],
            "has_changes": changed,
            "published": latest_version(pledge),
            "from_template": pledge_selectors.changes_from_template(pledge, content),
            "sign_offs": sign_offs,
            "signed": request.user.pk in signed,
            "fingerprint": fingerprint(content),  # what a signature here is for
            "missing": [SignOffRole(role).label for role in missing],
            "publish_form": PublishForm() if rights.publish and changed and not missing else None,
            "key_form": KeyForm(),
        },
    )


@login_required
def pledge_edit(request, slug, pledge_slug):
    pledge = pledge_or_404(slug, pledge_slug)
    require(rights_of(request, pledge).edit, "Only the hub's staff can change a pledge.")
    content = draft_of(pledge)
    chosen = [g["statement"] for g in content["grown_from"]]
    form = PledgeForm(
        request.POST or None,
        statements=pledge_selectors.candidate_statements(pledge.hub, chosen),
        commitments=content["user_commitments"],
        initial={
            "title": content["title"],
            "summary": content["summary"],
            "co_designed_by": content["co_designed_by"],
            "public_reports": content["public_reports"],
            "grown_from": [str(pk) for pk in chosen],
        },
    )
    saved = submit(
        request,
        form,
        lambda data: [
            services.pledge_update(
                actor=request.user,
                pledge=pledge,
                title=data["title"],
                summary=data["summary"],
                co_designed_by=data["co_designed_by"],
                public_reports=data["public_reports"],
                user_commitments=form.commitments(),
                grown_from=form.chosen_statements(),
            )
        ],
    )
    if saved:
        [changed] = saved
        messages.success(
            request,
            "Saved. It needs signing off again before it is published." if changed
            else "Nothing changed.",
        )  # fmt: skip
        return redirect("pledge-draft", slug, pledge.slug)
    return render_form(
        request,
        form,
        title=f"Change the draft: {content['title']}",
        intro="What the pledge says, what the people who use the service commit to in "
        "return, and the common ground it grew from.",
        submit_label="Save the draft",
        cancel_url=reverse("pledge-draft", args=[slug, pledge.slug]),
        hub=pledge.hub,
    )


def _category_page(request, pledge: Pledge, existing: dict | None):
    slug = pledge.hub.slug
    require(rights_of(request, pledge).edit, "Only the hub's staff can change a pledge.")
    initial = {}
    if existing:
        initial = {k: existing.get(k) for k in CategoryForm.base_fields if k in existing}
        initial["staff"] = [str(pk) for pk in existing.get("staff", [])]
    form = CategoryForm(
        request.POST or None,
        hub=pledge.hub,
        questions=(existing or {}).get("attributes", []),
        editing=existing is not None,
        initial=initial,
    )
    saved = submit(
        request,
        form,
        lambda data: services.category_save(
            actor=request.user,
            pledge=pledge,
            existing_code=existing["code"] if existing else None,
            code=data.get("code", ""),
            name=data["name"],
            description=data["description"],
            commitment=data["commitment"],
            target_amount=data["target_amount"],
            target_unit=data["target_unit"],
            group=data["group"],
            keywords=data["keywords"],
            questions=form.questions(),
            staff=form.chosen_staff(),
        ),
    )
    if saved:
        messages.success(request, f"Saved the target “{saved['name']}”.")
        return redirect("pledge-draft", slug, pledge.slug)
    return render(
        request,
        "pledges/category_form.html",
        {
            "hub": pledge.hub,
            "pledge": pledge,
            "form": form,
            "existing": existing,
            "title": f"Change “{existing['name']}”" if existing else "Add a target",
        },
        status=400 if form.errors else 200,
    )


@login_required
def category_new(request, slug, pledge_slug):
    return _category_page(request, pledge_or_404(slug, pledge_slug), None)


@login_required
def category_edit(request, slug, pledge_slug, code):
    pledge = pledge_or_404(slug, pledge_slug)
    require(rights_of(request, pledge).edit, "Only the hub's staff can change a pledge.")
    existing = next((c for c in draft_of(pledge)["categories"] if c["code"] == code), None)
    if existing is None:
        raise Http404("No such target in this draft.")
    return _category_page(request, pledge, existing)


@login_required
@require_POST
def category_remove(request, slug, pledge_slug, code):
    pledge = pledge_or_404(slug, pledge_slug)
    require(rights_of(request, pledge).edit, "Only the hub's staff can change a pledge.")
    try:
        services.category_remove(actor=request.user, pledge=pledge, code=code)
        messages.success(request, "Taken out of the draft.")
    except ApplicationError as error:
        messages.error(request, error.for_people)
    return redirect("pledge-draft", slug, pledge.slug)


@login_required
@require_POST
def pledge_sign(request, slug, pledge_slug):
    pledge = pledge_or_404(slug, pledge_slug)
    require(rights_of(request, pledge).sign, "Members of the hub sign off its pledges.")
    try:
        signed = services.pledge_sign(
            actor=request.user, pledge=pledge, seen=request.POST.get("seen", "")[:64] or None
        )
        messages.success(request, f"Signed off, {SignOffRole(signed.role).label.lower()}.")
    except ApplicationError as error:
        messages.error(request, error.for_people)
    return redirect("pledge-draft", slug, pledge.slug)


@login_required
@require_POST
def pledge_publish(request, slug, pledge_slug):
    pledge = pledge_or_404(slug, pledge_slug)
    require(rights_of(request, pledge).publish, "Coordinators publish pledges.")
    form = PublishForm(request.POST)
    form.is_valid()
    try:
        version = services.pledge_publish(
            actor=request.user,
            pledge=pledge,
            change_note=form.cleaned_data.get("change_note", ""),
            key=form.cleaned_data.get("key") or None,
        )
    except ApplicationError as error:
        messages.error(request, error.for_people)
        return redirect("pledge-draft", slug, pledge.slug)
    say_saved(request, version, f"Version {version.number} is published.")
    return redirect("pledge", slug, pledge.slug)


@login_required
def pledge_retire(request, slug, pledge_slug):
    """Asks first: retiring stops reports under a pledge both sides signed, and cannot be
    undone (a new pledge can be drafted), so the coordinator says why."""
    pledge = pledge_or_404(slug, pledge_slug)
    if pledge.status == "retired" and hub_access.is_coordinator(request.user, pledge.hub):
        messages.info(request, "This pledge is retired already.")
        return redirect("pledge", slug, pledge.slug)
    require(rights_of(request, pledge).retire, "Coordinators retire published pledges.")
    form = RetireForm(request.POST or None)
    saved = submit(
        request,
        form,
        lambda data: [
            services.pledge_retire(actor=request.user, pledge=pledge, reason=data["reason"])
        ],
    )
    if saved:
        messages.success(request, "Retired: it takes no more reports. Its page stays.")
        return redirect("pledge", slug, pledge.slug)
    return render_form(
        request,
        form,
        title=f"Retire “{pledge.title}”?",
        intro="It will take no more reports, and other hubs can no longer adopt it. Its "
        "page, versions, reports and scorecard stay. This cannot be undone: to promise "
        "something again, draft a new pledge.",
        submit_label="Retire the pledge",
        cancel_url=reverse("pledge", args=[slug, pledge.slug]),
        hub=pledge.hub,
    )
