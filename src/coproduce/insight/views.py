"""The insight pages: the dashboard and the board report (the hub's staff and
coordinators), the public summary (anyone, if the hub allows it), a CSV of every table,
and the settings (coordinators). Every figure comes from one report (report.py), got
through `report_for`; names of members only for coordinators."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone

from coproduce.csv_export import csv_response
from coproduce.hubs import access as hub_access
from coproduce.timebank.models import Category
from coproduce.views import say_saved, submit

from . import access, periods, summaries, tables
from . import report as report_module
from .forms import PeriodForm, SettingsForm
from .models import InsightSettings
from .services.settings import settings_of, settings_update


def report_for(hub, start, end, *, public: bool = False) -> dict:
    """The report of `hub` from `start` to `end`; for the public, with every small group
    hidden and no member named."""
    full = report_module.build(hub, start, end)
    if not public:
        return full
    hide = getattr(report_module, "public", None)
    if hide is not None:
        return hide(full)
    return {key: value for key, value in full.items() if key != "people"}


def _get_only(request):
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return None


def _period(request):
    """(form, start, end): from the query string, or the last full quarter."""
    form = PeriodForm(request.GET or None, today=timezone.localdate())
    if not form.is_bound:
        start, end = periods.last_full_quarter(timezone.localdate())
        return form, start, end
    if not form.is_valid():
        return form, None, None
    return form, form.cleaned_data["start"], form.cleaned_data["end"]


def _figures(report: dict, *, detail: bool) -> dict:
    every = tables.all_tables(report, detail=detail)
    return {
        "report": report,
        "tables": {name: {"table": t, "rows": t.page_rows()} for name, t in every.items()},
        "headline": summaries.headline(report),
        "reciprocity": summaries.reciprocity(report),
        "reliability": summaries.reliability(report),
        "value": summaries.value(report),
        "decile_chart": summaries.decile_chart(report),
        "area_chart": summaries.area_chart(report),
        "month_chart": summaries.month_chart(report),
        "detail": detail,
    }


@login_required
def dashboard(request, slug):
    hub = access.hub_for(slug)
    membership = access.require_insight(request.user, hub)
    if refused := _get_only(request):
        return refused
    form, start, end = _period(request)
    context = {"hub": hub, "form": form, "start": start, "end": end}
    context["can_change"] = access.changes_settings(membership)
    if start is None:
        return render(request, "insight/dashboard.html", context, status=400)
    detail = access.sees_member_detail(membership)
    context.update(_figures(report_for(hub, start, end), detail=detail))
    context["query"] = f"?period=dates&start={start.isoformat()}&end={end.isoformat()}"
    # The board report of the quarter the chosen period ends in.
    context["quarter"] = periods.quarter_name(end)
    return render(request, "insight/dashboard.html", context)


@login_required
def board_report(request, slug):
    hub = access.hub_for(slug)
    access.require_insight(request.user, hub)
    if refused := _get_only(request):
        return refused
    asked = request.GET.get("quarter", "")
    dates = (
        periods.parse_quarter(asked) if asked else periods.last_full_quarter(timezone.localdate())
    )
    today = timezone.localdate()
    context = {
        "hub": hub,
        "asked": asked[:20],
        "quarters": periods.quarters_to(today),
        "earliest_year": periods.EARLIEST_YEAR,
        "latest_year": periods.LATEST_YEAR,
    }
    if dates is not None and dates[0] > today:
        context["not_begun"] = True
        dates = None
    if dates is None:
        return render(request, "insight/board.html", context, status=400)
    start, quarter_end = dates
    end = min(quarter_end, today)
    # A printed board report leaves the coordinators' hands: it never names members,
    # whoever prints it (named members stay on the dashboard, for coordinators).
    context.update(_figures(report_for(hub, start, end), detail=False))
    context.update(
        start=start,
        end=end,
        quarter_end=quarter_end,
        unfinished=end < quarter_end,
        chosen=periods.quarter_name(start),
        quarter_words=periods.quarter_words(start),
        made_on=today,
    )
    return render(request, "insight/board.html", context)


def public_summary(request, slug):
    hub = access.hub_for(slug)
    if not InsightSettings.objects.filter(hub=hub, public_summary=True).exists():
        raise Http404("This hub does not share a summary of its figures.")
    if refused := _get_only(request):
        return refused
    start, end = periods.last_full_quarter(timezone.localdate())
    report = report_for(hub, start, end, public=True)
    small = report.get("small_group") or access.SMALL_GROUP
    by_decile = tables.public_by_decile(report)
    context = {
        "hub": hub,
        "start": start,
        "end": end,
        "small_group": small,
        "headline": summaries.headline(report),
        "by_decile": by_decile,
        "by_decile_rows": by_decile.page_rows(small),
        "value": summaries.value(report),
        "reciprocity": report.get("reciprocity") or {},
    }
    return render(request, "insight/public.html", context)


@login_required
def table_csv(request, slug, table):
    hub = access.hub_for(slug)
    membership = access.require_insight(request.user, hub)
    if table not in tables.MAKERS:
        raise Http404("There is no such table.")
    if table in tables.DETAIL and not access.sees_member_detail(membership):
        raise PermissionDenied("Only the hub's coordinators can see figures about named members.")
    if refused := _get_only(request):
        return refused
    form, start, end = _period(request)
    if start is None:
        problems = "; ".join(
            f"{form[name].label}: {' '.join(e)}" for name, e in form.errors.items()
        )
        return HttpResponse(problems, status=400, content_type="text/plain; charset=utf-8")
    made = tables.MAKERS[table](report_for(hub, start, end))
    return csv_response(
        f"{hub.slug}-{made.name}-{start.isoformat()}-to-{end.isoformat()}.csv",
        made.csv_header(),
        made.csv_rows(),
    )


@login_required
def settings_page(request, slug):
    hub = access.hub_for(slug)
    membership = hub_access.membership_of(request.user, hub)
    if not access.changes_settings(membership):
        raise PermissionDenied("Only the hub's coordinators can change its insight settings.")
    current = settings_of(hub)
    form = SettingsForm(
        request.POST or None,
        categories=Category.objects.filter(hub=hub),
        settings=current,
    )

    def save(data):
        return settings_update(
            actor=request.user,
            hub=hub,
            valuation=data["valuation"],
            role_rates=form.role_rates(),
            public_summary=data["public_summary"],
            catchment_districts=data["catchment"],
            key=data["key"] or None,
        )

    if saved := submit(request, form, save):
        say_saved(request, saved, "Saved the hub's insight settings.")
        return redirect("insight-settings", slug=slug)
    return render(
        request,
        "insight/settings.html",
        {"hub": hub, "form": form, "title": "Insight settings"},
        status=400 if form.errors else 200,
    )
