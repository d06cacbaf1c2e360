"""Storing the official area figures `coproduce geography import` read: one
transaction that replaces every AreaStat, audited once."""

from django.db import connection, transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.hubs.models import Person

from ..geography import Figures
from ..models import AreaKind, AreaStat

BATCH = 2000


@transaction.atomic
def area_stats_import(*, figures: Figures, source: str, actor: Person | None = None) -> int:
    """Replace every area's figures with `figures`; returns how many rows were stored.
    The same files imported again give the same table."""
    now = timezone.now()
    source = source[:200]
    rows = [
        AreaStat(
            kind=kind,
            code=code,
            deprivation_decile=area.decile,
            population=area.population,
            source=source,
            imported_at=now,
        )
        for kind, areas in (
            (AreaKind.SMALL_AREA, figures.small_areas),
            (AreaKind.DISTRICT, figures.districts),
        )
        for code, area in sorted(areas.items())
    ]
    if connection.vendor == "postgresql":
        # Two imports at once take turns (SQLite already writes one at a time); readers
        # carry on reading the old figures until this one commits.
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {AreaStat._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
    AreaStat.objects.all().delete()
    AreaStat.objects.bulk_create(rows, batch_size=BATCH)
    audit(
        hub=None,
        actor=actor,
        event=AuditKind.AREA_STATS_IMPORTED,
        subject=AreaStat.objects.order_by("pk").first(),
        new={
            "areas": len(rows),
            "small_areas": len(figures.small_areas),
            "districts": len(figures.districts),
            "terminated": figures.terminated,
            "source": source,
        },
    )
    return len(rows)
