"""Reads of pledges used by more than one view (the pages, the CSV, the API, the CLI)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, FloatField, Func, OuterRef
from django.utils import timezone

from coproduce.hubs.models import Hub
from coproduce.plainrows import plain_rows

from . import scorecard
from .models import Pledge, PledgeCategory, Report, ReportFeedback, UserSideCount


class Seconds(Func):
    """A moment as POSIX seconds, worked out by the database. The scorecard reads
    every report of a hub; turning 300,000 stored datetimes into Python datetimes took
    most of its time on SQLite (see docs/performance.md), and the engine needs only
    numbers to compare and subtract."""

    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        template = "((julianday(%(expressions)s) - 2440587.5) * 86400.0)"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        template = "EXTRACT(EPOCH FROM %(expressions)s)::float8"
        return self.as_sql(compiler, connection, template=template, **extra)


def report_rows(reports) -> list[tuple]:
    """The scorecard's rows (see scorecard.Row; moments as POSIX seconds) for a queryset
    of reports: one query, whatever its size. "Disputed" is whether the reporter ever
    answered "not fixed". Read with a plain cursor: every column is already a number or
    text, and Django's converters would cost a third of the scorecard's time."""
    return plain_rows(
        reports.order_by()
        .annotate(
            made_s=Seconds("created_at"),
            due_s=Seconds("expected_at"),
            closed_s=Seconds("closed_at"),
            disputed=Exists(ReportFeedback.objects.filter(report=OuterRef("pk"), fixed=False)),
        )
        .values_list(
            "category__code", "made_s", "due_s", "closed_s", "status", "reopened", "disputed"
        )
    )


@dataclass
class PledgeScorecard:
    pledge: Pledge
    card: scorecard.Scorecard
    categories: list[PledgeCategory]  # in the scorecard's order

    @property
    def names(self) -> dict[str, str]:
        return {category.code: category.name for category in self.categories}

    def rows(self):
        """(category or None for the whole pledge, CategoryCard-like) pairs for tables."""
        by_code = {category.code: category for category in self.categories}
        return [(by_code.get(card.key), card) for card in self.card.categories]

    def as_json(self) -> dict:
        return {
            "pledge": {"slug": self.pledge.slug, "title": self.pledge.title},
            **scorecard.as_json(self.card, self.names),
        }


def commitments_of(pledge: Pledge) -> list[str]:
    """The words of the users' commitments, in order."""
    return [
        str(item.get("text", "")).strip()
        for item in pledge.user_commitments or []
        if isinstance(item, dict) and str(item.get("text", "")).strip()
    ]


def _user_side(pledge_ids) -> dict[int, list[tuple]]:
    found = defaultdict(list)
    for pledge_id, commitment, month, count in UserSideCount.objects.filter(
        pledge_id__in=pledge_ids
    ).values_list("pledge_id", "commitment", "month", "count"):
        found[pledge_id].append((commitment, month, count))
    return found


def pledge_scorecard(pledge: Pledge, *, now: datetime.datetime | None = None) -> PledgeScorecard:
    """The scorecard of one pledge, as things stand now: three queries."""
    categories = list(pledge.categories.order_by("name", "pk"))
    rows = report_rows(Report.objects.filter(category__pledge=pledge))
    return PledgeScorecard(
        pledge=pledge,
        card=scorecard.score(
            rows,
            now=now or timezone.now(),
            categories=[category.code for category in categories],
            tz=timezone.get_current_timezone(),
            user_side=_user_side([pledge.pk])[pledge.pk],
            commitments=commitments_of(pledge),
        ),
        categories=categories,
    )


def hub_scorecards(
    hub: Hub, *, now: datetime.datetime | None = None, published_only: bool = True
) -> list[PledgeScorecard]:
    """The scorecards of every pledge of a hub (published and retired ones; drafts too
    unless `published_only`), with one query for all the hub's reports."""
    now = now or timezone.now()
    pledges = list(
        Pledge.objects.filter(hub=hub)
        .exclude(status="draft" if published_only else "")
        .order_by("title", "pk")
    )
    categories = defaultdict(list)
    for category in PledgeCategory.objects.filter(pledge__in=pledges).order_by("name", "pk"):
        categories[category.pledge_id].append(category)
    pledge_of = {
        category.code: category.pledge_id for found in categories.values() for category in found
    }
    rows = defaultdict(list)
    for row in report_rows(Report.objects.filter(hub=hub, category__pledge__in=pledges)):
        rows[pledge_of[row[0]]].append(row)
    user_side = _user_side([pledge.pk for pledge in pledges])
    tz = timezone.get_current_timezone()
    return [
        PledgeScorecard(
            pledge=pledge,
            card=scorecard.score(
                rows[pledge.pk],
                now=now,
                categories=[category.code for category in categories[pledge.pk]],
                tz=tz,
                user_side=user_side[pledge.pk],
                commitments=commitments_of(pledge),
            ),
            categories=categories[pledge.pk],
        )
        for pledge in pledges
    ]
