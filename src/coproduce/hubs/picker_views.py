"""The search behind every picker (see pickers.py): people, or a purpose's `Things`."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, render

from . import access, pickers
from .models import Hub


@login_required
def people_search(request, slug):
    """Up to ten people (or referrals, ...) a form may take, for someone who may use that
    form: a member of this hub with the purpose's right (the project's lead, a
    coordinator, ...)."""
    hub = get_object_or_404(Hub, slug=slug)
    membership = access.require_member(request.user, hub)
    purpose = pickers.purpose_named(request.GET.get("for", ""))
    context = pickers.may_search(membership, purpose, request.GET)
    if request.method != "GET":  # refused as a GET would be first, then this
        return HttpResponseNotAllowed(["GET"])
    name = pickers.safe_name(request.GET.get("field", "person"))
    html_id = pickers.safe_name(request.GET.get("id", f"id_{name}"))
    query = (request.GET.get(name + pickers.QUERY_SUFFIX) or request.GET.get("q") or "").strip()
    query = query[: pickers.MAX_QUERY]
    found = pickers.find(
        hub,
        purpose,
        context,
        query,
        email=access.may_search_by_email(membership),
        limit=pickers.LIMIT + 1,
    )
    # What is ticked already comes with the search, so that it stays ticked.
    ids = [int(v) for v in request.GET.getlist(name) if v.isdigit()]
    picked = pickers.chosen(hub, purpose, context, ids)
    picked_ids = {m.pk for m in picked}
    return render(
        request,
        "hubs/_picker_results.html",
        {
            "name": name,
            "id": html_id,
            "picker": {
                "multiple": purpose.multiple,
                "chosen": picked,
                "matches": [m for m in found[: pickers.LIMIT] if m.pk not in picked_ids],
                "more": len(found) > pickers.LIMIT,
                "query": query,
                "searched": bool(query),
                "refused": [] if found else pickers.refused(hub, purpose, context, query),
                **pickers.wording(purpose.things),
            },
        },
    )
