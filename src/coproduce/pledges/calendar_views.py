"""The hub's working calendar (working days and hours, holidays) and the service's places,
which coordinators keep for every pledge of the hub."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Hub
from coproduce.views import submit

from . import access, services
from .models import Holiday, ServicePoint, WorkingCalendar
from .pledge_forms import (
    CalendarForm,
    HolidayForm,
    PlaceForm,
)
from .view_checks import require


def _coordinator_hub(request, slug) -> Hub:
    hub = get_object_or_404(Hub, slug=slug)
    require(access.may_run_calendar(hub_access.membership_of(request.user, hub), hub),
             "Coordinators keep the working calendar and the service's places.")  # fmt: skip
    return hub


@login_required
def calendar(request, slug):
    hub = _coordinator_hub(request, slug)
    stored = WorkingCalendar.objects.filter(hub=hub).first()
    initial = {
        "working_days": ["1", "2", "3", "4", "5"],
        "day_starts": "09:00",
        "day_ends": "17:00",
    }
    if stored:
        initial = {
            "working_days": [str(d) for d in stored.working_days],
            "day_starts": stored.day_starts,
            "day_ends": stored.day_ends,
        }
    form = CalendarForm(request.POST or None, initial=initial)
    saved = submit(
        request,
        form,
        lambda data: [
            services.calendar_update(
                actor=request.user,
                hub=hub,
                working_days=[int(d) for d in data["working_days"]],
                day_starts=data["day_starts"],
                day_ends=data["day_ends"],
            )
        ],
    )
    if saved:
        messages.success(request, "Saved. New reports are counted on this calendar.")
        return redirect("pledge-calendar", slug)
    return render(
        request,
        "pledges/calendar.html",
        {
            "hub": hub,
            "form": form,
            "holiday_form": HolidayForm(),
            "holidays": Holiday.objects.filter(hub=hub),
            "description": services.calendar_description(hub),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def holiday_add(request, slug):
    hub = _coordinator_hub(request, slug)
    form = HolidayForm(request.POST)
    saved = submit(
        request,
        form,
        lambda data: services.holiday_add(
            actor=request.user, hub=hub, day=data["day"], name=data["name"]
        ),
    )
    if saved:
        messages.success(request, f"Added {saved.name}.")
        return redirect("pledge-calendar", slug)
    return render(
        request,
        "pledges/calendar.html",
        {
            "hub": hub,
            "form": CalendarForm(initial={}),
            "holiday_form": form,
            "holidays": Holiday.objects.filter(hub=hub),
            "description": services.calendar_description(hub),
        },
        status=400,
    )


@login_required
@require_POST
def holiday_remove(request, slug, holiday_id):
    hub = _coordinator_hub(request, slug)
    holiday = get_object_or_404(Holiday, pk=holiday_id, hub=hub)
    services.holiday_remove(actor=request.user, holiday=holiday)
    messages.success(request, f"Removed {holiday.name}.")
    return redirect("pledge-calendar", slug)


@login_required
def places(request, slug, place_id=None):
    hub = _coordinator_hub(request, slug)
    point = get_object_or_404(ServicePoint, pk=place_id, hub=hub) if place_id else None
    initial = {}
    if point:
        initial = {
            "name": point.name,
            "address": point.address,
            "lat": point.lat,
            "long": point.long,
        }
    form = PlaceForm(request.POST or None, initial=initial)
    saved = submit(
        request,
        form,
        lambda data: services.service_point_save(actor=request.user, hub=hub, point=point, **data),
    )
    if saved:
        messages.success(request, f"Saved {saved.name}.")
        return redirect("pledge-places", slug)
    return render(
        request,
        "pledges/places.html",
        {"hub": hub, "form": form, "point": point, "places": ServicePoint.objects.filter(hub=hub)},
        status=400 if form.errors else 200,
    )
