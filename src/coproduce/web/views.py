"""Pages that belong to no one app: home, and the helpers every view uses."""

from collections.abc import Callable

from django.shortcuts import render

from coproduce.errors import ApplicationError
from coproduce.hubs.models import Hub
from coproduce.hubs.selectors import memberships_of


def submit(request, form, action: Callable[[dict], object]):
    """Validate a posted form and run the service; show its error next to the field.

    Returns the service's result, or None when the form must be shown again.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return action(form.cleaned_data) or True
    except ApplicationError as error:
        error.add_to_form(form)
        return None


def render_form(
    request,
    form,
    *,
    title: str,
    submit_label: str,
    intro: str = "",
    cancel_url: str = "",
    status: int | None = None,
    **context,
):
    if status is None:
        status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "web/form.html",
        {
            "form": form,
            "title": title,
            "intro": intro,
            "submit_label": submit_label,
            "cancel_url": cancel_url,
            **context,
        },
        status=status,
    )


def home(request):
    if not request.user.is_authenticated:
        return render(request, "web/landing.html", {"hubs": Hub.objects.all()})
    memberships = list(memberships_of(request.user))
    joined = {m.hub_id for m in memberships}
    return render(
        request,
        "web/home.html",
        {"memberships": memberships, "other_hubs": Hub.objects.exclude(pk__in=joined)},
    )


def error_403(request, exception=None):
    message = str(exception) if exception and str(exception) else ""
    return render(request, "403.html", {"message": message}, status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)
