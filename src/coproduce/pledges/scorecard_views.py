"""The scorecard of a pledge: whether it is kept, month by month and by category, with a
chart and the same figures in tables, a print view for a board, a CSV, and the form staff
use to count the users' side. Reading never writes; the counts go through the service."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from coproduce.csv_export import csv_response, local_time
from coproduce.views import say_saved, submit

from . import access, scorecard, selectors, services
from .models import Pledge
from .scorecard_forms import UsersSideForm

# The chart's drawing (an SVG viewBox, in its own units): a month's label, then its bar,
# then its figures in words.
CHART_WIDTH = 400
LABEL_WIDTH = 70
BAR_WIDTH = 200
ROW_HEIGHT = 30
BAR_HEIGHT = 18


def _pledge(request, slug, pledge_slug) -> tuple[Pledge, access.PledgeRights]:
    pledge = get_object_or_404(
        Pledge.objects.select_related("hub"), hub__slug=slug, slug=pledge_slug
    )
    rights = access.pledge_rights(access.membership(request.user, pledge.hub), pledge)
    if not rights.see_scorecard:
        raise Http404("No such pledge.")  # a draft is not shown to anyone but staff
    return pledge, rights


def chart(card: scorecard.Scorecard) -> dict:
    """Bars for the chart, one a month: kept, not kept, closed without a fix and not yet
    due, each its own fill and pattern (never colour alone), scaled to the busiest month,
    with the figures in words beside each bar."""
    most = max((tally.reports for tally in card.by_month.values()), default=0) or 1
    bars = []
    for row, (month, tally) in enumerate(card.by_month.items()):
        x, segments = LABEL_WIDTH, []
        for kind, count in (
            ("kept", tally.kept),
            ("not-kept", tally.not_kept),
            ("without-fix", tally.without_fix),
            ("pending", tally.pending),
        ):
            width = BAR_WIDTH * count / most
            if count:
                segments.append({"kind": kind, "x": round(x, 1), "width": round(width, 1)})
            x += width
        bars.append(
            {
                "month": month,
                "y": row * ROW_HEIGHT + 6,
                "text_y": row * ROW_HEIGHT + 6 + BAR_HEIGHT - 4,
                "segments": segments,
                "words_x": LABEL_WIDTH + BAR_WIDTH + 6,
                "tally": tally,
            }
        )
    return {
        "bars": bars,
        "width": CHART_WIDTH,
        "height": len(bars) * ROW_HEIGHT + 8,
        "bar_height": BAR_HEIGHT,
    }


def _context(request, pledge, rights, form=None) -> dict:
    data = selectors.pledge_scorecard(pledge)
    commitments = selectors.commitments_of(pledge)
    if rights.record_users_side and commitments and form is None:
        form = UsersSideForm(commitments=commitments)
    return {
        "hub": pledge.hub,
        "pledge": pledge,
        "data": data,
        "card": data.card,
        "rows": data.rows(),
        "chart": chart(data.card),
        "months_newest_first": list(reversed(data.card.months)),
        "users": list(data.card.users.items()),
        "min_to_judge": scorecard.MIN_TO_JUDGE,
        "form": form if rights.record_users_side else None,
    }


def scorecard_page(request, slug, pledge_slug, printable=False):
    pledge, rights = _pledge(request, slug, pledge_slug)
    return render(
        request,
        "pledges/scorecard/print.html" if printable else "pledges/scorecard/page.html",
        _context(request, pledge, rights),
    )


def scorecard_csv(request, slug, pledge_slug):
    pledge, _ = _pledge(request, slug, pledge_slug)
    data = selectors.pledge_scorecard(pledge)
    header = [
        "category code", "category", "month", "reports", "closed", "fixed on time",
        "fixed late", "closed as not fixed", "closed without a fix", "open past due",
        "open not yet due", "kept", "not kept", "share kept", "enough to judge",
        "median hours to close as fixed (calendar time)", "disputed by the reporter",
        "reopened", "as of",
    ]  # fmt: skip
    as_of = local_time(data.card.now)

    def line(code, name, month, tally):
        out = scorecard.tally_json(tally)
        return [
            code, name, month, out["reports"], out["closed"], out["fixed_on_time"],
            out["fixed_late"], out["closed_not_fixed"], out["closed_without_fix"],
            out["open_overdue"], out["open_not_yet_due"], out["kept"], out["not_kept"],
            "" if out["share_kept"] is None else f"{out['share_kept']:.3f}",
            "yes" if out["enough_to_judge"] else "no",
            "" if out["median_hours_to_close"] is None else out["median_hours_to_close"],
            out["disputed"], out["reopened"], as_of,
        ]  # fmt: skip

    def rows():
        for category, card in data.rows():
            name = category.name if category else card.key
            for month, tally in card.months.items():
                yield line(card.key, name, f"{month:%Y-%m}", tally)
            yield line(card.key, name, "all", card.total)
        for month, tally in data.card.by_month.items():
            yield line("", "All categories", f"{month:%Y-%m}", tally)
        yield line("", "All categories", "all", data.card.total)

    return csv_response(f"scorecard-{pledge.hub.slug}-{pledge.slug}.csv", header, rows())


@login_required
@require_POST
def users_side(request, slug, pledge_slug):
    pledge, rights = _pledge(request, slug, pledge_slug)
    if not rights.record_users_side:
        raise PermissionDenied("Staff of the hub count the users' side of a published pledge.")
    form = UsersSideForm(request.POST, commitments=selectors.commitments_of(pledge))
    saved = submit(
        request,
        form,
        lambda data: services.user_side_record(
            actor=request.user,
            pledge=pledge,
            commitment=data["commitment"],
            month=data["month"],
            count=data["count"],
            note=data["note"],
            key=data["key"] or None,
        ),
    )
    if saved:
        say_saved(
            request,
            saved,
            f"Counted {saved.count} for “{saved.commitment}” in {saved.month:%B %Y}.",
        )
        return redirect(reverse("pledge-scorecard", args=[slug, pledge.slug]) + "#users-side")
    return render(
        request, "pledges/scorecard/page.html", _context(request, pledge, rights, form), status=400
    )
