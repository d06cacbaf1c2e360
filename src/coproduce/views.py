"""Helpers every app's views use: run a posted form through a service, say it was
saved (or, for a form sent twice, that it already was), and render the shared form page."""

from collections.abc import Callable

from django.contrib import messages
from django.shortcuts import render

from coproduce.errors import ApplicationError
from coproduce.idempotency import replayed

ALREADY_SAVED = "This was already saved: nothing has been saved twice."


def say_saved(request, result, message: str) -> None:
    """The success message, or, when the result is the first request's given again
    (the same form sent twice), that it was already saved."""
    messages.success(request, ALREADY_SAVED if replayed(result) else message)


def posted_key(request) -> str | None:
    """The hidden key of a button's form (`{% once_key %}`), or None."""
    return request.POST.get("key") or None


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
