"""The hub's areas and their figures: a list, one area's figures by hand, or all of them
from a CSV file. Coordinators only."""

import io
from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from coproduce.errors import ApplicationError
from coproduce.hubs.models import Membership, Neighbourhood
from coproduce.views import render_form, submit

from . import access
from .area_forms import AreaFiguresForm, AreaFileForm
from .areas import hub_areas
from .geography import AreaFileError, read_area_figures
from .services import areas as services

EXAMPLE = "area,decile,population\r\nBrook Estate,2,1450\r\nHill Top,7,1800\r\n"


def _hub(request, slug):
    hub = access.hub_for(slug)
    access.require_area_figures(request.user, hub)
    return hub


@login_required
def areas(request, slug):
    hub = _hub(request, slug)
    members = Membership.objects.filter(hub=hub, is_active=True)
    in_area = Counter(
        members.exclude(neighbourhood=None).values_list("neighbourhood_id", flat=True)
    )
    in_district = Counter(
        district.upper()
        for district in members.filter(neighbourhood=None)
        .exclude(person__postcode_district="")
        .values_list("person__postcode_district", flat=True)
    )
    known = hub_areas(hub, set(in_district))
    own = [(n, in_area[n.pk]) for n in hub.neighbourhoods.all()]
    districts = [
        (area, in_district[area.name]) for key, area in known.items() if key.startswith("d:")
    ]
    return render(
        request,
        "insight/areas.html",
        {"hub": hub, "own": own, "districts": districts},
    )


@login_required
def area_edit(request, slug, pk):
    hub = _hub(request, slug)
    neighbourhood = get_object_or_404(Neighbourhood, pk=pk, hub=hub)
    form = AreaFiguresForm(
        request.POST or None,
        initial={
            "deprivation_decile": neighbourhood.deprivation_decile,
            "population": neighbourhood.population,
        },
    )
    changed = submit(
        request,
        form,
        lambda data: (
            services.neighbourhood_figures_set(
                actor=request.user, neighbourhood=neighbourhood, **data
            )
            or "unchanged"
        ),
    )
    if changed:
        messages.success(
            request,
            f"Nothing changed: the figures of {neighbourhood.name} were already these."
            if changed == "unchanged"
            else f"Saved the figures of {neighbourhood.name}.",
        )
        return redirect("insight-areas", slug=slug)
    return render_form(
        request,
        form,
        title=f"The figures of {neighbourhood.name}",
        intro="Where the area stands in the Index of Multiple Deprivation, and how many "
        "people live there: the hub's insight compares who takes part with who lives here.",
        submit_label="Save the figures",
        cancel_url=reverse("insight-areas", args=[slug]),
        hub=hub,
    )


@login_required
def areas_upload(request, slug):
    hub = _hub(request, slug)
    if request.GET.get("format") == "example":
        response = HttpResponse(EXAMPLE, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="areas-example.csv"'
        return response
    form = AreaFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            text = form.cleaned_data["file"].read().decode("utf-8-sig")
            rows = read_area_figures(
                io.StringIO(text, newline=""),
                names=hub.neighbourhoods.values_list("name", flat=True),
            )
            changed = services.neighbourhood_figures_upload(actor=request.user, hub=hub, rows=rows)
        except UnicodeDecodeError:
            form.add_error("file", "The file is not a CSV file saved as UTF-8 text.")
        except AreaFileError as error:
            for problem in error.errors[:50]:
                form.add_error("file", problem)
            if len(error.errors) > 50:
                form.add_error("file", f"And {len(error.errors) - 50} more lines.")
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            messages.success(
                request,
                f"Read {len(rows)} areas: "
                + (
                    f"{changed} changed."
                    if changed
                    else "nothing changed, the figures were already these."
                ),
            )
            return redirect("insight-areas", slug=slug)
    return render(
        request,
        "insight/areas_upload.html",
        {"hub": hub, "form": form},
        status=400 if form.errors else 200,
    )
